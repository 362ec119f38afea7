"""One query of a document, seen from the file: offsets, ranges and edits mapped both ways.

The mapping itself is the core's (:class:`~nql_lsp.sources.files.QuerySource`); a region adds what the
server needs on top: the inverse mapping for cursors (cached, since a literal with escapes has no
closed form), whether an offset is in an f-string hole, and the diagnostics a hole did not provoke.
Features speak only of regions, so a ``.nql`` file and a query inside a Python string are served alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nql_lsp.analysis.analyze import Analysis
    from nql_lsp.diagnostics import Diagnostic, Edit
    from nql_lsp.sources.files import QuerySource


class Region:
    """One query of a document, with offset mapping both ways (file <-> query)."""

    __slots__ = ("_file_starts", "source")

    def __init__(self, source: QuerySource) -> None:
        self.source = source
        self._file_starts: list[int] | None = None

    @property
    def text(self) -> str:
        return self.source.text

    def to_file(self, offset: int) -> int:
        return self.source.file_offset(offset)

    def range_to_file(self, start: int, end: int) -> tuple[int, int]:
        """The file range of a query range: it ends where its last character is written (before the quote
        of a literal that the next one continues), not where the next character begins."""
        return self.source.file_range(start, end)

    def edits_to_file(self, edit: Edit) -> tuple[Edit, ...] | None:
        """A query edit as file edits, its text written for the file; None when it cannot be written there
        (it would overwrite code between or inside literals, or the literal's quoting cannot hold it)."""
        return self.source.file_edits(edit)

    def in_hole(self, offset: int) -> bool:
        """Whether the query ``offset`` is inside a value only known at run time (an f-string hole)."""
        return any(a <= offset < b for a, b in self.source.holes)

    def visible(self, analysis: Analysis) -> list[Diagnostic]:
        """The analysis' diagnostics less those a hole's placeholder provoked."""
        if not self.source.holes:
            return analysis.diagnostics
        from nql_lsp.sources.holes import visible

        return visible(analysis, self.source.holes)

    @property
    def file_start(self) -> int:
        return self.to_file(0)

    @property
    def file_end(self) -> int:
        return self.to_file(len(self.source.text))

    def from_file(self, offset: int) -> int:
        """The query offset of a file offset (the nearest one before it, inside escapes)."""
        src = self.source
        if src.from_file is not None:
            return src.from_file(offset)
        if src.to_file is None:
            return max(0, min(offset - src.start, len(src.text)))
        if self._file_starts is None:
            self._file_starts = [src.to_file(i) for i in range(len(src.text) + 1)]
        from bisect import bisect_right

        return max(0, bisect_right(self._file_starts, offset) - 1)

    def contains(self, offset: int) -> bool:
        if self.source.contains is not None:  # several literals: only their insides, not the code between
            return self.source.contains(offset)
        return self.file_start <= offset <= self.file_end
