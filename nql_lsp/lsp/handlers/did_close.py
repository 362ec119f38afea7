"""``textDocument/didClose``: the document is forgotten, and its pushed diagnostics cleared."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context


def handle(ctx: Context, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    session = ctx.session
    if session.documents.get(uri) is None:
        return
    session.documents.close(uri)
    session.tokens.forget(uri)
    if not session.capabilities.pull_diagnostics:
        ctx.client.publish(uri, [])
