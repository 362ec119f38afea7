"""``nql.preview [uri, queryIndex]``: the runs the query matches (evaluated on a worker thread)."""

from __future__ import annotations

from typing import Any

from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.runs import error_result
from nql_lsp.lsp.snapshot import DocumentSnapshot


def no_document() -> dict[str, Any]:
    return error_result("nql.preview takes the URI of an open document")


def handle(
    ctx: Context, snap: DocumentSnapshot, analyses: list[QueryAnalysis], args: tuple[Any, ...]
) -> dict[str, Any]:
    from nql_lsp.lsp.runs import preview_command

    return preview_command(ctx.session.runs, analyses, args[0] if args else 0)
