"""A schema learned from runs: which paths exist, with which types, in how many runs, holding what.

The checker warns on paths no run has (with a did-you-mean against the real ones) and on clauses whose
type no run holds the path with; completion offers the paths, tags and common values; hover shows the
statistics and a series' typical shape. ``sys/`` fields keep their documentation and their system flag,
and the ones no run holds are still known, so a learned schema is a complete one.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats
from nql_lsp.runs.model import FloatSeries, Run

COMMON = 12  # most common values kept per field
SHAPE_POINTS = 24  # a series' typical shape, resampled to this many points
SHAPE_RUNS = 200  # series averaged into the shape


@dataclass(slots=True)
class LearnedSchema:
    by_path: dict[str, FieldInfo]
    runs: int = 0
    learned: bool = True

    def field(self, path: str) -> FieldInfo | None:
        found = self.by_path.get(path)
        return found if found is not None else SYSTEM_SCHEMA.field(path)

    def fields(self) -> Iterator[FieldInfo]:
        yield from self.by_path.values()
        for info in SYSTEM_SCHEMA.fields():
            if info.path not in self.by_path:
                yield info


def field_info(path: str, stats: dict[str, FieldStats]) -> FieldInfo:
    """A learned field: its types by how many runs hold each, with the ``sys/`` documentation if any."""
    types = tuple(sorted(stats, key=lambda t: -stats[t].runs))
    system = SYSTEM_SCHEMA.field(path)
    if system is None:
        return FieldInfo(path, types, stats=stats)
    types += tuple(t for t in system.types if t not in types)
    return FieldInfo(path, types, system.doc, system=True, stats=stats)


def learn(runs: Sequence[Run]) -> LearnedSchema:
    """Learn from ``runs``; "last" means the value in the last run of the sequence (the newest, in order)."""
    values: dict[tuple[str, str], list[Any]] = {}
    for run in runs:
        for path, (type_, value) in run.attributes.items():
            held = values.get((path, type_))
            if held is None:
                values[(path, type_)] = [value]
            else:
                held.append(value)
    by_path: dict[str, dict[str, FieldStats]] = {}
    for (path, type_), seen in values.items():
        by_path.setdefault(path, {})[type_] = stats_of(type_, seen)
    return LearnedSchema({path: field_info(path, stats) for path, stats in sorted(by_path.items())}, len(runs))


def stats_of(type_: str, seen: list[Any]) -> FieldStats:
    stats = FieldStats(runs=len(seen))
    if type_ in ("float", "int"):
        finite = [float(v) for v in seen if not (isinstance(v, float) and math.isnan(v))]
        if finite:
            stats.minimum, stats.maximum, stats.last = min(finite), max(finite), finite[-1]
        if type_ == "int" or len(set(seen)) <= COMMON:  # parameters: a few values worth offering
            stats.common = _common(f"{v:g}" if isinstance(v, float) else str(v) for v in seen)
    elif type_ in ("string", "experimentState", "artifact"):
        stats.common = _common(seen)
    elif type_ == "stringSeries":
        stats.common = _common(s[-1] for s in seen if s)
    elif type_ == "stringSet":
        stats.common = _common(tag for tags in seen for tag in tags)
    elif type_ == "floatSeries":
        series: list[FloatSeries] = [s for s in seen if s.count]
        if series:
            stats.minimum = min(s.minimum for s in series)
            stats.maximum = max(s.maximum for s in series)
            stats.last = series[-1].last
            stats.shape = typical_shape(s.points for s in series[-SHAPE_RUNS:] if s.points is not None)
    return stats


def _common(values: Iterable[str]) -> list[tuple[str, int]]:
    return Counter(values).most_common(COMMON)


def typical_shape(all_points: Iterable[Sequence[float]], size: int = SHAPE_POINTS) -> list[float]:
    """The mean of the series, each resampled to ``size`` points by position along its length."""
    sums = [0.0] * size
    count = 0
    for points in all_points:
        n = len(points)
        if n == 0:
            continue
        count += 1
        for k in range(size):
            sums[k] += points[min(n - 1, (k * n) // size)]
    return [s / count for s in sums] if count else []
