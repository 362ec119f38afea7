"""One query of a document, seen from the file: offsets, ranges and edits mapped both ways.

The mapping itself is the core's (:class:`~nql_lsp.sources.query.QuerySource`); a region adds what the
server needs on top: whether an offset is in an f-string hole, and the diagnostics a hole did not provoke.
Features speak only of regions, so a ``.nql`` file and a query inside a Python string are served alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nql_lsp.analysis.analyze import Analysis
    from nql_lsp.diagnostics import Diagnostic, Edit
    from nql_lsp.sources.query import QuerySource


class Region:
    """One query of a document, with offset mapping both ways (file <-> query)."""

    __slots__ = ("source",)

    def __init__(self, source: QuerySource) -> None:
        self.source = source

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
        from nql_lsp.analysis.holes import visible

        return visible(analysis, self.source.holes)

    @property
    def file_start(self) -> int:
        return self.to_file(0)

    @property
    def file_end(self) -> int:
        return self.to_file(len(self.source.text))

    def from_file(self, offset: int) -> int:
        """The query offset of a file offset (the nearest one before it, inside escapes)."""
        return self.source.query_offset(offset)

    def contains(self, offset: int) -> bool:
        return self.source.holds(offset)
