"""A float series' points, for the chart, read from a parquet export's files.

An export's summary keeps each series' count and aggregates, never its points (queries need no more), so
the chart reads the points of the few runs it draws from the files themselves, through duckdb. The
exporter writes a run's parts as ``<project folder>/<sanitised run id>-<digest>_part_<N>.parquet``, so a
run's own files are found by name and a chart reads a few files, not the export; a hand-made export
named otherwise is read whole, filtered by run.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nql_lsp.runs import Run
from nql_lsp.runs.parquet import ParquetRunSet

SERIES_TYPE_IN_EXPORT = "float_series"
_PART = re.compile(r"(?P<run>.+)_part_\d+\.parquet")


def exporter_name(part: str) -> str:
    """The file (and folder) name neptune-exporter gives a run or project id: letters, digits, ``_`` and
    ``-`` kept, the rest ``_``, then ``-`` and 16 hex digits of its blake2b digest, so names stay apart."""
    digest = hashlib.blake2b(part.encode("utf-8"), digest_size=8).hexdigest()
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in part) + "-" + digest


class ExportPoints:
    """Reads points of one export; the index of files by run is built once, on the first chart."""

    def __init__(self, export: ParquetRunSet) -> None:
        self.export = export
        self._by_run: dict[tuple[str, str], list[str]] | None = None
        self._lock = threading.Lock()
        self._con: Any = None

    def _index(self) -> dict[tuple[str, str], list[str]]:
        if self._by_run is None:
            found: dict[tuple[str, str], list[str]] = {}
            for file in self.export.files:
                p = Path(file)
                m = _PART.fullmatch(p.name)
                if m is not None:
                    found.setdefault((p.parent.name, m["run"]), []).append(file)
            self._by_run = found
        return self._by_run

    def _files(self, run: Run) -> list[str]:
        index = self._index()
        exported = run.fallback_id or run.id
        project = exporter_name(run.project) if run.project else None
        for stem in (exporter_name(exported), exported):
            hits = [f for (folder, name), files in index.items() if name == stem for f in files]
            if project is not None:
                hits = [f for f in hits if Path(f).parent.name == project] or hits
            if hits:
                return sorted(hits)
        return list(self.export.files)

    def many(self, runs: Sequence[Run], path: str) -> list[tuple[list[float], list[float | None]] | None]:
        """:meth:`points` for each run, read in one pass over their files (a chart's runs together)."""
        import duckdb

        if len(runs) < 2 or not all(r.project for r in runs):
            return [self.points(r, path) for r in runs]
        with self._lock:
            con = self._connection()
            files = sorted({f for r in runs for f in self._files(r)})
            try:
                rows = con.execute(
                    """SELECT project_id, run_id, CAST(step AS DOUBLE), float_value
                    FROM read_parquet(?, union_by_name = true)
                    WHERE attribute_path = ? AND attribute_type = ? AND run_id IN (SELECT unnest(?))
                    ORDER BY project_id, run_id, step""",
                    [files, path, SERIES_TYPE_IN_EXPORT, sorted({_exported(r) for r in runs})],
                ).fetchall()
            except duckdb.Error:
                rows = None
        if rows is None:
            return [self.points(r, path) for r in runs]
        found: dict[tuple[str, str], tuple[list[float], list[float | None]]] = {}
        for project, run_id, step, value in rows:
            steps, values = found.setdefault((project, run_id), ([], []))
            steps.append(step)
            values.append(value)
        return [found.get((r.project, _exported(r))) for r in runs]

    def _connection(self) -> Any:
        if self._con is None:
            import duckdb

            self._con = duckdb.connect()
            self._con.execute("SET enable_progress_bar = false")
        return self._con

    def points(self, run: Run, path: str) -> tuple[list[float], list[float | None]] | None:
        """Steps and values of ``path`` in ``run``, by step; None when the run holds no such series."""
        import duckdb

        with self._lock:
            con = self._connection()
            files = self._files(run)
            project_clause = " AND project_id = ?" if run.project else ""
            params: list[Any] = [_exported(run), path, SERIES_TYPE_IN_EXPORT]
            if run.project:
                params.append(run.project)
            try:
                rows = con.execute(
                    f"""SELECT CAST(step AS DOUBLE), float_value FROM read_parquet(?, union_by_name = true)
                    WHERE run_id = ? AND attribute_path = ? AND attribute_type = ?{project_clause}
                    ORDER BY step""",
                    [files, *params],
                ).fetchall()
            except duckdb.Error:
                return None
        if not rows:
            return None
        return [r[0] for r in rows], [r[1] for r in rows]


def _exported(run: Run) -> str:
    return run.fallback_id or run.id


def thin_points(
    steps: Sequence[float], values: Sequence[float | None], most: int
) -> tuple[list[float], list[float | None]]:
    """At most ``most`` points, evenly spaced, the last always kept; NaN and infinities become gaps."""
    import math

    n = len(steps)
    stride = max(1, math.ceil(n / most))
    picked = list(range(0, n, stride))
    if picked and picked[-1] != n - 1:
        picked.append(n - 1)
    return [steps[i] for i in picked], [
        v if v is not None and math.isfinite(v) else None for v in (values[i] for i in picked)
    ]
