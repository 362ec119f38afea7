"""Open documents, the queries in them, and one analysis snapshot per query per version.

A document is any open file the server understands; its *kind* (by language id, or by file suffix) says
where its queries are. A ``.nql`` file is one query covering the whole text; other kinds (queries embedded
in Python strings) register a function that returns their :class:`QuerySource` regions, and every
feature then works through those regions unchanged.

Every feature reads :meth:`Documents.snapshots`, which parses and checks each region once per (text,
schema) and hands the same :class:`Snapshot` to every request until the text or the schema changes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from nql_lsp.analysis.analyze import Analysis
    from nql_lsp.analysis.incremental import Layout
    from nql_lsp.diagnostics import Diagnostic, Edit
    from nql_lsp.language.schema import Schema
    from nql_lsp.sources.query import QuerySource
    from nql_lsp.syntax.text import Encoding, LineIndex

#: How to find the queries in a document: (path, text) -> regions, as in :data:`nql_lsp.sources.files.EXTRACTORS`.
RegionFinder = Callable[[str, str], "list[QuerySource]"]


def _whole_text(path: str, text: str) -> list[QuerySource]:
    from nql_lsp.sources.query import PlainQuery

    return [PlainQuery(text)]


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """A kind of document the server serves: its LSP language id, file suffixes, and its query regions."""

    language_id: str
    suffixes: tuple[str, ...]
    regions: RegionFinder


#: Kinds by language id. Another module adds one with :func:`register_kind` (e.g. ``python``).
KINDS: dict[str, DocumentKind] = {"nql": DocumentKind("nql", (".nql",), _whole_text)}


def register_kind(kind: DocumentKind) -> None:
    KINDS[kind.language_id] = kind


def kind_for(language_id: str | None, uri: str) -> DocumentKind | None:
    """The kind for an opened document: by language id first, else by the URI's suffix."""
    if language_id and language_id in KINDS:
        return KINDS[language_id]
    path = uri_path(uri)
    for kind in KINDS.values():
        if any(path.endswith(s) for s in kind.suffixes):
            return kind
    from nql_lsp.sources.files import EXTRACTORS

    suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
    if suffix in EXTRACTORS:
        extract = EXTRACTORS[suffix]
        return DocumentKind(language_id or suffix.lstrip("."), (suffix,), extract)
    return None


def uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else uri


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


@dataclass(slots=True)
class Snapshot:
    """A region's analysis at one text and one schema: what every feature reads."""

    region: Region
    analysis: Analysis


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """What a full analysis of a document needs, captured at one moment; :meth:`run` is thread-safe."""

    regions: list[Region]
    schema: Schema
    generation: int

    def run(self, wanted: Callable[[], bool] = lambda: True) -> list[Snapshot] | None:
        """The snapshots, or None when ``wanted()`` says, before starting, that the text has moved on."""
        from nql_lsp.analysis.analyze import analyze

        if not wanted():
            return None
        return [Snapshot(r, analyze(r.text, self.schema)) for r in self.regions]


@dataclass(slots=True)
class Document:
    uri: str
    kind: DocumentKind
    version: int | None
    text: str
    _lines: LineIndex | None = None
    _regions: list[Region] | None = None
    _snapshots: list[Snapshot] | None = None
    _schema_generation: int = -1
    # Diagnostics layouts, one per region, possibly of an older text: the start for incremental diagnostics.
    _layouts: list[Layout] | None = None
    _layout_generation: int = -1

    def apply(self, changes: Sequence[Any], version: int | None, encoding: Encoding) -> None:
        """Apply LSP content changes (whole text, or a range and its new text) in order.

        Lines break where LSP says (``\n``, ``\r\n``, ``\r``) and nowhere else, so a character such as
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
            start = lines.offset(rng.start.line, rng.start.character, encoding)
            end = lines.offset(rng.end.line, rng.end.character, encoding)
            start, end = min(start, end), max(start, end)
            text = text[:start] + change.text + text[end:]
        self.update(text, version)

    def update(self, text: str, version: int | None) -> None:
        if text is not self.text and text != self.text:
            self._lines = None
            self._regions = None
            self._snapshots = None
        self.text = text
        self.version = version

    def set_kind(self, kind: DocumentKind) -> None:
        """Serve the document as another kind (a setting changed): its queries are found again."""
        self.kind = kind
        self._regions = None
        self._snapshots = None
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
            try:
                found = self.kind.regions(uri_path(self.uri), self.text)
            except Exception:  # an extractor that fails on odd text must not take the document down
                found = []
            self._regions = [Region(q) for q in found]
        return self._regions


@dataclass(slots=True)
class Documents:
    """The open documents, and the schema every analysis uses.

    The schema is layered: named layers set by other modules (a schema learned from runs, say) over the
    built-in ``sys/`` schema. Changing a layer bumps the generation, so every snapshot is rebuilt on next
    use, and calls the listeners (the server republishes diagnostics).
    """

    by_uri: dict[str, Document] = field(default_factory=dict)
    layers: dict[str, Schema] = field(default_factory=dict)
    generation: int = 0
    listeners: list[Callable[[], None]] = field(default_factory=list)
    _schema: Schema | None = None

    def open(self, uri: str, language_id: str | None, version: int | None, text: str) -> Document | None:
        kind = kind_for(language_id, uri)
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

    # --- schema ----------------------------------------------------------------------------------

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            from nql_lsp.language.schema import SYSTEM_SCHEMA, LayeredSchema

            self._schema = LayeredSchema((*self.layers.values(), SYSTEM_SCHEMA)) if self.layers else SYSTEM_SCHEMA
        return self._schema

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
    #
    # A full analysis may take tens of milliseconds on a long query, so the server runs it on a worker
    # thread: ``plan`` (on the event loop) captures the regions and the schema, ``run`` (anywhere) analyses
    # them, ``store`` (on the event loop) keeps the result only if the document has not changed since.

    def fresh(self, doc: Document) -> list[Snapshot] | None:
        """The snapshots of the document's current text and schema, if they are already computed."""
        if doc._snapshots is not None and doc._schema_generation == self.generation:
            return doc._snapshots
        return None

    def plan(self, doc: Document) -> AnalysisPlan:
        return AnalysisPlan(doc.regions, self.schema, self.generation)

    def current(self, doc: Document, plan: AnalysisPlan) -> bool:
        """Whether ``plan`` still describes the document (a plain read, safe from the analysis thread)."""
        return doc._regions is plan.regions and plan.generation == self.generation

    def store(self, doc: Document, plan: AnalysisPlan, snapshots: list[Snapshot] | None) -> None:
        if snapshots is None or not self.current(doc, plan):
            return  # the text or the schema changed meanwhile: the result is stale
        doc._snapshots = snapshots
        doc._schema_generation = plan.generation

    def snapshots(self, doc: Document) -> list[Snapshot]:
        """The analysis of each region of ``doc``, computed once per text and schema."""
        current = self.fresh(doc)
        if current is None:
            plan = self.plan(doc)
            current = plan.run()
            assert current is not None
            self.store(doc, plan, current)
        return current

    def quick_diagnostics(self, doc: Document) -> list[tuple[Region, list[Diagnostic]]] | None:
        """Each region's diagnostics (query offsets) if they come cheap: from the current snapshots, or
        after an edit inside one group of the query by re-analysing only that group
        (:mod:`nql_lsp.analysis.incremental`). None when the whole text must be analysed."""
        from nql_lsp.analysis.incremental import layout_of, update

        current = self.fresh(doc)
        if current is not None:
            layouts = doc._layouts if doc._layout_generation == self.generation else None
            if (
                layouts is None
                or len(layouts) != len(current)
                or any(lay.text is not snap.analysis.text for lay, snap in zip(layouts, current, strict=True))
            ):
                doc._layouts = [layout_of(snap.analysis) for snap in current]
                doc._layout_generation = self.generation
            return [(snap.region, snap.region.visible(snap.analysis)) for snap in current]
        layouts = doc._layouts if doc._layout_generation == self.generation else None
        regions = doc.regions
        if layouts is None or len(layouts) != 1 or len(regions) != 1 or regions[0].source.in_code:
            return None
        if layouts[0].text == regions[0].text:
            return [(regions[0], list(layouts[0].diagnostics))]
        result = update(layouts[0], regions[0].text, self.schema)
        if result is None:
            return None
        doc._layouts = [result[0]]
        return [(regions[0], list(result[0].diagnostics))]

    def diagnostics(self, doc: Document) -> list[tuple[Region, list[Diagnostic]]]:
        """Each region's diagnostics (query offsets), analysing the whole text if it must."""
        quick = self.quick_diagnostics(doc)
        if quick is not None:
            return quick
        self.snapshots(doc)
        quick = self.quick_diagnostics(doc)
        assert quick is not None
        return quick

    def snapshot_at(self, doc: Document, offset: int) -> tuple[Snapshot, int] | None:
        """The snapshot whose region holds the file ``offset``, and the offset inside the query."""
        for snap in self.snapshots(doc):
            if snap.region.contains(offset):
                query_offset = snap.region.from_file(offset)
                if snap.region.in_hole(query_offset):
                    return None  # code, not query text: nothing to say about it
                return snap, query_offset
        return None


def encoding_of(value: object) -> Encoding:
    """``utf-8``/``utf-16``/``utf-32`` from pygls's negotiated PositionEncodingKind."""
    text = str(getattr(value, "value", value)).lower()
    return text if text in ("utf-8", "utf-16", "utf-32") else "utf-16"  # type: ignore[return-value]
