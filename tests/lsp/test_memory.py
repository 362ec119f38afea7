"""What the session keeps for a document is released when the document is closed: after many documents
are opened, analysed, previewed and tokenised, then closed, nothing is held for any of them."""

from __future__ import annotations

import pytest

from nql_lsp.lsp.runs import apply_loaded

from ..runs_fixtures import small_runs
from .wire import Wire


def _query(i: int) -> str:
    return f'`sys/id`:string = "RUN-{i}" OR `sys/failed`:bool = false'


@pytest.mark.asyncio
async def test_closing_documents_releases_what_was_kept_for_them():
    wire = Wire()
    session = wire.server.context.session
    await wire.initialize({}, {"nql": {"runs": False}})
    await wire.barrier()  # ``initialized`` has set the runs to none: these replace them
    apply_loaded(session.runs, session.documents, small_runs(), None, learned=False)
    kept = "file:///w/kept.nql"
    wire.open(kept, _query(0))  # open throughout, with a query a closed document shares
    uris = [f"file:///w/q{i}.nql" for i in range(40)]
    for i, uri in enumerate(uris):
        wire.open(uri, _query(i % 20))
        lenses = await wire.call("textDocument/codeLens", {"textDocument": {"uri": uri}})
        assert lenses["result"], "a preview was computed and kept"
        tokens = await wire.call("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
        assert tokens["result"]["data"]
    await wire.call("textDocument/codeLens", {"textDocument": {"uri": kept}})
    assert len(session.runs.cache) >= 20
    for uri in uris:
        wire.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    await wire.barrier()
    assert [doc.uri for doc in session.documents] == [kept]
    assert len(session.tokens) == 0
    assert wire.server.context.scheduler.in_flight == 0
    # Only the open document's query keeps its preview (and clause counts: one entry of each kind at most).
    assert 1 <= len(session.runs.cache) <= 2
    assert (await wire.call("textDocument/codeLens", {"textDocument": {"uri": kept}}))["result"]


@pytest.mark.asyncio
async def test_no_future_is_kept_for_a_notification_once_handled():
    """pygls kept the future of every didOpen, didChange and didClose for the server's life (under a
    made-up id, with its result or exception): 1,000 documents opened and closed left 2,000 of them."""
    wire = Wire()
    await wire.initialize({}, {"nql": {"runs": False}})
    await wire.barrier()
    for i in range(50):
        uri = f"file:///w/n{i}.nql"
        wire.open(uri, _query(i))
        wire.change(uri, 2, _query(i + 1))
        wire.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    await wire.barrier()
    await wire.until(lambda: wire.server.context.scheduler.in_flight == 0)
    await wire.barrier()
    kept = wire.server.protocol._request_futures
    assert len(kept) <= 2, f"{len(kept)} futures kept after 150 notifications"


def test_freed_memory_can_be_handed_back_on_this_system():
    """glibc's malloc_trim is found and called (every CI machine runs Linux with glibc)."""
    from nql_lsp.lsp.memory import release_freed

    assert release_freed() is True


@pytest.mark.asyncio
async def test_closing_a_large_document_or_the_last_one_hands_freed_memory_back(monkeypatch):
    from nql_lsp.lsp.handlers import did_close
    from nql_lsp.lsp.memory import LARGE_DOCUMENT

    calls: list[int] = []

    def release() -> bool:
        calls.append(1)
        return True

    monkeypatch.setattr(did_close, "release_freed", release)
    wire = Wire()
    await wire.initialize({}, {"nql": {"runs": False}})
    await wire.barrier()
    for name in ("a", "b", "c"):
        wire.open(f"file:///w/{name}.nql", _query(1))
    large = " OR ".join(_query(i) for i in range(LARGE_DOCUMENT // 40))
    assert len(large) >= LARGE_DOCUMENT
    wire.open("file:///w/large.nql", large)
    await wire.barrier()
    wire.notify("textDocument/didClose", {"textDocument": {"uri": "file:///w/a.nql"}})
    await wire.barrier()
    assert calls == []  # a small document, with others still open: nothing worth a trim
    wire.notify("textDocument/didClose", {"textDocument": {"uri": "file:///w/large.nql"}})
    await wire.barrier()
    assert calls == [1]
    for name in ("b", "c"):
        wire.notify("textDocument/didClose", {"textDocument": {"uri": f"file:///w/{name}.nql"}})
    await wire.barrier()
    assert calls == [1, 1]  # the last document closed
