"""``textDocument/didOpen``: a document of a kind the server serves is opened and its diagnostics published
(a document too large to serve is said to be so, once)."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp import publish
from nql_lsp.lsp.context import Context


def handle(ctx: Context, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    ctx.scheduler.supersede(item.uri)  # opened again: whatever was analysed of it before is stale
    doc = ctx.session.documents.open(item.uri, item.language_id, item.version, item.text)
    if doc is not None:
        publish.tell_if_oversized(ctx, doc)
        publish.schedule(ctx, item.uri)
