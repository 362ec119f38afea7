"""Clauses whose value test always passes: only the attribute's presence is tested.

`MATCHES` with a pattern every string matches (`".*"`, `""`, `"a*"`) and `CONTAINS ""` hold for every run
that has the attribute as a string, and for no other run (NQL.md §7): they mean `EXISTS`. That holds for
`string` only: an empty stringSet has no element to match, and an empty stringSeries no last value, so
those are left alone. Nothing is called always true outright, since a run may lack the attribute.
"""

from __future__ import annotations

from nql_lsp.analysis.lints.domains import is_plain_string, matches_every_string
from nql_lsp.analysis.lints.literals import Atom
from nql_lsp.diagnostics import Collector, Edit, fix
from nql_lsp.syntax.tree import Clause


def presence_tests(clause: Clause, atom: Atom, out: Collector) -> None:
    if not is_plain_string(atom.type) or clause.value is None:
        return
    if atom.op == "MATCHES" and matches_every_string(atom.operand):
        what = f"every string matches {clause.value.token.text}"
    elif atom.op == "CONTAINS" and atom.operand == "":
        what = 'every string contains ""'
    else:
        return
    replacement = "NOT EXISTS" if atom.negated else "EXISTS"
    out.add(
        "NQL505",
        f"{what}, so this clause only tests that the run has `{atom.path}` as a string: write `{replacement}`",
        clause.operator.start,
        clause.value.end,
        fix(f"Change to `{replacement}`", Edit(clause.operator.start, clause.value.end, replacement)),
    )
