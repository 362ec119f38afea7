"""A parquet export's series points, read again from its files: the summary keeps only their aggregates.

A chart (:mod:`nql_lsp.explore`) or ``fetch_series`` (:mod:`nql_lsp.api`) asks for a few runs' points
of an export's tens of thousands: they are read from the files named after those runs where the
exporter's names say which (``<run>_part_<N>.parquet``), else from all of them, by duckdb, on the
connection that holds the summary (``nql_series`` says which runs hold which series).
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from typing import Any

from nql_lsp.language.catalog import TYPES
from nql_lsp.language.shapes import SHAPES, by_exporter
from nql_lsp.runs.deferred import _key_of
from nql_lsp.runs.layout import PART_NAME as _PART
from nql_lsp.runs.model import Run
from nql_lsp.runs.summary_sql import RUN_KEY_SQL


class ExportPoints:
    """The series points of the runs an export's summary holds, read from ``files`` on ``con``."""

    def __init__(self, con: Any, files: list[str]) -> None:
        self.con = con
        self.files = files

    def series_points(
        self, runs: Sequence[Run], paths: Sequence[str] | None = None
    ) -> list[tuple[Run, str, float, float]]:
        """The points of the float series (``paths``, or all) of these runs, read from the export's files:
        (run, path, step, value) in run order, then path, then step; a NaN point (a null value) is NaN.

        The summary keeps only each series' aggregates, so the points are read again, from the files named
        after the runs where the exporter's names say which (``<run>_part_<N>.parquet``), else from all."""
        keys = [_key_of(run) for run in runs]
        if not keys:
            return []
        kinds = [t.name for t in TYPES.values() if SHAPES[t.shape].aggregated]
        spellings = [w for w, t in by_exporter().items() if t in kinds]
        where = "run_id IN (SELECT unnest(?::VARCHAR[])) AND type IN (SELECT unnest(?::VARCHAR[]))"
        params: list[Any] = [keys, kinds]
        if paths is not None:
            where += " AND path IN (SELECT unnest(?::VARCHAR[]))"
            params.append(list(paths))
        held = self.con.execute(f"SELECT run_id, path FROM nql_series WHERE {where}", params).fetchall()
        if not held or not spellings:
            return []
        wanted = {(key, path) for key, path in held}
        named = self._files_of({key for key, _ in held})
        found: dict[tuple[str, str], list[tuple[float, float]]] = {}
        self._points(named, wanted, spellings, found)
        missing = wanted - found.keys()
        if missing:  # files not named after their runs: read them all for the rest
            self._points([f for f in self.files if f not in set(named)], missing, spellings, found)
        out: list[tuple[Run, str, float, float]] = []
        for run, key in zip(runs, keys, strict=True):
            for path in sorted(p for k, p in found if k == key):
                out += [(run, path, step, value) for step, value in found[(key, path)]]
        return out

    def _exported(self, key: str) -> str:
        return key.split(chr(31), 1)[1] if chr(31) in key else key

    @functools.cached_property
    def part_files(self) -> dict[str, list[str]]:
        """The part files by the run name in theirs (``<run>_part_<N>.parquet``), found once: a chart asks
        for a few runs' files of an export's tens of thousands, and matching every name each time costs more
        than reading the points."""
        by_run: dict[str, list[str]] = {}
        for f in self.files:
            if m := _PART.fullmatch(os.path.basename(f)):
                by_run.setdefault(m["run"], []).append(f)
        return by_run

    def _files_of(self, keys: set[str]) -> list[str]:
        """The files named after these runs (in the export's order)."""
        parts = self.part_files
        found = {f for key in keys for name in _file_names(self._exported(key)) for f in parts.get(name, ())}
        return [f for f in self.files if f in found]

    def series_lines(
        self, runs: Sequence[Run], path: str, width: int
    ) -> tuple[dict[str, tuple[list[float], list[float | None]]], set[str]]:
        """One float series of a chart's runs, thinned to ``width`` pixels, by summary key; and of the runs
        without points, the keys of those the summary says hold the series (only its aggregates were found).

        Steps and values come back as one list each per run, built by duckdb in one query over just those
        runs' files: a chart's 20,000 points never pass through Python one at a time. A series of more than
        ``PER_PIXEL * width`` points keeps, of each pixel's share of its points, the first, the last, the
        lowest and the highest (``explore.points.thin_line`` is the same rule for runs held in memory): every
        spike stays visible. Non-finite values (and null ones, the exporter's NaN) are None, gaps in the line."""
        keys = {_key_of(run) for run in runs}
        kinds = [t.name for t in TYPES.values() if SHAPES[t.shape].aggregated]
        spellings = [w for w, t in by_exporter().items() if t in kinds]
        if not keys or not spellings:
            return {}, set()
        found: dict[str, tuple[list[float], list[float | None]]] = {}
        named = self._files_of(keys)
        self._lines(named, keys, path, spellings, width, found)
        if found.keys() == keys:
            return found, set()
        held = {  # asked only now: a chart's runs usually all have their points
            key
            for (key,) in self.con.execute(
                "SELECT run_id FROM nql_series WHERE run_id IN (SELECT unnest(?::VARCHAR[])) AND path = ?"
                " AND type IN (SELECT unnest(?::VARCHAR[]))",
                [sorted(keys - found.keys()), path, kinds],
            ).fetchall()
        }
        if held:  # files not named after their runs: read them all for the rest
            skipped = set(named)
            self._lines([f for f in self.files if f not in skipped], held, path, spellings, width, found)
        return found, held - found.keys()

    def _lines(
        self,
        files: list[str],
        keys: set[str],
        path: str,
        spellings: list[str],
        width: int,
        found: dict[str, tuple[list[float], list[float | None]]],
    ) -> None:
        if not files or not keys:
            return
        import duckdb

        try:
            rows = self._lines_read(files, keys, path, spellings, width, "project_id")
        except duckdb.BinderException:  # files without a project_id column: runs of no project
            rows = self._lines_read(files, keys, path, spellings, width, "CAST(NULL AS VARCHAR)")
        for key, steps, values in rows:
            found[key] = (steps, values)

    def _lines_read(
        self, files: list[str], keys: set[str], path: str, spellings: list[str], width: int, project: str
    ) -> list[tuple[str, list[float], list[float | None]]]:
        """The lines of ``keys`` in ``files``: the files read in the query itself (no view, no schema asked
        first: each is a pass over the files' footers), grouped by the files' own columns."""
        where = """
            FROM read_parquet(?::VARCHAR[], union_by_name = true)
            WHERE attribute_type IN (SELECT unnest(?::VARCHAR[])) AND attribute_path = ?
              AND run_id IN (SELECT unnest(?::VARCHAR[]))"""
        params = [files, spellings, path, sorted({self._exported(k) for k in keys})]
        rows = [
            (key, steps, values)
            for held_in, run_id, steps, values in self.con.execute(
                f"""
                SELECT {project}, run_id, list(CAST(step AS DOUBLE) ORDER BY step),
                       list(CASE WHEN isfinite(float_value) THEN float_value END ORDER BY step)
                {where}
                GROUP BY ALL""",
                params,
            ).fetchall()
            if (key := f"{held_in or ''}{chr(31)}{run_id}") in keys
        ]
        long = sorted(key for key, steps, _ in rows if len(steps) > PER_PIXEL * width)
        if not long:
            return rows
        key_sql = RUN_KEY_SQL.replace("project_id", project)
        thinned: list[tuple[str, list[float], list[float | None]]] = (
            self.con.execute(  # the few series longer than the chart is wide: thinned as they are read
                f"""
            WITH numbered AS (
                SELECT *, row_number() OVER (PARTITION BY key ORDER BY step) - 1 AS i,
                       count(*) OVER (PARTITION BY key) AS n
                FROM (SELECT {key_sql} AS key, CAST(step AS DOUBLE) AS step,
                             CASE WHEN isfinite(float_value) THEN float_value END AS value {where})
                WHERE key IN (SELECT unnest(?::VARCHAR[]))
            ), ranked AS (
                SELECT *,
                    row_number() OVER (PARTITION BY key, bucket ORDER BY step) AS first,
                    row_number() OVER (PARTITION BY key, bucket ORDER BY step DESC) AS last,
                    row_number() OVER (PARTITION BY key, bucket ORDER BY value ASC NULLS LAST, step) AS low,
                    row_number() OVER (PARTITION BY key, bucket ORDER BY value DESC NULLS LAST, step) AS high
                FROM (SELECT *, (i * ?::BIGINT) // n AS bucket FROM numbered)
            )
            SELECT key, list(step ORDER BY step), list(value ORDER BY step) FROM ranked
            WHERE first = 1 OR last = 1 OR low = 1 OR high = 1
            GROUP BY key""",
                [*params, long, width],
            ).fetchall()
        )
        whole = set(long)
        return [row for row in rows if row[0] not in whole] + thinned

    def _points(
        self,
        files: list[str],
        wanted: set[tuple[str, str]],
        spellings: list[str],
        found: dict[tuple[str, str], list[tuple[float, float]]],
    ) -> None:
        if not files or not wanted:
            return
        self.con.read_parquet(files, union_by_name=True).create_view("nql_points", replace=True)
        names = {row[0] for row in self.con.execute("DESCRIBE nql_points").fetchall()}
        project = "project_id" if "project_id" in names else "CAST(NULL AS VARCHAR)"
        key_sql = RUN_KEY_SQL.replace("project_id", project)
        rows = self.con.execute(
            f"""
            SELECT {key_sql} AS key, attribute_path, CAST(step AS DOUBLE) AS step,
                   coalesce(float_value, 'NaN'::DOUBLE)
            FROM nql_points
            WHERE attribute_type IN (SELECT unnest(?::VARCHAR[]))
              AND run_id IN (SELECT unnest(?::VARCHAR[])) AND attribute_path IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY key, attribute_path, step""",
            [spellings, sorted({self._exported(k) for k, _ in wanted}), sorted({p for _, p in wanted})],
        ).fetchall()
        self.con.execute("DROP VIEW nql_points")
        for key, path, step, value in rows:
            if (key, path) in wanted:
                found.setdefault((key, path), []).append((step, value))


def _file_names(run_id: str) -> tuple[str, str]:
    """The names a run's part files may have: its id, or as neptune-exporter names them (every character
    but letters, digits, ``_`` and ``-`` turned into ``_``, then ``-`` and a 16-hex blake2b digest of the id)."""
    digest = hashlib.blake2b(run_id.encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()
    return run_id, "".join(c if c.isalnum() or c in "_-" else "_" for c in run_id) + "-" + digest


#: The names a run's part files may have (see ``_file_names``), for readers of the files outside this module.
run_file_names = _file_names


#: Points a chart's pixel keeps of a long series: its first, last, lowest and highest (see ``series_lines``).
PER_PIXEL = 4
