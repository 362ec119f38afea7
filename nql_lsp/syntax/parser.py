"""Text to syntax tree: Lark's LALR parser with the contextual lexer, plus error recovery.

:func:`parse` never raises. It drives Lark's interactive parser token by token; when a token cannot
stand where it is, it tries each single-token repair (insert a `)`, an `AND`, an operator or a word; or
drop the token) on a copy of the parser and keeps the one that lets the most following tokens parse,
like the Burke-Fisher repair of classic LR parsers. Only the first error of a burst is reported, and
invented tokens enter the tree with zero width, so one mistake gives one diagnostic and later passes
still see a whole query.

:func:`expected_at` runs the same machinery over a prefix and asks the parser which terminals may come
next: the ground truth that completion is built on.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Transformer, Tree
from lark import Token as LarkToken
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from nql_lsp.diagnostics import Collector, Diagnostic, Related, fix, make
from nql_lsp.diagnostics import Edit as TextEdit
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.language.values import quote_string
from nql_lsp.syntax import lark_internals as internals
from nql_lsp.syntax import terminals
from nql_lsp.syntax.terminals import FUNC, NAME_STARTS, OPEN_QUOTES, VALUE_STARTS, WORD
from nql_lsp.syntax.tree import Aggregate, Clause, Expr, Field, Group, Logical, Name, Not, Operator, Query, Token, Value

# Repairs tried at an unexpected token, in order of preference; a word serves as name, type or value.
_INSERTIONS = ("RPAR", "AND", "EQ", "WORD")
# Further bare words that belong to one unquoted value (stopping before a keyword).
_WORD_RUN = re.compile(r"""(?:\s+(?!(?:and|or)(?![^\s`"'():=!<>]))[^\s`"'():=!<>]+)*""", re.IGNORECASE)
# After this many tokens parse cleanly, a repair is judged good.
_LOOKAHEAD = 3
# A new error is reported only after this many tokens since the last one parsed cleanly.
_QUIET_AFTER_ERROR = 3
# A parse keeps a snapshot of the parser stacks every this many tokens, so that questions about a point
# late in a long query (completion) resume from a nearby snapshot instead of re-parsing the whole prefix.
_CHECKPOINT_EVERY = 16


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The LALR stacks after the first ``index`` real tokens, which end at offset ``pos``.

    Lark builds a repetition (``a AND b AND c``) by appending to the children of the tree already on the
    value stack, so a value kept here goes on growing as the parse continues: ``sizes`` records how many
    children each tree had at this point (-1 for other values), and :meth:`value_stack` cuts them back.
    """

    pos: int
    index: int
    states: tuple[int, ...]
    values: tuple[object, ...]
    sizes: tuple[int, ...]

    @classmethod
    def take(cls, pos: int, index: int, states: list[int], values: list[object]) -> Checkpoint:
        sizes = tuple(len(v.children) if type(v) is Tree else -1 for v in values)
        return cls(pos, index, tuple(states), tuple(values), sizes)

    def value_stack(self) -> list[object]:
        """The value stack as it was here, for a parse that goes on building nodes."""
        return [
            v if n < 0 else Tree(v.data, v.children[:n])  # type: ignore[attr-defined]
            for v, n in zip(self.values, self.sizes, strict=True)
        ]


@dataclass(slots=True)
class ParseResult:
    tree: Query
    errors: list[Diagnostic]
    tokens: list[Token] = field(default_factory=list)  # every real token, in order
    skipped: list[Token] = field(default_factory=list)  # real tokens recovery had to drop
    checkpoints: list[Checkpoint] = field(default_factory=list)  # for resuming: see expected_at


class _Builder(Transformer[LarkToken, Any]):
    """Builds :mod:`syntax` nodes as the LALR parser reduces, with no intermediate Lark tree."""

    def start(self, children: list[Any]) -> object:
        return children[0] if children else None

    def or_expr(self, children: list[Any]) -> Logical:
        return Logical("OR", children[0::2], [_tok(t) for t in children[1::2]])

    def and_expr(self, children: list[Any]) -> Logical:
        return Logical("AND", children[0::2], [_tok(t) for t in children[1::2]])

    def negation(self, children: list[Any]) -> Not:
        return Not(_tok(children[0]), children[1])

    def group(self, children: list[Any]) -> Group:
        return Group(_tok(children[0]), children[1], _tok(children[2]))

    def clause(self, children: list[Any]) -> Clause:
        return Clause(children[0], children[1], children[2] if len(children) > 2 else None)

    def aggregate(self, children: list[Any]) -> Aggregate:
        return Aggregate(_tok(children[0]), _tok(children[1]), children[2], _tok(children[3]))

    def field(self, children: list[Any]) -> Field:
        if len(children) == 1:
            return Field(children[0])
        return Field(children[0], _tok(children[1]), _tok(children[2]))

    def name(self, children: list[Any]) -> Name:
        return Name(_tok(children[0]))

    def operator(self, children: list[Any]) -> Operator:
        return Operator(tuple(_tok(t) for t in children))

    existence = operator

    def value(self, children: list[Any]) -> Value:
        return Value(_tok(children[0]))


def _expr(tree: object) -> Expr | None:
    """The built tree: the start rule's callback always gives an expression or None."""
    assert tree is None or isinstance(tree, Clause | Not | Group | Logical)
    return tree


def _start(t: LarkToken) -> int:
    """Where a token starts: always set by the lexers this grammar uses, and by :func:`_missing`."""
    assert t.start_pos is not None
    return t.start_pos


def _end(t: LarkToken) -> int:
    assert t.end_pos is not None
    return t.end_pos


def _tok(t: LarkToken | Token) -> Token:
    if isinstance(t, Token):  # from the fast path: already ours
        return t
    return Token(t.type, t.value, _start(t), _end(t))


class _Connectives:
    """Lets the contextual lexer see ``AND``/``OR`` in every parser state.

    Everywhere else a keyword that cannot stand in a state lexes as a plain WORD (so ``x = exists`` is a
    value the checker can flag). The connectives are the exception: a stray ``AND`` where a name or value
    should be is a structural slip (``a = 1 AND AND b = 2``, ``x = AND``), and lexing it as a keyword lets
    recovery say so once instead of taking it for a field called "AND".
    """

    always_accept = ("AND", "OR")

    def process(self, stream: Iterator[LarkToken]) -> Iterator[LarkToken]:
        return stream


@cache
def _lark() -> Lark:
    grammar = Path(__file__).parent.parent.joinpath("grammar.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        postlex=_Connectives(),
        cache=True,
        propagate_positions=False,
        maybe_placeholders=False,
    )


@cache
def _tables() -> internals.Tables:
    return internals.tables(_lark())


def _missing(kind: str, pos: int) -> LarkToken:
    return LarkToken(kind, "", start_pos=pos, end_pos=pos, line=1, column=1, end_line=1, end_column=1)


def describe_expected(accepts: set[str] | frozenset[str]) -> str:
    """What the parser wants, in the user's words rather than terminal names."""
    if accepts & VALUE_STARTS:
        return "a value"
    if "LPAR" in accepts and terminals.NOT in accepts:
        return "a clause"
    if accepts & NAME_STARTS:
        return "a field name"
    if accepts & terminals.operator_starts():
        return "an operator" + (" or `:type`" if "COLON" in accepts else "")
    if accepts == {WORD}:
        return "a type"
    wanted = [terminals.describe(k) for k in (*terminals.CONNECTIVES, "RPAR") if k in accepts]
    if "$END" in accepts:
        wanted.append("the end of the query")
    if not wanted:
        return "something else"
    return ", ".join(wanted[:-1]) + (" or " if len(wanted) > 1 else "") + wanted[-1]


class _Run:
    """One parse of one text: the interactive parser plus what recovery has learned so far."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.errors = Collector()
        self.tokens: list[Token] = []
        self.skipped: list[Token] = []
        self.open_parens: list[int] = []
        self.clean = _QUIET_AFTER_ERROR  # tokens parsed cleanly since the last error
        self.last_end = 0
        self.last_text = ""
        self.last_seen: LarkToken | None = None
        self.ip: InteractiveParser = _lark().parse_interactive(text)
        self.checkpoints: list[Checkpoint] = []

    # --- driving ---------------------------------------------------------------------------------

    def feed_all(self) -> None:
        """Lex and parse the whole text, recovering from every error, but do not feed the end."""
        ip = self.ip
        while True:
            try:
                for tok in internals.lex(ip):
                    self._see(tok)
                    try:
                        ip.feed_token(tok)
                    except UnexpectedToken:
                        self._repair(tok)
                    else:
                        self._shifted(tok)
                        if len(self.tokens) % _CHECKPOINT_EVERY == 0:
                            self._checkpoint(tok)
                return
            except UnexpectedToken as e:  # the contextual lexer found a token of another state
                self._see(e.token)
                self._repair(e.token)
            except UnexpectedCharacters as e:
                self._bad_character(e)

    def finish(self) -> ParseResult:
        tree = self._feed_end()
        if len(self.text) > MAX_QUERY_LENGTH:
            self.errors.items.append(_too_long(self.text))
        return ParseResult(
            Query(_expr(tree), len(self.text), self.tokens),
            self.errors.sorted(),
            self.tokens,
            self.skipped,
            self.checkpoints,
        )

    def _feed_end(self) -> object:
        ip = self.ip
        first = True
        for _ in range(64):  # each round inserts one token; a query never nests this deep unfinished
            try:
                return internals.feed_eof(ip, self.last_seen)
            except UnexpectedToken:
                accepts = internals.accepts(ip)
                # What to pretend was typed: the token that closes the most (a `)`, an operator, a value);
                # `EXISTS` finishes a dangling `NOT` after a field, the one place none of those fits.
                kind = next((k for k in ("RPAR", "EQ", "WORD", "EXISTS") if k in accepts), None)
                if kind is None:
                    if first:
                        self._report_missing(accepts, "", self.last_end)
                    break
                if first and not self._quiet():
                    self._report_missing(accepts, kind, self.last_end)
                    first = False
                self._feed_missing(kind, self.last_end)
        return None  # unreachable for this grammar; an empty tree is still a valid answer

    # --- bookkeeping -----------------------------------------------------------------------------

    def _see(self, tok: LarkToken) -> None:
        if tok is self.last_seen:
            return
        self.last_seen = tok
        mine = _tok(tok)
        self.tokens.append(mine)
        quote = OPEN_QUOTES.get(tok.type)
        if quote is not None:
            what = "name" if quote == "`" else "string"
            self.errors.add(
                "NQL003",
                f"unterminated {what}: add the closing {quote}",
                _start(tok),
                _end(tok),
                fix(f"Close the {what}", TextEdit(_end(tok), _end(tok), quote)),
            )
            self.clean = -len(self.text)  # it ran to the end of the text: nothing after it is news

    def _checkpoint(self, tok: LarkToken) -> None:
        states, values = internals.stacks(self.ip)
        self.checkpoints.append(Checkpoint.take(_end(tok), len(self.tokens), states, values))

    def resume(self, checkpoint: Checkpoint) -> None:
        """Continue from ``checkpoint`` (taken on a text this one starts with), without building nodes."""
        self.ip = internals.silent_copy(self.ip)
        self._restore(checkpoint, list(checkpoint.values))

    def resume_clean(self, checkpoint: Checkpoint, prefix: _CleanPrefix) -> None:
        """Continue, building nodes, from a checkpoint of the clean prefix the fast path parsed.

        Up to the checkpoint a parse from the start would shift the very same tokens with no error, so
        what it would know there is what the fast path knew: the stacks, the tokens, the open ``(``.
        """
        self._restore(checkpoint, checkpoint.value_stack())
        self.tokens = prefix.tokens[: checkpoint.index]
        self.checkpoints = [c for c in prefix.checkpoints if c.index <= checkpoint.index]
        for tok in self.tokens:
            if tok.kind == "LPAR":
                self.open_parens.append(tok.start)
            elif tok.kind == "RPAR" and self.open_parens:
                self.open_parens.pop()
        last = self.tokens[-1]
        self.last_end, self.last_text = last.end, last.text

    def _restore(self, checkpoint: Checkpoint, values: list[object]) -> None:
        internals.set_stacks(self.ip, list(checkpoint.states), values)
        internals.advance_lexer(self.ip, self.text[: checkpoint.pos])

    def _shifted(self, tok: LarkToken) -> None:
        self.clean += 1
        self.last_end = _end(tok)
        self.last_text = tok.value
        if tok.type == "LPAR":
            self.open_parens.append(_start(tok))
        elif tok.type == "RPAR" and self.open_parens:
            self.open_parens.pop()

    def _feed_missing(self, kind: str, pos: int) -> None:
        self.ip.feed_token(_missing(kind, pos))
        if kind == "RPAR" and self.open_parens:
            self.open_parens.pop()

    def _quiet(self) -> bool:
        return self.clean < _QUIET_AFTER_ERROR

    # --- recovery --------------------------------------------------------------------------------

    def _repair(self, tok: LarkToken) -> None:
        accepts = internals.accepts(self.ip)
        best_kind: str | None = None
        best_score = self._score(None, tok)  # dropping the token
        for kind in _INSERTIONS:
            if kind in accepts:
                score = self._score(kind, tok)
                if score > best_score:
                    best_kind, best_score = kind, score
        quiet = self._quiet()
        if best_kind is None:
            self.skipped.append(self.tokens[-1])
            if not quiet:
                self._report_unexpected(tok, accepts)
            self.clean = 0
            return
        if not quiet:
            self._report_missing(accepts, best_kind, _start(tok), found=tok)
        self._feed_missing(best_kind, _start(tok))
        self.clean = 0
        fitted = self._fit(tok, self.ip)
        self.ip.feed_token(fitted)  # the score says this succeeds
        self._shifted(fitted)

    def _score(self, insert: str | None, tok: LarkToken) -> int:
        """How many tokens parse after the repair (insert ``insert`` before ``tok``, or drop ``tok``).

        An insertion that cannot even take ``tok`` scores -1, below any deletion.
        """
        trial = internals.silent_copy(self.ip)
        count = -1
        try:
            if insert is not None:
                trial.feed_token(_missing(insert, _start(tok)))
                trial.feed_token(self._fit(tok, trial))
            count = 0
            for nxt in internals.lex(trial):
                trial.feed_token(nxt)
                count += 1
                if count >= _LOOKAHEAD:
                    return count + 1
            internals.feed_eof(trial)
            return _LOOKAHEAD + 1
        except UnexpectedInput:
            return count

    @staticmethod
    def _fit(tok: LarkToken, ip: InteractiveParser) -> LarkToken:
        """Re-type a word the root lexer guessed (keyword, function) if the parser now wants a WORD."""
        if tok.type in terminals.relexable():
            row = internals.action_row(ip)
            if tok.type not in row and WORD in row:
                return LarkToken.new_borrow_pos(WORD, tok.value, tok)
        return tok

    def _bad_character(self, e: UnexpectedCharacters) -> None:
        pos = internals.lexer_offset(self.ip)
        ch = self.text[pos]
        internals.advance_lexer(self.ip, ch)
        prev = self.errors.items[-1] if self.errors.items else None
        if prev is not None and prev.code == "NQL004" and prev.end == pos:
            self.errors.items[-1] = type(prev)(prev.code, prev.severity, prev.message, prev.start, pos + 1)
        else:
            hint = "; `!` only appears in `!=`" if ch == "!" else ""
            self.errors.add("NQL004", f"unexpected character `{ch}`{hint}", pos, pos + 1)
        self.clean = 0

    # --- messages --------------------------------------------------------------------------------

    def _report_unexpected(self, tok: LarkToken, accepts: set[str]) -> None:
        text = tok.value
        start, end = _start(tok), _end(tok)
        prev = self.tokens[-2] if len(self.tokens) >= 2 else None
        if tok.type == "RPAR" and not self.open_parens and accepts & {"AND", "$END"}:
            self.errors.add("NQL001", "unmatched `)`", start, end, fix("Remove the `)`", TextEdit(start, end, "")))
            return
        if (
            prev is not None
            and prev.kind == WORD
            and tok.type == WORD
            and accepts & set(terminals.CONNECTIVES)
            and not accepts & VALUE_STARTS
        ):
            # `name = foo bar`: a value with a space. Offer to quote both words as one string.
            m = _WORD_RUN.match(self.text, end)
            stop = m.end() if m else end
            joined = self.text[prev.start : stop]
            self.errors.add(
                "NQL001",
                f"unexpected `{text}`: a value with spaces must be double-quoted",
                start,
                end,
                fix("Quote the value", TextEdit(prev.start, stop, quote_string(joined))),
            )
            return
        self.errors.add("NQL001", f"unexpected `{text}`; expected {describe_expected(accepts)}", start, end)

    def _report_missing(self, accepts: set[str], kind: str, pos: int, found: LarkToken | None = None) -> None:
        wanted = describe_expected(accepts)
        if kind == "RPAR" and self.open_parens:
            lpar = self.open_parens[-1]
            message = "missing `)` to close this `(`" if found is None else f"expected `)` before `{found.value}`"
            at = pos if found is None else _start(found)
            self.errors.add(
                "NQL002",
                message,
                at,
                at if found is None else _end(found),
                fix("Insert `)`", TextEdit(pos, pos, ")")),
                related=(Related(lpar, lpar + 1, "the `(` to close"),),
            )
            return
        if found is not None:
            where = f", found `{found.value}`"
            self.errors.add("NQL002", f"expected {wanted}{where}", _start(found), _end(found))
            return
        after = f" after `{self.last_text}`" if self.last_text else ""
        self.errors.add("NQL002", f"expected {wanted}{after}", pos, pos)


# --- the fast path ------------------------------------------------------------------------------------
#
# Most text an editor or CI sees is well formed. For it, a single master regex lexes the whole text at C
# speed and a tight loop runs Lark's own LALR table and tree callbacks; a word is classified as keyword,
# function or WORD by the very table row the contextual lexer would consult, so both paths build the same
# tree (a property test holds them to it). At the first irregularity (an unexpected token, a stray
# character, an unterminated string) the fast path gives up and the recovering parser starts over.

_MASTER = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<QNAME>`(?:[^`\\]|\\[\s\S])*`)
  | (?P<STRING>"(?:[^"\\]|\\[\s\S])*")
  | (?P<SQ_STRING>'(?:[^'\\]|\\[\s\S])*')
  | (?P<GE>>=) | (?P<LE><=) | (?P<NE>!=) | (?P<EQEQ>==) | (?P<EQ>=) | (?P<GT>>) | (?P<LT><)
  | (?P<LPAR>\() | (?P<RPAR>\)) | (?P<COLON>:)
  | (?P<WORD>[^\s`"'():=!<>]+)
  | (?P<irregular>[\s\S])
""",
    re.VERBOSE,
)
_LONGEST_KEYWORD = max(map(len, terminals.keywords()))
_CALL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL_FOLLOWS = re.compile(r"\s*\(")


class _Bail(Exception):
    pass


@dataclass(slots=True)
class _CleanPrefix:
    """How far the fast path got before the text stopped being a well-formed query: the recovering parser
    resumes from one of its checkpoints instead of parsing the clean part again."""

    tokens: list[Token]
    checkpoints: list[Checkpoint]

    def resume_point(self) -> Checkpoint | None:
        """The last checkpoint safely before the trouble: the tokens after it include the one the fast path
        stumbled on and the lookahead recovery reads, so recovery sees everything it would have seen."""
        limit = len(self.tokens) - _LOOKAHEAD - 2
        usable = [c for c in self.checkpoints if c.index <= limit]
        return usable[-1] if usable else None


def _fast_parse(text: str) -> ParseResult | None:
    """The parse of a well-formed query, or None."""
    attempt = _fast_attempt(text)
    return attempt if isinstance(attempt, ParseResult) else None


def _fast_attempt(text: str) -> ParseResult | _CleanPrefix:
    lalr = _tables()
    states = lalr.states
    reductions = lalr.reductions
    end_state = lalr.end
    shift = internals.SHIFT
    connectives = frozenset(terminals.CONNECTIVES)
    state_keywords = terminals.keywords() - connectives
    state_stack = [lalr.start]
    value_stack: list[object] = []
    tokens: list[Token] = []
    checkpoints: list[Checkpoint] = []

    def feed(kind: str, value: object) -> object:
        while True:
            try:
                action, arg = states[state_stack[-1]][kind]
            except KeyError:
                raise _Bail from None
            if action is shift:
                state_stack.append(arg)
                value_stack.append(value)
                return None
            size, origin, build = reductions[arg]
            if size:
                children = value_stack[-size:]
                del state_stack[-size:]
                del value_stack[-size:]
            else:
                children = []
            result = build(children)
            state_stack.append(states[state_stack[-1]][origin][1])
            value_stack.append(result)
            if kind == "$END" and state_stack[-1] == end_state:
                return result

    try:
        for m in _MASTER.finditer(text):
            kind = m.lastgroup or "irregular"
            if kind == "ws":
                continue
            if kind == "irregular":
                return _CleanPrefix(tokens, checkpoints)
            word = m.group()
            if kind == WORD:
                upper = word.upper() if len(word) <= _LONGEST_KEYWORD else ""
                row = states[state_stack[-1]]
                if upper in connectives or (upper in state_keywords and upper in row):
                    kind = upper
                elif FUNC in row and _CALL.fullmatch(word) and _CALL_FOLLOWS.match(text, m.end()):
                    kind = FUNC
            tok = Token(kind, word, m.start(), m.end())
            tokens.append(tok)
            feed(kind, tok)
            if len(tokens) % _CHECKPOINT_EVERY == 0:
                checkpoints.append(Checkpoint.take(tok.end, len(tokens), state_stack, value_stack))
        tree = feed("$END", None)
    except _Bail:
        return _CleanPrefix(tokens, checkpoints)
    errors: list[Diagnostic] = []
    if len(text) > MAX_QUERY_LENGTH:
        errors.append(_too_long(text))
    return ParseResult(Query(_expr(tree), len(text), tokens), errors, tokens, [], checkpoints)


def _too_long(text: str) -> Diagnostic:
    return make(
        "NQL005",
        f"the query is {len(text):,} characters long; Neptune's client refuses queries over {MAX_QUERY_LENGTH:,}",
        MAX_QUERY_LENGTH,
        len(text),
    )


def parse(text: str) -> ParseResult:
    """Parse a whole query. Never raises; errors come back as diagnostics."""
    attempt = _fast_attempt(text)
    if isinstance(attempt, ParseResult):
        return attempt
    return parse_recovering(text, attempt)


def parse_recovering(text: str, prefix: _CleanPrefix | None = None) -> ParseResult:
    """The parser with error recovery, used for any text the fast path does not accept; ``prefix`` (what
    the fast path parsed cleanly first) saves parsing the start of a long query twice."""
    run = _Run(text)
    if prefix is not None and (checkpoint := prefix.resume_point()) is not None:
        run.resume_clean(checkpoint, prefix)
    run.feed_all()
    return run.finish()


def expected_at(text: str, offset: int, parsed: ParseResult | None = None) -> frozenset[str]:
    """The terminal names the parser accepts after ``text[:offset]`` (recovering from earlier errors).

    ``parsed``, the parse of the whole ``text``, makes this fast late in a long query: the prefix is
    parsed from the last checkpoint well before ``offset`` rather than from the start. "Well before"
    leaves room for the lookahead that recovery used, so the answer is the same as without it.
    """
    prefix = text[:offset]
    run = _Run(prefix)
    if parsed is not None and parsed.checkpoints and parsed.tree.length == len(text):
        checkpoint = _checkpoint_before(parsed, offset)
        if checkpoint is not None:
            run.resume(checkpoint)
    run.feed_all()
    return frozenset(internals.accepts(run.ip))


def _checkpoint_before(parsed: ParseResult, offset: int) -> Checkpoint | None:
    tokens = parsed.tokens
    before = bisect_right([t.end for t in tokens], offset)  # tokens that end by offset
    limit = before - _LOOKAHEAD - 1  # recovery before the checkpoint looked no further than offset
    points = parsed.checkpoints
    i = bisect_right([c.index for c in points], limit)
    return points[i - 1] if i else None
