"""Redundant pieces: a clause implied by another of its AND, one implying another of its OR, a repeat, `NOT NOT`.

Each is a hint with the Unnecessary tag and a fix that removes it. The fix deletes the operand together
with the `AND`/`OR` that joined it, so the rest of the text stands as written and parses to the same tree
less that operand; when one operand is left and it is a parenthesised clause, its parentheses go too, as
the formatter would write it.
"""

from __future__ import annotations

from nql_lsp.analysis.lints.conjunction import PATH_BUDGET, implies
from nql_lsp.analysis.lints.literals import Junction, Lit, Node
from nql_lsp.diagnostics import Collector, Edit, Fix, Related, code_span, fix
from nql_lsp.syntax.tree import Clause, Expr, Group, Not, Query, iter_exprs


def redundancies(root: Node, dead: set[int], text: str, out: Collector) -> None:
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if not isinstance(node, Junction) or id(node) in dead:
            continue
        stack.extend(node.children)
        for redundant, by, how in _redundant(node):
            where = redundant.place.node
            other = by.place.node
            message = f"{how} {code_span(_short(text[other.start : other.end]))}"
            out.add(
                "NQL503",
                message,
                where.start,
                where.end,
                *_removal(redundant, text),
                related=(Related(other.start, other.end, "makes it redundant"),),
            )


def _redundant(junction: Junction) -> list[tuple[Node, Node, str]]:
    """(redundant child, the child that makes it so, why) for one AND or OR."""
    found: dict[int, tuple[Node, Node, str]] = {}
    children = junction.children
    first_of: dict[object, Node] = {}
    for child in children:
        seen = first_of.get(child.sig)
        if seen is not None:
            found[id(child)] = (child, seen, "repeats")
        else:
            first_of[child.sig] = child
    by_path: dict[str, list[tuple[int, Lit]]] = {}
    for i, child in enumerate(children):
        if isinstance(child, Lit) and child.atom is not None and id(child) not in found:
            by_path.setdefault(child.atom.path, []).append((i, child))
    how = "implied by" if junction.conjunction else "already matched by"
    for lits in by_path.values():
        if len(lits) < 2 or len(lits) > PATH_BUDGET:
            continue
        for i, a in lits:
            for j, b in lits:
                if i == j or id(b) in found:
                    continue
                # In an AND, a clause implied by another adds nothing; in an OR, one that implies another.
                weaker, stronger = (a, b) if junction.conjunction else (b, a)
                if not _kin(stronger, weaker):
                    continue
                if implies(stronger, weaker) and (j < i or not implies(weaker, stronger)):
                    found[id(a)] = (a, b, how)
                    break
    return [found[id(c)] for c in children if id(c) in found]


_COMPARISONS = frozenset({"=", "!=", ">", ">=", "<", "<="})


def _kin(stronger: Lit, weaker: Lit) -> bool:
    """Whether an implication between the two is plain enough to call one of them redundant.

    A presence test is implied by any test of the same value; otherwise both compare, or both use one
    operator. `name MATCHES "run.*" AND name != ""` is redundant in logic, but the guard is what generated
    NQL writes and what a reader expects, so it is not worth a hint.
    """
    x, y = stronger.atom, weaker.atom
    assert x is not None and y is not None
    if y.op == "EXISTS":
        return True
    return x.op == y.op or (x.op in _COMPARISONS and y.op in _COMPARISONS)


def _removal(node: Node, text: str) -> tuple[Fix, ...]:
    parent, index = node.place.parent, node.place.index
    if parent is None:
        return ()
    ops = parent.operands
    if len(ops) == 2:
        kept = ops[1 - index]
        inner = kept.expr if isinstance(kept, Group) else kept
        if isinstance(kept, Group) and isinstance(inner, Clause):
            return (fix("Remove the redundant part", Edit(parent.start, parent.end, text[inner.start : inner.end])),)
    edit = Edit(ops[index - 1].end, ops[index].end, "") if index > 0 else Edit(ops[0].start, ops[1].start, "")
    return (fix("Remove the redundant part", edit),)


def double_negations(tree: Query, text: str, out: Collector) -> None:
    consumed: set[int] = set()
    for node in iter_exprs(tree.expr):
        if not isinstance(node, Not) or id(node) in consumed:
            continue
        inner: Expr = node.operand
        while isinstance(inner, Group):
            inner = inner.expr
        if not isinstance(inner, Not):
            continue
        consumed.add(id(inner))
        body = inner.operand
        out.add(
            "NQL504",
            "`NOT NOT` cancels out",
            node.keyword.start,
            inner.keyword.end,
            fix("Remove both `NOT`", Edit(node.start, node.end, text[body.start : body.end])),
        )


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
