"""A query standing in a file: its text, and how its offsets and edits land in the file's own text.

Every surface speaks in file coordinates (a diagnostic on row 14 of ``report.py``), while every analysis
speaks in query offsets. :class:`QuerySource` is the one contract between them, with two kinds:

- :class:`PlainQuery`: the file holds the query as is, from ``start`` on (a ``.nql`` file, stdin);
- :class:`EmbeddedQuery`: the query was decoded from code (Python literals, notebook JSON strings), so
  offsets map character by character through a :class:`Placement`, replacement text is re-encoded for
  the literal it lands in, and some spans (f-string holes) stand for code rather than text.

Callers ask the source; none of them needs to know which kind it holds.
"""

from __future__ import annotations

from typing import Protocol

from nql_lsp.diagnostics import Diagnostic, Edit, Fix, Related
from nql_lsp.language.records import FrozenRecord

#: ``[start, end)`` offsets into a query's text.
Span = tuple[int, int]


#: What a query filters: runs (``fetch_runs_table``, a ``.nql`` file, a marked string), or the models and
#: model versions neptune-client's project filtered with NQL too, whose fields no runs file holds.
RUNS = "runs"
MODELS = "models"
MODEL_VERSIONS = "model versions"


class QuerySource(Protocol):
    """A query and where it stands in its file."""

    @property
    def text(self) -> str:
        """The query as the analysis reads it (each hole holds a placeholder)."""
        ...

    @property
    def about(self) -> str:
        """What the query filters (:data:`RUNS`, :data:`MODELS`, :data:`MODEL_VERSIONS`): only a runs query
        is checked against, counted over or previewed on runs."""
        ...

    @property
    def holes(self) -> tuple[Span, ...]:
        """Spans of ``text`` that stand for values known only at run time (f-string holes)."""
        ...

    @property
    def multiline(self) -> bool:
        """Whether a line break in replacement text can be written as one (else formatters keep one line)."""
        ...

    @property
    def in_code(self) -> bool:
        """Whether the query lies inside code, so edits must stay small and inside its literals."""
        ...

    @property
    def verbatim(self) -> bool:
        """Whether query offsets are file offsets and query text is file text: no mapping to do."""
        ...

    @property
    def code_span(self) -> Span | None:
        """The file span of the code that spells the query (its literals, quotes included), for an edit that
        replaces the query as code; None when the query is not written in code."""
        ...

    def file_offset(self, offset: int) -> int:
        """The file offset where the query character at ``offset`` begins."""
        ...

    def file_range(self, start: int, end: int) -> Span:
        """The file range of the query range ``[start, end)``."""
        ...

    def query_offset(self, file_offset: int) -> int:
        """The query offset a cursor at ``file_offset`` stands at."""
        ...

    def holds(self, file_offset: int) -> bool:
        """Whether a cursor at ``file_offset`` is in the query's text (not on code around or between it)."""
        ...

    def file_edits(self, edit: Edit) -> tuple[Edit, ...] | None:
        """One edit of the query as edits of the file; None when it cannot be written there."""
        ...


def map_diagnostic(source: QuerySource, d: Diagnostic) -> Diagnostic:
    """The diagnostic in file offsets, its fixes' edits written for the file (fixes that cannot be written
    there are left out)."""
    if source.verbatim:
        return d
    fixes = []
    for f in d.fixes:
        mapped = [source.file_edits(e) for e in f.edits]
        if all(m is not None for m in mapped):
            fixes.append(Fix(f.message, tuple(e for m in mapped if m is not None for e in m)))
    related = tuple(Related(*source.file_range(r.start, r.end), r.message) for r in d.related)
    start, end = source.file_range(d.start, d.end)
    return d.replace(start=start, end=end, fixes=tuple(fixes), related=related)


class PlainQuery(FrozenRecord):
    """A query the file holds verbatim, starting at ``start``."""

    text: str
    start: int

    holes: tuple[Span, ...]
    multiline: bool
    in_code: bool
    code_span: Span | None
    about: str

    __slots__ = ("about", "code_span", "holes", "in_code", "multiline", "start", "text")

    def __init__(
        self,
        text: str,
        start: int = 0,
        holes: tuple[Span, ...] = (),
        multiline: bool = True,
        in_code: bool = False,
        code_span: Span | None = None,
        about: str = RUNS,
    ) -> None:
        self.text = text
        self.start = start
        self.holes = holes
        self.multiline = multiline
        self.in_code = in_code
        self.code_span = code_span
        self.about = about

    @property
    def verbatim(self) -> bool:
        return self.start == 0

    def file_offset(self, offset: int) -> int:
        return self.start + offset

    def file_range(self, start: int, end: int) -> Span:
        return self.start + start, self.start + max(start, end)

    def query_offset(self, file_offset: int) -> int:
        return max(0, min(file_offset - self.start, len(self.text)))

    def holds(self, file_offset: int) -> bool:
        return self.start <= file_offset <= self.start + len(self.text)

    def file_edits(self, edit: Edit) -> tuple[Edit, ...]:
        return (Edit(*self.file_range(edit.start, edit.end), edit.new_text),)


class Placement(Protocol):
    """How a decoded text lies in the file that spells it, character by character (see :mod:`.mapping`)."""

    def to_file(self, offset: int) -> int:
        """Where the character at ``offset`` begins in the file."""
        ...

    def to_file_end(self, offset: int) -> int:
        """Where a range ending (exclusively) at ``offset`` ends in the file."""
        ...

    def from_file(self, offset: int) -> int:
        """The text offset a cursor at file ``offset`` stands at."""
        ...

    def inside(self, offset: int) -> bool:
        """Whether a cursor at file ``offset`` is inside the text's own characters."""
        ...

    def map_edit(self, edit: Edit) -> tuple[Edit, ...] | None:
        """The edit in file offsets with its text encoded; None when it cannot be written there."""
        ...


class EmbeddedQuery(FrozenRecord):
    """A query decoded from code: every offset and edit goes through its placement."""

    text: str
    placement: Placement
    holes: tuple[Span, ...]
    multiline: bool
    code_span: Span | None

    in_code: bool
    verbatim: bool
    about: str

    __slots__ = ("about", "code_span", "holes", "in_code", "multiline", "placement", "text", "verbatim")

    def __init__(
        self,
        text: str,
        placement: Placement,
        holes: tuple[Span, ...] = (),
        multiline: bool = True,
        code_span: Span | None = None,
        in_code: bool = True,
        verbatim: bool = False,
        about: str = RUNS,
    ) -> None:
        self.text = text
        self.placement = placement
        self.holes = holes
        self.multiline = multiline
        self.code_span = code_span
        self.in_code = in_code
        self.verbatim = verbatim
        self.about = about

    def file_offset(self, offset: int) -> int:
        return self.placement.to_file(offset)

    def file_range(self, start: int, end: int) -> Span:
        first = self.placement.to_file(start)
        return (first, first) if end <= start else (first, self.placement.to_file_end(end))

    def query_offset(self, file_offset: int) -> int:
        return self.placement.from_file(file_offset)

    def holds(self, file_offset: int) -> bool:
        return self.placement.inside(file_offset)

    def file_edits(self, edit: Edit) -> tuple[Edit, ...] | None:
        return self.placement.map_edit(edit)


class Through(FrozenRecord):
    """A placement inside another: a query placed in a notebook cell's text, the cell placed in the file."""

    outer: Placement
    inner: QuerySource

    __slots__ = ("inner", "outer")

    def __init__(self, outer: Placement, inner: QuerySource) -> None:
        self.outer = outer
        self.inner = inner

    def to_file(self, offset: int) -> int:
        return self.outer.to_file(self.inner.file_offset(offset))

    def to_file_end(self, offset: int) -> int:
        if offset <= 0:
            return self.to_file(0)
        return self.outer.to_file_end(self.inner.file_range(0, offset)[1])

    def from_file(self, offset: int) -> int:
        return self.inner.query_offset(self.outer.from_file(offset))

    def inside(self, offset: int) -> bool:
        return self.outer.inside(offset) and self.inner.holds(self.outer.from_file(offset))

    def map_edit(self, edit: Edit) -> tuple[Edit, ...] | None:
        middle = self.inner.file_edits(edit)
        if middle is None:
            return None
        out: list[Edit] = []
        for m in middle:
            mapped = self.outer.map_edit(m)
            if mapped is None:
                return None
            out.extend(mapped)
        return tuple(out)


class Extraction(list[QuerySource]):
    """What an extractor found in a file: the queries, and notes on the parts it could not read."""

    def __init__(self, queries: list[QuerySource] | None = None, notes: list[str] | None = None) -> None:
        super().__init__(queries or [])
        self.notes = notes or []
