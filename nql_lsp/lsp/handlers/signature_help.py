"""``textDocument/signatureHelp``, inside an aggregate's parentheses."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.SignatureHelpParams) -> types.SignatureHelp | None:
    from nql_lsp.lsp.signature_help import signature_help

    return signature_help(snap.documents, snap.document, params.position, snap.positions, snap.capabilities)
