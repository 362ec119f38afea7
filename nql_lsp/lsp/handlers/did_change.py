"""``textDocument/didChange``: the changes applied in the negotiated encoding, diagnostics republished."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp import publish
from nql_lsp.lsp.context import Context


def handle(ctx: Context, params: types.DidChangeTextDocumentParams) -> None:
    doc = ctx.session.documents.get(params.text_document.uri)
    if doc is None:
        return
    doc.apply(params.content_changes, params.text_document.version, ctx.session.encoding)
    publish.schedule(ctx, doc.uri)
