"""``textDocument/codeAction``: quick fixes, fix all, format query, conversions to and from Filter code."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot

KINDS = ["quickfix", "source.fixAll.nql", "source.format.nql", "refactor.rewrite"]


def handle(ctx: Context, snap: DocumentSnapshot, params: types.CodeActionParams) -> list[types.CodeAction]:
    from nql_lsp.lsp.code_actions import code_actions

    settings = snap.settings
    return code_actions(
        snap.documents,
        snap.document,
        params,
        snap.positions,
        settings.severity,
        settings.line_width,
        snap.capabilities,
    )
