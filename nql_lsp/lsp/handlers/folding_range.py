"""``textDocument/foldingRange``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.FoldingRangeParams) -> list[types.FoldingRange]:
    from nql_lsp.lsp.folding import folding_ranges

    return folding_ranges(snap.documents, snap.document, snap.positions)
