"""A float series' points, for the chart, from a parquet export.

An export's summary keeps each series' count and aggregates, never its points (queries need no more), so
the chart asks the export for the points of the few runs it draws (:meth:`ParquetRunSet.series_points`
reads them from those runs' own files).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nql_lsp.runs import Run
from nql_lsp.runs.parquet import ParquetRunSet


class ExportPoints:
    """The points of an export's float series, by run, shaped as the chart draws them."""

    def __init__(self, export: ParquetRunSet) -> None:
        self.export = export

    def many(self, runs: Sequence[Run], path: str) -> list[tuple[list[float], list[float | None]] | None]:
        """Steps and values of ``path`` for each run, read together (a chart's runs in one pass); None for a
        run that holds no such series. Callers hold the source, as every reader of its connection does."""
        found: dict[int, tuple[list[float], list[float | None]]] = {}
        for run, _, step, value in self.export.series_points(runs, [path]):
            steps, values = found.setdefault(id(run), ([], []))
            steps.append(step)
            values.append(None if math.isnan(value) else value)  # a NaN point is a gap in the line
        return [found.get(id(run)) for run in runs]

    def points(self, run: Run, path: str) -> tuple[list[float], list[float | None]] | None:
        return self.many([run], path)[0]


def thin_points(
    steps: Sequence[float], values: Sequence[float | None], most: int
) -> tuple[list[float], list[float | None]]:
    """At most ``most`` points, evenly spaced, the last always kept; NaN and infinities become gaps."""

    n = len(steps)
    stride = max(1, math.ceil(n / most))
    picked = list(range(0, n, stride))
    if picked and picked[-1] != n - 1:
        picked.append(n - 1)
    return [steps[i] for i in picked], [
        v if v is not None and math.isfinite(v) else None for v in (values[i] for i in picked)
    ]
