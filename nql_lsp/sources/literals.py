"""Python string literals read with the position of every character, and text written back into them.

``ast`` gives a string's value and the span of the whole expression, but not where each character of the
value came from. This module re-reads the literal tokens of that span (prefixes, quotes, escapes, line
continuations, implicit concatenation, f-string holes) so that a position in the value maps to the exact
characters of the file, and re-escapes replacement text for the quoting of the literal it lands in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from nql_lsp.language.records import ValueRecord

_PREFIX = re.compile(r"[rRbBuUfF]{0,2}")
_SIMPLE_ESCAPES = {
    "\\": "\\",
    "'": "'",
    '"': '"',
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
}
_HEX_DIGITS = {"x": 2, "u": 4, "U": 8}
_PLAIN = re.compile(r"[^\\\r]+")
_PLAIN_F = re.compile(r"[^\\\r{}]+")


class LiteralError(ValueError):
    """The span does not read as the literals ``ast`` saw; the caller skips the string."""


class Literal(ValueRecord):
    """One string token: ``prefix`` + quote + content + quote, at file offsets."""

    start: int
    end: int
    prefix: str
    quote: str
    content_start: int
    content_end: int

    __slots__ = ("content_end", "content_start", "end", "prefix", "quote", "start")

    def __init__(self, start: int, end: int, prefix: str, quote: str, content_start: int, content_end: int) -> None:
        self.start = start
        self.end = end
        self.prefix = prefix
        self.quote = quote
        self.content_start = content_start
        self.content_end = content_end

    @property
    def raw(self) -> bool:
        return "r" in self.prefix

    @property
    def fstring(self) -> bool:
        return "f" in self.prefix

    @property
    def is_bytes(self) -> bool:
        return "b" in self.prefix

    @property
    def triple(self) -> bool:
        return len(self.quote) == 3


class Hole(ValueRecord):
    """An f-string replacement field ``{...}``: ``at`` is the index in the decoded characters it precedes."""

    at: int
    start: int
    end: int
    literal: int

    __slots__ = ("at", "end", "literal", "start")

    def __init__(self, at: int, start: int, end: int, literal: int) -> None:
        self.at = at
        self.start = start
        self.end = end
        self.literal = literal


class Decoded(ValueRecord):
    """The value of a run of literals, character by character, with where each came from.

    ``starts[i]``/``ends[i]`` are the file offsets of the source text that produced character ``i`` (one
    character, or a whole escape such as ``\\u00e9``); ``lits[i]`` is the index of its literal.
    """

    literals: list[Literal]
    chars: list[str]
    starts: list[int]
    ends: list[int]
    lits: list[int]
    holes: list[Hole]

    __slots__ = ("chars", "ends", "holes", "literals", "lits", "starts")

    def __init__(
        self,
        literals: list[Literal],
        chars: list[str] | None = None,
        starts: list[int] | None = None,
        ends: list[int] | None = None,
        lits: list[int] | None = None,
        holes: list[Hole] | None = None,
    ) -> None:
        self.literals = literals
        self.chars = chars if chars is not None else []
        self.starts = starts if starts is not None else []
        self.ends = ends if ends is not None else []
        self.lits = lits if lits is not None else []
        self.holes = holes if holes is not None else []

    def parts(self) -> list[str | None]:
        """The value as ``ast`` shows a JoinedStr: text runs (adjacent ones merged, empty dropped), None per hole."""
        out: list[str | None] = []
        prev = 0
        for hole in [*self.holes, None]:
            at = len(self.chars) if hole is None else hole.at
            run = "".join(self.chars[prev:at])
            if run:
                if out and isinstance(out[-1], str):
                    out[-1] += run
                else:
                    out.append(run)
            if hole is not None:
                out.append(None)
            prev = at
        return out


def _skip_space(text: str, i: int, end: int) -> int:
    """Past whitespace, comments and line continuations between adjacent literals."""
    while i < end:
        c = text[i]
        if c in " \t\f\r\n":
            i += 1
        elif c == "\\" and i + 1 < end and text[i + 1] in "\r\n":
            i += 2
        elif c == "#":
            while i < end and text[i] not in "\r\n":
                i += 1
        else:
            break
    return i


def _open(text: str, i: int) -> tuple[str, str, int]:
    """Prefix, quote and the content start of the literal beginning at ``i``."""
    m = _PREFIX.match(text, i)
    j = m.end() if m else i
    if j >= len(text) or text[j] not in "'\"":
        raise LiteralError(f"no string literal at offset {i}")
    q = text[j]
    quote = q * 3 if text.startswith(q * 3, j) else q
    return text[i:j].lower(), quote, j + len(quote)


def _skip_hole(text: str, i: int) -> int:
    """From just after ``{``, the offset just after the matching ``}`` of an f-string replacement field."""
    depth = 1
    n = len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i + 1
        elif c in "'\"":
            k = i
            while k > 0 and text[k - 1] in "rRbBuUfF" and i - k < 2:
                k -= 1
            i = scan_literal(text, k).end
            continue
        elif c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
            continue
        i += 1
    raise LiteralError("unterminated replacement field")


def scan_literal(text: str, i: int) -> Literal:
    """The literal token starting at ``i`` (its prefix), found by the tokenizer's rules."""
    prefix, quote, j = _open(text, i)
    fstring = "f" in prefix
    n = len(text)
    single = len(quote) == 1
    while j < n:
        c = text[j]
        if c == "\\":
            j += 3 if text.startswith("\r\n", j + 1) else 2
            continue
        if c == quote[0] and text.startswith(quote, j):
            return Literal(i, j + len(quote), prefix, quote, i + len(prefix) + len(quote), j)
        if single and c in "\r\n":
            break
        if fstring and c == "{":
            if text.startswith("{", j + 1):
                j += 2
                continue
            j = _skip_hole(text, j + 1)
            continue
        j += 1
    raise LiteralError(f"unterminated string literal at offset {i}")


def scan_literals(text: str, start: int, end: int) -> list[Literal]:
    """The adjacent literals that make up one string expression spanning ``text[start:end]``."""
    out: list[Literal] = []
    i = _skip_space(text, start, end)
    while i < end:
        lit = scan_literal(text, i)
        if lit.end > end:
            raise LiteralError("literal runs past the expression")
        out.append(lit)
        i = _skip_space(text, lit.end, end)
    if not out:
        raise LiteralError("no literal in the expression")
    return out


def decode(text: str, literals: list[Literal]) -> Decoded:
    """Read the literals' value as Python does, keeping every character's source span."""
    d = Decoded(literals)
    chars, starts, ends, lits = d.chars, d.starts, d.ends, d.lits
    for index, lit in enumerate(literals):
        raw, fstring = lit.raw, lit.fstring
        j, stop = lit.content_start, lit.content_end

        def emit(ch: str, a: int, b: int, index: int = index) -> None:
            chars.append(ch)
            starts.append(a)
            ends.append(b)
            lits.append(index)

        plain = _PLAIN_F if fstring else _PLAIN
        while j < stop:
            m = plain.match(text, j, stop)
            if m is not None:  # a run of characters that stand for themselves
                k = m.end()
                chars.extend(text[j:k])
                starts.extend(range(j, k))
                ends.extend(range(j + 1, k + 1))
                lits.extend([index] * (k - j))
                j = k
                continue
            c = text[j]
            if c == "\r":  # the tokenizer reads \r\n and a lone \r as \n
                k = j + 2 if text.startswith("\r\n", j) else j + 1
                emit("\n", j, k)
                j = k
            elif c == "\\" and raw:
                emit("\\", j, j + 1)
                j += 1
                if j < stop and text[j] in "\\'\"":  # kept, but it does not end or escape anything
                    emit(text[j], j, j + 1)
                    j += 1
            elif c == "\\":
                j = _escape(text, j, stop, emit)
            elif fstring and c == "{":
                if text.startswith("{", j + 1):
                    emit("{", j, j + 2)
                    j += 2
                else:
                    k = _skip_hole(text, j + 1)
                    d.holes.append(Hole(len(chars), j, k, index))
                    j = k
            elif fstring and c == "}":
                if not text.startswith("}", j + 1):
                    raise LiteralError("single '}' in an f-string")
                emit("}", j, j + 2)
                j += 2
            else:
                emit(c, j, j + 1)
                j += 1
    return d


def _escape(text: str, j: int, stop: int, emit: Callable[[str, int, int], None]) -> int:
    """Decode the escape at ``text[j] == '\\'``; returns the offset after it."""
    if j + 1 >= stop:
        raise LiteralError("backslash at the end of a literal")
    nxt = text[j + 1]
    if nxt == "\n":
        return j + 2
    if nxt == "\r":
        return j + 3 if text.startswith("\n", j + 2) else j + 2
    if nxt in _SIMPLE_ESCAPES:
        emit(_SIMPLE_ESCAPES[nxt], j, j + 2)
        return j + 2
    if nxt in "01234567":
        k = j + 1
        while k < stop and k < j + 4 and text[k] in "01234567":
            k += 1
        emit(chr(int(text[j + 1 : k], 8)), j, k)
        return k
    if nxt in _HEX_DIGITS:
        k = j + 2 + _HEX_DIGITS[nxt]
        digits = text[j + 2 : k]
        if k > stop or not re.fullmatch(r"[0-9a-fA-F]+", digits):
            raise LiteralError("truncated \\x, \\u or \\U escape")
        code = int(digits, 16)
        if code > 0x10FFFF:
            raise LiteralError("escape out of range")
        emit(chr(code), j, k)
        return k
    if nxt == "N" and text.startswith("{", j + 2):
        close = text.find("}", j + 3, stop)
        if close < 0:
            raise LiteralError("malformed \\N escape")
        try:
            ch = unicodedata.lookup(text[j + 3 : close])
        except KeyError:
            raise LiteralError("unknown \\N name") from None
        emit(ch, j, close + 1)
        return close + 1
    # An unknown escape keeps its backslash; the next character is read normally.
    emit("\\", j, j + 1)
    return j + 1


def encode(new_text: str, lit: Literal) -> str | None:
    """``new_text`` written for the inside of ``lit`` so that the literal's value gains exactly it.

    A raw literal takes the text as it is; None when it cannot (a line break in a single-quoted one).
    Whether the literal still ends where it did (a raw literal's own quote, a trailing backslash) depends
    on the neighbours: the caller checks the edited literal as a whole.
    """
    q = lit.quote[0]
    if lit.raw:
        if not lit.triple and ("\n" in new_text or "\r" in new_text):
            return None
        out = new_text
    else:
        parts = []
        for ch in new_text:
            if ch == "\\":
                parts.append("\\\\")
            elif ch == q:
                parts.append("\\" + ch)
            elif ch == "\n":
                parts.append("\n" if lit.triple else "\\n")
            elif ch == "\r":
                parts.append("\\r")
            elif ch == "\t":
                parts.append("\t")
            elif ord(ch) < 0x20 or ord(ch) == 0x7F:
                parts.append(f"\\x{ord(ch):02x}")
            else:
                parts.append(ch)
        out = "".join(parts)
    if lit.fstring:
        out = out.replace("{", "{{").replace("}", "}}")
    return out
