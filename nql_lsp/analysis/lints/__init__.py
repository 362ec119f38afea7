"""Lints over a checked query: what it can never match, what in it does nothing, what the runs say of it.

They run in the analysis pass, after the checker, over the clauses it resolved, and only on a query
without syntax errors: reasoning about a tree that recovery completed would put words in the user's mouth.
A clause the checker could not fully resolve is left out of every argument (see :mod:`.literals`).
"""

from __future__ import annotations

from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.analysis.lints.contradictions import Contradictions
from nql_lsp.analysis.lints.data import clause_facts, query_facts
from nql_lsp.analysis.lints.domains import is_plain_string
from nql_lsp.analysis.lints.literals import Atom, Lit, Place, atom_of, normal_form
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


def _related(text: str, tree: Query, clauses: list[ClauseInfo]) -> bool:
    """Whether anything could relate two clauses: a path used twice, or a `NOT` that may meet another.

    Without either, no contradiction but a lone clause's, no redundancy and no `NOT NOT` can be found, so
    the common query (each clause on its own field) skips the normal form. Every `NOT` token is a `not` in
    the text in some case, so a text with fewer than two has no two tokens to count.
    """
    paths = {info.path for info in clauses}
    if len(paths) < len(clauses):
        return True
    if text.upper().count("NOT") < 2:
        return False
    return sum(1 for tok in tree.tokens if tok.kind == "NOT") > 1


#: The operators of a clause :func:`.tautologies.presence_tests` may find to test only presence.
_PRESENCE_TEST_OPERATORS = frozenset({"MATCHES", "NOT MATCHES", "CONTAINS", "NOT CONTAINS"})


def _alone(atom: Atom) -> bool:
    """A clause that can be impossible by itself: a variance compared below zero."""
    return atom.aggregate == "variance" and atom.op in ("=", "<", "<=")


def _lint(text: str, tree: Query, clauses: list[ClauseInfo], schema: Schema, out: Collector) -> None:
    assert tree.expr is not None
    learned = schema.learned
    total = schema.run_count if learned else None
    if not (total or _related(text, tree, clauses)):
        # Each clause on its own: only what one clause says of itself, and atoms only where that can be
        # (without runs: a variance that may be impossible, or a string test that may always pass).
        for info in clauses:
            if not (
                learned
                or info.aggregate == "variance"
                or (
                    info.op in _PRESENCE_TEST_OPERATORS
                    and info.type is not None
                    and is_plain_string(info.type)
                    and info.value is not None
                )
            ):
                continue
            atom = atom_of(info)
            if atom is None:
                continue
            if _alone(atom):
                break  # a lone clause can be impossible: reason over the whole query after all
            presence_tests(info.clause, atom, out)
            if learned:
                clause_facts(Lit(info.clause, atom, not atom.negated, Place(info.clause, None, 0)), schema, None, out)
        else:
            return
        out.items.clear()
    atoms: dict[int, Atom | None] = {id(info.clause): atom_of(info) for info in clauses}
    root = normal_form(tree.expr, atoms)
    contradictions = Contradictions(text, out)
    contradictions.run(root)
    redundancies(root, contradictions.dead, text, out)
    double_negations(tree, text, out)
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
