"""One call from text to everything known about it: tree, diagnostics and resolved clauses.

Every feature (CLI check, diagnostics, completion, hover, evaluation) starts from an :class:`Analysis`,
so a document is parsed and checked once per version however many features read it.
"""

from __future__ import annotations

from dataclasses import dataclass

from nql_lsp.analysis.checker import ClauseInfo, check
from nql_lsp.analysis.lints import lint
from nql_lsp.diagnostics import Diagnostic
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.syntax.parser import ParseResult, parse
from nql_lsp.syntax.tree import Clause, Query


@dataclass(slots=True)
class Analysis:
    text: str
    parsed: ParseResult
    diagnostics: list[Diagnostic]
    clauses: list[ClauseInfo]

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


def analyze(text: str, schema: Schema = SYSTEM_SCHEMA, *, lints: bool = True) -> Analysis:
    """Parse and check ``text``, then lint it when it parsed cleanly. Never raises.

    ``lints=False`` leaves the lints out, for measuring what they cost.
    """
    parsed = parse(text)
    checked = check(parsed.tree, schema)
    found = parsed.errors + checked.diagnostics
    if lints and not parsed.errors:
        found += lint(text, parsed.tree, checked.clauses, schema)
    diagnostics = sorted(found, key=lambda d: (d.start, d.end, d.code))
    return Analysis(text, parsed, diagnostics, checked.clauses)
