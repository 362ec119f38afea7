"""LSP positions and ranges for file offsets, in the encoding negotiated at ``initialize``."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from nql_lsp.syntax.text import Encoding, LineIndex


class Positions:
    """Converts between code-point offsets of one text and LSP positions in ``encoding``.

    ``lines`` may be a function giving the line index, so that an answer with no ranges in it (no
    diagnostics, say) never pays for indexing a long text.
    """

    __slots__ = ("_lines", "encoding")

    def __init__(self, lines: LineIndex | Callable[[], LineIndex], encoding: Encoding) -> None:
        self._lines = lines
        self.encoding = encoding

    @property
    def lines(self) -> LineIndex:
        if callable(self._lines):
            self._lines = self._lines()
        return self._lines

    def position(self, offset: int) -> types.Position:
        line, character = self.lines.position(offset, self.encoding)
        return types.Position(line=line, character=character)

    def range(self, start: int, end: int) -> types.Range:
        return types.Range(start=self.position(start), end=self.position(end))

    def offset(self, position: types.Position) -> int:
        return self.lines.offset(position.line, position.character, self.encoding)

    def span(self, rng: types.Range) -> tuple[int, int]:
        start, end = self.offset(rng.start), self.offset(rng.end)
        return (start, end) if start <= end else (end, start)

    def width(self, start: int, end: int) -> int:
        """Code units of ``text[start:end]`` (one line) in the encoding."""
        segment = self.lines.text[start:end]
        if self.encoding == "utf-32" or segment.isascii():
            return len(segment)
        if self.encoding == "utf-16":
            return len(segment.encode("utf-16-le", "surrogatepass")) // 2
        return len(segment.encode("utf-8", "surrogatepass"))


def encoding_of(value: object) -> Encoding:
    """``utf-8``/``utf-16``/``utf-32`` from a negotiated PositionEncodingKind (UTF-16 for anything else)."""
    text = str(getattr(value, "value", value)).lower()
    if text == "utf-8":
        return "utf-8"
    if text == "utf-32":
        return "utf-32"
    return "utf-16"
