"""``textDocument/documentSymbol``: nested, or flat for clients that cannot nest them."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(
    ctx: Context, snap: DocumentSnapshot, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
    from nql_lsp.lsp.symbols import document_symbols

    return document_symbols(snap.documents, snap.document, snap.positions, snap.capabilities)
