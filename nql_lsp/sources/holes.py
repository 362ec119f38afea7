"""f-string holes: what stands in for a ``{...}`` in the query, and which diagnostics a hole explains.

A hole is an opaque value known only at run time. The checker needs text, so each hole becomes a
placeholder chosen from what surrounds it: a whole clause where a clause stands, a type where a type
stands, a plain word elsewhere. Whatever the placeholder provokes is then dropped: any diagnostic
touching a hole, and every diagnostic of a clause whose name or type is (partly) a hole, since nothing
about such a clause is known before run time.
"""

from __future__ import annotations

import re

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.diagnostics import Diagnostic
from nql_lsp.syntax.tree import iter_clauses

#: A clause that is valid for every table and schema, for a hole that stands for a whole condition.
CLAUSE_PLACEHOLDER = "sys/id:string EXISTS"
TYPE_PLACEHOLDER = "string"
WORD_PLACEHOLDER = "x"

_VALUE_BEFORE = re.compile(r"(?:[=<>]|\b(?i:contains|matches))\s*$")
_CLAUSE_BEFORE = re.compile(r"(?:^|\(|\b(?i:and|or|not))\s*$")
_CLAUSE_AFTER = re.compile(r"^\s*(?:$|\)|(?i:and|or)\b)")
_FUNCTION_BEFORE = re.compile(r"(?<![\w/.-])(?!(?i:and|or|not)\b)[A-Za-z_]\w*\s*\(\s*$")


def _inside_quotes(prefix: str) -> bool:
    """Whether the query text ``prefix`` ends inside a string or a backquoted name."""
    open_quote = ""
    i, n = 0, len(prefix)
    while i < n:
        c = prefix[i]
        if open_quote:
            if c == "\\":
                i += 2
                continue
            if c == open_quote:
                open_quote = ""
        elif c in "\"'`":
            open_quote = c
        i += 1
    return bool(open_quote)


def placeholder(before: str, after: str) -> str:
    """The text standing in for a hole between query text ``before`` and ``after``."""
    if _inside_quotes(before):
        return WORD_PLACEHOLDER
    stripped = before.rstrip()
    if stripped.endswith(":"):
        return TYPE_PLACEHOLDER
    if _VALUE_BEFORE.search(stripped):
        return WORD_PLACEHOLDER
    if _CLAUSE_BEFORE.search(stripped) and not _FUNCTION_BEFORE.search(stripped) and _CLAUSE_AFTER.match(after):
        return CLAUSE_PLACEHOLDER
    return WORD_PLACEHOLDER


#: Checks that depend on which field a name is: blind when the name is (partly) a hole.
NAME_CODES = frozenset({"NQL106", "NQL107", "NQL108", "NQL109", "NQL110", "NQL111"})


def visible(analysis: Analysis, holes: tuple[tuple[int, int], ...]) -> list[Diagnostic]:
    """The analysis' diagnostics that do not come from a hole's placeholder."""
    if not holes:
        return list(analysis.diagnostics)

    def meets(a: int, b: int) -> bool:
        return any(a <= hb and ha <= b for ha, hb in holes)

    blind: list[tuple[int, int]] = list(holes)  # nothing there is known
    name_blind: list[tuple[int, int]] = []  # which field it is is not known
    for clause in iter_clauses(analysis.tree.expr):
        name = clause.field.name
        if not meets(clause.lhs.start, clause.lhs.end):
            continue
        if meets(name.start, name.end) and not meets(name.end + 1, clause.lhs.end):
            name_blind.append((clause.start, clause.end))
        else:  # the type or the aggregate is a hole: nothing about the clause is known
            blind.append((clause.start, clause.end))

    def hidden(d: Diagnostic) -> bool:
        if any(d.start <= b and a <= d.end for a, b in blind):
            return True
        return d.code in NAME_CODES and any(a <= d.start and d.end <= b for a, b in name_blind)

    return [d for d in analysis.diagnostics if not hidden(d)]
