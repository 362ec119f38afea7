"""Completion, hover, formatting and code actions end to end, positions checked in each encoding."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .conftest import diagnostics, doc_id, encoding, open_doc, pos
from .narrow import markup, text_edit

pytestmark = pytest.mark.asyncio(loop_scope="module")

# 29 code points before the `sys/fa` being typed: `sys/name` (10) :string (7) " = " (3) "é😀" (4) " AND " (5).
# é is 2 UTF-8 bytes; 😀 is 2 UTF-16 units and 4 UTF-8 bytes.
PREFIX = '`sys/name`:string = "é😀" AND '
PREFIX_UNITS = {"utf-16": 30, "utf-8": 33, "utf-32": 29}


def _complete_params(uri: str, line: int, character: int) -> types.CompletionParams:
    return types.CompletionParams(text_document=doc_id(uri), position=pos(line, character))


def _items(result) -> list[types.CompletionItem]:
    return list(result.items if isinstance(result, types.CompletionList) else result or [])


async def test_completion_replaces_exactly_the_partial_word(client):
    uri = open_doc(client, PREFIX + "sys/fa")
    col = PREFIX_UNITS[encoding(client)]
    items = _items(await client.text_document_completion_async(_complete_params(uri, 0, col + 6)))
    by_label = {i.label: i for i in items}
    item = by_label["sys/failed"]
    assert item.kind == types.CompletionItemKind.Field
    assert item.detail == "bool"
    assert text_edit(item).range == types.Range(start=pos(0, col), end=pos(0, col + 6))
    assert text_edit(item).new_text == "sys/failed:bool"
    assert "sys/name" not in by_label  # `sys/fa` is not in it


async def test_completion_of_values_after_an_operator(client):
    uri = open_doc(client, "`sys/failed`:bool = ")
    items = _items(await client.text_document_completion_async(_complete_params(uri, 0, 20)))
    values = {i.label for i in items if i.kind == types.CompletionItemKind.Value}
    assert values == {"true", "false"}


async def test_aggregates_are_snippets(client):
    uri = open_doc(client, "")
    items = _items(await client.text_document_completion_async(_complete_params(uri, 0, 0)))
    [last] = [i for i in items if i.label == "last"]
    assert last.kind == types.CompletionItemKind.Function
    assert last.insert_text_format == types.InsertTextFormat.Snippet
    assert text_edit(last).new_text == "last(${1:field}:floatSeries)"
    assert last.detail == "last(field: floatSeries) -> float"
    assert markup(last.documentation)


async def test_hover_on_a_field_and_on_an_operator_after_non_ascii_text(client):
    uri = open_doc(client, "`sys/failed`:bool = false")
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(0, 3)))
    assert hover.contents.value.startswith("**`sys/failed`** (field): `bool`")
    assert hover.range == types.Range(start=pos(0, 0), end=pos(0, 12))
    uri = open_doc(client, PREFIX + "`f1`:float >= 1")
    col = PREFIX_UNITS[encoding(client)] + 11  # `f1`:float and a space
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=pos(0, col + 1))
    )
    assert "`>=`" in hover.contents.value
    assert hover.range == types.Range(start=pos(0, col), end=pos(0, col + 2))


async def test_hover_on_whitespace_is_empty(client):
    uri = open_doc(client, "`a`:int = 1   AND `b`:int = 2")
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(0, 13)))
    assert hover is None


def _apply(text: str, edits: list[types.TextEdit]) -> str:
    """Apply single-line-or-not edits given in positions of an ASCII text."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)

    def offset(p: types.Position) -> int:
        return starts[p.line] + p.character

    for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(e.range.start)] + e.new_text + text[offset(e.range.end) :]
    return text


FORMAT_OPTIONS = types.FormattingOptions(tab_size=2, insert_spaces=True)


async def test_formatting_uses_the_line_width_setting(client):
    text = "sys/failed:bool=false and `metrics/accuracy`:float>=0.9"
    uri = open_doc(client, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id(uri), options=FORMAT_OPTIONS)
    )
    # 66 characters on one line: nql.lineWidth is 60 (initializationOptions; the client's configuration
    # has no nql section), so the query is broken before AND.
    assert _apply(text, edits) == ("(`sys/failed`:bool = false)\nAND (`metrics/accuracy`:float >= 0.9)")


async def test_no_formatting_with_syntax_errors(client):
    uri = open_doc(client, "a:int = and (b:int = 2")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id(uri), options=FORMAT_OPTIONS)
    )
    assert not edits


async def test_range_formatting_touches_only_the_selected_operand(client):
    text = "a:int=1 AND b:int=2 AND c:int=3"
    uri = open_doc(client, text)
    edits = await client.text_document_range_formatting_async(
        types.DocumentRangeFormattingParams(
            text_document=doc_id(uri), range=types.Range(start=pos(0, 12), end=pos(0, 19)), options=FORMAT_OPTIONS
        )
    )
    assert _apply(text, edits) == "a:int=1 AND `b`:int = 2 AND c:int=3"


async def test_quick_fix_for_a_typo(client):
    uri = open_doc(client, "`a`:flot = 1")
    [diag] = await diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag], only=[types.CodeActionKind.QuickFix]),
        )
    )
    [action] = actions
    assert action.title == "Change to `float`"
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.is_preferred
    assert action.diagnostics[0].code == "NQL101"
    edit = action.edit
    text_edits = edit.document_changes[0].edits if edit.document_changes else edit.changes[uri]
    assert [(e.range, e.new_text) for e in text_edits] == [(types.Range(start=pos(0, 4), end=pos(0, 8)), "float")]


async def test_source_actions_fix_all_and_format(client):
    text = "a:flot = 1 and b:itn = 2"
    uri = open_doc(client, text)
    await diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=types.Range(start=pos(0, 0), end=pos(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.Source]),
        )
    )
    by_kind = {a.kind: a for a in actions}
    # Type typos are not syntax errors, so the query can be formatted as well as fixed.
    assert set(by_kind) == {"source.fixAll.nql", "source.format.nql"}

    def edits_of(action):
        e = action.edit
        return e.document_changes[0].edits if e.document_changes else next(iter(e.changes.values()))

    fixed = _apply(text, edits_of(by_kind["source.fixAll.nql"]))
    assert fixed == "a:float = 1 and b:int = 2"
    uri2 = open_doc(client, fixed)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri2),
            range=types.Range(start=pos(0, 0), end=pos(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.format.nql"]),
        )
    )
    [fmt] = actions
    assert _apply(fixed, edits_of(fmt)) == "(`a`:float = 1) AND (`b`:int = 2)"


async def test_no_format_action_with_syntax_errors(client):
    uri = open_doc(client, "a:int = 1 AND (")
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=types.Range(start=pos(0, 0), end=pos(0, 0)),
            context=types.CodeActionContext(diagnostics=[], only=["source.format.nql"]),
        )
    )
    assert not actions


async def test_hover_on_every_token(client):
    text = 'NOT (last(`m`:floatSeries) > 2) AND `sys/tags`:stringSet CONTAINS "x" OR sys/failed:bool = true'
    uri = open_doc(client, text)
    for column, ch in enumerate(text):
        if ch == " ":
            continue
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=doc_id(uri), position=pos(0, column))
        )
        assert hover is not None and hover.contents.value, (column, ch)
        r = hover.range
        assert r.start.character <= column < r.end.character, (column, ch, r)


async def test_quick_fix_edit_after_non_ascii_text(client):
    from .test_diagnostics_e2e import FLOT_COLUMNS, NON_ASCII

    uri = open_doc(client, NON_ASCII)
    [diag] = await diagnostics(client, uri)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri), range=diag.range, context=types.CodeActionContext(diagnostics=[diag])
        )
    )
    # Without `only`, the source actions come too; the quick fix is the one attached to the diagnostic.
    assert {a.kind for a in actions} == {"quickfix", "source.fixAll.nql", "source.format.nql"}
    [action] = [a for a in actions if a.kind == "quickfix"]
    edit = action.edit
    [text_edit] = edit.document_changes[0].edits if edit.document_changes else edit.changes[uri]
    start, end = FLOT_COLUMNS[encoding(client)]
    assert text_edit.range == types.Range(start=pos(0, start), end=pos(0, end))
    assert text_edit.new_text == "float"
