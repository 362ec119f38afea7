"""``initialized``: say what was wrong with the initial settings, warm up, pull the configuration, load runs."""

from __future__ import annotations

import logging

from lsprotocol import types

from nql_lsp.lsp import runs_loading
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.handlers.did_change_configuration import pull

log = logging.getLogger("nql_lsp")


async def handle(ctx: Context, params: types.InitializedParams) -> None:
    session = ctx.session
    for problem in session.startup_problems:
        ctx.client.show(f"nql-lsp: {problem}")
    session.startup_problems = []
    ctx.scheduler.in_background(warm_up)
    await pull(ctx)
    runs_loading.start(ctx)


def warm_up() -> None:
    """Import the parser and the feature modules, and parse once, while the client is still opening files."""
    try:
        from nql_lsp.analysis.analyze import analyze
        from nql_lsp.lsp import (  # noqa: F401
            code_actions,
            completion,
            diagnostics,
            folding,
            formatting,
            hover,
            selection,
            semantic_tokens,
            signature_help,
            symbols,
        )

        analyze("")
    except Exception:  # whatever failed here fails again, and is reported, on first use
        log.exception("warm-up failed")
