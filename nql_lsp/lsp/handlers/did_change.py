"""``textDocument/didChange``: the changes applied in the negotiated encoding, the analyses of the older
text stopped, diagnostics republished."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp import publish
from nql_lsp.lsp.context import Context


def handle(ctx: Context, params: types.DidChangeTextDocumentParams) -> None:
    doc = ctx.session.documents.get(params.text_document.uri)
    if doc is None:
        return
    before = doc.text
    doc.apply(params.content_changes, params.text_document.version, ctx.session.encoding)
    if doc.text != before:
        ctx.scheduler.supersede(doc.uri)
    publish.tell_if_oversized(ctx, doc)
    publish.schedule(ctx, doc.uri)
