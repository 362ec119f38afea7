"""Text to syntax tree: a fast path for well-formed queries, the recovering parser for the rest.

:func:`parse` never raises. Most text an editor or CI sees is well formed: for it, one master regex lexes
the whole text at C speed and a tight loop runs the grammar's LALR automaton, shipped as plain data in
:mod:`.lalr_table` (generated from ``grammar.lark`` through Lark), so a clean parse never imports Lark.
Wherever a clause may start, a simple clause (or a group of one) is matched whole by one regex and pushed
as the automaton would have reduced it, which halves the work on the commonest part of every query. A
word is classified as keyword, function or WORD by the very table row Lark's contextual lexer would
consult, so both paths build the same tree (a property test holds them to it). At the first irregularity
(an unexpected token, a stray character, an unterminated string) the fast path gives up and the
recovering parser (:mod:`.recovery`, on Lark) takes over from the fast path's last checkpoint.

:func:`expected_at` runs the recovering machinery over a prefix and asks the parser which terminals may
come next: the ground truth that completion is built on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from nql_lsp.diagnostics import Diagnostic
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.syntax import lalr_table, terminals
from nql_lsp.syntax.parsed import (
    CHECKPOINT_DEPTH,
    CHECKPOINT_EVERY,
    FIRST_CHECKPOINT,
    LOOKAHEAD,
    Checkpoint,
    CleanPrefix,
    NodeBuilder,
    ParseResult,
    Seq,
    as_expr,
    too_long,
)
from nql_lsp.syntax.terminals import FUNC, WORD
from nql_lsp.syntax.tree import Aggregate, Clause, Field, Group, Logical, Name, Not, Operator, Query, Token, Value

if TYPE_CHECKING:
    from lark import Lark

__all__ = ["Checkpoint", "ParseResult", "expected_at", "parse", "parse_recovering"]

# Kept under their old names for callers and tests of this module.
_CleanPrefix = CleanPrefix
_LOOKAHEAD = LOOKAHEAD


def _lark() -> Lark:
    """The recovering parser's Lark (imports Lark)."""
    from nql_lsp.syntax.recovery import lark_parser

    return lark_parser()


# One match per token, the whitespace before it included (possessively, so that trailing whitespace is
# never given back to ``irregular``); at the end of the text only the empty ``\Z`` alternative matches.
# The regex engine tries the alternatives in turn, so the commonest tokens come first: words (names,
# types, keywords, numbers), parentheses, backquoted names. Only alternatives that can start with the same
# character need an order of their own (``>=`` before ``>``, ``==`` before ``=``, ``irregular`` last), and
# a word starts with none of the characters the others start with. A quoted token is read as runs of
# plain characters between escapes ("the unrolled loop"): the same match as ``(?:[^"\\]|\\.)*``, which
# the engine takes a character at a time.
_MASTER = re.compile(
    r"""
    \s*+
    (?:
        (?P<WORD>[^\s`"'():=!<>]+)
      | (?P<LPAR>\() | (?P<RPAR>\))
      | (?P<QNAME>`[^`\\]*+(?:\\[\s\S][^`\\]*+)*+`)
      | (?P<COLON>:)
      | (?P<STRING>"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+")
      | (?P<GE>>=) | (?P<LE><=) | (?P<NE>!=) | (?P<EQEQ>==) | (?P<EQ>=) | (?P<GT>>) | (?P<LT><)
      | (?P<SQ_STRING>'[^'\\]*+(?:\\[\s\S][^'\\]*+)*+')
      | (?P<irregular>[\s\S])
      | \Z
    )
""",
    re.VERBOSE,
)
_LONGEST_KEYWORD = max(map(len, terminals.keywords()))

# A whole simple clause at once, in parentheses or not (``(last(`a`:float) >= 0.5)``, `` `b`:string NOT
# CONTAINS "x"``), the commonest stretch of every query: one match instead of the seven to eleven tokens'
# lexing and the dozen LALR steps between them. Each alternative is the master regex's own for that
# token, so the tokens end where the master regex would end them; a word is taken only where the fast path
# would classify it as a plain word (or a keyword operator as that keyword), and anything else (a keyword
# for a name, an unterminated string, a missing value, a group of more) is left to the token loop.
_W = r"""[^\s`"'():=!<>]"""
_CLAUSE = re.compile(
    rf"""
    \s*+
    (?:(?P<open>\()\s*+)?
    (?:(?P<func>[A-Za-z_][A-Za-z0-9_]*+)\s*+(?P<lpar>\()\s*+)?
    (?P<name>`[^`\\]*+(?:\\[\s\S][^`\\]*+)*+`|{_W}++)
    (?:\s*+(?P<colon>:)\s*+(?P<type>{_W}++))?
    (?(func)\s*+(?P<rpar>\)))
    \s*+
    (?:
        (?P<sym>>=|<=|!=|==|=|>|<)
      | (?:(?P<not>[Nn][Oo][Tt])\s++)?(?:(?P<kw>(?i:contains|matches))|(?P<exists>(?i:exists)))(?!{_W})
    )
    (?(exists)|\s*+(?P<value>"[^"\\]*+(?:\\[\s\S][^"\\]*+)*+"|'[^'\\]*+(?:\\[\s\S][^'\\]*+)*+'|{_W}++))
    (?(open)\s*+(?P<close>\)))
    """,
    re.VERBOSE,
)
# ``_clause_at`` unpacks the groups' spans in this order.
assert list(_CLAUSE.groupindex) == [
    "open",
    "func",
    "lpar",
    "name",
    "colon",
    "type",
    "rpar",
    "sym",
    "not",
    "kw",
    "exists",
    "value",
    "close",
]
_SYMBOL_KINDS = {spelling: name for name, spelling in terminals.PUNCTUATION.items()}
_VALUE_KINDS = {'"': "STRING", "'": "SQ_STRING"}
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL_FOLLOWS = re.compile(r"\s*\(")

Reduction = tuple[int, str, Callable[[list[Any]], Any]]


class _FastBuilder(NodeBuilder):
    """The node builder for the fast path, whose tokens are already ours: the same nodes, without asking
    of each token whether it needs converting (a property test holds both paths to the same trees)."""

    def or_expr(self, children: list[Any]) -> Logical:
        return Logical("OR", children[0::2], children[1::2])

    def and_expr(self, children: list[Any]) -> Logical:
        return Logical("AND", children[0::2], children[1::2])

    def negation(self, children: list[Any]) -> Not:
        return Not(children[0], children[1])

    def group(self, children: list[Any]) -> Group:
        return Group(children[0], children[1], children[2])

    def aggregate(self, children: list[Any]) -> Aggregate:
        return Aggregate(children[0], children[1], children[2], children[3])

    def field(self, children: list[Any]) -> Field:
        if len(children) == 1:
            return Field(children[0])
        return Field(children[0], children[1], children[2])

    def name(self, children: list[Any]) -> Name:
        return Name(children[0])

    def operator(self, children: list[Any]) -> Operator:
        return Operator(tuple(children))

    existence = operator

    def value(self, children: list[Any]) -> Value:
        return Value(children[0])


def _one_operator(tok: Token) -> Operator:
    return Operator((tok,))


def _two_operator(first: Token, second: Token) -> Operator:
    return Operator((first, second))


# The reduces that build one node straight from the popped values, as their :class:`_FastBuilder` method
# would from the list of them: called with the values themselves, which saves a list and a call per node
# in the common reduces (most reduces build a name, a field, an operator, a value, a clause or a group).
_DIRECT: dict[tuple[str, int], Callable[..., Any]] = {
    ("name", 1): Name,
    ("field", 1): Field,
    ("field", 3): Field,
    ("operator", 1): _one_operator,
    ("operator", 2): _two_operator,
    ("existence", 1): _one_operator,
    ("existence", 2): _two_operator,
    ("value", 1): Value,
    ("clause", 2): Clause,
    ("clause", 3): Clause,
    ("group", 3): Group,
    ("negation", 2): Not,
    ("aggregate", 4): Aggregate,
}


def _reduction(origin: str, size: int, name: str, expand1: bool, include: Any) -> Reduction:
    """How a reduce by one rule builds its value, as Lark's tree builder does for the same rule: keep the
    values ``include`` names (splicing in a helper rule's list, and reusing the first one's list, so a
    long repetition grows in place), let a lone child of a ``?rule`` stand for it, else call the builder
    (or make a helper rule's :class:`~.parsed.Seq`)."""
    method = getattr(_FastBuilder, name, None)
    builder = _FastBuilder()

    def node(children: list[Any]) -> Any:
        return Seq(name, children)

    build: Callable[[list[Any]], Any] = getattr(builder, name) if method is not None else node
    if include is None:
        if not expand1:
            return size, origin, build
        if size == 1:
            return size, origin, _first
        inner = build

        def single(children: list[Any]) -> Any:
            return children[0] if len(children) == 1 else inner(children)

        return size, origin, single
    keep: tuple[tuple[int, bool], ...] = tuple(include)
    plain = build

    def filtered(children: list[Any]) -> Any:
        kept: list[Any] = []
        for i, splice in keep:
            if splice:
                if kept:
                    kept += children[i].children
                else:
                    kept = children[i].children
            else:
                kept.append(children[i])
        if expand1 and len(kept) == 1:
            return kept[0]
        return plain(kept)

    return size, origin, filtered


def _direct(origin: str, size: int, name: str, expand1: bool, include: Any) -> Callable[..., Any] | None:
    """The constructor a reduce may call with its popped values (see ``_DIRECT``), or None."""
    if include is not None or expand1:
        return None
    return _DIRECT.get((name, size))


def _first(children: list[Any]) -> Any:
    return children[0]


# Reduces by a `?rule` with one child (`lhs: field`, `not_expr: clause`, ...) keep the value and change
# only the top state, so a run of them depends on nothing but the state below, the top one and the
# lookahead: worked out once per such triple (there are few) and then taken in one step.
_UNIT_CHAINS: dict[tuple[int, int, str], int] = {}


def _unit_chain(below: int, top: int, kind: str) -> int:
    """The top state after every one-child reduce that ``kind`` causes from ``top`` over ``below``."""
    while True:
        action = lalr_table.STATES[top].get(kind)
        if action is None or action >= 0:
            return top
        _, origin, build = _REDUCTIONS[~action]
        if build is not _first:
            return top
        top = lalr_table.STATES[below][origin]


_REDUCTIONS: tuple[Reduction, ...] = tuple(_reduction(*rule) for rule in lalr_table.RULES)
# Per rule, as the fast loop reads it: (values popped, nonterminal made, direct constructor or None, list
# builder, whether it is a `?rule`'s lone child kept as it is).
_STEPS: tuple[tuple[int, str, Callable[..., Any] | None, Callable[[list[Any]], Any], bool], ...] = tuple(
    (size, origin, _direct(*rule), build, build is _first)
    for rule, (size, origin, build) in zip(lalr_table.RULES, _REDUCTIONS, strict=True)
)
_KEYWORDS = terminals.keywords() - frozenset(terminals.CONNECTIVES)
_CONNECTIVES = frozenset(terminals.CONNECTIVES)


_ALL_KEYWORDS = terminals.keywords()
# The states in which a clause may start, all of which accept a bare name, a backquoted one and a call,
# with the states a clause and a parenthesised clause (a `not_expr`) go to from them.
_CLAUSE_STARTS: dict[int, tuple[int, int]] = {
    state: (row["clause"], row["not_expr"])
    for state, row in enumerate(lalr_table.STATES)
    if "clause" in row and {"WORD", "QNAME", FUNC, "LPAR"} <= row.keys()
}


def _clause_at(text: str, pos: int, tokens: list[Token]) -> tuple[Clause | Group, int, int] | None:
    """The simple clause (or the group of one) starting at ``pos`` (after whitespace), its tokens appended
    to ``tokens``, with where it ends and how many tokens it has; None (and nothing appended) for anything
    else.

    Written out flat, as the token loop is: a helper per token or node would cost as much as the loop."""
    m = _CLAUSE.match(text, pos)
    if m is None:
        return None
    _, open_, func, lpar, name, colon, type_, rpar, sym, not_, kw, exists, value, close = m.regs
    keywords = _ALL_KEYWORDS
    name_text = text[name[0] : name[1]]
    bare = name_text[0] != "`"
    if bare and name_text.upper() in keywords:
        return None
    has_type = colon[0] >= 0
    if has_type:
        type_text = text[type_[0] : type_[1]]
        if type_text.upper() in keywords:
            return None
    if func[0] >= 0 and text[func[0] : func[1]].upper() in keywords:
        return None
    value_text = ""
    if value[0] >= 0:
        value_text = text[value[0] : value[1]]
        value_kind = _VALUE_KINDS.get(value_text[0], WORD)
        if value_kind is WORD and value_text.upper() in keywords:
            return None
    count = len(tokens)
    add = tokens.append
    new = object.__new__
    if open_[0] >= 0:
        group_start = new(Token)
        group_start.kind, group_start.text, group_start.start, group_start.end = "LPAR", "(", open_[0], open_[1]
        add(group_start)
    if func[0] >= 0:
        head = new(Token)
        head.kind, head.text, head.start, head.end = FUNC, text[func[0] : func[1]], func[0], func[1]
        opening = new(Token)
        opening.kind, opening.text, opening.start, opening.end = "LPAR", "(", lpar[0], lpar[1]
        add(head)
        add(opening)
    tok = new(Token)
    tok.kind, tok.text, tok.start, tok.end = WORD if bare else "QNAME", name_text, name[0], name[1]
    add(tok)
    if has_type:
        sep = new(Token)
        sep.kind, sep.text, sep.start, sep.end = "COLON", ":", colon[0], colon[1]
        written = new(Token)
        written.kind, written.text, written.start, written.end = WORD, type_text, type_[0], type_[1]
        add(sep)
        add(written)
        field = Field(Name(tok), sep, written)
    else:
        field = Field(Name(tok))
    lhs: Field | Aggregate = field
    if func[0] >= 0:
        closing = new(Token)
        closing.kind, closing.text, closing.start, closing.end = "RPAR", ")", rpar[0], rpar[1]
        add(closing)
        lhs = Aggregate(head, opening, field, closing)
    if sym[0] >= 0:
        spelled = text[sym[0] : sym[1]]
        tok = new(Token)
        tok.kind, tok.text, tok.start, tok.end = _SYMBOL_KINDS[spelled], spelled, sym[0], sym[1]
        add(tok)
        operator = Operator((tok,))
    else:
        if not_[0] >= 0:
            negation = new(Token)
            negation.kind, negation.text, negation.start, negation.end = "NOT", text[not_[0] : not_[1]], *not_
            add(negation)
        word = kw if kw[0] >= 0 else exists
        spelled = text[word[0] : word[1]]
        tok = new(Token)
        tok.kind, tok.text, tok.start, tok.end = spelled.upper(), spelled, word[0], word[1]
        add(tok)
        operator = Operator((negation, tok) if not_[0] >= 0 else (tok,))
    if value_text:
        tok = new(Token)
        tok.kind, tok.text, tok.start, tok.end = value_kind, value_text, value[0], value[1]
        add(tok)
        clause = Clause(lhs, operator, Value(tok))
    else:
        clause = Clause(lhs, operator)
    if open_[0] < 0:
        return clause, m.end(), len(tokens) - count
    group_end = new(Token)
    group_end.kind, group_end.text, group_end.start, group_end.end = "RPAR", ")", close[0], close[1]
    add(group_end)
    return Group(group_start, clause, group_end), close[1], len(tokens) - count


def _fast_parse(text: str) -> ParseResult | None:
    """The parse of a well-formed query, or None."""
    attempt = _fast_attempt(text)
    return attempt if isinstance(attempt, ParseResult) else None


def _fast_attempt(text: str, clauses: bool = True) -> ParseResult | CleanPrefix:
    """The fast path: the whole parse of a well-formed query, or how far it got cleanly. ``clauses=False``
    lexes every clause token by token (see ``_CLAUSE``), for the tests that hold the two ways together."""
    states = lalr_table.STATES
    steps = _STEPS
    units = _UNIT_CHAINS
    end_state = lalr_table.END
    connectives = _CONNECTIVES
    state_keywords = _KEYWORDS
    longest = _LONGEST_KEYWORD
    call, call_follows = _CALL.fullmatch, _CALL_FOLLOWS.match
    state_stack = [lalr_table.START]
    value_stack: list[object] = []
    push_state, push_value = state_stack.append, value_stack.append
    pop_value = value_stack.pop
    new_token = object.__new__
    tokens: list[Token] = []
    add_token = tokens.append
    checkpoints: list[Checkpoint] = []
    take = Checkpoint.take
    row = states[lalr_table.START]
    until_checkpoint = FIRST_CHECKPOINT
    clause_starts = _CLAUSE_STARTS if clauses else {}
    clause_at = _clause_at
    pos = 0
    if lalr_table.START in clause_starts and (found := clause_at(text, 0, tokens)) is not None:
        node, pos, count = found
        target = clause_starts[lalr_table.START][type(node) is Group]
        push_state(target)
        push_value(node)
        row = states[target]
        until_checkpoint -= count
    lex = _MASTER.finditer
    while pos >= 0:  # the lexer restarts after each clause taken whole
        resume = -1
        for m in lex(text, pos):
            kind = m.lastgroup
            if kind is None:  # the end of the text
                break
            if kind == "irregular":
                return CleanPrefix(tokens, checkpoints)
            start, end = m.span(kind)
            word = text[start:end]
            if kind == WORD:
                upper = word.upper() if len(word) <= longest else ""
                if upper in connectives or (upper in state_keywords and upper in row):
                    kind = upper
                elif FUNC in row and call(word) and call_follows(text, end):
                    kind = FUNC
            # Token(kind, word, start, end) without the call of its __init__, the dearest step of lexing a
            # token (tests/test_parser.py holds Token to these four fields, so that none is left unset here).
            tok = new_token(Token)
            tok.kind = kind
            tok.text = word
            tok.start = start
            tok.end = end
            add_token(tok)
            while True:
                action = row.get(kind)
                if action is None:
                    return CleanPrefix(tokens, checkpoints)
                if action >= 0:
                    push_state(action)
                    push_value(tok)
                    row = states[action]
                    break
                size, origin, direct, build, unit = steps[~action]
                if size == 1:  # most reduces: build in place, or (a `?rule`'s lone child) keep the value
                    if unit:
                        key = (state_stack[-2], state_stack[-1], kind)
                        goto = units.get(key)
                        if goto is None:
                            goto = units[key] = _unit_chain(*key)
                    else:
                        value_stack[-1] = direct(value_stack[-1]) if direct is not None else build([value_stack[-1]])
                        goto = states[state_stack[-2]][origin]
                    state_stack[-1] = goto
                else:
                    if direct is not None:  # pop the values straight into the node's constructor
                        del state_stack[-size:]
                        if size == 3:
                            c = pop_value()
                            b = pop_value()
                            push_value(direct(pop_value(), b, c))
                        else:
                            children = value_stack[-size:]
                            del value_stack[-size:]
                            push_value(direct(*children))
                    elif size:
                        children = value_stack[-size:]
                        del state_stack[-size:]
                        del value_stack[-size:]
                        push_value(build(children))
                    else:
                        push_value(build([]))
                    goto = states[state_stack[-1]][origin]
                    push_state(goto)
                row = states[goto]
            until_checkpoint -= 1
            if not until_checkpoint:
                until_checkpoint = CHECKPOINT_EVERY
                if len(state_stack) <= CHECKPOINT_DEPTH:
                    checkpoints.append(take(end, len(tokens), state_stack, value_stack))
            if action in clause_starts and (found := clause_at(text, end, tokens)) is not None:
                node, resume, count = found
                target = clause_starts[action][type(node) is Group]
                push_state(target)
                push_value(node)
                row = states[target]
                until_checkpoint = max(until_checkpoint - count, 1)  # the next token's end, if due
                break
        pos = resume
    tree: object = None
    while True:  # the end of the text: reduce until the start rule is made
        action = row.get("$END")
        if action is None:
            return CleanPrefix(tokens, checkpoints)
        assert action < 0, "the end is never shifted"
        size, origin, direct, build, unit = steps[~action]
        if unit:  # a `?rule`'s lone child stands for it: only the top state changes
            goto = states[state_stack[-2]][origin]
            if goto == end_state:
                tree = value_stack[-1]
                break
            state_stack[-1] = goto
            row = states[goto]
            continue
        if size:
            children = value_stack[-size:]
            del state_stack[-size:]
            del value_stack[-size:]
        else:
            children = []
        tree = direct(*children) if direct is not None else build(children)
        goto = states[state_stack[-1]][origin]
        if goto == end_state:
            break
        push_value(tree)
        push_state(goto)
        row = states[goto]
    errors: list[Diagnostic] = []
    if len(text) > MAX_QUERY_LENGTH:
        errors.append(too_long(text))
    return ParseResult(Query(as_expr(tree), len(text), tokens), errors, tokens, [], checkpoints)


def parse(text: str) -> ParseResult:
    """Parse a whole query. Never raises; errors come back as diagnostics."""
    attempt = _fast_attempt(text)
    if isinstance(attempt, ParseResult):
        return attempt
    return parse_recovering(text, attempt)


def parse_recovering(text: str, prefix: CleanPrefix | None = None) -> ParseResult:
    """The parser with error recovery, used for any text the fast path does not accept; ``prefix`` (what
    the fast path parsed cleanly first) saves parsing the start of a long query twice."""
    from nql_lsp.syntax import recovery

    run = recovery.Run(text)
    if prefix is not None and recovery.can_resume() and (checkpoint := prefix.resume_point()) is not None:
        run.resume_clean(checkpoint, prefix)
    run.feed_all()
    return run.finish()


def expected_at(text: str, offset: int, parsed: ParseResult | None = None) -> frozenset[str]:
    """The terminal names the parser accepts after ``text[:offset]`` (recovering from earlier errors).

    ``parsed``, the parse of the whole ``text``, makes this fast late in a long query: the prefix is
    parsed from the last checkpoint well before ``offset`` rather than from the start. "Well before"
    leaves room for the lookahead that recovery used, so the answer is the same as without it.
    """
    from nql_lsp.syntax import recovery

    prefix = text[:offset]
    run = recovery.Run(prefix)
    if parsed is not None and parsed.checkpoints and parsed.tree.length == len(text) and recovery.can_resume():
        checkpoint = _checkpoint_before(parsed, offset)
        if checkpoint is not None:
            run.resume(checkpoint)
    run.feed_all()
    return recovery.accepted(run)


def _checkpoint_before(parsed: ParseResult, offset: int) -> Checkpoint | None:
    tokens = parsed.tokens
    before = bisect_right([t.end for t in tokens], offset)  # tokens that end by offset
    limit = before - LOOKAHEAD - 1  # recovery before the checkpoint looked no further than offset
    points = parsed.checkpoints
    i = bisect_right([c.index for c in points], limit)
    return points[i - 1] if i else None
