"""``textDocument/codeLens``: how many runs each query matches (evaluated on a worker thread)."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def runs_ready(ctx: Context) -> bool:
    return ctx.session.runs.ready


def handle(
    ctx: Context, snap: DocumentSnapshot, analyses: list[QueryAnalysis], params: types.CodeLensParams
) -> list[types.CodeLens]:
    from nql_lsp.lsp.runs import code_lenses

    return code_lenses(ctx.session.runs, analyses, snap.uri, snap.positions)
