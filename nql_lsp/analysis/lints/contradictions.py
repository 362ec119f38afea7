"""Unsatisfiable conjunctions: clauses no single run can satisfy together, and a query no run can match.

The walk keeps, for each AND, the literals that must hold there (those of every enclosing AND included),
so a branch of an OR is judged beside the clauses around it. A clause is reported where adding it made the
conjunction impossible, naming the clauses it conflicts with; an OR none of whose branches can hold is
reported too, and as the whole query when it is the query.
"""

from __future__ import annotations

from nql_lsp.analysis.lints.conjunction import Conjunction
from nql_lsp.analysis.lints.literals import Junction, Lit, Node
from nql_lsp.diagnostics import Collector, Related, code_span

#: Conjunctions judged per query, beyond which nested ORs are no longer followed (the budget keeps a
#: pathological query linear).
BUDGET = 20_000


class Contradictions:
    def __init__(self, text: str, out: Collector) -> None:
        self.text = text
        self.out = out
        self.dead: set[int] = set()  # id() of junctions and literals that can never hold
        self.budget = BUDGET

    def run(self, root: Node) -> None:
        if self.never(root, Conjunction()) and isinstance(root, Junction) and not root.conjunction:
            self.out.add(
                "NQL502",
                "this query can never match: no branch of its OR can hold",
                root.place.node.start,
                root.place.node.end,
                related=tuple(
                    Related(c.place.node.start, c.place.node.end, "this branch can never hold") for c in root.children
                ),
            )

    def never(self, node: Node, context: Conjunction) -> bool:
        if isinstance(node, Lit):
            conflict = context.copy().add(node)
            if conflict is None:
                return False
            self.report(node, conflict.why, conflict.others)
            return True
        self.budget -= 1
        if self.budget < 0:
            return False
        if node.conjunction:
            state = context.copy()
            dead = False
            for child in node.children:
                if isinstance(child, Lit):
                    conflict = state.add(child)
                    if conflict is not None:
                        self.report(child, conflict.why, conflict.others)
                        dead = True
            for child in node.children:
                if isinstance(child, Junction) and self.never(child, state):
                    dead = True
        else:
            results = [self.never(child, context) for child in node.children]
            dead = bool(results) and all(results)
            if dead and node.place.parent is not None:
                self.out.add(
                    "NQL501",
                    "no branch of this OR can hold beside the clauses around it",
                    node.place.node.start,
                    node.place.node.end,
                )
        if dead:
            self.dead.add(id(node))
        return dead

    def report(self, lit: Lit, why: str, others: tuple[Lit, ...]) -> None:
        self.dead.add(id(lit))
        node = lit.place.node
        if others:
            shown = ", ".join(code_span(_short(self.text[o.place.node.start : o.place.node.end])) for o in others[:3])
            message = f"this clause can never hold beside {shown}: {why}"
        else:
            message = f"this clause can never hold: {why}"
        related = tuple(Related(o.place.node.start, o.place.node.end, "conflicts with this clause") for o in others)
        self.out.add("NQL501", message, node.start, node.end, related=related)


def _short(text: str, width: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
