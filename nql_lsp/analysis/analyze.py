"""One call from text to everything known about it: tree, diagnostics and resolved clauses.

Every feature (CLI check, diagnostics, completion, hover, evaluation) starts from an :class:`Analysis`,
so a document is parsed and checked once per version however many features read it.
"""

from __future__ import annotations

import gc

from nql_lsp.analysis.checker import ClauseInfo, check
from nql_lsp.analysis.lints import lint
from nql_lsp.diagnostics import Diagnostic
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.sources.query import RUNS, QuerySource
from nql_lsp.syntax.parsed import too_long
from nql_lsp.syntax.parser import ParseResult, parse
from nql_lsp.syntax.records import ValueRecord
from nql_lsp.syntax.tree import Clause, Query


class Analysis(ValueRecord):
    __slots__ = ("clauses", "diagnostics", "parsed", "text")

    def __init__(
        self, text: str, parsed: ParseResult, diagnostics: list[Diagnostic], clauses: list[ClauseInfo]
    ) -> None:
        self.text = text
        self.parsed = parsed
        self.diagnostics = diagnostics
        self.clauses = clauses

    @property
    def tree(self) -> Query:
        return self.parsed.tree

    @property
    def has_syntax_errors(self) -> bool:
        return bool(self.parsed.errors)

    def clause_info(self, clause: Clause) -> ClauseInfo | None:
        for info in self.clauses:
            if info.clause is clause:
                return info
        return None


def schema_for(source: QuerySource, schema: Schema) -> Schema:
    """The schema ``source`` is checked against: ``schema`` (learned from runs, say) for a runs query, the
    built-in ``sys/`` fields alone for a models or model versions query, whose fields no runs file holds
    (checking one against runs would call every model field unknown)."""
    return schema if source.about == RUNS else SYSTEM_SCHEMA


def analyze(text: str, schema: Schema = SYSTEM_SCHEMA, *, lints: bool = True) -> Analysis:
    """Parse and check ``text``, then lint it when it parsed cleanly. Never raises.

    ``lints=False`` leaves the lints out, for measuring what they cost.

    A query over Neptune's length limit is refused by the client whatever else it holds, and a full
    analysis of a generated 100 MB one took minutes and gigabytes (tokens, nodes, diagnostics): it gets
    the one NQL005, saying that it was checked no further, and an empty tree. Nothing is reported that a
    full analysis would not; what it would also report waits until the query is short enough to send.
    """
    if len(text) > MAX_QUERY_LENGTH:
        unchecked = ParseResult(Query(None, len(text), []), [too_long(text, checked=False)])
        return Analysis(text, unchecked, list(unchecked.errors), [])
    return analyze_fully(text, schema, lints=lints)


def analyze_fully(text: str, schema: Schema = SYSTEM_SCHEMA, *, lints: bool = True) -> Analysis:
    """What :func:`analyze` does to a query within the length limit, whatever its length: for measuring
    how the analysis scales beyond the limit.

    The cyclic garbage collector is paused meanwhile: the analysis builds an acyclic tree of many small
    objects, and each collection the allocations would trigger walks the growing young heap for nothing
    (about a quarter of the time of a 10,000-clause query).
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _analyze(text, schema, lints)
    finally:
        if collecting:
            gc.enable()


def _analyze(text: str, schema: Schema, lints: bool) -> Analysis:
    parsed = parse(text)
    checked = check(parsed.tree, schema)
    found = parsed.errors + checked.diagnostics
    if lints and not parsed.errors:
        found += lint(text, parsed.tree, checked.clauses, schema)
    diagnostics = sorted(found, key=lambda d: (d.start, d.end, d.code))
    return Analysis(text, parsed, diagnostics, checked.clauses)
