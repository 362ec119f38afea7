"""``nql.explain [uri, runId, queryIndex]``: why that run is or is not returned (on a worker thread)."""

from __future__ import annotations

from typing import Any

from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.runs import error_result
from nql_lsp.lsp.snapshot import DocumentSnapshot


def no_document() -> dict[str, Any]:
    return error_result("nql.explain takes the URI of an open document and a run id")


def handle(
    ctx: Context, snap: DocumentSnapshot, analyses: list[QueryAnalysis], args: tuple[Any, ...]
) -> dict[str, Any]:
    from nql_lsp.lsp.runs import explain_command

    return explain_command(ctx.session.runs, analyses, args[0] if args else None, args[1] if len(args) > 1 else 0)
