"""NQL as SQL over a parquet export's duckdb tables (see :mod:`nql_lsp.runs.parquet`).

Each clause becomes ``run_id IN (<the runs whose attribute satisfies the positive clause>)``; NOT, AND,
OR and the negated operators map to SQL's. Every value goes in as a bound parameter: the SQL text is
built only from this module's own fragments, never from the query's text. The rules are those of
:mod:`nql_lsp.evaluation.conditions` (NQL.md §7), which the in-memory evaluator follows; tests hold the two to the
same answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nql_lsp.evaluation.conditions import Condition
from nql_lsp.evaluation.export_schema import learn_export
from nql_lsp.runs.learned import LearnedSchema
from nql_lsp.runs.model import Run
from nql_lsp.runs.parquet import ParquetRunSet
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not

_OPS = {"=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


class DuckdbEngine:
    """A parquet export's queries answered by duckdb; the matching runs are read back on first use."""

    def __init__(self, source: ParquetRunSet) -> None:
        self.source = source
        self._schema: LearnedSchema | None = None
        self._totals: dict[bool, int] = {}

    @property
    def schema(self) -> LearnedSchema:
        if self._schema is None:
            kept = self.source.kept_schema()
            if kept is None:
                kept = learn_export(self.source)
                self.source.keep_schema(kept)
            self._schema = kept
        return self._schema

    def prepare(self) -> None:
        self.schema  # noqa: B018 - built now

    def total(self, include_trashed: bool) -> int:
        """Counted once each way: an open export does not change, and every keystroke asks."""
        if include_trashed not in self._totals:
            self._totals[include_trashed] = self.source.count(include_trashed)
        return self._totals[include_trashed]

    def select(self, expr: Expr | None, conditions: Mapping[int, Condition], include_trashed: bool) -> Sequence[Run]:
        sql, params = query_sql(expr, conditions, include_trashed)
        return self.source.matching(sql, params)

    def count(self, cond: Condition, include_trashed: bool) -> int:
        return self.counts([cond], include_trashed)[0]

    def counts(self, conds: Sequence[Condition], include_trashed: bool, project: str | None = None) -> list[int]:
        """How many runs each clause alone matches, in one pass over the runs (a keystroke asks for all)."""
        if not conds:
            return []
        params: list[Any] = []
        tests = ", ".join(f"count_if({clause_sql(cond, params)})" for cond in conds)
        where = ["TRUE"] if include_trashed else ["NOT coalesce(trashed, false)"]
        if project is not None:
            where.append("project = ?")
            params.append(project)
        found = self.source.con.execute(f"SELECT {tests} FROM nql_runs WHERE {' AND '.join(where)}", params).fetchone()
        return [int(n) for n in found]


def query_sql(expr: Expr | None, conditions: Mapping[int, Condition], include_trashed: bool) -> tuple[str, list[Any]]:
    """``SELECT run_id`` of the runs the query matches, and its parameters."""
    params: list[Any] = []
    where = _expr(expr, conditions, params)
    if not include_trashed:
        where = f"({where}) AND NOT coalesce(trashed, false)"
    return f"SELECT run_id FROM nql_runs WHERE {where} ORDER BY run_id", params


def _expr(expr: Expr | None, conditions: Mapping[int, Condition], params: list[Any]) -> str:
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
    shape = cond.shape
    params += [cond.path, t]
    base = f"SELECT run_id FROM {shape.sql_table} WHERE path = ? AND type = ?"
    if cond.op == "EXISTS":
        return base
    key = shape.sql_key(cond.aggregate)
    if shape.is_set and cond.op == "MATCHES":
        params.append(cond.operand.pattern)
        return (
            f"SELECT run_id FROM (SELECT run_id, unnest({key}) AS tag FROM {shape.sql_table} "
            "WHERE path = ? AND type = ?) WHERE regexp_matches(tag, ?)"
        )
    return f"{base}{shape.sql_guard(key)} AND {_test(cond, key, params)}"


def _test(cond: Condition, key: str, params: list[Any]) -> str:
    op, x = cond.op, cond.operand
    if op == "CONTAINS":
        params.append(x)
        return f"list_contains({key}, ?)" if cond.shape.is_set else f"contains({key}, ?)"
    if op == "MATCHES":
        params.append(x.pattern)
        return f"regexp_matches({key}, ?)"
    if cond.shape.is_set:  # = holds when the set is exactly the one value
        params.append(x)
        whole = f"(len(list_distinct({key})) = 1 AND list_contains({key}, ?))"
        return whole if op == "=" else f"NOT {whole}" if op == "!=" else "FALSE"
    params.append(x)
    return f"{key} {_OPS[op]} ?"
