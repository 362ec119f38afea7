"""The plain evaluator: walk the syntax tree for every run.

It is the reference the compiled evaluator is tested and benchmarked against, and what ``explain`` uses
to say which clause kept a run out, since it sees one run at a time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nql_lsp.evaluation.conditions import Condition, holds
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not


def evaluate(expr: Expr | None, conditions: Mapping[int, Condition], attributes: Mapping[str, tuple[str, Any]]) -> bool:
    """Whether a run with ``attributes`` matches ``expr``; ``conditions`` maps ``id(clause)`` to its condition."""
    if expr is None:
        return True
    if isinstance(expr, Clause):
        return holds(conditions[id(expr)], attributes)
    if isinstance(expr, Group):
        return evaluate(expr.expr, conditions, attributes)
    if isinstance(expr, Not):
        return not evaluate(expr.operand, conditions, attributes)
    if isinstance(expr, Logical):
        if expr.op == "AND":
            return all(evaluate(e, conditions, attributes) for e in expr.operands)
        return any(evaluate(e, conditions, attributes) for e in expr.operands)
    raise TypeError(f"not an expression: {expr!r}")
