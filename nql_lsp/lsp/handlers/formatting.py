"""``textDocument/formatting``, at ``nql.lineWidth``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.DocumentFormattingParams) -> list[types.TextEdit]:
    from nql_lsp.lsp.formatting import format_document

    return format_document(snap.document, snap.positions, snap.settings.line_width)
