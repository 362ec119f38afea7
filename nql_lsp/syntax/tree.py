"""The NQL syntax tree.

Every node and token carries its exact ``[start, end)`` offsets into the query text, in code points. The
tree is always complete, even for broken input: where the parser had to invent a token to recover (a
missing value, a missing ``)``), that token is present with ``missing`` set and zero width, so later
passes can tell "absent" from "wrong" and never report the same mistake twice.

Nodes are plain slotted classes rather than Lark trees so that the checker, formatter and evaluator read
named fields (``clause.operator.op``) instead of positional children; they compare by identity.
"""

from __future__ import annotations

from collections.abc import Iterator

from nql_lsp.language.values import decode_quoted
from nql_lsp.syntax.records import Record
from nql_lsp.syntax.terminals import NAME_STARTS


class Token(Record):
    """One lexical token. ``kind`` is the terminal name from ``grammar.lark``."""

    __slots__ = ("end", "kind", "start", "text")

    def __init__(self, kind: str, text: str, start: int, end: int) -> None:
        self.kind = kind
        self.text = text
        self.start = start
        self.end = end

    @property
    def missing(self) -> bool:
        """Inserted by error recovery: the text has nothing here."""
        return self.start == self.end

    def __repr__(self) -> str:
        return f"{self.kind}({self.text!r}@{self.start})"


class Name(Record):
    """An attribute path, backquoted or bare."""

    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token

    @property
    def start(self) -> int:
        return self.token.start

    @property
    def end(self) -> int:
        return self.token.end

    @property
    def quoted(self) -> bool:
        return self.token.kind in NAME_STARTS

    @property
    def path(self) -> str:
        """The attribute path with backquotes and escapes removed."""
        if not self.quoted:
            return self.token.text
        return decode_quoted(self.token.text, "`").value


class Field(Record):
    """``name`` or ``name:type``."""

    __slots__ = ("colon", "name", "type")

    def __init__(self, name: Name, colon: Token | None = None, type: Token | None = None) -> None:
        self.name = name
        self.colon = colon
        self.type = type

    @property
    def start(self) -> int:
        return self.name.start

    @property
    def end(self) -> int:
        if self.type is not None and not self.type.missing:
            return self.type.end
        if self.colon is not None:
            return self.colon.end
        return self.name.end


class Aggregate(Record):
    """``function(field)``, e.g. ``last(`acc`:floatSeries)``."""

    __slots__ = ("field", "function", "lpar", "rpar")

    def __init__(self, function: Token, lpar: Token, field: Field, rpar: Token) -> None:
        self.function = function
        self.lpar = lpar
        self.field = field
        self.rpar = rpar

    @property
    def start(self) -> int:
        return self.function.start

    @property
    def end(self) -> int:
        return self.rpar.end if not self.rpar.missing else self.field.end

    @property
    def name(self) -> str:
        return self.function.text.lower()


Lhs = Field | Aggregate


class Operator(Record):
    """A comparison operator, one or two keyword tokens (``NOT CONTAINS``)."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: tuple[Token, ...]) -> None:
        self.tokens = tokens

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end

    @property
    def missing(self) -> bool:
        tokens = self.tokens
        if len(tokens) == 1:  # the usual operator, without a generator: the checker asks of every clause
            return tokens[0].start == tokens[0].end
        return all(t.start == t.end for t in tokens)

    @property
    def op(self) -> str:
        """Canonical spelling: ``=`` for ``==``, upper case and single-spaced keywords.

        A keyword that recovery inserted after a written ``NOT`` is spelled by its kind, so a half-written
        ``NOT`` still reads as the operator it was completed to.
        """
        tokens = self.tokens
        if len(tokens) == 1:  # the usual operator, spelled at once
            only = tokens[0]
            if only.start == only.end:
                return ""
            text = only.text.upper()
            return "=" if text == "==" else text
        if self.missing:
            return ""
        text = " ".join((t.text or t.kind).upper() for t in tokens)
        return "=" if text == "==" else text

    @property
    def negated(self) -> bool:
        return len(self.tokens) == 2


class Value(Record):
    __slots__ = ("token",)

    def __init__(self, token: Token) -> None:
        self.token = token

    @property
    def start(self) -> int:
        return self.token.start

    @property
    def end(self) -> int:
        return self.token.end

    @property
    def missing(self) -> bool:
        return self.token.missing


class Clause(Record):
    """``lhs op value``, or ``lhs EXISTS`` / ``lhs NOT EXISTS`` (then ``value`` is None)."""

    __slots__ = ("lhs", "operator", "value")

    def __init__(self, lhs: Lhs, operator: Operator, value: Value | None = None) -> None:
        self.lhs = lhs
        self.operator = operator
        self.value = value

    @property
    def start(self) -> int:
        return self.lhs.start

    @property
    def end(self) -> int:
        if self.value is not None and not self.value.missing:
            return self.value.end
        if not self.operator.missing:
            return self.operator.end
        return self.lhs.end

    @property
    def field(self) -> Field:
        return self.lhs.field if isinstance(self.lhs, Aggregate) else self.lhs

    @property
    def aggregate(self) -> Aggregate | None:
        return self.lhs if isinstance(self.lhs, Aggregate) else None


class Not(Record):
    __slots__ = ("_end", "keyword", "operand")

    def __init__(self, keyword: Token, operand: Expr) -> None:
        self.keyword = keyword
        self.operand = operand
        self._end = -1  # the end, once :func:`end_of` has found it

    @property
    def start(self) -> int:
        return self.keyword.start

    @property
    def end(self) -> int:
        return end_of(self.operand)


class Group(Record):
    __slots__ = ("_end", "expr", "lpar", "rpar")

    def __init__(self, lpar: Token, expr: Expr, rpar: Token) -> None:
        self.lpar = lpar
        self.expr = expr
        self.rpar = rpar
        self._end = -1  # the end of an unclosed group, once :func:`end_of` has found it

    @property
    def start(self) -> int:
        return self.lpar.start

    @property
    def end(self) -> int:
        return self.rpar.end if not self.rpar.missing else end_of(self.expr)


class Logical(Record):
    """An AND or OR chain, flattened: ``a AND b AND c`` is one node with three operands."""

    __slots__ = ("keywords", "op", "operands")

    def __init__(self, op: str, operands: list[Expr], keywords: list[Token]) -> None:
        self.op = op
        self.operands = operands
        self.keywords = keywords

    @property
    def start(self) -> int:
        return self.operands[0].start

    @property
    def end(self) -> int:
        return end_of(self.operands[-1])


Expr = Clause | Not | Group | Logical


def end_of(node: Expr) -> int:
    """Where ``node`` ends: found by walking down its last operand in a loop, not by recursion, so that
    ``NOT NOT …`` (or unclosed groups) thousands of levels deep never near the recursion limit. Each
    ``NOT`` and unclosed group walked through remembers the end (nodes never change once built), so
    asking every node of a path from the root for its end costs the depth once, not its square."""
    walked: list[Not | Group] = []
    while True:
        if isinstance(node, Not | Group) and node._end >= 0:
            end = node._end
            break
        if isinstance(node, Not):
            walked.append(node)
            node = node.operand
        elif isinstance(node, Group) and node.rpar.missing:
            walked.append(node)
            node = node.expr
        elif isinstance(node, Logical):
            node = node.operands[-1]
        else:
            end = node.end
            break
    for n in walked:
        n._end = end
    return end


class Query(Record):
    """The root. ``expr`` is None for an empty query, which matches every run."""

    __slots__ = ("expr", "length", "tokens")

    def __init__(self, expr: Expr | None, length: int, tokens: list[Token] | None = None) -> None:
        self.expr = expr
        self.length = length
        self.tokens: list[Token] = tokens if tokens is not None else []

    @property
    def start(self) -> int:
        return 0

    @property
    def end(self) -> int:
        return self.length

    def clauses(self) -> Iterator[Clause]:
        """Every clause, left to right."""
        return iter_clauses(self.expr)


Node = Query | Expr | Field | Aggregate | Operator | Value | Name


def sub_exprs(node: Expr) -> list[Expr]:
    """The expressions directly inside ``node``, left to right (none for a clause)."""
    if isinstance(node, Logical):
        return list(node.operands)
    if isinstance(node, Group):
        return [node.expr]
    if isinstance(node, Not):
        return [node.operand]
    return []


def iter_exprs(expr: Expr | None) -> Iterator[Expr]:
    """Every expression node in pre-order."""
    # Iterative so that a query of 10,000 OR-ed clauses never nears the recursion limit.
    stack: list[Expr] = [expr] if expr is not None else []
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(sub_exprs(node)))


def iter_clauses(expr: Expr | None) -> Iterator[Clause]:
    """Every clause, left to right."""
    return (node for node in iter_exprs(expr) if isinstance(node, Clause))


def dump(node: Node | None, offsets: bool = True) -> str:
    """A canonical one-line rendering of a tree, for comparing trees in tests and debugging.

    With ``offsets=False`` two trees compare equal when they mean the same, wherever their tokens stand.
    """
    if node is None:
        return "()"

    def tok(t: Token | None) -> str:
        if t is None:
            return "-"
        text = "<missing>" if t.missing else t.text
        return f"{t.kind}:{text}@{t.start}" if offsets else f"{t.kind}:{text}"

    if isinstance(node, Query):
        return dump(node.expr, offsets)
    if isinstance(node, Logical):
        return f"({node.op} " + " ".join(dump(o, offsets) for o in node.operands) + ")"
    if isinstance(node, Not):
        return f"(NOT {dump(node.operand, offsets)})"
    if isinstance(node, Group):
        return f"(GROUP {dump(node.expr, offsets)}{' ' + tok(node.rpar) if node.rpar.missing else ''})"
    if isinstance(node, Clause):
        value = tok(node.value.token) if node.value is not None else "-"
        return f"(CLAUSE {dump(node.lhs, offsets)} {node.operator.op or '-'} {value})"
    if isinstance(node, Aggregate):
        return f"(AGG {tok(node.function)} {dump(node.field, offsets)})"
    if isinstance(node, Field):
        return f"(FIELD {tok(node.name.token)} {tok(node.type)})"
    return repr(node)
