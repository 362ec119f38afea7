"""``textDocument/inlayHint``: how many runs each clause alone matches (evaluated on a worker thread)."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(
    ctx: Context, snap: DocumentSnapshot, analyses: list[QueryAnalysis], params: types.InlayHintParams
) -> list[types.InlayHint]:
    from nql_lsp.lsp.runs import inlay_hints

    return inlay_hints(ctx.session.runs, analyses, snap.positions, params.range)
