"""The learned schema of a parquet export, computed in SQL over its summary tables (see :mod:`nql_lsp.runs.parquet`).

It holds what :func:`nql_lsp.runs.learned.learn` finds in runs held in memory, without reading the runs:
each type's shape says which summary column holds its range and its common values.
"""

from __future__ import annotations

import os

from nql_lsp.language.catalog import AGGREGATES, TYPES
from nql_lsp.language.schema import FieldStats
from nql_lsp.language.shapes import COMMON, SHAPE_POINTS, SHAPES, FloatSeriesShape, shape_of
from nql_lsp.runs.layout import PART_NAME
from nql_lsp.runs.learned import LearnedSchema, field_info
from nql_lsp.runs.parquet import ParquetRunSet
from nql_lsp.runs.parquet_points import run_file_names
from nql_lsp.runs.summary_sql import RUN_KEY_SQL

SHAPE_FILES = 50  # runs whose files are read again for series shapes


def learn_export(source: ParquetRunSet) -> LearnedSchema:
    con = source.con
    stats: dict[str, dict[str, FieldStats]] = {}

    def entry(path: str, type_: str) -> FieldStats:
        return stats.setdefault(path, {}).setdefault(type_, FieldStats())

    def ranged(type_: str) -> bool:
        return type_ in TYPES and shape_of(type_).sql_range

    # A run holds a path with a type once in the summary (it is made from rows grouped that way): a count
    # of rows is a count of runs.
    for path, type_, runs, mn, mx, last in con.execute("""
            SELECT path, type, count(*), min(num), max(num), arg_max(num, run_id)
            FROM nql_scalars GROUP BY path, type""").fetchall():
        s = entry(path, type_)
        s.runs = runs
        if ranged(type_):
            s.minimum, s.maximum, s.last = mn, mx, last
    parts = [
        f"SELECT path, type, {shape.sql_common} AS value FROM {shape.sql_table} WHERE type IN ({kinds})"
        for shape in SHAPES.values()
        if shape.sql_common is not None
        and (kinds := ", ".join(f"'{t.name}'" for t in TYPES.values() if SHAPES[t.shape] is shape))
    ]
    for path, type_, value, n in con.execute(f"""
            SELECT path, type, value, n FROM (
                SELECT path, type, value, count(*) AS n,
                       row_number() OVER (PARTITION BY path, type ORDER BY count(*) DESC, value) AS k
                FROM ({" UNION ALL ".join(parts)})
                WHERE value IS NOT NULL GROUP BY path, type, value)
            WHERE k <= {COMMON} ORDER BY path, type, k""").fetchall():
        entry(path, type_).common.append((value, n))
    mn_col, mx_col, last_col = (AGGREGATES[a].stored_as for a in ("min", "max", "last"))
    for path, type_, runs, mn, mx, last in con.execute(f"""
            SELECT path, type, count(*), min({mn_col}), max({mx_col}), arg_max({last_col}, run_id) FILTER (WHERE n > 0)
            FROM nql_series GROUP BY path, type""").fetchall():
        s = entry(path, type_)
        s.runs = runs
        if ranged(type_):
            s.minimum, s.maximum, s.last = mn, mx, last
    series_types = [t.name for t in TYPES.values() if isinstance(SHAPES[t.shape], FloatSeriesShape)]
    for path, shape in _shapes(source, [w for t in series_types for w in TYPES[t].exporter]).items():
        for type_ in series_types:
            if type_ in stats.get(path, {}):
                stats[path][type_].shape = shape
    by_path = {path: field_info(path, s) for path, s in sorted(stats.items())}
    return LearnedSchema(by_path, len(source), exported=True)


def _shapes(source: ParquetRunSet, spellings: list[str]) -> dict[str, list[float]]:
    """Each float series' typical shape, from a few runs: the mean over runs of each run's series
    resampled to SHAPE_POINTS by position along its length.

    The runs are the first SHAPE_FILES the source holds (a source narrowed to some projects holds only
    theirs), read from their own files where the exporter's names say which, else from the first files;
    rows of other runs are left out either way."""
    if not spellings:
        return {}
    con = source.con
    sampled = con.execute(f"SELECT run_id, exported_id FROM nql_runs ORDER BY run_id LIMIT {SHAPE_FILES}").fetchall()
    if not sampled:
        return {}
    names = {name for _, exported in sampled for name in run_file_names(exported)}
    files = [f for f in source.files if (m := PART_NAME.fullmatch(os.path.basename(f))) and m["run"] in names]
    rel = con.read_parquet(files or source.files[:SHAPE_FILES], union_by_name=True)
    rel.create_view("nql_shape_sample", replace=True)
    held = {row[0] for row in con.execute("DESCRIBE nql_shape_sample").fetchall()}
    key_sql = RUN_KEY_SQL if "project_id" in held else RUN_KEY_SQL.replace("project_id", "CAST(NULL AS VARCHAR)")
    kinds = ", ".join(f"'{w}'" for w in spellings)
    rows = con.execute(
        f"""
        WITH series AS (
            SELECT path, list(v ORDER BY step) AS vs
            FROM (SELECT {key_sql} AS run_id, attribute_path AS path, float_value AS v, step
                  FROM nql_shape_sample
                  WHERE attribute_type IN ({kinds}) AND NOT isnan(float_value))
            WHERE run_id IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY run_id, path)
        -- Each series' points as a list, indexed at SHAPE_POINTS positions: five times quicker than
        -- numbering every point with a window and joining the positions to them.
        SELECT path, k, avg(vs[1 + least(len(vs) - 1, (k * len(vs)) // {SHAPE_POINTS})])
        FROM series, range({SHAPE_POINTS}) t(k)
        GROUP BY path, k ORDER BY path, k""",
        [[key for key, _ in sampled]],
    ).fetchall()
    con.execute("DROP VIEW nql_shape_sample")
    shapes: dict[str, list[float]] = {}
    for path, _, v in rows:
        shapes.setdefault(path, []).append(v)
    return shapes
