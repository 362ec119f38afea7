"""Code actions: a quick fix for every fix the checker offers, "fix all" and "format query" source actions, and
in Python files the conversions between NQL strings and neptune-query ``Filter`` expressions."""

from __future__ import annotations

from collections.abc import Mapping

from lsprotocol import types

from nql_lsp.diagnostics import Diagnostic, Edit
from nql_lsp.features.convert.actions import Rewrite, filters_to_nql, query_to_filter
from nql_lsp.features.edits import file_edits, query_edits
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.diagnostics import file_diagnostics, severity_of, to_lsp
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions

FIX_ALL = "source.fixAll.nql"
FORMAT = "source.format.nql"
REWRITE = types.CodeActionKind.RefactorRewrite
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL, FORMAT, REWRITE]


def _wanted(kind: str, only: list[str] | None) -> bool:
    """LSP kinds are hierarchical: asking for ``source`` includes ``source.fixAll.nql``."""
    return not only or any(kind == o or kind.startswith(o + ".") for o in only)


def _edit(doc: Document, edits: list[Edit], pos: Positions, flags: ResolvedCapabilities) -> types.WorkspaceEdit:
    text_edits = [types.TextEdit(range=pos.range(e.start, e.end), new_text=e.new_text) for e in edits]
    if flags.document_changes:
        ident = types.OptionalVersionedTextDocumentIdentifier(uri=doc.uri, version=doc.version)
        return types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident, edits=text_edits)])
    return types.WorkspaceEdit(changes={doc.uri: text_edits})


def code_actions(
    documents: Documents,
    doc: Document,
    params: types.CodeActionParams,
    pos: Positions,
    overrides: Mapping[str, str],
    line_width: int,
    flags: ResolvedCapabilities,
) -> list[types.CodeAction]:
    only = [str(k.value if hasattr(k, "value") else k) for k in params.context.only or []] or None
    start, end = pos.span(params.range)
    diagnostics = [d for d in file_diagnostics(documents, doc) if severity_of(d, overrides) != "off"]
    out: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix.value, only):
        for d in diagnostics:
            if not d.fixes or d.end < start or end < d.start:
                continue
            lsp = to_lsp(d, severity_of(d, overrides), doc, pos, flags)
            for fix in d.fixes:
                out.append(
                    types.CodeAction(
                        title=fix.message,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[lsp],
                        is_preferred=len(d.fixes) == 1,
                        edit=_edit(doc, list(fix.edits), pos, flags),
                    )
                )
    if _wanted(FIX_ALL, only):
        edits = _fix_all(diagnostics)
        if edits:
            out.append(
                types.CodeAction(
                    title="Fix all auto-fixable NQL problems", kind=FIX_ALL, edit=_edit(doc, edits, pos, flags)
                )
            )
    if _wanted(FORMAT, only):
        edits = []
        for snap in documents.snapshots(doc):
            edits += file_edits(snap.region.source, query_edits(snap.region.source, line_width))
        if edits:
            out.append(types.CodeAction(title="Format query", kind=FORMAT, edit=_edit(doc, edits, pos, flags)))
    if _wanted(REWRITE.value, only):
        out += [_rewrite(r, doc, pos, flags) for r in conversions(doc, start, end)]
    return out


def conversions(doc: Document, start: int, end: int) -> list[Rewrite]:
    """In code: the query at the range as a ``Filter`` expression, and the ``Filter`` expressions there as NQL."""
    out: list[Rewrite] = []
    for region in doc.regions:
        span = region.source.code_span
        if span is not None and span[0] <= end and start <= span[1]:
            rewrite = query_to_filter(doc.text, region.source)
            if rewrite is not None:
                out.append(rewrite)
    if doc.kind.language_id == "python":
        out += filters_to_nql(doc.text, start, end)
    return out


def _rewrite(rewrite: Rewrite, doc: Document, pos: Positions, flags: ResolvedCapabilities) -> types.CodeAction:
    return types.CodeAction(title=rewrite.title, kind=REWRITE, edit=_edit(doc, list(rewrite.edits), pos, flags))


def _fix_all(diagnostics: list[Diagnostic]) -> list[Edit]:
    """The one fix of each diagnostic that has exactly one, skipping any that overlaps one already taken."""
    taken: list[Edit] = []
    for d in diagnostics:
        if len(d.fixes) != 1:
            continue
        edits = list(d.fixes[0].edits)
        if any(
            (e.start < t.end and t.start < e.end) or (e.start == t.start == e.end == t.end)
            for e in edits
            for t in taken
        ):
            continue
        taken += edits
    return sorted(taken, key=lambda e: (e.start, e.end))
