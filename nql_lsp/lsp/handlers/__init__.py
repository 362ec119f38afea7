"""One module per LSP request or notification, and the dispatch table that says where each one runs.

Every method the server answers is one row of :data:`ROUTES`: its handler, its :class:`Mode` (on the event
loop, after the document's analysis, or on a worker thread), its default answer on failure, and the
options it announces. :mod:`nql_lsp.server` registers the rows; nothing else registers a handler.
"""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.context import Context
from nql_lsp.lsp.dispatch import Mode, Route
from nql_lsp.lsp.handlers import (
    code_action,
    code_lens,
    completion,
    convert,
    diagnostic,
    did_change,
    did_change_configuration,
    did_change_workspace_folders,
    did_close,
    did_open,
    document_symbol,
    explain,
    folding_range,
    formatting,
    hover,
    initialize,
    initialized,
    inlay_hint,
    preview,
    range_formatting,
    selection_range,
    semantic_tokens_delta,
    semantic_tokens_full,
    semantic_tokens_range,
    signature_help,
)
from nql_lsp.lsp.runs import EXPLAIN_COMMAND, PREVIEW_COMMAND

COMPLETION_TRIGGERS = [":", "(", "`", '"', "/"]

LOCAL, ANALYSED, QUICK, WORKER = Mode.LOCAL, Mode.ANALYSED, Mode.QUICK, Mode.WORKER


def _pulls(ctx: Context) -> bool:
    return ctx.session.capabilities.pull_diagnostics


ROUTES: tuple[Route, ...] = (
    # lifecycle, configuration and document sync: on the loop, changing the session
    Route(types.INITIALIZE, initialize.handle, LOCAL),
    Route(types.INITIALIZED, initialized.handle, LOCAL),
    Route(types.WORKSPACE_DID_CHANGE_CONFIGURATION, did_change_configuration.handle, LOCAL),
    Route(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, did_change_workspace_folders.handle, LOCAL),
    Route(types.TEXT_DOCUMENT_DID_OPEN, did_open.handle, LOCAL),
    Route(types.TEXT_DOCUMENT_DID_CHANGE, did_change.handle, LOCAL),
    Route(types.TEXT_DOCUMENT_DID_CLOSE, did_close.handle, LOCAL),
    # requests over one document: after its analysis (on the analysis thread)
    Route(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        diagnostic.handle,
        QUICK,
        default=diagnostic.empty,
        options=types.DiagnosticOptions(identifier="nql", inter_file_dependencies=False, workspace_diagnostics=False),
        when=_pulls,
    ),
    Route(
        types.TEXT_DOCUMENT_COMPLETION,
        completion.handle,
        ANALYSED,
        options=types.CompletionOptions(trigger_characters=COMPLETION_TRIGGERS),
    ),
    Route(types.TEXT_DOCUMENT_HOVER, hover.handle, ANALYSED),
    Route(types.TEXT_DOCUMENT_FORMATTING, formatting.handle, ANALYSED, default=list),
    Route(types.TEXT_DOCUMENT_RANGE_FORMATTING, range_formatting.handle, ANALYSED, default=list),
    Route(
        types.TEXT_DOCUMENT_CODE_ACTION,
        code_action.handle,
        ANALYSED,
        default=list,
        options=types.CodeActionOptions(code_action_kinds=code_action.KINDS),
    ),
    Route(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL,
        semantic_tokens_full.handle,
        ANALYSED,
        default=semantic_tokens_full.empty,
        options=semantic_tokens_full.LEGEND,
    ),
    Route(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_FULL_DELTA,
        semantic_tokens_delta.handle,
        ANALYSED,
        default=semantic_tokens_full.empty,
        options=semantic_tokens_full.LEGEND,
    ),
    Route(
        types.TEXT_DOCUMENT_SEMANTIC_TOKENS_RANGE,
        semantic_tokens_range.handle,
        ANALYSED,
        default=semantic_tokens_full.empty,
        options=semantic_tokens_full.LEGEND,
    ),
    Route(
        types.TEXT_DOCUMENT_SIGNATURE_HELP,
        signature_help.handle,
        ANALYSED,
        options=types.SignatureHelpOptions(trigger_characters=["("], retrigger_characters=[":"]),
    ),
    Route(types.TEXT_DOCUMENT_FOLDING_RANGE, folding_range.handle, ANALYSED, default=list),
    Route(types.TEXT_DOCUMENT_SELECTION_RANGE, selection_range.handle, ANALYSED, default=list),
    Route(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL, document_symbol.handle, ANALYSED, default=list),
    # previews: evaluated over the runs on a worker thread
    Route(
        types.TEXT_DOCUMENT_CODE_LENS,
        code_lens.handle,
        WORKER,
        default=list,
        options=types.CodeLensOptions(resolve_provider=False),
        guard=code_lens.runs_ready,
    ),
    Route(
        types.TEXT_DOCUMENT_INLAY_HINT,
        inlay_hint.handle,
        WORKER,
        default=list,
        options=types.InlayHintOptions(resolve_provider=False),
        guard=code_lens.runs_ready,
    ),
    Route(PREVIEW_COMMAND, preview.handle, WORKER, default=preview.no_document, command=True, stale=False),
    Route(EXPLAIN_COMMAND, explain.handle, WORKER, default=explain.no_document, command=True, stale=False),
    Route(convert.COMMAND, convert.handle, WORKER, default=convert.no_document, command=True),
)
