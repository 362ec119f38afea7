"""``textDocument/completion``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.CompletionParams) -> types.CompletionList:
    from nql_lsp.lsp.completion import completion

    return completion(snap.documents, snap.document, params.position, snap.positions, snap.capabilities)
