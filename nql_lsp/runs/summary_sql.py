"""What an export is reduced to on its one pass: the summary tables' SQL, made from the catalog.

The SQL lives apart from the reading (:mod:`nql_lsp.runs.parquet`) because it is the one place that says
how the exporter's rows become NQL values: which attribute types are series, what a null or a NaN means,
how a run is keyed. The tests that compare the pushed-down and the in-memory evaluators read it from here.
"""

from __future__ import annotations

from nql_lsp.language.catalog import AGGREGATES, EXPORTER_SKIPPED, TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA, TRASHED_PATH, TRASHED_TYPE
from nql_lsp.language.shapes import State, by_exporter, shape_of

#: The exporter columns a group keeps one value of (a series' points are aggregated instead).
_VALUE_COLUMNS = (
    "int_value",
    "float_value",
    "string_value",
    "bool_value",
    "datetime_value",
    "string_set_value",
    "file_value",
)

#: The columns of an exporter file, in its schema's order (neptune_exporter/model.py SCHEMA).
REQUIRED_COLUMNS = (
    "project_id",
    "run_id",
    "attribute_path",
    "attribute_type",
    "step",
    "timestamp",
    *_VALUE_COLUMNS,
    "histogram_value",
)

#: The summary tables' columns, as :meth:`ParquetRunSet.fetch` reads them back (``Shape.from_sql`` names them).
SCALAR_COLUMNS = ("num", "int_value", "str", "flag", "ts", "tags", "file")


def series_columns() -> tuple[str, ...]:
    return ("n", "last_str", *(a.stored_as for a in AGGREGATES.values()))


def exporter_types() -> dict[str, str | None]:
    """neptune-exporter attribute types -> NQL types (None: kept out, queries cannot filter on them)."""
    known: dict[str, str | None] = dict(by_exporter())
    known.update(dict.fromkeys(EXPORTER_SKIPPED))
    return known


def _sql_list(words: list[str]) -> str:
    return "(" + ", ".join(f"'{w}'" for w in words) + ")" if words else "(NULL)"


def _present_sql() -> str:
    """SQL true for a group of ``nql_groups`` that holds a value: a null value means the run does not have
    the attribute (a file's column holds its path).

    Series are the exception: a series point with a null value is a NaN the run logged (the exporter drops
    the rows of runs without the series), so a series is held by any row."""
    by_column: dict[str, list[str]] = {}
    for spelling, t in by_exporter().items():
        shape = shape_of(t)
        if shape.sql_table == "nql_scalars":
            by_column.setdefault(shape.exporter_column, []).append(spelling)
    tests = [f"(attribute_type IN {_sql_list(words)} AND {column} IS NOT NULL)" for column, words in by_column.items()]
    return "(" + " OR ".join(tests) + ")" if tests else "FALSE"


def _value_sql(column: str) -> str:
    return f"{column}.path" if column == "file_value" else column


def summary_sql(into: str = "") -> tuple[str, ...]:
    """The summary an export is reduced to, from the catalog; its tables are all queries read (SUMMARY_TABLES).

    The export is read once: the first statement groups every row by (project, run, path, exporter type)
    into ``nql_groups`` (a series' count and aggregates, a single value's value), and the summary tables
    are made from those groups, a hundredth of the rows, in the database ``into`` names (``nql_save.``: the
    cache file, written once). A run is its project and exporter run id: ``run_id`` in the tables is a key
    joining the two."""
    table_of = {spelling: shape_of(t).sql_table for spelling, t in by_exporter().items()}
    scalars = [w for w, table in table_of.items() if table == "nql_scalars"]
    series = [w for w, table in table_of.items() if table == "nql_series"]
    cases = " ".join(f"WHEN '{w}' THEN '{t}'" for w, t in by_exporter().items())
    # Fields the exporter writes as a string though their type is another: a run's state.
    special = [
        (f.path, f.type, shape_of(f.type))
        for f in SYSTEM_SCHEMA.fields()
        if f.type in TYPES and not TYPES[f.type].exporter and isinstance(shape_of(f.type), State)
    ]
    type_sql = "".join(f"WHEN attribute_type = 'string' AND attribute_path = '{p}' THEN '{t}' " for p, t, _ in special)
    str_sql = "".join(
        f"WHEN attribute_type = 'string' AND attribute_path = '{p}' THEN {shape.sql_normalised('string_value')} "
        for p, _, shape in special
        if isinstance(shape, State)
    )
    # Text-like types the exporter writes in another column (an artifact: the path of its file list).
    moved = {
        w: shape_of(t).exporter_column
        for w, t in by_exporter().items()
        if shape_of(t).sql_column == "str" and shape_of(t).exporter_column != "string_value"
    }
    str_sql += "".join(f"WHEN attribute_type = '{w}' THEN {c} " for w, c in moved.items())
    integers = [w for w, t in by_exporter().items() if shape_of(t).exporter_column == "int_value"]
    # Series points are aggregated with NaN read as null (aggregates skip nulls: a NaN point is no value),
    # single values kept as they are (a NaN float parameter is held); one value per group, since a single
    # value has one row (any_value skips nulls: a null is no value).
    aggregates = ",\n           ".join(f"{a.sql} AS {a.stored_as}" for a in AGGREGATES.values())
    values = ",\n           ".join(
        f"any_value({'float_held' if c == 'float_value' else _value_sql(c)}) AS {c}" for c in _VALUE_COLUMNS
    )
    return (
        f"""
    CREATE TEMP TABLE nql_groups AS
    SELECT project_id, run_id, attribute_path, attribute_type, count(*) AS rows,
           {values},
           count(float_value) AS n,
           {aggregates},
           arg_max(string_value, step_order) AS last_str
    FROM (SELECT project_id, run_id, attribute_path, attribute_type,
                 {", ".join(c for c in _VALUE_COLUMNS if c != "float_value")}, float_value AS float_held,
                 CASE WHEN NOT isnan(float_value) THEN float_value END AS float_value,
                 CAST(step AS DOUBLE) AS step_order  -- doubles order faster than decimals
          FROM nql_long)
    GROUP BY project_id, run_id, attribute_path, attribute_type""",
        f"""
    CREATE TABLE {into}nql_scalars AS
    SELECT {RUN_KEY_SQL} AS run_id, attribute_path AS path,
           CASE {type_sql}ELSE CASE attribute_type {cases} END END AS type,
           CASE WHEN attribute_type IN {_sql_list(integers)} THEN CAST(int_value AS DOUBLE) ELSE float_value END AS num,
           int_value AS int_value,
           CASE {str_sql}ELSE string_value END AS str,
           bool_value AS flag,
           epoch_ms(datetime_value) / 1000.0 AS ts,
           string_set_value AS tags,
           file_value AS file
    FROM nql_groups WHERE attribute_type IN {_sql_list(scalars)} AND {_present_sql()}
    -- A clause names one path: its rows are a few row groups, skipped to by their zone maps. Ordered by the
    -- path alone: a second key (the run) made the sort half the time of writing the summary, for no query
    -- faster (queries join on the run by hashing, not by its order).
    ORDER BY path""",
        f"""
    CREATE TABLE {into}nql_series AS
    SELECT {RUN_KEY_SQL} AS run_id, attribute_path AS path,
           CASE attribute_type {cases} END AS type,
           n, {", ".join(a.stored_as for a in AGGREGATES.values())}, last_str
    FROM nql_groups WHERE attribute_type IN {_sql_list(series)}
    ORDER BY path""",
        f"""
    CREATE TABLE {into}nql_runs AS
    SELECT k.run_id, any_value(k.project) AS project, any_value(k.exported_id) AS exported_id,
           coalesce(bool_or(a.path = '{TRASHED_PATH}' AND a.type = '{TRASHED_TYPE}' AND a.flag), false) AS trashed
    FROM (SELECT DISTINCT {RUN_KEY_SQL} AS run_id, coalesce(project_id, '') AS project, run_id AS exported_id
          FROM nql_groups) k  -- every run the exporter finished, even one holding only types not read
    LEFT JOIN (SELECT run_id, path, type, flag FROM {into}nql_scalars WHERE path = '{TRASHED_PATH}') a
           ON a.run_id = k.run_id
    GROUP BY k.run_id ORDER BY k.run_id""",
    )


#: A run's key in the summary: its project and exporter run id (runs of two projects never merge).
RUN_KEY_SQL = "coalesce(project_id, '') || chr(31) || run_id"

SUMMARY_TABLES = ("nql_scalars", "nql_series", "nql_runs", "nql_warnings")
