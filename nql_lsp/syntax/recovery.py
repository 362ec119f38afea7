"""The recovering parser: Lark's LALR parser with the contextual lexer, driven token by token.

When a token cannot stand where it is, it tries each single-token repair (insert a `)`, an `AND`, an
operator or a word; or drop the token) on a copy of the parser and keeps the one that lets the most
following tokens parse, like the Burke-Fisher repair of classic LR parsers. Only the first error of a burst
is reported, and invented tokens enter the tree with zero width, so one mistake gives one diagnostic and
later passes still see a whole query.

Only text the fast path (:mod:`.parser`) does not accept comes here, so Lark is imported only then.
Checkpoints number states as the shipped table does (:mod:`.lalr_table`); :func:`_live_states` maps
between that numbering and the one this process's Lark chose.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from lark import Lark, Transformer
from lark import Token as LarkToken
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.parsers.lalr_interactive_parser import InteractiveParser

from nql_lsp.diagnostics import Collector, Related, fix
from nql_lsp.diagnostics import Edit as TextEdit
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.language.values import quote_string
from nql_lsp.syntax import lark_internals as internals
from nql_lsp.syntax import terminals
from nql_lsp.syntax.parsed import (
    CHECKPOINT_DEPTH,
    CHECKPOINT_EVERY,
    LOOKAHEAD,
    Checkpoint,
    CleanPrefix,
    NodeBuilder,
    ParseResult,
    as_expr,
    too_long,
)
from nql_lsp.syntax.parsed import tok as our_token
from nql_lsp.syntax.terminals import NAME_STARTS, OPEN_QUOTES, VALUE_STARTS, WORD
from nql_lsp.syntax.tree import Query, Token

GRAMMAR_PATH = Path(__file__).parent.parent / "grammar.lark"

# Repairs tried at an unexpected token, in order of preference; a word serves as name, type or value.
_INSERTIONS = ("RPAR", "AND", "EQ", "WORD")
# Further bare words that belong to one unquoted value (stopping before a keyword).
_WORD_RUN = re.compile(r"""(?:\s+(?!(?:and|or)(?![^\s`"'():=!<>]))[^\s`"'():=!<>]+)*""", re.IGNORECASE)
# A new error is reported only after this many tokens since the last one parsed cleanly.
_QUIET_AFTER_ERROR = 3


class _Builder(NodeBuilder, Transformer[LarkToken, Any]):
    """The node builder as Lark's tree callbacks."""


def _start(t: LarkToken) -> int:
    """Where a token starts: always set by the lexers this grammar uses, and by :func:`_missing`."""
    assert t.start_pos is not None
    return t.start_pos


def _end(t: LarkToken) -> int:
    assert t.end_pos is not None
    return t.end_pos


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
def lark_parser() -> Lark:
    """The grammar's Lark parser, built once (from Lark's cache file when it has one)."""
    return Lark(
        GRAMMAR_PATH.read_text(encoding="utf-8"),
        parser="lalr",
        lexer="contextual",
        transformer=_Builder(),
        postlex=_Connectives(),
        cache=True,
        propagate_positions=False,
        maybe_placeholders=False,
    )


@cache
def _live_states() -> tuple[tuple[int, ...], dict[int, int]] | None:
    """Each shipped state's number in this process's Lark, and back; None if the shipped table is stale
    (a test keeps it current), and then no parse resumes from a checkpoint."""
    from nql_lsp.syntax import lalr_table  # generated from this module's parser: imported once it exists

    live = internals.state_map(lark_parser(), lalr_table.START, lalr_table.END, lalr_table.STATES, lalr_table.RULES)
    if live is None:
        return None
    return tuple(live), {state: i for i, state in enumerate(live)}


def can_resume() -> bool:
    """Whether checkpoints can be shared between the fast path and this parser."""
    return _live_states() is not None


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


class Run:
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
        self.ip: InteractiveParser = lark_parser().parse_interactive(text)
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
                        if len(self.tokens) % CHECKPOINT_EVERY == 0:
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
            self.errors.items.append(too_long(self.text))
        return ParseResult(
            Query(as_expr(tree), len(self.text), self.tokens),
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
        mine = our_token(tok)
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
        maps = _live_states()
        if maps is None:
            return
        live, values = internals.stacks(self.ip)
        if len(live) > CHECKPOINT_DEPTH:
            return
        states = [maps[1][s] for s in live]
        self.checkpoints.append(Checkpoint.take(_end(tok), len(self.tokens), states, values))

    def resume(self, checkpoint: Checkpoint) -> None:
        """Continue from ``checkpoint`` (taken on a text this one starts with), without building nodes."""
        self.ip = internals.silent_copy(self.ip)
        self._restore(checkpoint, list(checkpoint.values))

    def resume_clean(self, checkpoint: Checkpoint, prefix: CleanPrefix) -> None:
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
        maps = _live_states()
        assert maps is not None, "checkpoints are used only when can_resume()"
        internals.set_stacks(self.ip, [maps[0][s] for s in checkpoint.states], values)
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
                if count >= LOOKAHEAD:
                    return count + 1
            internals.feed_eof(trial)
            return LOOKAHEAD + 1
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


def accepted(run: Run) -> frozenset[str]:
    """The terminal names the parse can take next."""
    return frozenset(internals.accepts(run.ip))
