"""Open documents, the queries in them, and one analysis per query per (text, schema).

Every feature reads :meth:`Documents.snapshots`, which parses and checks each region once per (text,
schema) and hands the same :class:`~nql_lsp.lsp.analyses.QueryAnalysis` to every request until the text
or the schema changes. Each :class:`Document` keeps its own caches behind methods; :class:`Documents`
holds what is shared (the kinds served and the layered schema) and never reaches into a document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from nql_lsp.lsp.analyses import AnalysisPlan, QueryAnalysis
from nql_lsp.lsp.kinds import DocumentKind, DocumentKinds, uri_path
from nql_lsp.lsp.regions import Region

if TYPE_CHECKING:
    from nql_lsp.analysis.incremental import Layout
    from nql_lsp.diagnostics import Diagnostic
    from nql_lsp.language.schema import Schema
    from nql_lsp.syntax.text import Encoding, LineIndex

#: Each region's diagnostics, in query offsets.
Found = list[tuple[Region, "list[Diagnostic]"]]

#: Documents longer than this (in code points) are held but not served: no query is looked for in them,
#: so no analysis, lint, highlighting, folding, formatting or preview runs on them, and the user is told
#: once (:func:`nql_lsp.lsp.publish.tell_if_oversized`). Queries over Neptune's own limit (NQL005) are
#: still analysed below this; past it even finding the queries (parsing a Python file) costs seconds.
MAX_DOCUMENT_SIZE = 4_000_000


class Document:
    """An open document: its text and version as the client last sent them, and what is derived from them.

    The derived values (line index, regions, analyses, diagnostics layouts) are computed on first use
    and dropped when the text or the kind changes; the analyses are also tied to a schema generation.
    """

    __slots__ = ("_analyses", "_analyses_generation", "_layouts", "_layouts_generation", "_lines", "_regions", "kind",
                 "sent", "text", "told_oversized", "uri", "version")  # fmt: skip

    def __init__(self, uri: str, kind: DocumentKind, version: int | None, text: str) -> None:
        self.uri = uri
        self.kind = kind
        self.version = version
        self.text = text
        self._lines: LineIndex | None = None
        self._regions: list[Region] | None = None
        self._analyses: list[QueryAnalysis] | None = None
        self._analyses_generation = -1
        # Diagnostics layouts, one per region, possibly of an older text: the start for incremental diagnostics.
        self._layouts: list[Layout] | None = None
        self._layouts_generation = -1
        #: The user was told that this document is too large to serve (said once per opened document).
        self.told_oversized = False
        #: The diagnostics last pushed for it, by what made them (see :func:`~nql_lsp.lsp.diagnostics.lsp_diagnostics`).
        self.sent: dict[Any, Any] = {}

    @property
    def oversized(self) -> bool:
        """Too large to serve (:data:`MAX_DOCUMENT_SIZE`): only its size is checked."""
        return len(self.text) > MAX_DOCUMENT_SIZE

    def apply(self, changes: Sequence[Any], version: int | None, encoding: Encoding) -> None:
        """Apply LSP content changes (whole text, or a range and its new text) in order.

        Lines break where LSP says (``\\n``, ``\\r\\n``, ``\\r``) and nowhere else, so a character such as
        U+2028 inside a string never shifts the lines of later changes.
        """
        from nql_lsp.syntax.text import LineIndex

        text = self.text
        for change in changes:
            rng = getattr(change, "range", None)
            if rng is None:
                text = change.text
                continue
            lines = self.lines if text is self.text else LineIndex(text)
            start = _offset(lines, rng.start.line, rng.start.character, encoding)
            end = _offset(lines, rng.end.line, rng.end.character, encoding)
            start, end = min(start, end), max(start, end)
            text = text[:start] + change.text + text[end:]
        self.update(text, version)

    def update(self, text: str, version: int | None) -> None:
        if text is not self.text and text != self.text:
            self._lines = None
            self._regions = None
            self._analyses = None
        self.text = text
        self.version = version

    def set_kind(self, kind: DocumentKind) -> None:
        """Serve the document as another kind (a setting changed): its queries are found again."""
        self.kind = kind
        self._regions = None
        self._analyses = None
        self._layouts = None

    @property
    def lines(self) -> LineIndex:
        if self._lines is None:
            from nql_lsp.syntax.text import LineIndex

            self._lines = LineIndex(self.text)
        return self._lines

    @property
    def regions(self) -> list[Region]:
        if self._regions is None:
            if self.oversized:
                self._regions = []
                return self._regions
            try:
                found = self.kind.regions(uri_path(self.uri), self.text)
            except Exception:  # an extractor that fails on odd text must not take the document down
                found = []
            self._regions = [Region(q) for q in found]
        return self._regions

    # --- analyses and layouts, each tied to a schema generation ------------------------------------

    def analyses(self, generation: int) -> list[QueryAnalysis] | None:
        """The analyses of the current text under schema ``generation``, if they are computed."""
        return self._analyses if self._analyses_generation == generation else None

    def describes(self, plan: AnalysisPlan) -> bool:
        """Whether ``plan`` was taken of the current text (a plain read, safe from any thread)."""
        return self._regions is plan.regions

    def keep_analyses(self, plan: AnalysisPlan, analyses: list[QueryAnalysis]) -> None:
        self._analyses = analyses
        self._analyses_generation = plan.generation

    def layouts(self, generation: int) -> list[Layout] | None:
        return self._layouts if self._layouts_generation == generation else None

    def keep_layouts(self, layouts: list[Layout], generation: int) -> None:
        self._layouts = layouts
        self._layouts_generation = generation


def _offset(lines: LineIndex, line: int, character: int, encoding: Encoding) -> int:
    """``lines.offset(...)``, at C speed on an ASCII line: there every encoding counts one unit per
    character, so a position far along one long line (a generated query) needs no walk to it."""
    if 0 <= line < lines.line_count:
        start, end = lines.line_start(line), lines.line_end(line)
        if lines.text[start:end].isascii():
            return start + min(max(character, 0), end - start)
    return lines.offset(line, character, encoding)


@dataclass(slots=True)
class Documents:
    """The open documents, the kinds served, and the schema every analysis uses.

    The schema is layered: named layers set by other modules (a schema learned from runs, say) over the
    built-in ``sys/`` schema. Changing a layer bumps the generation, so every analysis is rebuilt on next
    use, and calls the listeners (the server republishes diagnostics).
    """

    kinds: DocumentKinds = field(default_factory=DocumentKinds)
    by_uri: dict[str, Document] = field(default_factory=dict)
    layers: dict[str, Schema] = field(default_factory=dict)
    generation: int = 0
    listeners: list[Callable[[], None]] = field(default_factory=list)
    _schema: Schema | None = None

    def open(self, uri: str, language_id: str | None, version: int | None, text: str) -> Document | None:
        kind = self.kinds.for_document(language_id, uri)
        if kind is None:
            self.by_uri.pop(uri, None)
            return None
        doc = Document(uri, kind, version, text)
        self.by_uri[uri] = doc
        return doc

    def get(self, uri: str) -> Document | None:
        return self.by_uri.get(uri)

    def close(self, uri: str) -> None:
        self.by_uri.pop(uri, None)

    def __iter__(self) -> Iterator[Document]:
        return iter(list(self.by_uri.values()))

    def serve_kind(self, kind: DocumentKind) -> None:
        """Serve ``kind`` from now on, for documents opened later and those of its language already open."""
        self.kinds.register(kind)
        for doc in self:
            if doc.kind.language_id == kind.language_id and doc.kind is not kind:
                doc.set_kind(kind)

    # --- schema ----------------------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            from nql_lsp.language.schema import SYSTEM_SCHEMA, LayeredSchema

            self._schema = LayeredSchema((*self.layers.values(), SYSTEM_SCHEMA)) if self.layers else SYSTEM_SCHEMA
        return self._schema

    def schema_of(self, region: Region) -> Schema:
        """The schema a region's query is read against: the runs' for a runs query, else only ``sys/``."""
        from nql_lsp.analysis.analyze import schema_for

        return schema_for(region.source, self.schema)

    def set_schema_layer(self, name: str, schema: Schema | None) -> None:
        """Add, replace (or with None remove) a named schema layer; earlier layers win.

        Setting a layer to what it already is changes nothing: no rebuilt snapshots, and no republished
        diagnostics that a client would see as a flicker (loading the bundled sample sets no layer).
        """
        if self.layers.get(name) is schema:
            return
        if schema is None:
            self.layers.pop(name, None)
        else:
            self.layers[name] = schema
        self._schema = None
        self.generation += 1
        for listener in list(self.listeners):
            listener()

    # --- analysis --------------------------------------------------------------------------------

    def fresh(self, doc: Document) -> list[QueryAnalysis] | None:
        """The analyses of the document's current text and schema, if they are already computed."""
        return doc.analyses(self.generation)

    def plan(self, doc: Document) -> AnalysisPlan:
        return AnalysisPlan(doc.regions, self.schema, self.generation)

    def current(self, doc: Document, plan: AnalysisPlan) -> bool:
        """Whether ``plan`` still describes the document (a plain read, safe from the analysis thread)."""
        return doc.describes(plan) and plan.generation == self.generation

    def store(self, doc: Document, plan: AnalysisPlan, analyses: list[QueryAnalysis] | None) -> None:
        if analyses is None or not self.current(doc, plan):
            return  # the text or the schema changed meanwhile: the result is stale
        doc.keep_analyses(plan, analyses)

    def snapshots(self, doc: Document) -> list[QueryAnalysis]:
        """The analysis of each region of ``doc``, computed once per text and schema."""
        current = self.fresh(doc)
        if current is None:
            plan = self.plan(doc)
            current = plan.run()
            assert current is not None
            self.store(doc, plan, current)
        return current

    def quick_diagnostics(self, doc: Document) -> Found | None:
        """Each region's diagnostics (query offsets) if they come cheap: from the current analyses, or
        after an edit inside one group of the query by re-analysing only that group
        (:mod:`nql_lsp.analysis.incremental`). None when the whole text must be analysed."""
        from nql_lsp.analysis.incremental import layout_of, update

        current = self.fresh(doc)
        layouts = doc.layouts(self.generation)
        if current is not None:
            if (
                layouts is None
                or len(layouts) != len(current)
                or any(lay.text is not snap.analysis.text for lay, snap in zip(layouts, current, strict=True))
            ):
                doc.keep_layouts([layout_of(snap.analysis) for snap in current], self.generation)
            return [(snap.region, snap.region.visible(snap.analysis)) for snap in current]
        regions = doc.regions
        if layouts is None or len(layouts) != 1 or len(regions) != 1 or regions[0].source.in_code:
            return None
        if layouts[0].text == regions[0].text:
            return [(regions[0], list(layouts[0].diagnostics))]
        result = update(layouts[0], regions[0].text, self.schema_of(regions[0]))
        if result is None:
            return None
        doc.keep_layouts([result[0]], self.generation)
        return [(regions[0], list(result[0].diagnostics))]

    def diagnostics(self, doc: Document) -> Found:
        """Each region's diagnostics (query offsets), analysing the whole text if it must."""
        quick = self.quick_diagnostics(doc)
        if quick is not None:
            return quick
        self.snapshots(doc)
        quick = self.quick_diagnostics(doc)
        assert quick is not None
        return quick

    def snapshot_at(self, doc: Document, offset: int) -> tuple[QueryAnalysis, int] | None:
        """The analysis whose region holds the file ``offset``, and the offset inside the query."""
        for snap in self.snapshots(doc):
            if snap.region.contains(offset):
                query_offset = snap.region.from_file(offset)
                if snap.region.in_hole(query_offset):
                    return None  # code, not query text: nothing to say about it
                return snap, query_offset
        return None
