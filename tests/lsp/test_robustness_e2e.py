"""The server keeps answering: malformed messages, bad params, bad settings, cancelled requests."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import Future

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .conftest import change, diagnostics, doc_id, open_doc, pos, pulls

pytestmark = pytest.mark.asyncio(loop_scope="module")

FORMAT_OPTIONS = types.FormattingOptions(tab_size=2, insert_spaces=True)


async def _still_answers(client) -> None:
    uri = open_doc(client, "`sys/failed`:bool = false")
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(0, 2)))
    assert "sys/failed" in hover.contents.value


async def test_malformed_json_does_not_stop_the_server(client):
    stdin = client._server.stdin
    body = b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {'  # cut short
    stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await stdin.drain()
    await _still_answers(client)


async def test_request_with_bad_params_gets_an_error_answer(client):
    # Written by hand: the client library would refuse to serialise such params.
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": "bad-params",
            "method": types.TEXT_DOCUMENT_HOVER,
            "params": {"textDocument": 42, "position": "here"},
        }
    ).encode()
    answer: Future = Future()
    client.protocol._request_futures["bad-params"] = answer
    stdin = client._server.stdin
    stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    await stdin.drain()
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(answer), 10)
    assert "textDocument/hover" in str(raised.value)
    await _still_answers(client)


async def test_requests_on_unknown_documents_and_positions(client):
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id("file:///nowhere/x.nql"), position=pos(0, 0))
    )
    assert hover is None
    uri = open_doc(client, "a:int = 1")
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(99, 99)))
    # Past the end means the end of the text, as LSP clients expect: the last token, `1`.
    assert hover.range == types.Range(start=pos(0, 8), end=pos(0, 9))
    uri = open_doc(client, "a:int = 1 ")
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(0, 500))
    )
    assert {i.label for i in items.items} >= {"AND", "OR"}


async def test_documents_of_other_languages_are_left_alone(client):
    uri = open_doc(client, "print('hi')", uri="file:///work/queries/script.txt", language_id="plaintext")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc_id(uri)))
    assert not symbols


async def test_bad_settings_are_reported_and_defaults_used(client):
    client.messages.clear()
    bad = {"nql": {"lineWidth": "wide", "severity": {"NQL999": "loud", "NQL401": "off"}}}
    client.set_configuration(bad)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=bad))
    for _ in range(100):
        if len(client.messages) >= 2:
            break
        await asyncio.sleep(0.02)
    text = "\n".join(m.message for m in client.messages)
    assert "nql.lineWidth" in text and "'wide'" in text
    assert "NQL999" in text
    # lineWidth fell back to 80: a 70-character query stays on one line (at 60 it would be broken).
    query = "(`sys/failed`:bool = false) AND (`metrics/accuracy`:float >= 0.9)"
    uri = open_doc(client, "sys/failed:bool=false and `metrics/accuracy`:float>=0.9")
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id(uri), options=FORMAT_OPTIONS)
    )
    assert [e.new_text for e in edits] and "\n" not in "".join(e.new_text for e in edits)
    assert len(query) > 60
    # The good entry of the severity map is kept: NQL401 is off.
    uri = open_doc(client, "a:int = 1 AND b:int = 2 OR c:int = 3")
    assert await diagnostics(client, uri) == []
    client.set_configuration({})
    client.diagnostics.pop(uri, None)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"nql": {}}))
    # Waited for (NQL401 is back), so that the republish it causes lands here and not in the next test.
    for _ in range(50):
        if await diagnostics(client, uri):
            break
        client.diagnostics.pop(uri, None)
    assert [d.code for d in await diagnostics(client, uri)] == ["NQL401"]


async def test_a_request_cancelled_during_analysis_is_answered_cancelled(client):
    # Analysing 5,000 clauses takes far longer than the cancel takes to arrive; the request waits for
    # that analysis (on the worker thread) and is cancelled meanwhile.
    uri = open_doc(client, " AND ".join(f"(`m{i}`:float >= {i})" for i in range(5000)))
    # send_request writes at once (the async variant would send only when awaited, after the cancel).
    future = client.protocol.send_request(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        types.SemanticTokensParams(text_document=doc_id(uri)),
        msg_id="to-cancel",
    )
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="to-cancel"))
    with pytest.raises(JsonRpcException) as raised:
        await asyncio.wait_for(asyncio.wrap_future(future), 20)
    assert raised.value.code == -32800  # RequestCancelled
    await _still_answers(client)


async def test_stale_diagnostics_are_dropped(client):
    if pulls(client):
        return  # a pulling client asks for the current version itself (tested with result ids)
    base = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(2000))
    uri = open_doc(client, base)
    await diagnostics(client, uri, version=1)
    client.published_versions.pop(uri, None)
    seen: list[int] = []
    original = client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def record(params):
        if params.uri == uri:
            seen.append(params.version)
        original(params)

    client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = record
    try:
        # Each change is outside every group (a trailing space), so each needs a full analysis.
        for version in range(2, 6):
            change(client, uri, version, base + " " * version)
        await diagnostics(client, uri, version=5)
    finally:
        client.protocol.fm.features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = original
    assert seen[-1] == 5
    assert seen == sorted(set(seen))  # never an older version after a newer one
    assert len(seen) < 4  # versions overtaken while their analysis waited were dropped
