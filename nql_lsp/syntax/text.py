"""Offsets and positions.

The core works in code-point offsets into a Python ``str``. Surfaces need other coordinates: the CLI
prints 1-based rows and code-point columns, LSP speaks 0-based lines and UTF-16 code units by default
(UTF-8 or UTF-32 when negotiated). :class:`LineIndex` converts both ways, for any offset, clamping
out-of-range input instead of failing, because positions arrive from clients that may be out of date.
"""

from __future__ import annotations

import bisect
import unicodedata
from itertools import accumulate
from typing import Literal

Encoding = Literal["utf-8", "utf-16", "utf-32"]


def _units(ch: str, encoding: Encoding) -> int:
    if encoding == "utf-32":
        return 1
    code = ord(ch)
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


class LineIndex:
    """Line starts of one text. Lines end at ``\\n``, ``\\r\\n`` or a lone ``\\r``, as LSP defines them."""

    __slots__ = ("_ascii", "_starts", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        # In ASCII every encoding counts code points: a position is then its offset from the line start,
        # with no slice of the line to measure (a diagnostic late on a 25,000-character line sliced that
        # much for each end of its range).
        self._ascii = text.isascii()
        if "\r" not in text:
            # The usual case, at C speed: each line starts one past the end of the one before.
            starts = list(accumulate(map((1).__add__, map(len, text.split("\n"))), initial=0))
            starts.pop()  # the start after the last line, which does not exist
            self._starts = starts
            return
        starts = [0]
        i, n = 0, len(text)
        find_any = _next_break
        while True:
            j = find_any(text, i)
            if j < 0:
                break
            i = j + 2 if text.startswith("\r\n", j) else j + 1
            starts.append(i)
            if i >= n:
                break
        self._starts = starts

    @property
    def line_count(self) -> int:
        return len(self._starts)

    def line_of(self, offset: int) -> int:
        offset = max(0, min(offset, len(self.text)))
        return bisect.bisect_right(self._starts, offset) - 1

    def line_start(self, line: int) -> int:
        line = max(0, min(line, len(self._starts) - 1))
        return self._starts[line]

    def line_end(self, line: int) -> int:
        """Offset of the line's end, before its line break."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            if self.text.startswith("\r\n", end - 2):
                return end - 2
            return end - 1
        return len(self.text)

    def line_text(self, line: int) -> str:
        return self.text[self.line_start(line) : self.line_end(line)]

    def row_col(self, offset: int) -> tuple[int, int]:
        """1-based row and 1-based code-point column, as the CLI prints them."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        return line + 1, offset - self._starts[line] + 1

    def position(self, offset: int, encoding: Encoding = "utf-16") -> tuple[int, int]:
        """0-based line and character in ``encoding`` code units, as LSP wants them.

        An offset inside a line break (between ``\r`` and ``\n``) is the end of its line: LSP has no
        position there.
        """
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        start = self._starts[line]
        offset = min(offset, self.line_end(line))
        if encoding == "utf-32" or self._ascii:
            return line, offset - start
        segment = self.text[start:offset]
        if segment.isascii():
            return line, len(segment)
        return line, _length(segment, encoding)

    def offset(self, line: int, character: int, encoding: Encoding = "utf-16") -> int:
        """The code-point offset of an LSP position; past the end of a line means its end."""
        if line < 0:
            return 0
        if line >= len(self._starts):
            return len(self.text)
        start = self._starts[line]
        end = self.line_end(line)
        if encoding == "utf-32" or self._ascii:
            return min(start + max(character, 0), end)
        if character <= 0:
            return start
        # Each code point takes one unit or more, so the answer lies within ``character`` code points.
        segment = self.text[start : min(end, start + character)]
        if segment.isascii() or _length(segment, encoding) <= character:
            return start + len(segment)
        # The longest prefix that fits in ``character`` units (a position inside a surrogate pair or a
        # multi-byte sequence stays before it), found by halving: each step measures a prefix at C speed,
        # where walking a long non-ASCII line a character at a time took milliseconds.
        lo, hi = 0, len(segment)  # the prefix of lo code points fits, the one of hi does not
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if _length(segment[:mid], encoding) <= character:
                lo = mid
            else:
                hi = mid
        return start + lo


def _length(text: str, encoding: Encoding) -> int:
    """How many code units of ``encoding`` (UTF-8 or UTF-16) ``text`` takes, counted by the codec. A lone
    surrogate (a JSON client may send one) is encoded as itself, taking the units ``_units`` gives it."""
    if encoding == "utf-16":
        return len(text.encode("utf-16-le", "surrogatepass")) // 2
    return len(text.encode("utf-8", "surrogatepass"))


def _next_break(text: str, i: int) -> int:
    n = text.find("\n", i)
    r = text.find("\r", i)
    if r < 0:
        return n
    if n < 0:
        return r
    return min(n, r)


def display_width(text: str) -> int:
    """Terminal columns ``text`` takes: wide East Asian characters take two, combining marks none."""
    width = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width
