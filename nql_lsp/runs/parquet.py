"""Neptune exporter parquet exports, read and queried with duckdb.

An export is a directory of ``<project>/<run>_part_<N>.parquet`` files (searched recursively), one row per
value or series point, in the long layout of neptune-exporter (columns in :data:`REQUIRED_COLUMNS`).

Opening an export makes one pass over it and keeps two small duckdb tables: ``nql_scalars`` (one row per
run and single-valued attribute) and ``nql_series`` (one row per run and series: its count and aggregates,
the last value of a string series). Series points never reach Python. Queries are then pushed down to
duckdb (:mod:`nql_lsp.evaluation.pushdown`) and only the matching runs are read back; the full list of runs is built
only when something asks for ``runs``.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from nql_lsp import __version__
from nql_lsp.language.catalog import TYPES
from nql_lsp.language.schema import ID_PATH, ID_TYPE
from nql_lsp.language.shapes import SHAPES
from nql_lsp.runs.cache import beside, entry, fingerprint, prune, used
from nql_lsp.runs.deferred import Matches
from nql_lsp.runs.layout import PART_NAME as _PART
from nql_lsp.runs.layout import REGISTRY_SCOPES, export_layout
from nql_lsp.runs.learned import LearnedSchema, schema_from_json, schema_to_json
from nql_lsp.runs.model import Progress, RegistryOnlyError, Run, RunsError, RunSet
from nql_lsp.runs.parquet_points import ExportPoints
from nql_lsp.runs.query_progress import interruptible, reporting
from nql_lsp.runs.summary_sql import (
    REQUIRED_COLUMNS,
    SCALAR_COLUMNS,
    SUMMARY_TABLES,
    exporter_types,
    series_columns,
    summary_sql,
)


def open_parquet(path: Path, progress: Progress | None = None, scope: str | None = None) -> ParquetRunSet:
    """The export at ``path``: its runs, or (``scope``: ``models``, ``model_versions``) those registry entities."""
    # What is wrong with the path comes before what is missing from the installation.
    if not path.exists():
        raise RunsError(f"{path}: no such file")
    layout = export_layout(path, scope)
    files, incomplete = layout.files, layout.incomplete
    registry = layout.registry_note() if scope is None else None
    runs = "runs" if scope is None else f"{REGISTRY_SCOPES[scope]}s"
    if not files and not incomplete:
        if registry is not None:
            raise RegistryOnlyError(f"{path}: holds no runs; {registry}")
        if scope is not None:
            raise RunsError(f"{path}: holds no {runs} (export-models writes them into <project folder>/{scope}/)")
        raise RunsError(f"{path}: a directory with no .parquet files in it")
    if not files:
        without = f"{len(incomplete):,} {runs} without their" if len(incomplete) != 1 else f"1 {runs[:-1]} without its"
        raise RunsError(
            f"{path}: every {runs[:-1]} is incomplete ({without} _part_0.parquet): "
            "the export was interrupted; run the exporter again"
        )
    try:
        import duckdb
    except ImportError:
        raise RunsError(f"{path}: reading parquet exports needs duckdb: pip install 'nql-lsp[parquet]'") from None
    cached = entry("parquet", fingerprint(files, __version__, duckdb.__version__, *summary_sql()), ".duckdb")
    con = duckdb.connect()
    try:
        with interruptible():
            found = ParquetRunSet(con, files, str(path), progress, cached)
    except KeyboardInterrupt:  # nothing half-written is kept: the summary is written whole or not at all
        con.close()
        raise
    except duckdb.Error as e:
        con.close()
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunsError(f"{path}: cannot read the parquet export: {first}") from None
    if incomplete:
        shown = ", ".join(incomplete[:3]) + (", …" if len(incomplete) > 3 else "")
        found.warn(
            f"{len(incomplete):,} incomplete {runs if len(incomplete) != 1 else runs[:-1]} left out "
            f"(no _part_0.parquet; the export was interrupted): {shown}"
        )
    if registry is not None:
        found.warn(registry)
    return found


def _run_files(files: list[str], bad: str) -> set[str]:
    """Every part of the run ``bad`` belongs to (a run is read whole or not at all)."""
    p = Path(bad)
    m = _PART.fullmatch(p.name)
    if m is None:
        return {bad}
    return {
        f
        for f in files
        if (q := Path(f)).parent == p.parent and (n := _PART.fullmatch(q.name)) and n["run"] == m["run"]
    }


class ParquetRunSet:
    """A parquet export held in duckdb: the summary tables, and runs read back from them on demand.

    Queries over it are pushed down to duckdb by :mod:`nql_lsp.evaluation.pushdown`. ``warnings`` says
    what was left out while reading it (incomplete runs, unreadable files, attribute types not read).
    """

    def __init__(
        self, con: Any, files: list[str], label: str, progress: Progress | None = None, cached: Path | None = None
    ) -> None:
        """Summarise the export, or reuse the summary ``cached`` holds (and else keep it there)."""
        self.con = con
        self.files = files
        self.label = label
        self.warnings: list[str] = []
        self._loaded: list[Run] | None = None
        self.from_cache = False
        self._cached = cached
        self._say = say = progress or (lambda message: None)
        con.execute("SET TimeZone = 'UTC'")
        # Progress is kept (a long first open reports it, query_progress), never drawn on the terminal.
        con.execute("SET enable_progress_bar = true")
        con.execute("SET enable_progress_bar_print = false")
        # duckdb spills to ./.tmp by default: never into the user's working directory.
        con.execute("SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "nql-lsp-duckdb")])
        if cached is not None and self._attach(cached):
            self.from_cache = True
            say(f"reusing the summary of {len(files):,} parquet files from {label} ({cached})")
            self._restore_warnings()
        else:
            say(f"reading {len(files):,} parquet files from {label}")
            self._summarise_readable(say)
            try:
                if cached is None or not self._write(cached):
                    self._make_tables("")  # in memory: nothing kept for the next run
            finally:
                con.execute("DROP TABLE IF EXISTS nql_groups")
        self._count: int = con.execute("SELECT count(*) FROM nql_runs").fetchone()[0]
        self.projects: list[str] = [
            r[0] for r in con.execute("SELECT DISTINCT project FROM nql_runs ORDER BY 1").fetchall()
        ]
        say(f"{self._count:,} runs")

    # --- the learned schema, kept beside the summary ------------------------------------------------

    def _schema_file(self) -> Path | None:
        """Where the schema of the runs this set holds is kept: beside the summary, named by it and by the
        runs the set's tables hold (a set narrowed to some projects keeps its own)."""
        if self._cached is None:
            return None
        held = self.con.execute("SELECT project, count(*) FROM nql_runs GROUP BY project ORDER BY project").fetchall()
        digest = hashlib.sha256(repr(held).encode("utf-8", "surrogatepass")).hexdigest()[:16]
        return beside(self._cached, f"{digest}.schema.json")

    def kept_schema(self) -> LearnedSchema | None:
        """The learned schema an earlier open kept, if any (and readable)."""
        file = self._schema_file()
        if file is None:
            return None
        try:
            text = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        return schema_from_json(text)

    def keep_schema(self, schema: LearnedSchema) -> None:
        """Keep the learned schema for the next open; a cache that cannot be written only costs time."""
        file = self._schema_file()
        if file is None:
            return
        partial = file.with_name(f"{file.name}.{os.getpid()}-{threading.get_ident()}.partial")
        try:
            partial.write_text(schema_to_json(schema), encoding="utf-8")
            os.replace(partial, file)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()

    def warn(self, message: str) -> None:
        self.warnings.append(message)
        self._say(f"warning: {message}")

    def _restore_warnings(self) -> None:
        import duckdb

        with contextlib.suppress(duckdb.Error):
            for (message,) in self.con.execute("SELECT message FROM nql_warnings ORDER BY k").fetchall():
                self.warn(message)

    def _attach(self, cached: Path) -> bool:
        """Read the summary tables from a cached summary: views over it, read-only. False if it cannot be read."""
        import duckdb

        if not cached.is_file():
            return False
        try:
            self.con.execute("ATTACH ? AS nql_cache (READ_ONLY)", [str(cached)])
            for table in SUMMARY_TABLES:
                self.con.execute(f"CREATE VIEW {table} AS SELECT * FROM nql_cache.{table}")
        except duckdb.Error:  # damaged or from another duckdb: summarised again and replaced
            for table in SUMMARY_TABLES:
                with contextlib.suppress(duckdb.Error):
                    self.con.execute(f"DROP VIEW IF EXISTS {table}")
            with contextlib.suppress(duckdb.Error):
                self.con.execute("DETACH DATABASE IF EXISTS nql_cache")
            return False
        used(cached)
        return True

    def _make_tables(self, into: str) -> None:
        _, *tables = summary_sql(into)
        self.con.execute(f"CREATE TABLE {into}nql_warnings (k INTEGER, message VARCHAR)")
        for k, message in enumerate(self.warnings):
            self.con.execute(f"INSERT INTO {into}nql_warnings VALUES (?, ?)", [k, message])
        for sql in tables:
            self.con.execute(sql)

    def _write(self, cached: Path) -> bool:
        """Make the summary tables in the cache file and read them from there: written once, not made in
        memory and copied. False if the cache cannot be written (that only costs the next run time)."""
        import duckdb

        # Named for this process and thread: a server may still be summarising an export it stopped loading.
        partial = cached.with_name(f"{cached.name}.{os.getpid()}-{threading.get_ident()}.partial")
        written = False
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            self.con.execute("ATTACH ? AS nql_save", [str(partial)])
            try:
                self._make_tables("nql_save.")
            finally:
                self.con.execute("DETACH nql_save")
            os.replace(partial, cached)  # whole or not at all, even with another nql-lsp writing the same
            written = True
        except duckdb.InterruptException:
            raise  # stopped: not a cache that cannot be written
        except (OSError, duckdb.Error):
            pass
        finally:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        if written:
            prune(cached.parent, cached.suffix)
        return written and self._attach(cached)

    def _summarise_readable(self, say: Progress) -> None:
        """Summarise the files; a file duckdb cannot read leaves its run out, with a warning naming it."""
        import duckdb

        files = list(self.files)
        while True:
            try:
                self._summarise(files, say)
                break
            except duckdb.InterruptException:
                raise  # stopped, not a file it cannot read
            except duckdb.Error as e:
                bad = self._unreadable(files, e)
                if bad is None:
                    raise
                left = _run_files(files, bad)
                files = [f for f in files if f not in left]
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                self.warn(f"{bad}: cannot be read, its run is left out: {first}")
                self.con.execute("DROP TABLE IF EXISTS nql_groups")
                if not files:
                    raise RunsError(f"{self.label}: cannot read the parquet export: {first}") from None
        self.files = files

    def _unreadable(self, files: list[str], error: Exception) -> str | None:
        """The file an error is about: named in its message, or else found by reading each file alone."""
        import duckdb

        message = str(error)
        named = [f for f in files if f in message]
        if named:
            return max(named, key=len)
        for f in files:
            try:
                self.con.execute("SELECT * FROM read_parquet(?)", [f]).fetchall()
            except duckdb.Error:
                return f
        return None

    def _summarise(self, files: list[str], say: Progress) -> None:
        import duckdb

        con = self.con
        try:  # files of one export share a schema, and reading one file's is much quicker than every file's
            con.read_parquet(files, filename=True, file_row_number=True).create_view("nql_file_rows", replace=True)
            con.execute("SELECT * FROM nql_file_rows LIMIT 0")
        except duckdb.Error:
            con.read_parquet(files, union_by_name=True, filename=True, file_row_number=True).create_view(
                "nql_file_rows", replace=True
            )
        self._check_columns(files)
        names = {row[0] for row in con.execute("DESCRIBE nql_file_rows").fetchall()}
        project = "" if "project_id" in names else ", CAST(NULL AS VARCHAR) AS project_id"
        con.execute(f"CREATE OR REPLACE VIEW nql_long AS SELECT *{project} FROM nql_file_rows")
        say("summarising runs and series")
        con.execute("SET preserve_insertion_order = false")  # no table keeps the order of the rows
        try:
            with reporting(con, say, "summarising runs and series"):
                con.execute(summary_sql()[0])
        finally:
            con.execute("RESET preserve_insertion_order")
        self._check_types()

    def _check_columns(self, files: list[str]) -> None:
        names = {row[0] for row in self.con.execute("DESCRIBE nql_file_rows").fetchall()}
        missing = [
            c for c in REQUIRED_COLUMNS if c not in names and c not in ("histogram_value", "timestamp", "project_id")
        ]
        if missing:
            raise RunsError(f"{files[0]}: not a Neptune export: no column {', '.join(missing)}")

    def _check_types(self) -> None:
        """Checked over the groups, not the rows; the file and row of a problem are looked up only when there is one.

        Rows of an attribute type this version does not read are left out, with one warning counting them."""
        exporter = exporter_types()
        found = self.con.execute("""
            SELECT attribute_type, sum(rows), count(*) FILTER (WHERE run_id IS NULL OR attribute_path IS NULL)
            FROM nql_groups GROUP BY attribute_type ORDER BY attribute_type""").fetchall()
        unknown = [(t, n) for t, n, _ in found if t is not None and t not in exporter]
        if unknown:
            listed = ", ".join(f"{t!r} ({n:,} row{'s' if n != 1 else ''})" for t, n in unknown)
            self.warn(f"attribute types this version does not read were left out: {listed}")
        if all(type_ is not None and not nulls for type_, _, nulls in found):
            return
        bad = self.con.execute("""
            SELECT filename, file_row_number, run_id IS NULL, attribute_path IS NULL
            FROM nql_long
            WHERE run_id IS NULL OR attribute_path IS NULL OR attribute_type IS NULL
            LIMIT 1""").fetchone()
        if bad is not None:
            file, row, no_run, no_path = bad
            what = "run_id" if no_run else "attribute_path" if no_path else "attribute_type"
            raise RunsError(f"{file}: row {row + 1}: no {what}")

    # --- the runs ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    @property
    def runs(self) -> list[Run]:
        """Every run, read back in full (on first use)."""
        if self._loaded is None:
            self._loaded = self.fetch(None)
        return self._loaded

    def in_memory(self) -> RunSet:
        """The same runs as a plain :class:`RunSet`, evaluated in Python."""
        return RunSet(self.runs, self.label)

    def by_id(self, run_id: str) -> Run | None:
        """The run with this exporter run id, or else this ``sys/id`` (the first project's, if several hold it)."""
        keys = (
            self.con.execute(
                "SELECT run_id FROM nql_runs WHERE exported_id = ? ORDER BY run_id LIMIT 1", [run_id]
            ).fetchone()
            or self.con.execute(
                "SELECT run_id FROM nql_scalars WHERE path = ? AND type = ? AND str = ? ORDER BY run_id LIMIT 1",
                [ID_PATH, ID_TYPE, run_id],
            ).fetchone()
        )
        return self.fetch([keys[0]])[0] if keys else None

    def count(self, include_trashed: bool = False) -> int:
        where = "" if include_trashed else " WHERE NOT coalesce(trashed, false)"
        found: int = self.con.execute(f"SELECT count(*) FROM nql_runs{where}").fetchone()[0]
        return found

    # --- series points, read from the files ----------------------------------------------------------

    @functools.cached_property
    def points(self) -> ExportPoints:
        """The series points, read from the files this set summarised (not from those it left out)."""
        return ExportPoints(self.con, self.files)

    def series_points(
        self, runs: Sequence[Run], paths: Sequence[str] | None = None
    ) -> list[tuple[Run, str, float, float]]:
        """The points of the float series (``paths``, or all) of these runs: :meth:`ExportPoints.series_points`."""
        return self.points.series_points(runs, paths)

    def series_lines(
        self, runs: Sequence[Run], path: str, width: int
    ) -> tuple[dict[str, tuple[list[float], list[float | None]]], set[str]]:
        """One float series of a chart's runs, thinned to ``width`` pixels: :meth:`ExportPoints.series_lines`."""
        return self.points.series_lines(runs, path, width)

    # --- reading runs back -------------------------------------------------------------------------

    @functools.cached_property
    def _names(self) -> dict[str, tuple[str | None, str, str]]:
        """Every run's (sys/id, project, exporter run id) by summary key, read once: the export does not
        change while it is open, so a query's matches are then only their keys (no join per keystroke)."""
        rows = self.con.execute(
            """
            SELECT r.run_id, s.str, r.project, r.exported_id FROM nql_runs r
            LEFT JOIN nql_scalars s ON s.run_id = r.run_id AND s.path = ? AND s.type = ?""",
            [ID_PATH, ID_TYPE],
        ).fetchall()
        return {key: (sys_id, project, exported) for key, sys_id, project, exported in rows}

    @functools.cached_property
    def _keys_by_id(self) -> dict[tuple[str, str], str]:
        """Summary keys by (run id, project), the id as :meth:`by_id` takes it: the exporter's run id, else
        the ``sys/id``."""
        found: dict[tuple[str, str], str] = {}
        for key, (_, project, exported) in self._names.items():
            found.setdefault((exported, project), key)
        for key, (sys_id, project, _) in self._names.items():
            if sys_id is not None:
                found.setdefault((sys_id, project), key)
        return found

    def run_in(self, run_id: str, project: str) -> Run | None:
        """The run of this id (as :meth:`by_id` takes it) in ``project``, its attributes read on first use."""
        key = self._keys_by_id.get((run_id, project))
        return None if key is None else Matches(self, [key])[0]

    def matching(self, sql: str, params: Sequence[Any]) -> Matches:
        """The runs whose summary keys ``sql`` selects (one column, in its order), made and read on first use."""
        keys = [key for (key,) in self.con.execute(sql, list(params)).fetchall()]  # numpy is not a dependency
        return Matches(self, keys)

    @functools.cached_property
    def _columns(self) -> OrderedDict[str, dict[str, tuple[str, Any]]]:
        return OrderedDict()

    def columns(self, paths: Sequence[str]) -> list[dict[str, tuple[str, Any]]]:
        """For each path, every run's value of it by summary key (runs without it absent).

        A table shows the same few columns keystroke after keystroke, and the export does not change
        while open: a column is read once, for every run (a path's rows are a few row groups, where a
        page's runs are scattered over them all), and the last :data:`KEPT_COLUMNS` are kept."""
        held = self._columns
        missing = [p for p in dict.fromkeys(paths) if p not in held]
        if missing:
            found, _ = self._read(None, missing, names=False)
            by_path: dict[str, dict[str, tuple[str, Any]]] = {p: {} for p in missing}
            for key, attrs in found.items():
                for path, value in attrs.items():
                    by_path[path][key] = value
            held.update(by_path)
        for p in paths:
            held.move_to_end(p)
        while len(held) > max(KEPT_COLUMNS, len(paths)):
            held.popitem(last=False)
        return [held[p] for p in paths]

    def fetch(self, keys: list[str] | None, paths: list[str] | None = None) -> list[Run]:
        """The runs with these summary keys (all runs for None), in key order (project, then run id);
        with ``paths``, holding only those of their attributes."""
        attrs, names = self._read(keys, paths)
        return [Run(a, names[key][1], None, names[key][0]) for key, a in attrs.items()]

    def _read(
        self, keys: list[str] | None, paths: list[str] | None = None, names: bool = True
    ) -> tuple[dict[str, dict[str, tuple[str, Any]]], dict[str, tuple[str, str]]]:
        """Attributes by summary key, and each run's (project, exporter run id), in key order
        (``names`` False: the runs holding any of the attributes, in no order, and no names)."""
        if keys is not None and not keys:
            return {}, {}
        filt = "" if keys is None else " WHERE run_id IN (SELECT unnest(?::VARCHAR[]))"
        params: list[Any] = [] if keys is None else [keys]
        attrs: dict[str, dict[str, tuple[str, Any]]] = {}
        named: dict[str, tuple[str, str]] = {}
        if names:
            for key, project, exported in self.con.execute(
                f"SELECT run_id, project, exported_id FROM nql_runs{filt} ORDER BY run_id", params
            ).fetchall():
                attrs[key] = {}
                named[key] = (project, exported)
        if paths is not None:  # a list of values, not a subquery: duckdb skips the row groups of other paths
            listed = f"path IN ({', '.join('?' * len(paths))})" if paths else "FALSE"
            filt += (" AND " if filt else " WHERE ") + listed
            params = [*params, *paths]
        shapes = {name: SHAPES[t.shape] for name, t in TYPES.items()}
        for table, columns in (("nql_scalars", SCALAR_COLUMNS), ("nql_series", series_columns())):
            at = {name: i for i, name in enumerate(columns, 3)}
            for row in self.con.execute(
                f"SELECT run_id, path, type, {', '.join(columns)} FROM {table}{filt}", params
            ).fetchall():
                key, path, type_ = row[0], row[1], row[2]
                held = attrs.get(key) if names else attrs.setdefault(key, {})
                shape = shapes.get(type_)
                if held is None or shape is None:
                    continue
                value = shape.from_sql(row, at)
                if value is not None:
                    held[path] = (type_, value)
        return attrs, named


#: Columns (a path's value for every run) an export keeps read: a table's columns and a sort's.
KEPT_COLUMNS = 16
