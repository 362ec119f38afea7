"""NQL as SQL over a parquet export's duckdb tables (see :mod:`nql_lsp.runs.parquet`).

Each clause becomes ``run_id IN (<the runs whose attribute satisfies the positive clause>)``; NOT, AND,
OR and the negated operators map to SQL's. Every value goes in as a bound parameter: the SQL text is
built only from this module's own fragments, never from the query's text. The rules are those of
:mod:`nql_lsp.evaluation.conditions` (NQL.md §7), which the in-memory evaluator follows; tests hold the two to the
same answers.
"""

from __future__ import annotations

from typing import Any

from nql_lsp.evaluation.conditions import Condition
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not

_OPS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}
_AGGREGATES = {"last": "last", "min": "mn", "max": "mx", "average": "average", "variance": "variance"}
# The column holding a scalar type's comparison key in nql_scalars.
_KEYS = {
    "float": "num",
    "int": "num",
    "datetime": "ts",
    "bool": "flag",
    "string": "str",
    "experimentState": "str",
    "artifact": "str",
    "fileRef": "file",
    "stringSet": "tags",
}


def query_sql(expr: Expr | None, conditions: dict[int, Condition], include_trashed: bool) -> tuple[str, list[Any]]:
    """``SELECT run_id`` of the runs the query matches, and its parameters."""
    params: list[Any] = []
    where = _expr(expr, conditions, params)
    if not include_trashed:
        where = f"({where}) AND NOT coalesce(trashed, false)"
    return f"SELECT run_id FROM nql_runs WHERE {where} ORDER BY run_id", params


def _expr(expr: Expr | None, conditions: dict[int, Condition], params: list[Any]) -> str:
    if expr is None:
        return "TRUE"
    if isinstance(expr, Clause):
        return clause_sql(conditions[id(expr)], params)
    if isinstance(expr, Group):
        return f"({_expr(expr.expr, conditions, params)})"
    if isinstance(expr, Not):
        return f"NOT ({_expr(expr.operand, conditions, params)})"
    assert isinstance(expr, Logical)
    joiner = f" {expr.op} "
    return "(" + joiner.join(_expr(e, conditions, params) for e in expr.operands) + ")"


def clause_sql(cond: Condition, params: list[Any]) -> str:
    """A boolean SQL expression over ``nql_runs.run_id`` that holds when the run satisfies ``cond``."""
    if cond.never:
        return "FALSE"
    positive = _positive(cond, params)
    held = f"run_id IN ({positive})"
    return f"NOT ({held})" if cond.negated else held


def _positive(cond: Condition, params: list[Any]) -> str:
    t = cond.type
    assert t is not None
    params += [cond.path, t]
    if t in ("floatSeries", "stringSeries"):
        base = "SELECT run_id FROM nql_series WHERE path = ? AND type = ?"
        if cond.op == "EXISTS":
            return base
        key = "last_str" if t == "stringSeries" else _AGGREGATES[cond.aggregate or "last"]
        extra = " AND n > 0" if t == "floatSeries" else ""
        return f"{base}{extra} AND {key} IS NOT NULL AND {_test(cond, key, params)}"
    base = "SELECT run_id FROM nql_scalars WHERE path = ? AND type = ?"
    if cond.op == "EXISTS":
        return base
    key = _KEYS[t]
    if t == "stringSet" and cond.op == "MATCHES":
        params.append(cond.operand.pattern)
        return (
            "SELECT run_id FROM (SELECT run_id, unnest(tags) AS tag FROM nql_scalars WHERE path = ? AND type = ?) "
            "WHERE regexp_matches(tag, ?)"
        )
    guard = " AND NOT isnan(num)" if key == "num" else ""
    return f"{base} AND {key} IS NOT NULL{guard} AND {_test(cond, key, params)}"


def _test(cond: Condition, key: str, params: list[Any]) -> str:
    op, x = cond.op, cond.operand
    if op == "CONTAINS":
        params.append(x)
        return f"list_contains({key}, ?)" if cond.type == "stringSet" else f"contains({key}, ?)"
    if op == "MATCHES":
        params.append(x.pattern)
        return f"regexp_matches({key}, ?)"
    if cond.type == "stringSet":  # = holds when the set is exactly the one value
        params.append(x)
        whole = f"(len(list_distinct({key})) = 1 AND list_contains({key}, ?))"
        return whole if op == "=" else f"NOT {whole}" if op == "!=" else "FALSE"
    params.append(x)
    return f"{key} {_OPS[op]} ?"
