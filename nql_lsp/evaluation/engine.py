"""What any evaluator over a runs source offers, and the one each source gets.

An :class:`Engine` answers for one runs source: its learned schema (against which queries are analysed),
the runs a compiled query matches, and how many match one clause. :class:`ColumnarEngine` answers in
memory over a columnar view (:mod:`nql_lsp.evaluation.columns`); :class:`~nql_lsp.evaluation.pushdown.DuckdbEngine`
pushes the query down to a parquet export's duckdb tables. :func:`engine_for` keeps one per source, since
a source answers many queries while a user edits, and builds what it needs on first use (or ahead, with
:meth:`Engine.prepare`).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from nql_lsp.evaluation.columns import Columns, mask_of
from nql_lsp.evaluation.conditions import Condition
from nql_lsp.evaluation.pushdown import DuckdbEngine
from nql_lsp.language.schema import Schema
from nql_lsp.runs.learned import learn
from nql_lsp.runs.model import Run, RunSet, RunsSource
from nql_lsp.runs.parquet import ParquetRunSet
from nql_lsp.syntax.tree import Clause, Expr, Group, Not

ColumnPredicate = Callable[[Columns], int]


class Engine(Protocol):
    @property
    def schema(self) -> Schema:
        """What the runs hold, learned from them (built once)."""
        ...

    def prepare(self) -> None:
        """Build the schema and any view queries need now (off an event loop), rather than on first use."""
        ...

    def total(self, include_trashed: bool) -> int:
        """How many runs a query considers."""
        ...

    def select(self, expr: Expr | None, conditions: Mapping[int, Condition], include_trashed: bool) -> Sequence[Run]:
        """The runs the query matches, in the source's order; ``conditions`` maps ``id(clause)``."""
        ...

    def count(self, cond: Condition, include_trashed: bool) -> int:
        """How many runs the clause alone matches."""
        ...

    def counts(self, conds: Sequence[Condition], include_trashed: bool, project: str | None = None) -> list[int]:
        """How many runs each clause alone matches (all of a query's clauses, asked together), of
        ``project``'s runs when one is given."""
        ...


class ColumnarEngine:
    """Runs held in memory, tested a column at a time (masks as big ints)."""

    def __init__(self, source: RunSet) -> None:
        self.source = source
        self._schema: Schema | None = None
        self._columns: Columns | None = None
        self._projects: dict[str, int] = {}  # a project's runs, as a mask (a picked project's clause counts)

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            self._schema = learn(self.source.runs)
        return self._schema

    @property
    def columns(self) -> Columns:
        if self._columns is None:
            self._columns = Columns(self.source.runs)
        return self._columns

    def prepare(self) -> None:
        self.schema  # noqa: B018 - built now
        self.columns  # noqa: B018

    def _base(self, include_trashed: bool) -> int:
        cols = self.columns
        return cols.full if include_trashed else cols.full ^ cols.trashed

    def total(self, include_trashed: bool) -> int:
        return self._base(include_trashed).bit_count()

    def select(self, expr: Expr | None, conditions: Mapping[int, Condition], include_trashed: bool) -> Sequence[Run]:
        cols = self.columns
        mask = compile_columns(expr, conditions)(cols) & self._base(include_trashed)
        runs = self.source.runs
        return [runs[i] for i in cols.indices(mask)]

    def count(self, cond: Condition, include_trashed: bool) -> int:
        return (self.columns.test(cond) & self._base(include_trashed)).bit_count()

    def counts(self, conds: Sequence[Condition], include_trashed: bool, project: str | None = None) -> list[int]:
        base = self._base(include_trashed)
        if project is not None:
            base &= self._project(project)
        return [(self.columns.test(cond) & base).bit_count() for cond in conds]

    def _project(self, project: str) -> int:
        """The mask of ``project``'s runs."""
        if project not in self._projects:
            self._projects[project] = mask_of(run.project == project for run in self.source.runs)
        return self._projects[project]


def compile_columns(expr: Expr | None, conditions: Mapping[int, Condition]) -> ColumnPredicate:
    """The tree as closures over a columnar view; each returns the mask of runs its node matches."""
    if expr is None:
        return lambda cols: cols.full
    if isinstance(expr, Clause):
        cond = conditions[id(expr)]
        return lambda cols: cols.test(cond)
    if isinstance(expr, Group):
        return compile_columns(expr.expr, conditions)
    if isinstance(expr, Not):
        inner = compile_columns(expr.operand, conditions)
        return lambda cols: cols.full ^ inner(cols)
    parts = [compile_columns(e, conditions) for e in expr.operands]
    if expr.op == "AND":

        def conjunction(cols: Columns) -> int:
            mask = cols.full
            for part in parts:
                mask &= part(cols)
                if not mask:
                    break
            return mask

        return conjunction

    def disjunction(cols: Columns) -> int:
        mask = 0
        for part in parts:
            mask |= part(cols)
            if mask == cols.full:
                break
        return mask

    return disjunction


_engines: weakref.WeakKeyDictionary[object, Engine] = weakref.WeakKeyDictionary()


def engine_for(source: RunsSource) -> Engine:
    """The engine answering for ``source``, kept as long as the source is."""
    found = _engines.get(source)
    if found is None:
        if isinstance(source, ParquetRunSet):
            found = DuckdbEngine(source)
        elif isinstance(source, RunSet):
            found = ColumnarEngine(source)
        else:
            found = ColumnarEngine(RunSet(list(source), source.label))
        _engines[source] = found
    return found


def schema_of(source: RunsSource) -> Schema:
    """The schema learned from ``source``'s runs (built once per source)."""
    return engine_for(source).schema
