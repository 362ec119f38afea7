"""Pushed diagnostics: published after each change, for clients that do not pull them.

Changes that arrive together are published once, after the current message. Diagnostics that come cheap
(an edit inside one group re-analyses only that group) are sent at once; otherwise the document is
analysed on the analysis thread and published only if no newer version has arrived meanwhile, so an older
version is never published after a newer one.
"""

from __future__ import annotations

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.documents import Document, Found
from nql_lsp.lsp.positions import Positions


def schedule(ctx: Context, uri: str) -> None:
    if ctx.session.capabilities.pull_diagnostics:
        return
    ctx.scheduler.soon(("diagnostics", uri), lambda: _publish(ctx, uri))


def tell_if_oversized(ctx: Context, doc: Document) -> None:
    """Say once per opened document that it is too large to serve, when it is (each keystroke would
    otherwise say it again)."""
    from nql_lsp.lsp.documents import MAX_DOCUMENT_SIZE
    from nql_lsp.lsp.kinds import uri_path

    if not doc.oversized or doc.told_oversized:
        return
    doc.told_oversized = True
    name = uri_path(doc.uri) or doc.uri
    ctx.client.show(
        f"nql-lsp: {name} is {len(doc.text):,} characters long, over the {MAX_DOCUMENT_SIZE:,} it analyses: "
        "only its size is checked (no diagnostics, highlighting, previews or formatting) until it is shorter."
    )


def refresh(ctx: Context) -> None:
    """Every open document's diagnostics again (the settings or the schema changed)."""
    session = ctx.session
    if session.capabilities.pull_diagnostics:
        if session.capabilities.diagnostic_refresh:
            ctx.client.refresh_diagnostics()
        return
    for doc in session.documents:
        schedule(ctx, doc.uri)


def _publish(ctx: Context, uri: str) -> None:
    doc = ctx.session.documents.get(uri)
    if doc is None or _send_quick(ctx, doc):
        return
    ctx.scheduler.spawn(_publish_full(ctx, doc))


async def _publish_full(ctx: Context, doc: Document) -> None:
    version = doc.version
    try:
        await ctx.scheduler.analysed(ctx.session.documents, doc)
    except Exception as e:
        ctx.client.report(e, "diagnostics")
        return
    if ctx.session.documents.get(doc.uri) is not doc or doc.version != version:
        return  # a newer version has been scheduled; this result is stale
    _send_quick(ctx, doc)


def _send_quick(ctx: Context, doc: Document) -> bool:
    """Send the diagnostics if they come cheap; False when the whole text must be analysed first.

    A failure counts as done: it is reported, and a full analysis would only fail the same way.
    """
    try:
        quick = ctx.session.documents.quick_diagnostics(doc)
    except Exception as e:
        ctx.client.report(e, "diagnostics")
        return True
    if quick is None:
        return False
    _send(ctx, doc, quick)
    return True


def _send(ctx: Context, doc: Document, found: Found) -> None:
    from nql_lsp.lsp.diagnostics import lsp_diagnostics

    session = ctx.session
    pos = Positions(lambda: doc.lines, session.encoding)
    try:
        items = lsp_diagnostics(
            session.documents, doc, pos, session.settings.current.severity, session.capabilities, found, doc.sent
        )
    except Exception as e:
        ctx.client.report(e, "diagnostics")
        return
    ctx.client.publish(doc.uri, items, doc.version)
