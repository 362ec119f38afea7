"""Every LSP feature module answers any text at any position in any encoding, with ranges inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from nql_lsp.lsp import (
    code_actions,
    completion,
    folding,
    formatting,
    hover,
    selection,
    semantic_tokens,
    signature_help,
    symbols,
)
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.diagnostics import lsp_diagnostics
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions

from .narrow import text_edit, workspace_edits


def opened(doc: Document | None) -> Document:
    """An opened document (``open`` gives None for a kind the server does not serve)."""
    assert doc is not None
    return doc


PIECES = st.sampled_from(
    [
        *"`\"'\\():=!<> \n\r\t-_./",
        "AND",
        "OR",
        "NOT",
        "x",
        "sys/tags",
        ":float",
        ":flot",
        "1",
        "é",
        "😀",
        "日",
        "last(",
        "CONTAINS",
        '"a"',
        "\r\n",
        "(a:int = 1)",
    ]
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)
ENCODINGS = st.sampled_from(["utf-8", "utf-16", "utf-32"])
FLAGS = st.sampled_from(
    [
        ResolvedCapabilities(),
        ResolvedCapabilities(
            snippets=True,
            hierarchical_symbols=True,
            multiline_tokens=True,
            document_changes=True,
            line_folding_only=True,
        ),
    ]
)


def _inside(rng: types.Range, pos: Positions) -> None:
    lines = pos.lines
    for p in (rng.start, rng.end):
        assert 0 <= p.line < lines.line_count
        line_text = lines.line_text(p.line)
        assert 0 <= p.character <= pos.width(lines.line_start(p.line), lines.line_start(p.line) + len(line_text))
    assert (rng.start.line, rng.start.character) <= (rng.end.line, rng.end.character)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXTS, st.integers(0, 5), st.integers(0, 80), ENCODINGS, FLAGS)
def test_every_feature_answers(text, line, character, encoding, flags):
    docs = Documents()
    doc = opened(docs.open("file:///p.nql", "nql", 1, text))
    pos = Positions(doc.lines, encoding)
    at = types.Position(line=line, character=character)
    everything = types.Range(start=types.Position(line=0, character=0), end=at)
    for d in lsp_diagnostics(docs, doc, pos, {}, flags):
        _inside(d.range, pos)
    for item in completion.completion(docs, doc, at, pos, flags).items:
        edit = text_edit(item)
        _inside(edit.range, pos)
        assert edit.range.start.line == edit.range.end.line
    found = hover.hover(docs, doc, at, pos, flags)
    if found is not None:
        assert found.range is not None
        _inside(found.range, pos)
    for formatted in formatting.format_document(doc, pos, 40) + formatting.format_document_range(
        doc, everything, pos, 40
    ):
        _inside(formatted.range, pos)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        range=everything,
        context=types.CodeActionContext(diagnostics=[]),
    )
    for action in code_actions.code_actions(docs, doc, params, pos, {}, 40, flags):
        for fix in workspace_edits(action.edit, doc.uri):
            _inside(fix.range, pos)
    data = semantic_tokens.semantic_tokens(docs, doc, pos, flags).data
    assert len(data) % 5 == 0 and all(n >= 0 for n in data)
    semantic_tokens.semantic_tokens(docs, doc, pos, flags, everything)
    signature_help.signature_help(docs, doc, at, pos, flags)
    for r in folding.folding_ranges(docs, doc, pos):
        assert 0 <= r.start_line < r.end_line < doc.lines.line_count
    for outermost in selection.selection_ranges(docs, doc, [at], pos):
        sel: types.SelectionRange | None = outermost
        while sel is not None:
            _inside(sel.range, pos)
            sel = sel.parent
    symbols.document_symbols(docs, doc, pos, flags)
