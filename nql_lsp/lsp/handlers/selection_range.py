"""``textDocument/selectionRange``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.SelectionRangeParams) -> list[types.SelectionRange]:
    from nql_lsp.lsp.selection import selection_ranges

    return selection_ranges(snap.documents, snap.document, params.positions, snap.positions)
