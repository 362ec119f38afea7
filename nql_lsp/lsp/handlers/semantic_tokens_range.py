"""``textDocument/semanticTokens/range``."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(ctx: Context, snap: DocumentSnapshot, params: types.SemanticTokensRangeParams) -> types.SemanticTokens:
    from nql_lsp.lsp.semantic_tokens import semantic_tokens

    return semantic_tokens(snap.documents, snap.document, snap.positions, snap.capabilities, params.range)
