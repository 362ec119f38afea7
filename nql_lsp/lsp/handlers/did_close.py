"""``textDocument/didClose``: the document is forgotten with everything kept for it (its analyses, the
semantic tokens deltas are computed against, the previews of its queries), its analyses in flight stopped,
and its pushed diagnostics cleared."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.memory import LARGE_DOCUMENT, release_freed


def handle(ctx: Context, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    session = ctx.session
    doc = session.documents.get(uri)
    if doc is None:
        return
    session.documents.close(uri)
    ctx.scheduler.supersede(uri)
    session.tokens.forget(uri)
    # Previews are kept by query text: those of its queries that no open document still holds go too.
    texts = {region.text for region in doc.regions}
    for other in session.documents:
        texts.difference_update(region.text for region in other.regions)
    session.runs.forget(texts)
    if not session.capabilities.pull_diagnostics:
        ctx.client.publish(uri, [])
    if len(doc.text) >= LARGE_DOCUMENT or not any(True for _ in session.documents):
        ctx.scheduler.soon(("release memory", ""), _release)


def _release() -> None:
    release_freed()
