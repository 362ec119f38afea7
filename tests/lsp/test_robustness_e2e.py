"""The server keeps answering: malformed messages, bad params, bad settings, changes faster than analyses.

Cancellation during an analysis is tested in process (test_scheduling.py), where the analysis can be
held until the cancel has arrived."""

from __future__ import annotations

import pytest
from lsprotocol import types

from .conftest import PUSHING, change, diagnostics, doc_id, open_doc, pos, pulls, reconfigured
from .rawio import RawServer, frame_body

in_module_loop = pytest.mark.asyncio(loop_scope="module")

FORMAT_OPTIONS = types.FormattingOptions(tab_size=2, insert_spaces=True)
NO_RUNS = {"nql": {"runs": False}}


def _hover_answers(server: RawServer, msg_id: int) -> None:
    uri = "file:///q.nql"
    server.send(
        {
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {"uri": uri, "languageId": "nql", "version": 1, "text": "`sys/failed`:bool = false"}
            },
        },
        {
            "id": msg_id,
            "method": "textDocument/hover",
            "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 2}},
        },
    )
    assert "sys/failed" in server.answer_to(msg_id)["result"]["contents"]["value"]


def test_malformed_json_does_not_stop_the_server():
    server = RawServer()
    try:
        server.start(NO_RUNS)
        server.write(frame_body(b'{"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {'))  # cut short
        _hover_answers(server, 2)
    finally:
        server.close()


def test_request_with_bad_params_gets_an_error_answer():
    server = RawServer()
    try:
        server.start(NO_RUNS)
        server.send(
            {
                "id": "bad-params",
                "method": types.TEXT_DOCUMENT_HOVER,
                "params": {"textDocument": 42, "position": "here"},
            }
        )
        answer = server.answer_to("bad-params")
        assert answer["error"]["code"] == -32602  # InvalidParams
        assert "textDocument/hover" in answer["error"]["message"]
        _hover_answers(server, 2)
    finally:
        server.close()


@in_module_loop
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


@in_module_loop
async def test_documents_of_other_languages_are_left_alone(client):
    uri = open_doc(client, "print('hi')", uri="file:///work/queries/script.txt", language_id="plaintext")
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc_id(uri)))
    assert not symbols


@in_module_loop
async def test_bad_settings_are_reported_and_defaults_used(client):
    client.messages.clear()
    bad = {"nql": {"lineWidth": "wide", "severity": {"NQL999": "loud", "NQL401": "off"}}}
    client.set_configuration(bad)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=bad))
    await client.until(lambda: len(client.messages) >= 2)
    text = "\n".join(m.message for m in client.messages)
    assert "nql.lineWidth" in text and "'wide'" in text
    assert "NQL999" in text
    # lineWidth fell back to 80: the formatted query is one line of more than 60 characters (at the
    # initializationOptions' 60 it would be broken before AND).
    query = "(`sys/failed`:bool = false) AND (`metrics/accuracy`:float >= 0.9)"
    assert len(query) > 60
    text = "sys/failed:bool=false and `metrics/accuracy`:float>=0.9"
    uri = open_doc(client, text)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(text_document=doc_id(uri), options=FORMAT_OPTIONS)
    )
    assert _apply_one_line(text, edits) == query
    # The good entry of the severity map is kept: NQL401 is off.
    uri = open_doc(client, "a:int = 1 AND b:int = 2 OR c:int = 3")
    assert await diagnostics(client, uri) == []

    def send_defaults() -> None:
        client.set_configuration({})
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"nql": {}}))

    # Waited for (NQL401 is back), so that the republish it causes lands here and not in the next test.
    found = await reconfigured(client, uri, send_defaults, lambda ds: ds != [])
    assert [d.code for d in found] == ["NQL401"]


def _apply_one_line(text: str, edits: list[types.TextEdit]) -> str:
    """Edits of a one-line text applied (character positions are code points: the text is ASCII)."""
    for e in sorted(edits, key=lambda e: e.range.start.character, reverse=True):
        assert e.range.start.line == e.range.end.line == 0
        text = text[: e.range.start.character] + e.new_text + text[e.range.end.character :]
    return text


@in_module_loop
@pytest.mark.parametrize("client", PUSHING, indirect=True)  # a pulling client asks for the version it wants
async def test_stale_diagnostics_are_dropped(client):
    assert not pulls(client)
    base = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(2000))
    uri = open_doc(client, base)
    await diagnostics(client, uri, version=1)
    first = len(client.publishes)
    # Each change is outside every group (a trailing space), so each needs a full analysis.
    for version in range(2, 6):
        change(client, uri, version, base + " " * version)
    await diagnostics(client, uri, version=5)
    seen = [p.version for p in client.publishes[first:] if p.uri == uri]
    assert seen[-1] == 5
    assert seen == sorted(set(seen))  # never an older version after a newer one
    # That overtaken versions are dropped rather than published is tested in process
    # (test_scheduling.py), where an analysis can be held until the newer change has arrived.
