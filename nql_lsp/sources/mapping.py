"""Offsets and edits between a decoded text and the file text that spells it.

A :class:`CharMap` knows, for every character of a decoded text (a query read from Python literals, or a
notebook cell read from JSON strings), the span of file text that produced it and the segment (literal,
JSON string) it belongs to. Edits to the decoded text become edits to the file that stay inside segments:
replacement text is encoded for the segment it lands in, and an edit that crosses segments puts its text in
the first and empties the rest of the range, so quotes and the code between literals are never touched.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable

from nql_lsp.diagnostics import Edit
from nql_lsp.language.records import FrozenRecord

#: Encodes replacement text for the file range ``[start, end)`` of a segment; None when the text cannot be
#: written there (the segment would no longer read as the same kind of literal).
Encoder = Callable[[str, int, int], "str | None"]


class Segment(FrozenRecord):
    content_start: int
    content_end: int
    encode: Encoder

    __slots__ = ("content_end", "content_start", "encode")

    def __init__(self, content_start: int, content_end: int, encode: Encoder) -> None:
        self.content_start = content_start
        self.content_end = content_end
        self.encode = encode


class CharMap:
    """``text[i]`` was written as ``source[starts[i]:ends[i]]`` inside ``segments[segs[i]]``.

    ``blocked`` lists ``[start, end)`` spans of ``text`` that stand for code rather than text (f-string
    holes): edits overlapping them cannot be written back.
    """

    __slots__ = ("blocked", "ends", "segments", "segs", "source", "starts", "text")

    def __init__(
        self,
        source: str,
        text: str,
        starts: list[int],
        ends: list[int],
        segs: list[int],
        segments: list[Segment],
        blocked: tuple[tuple[int, int], ...] = (),
    ) -> None:
        self.source = source
        self.text = text
        self.starts = starts
        self.ends = ends
        self.segs = segs
        self.segments = segments
        self.blocked = blocked

    def to_file(self, offset: int) -> int:
        """Where the character at ``offset`` begins in the file (the end of the content past the end)."""
        if offset < len(self.starts):
            return self.starts[max(offset, 0)]
        return self.segments[-1].content_end

    def to_file_end(self, offset: int) -> int:
        """Where a range ending (exclusively) at ``offset`` ends in the file."""
        if offset <= 0 or not self.ends:
            return self.to_file(0)
        return self.ends[min(offset, len(self.ends)) - 1]

    def from_file(self, offset: int) -> int:
        """The text offset a cursor at file ``offset`` stands at: before the character written there, after
        the last one written before it (at a literal's closing quote, between literals), or on the character
        whose escape it is inside."""
        i = bisect.bisect_right(self.starts, offset) - 1
        if i < 0:
            return 0
        return i + 1 if offset >= self.ends[i] else i

    def inside(self, offset: int) -> bool:
        """Whether a cursor at file ``offset`` is inside a segment's text (not on a quote, not between)."""
        return any(seg.content_start <= offset <= seg.content_end for seg in self.segments)

    def _seg_at(self, offset: int) -> int:
        return self.segs[offset] if offset < len(self.segs) else len(self.segments) - 1

    def map_edit(self, edit: Edit) -> tuple[Edit, ...] | None:
        """The edit in file offsets, its text encoded; None when it cannot be written into the file."""
        s, e = edit.start, max(edit.start, edit.end)
        if any(s < b and a < e for a, b in self.blocked) or any(a < s < b for a, b in self.blocked):
            return None
        first = self._seg_at(s)
        last = self._seg_at(e - 1) if e > s else first
        start = self.to_file(s)
        if first == last:
            pieces = [(first, start, self.to_file_end(e) if e > s else start, edit.new_text)]
        else:
            pieces = [(first, start, self.segments[first].content_end, edit.new_text)]
            pieces.extend(
                (i, self.segments[i].content_start, self.segments[i].content_end, "") for i in range(first + 1, last)
            )
            pieces.append((last, self.segments[last].content_start, self.to_file_end(e), ""))
        out = []
        for seg, a, b, new_text in pieces:
            if a == b and not new_text:
                continue
            text = self.segments[seg].encode(new_text, a, b)
            if text is None:
                return None
            out.append(Edit(a, b, text))
        return tuple(out)
