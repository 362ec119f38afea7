"""``textDocument/semanticTokens/full/delta``: the edits since the result the client holds."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def handle(
    ctx: Context, snap: DocumentSnapshot, params: types.SemanticTokensDeltaParams
) -> types.SemanticTokens | types.SemanticTokensDelta:
    from nql_lsp.lsp.semantic_tokens import semantic_tokens

    tokens = semantic_tokens(snap.documents, snap.document, snap.positions, snap.capabilities)
    return ctx.session.tokens.delta(snap.uri, params.previous_result_id, tokens)
