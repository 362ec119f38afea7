"""Which diagnostics of a query with f-string holes are real, and the query's diagnostics in file terms.

A hole's placeholder (:mod:`nql_lsp.sources.holes`) is only a stand-in, so whatever it provokes is dropped:
any diagnostic touching a hole, and every diagnostic of a clause whose name or type is (partly) a hole,
since nothing about such a clause is known before run time. A clause whose *name* is a hole keeps the
diagnostics that do not depend on which field it is.
"""

from __future__ import annotations

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.diagnostics import RULES, Diagnostic
from nql_lsp.sources.query import QuerySource, Span, map_diagnostic
from nql_lsp.syntax.tree import iter_clauses


def visible(analysis: Analysis, holes: tuple[Span, ...]) -> list[Diagnostic]:
    """The analysis' diagnostics that do not come from a hole's placeholder."""
    if not holes:
        return list(analysis.diagnostics)

    def meets(a: int, b: int) -> bool:
        return any(a <= hb and ha <= b for ha, hb in holes)

    blind: list[Span] = list(holes)  # nothing there is known
    name_blind: list[Span] = []  # which field it is is not known
    for clause in iter_clauses(analysis.tree.expr):
        name = clause.field.name
        if not meets(clause.lhs.start, clause.lhs.end):
            continue
        if meets(name.start, name.end) and not meets(name.end + 1, clause.lhs.end):
            name_blind.append((clause.start, clause.end))
        else:  # the type or the aggregate is a hole: nothing about the clause is known
            blind.append((clause.start, clause.end))

    def hidden(d: Diagnostic) -> bool:
        # A lint relates clauses: it is as unknown as the least known of them (its related places).
        places = [(d.start, d.end), *((r.start, r.end) for r in d.related)]
        if any(s <= b and a <= e for s, e in places for a, b in blind):
            return True
        about_field = d.code in RULES and RULES[d.code].about_field
        return about_field and any(a <= s and e <= b for s, e in places for a, b in name_blind)

    return [d for d in analysis.diagnostics if not hidden(d)]


def file_diagnostics(source: QuerySource, analysis: Analysis) -> list[Diagnostic]:
    """The analysis of ``source.text`` as diagnostics of the file, less those a hole's placeholder caused."""
    return [map_diagnostic(source, d) for d in visible(analysis, source.holes)]
