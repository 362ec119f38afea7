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
import math
import os
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nql_lsp.language.catalog import RUN_STATES
from nql_lsp.language.schema import FieldStats
from nql_lsp.runs.learned import COMMON, SHAPE_POINTS, LearnedSchema, field_info
from nql_lsp.runs.model import FloatSeries, Progress, Run, RunsError, RunSet

if TYPE_CHECKING:
    from nql_lsp.evaluation.conditions import Condition
    from nql_lsp.evaluation.evaluate import Bound

REQUIRED_COLUMNS = (
    "project_id",
    "run_id",
    "attribute_path",
    "attribute_type",
    "step",
    "timestamp",
    "int_value",
    "float_value",
    "string_value",
    "bool_value",
    "datetime_value",
    "string_set_value",
    "file_value",
    "histogram_value",
)

#: neptune-exporter attribute types -> NQL types (None: kept out, queries cannot filter on them).
EXPORTER_TYPES: dict[str, str | None] = {
    "float": "float",
    "int": "int",
    "string": "string",
    "bool": "bool",
    "datetime": "datetime",
    "string_set": "stringSet",
    "float_series": "floatSeries",
    "string_series": "stringSeries",
    "histogram_series": None,
    "file": "fileRef",
    "file_series": None,
}
SCALAR_TYPES = ("float", "int", "string", "bool", "datetime", "string_set", "file")
SHAPE_FILES = 50  # files read again for series shapes

# Run states as the evaluator reads them (catalog synonyms, lower case), in SQL.
_STATE_SQL = (
    "CASE lower(string_value) "
    + " ".join(f"WHEN '{word}' THEN '{state}'" for word, state in RUN_STATES.items())
    + " ELSE lower(string_value) END"
)


# The summary an export is reduced to; its tables are all that queries read (see SUMMARY_TABLES).
_SCALAR_CASES = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in EXPORTER_TYPES.items() if v and k in SCALAR_TYPES)
SUMMARY_SQL = (
    f"""
    CREATE TABLE nql_scalars AS
    SELECT run_id, attribute_path AS path,
           CASE WHEN attribute_type = 'string' AND attribute_path = 'sys/state' THEN 'experimentState'
                ELSE CASE attribute_type {_SCALAR_CASES} END END AS type,
           CASE attribute_type WHEN 'int' THEN CAST(int_value AS DOUBLE) ELSE float_value END AS num,
           int_value AS int_value,
           CASE WHEN attribute_type = 'string' AND attribute_path = 'sys/state' THEN {_STATE_SQL}
                ELSE string_value END AS str,
           bool_value AS flag,
           epoch_ms(datetime_value) / 1000.0 AS ts,
           string_set_value AS tags,
           file_value.path AS file
    FROM nql_long WHERE attribute_type IN {SCALAR_TYPES}""",
    """
    CREATE TABLE nql_series AS
    SELECT run_id, attribute_path AS path,
           CASE attribute_type WHEN 'float_series' THEN 'floatSeries' ELSE 'stringSeries' END AS type,
           count(float_value) FILTER (WHERE NOT isnan(float_value)) AS n,
           arg_max(float_value, step_order) FILTER (WHERE NOT isnan(float_value)) AS last,
           min(float_value) FILTER (WHERE NOT isnan(float_value)) AS mn,
           max(float_value) FILTER (WHERE NOT isnan(float_value)) AS mx,
           avg(float_value) FILTER (WHERE NOT isnan(float_value)) AS average,
           var_pop(float_value) FILTER (WHERE NOT isnan(float_value)) AS variance,
           arg_max(string_value, step_order) AS last_str
    FROM (SELECT *, CAST(step AS DOUBLE) AS step_order FROM nql_long)  -- doubles order faster than decimals
    WHERE attribute_type IN ('float_series', 'string_series')
    GROUP BY run_id, attribute_path, attribute_type""",
    """
    CREATE TABLE nql_runs AS
    SELECT run_id, bool_or(path = 'sys/trashed' AND type = 'bool' AND flag) AS trashed
    FROM (SELECT run_id, path, type, flag FROM nql_scalars
          UNION ALL SELECT run_id, path, type, NULL FROM nql_series)
    GROUP BY run_id ORDER BY run_id""",
)
SUMMARY_TABLES = ("nql_scalars", "nql_series", "nql_runs")


def open_parquet(path: Path, progress: Progress | None = None) -> ParquetRunSet:
    # What is wrong with the path comes before what is missing from the installation.
    files = sorted(str(p) for p in path.rglob("*.parquet")) if path.is_dir() else [str(path)]
    if not files:
        raise RunsError(f"{path}: a directory with no .parquet files in it")
    if not path.exists():
        raise RunsError(f"{path}: no such file")
    try:
        import duckdb
    except ImportError:
        raise RunsError(f"{path}: reading parquet exports needs duckdb: pip install 'nql-lsp[parquet]'") from None
    from nql_lsp import __version__
    from nql_lsp.runs.cache import entry, fingerprint

    cached = entry("parquet", fingerprint(files, __version__, duckdb.__version__, *SUMMARY_SQL), ".duckdb")
    con = duckdb.connect()
    try:
        return ParquetRunSet(con, files, str(path), progress, cached)
    except duckdb.Error as e:
        con.close()
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunsError(f"{path}: cannot read the parquet export: {first}") from None


class ParquetRunSet(RunSet):
    """A parquet export held in duckdb; queries run there, runs are read back on demand."""

    def __init__(
        self, con: Any, files: list[str], label: str, progress: Progress | None = None, cached: Path | None = None
    ) -> None:
        """Summarise the export, or reuse the summary ``cached`` holds (and else keep it there)."""
        self.con = con
        self.files = files
        self.label = label
        self._schema = None
        self._columns = None
        self._loaded: list[Run] | None = None
        self.from_cache = False
        say = progress or (lambda message: None)
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")  # duckdb would draw one on the terminal
        # duckdb spills to ./.tmp by default: never into the user's working directory.
        con.execute("SET temp_directory = ?", [str(Path(tempfile.gettempdir()) / "nql-lsp-duckdb")])
        if cached is not None and self._attach(cached):
            self.from_cache = True
            say(f"reusing the summary of {len(files):,} parquet files from {label} ({cached})")
        else:
            say(f"reading {len(files):,} parquet files from {label}")
            self._summarise(files, say)
            if cached is not None:
                self._save(cached)
        self._count = con.execute("SELECT count(*) FROM nql_runs").fetchone()[0]
        say(f"{self._count:,} runs")

    def _attach(self, cached: Path) -> bool:
        """Read the summary tables from a cached summary: views over it, read-only. False if it cannot be read."""
        import duckdb

        from nql_lsp.runs.cache import used

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

    def _save(self, cached: Path) -> None:
        """Keep the summary for the next run; a cache that cannot be written only costs that next run time."""
        import duckdb

        from nql_lsp.runs.cache import prune

        # Named for this process and thread: a server may still be summarising an export it stopped loading.
        partial = cached.with_name(f"{cached.name}.{os.getpid()}-{threading.get_ident()}.partial")
        try:
            cached.parent.mkdir(parents=True, exist_ok=True)
            self.con.execute("ATTACH ? AS nql_save", [str(partial)])
            try:
                for table in SUMMARY_TABLES:
                    self.con.execute(f"CREATE TABLE nql_save.{table} AS SELECT * FROM {table}")
            finally:
                self.con.execute("DETACH nql_save")
            os.replace(partial, cached)  # whole or not at all, even with another nql-lsp writing the same
        except (OSError, duckdb.Error):
            pass
        finally:
            for leftover in (partial, partial.with_name(partial.name + ".wal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
        prune(cached.parent, cached.suffix)

    def _summarise(self, files: list[str], say: Progress) -> None:
        import duckdb

        con = self.con
        try:  # files of one export share a schema, and reading one file's is much quicker than every file's
            con.read_parquet(files, filename=True, file_row_number=True).create_view("nql_long")
            con.execute("SELECT * FROM nql_long LIMIT 0")
        except duckdb.Error:
            con.read_parquet(files, union_by_name=True, filename=True, file_row_number=True).create_view(
                "nql_long", replace=True
            )
        self._check_columns(files)
        self._check_types()
        say("summarising runs and series")
        for sql in SUMMARY_SQL:
            con.execute(sql)

    def _check_columns(self, files: list[str]) -> None:
        names = {row[0] for row in self.con.execute("DESCRIBE nql_long").fetchall()}
        missing = [
            c for c in REQUIRED_COLUMNS if c not in names and c not in ("histogram_value", "timestamp", "project_id")
        ]
        if missing:
            raise RunsError(f"{files[0]}: not a Neptune export: no column {', '.join(missing)}")

    def _check_types(self) -> None:
        """One cheap pass over three columns; the file and row of a problem are looked up only when there is one."""
        known = tuple(EXPORTER_TYPES)
        found = self.con.execute("""
            SELECT attribute_type, count(*) FILTER (WHERE run_id IS NULL OR attribute_path IS NULL)
            FROM nql_long GROUP BY attribute_type""").fetchall()
        if all(type_ in EXPORTER_TYPES and not nulls for type_, nulls in found):
            return
        bad = self.con.execute(f"""
            SELECT filename, file_row_number, run_id IS NULL, attribute_path IS NULL, attribute_type
            FROM nql_long
            WHERE run_id IS NULL OR attribute_path IS NULL OR attribute_type IS NULL
               OR attribute_type NOT IN {known}
            LIMIT 1""").fetchone()
        if bad is not None:
            file, row, no_run, no_path, type_ = bad
            if no_run or no_path or type_ is None:
                what = "run_id" if no_run else "attribute_path" if no_path else "attribute_type"
                problem = f"no {what}"
            else:
                problem = f"unknown attribute_type {type_!r}; expected one of {', '.join(EXPORTER_TYPES)}"
            raise RunsError(f"{file}: row {row + 1}: {problem}")

    # --- RunSet ------------------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    @property  # type: ignore[override]
    def runs(self) -> list[Run]:
        if self._loaded is None:
            self._loaded = self._fetch(None)
        return self._loaded

    def in_memory(self) -> RunSet:
        """The same runs as a plain :class:`RunSet`, evaluated in Python."""
        return RunSet(self.runs, self.label)

    def by_id(self, run_id: str) -> Run | None:
        found = self._fetch([run_id])
        if found:
            return found[0]
        # run ids are the exporter's; a query names runs by sys/id
        ids = self.con.execute(
            "SELECT run_id FROM nql_scalars WHERE path = 'sys/id' AND str = ? LIMIT 1", [run_id]
        ).fetchone()
        return self._fetch([ids[0]])[0] if ids else None

    def count(self, include_trashed: bool = False) -> int:
        where = "" if include_trashed else " WHERE NOT coalesce(trashed, false)"
        return self.con.execute(f"SELECT count(*) FROM nql_runs{where}").fetchone()[0]

    def select(self, bound: Bound, include_trashed: bool) -> tuple[list[Run], int]:
        """The matching runs, whose attributes are read only when one of them is first asked for."""
        from nql_lsp.evaluation.pushdown import query_sql

        sql, params = query_sql(bound.expr, bound.conditions, include_trashed)
        rows = self.con.execute(
            f"""
            SELECT q.run_id, s.str FROM ({sql}) q
            LEFT JOIN nql_scalars s ON s.run_id = q.run_id AND s.path = 'sys/id' AND s.type = 'string'
            ORDER BY q.run_id""",
            params,
        ).fetchall()
        batch = _Batch(self, [run_id for run_id, _ in rows])
        return [LazyRun(run_id, sys_id, batch) for run_id, sys_id in rows], self.count(include_trashed)

    def count_clause(self, cond: Condition, include_trashed: bool) -> int:
        from nql_lsp.evaluation.pushdown import clause_sql

        params: list[Any] = []
        where = clause_sql(cond, params)
        if not include_trashed:
            where += " AND NOT coalesce(trashed, false)"
        return self.con.execute(f"SELECT count(*) FROM nql_runs WHERE {where}", params).fetchone()[0]

    @property
    def schema(self) -> LearnedSchema:  # type: ignore[override]
        if self._schema is None:
            self._schema = self._learn()
        return self._schema

    # --- reading runs back -------------------------------------------------------------------------

    def _fetch(self, ids: list[str] | None) -> list[Run]:
        """The runs with these exporter run ids (all runs for None), in run id order."""
        if ids is not None and not ids:
            return []
        filt = "" if ids is None else " WHERE run_id IN (SELECT unnest(?::VARCHAR[]))"
        params = [] if ids is None else [ids]
        attrs: dict[str, dict[str, tuple[str, Any]]] = {}
        for run_id in (
            ids
            if ids is not None
            else [r[0] for r in self.con.execute("SELECT run_id FROM nql_runs ORDER BY run_id").fetchall()]
        ):
            attrs[run_id] = {}
        for run_id, path, type_, num, int_value, text, flag, ts, tags, file in self.con.execute(
            f"SELECT run_id, path, type, num, int_value, str, flag, ts, tags, file FROM nql_scalars{filt}", params
        ).fetchall():
            value: Any
            if type_ == "float":
                value = num
            elif type_ == "int":
                value = int_value
            elif type_ == "bool":
                value = flag
            elif type_ == "datetime":
                value = datetime.fromtimestamp(ts, UTC) if ts is not None else None
            elif type_ == "stringSet":
                value = frozenset(tags or ())
            elif type_ == "fileRef":
                value = file or ""
            else:
                value = text
            if value is not None and run_id in attrs:
                attrs[run_id][path] = (type_, value)
        for run_id, path, type_, n, last, mn, mx, average, variance, last_str in self.con.execute(
            f"SELECT run_id, path, type, n, last, mn, mx, average, variance, last_str FROM nql_series{filt}", params
        ).fetchall():
            if run_id not in attrs:
                continue
            if type_ == "floatSeries":
                nan = math.nan
                series = (
                    FloatSeries(n, last, mn, mx, average, variance) if n else FloatSeries(0, nan, nan, nan, nan, nan)
                )
                attrs[run_id][path] = (type_, series)
            else:
                attrs[run_id][path] = (type_, (last_str,) if last_str is not None else ())
        return [Run(a, run_id) for run_id, a in attrs.items()]

    # --- the learned schema, in SQL ----------------------------------------------------------------

    def _learn(self) -> LearnedSchema:
        con = self.con
        stats: dict[str, dict[str, FieldStats]] = {}

        def entry(path: str, type_: str) -> FieldStats:
            return stats.setdefault(path, {}).setdefault(type_, FieldStats())

        for path, type_, runs, mn, mx, last in con.execute("""
                SELECT path, type, count(DISTINCT run_id), min(num), max(num), arg_max(num, run_id)
                FROM nql_scalars GROUP BY path, type""").fetchall():
            s = entry(path, type_)
            s.runs = runs
            if type_ in ("float", "int"):
                s.minimum, s.maximum, s.last = mn, mx, last
        for path, type_, value, n in con.execute(f"""
                SELECT path, type, value, n FROM (
                    SELECT path, type, value, count(*) AS n,
                           row_number() OVER (PARTITION BY path, type ORDER BY count(*) DESC, value) AS k
                    FROM (SELECT path, type, str AS value FROM nql_scalars
                          WHERE type IN ('string', 'experimentState')
                          UNION ALL SELECT path, type, CAST(num AS VARCHAR) FROM nql_scalars WHERE type = 'int'
                          UNION ALL SELECT path, type, unnest(tags) FROM nql_scalars WHERE type = 'stringSet'
                          UNION ALL SELECT path, type, last_str FROM nql_series WHERE type = 'stringSeries')
                    WHERE value IS NOT NULL GROUP BY path, type, value)
                WHERE k <= {COMMON} ORDER BY path, type, k""").fetchall():
            if type_ == "int":
                value = value.removesuffix(".0")
            entry(path, type_).common.append((value, n))
        for path, type_, runs, mn, mx, last in con.execute("""
                SELECT path, type, count(*), min(mn), max(mx), arg_max(last, run_id) FILTER (WHERE n > 0)
                FROM nql_series GROUP BY path, type""").fetchall():
            s = entry(path, type_)
            s.runs = runs
            if type_ == "floatSeries":
                s.minimum, s.maximum, s.last = mn, mx, last
        for path, shape in self._shapes().items():
            if "floatSeries" in stats.get(path, {}):
                stats[path]["floatSeries"].shape = shape
        by_path = {path: field_info(path, s) for path, s in sorted(stats.items())}
        return LearnedSchema(by_path, self._count)

    def _shapes(self) -> dict[str, list[float]]:
        """Each float series' typical shape, from a few files: the mean over runs of each run's series
        resampled to SHAPE_POINTS by position along its length."""
        rel = self.con.read_parquet(self.files[:SHAPE_FILES], union_by_name=True)
        rel.create_view("nql_shape_sample", replace=True)
        rows = self.con.execute(f"""
            WITH points AS (
                SELECT run_id, attribute_path AS path, float_value AS v,
                       row_number() OVER (PARTITION BY run_id, attribute_path ORDER BY step) - 1 AS i,
                       count(*) OVER (PARTITION BY run_id, attribute_path) AS n
                FROM nql_shape_sample
                WHERE attribute_type = 'float_series' AND NOT isnan(float_value))
            SELECT path, k, avg(v) FROM (
                SELECT path, run_id, k, v FROM points,
                       (SELECT unnest(range({SHAPE_POINTS})) AS k)
                WHERE i = least(n - 1, (k * n) // {SHAPE_POINTS}))
            GROUP BY path, k ORDER BY path, k""").fetchall()
        shapes: dict[str, list[float]] = {}
        for path, _, v in rows:
            shapes.setdefault(path, []).append(v)
        return shapes


class _Batch:
    """Runs returned together, read together the first time any of them is looked into."""

    def __init__(self, owner: ParquetRunSet, ids: list[str]) -> None:
        self.owner = owner
        self.ids = ids
        self.loaded: dict[str, dict[str, tuple[str, Any]]] | None = None

    def attributes(self, run_id: str) -> dict[str, tuple[str, Any]]:
        if self.loaded is None:
            self.loaded = {run.fallback_id: run.attributes for run in self.owner._fetch(self.ids)}
        return self.loaded.get(run_id, {})


class LazyRun(Run):
    """A run of a parquet export: its id is known at once, its attributes on first use."""

    def __init__(self, run_id: str, sys_id: str | None, batch: _Batch) -> None:
        self.fallback_id = run_id
        self._sys_id = sys_id
        self._batch = batch

    @property  # type: ignore[override]
    def attributes(self) -> dict[str, tuple[str, Any]]:
        return self._batch.attributes(self.fallback_id)

    @property
    def id(self) -> str:
        return self._sys_id if self._sys_id is not None else self.fallback_id
