"""Which runs a query returns: previews, per-clause counts, and why a run is left out.

A query is analysed once (against the runs' learned schema, so a clause written without a type compares
as the type the runs hold), each clause is bound to a :class:`~nql_lsp.evaluation.conditions.Condition`, and the tree
is compiled once into closures. Two compiled forms exist:

- :func:`compile_columns` tests every run at once over the runs set's columnar view (masks as big ints);
  it is what :func:`preview` runs, at millions of runs per second;
- :func:`compile_rows` tests one run's attribute dict, for callers holding single runs.

Each runs source is answered by its :class:`~nql_lsp.evaluation.engine.Engine` (a parquet export's by duckdb,
with the same conditions). :mod:`nql_lsp.evaluation.interpret` is the plain tree walk that both are measured
and tested against.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nql_lsp.analysis.analyze import Analysis, analyze
from nql_lsp.diagnostics import code_span
from nql_lsp.evaluation.conditions import COMPARISONS, Condition, bind, holds, key_of
from nql_lsp.evaluation.engine import ColumnPredicate, compile_columns, engine_for, schema_of
from nql_lsp.evaluation.interpret import evaluate
from nql_lsp.runs.model import Run, RunsSource
from nql_lsp.syntax.text import LineIndex
from nql_lsp.syntax.tree import Clause, Expr, Group, Not

__all__ = [
    "TOO_DEEP",
    "Bound",
    "ColumnPredicate",
    "Preview",
    "RowPredicate",
    "bind_query",
    "clause_counts",
    "compile_columns",
    "compile_rows",
    "explain",
    "preview",
    "schema_of",
    "syntax_error",
]

RowPredicate = Callable[[Mapping[str, tuple[str, Any]]], bool]


@dataclass(slots=True)
class Preview:
    matches: Sequence[Run]  # a parquet export's are made on first use (see runs.deferred.Matches)
    total: int  # the runs considered (trashed ones only when asked for)
    fields: list[str]  # the attribute paths the query uses, in order of first use
    error: str | None = None  # a syntax error: the query was not evaluated
    analysis: Analysis | None = field(default=None, repr=False)


@dataclass(slots=True)
class Bound:
    """A query analysed against a runs set, with each clause's condition; keyed by ``id(clause)``."""

    analysis: Analysis
    conditions: dict[int, Condition]

    @property
    def expr(self) -> Expr | None:
        return self.analysis.tree.expr

    @property
    def fields(self) -> list[str]:
        return list(dict.fromkeys(info.path for info in self.analysis.clauses if info.path))


def bind_query(text: str, runs: RunsSource, now: datetime | None = None) -> Bound:
    analysis = analyze(text, schema_of(runs))
    moment = now or datetime.now(UTC)
    return Bound(analysis, {id(info.clause): bind(info, moment) for info in analysis.clauses})


def syntax_error(analysis: Analysis) -> str | None:
    """The first syntax error as ``row:column: message`` (1-based, code points), or None."""
    if not analysis.parsed.errors:
        return None
    first = min(analysis.parsed.errors, key=lambda d: d.start)
    row, col = LineIndex(analysis.text).row_col(first.start)
    return f"{row}:{col}: {first.message}"


# --- compiling --------------------------------------------------------------------------------------


def compile_rows(expr: Expr | None, conditions: dict[int, Condition]) -> RowPredicate:
    """The tree as closures over one run's attributes."""
    if expr is None:
        return lambda attrs: True
    if isinstance(expr, Clause):
        return _row_clause(conditions[id(expr)])
    if isinstance(expr, Group):
        return compile_rows(expr.expr, conditions)
    if isinstance(expr, Not):
        inner = compile_rows(expr.operand, conditions)
        return lambda attrs: not inner(attrs)
    parts = [compile_rows(e, conditions) for e in expr.operands]
    if len(parts) == 2:
        a, b = parts
        return (lambda attrs: a(attrs) and b(attrs)) if expr.op == "AND" else (lambda attrs: a(attrs) or b(attrs))
    if expr.op == "AND":
        return lambda attrs: all(p(attrs) for p in parts)
    return lambda attrs: any(p(attrs) for p in parts)


def _row_clause(cond: Condition) -> RowPredicate:
    if cond.never:
        return lambda attrs: False
    path, type_, x = cond.path, cond.type, cond.operand
    cmp = COMPARISONS.get(cond.op)
    # Plain values compare directly; a NaN number is not a value, and only `!=` would hold for it.
    shape = cond.shape
    if cmp is not None and shape.plain_key and not (shape.may_be_nan and cmp is operator.ne):
        compare_held = cmp

        def plain(attrs: Mapping[str, tuple[str, Any]]) -> bool:
            held = attrs.get(path)
            return held is not None and held[0] == type_ and compare_held(held[1], x)

        return plain
    return lambda attrs: holds(cond, attrs)


# --- the public entry points ------------------------------------------------------------------------


def preview(
    text: str,
    runs: RunsSource,
    *,
    include_trashed: bool = False,
    now: datetime | None = None,
    bound: Bound | None = None,
) -> Preview:
    """The runs ``text`` returns. A query with syntax errors is not evaluated: ``error`` says why.

    ``bound``: the query already bound over ``runs`` (a caller asking for its clause counts too binds once)."""
    bound = bound or bind_query(text, runs, now)
    engine = engine_for(runs)
    total = engine.total(include_trashed)
    error = syntax_error(bound.analysis)
    if error is not None:
        return Preview([], total, bound.fields, error, bound.analysis)
    try:
        matches = engine.select(bound.expr, bound.conditions, include_trashed)
    except RecursionError:
        return Preview([], total, bound.fields, TOO_DEEP, bound.analysis)
    return Preview(matches, total, bound.fields, None, bound.analysis)


TOO_DEEP = "the query nests parentheses or NOT too deeply to evaluate"


def clause_counts(
    text: str,
    runs: RunsSource,
    *,
    include_trashed: bool = False,
    now: datetime | None = None,
    bound: Bound | None = None,
) -> list[tuple[int, int, int]]:
    """For each clause: its start and end offsets and how many runs it matches alone (all in one
    question to the engine: a parquet export answers them in one pass)."""
    bound = bound or bind_query(text, runs, now)
    engine = engine_for(runs)
    named = [i for i in bound.analysis.clauses if i.path]
    found = engine.counts([bound.conditions[id(i.clause)] for i in named], include_trashed)
    return [(i.clause.start, i.clause.end, n) for i, n in zip(named, found, strict=True)]


def explain(text: str, runs: RunsSource, run_id: str, *, now: datetime | None = None) -> str:
    """Whether run ``run_id`` matches the query, and if not, which clauses keep it out."""
    run = runs.by_id(run_id)
    if run is None:
        return f"no run `{run_id}` in {runs.label}"
    bound = bind_query(text, runs, now)
    error = syntax_error(bound.analysis)
    if error is not None:
        return f"the query has a syntax error, so it matches no run: {error}"
    trashed = " (it is trashed: previews leave it out unless trashed runs are asked for)" if run.trashed else ""
    try:
        if evaluate(bound.expr, bound.conditions, run.attributes):
            return f"`{run.id}` matches the query{trashed}"
        reasons = _why_false(bound.expr, bound, run, text)
    except RecursionError:
        return TOO_DEEP
    lines = [f"`{run.id}` does not match{trashed}:"] + [f"- {r}" for r in reasons]
    return "\n".join(lines)


def _why_false(expr: Expr | None, bound: Bound, run: Run, text: str) -> list[str]:
    conditions = bound.conditions
    if expr is None:
        return []
    if isinstance(expr, Group):
        return _why_false(expr.expr, bound, run, text)
    if isinstance(expr, Clause):
        return [_clause_reason(expr, conditions[id(expr)], run, text)]
    if isinstance(expr, Not):
        return [
            f"{code_span(text[expr.start : expr.end])} is false because "
            f"{code_span(text[expr.operand.start : expr.operand.end])} holds"
        ]
    if expr.op == "AND":
        for operand in expr.operands:
            if not evaluate(operand, conditions, run.attributes):
                return _why_false(operand, bound, run, text)
        return []
    out: list[str] = []
    for operand in expr.operands:
        out += _why_false(operand, bound, run, text)
    return out


def _clause_reason(clause: Clause, cond: Condition, run: Run, text: str) -> str:
    written = code_span(text[clause.start : clause.end])
    if cond.never:
        return f"{written} can match no run: {cond.problem}"
    held = run.get(cond.path)
    if cond.negated and held is not None and held[0] == cond.type:
        return f"{written} is false: `{cond.path}` is {_shown(cond, held[1])}"
    if held is None:
        return f"{written} is false: the run has no `{cond.path}`"
    if held[0] != cond.type:
        return f"{written} is false: the run holds `{cond.path}` as a {held[0]}, not a {cond.type}"
    label = f"{cond.aggregate}({cond.path})" if cond.aggregate else cond.path
    return f"{written} is false: `{label}` is {_shown(cond, held[1])}"


def _shown(cond: Condition, value: Any) -> str:
    if cond.op == "EXISTS":
        return "present"
    key = key_of(cond, value)
    if key is None:
        return "empty"
    return cond.shape.shown(value, key)
