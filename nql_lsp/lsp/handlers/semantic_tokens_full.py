"""``textDocument/semanticTokens/full``: kept under a result id, for later deltas."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.features.tokens import TOKEN_MODIFIERS, TOKEN_TYPES
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot

LEGEND = types.SemanticTokensLegend(token_types=TOKEN_TYPES, token_modifiers=TOKEN_MODIFIERS)


def empty() -> types.SemanticTokens:
    return types.SemanticTokens(data=[])


def handle(ctx: Context, snap: DocumentSnapshot, params: types.SemanticTokensParams) -> types.SemanticTokens:
    from nql_lsp.lsp.semantic_tokens import semantic_tokens

    tokens = semantic_tokens(snap.documents, snap.document, snap.positions, snap.capabilities)
    return ctx.session.tokens.full(snap.uri, tokens)
