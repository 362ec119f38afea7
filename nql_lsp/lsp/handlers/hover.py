"""``textDocument/hover``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.HoverParams) -> types.Hover | None:
    from nql_lsp.lsp.hover import hover

    return hover(snap.documents, snap.document, params.position, snap.positions, snap.capabilities)
