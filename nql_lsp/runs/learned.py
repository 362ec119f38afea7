"""A schema learned from runs: which paths exist, with which types, in how many runs, holding what.

The checker warns on paths no run has (with a did-you-mean against the real ones) and on clauses whose
type no run holds the path with; completion offers the paths, tags and common values; hover shows the
statistics and a series' typical shape. ``sys/`` fields keep their documentation and their system flag,
and the ones no run holds are still known, so a learned schema is a complete one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from nql_lsp.language.catalog import NOT_EXPORTED, TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats
from nql_lsp.language.shapes import COMMON, SHAPE_POINTS, shape_of, typical_shape
from nql_lsp.runs.model import Run

__all__ = [
    "COMMON",
    "SHAPE_POINTS",
    "LearnedSchema",
    "field_info",
    "learn",
    "schema_from_json",
    "schema_to_json",
    "stats_of",
    "typical_shape",
]


@dataclass(slots=True)
class LearnedSchema:
    by_path: dict[str, FieldInfo]
    runs: int = 0
    learned: bool = True
    exported: bool = False  # learned from a parquet export: fields it cannot answer on carry a note

    @property
    def run_count(self) -> int:
        return self.runs

    def field(self, path: str) -> FieldInfo | None:
        found = self.by_path.get(path)
        if found is None:
            system = SYSTEM_SCHEMA.field(path)
            if system is not None and self.exported and path in NOT_EXPORTED:
                return system.replace(note=NOT_EXPORTED[path])
            return system
        if self.exported and (note := TYPES[found.type].export_note if found.type in TYPES else ""):
            return found.replace(note=note, note_on_values=True)
        return found

    def fields(self) -> Iterator[FieldInfo]:
        yield from self.by_path.values()
        for info in SYSTEM_SCHEMA.fields():
            if info.path not in self.by_path:
                yield info


_TYPE_ORDER = {name: n for n, name in enumerate(TYPES)}


def field_info(path: str, stats: dict[str, FieldStats]) -> FieldInfo:
    """A learned field: its types by how many runs hold each, with the ``sys/`` documentation if any.

    A tie goes to the catalog's order of types, never to the order runs were read in: an export's summary
    and the same runs in memory list them differently, and an untyped field must compare the same."""
    types = tuple(sorted(stats, key=lambda t: (-stats[t].runs, _TYPE_ORDER.get(t, len(_TYPE_ORDER)))))
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
    shape_of(type_).learn(seen, stats)
    return stats


#: Bumped whenever what a kept schema holds changes: a schema kept by another version is learned again.
SCHEMA_FORMAT = 1


def schema_to_json(schema: LearnedSchema) -> str:
    """The schema as JSON, for the summary cache: each path's statistics by type (docs and notes are the
    catalog's, added again when it is read)."""
    fields = {
        path: {
            type_: {
                "runs": s.runs,
                "minimum": s.minimum,
                "maximum": s.maximum,
                "last": s.last,
                "common": [list(c) for c in s.common],
                "shape": s.shape,
            }
            for type_, s in info.stats.items()
        }
        for path, info in schema.by_path.items()
    }
    return json.dumps({"format": SCHEMA_FORMAT, "runs": schema.runs, "exported": schema.exported, "fields": fields})


def schema_from_json(text: str) -> LearnedSchema | None:
    """A schema :func:`schema_to_json` wrote; None for anything else (another format, damaged)."""
    try:
        held = json.loads(text)
        if not isinstance(held, dict) or held.get("format") != SCHEMA_FORMAT:
            return None
        by_path: dict[str, FieldInfo] = {}
        for path, types in held["fields"].items():
            stats = {
                type_: FieldStats(
                    runs=int(s["runs"]),
                    minimum=s["minimum"],
                    maximum=s["maximum"],
                    last=s["last"],
                    common=[(str(value), int(n)) for value, n in s["common"]],
                    shape=[float(v) for v in s["shape"]],
                )
                for type_, s in types.items()
            }
            by_path[str(path)] = field_info(str(path), stats)
        return LearnedSchema(by_path, int(held["runs"]), exported=bool(held["exported"]))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
