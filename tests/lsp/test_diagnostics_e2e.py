"""Diagnostics end to end: codes, links, related information, exact positions, settings."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .conftest import PULLING, PUSHING, change, diagnostics, doc_id, encoding, open_doc, pos, pulls, reconfigured

pytestmark = pytest.mark.asyncio(loop_scope="module")

# `flot` starts after `sys/name` = "é😀" AND `f1`: which is 34 code points; é is 2 UTF-8 bytes and
# 😀 is 2 UTF-16 units or 4 UTF-8 bytes, so the column depends on the negotiated encoding.
NON_ASCII = '`sys/name`:string = "é😀" AND `f1`:flot >= 1'
FLOT_COLUMNS = {"utf-16": (35, 39), "utf-8": (38, 42), "utf-32": (34, 38)}


async def test_diagnostic_fields_and_non_ascii_positions(client):
    uri = open_doc(client, NON_ASCII)
    [d] = await diagnostics(client, uri)
    assert d.code == "NQL101"
    assert d.source == "nql"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description is not None and d.code_description.href.endswith("#nql101")
    assert "did you mean `float`" in d.message
    start, end = FLOT_COLUMNS[encoding(client)]
    assert (d.range.start, d.range.end) == (pos(0, start), pos(0, end))


async def test_related_information_points_at_the_open_paren(client):
    uri = open_doc(client, "(`a`:int = 1\nAND `b`:int = 2")
    found = await diagnostics(client, uri)
    related = [r for d in found for r in (d.related_information or [])]
    assert related, found
    assert related[0].location.uri == uri
    assert related[0].location.range.start == pos(0, 0)


async def test_clean_query_has_no_diagnostics(client):
    uri = open_doc(client, '`sys/tags`:stringSet CONTAINS "prod" AND `sys/failed`:bool = false\n')
    assert await diagnostics(client, uri) == []


async def test_incremental_change_updates_diagnostics(client):
    uri = open_doc(client, "`sys/failed`:bool = false")
    assert await diagnostics(client, uri) == []
    # Replace `bool` (columns 13-17) with `bol`.
    change(client, uri, 2, "bol", types.Range(start=pos(0, 13), end=pos(0, 17)))
    [d] = await diagnostics(client, uri, version=2)
    assert d.code == "NQL101"
    assert (d.range.start, d.range.end) == (pos(0, 13), pos(0, 16))
    change(client, uri, 3, "`sys/failed`:bool = true")
    assert await diagnostics(client, uri, version=3) == []


async def test_incremental_change_after_non_ascii_text(client):
    uri = open_doc(client, NON_ASCII)
    start, end = FLOT_COLUMNS[encoding(client)]
    change(client, uri, 2, "float", types.Range(start=pos(0, start), end=pos(0, end)))
    assert await diagnostics(client, uri, version=2) == []


async def test_severity_override_from_configuration(client):
    uri = open_doc(client, "`sys/failed`:bool = false AND `x`:int = 1 OR `y`:int = 2")
    found = await diagnostics(client, uri)
    assert [d.code for d in found] == ["NQL401"]
    assert found[0].severity == types.DiagnosticSeverity.Warning
    as_error = {"nql": {"severity": {"NQL401": "error"}, "lineWidth": 60}}

    def send_error() -> None:
        client.set_configuration(as_error)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=as_error))

    [d] = await reconfigured(
        client, uri, send_error, lambda ds: ds and ds[0].severity == types.DiagnosticSeverity.Error
    )
    assert d.code == "NQL401" and d.severity == types.DiagnosticSeverity.Error

    def send_off() -> None:  # no settings in the notification: the server asks for its configuration
        client.set_configuration({"nql": {"severity": {"mixed-and-or": "off"}, "lineWidth": 60}})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))

    assert await reconfigured(client, uri, send_off, lambda ds: ds == []) == []

    def send_defaults() -> None:
        client.set_configuration({"nql": {"lineWidth": 60}})
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"nql": {"lineWidth": 60}})
        )

    # Back to the defaults, waited for: a change still in flight would republish into the next test.
    [d] = await reconfigured(
        client, uri, send_defaults, lambda ds: ds and ds[0].severity == types.DiagnosticSeverity.Warning
    )
    assert d.code == "NQL401" and d.severity == types.DiagnosticSeverity.Warning


async def test_close_clears_diagnostics(client):
    """Pushed diagnostics are cleared by an empty publish; a pull for a closed document gets none."""
    uri = open_doc(client, "`a`:flot = 1")
    assert await diagnostics(client, uri)
    client.diagnostics.pop(uri, None)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert await diagnostics(client, uri) == []


async def test_only_one_diagnostic_channel(client):
    uri = open_doc(client, "`a`:flot = 1")
    if pulls(client):
        assert await diagnostics(client, uri)
        # A publish would follow the analysis this pull waited for; a request after it has its answer
        # later on the same pipe, so by then any publish has arrived. None ever has, for any document.
        await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(0, 1)))
        assert client.publishes == []
    else:
        assert await diagnostics(client, uri)
        assert client.publishes[-1].uri == uri


@pytest.mark.parametrize("client", PUSHING, indirect=True)
async def test_push_clients_cannot_pull(client):
    from pygls.exceptions import JsonRpcException

    assert not pulls(client)
    uri = open_doc(client, "`a`:flot = 1")
    with pytest.raises(JsonRpcException):
        await client.text_document_diagnostic_async(types.DocumentDiagnosticParams(text_document=doc_id(uri)))


@pytest.mark.parametrize("client", PULLING, indirect=True)
async def test_pull_reports_unchanged_results(client):
    assert pulls(client)
    uri = open_doc(client, "`a`:flot = 1")
    params = types.DocumentDiagnosticParams(text_document=doc_id(uri))
    first = await client.text_document_diagnostic_async(params)
    assert first.kind == "full" and first.result_id
    params.previous_result_id = first.result_id
    second = await client.text_document_diagnostic_async(params)
    assert second.kind == "unchanged" and second.result_id == first.result_id
    change(client, uri, 2, "`a`:float = 1")
    third = await client.text_document_diagnostic_async(params)
    assert third.kind == "full" and list(third.items) == [] and third.result_id != first.result_id


async def test_line_separator_in_a_string_is_not_a_line_break(client):
    uri = open_doc(client, 'a:string = "x\u2028y" AND\n`b`:flot = 1')
    [d] = await diagnostics(client, uri, version=1)
    assert (d.range.start, d.range.end) == (pos(1, 4), pos(1, 8))
    change(client, uri, 2, "float", types.Range(start=pos(1, 4), end=pos(1, 8)))
    assert await diagnostics(client, uri, version=2) == []
