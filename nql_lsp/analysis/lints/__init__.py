"""Lints over a checked query: what it can never match, what in it does nothing, what the runs say of it.

They run in the analysis pass, after the checker, over the clauses it resolved, and only on a query
without syntax errors: reasoning about a tree that recovery completed would put words in the user's mouth.
A clause the checker could not fully resolve is left out of every argument (see :mod:`.literals`).
"""

from __future__ import annotations

from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.analysis.lints.contradictions import Contradictions
from nql_lsp.analysis.lints.data import clause_facts, query_facts, run_count
from nql_lsp.analysis.lints.literals import Atom, Lit, atom_of, normal_form
from nql_lsp.analysis.lints.redundancy import double_negations, redundancies
from nql_lsp.analysis.lints.tautologies import presence_tests
from nql_lsp.diagnostics import Collector, Diagnostic
from nql_lsp.language.schema import Schema
from nql_lsp.syntax.tree import Query

#: Every code a lint reports; the rest of the analysis looks at one clause or group at a time.
LINT_CODES = frozenset({"NQL501", "NQL502", "NQL503", "NQL504", "NQL505", "NQL601", "NQL602"})


def lint(text: str, tree: Query, clauses: list[ClauseInfo], schema: Schema) -> list[Diagnostic]:
    """Every lint finding for a query that parsed without errors. Never raises on a valid tree."""
    if tree.expr is None:
        return []
    out = Collector()
    try:
        _lint(text, tree, clauses, schema, out)
    except RecursionError:  # nesting deeper than the normal form can follow: say nothing rather than half
        return []
    return out.items


def _lint(text: str, tree: Query, clauses: list[ClauseInfo], schema: Schema, out: Collector) -> None:
    assert tree.expr is not None
    atoms: dict[int, Atom | None] = {id(info.clause): atom_of(info) for info in clauses}
    root = normal_form(tree.expr, atoms)
    contradictions = Contradictions(text, out)
    contradictions.run(root)
    redundancies(root, contradictions.dead, text, out)
    double_negations(tree, text, out)
    learned = schema.learned
    total = run_count(schema) if learned else None
    for clause in tree.clauses():
        atom = atoms.get(id(clause))
        if atom is not None:
            presence_tests(clause, atom, out)
    if learned:
        stack = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, Lit):
                clause_facts(node, schema, total, out)
            else:
                stack.extend(node.children)
        query_facts(root, schema, total, tree.expr.start, tree.expr.end, out)
