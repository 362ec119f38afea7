"""The document model: kinds, regions, snapshots shared between features, schema layers."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from nql_lsp.language.schema import FieldInfo, StaticSchema
from nql_lsp.lsp.documents import Document, Documents, _offset
from nql_lsp.lsp.kinds import NQL, DocumentKind, DocumentKinds
from nql_lsp.sources.mapping import CharMap, Segment
from nql_lsp.sources.query import EmbeddedQuery, QuerySource
from nql_lsp.syntax.text import LineIndex


def opened(doc: Document | None) -> Document:
    """An opened document (``open`` gives None for a kind the server does not serve)."""
    assert doc is not None
    return doc


def test_nql_documents_are_one_region_over_the_whole_text():
    docs = Documents()
    doc = opened(docs.open("file:///q.nql", "nql", 1, "a:int = 1"))
    [snap] = docs.snapshots(doc)
    assert snap.region.text == "a:int = 1"
    assert docs.snapshot_at(doc, 4) == (snap, 4)


def test_snapshots_are_reused_until_the_text_changes():
    docs = Documents()
    doc = opened(docs.open("file:///q.nql", "nql", 1, "a:int = 1"))
    first = docs.snapshots(doc)
    assert docs.snapshots(doc) is first
    doc.update("a:int = 1", 2)  # same text, new version: nothing to re-parse
    assert docs.snapshots(doc) is first
    doc.update("a:int = 2", 3)
    assert docs.snapshots(doc) is not first


def test_unknown_kinds_are_not_opened():
    docs = Documents()
    assert docs.open("file:///notes.txt", "plaintext", 1, "hello") is None
    assert docs.get("file:///notes.txt") is None
    # A .nql file opened with another language id is still served, by its suffix.
    assert docs.open("file:///x.nql", "plaintext", 1, "a:int = 1") is not None


def _json_queries(path: str, text: str) -> list[QuerySource]:
    """A toy embedding: every "query" value of a JSON object, with JSON string escapes."""
    out: list[QuerySource] = []
    start = text.find('"query": "')
    while start >= 0:
        start += len('"query": "')
        end = start
        while text[end] != '"' or text[end - 1] == "\\":
            end += 1
        raw = text[start:end]
        query = json.loads(f'"{raw}"')
        # offsets: one query character per file character, except that \" takes two
        positions = []
        i = 0
        for _ in query:
            positions.append(start + i)
            i += 2 if raw[i] == "\\" else 1
        positions.append(start + i)
        segment = Segment(start, start + i, lambda new, a, b: json.dumps(new)[1:-1])
        placement = CharMap(text, query, positions[:-1], positions[1:], [0] * len(query), [segment])
        out.append(EmbeddedQuery(query, placement))
        start = text.find('"query": "', end)
    return out


def test_embedded_regions_map_offsets_both_ways():
    docs = Documents(kinds=DocumentKinds([NQL, DocumentKind("jsonq", (".jsonq",), _json_queries)]))
    text = '{"query": "a:flot = \\"x\\""}'
    doc = opened(docs.open("file:///w.jsonq", "jsonq", 1, text))
    [(region, [diagnostic])] = docs.diagnostics(doc)
    assert diagnostic.code == "NQL101"
    assert text[region.to_file(diagnostic.start) : region.to_file(diagnostic.end)] == "flot"
    # The file offset of `=` maps to its query offset and back.
    eq = text.index("=")
    assert region.text[region.from_file(eq)] == "="
    assert region.to_file(region.from_file(eq)) == eq


def test_kinds_belong_to_one_session():
    """A kind served by one set of documents is not served by another (no registry shared between them)."""
    mine = Documents(kinds=DocumentKinds([NQL, DocumentKind("jsonq", (".jsonq",), _json_queries)]))
    assert mine.open("file:///w.jsonq", "jsonq", 1, '{"query": "a:int = 1"}') is not None
    assert Documents().open("file:///w.jsonq", "jsonq", 1, '{"query": "a:int = 1"}') is None


def test_schema_layers_rebuild_snapshots_and_notify():
    docs = Documents()
    calls = []
    docs.listeners.append(lambda: calls.append(1))
    doc = opened(docs.open("file:///q.nql", "nql", 1, "`metrics/acc`:int > 1"))
    assert not any(d.code == "NQL111" for _, ds in docs.diagnostics(doc) for d in ds)
    learned = StaticSchema({"metrics/acc": FieldInfo("metrics/acc", ("float",))}, learned=True)
    docs.set_schema_layer("runs", learned)
    assert calls == [1]
    codes = [d.code for _, ds in docs.diagnostics(doc) for d in ds]
    assert "NQL111" in codes  # the learned schema says the field is a float
    docs.set_schema_layer("runs", learned)
    assert calls == [1]  # the same layer again: nothing to rebuild or republish
    docs.set_schema_layer("runs", None)
    assert calls == [1, 1]
    assert docs.schema.field("metrics/acc") is None
    docs.set_schema_layer("runs", None)
    assert calls == [1, 1]


def test_changes_break_lines_only_where_lsp_does():
    from lsprotocol import types

    def at(line, character):
        return types.Position(line=line, character=character)

    docs = Documents()
    # U+2028 inside the string is not a line break for LSP; `flot` is on line 1 after the \r\n.
    doc = opened(docs.open("file:///q.nql", "nql", 1, 'a:string = "x\u2028y" AND\r\n`b`:flot = 1'))
    doc.apply(
        [types.TextDocumentContentChangePartial(range=types.Range(start=at(1, 4), end=at(1, 8)), text="float")],
        2,
        "utf-16",
    )
    assert doc.text == 'a:string = "x\u2028y" AND\r\n`b`:float = 1'
    assert doc.version == 2
    # Several changes apply in order; a whole-text change replaces everything.
    doc.apply(
        [
            types.TextDocumentContentChangeWholeDocument(text="é😀 = 1"),
            types.TextDocumentContentChangePartial(range=types.Range(start=at(0, 3), end=at(0, 3)), text="x"),
        ],
        3,
        "utf-16",
    )
    assert doc.text == "é😀x = 1"  # é is 1 UTF-16 unit and 😀 2
    doc.apply(
        [types.TextDocumentContentChangePartial(range=types.Range(start=at(0, 6), end=at(0, 7)), text="")], 4, "utf-8"
    )
    assert doc.text == "é😀 = 1"  # é is 2 UTF-8 bytes and 😀 4


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from([*"ab \n\r", "é", "😀"]), max_size=30),
    st.integers(-2, 8),
    st.integers(-2, 40),
    st.sampled_from(["utf-8", "utf-16", "utf-32"]),
)
def test_the_ascii_fast_path_finds_the_offsets_a_walk_finds(text, line, character, encoding):
    lines = LineIndex(text)
    assert _offset(lines, line, character, encoding) == lines.offset(line, character, encoding)
