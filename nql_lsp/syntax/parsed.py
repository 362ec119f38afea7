"""What a parse gives back, and how a reduce builds a node: shared by the fast path and the recovering
parser, and free of Lark so that a well-formed query parses without importing it. Plain slotted classes
rather than dataclasses, which cost start-up time to generate."""

from __future__ import annotations

from typing import Any

from nql_lsp.diagnostics import Diagnostic, make
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.syntax.tree import Aggregate, Clause, Expr, Field, Group, Logical, Name, Not, Operator, Query, Token, Value

# After this many tokens parse cleanly, a repair is judged good.
LOOKAHEAD = 3
# A parse keeps a snapshot of the parser stacks every this many tokens, so that questions about a point
# late in a long query (completion) resume from a nearby snapshot instead of re-parsing the whole prefix.
CHECKPOINT_EVERY = 16
# The fast path's first snapshot is taken only after this many tokens: resuming a query shorter than that
# from its start costs less than snapshotting every query of the length users type (and CLI runs, which
# never resume a clean parse, pay nothing for them).
FIRST_CHECKPOINT = 3 * CHECKPOINT_EVERY
# No snapshot is taken while the parser stacks are deeper than this: a snapshot copies the stacks, and a
# query nested thousands of levels deep (``NOT NOT …``, ``((((…``) would otherwise keep a copy of a
# stack that deep every few tokens, hundreds of megabytes for 80 kB of text. A question about such a
# point resumes from an earlier snapshot, or the start.
CHECKPOINT_DEPTH = 256


class Seq:
    """The value of a helper rule (``a AND b AND c`` is built as ``a`` then a growing list of the rest),
    spliced into its parent by the parent's reduce. Lark's own parser reads only ``children`` (and a
    checkpoint ``data``), so a parse that the fast path started can be finished by Lark's."""

    __slots__ = ("children", "data")

    def __init__(self, data: str, children: list[Any]) -> None:
        self.data = data
        self.children = children


def _children_count(value: object) -> int:
    """How many children a helper rule's value has now (-1 for any other value): a :class:`Seq`, or the
    tree Lark's own callbacks build for the same rule."""
    if isinstance(value, Token):
        return -1
    children = getattr(value, "children", None)
    return len(children) if isinstance(children, list) else -1


#: The values that never have children: our tokens and nodes (only Lark's trees and :class:`Seq` do).
_CHILDLESS = frozenset({Token, Aggregate, Clause, Field, Group, Logical, Name, Not, Operator, Value})


class Checkpoint:
    """The LALR stacks after the first ``index`` real tokens, which end at offset ``pos``. States are
    numbered as in the shipped table (``syntax/lalr_table.py``), whichever parser took the checkpoint.

    A repetition (``a AND b AND c``) is built by appending to the children of the list already on the
    value stack, so a value kept here goes on growing as the parse continues: ``sizes`` records how many
    children each had at this point (-1 for other values), and :meth:`value_stack` cuts them back.
    """

    __slots__ = ("index", "pos", "sizes", "states", "values")

    def __init__(
        self, pos: int, index: int, states: tuple[int, ...], values: tuple[object, ...], sizes: tuple[int, ...]
    ) -> None:
        self.pos = pos
        self.index = index
        self.states = states
        self.values = values
        self.sizes = sizes

    @classmethod
    def take(cls, pos: int, index: int, states: list[int], values: list[object]) -> Checkpoint:
        sizes = tuple(
            len(v.children) if type(v) is Seq else -1 if type(v) in _CHILDLESS else _children_count(v) for v in values
        )
        return cls(pos, index, tuple(states), tuple(values), sizes)

    def value_stack(self) -> list[object]:
        """The value stack as it was here, for a parse that goes on building nodes."""
        return [
            v if n < 0 else type(v)(v.data, v.children[:n])  # type: ignore[attr-defined,call-arg]
            for v, n in zip(self.values, self.sizes, strict=True)
        ]


class ParseResult:
    """A parse: the tree, the syntax errors, every real token in order, the real tokens recovery had to
    drop, and the checkpoints to resume from (see ``expected_at``)."""

    __slots__ = ("checkpoints", "errors", "skipped", "tokens", "tree")

    def __init__(
        self,
        tree: Query,
        errors: list[Diagnostic],
        tokens: list[Token] | None = None,
        skipped: list[Token] | None = None,
        checkpoints: list[Checkpoint] | None = None,
    ) -> None:
        self.tree = tree
        self.errors = errors
        self.tokens: list[Token] = tokens if tokens is not None else []
        self.skipped: list[Token] = skipped if skipped is not None else []
        self.checkpoints: list[Checkpoint] = checkpoints if checkpoints is not None else []


class CleanPrefix:
    """How far the fast path got before the text stopped being a well-formed query: the recovering parser
    resumes from one of its checkpoints instead of parsing the clean part again."""

    __slots__ = ("checkpoints", "tokens")

    def __init__(self, tokens: list[Token], checkpoints: list[Checkpoint]) -> None:
        self.tokens = tokens
        self.checkpoints = checkpoints

    def resume_point(self) -> Checkpoint | None:
        """The last checkpoint safely before the trouble: the tokens after it include the one the fast path
        stumbled on and the lookahead recovery reads, so recovery sees everything it would have seen."""
        limit = len(self.tokens) - LOOKAHEAD - 2
        usable = [c for c in self.checkpoints if c.index <= limit]
        return usable[-1] if usable else None


def too_long(text: str, *, checked: bool = True) -> Diagnostic:
    """NQL005; ``checked=False`` says that nothing else was checked (see :func:`~nql_lsp.analysis.analyze`)."""
    message = f"the query is {len(text):,} characters long; Neptune's client refuses queries over {MAX_QUERY_LENGTH:,}"
    if not checked:
        message += " (a query this long is checked no further: shorten it first)"
    return make("NQL005", message, MAX_QUERY_LENGTH, len(text))


_EXPRESSIONS = (Clause, Not, Group, Logical)


def as_expr(tree: object) -> Expr | None:
    """The built tree: the start rule's callback always gives an expression or None."""
    assert tree is None or isinstance(tree, _EXPRESSIONS)
    return tree


def tok(t: Any) -> Token:
    """Our token for a token of either parser."""
    if isinstance(t, Token):  # from the fast path: already ours
        return t
    assert t.start_pos is not None and t.end_pos is not None  # set by every lexer this grammar uses
    return Token(t.type, t.value, t.start_pos, t.end_pos)


class NodeBuilder:
    """Builds :mod:`syntax` nodes as the LALR parser reduces, with no intermediate tree; each method is
    the callback of the grammar rule (or alias) it is named after."""

    def start(self, children: list[Any]) -> object:
        return children[0] if children else None

    def or_expr(self, children: list[Any]) -> Logical:
        return Logical("OR", children[0::2], [tok(t) for t in children[1::2]])

    def and_expr(self, children: list[Any]) -> Logical:
        return Logical("AND", children[0::2], [tok(t) for t in children[1::2]])

    def negation(self, children: list[Any]) -> Not:
        return Not(tok(children[0]), children[1])

    def group(self, children: list[Any]) -> Group:
        return Group(tok(children[0]), children[1], tok(children[2]))

    def clause(self, children: list[Any]) -> Clause:
        return Clause(children[0], children[1], children[2] if len(children) > 2 else None)

    def aggregate(self, children: list[Any]) -> Aggregate:
        return Aggregate(tok(children[0]), tok(children[1]), children[2], tok(children[3]))

    def field(self, children: list[Any]) -> Field:
        if len(children) == 1:
            return Field(children[0])
        return Field(children[0], tok(children[1]), tok(children[2]))

    def name(self, children: list[Any]) -> Name:
        return Name(tok(children[0]))

    def operator(self, children: list[Any]) -> Operator:
        return Operator(tuple(tok(t) for t in children))

    existence = operator

    def value(self, children: list[Any]) -> Value:
        return Value(tok(children[0]))
