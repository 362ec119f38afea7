"""``textDocument/didOpen``: a document of a kind the server serves is opened and its diagnostics published."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp import publish
from nql_lsp.lsp.context import Context


def handle(ctx: Context, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    if ctx.session.documents.open(item.uri, item.language_id, item.version, item.text) is not None:
        publish.schedule(ctx, item.uri)
