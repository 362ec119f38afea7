"""Finding things at a position: the token under the cursor, and what role each token plays in the tree.

Hover, semantic tokens, selection ranges and signature help all ask "what is here?". The parser's token
list says which characters form a token; the tree says whether a word is a field name, a type or a value.
This module joins the two once so each feature reads a role instead of re-walking the tree its own way.
"""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Callable, Iterator
from typing import Any, ParamSpec, TypeVar

from nql_lsp.language.records import FrozenRecord
from nql_lsp.syntax.tree import Aggregate, Clause, Expr, Group, Logical, Not, Query, Token, sub_exprs

# Roles a token can play.
NAME, COLON, TYPE, FUNCTION, AGG_LPAR, AGG_RPAR = "name", "colon", "type", "function", "agg_lpar", "agg_rpar"
OPERATOR, VALUE, LOGICAL, NOT, LPAR, RPAR = "operator", "value", "logical", "not", "lpar", "rpar"


_P = ParamSpec("_P")
_R = TypeVar("_R")


def too_deep_gives(default: Callable[[], Any]) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """Answer ``default()`` instead of crashing on a query nested thousands of levels deep.

    Printing and node spans recurse through the tree; Python's recursion limit is the only way such a
    query (``NOT NOT NOT …`` thousands of times) could make a feature raise, and no answer is better
    than a dead request.
    """

    def wrap(fn: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(fn)
        def guarded(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            try:
                return fn(*args, **kwargs)
            except RecursionError:
                answer: _R = default()
                return answer

        return guarded

    return wrap


class Role(FrozenRecord):
    """A real token, what it is, and the node that holds it (the clause for clause parts)."""

    token: Token
    role: str
    node: Expr

    __slots__ = ("node", "role", "token")

    def __init__(self, token: Token, role: str, node: Expr) -> None:
        self.token = token
        self.role = role
        self.node = node


def token_at(tokens: list[Token], offset: int) -> Token | None:
    """The real token under ``offset``: the one containing it, else the one ending right there."""
    i = bisect_right([t.start for t in tokens], offset) - 1
    if i < 0:
        return None
    tok = tokens[i]
    if tok.start <= offset < tok.end:
        return tok
    if tok.end == offset and tok.end > tok.start:
        return tok
    return None


def expr_path(tree: Query, pos: int) -> list[Expr]:
    """Expressions containing ``pos`` (``start <= pos < end``), outermost first."""
    path: list[Expr] = []
    node = tree.expr
    while node is not None and node.start <= pos < max(node.end, node.start + 1):
        path.append(node)
        node = next((c for c in sub_exprs(node) if c.start <= pos < c.end), None)
    return path


def own_roles(node: Expr) -> Iterator[Role]:
    """The real tokens that belong to ``node`` itself (not to its sub-expressions)."""
    if isinstance(node, Logical):
        for kw in node.keywords:
            yield Role(kw, LOGICAL, node)
    elif isinstance(node, Not):
        yield Role(node.keyword, NOT, node)
    elif isinstance(node, Group):
        yield Role(node.lpar, LPAR, node)
        yield Role(node.rpar, RPAR, node)
    elif isinstance(node, Clause):
        lhs = node.lhs
        if isinstance(lhs, Aggregate):
            yield Role(lhs.function, FUNCTION, node)
            yield Role(lhs.lpar, AGG_LPAR, node)
        fld = node.field
        yield Role(fld.name.token, NAME, node)
        if fld.colon is not None:
            yield Role(fld.colon, COLON, node)
        if fld.type is not None:
            yield Role(fld.type, TYPE, node)
        if isinstance(lhs, Aggregate):
            yield Role(lhs.rpar, AGG_RPAR, node)
        for tok in node.operator.tokens:
            yield Role(tok, OPERATOR, node)
        if node.value is not None:
            yield Role(node.value.token, VALUE, node)


def all_roles(tree: Query) -> Iterator[Role]:
    """Every real token's role, in no particular order (callers sort when they need to)."""
    stack: list[Expr] = [tree.expr] if tree.expr is not None else []
    while stack:
        node = stack.pop()
        for role in own_roles(node):
            if not role.token.missing:
                yield role
        stack.extend(sub_exprs(node))


def role_at(tree: Query, tokens: list[Token], offset: int) -> Role | None:
    """The role of the token under ``offset``, or None (no token, or one that recovery dropped)."""
    tok = token_at(tokens, offset)
    if tok is None:
        return None
    for node in reversed(expr_path(tree, tok.start)):
        for role in own_roles(node):
            if role.token.start == tok.start and role.token.end == tok.end and not role.token.missing:
                return role
    return None
