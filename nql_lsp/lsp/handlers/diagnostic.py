"""``textDocument/diagnostic``: pulled diagnostics, ``unchanged`` while text, schema and settings are."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot


def empty() -> types.RelatedFullDocumentDiagnosticReport:
    return types.RelatedFullDocumentDiagnosticReport(items=[])


def handle(
    ctx: Context, snap: DocumentSnapshot, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    from nql_lsp.lsp.diagnostics import lsp_diagnostics

    session = ctx.session
    result_id = f"{snap.version}/{snap.documents.generation}/{session.settings.generation}"
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    items = lsp_diagnostics(snap.documents, snap.document, snap.positions, snap.settings.severity, snap.capabilities)
    return types.RelatedFullDocumentDiagnosticReport(items=items, result_id=result_id)
