"""Semantic tokens, signature help, folding, selection ranges and symbols end to end."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from lsprotocol import types

from .conftest import doc_id, open_doc, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")

TEXT = "(`a`:int = 1\n  AND last(`m`:floatSeries) > 2)\nOR `sys/failed`:bool = true"
# Legend indices: keyword 0, operator 1, property 2, type 3, function 4, number 6, enumMember 8;
# modifier bit 1 is defaultLibrary. Rows: delta line, delta start, length, type, modifiers.
LINE_2 = [
    [1, 0, 2, 0, 0],  # OR
    [0, 3, 12, 2, 1],  # `sys/failed`
    [0, 13, 4, 3, 0],  # bool
    [0, 5, 1, 1, 0],  # =
    [0, 2, 4, 8, 0],  # true
]
ALL = [
    [0, 1, 3, 2, 0],  # `a`
    [0, 4, 3, 3, 0],  # int
    [0, 4, 1, 1, 0],  # =
    [0, 2, 1, 6, 0],  # 1
    [1, 2, 3, 0, 0],  # AND
    [0, 4, 4, 4, 1],  # last
    [0, 5, 3, 2, 0],  # `m`
    [0, 4, 11, 3, 0],  # floatSeries
    [0, 13, 1, 1, 0],  # >
    [0, 2, 1, 6, 0],  # 2
    *LINE_2,
]


def _rows(data: Sequence[int] | None) -> list[list[int]]:
    assert data is not None
    return [list(data[i : i + 5]) for i in range(0, len(data), 5)]


async def test_semantic_tokens_full(client):
    uri = open_doc(client, TEXT)
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc_id(uri))
    )
    assert _rows(tokens.data) == ALL


async def test_semantic_tokens_delta_after_an_edit(client):
    from .conftest import change

    uri = open_doc(client, TEXT)
    ident = types.SemanticTokensParams(text_document=doc_id(uri))
    first = await client.text_document_semantic_tokens_full_async(ident)
    assert first.result_id
    # `int` -> `float` on line 0: that token gets longer and `=` after it starts 2 further on; `a` before
    # and every token from `1` on keep their numbers (each is relative to the token before it).
    change(client, uri, 2, "float", types.Range(start=pos(0, 5), end=pos(0, 8)))
    delta = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc_id(uri), previous_result_id=first.result_id)
    )
    assert isinstance(delta, types.SemanticTokensDelta)
    [edit] = delta.edits
    assert (edit.start, edit.delete_count) == (5, 10)
    assert _rows(edit.data) == [[0, 4, 5, 3, 0], [0, 6, 1, 1, 0]]
    fresh = await client.text_document_semantic_tokens_full_async(ident)
    assert first.data[: edit.start] + edit.data + first.data[edit.start + edit.delete_count :] == fresh.data
    # A result the server no longer holds is answered with the whole tokens.
    whole = await client.text_document_semantic_tokens_full_delta_async(
        types.SemanticTokensDeltaParams(text_document=doc_id(uri), previous_result_id=first.result_id)
    )
    assert isinstance(whole, types.SemanticTokens) and whole.data == fresh.data


async def test_semantic_tokens_range(client):
    uri = open_doc(client, TEXT)
    tokens = await client.text_document_semantic_tokens_range_async(
        types.SemanticTokensRangeParams(text_document=doc_id(uri), range=types.Range(start=pos(2, 0), end=pos(2, 27)))
    )
    first = [2, 0, 2, 0, 0]  # relative to the start of the document
    assert _rows(tokens.data) == [first, *LINE_2[1:]]


async def test_semantic_token_lengths_in_the_negotiated_encoding(client):
    from .conftest import encoding

    uri = open_doc(client, '`sys/name`:string = "é😀"')
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc_id(uri))
    )
    string_row = _rows(tokens.data)[-1]
    # "é😀" with its quotes: 4 code points, 5 UTF-16 units, 8 UTF-8 bytes.
    assert string_row[2] == {"utf-16": 5, "utf-8": 8, "utf-32": 4}[encoding(client)]
    assert string_row[3] == 5  # string


async def test_signature_help_inside_an_aggregate(client):
    uri = open_doc(client, TEXT)
    help_ = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=doc_id(uri), position=pos(1, 12))
    )
    [sig] = help_.signatures
    assert sig.label == "last(field: floatSeries) -> float"
    assert sig.parameters[0].label == (5, 23)
    assert help_.active_parameter == 0
    outside = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=doc_id(uri), position=pos(2, 5))
    )
    assert outside is None


async def test_folding_ranges(client):
    uri = open_doc(client, TEXT)
    ranges = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc_id(uri)))
    assert [(r.start_line, r.end_line) for r in ranges] == [(0, 1)]


async def test_selection_ranges_grow_from_the_token_to_the_query(client):
    uri = open_doc(client, TEXT)
    [sel] = await client.text_document_selection_range_async(
        types.SelectionRangeParams(text_document=doc_id(uri), positions=[pos(0, 2)])
    )
    chain = []
    while sel is not None:
        r = sel.range
        chain.append((r.start.line, r.start.character, r.end.line, r.end.character))
        sel = sel.parent
    assert chain == [(0, 1, 0, 4), (0, 1, 0, 8), (0, 1, 0, 12), (0, 1, 1, 31), (0, 0, 1, 32), (0, 0, 2, 27)]


async def test_document_symbols(client):
    uri = open_doc(client, TEXT)
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc_id(uri)))
    assert [s.name for s in symbols] == ["(AND of 2)", "sys/failed"]
    group, failed = symbols
    assert group.kind == types.SymbolKind.Struct
    assert [c.name for c in group.children] == ["a", "last(m)"]
    assert failed.kind == types.SymbolKind.Field
    assert failed.range == types.Range(start=pos(2, 3), end=pos(2, 27))
    assert failed.selection_range == types.Range(start=pos(2, 3), end=pos(2, 15))


async def test_multi_line_string_token_is_split_for_clients_without_multiline_tokens(client):
    assert not client.capabilities.text_document.semantic_tokens.multiline_token_support
    uri = open_doc(client, 'a:string = "x\ny"')
    tokens = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc_id(uri))
    )
    assert _rows(tokens.data) == [
        [0, 0, 1, 2, 0],  # a
        [0, 2, 6, 3, 0],  # string
        [0, 7, 1, 1, 0],  # =
        [0, 2, 2, 5, 0],  # "x
        [1, 0, 2, 5, 0],  # y"
    ]
