"""Diagnostics for LSP: the core's diagnostics in file positions, with the user's severity overrides."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from lsprotocol import types

from nql_lsp.diagnostics import Diagnostic, Tag, rule_url
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions
from nql_lsp.lsp.regions import Region
from nql_lsp.sources.query import map_diagnostic

_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "information": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}
_TAGS = {Tag.DEPRECATED: types.DiagnosticTag.Deprecated, Tag.UNNECESSARY: types.DiagnosticTag.Unnecessary}


def file_diagnostics(
    documents: Documents, doc: Document, found: list[tuple[Region, list[Diagnostic]]] | None = None
) -> list[Diagnostic]:
    """Every diagnostic of the document in file offsets (fixes' text encoded for the file)."""
    out: list[Diagnostic] = []
    for region, diagnostics in found if found is not None else documents.diagnostics(doc):
        source = region.source
        for d in diagnostics:
            out.append(map_diagnostic(source, d))
    return out


def severity_of(d: Diagnostic, overrides: Mapping[str, str]) -> str:
    """``error``/``warning``/``information``/``hint``, or ``off`` when the user turned the code off."""
    return overrides.get(d.code, d.severity.value)


@cache
def _described(code: str) -> types.CodeDescription:
    """A code's documentation link, made once per code: a document may hold a thousand of one code."""
    return types.CodeDescription(href=rule_url(code))


@cache
def _tags(code: str, tags: frozenset[Tag]) -> list[types.DiagnosticTag] | None:
    return [_TAGS[t] for t in sorted(tags)] or None


def to_lsp(d: Diagnostic, level: str, doc: Document, pos: Positions, flags: ResolvedCapabilities) -> types.Diagnostic:
    related = None
    if d.related and flags.related_information:
        related = [
            types.DiagnosticRelatedInformation(
                location=types.Location(uri=doc.uri, range=pos.range(r.start, r.end)), message=r.message
            )
            for r in d.related
        ]
    return types.Diagnostic(
        range=pos.range(d.start, d.end),
        severity=_SEVERITY[level],
        code=d.code,
        code_description=_described(d.code) if flags.code_description else None,
        source="nql",
        message=d.message,
        related_information=related,
        tags=_tags(d.code, d.rule.tags),
    )


#: What an LSP diagnostic is made from, when it has no related ranges: code, message, severity, and the
#: (line, character) of its ends.
SentKey = tuple[str, str, str, tuple[int, int], tuple[int, int]]


def lsp_diagnostics(
    documents: Documents,
    doc: Document,
    pos: Positions,
    overrides: Mapping[str, str],
    flags: ResolvedCapabilities,
    found: list[tuple[Region, list[Diagnostic]]] | None = None,
    sent: dict[SentKey, types.Diagnostic] | None = None,
) -> list[types.Diagnostic]:
    """The document's diagnostics for the client. ``sent``, those last sent for it by what made them, is
    read and replaced: a diagnostic made of the same code, message, severity and positions is sent again
    as it was rather than rebuilt (a query naming a thousand fields no run has re-sends a thousand warnings
    on each keystroke, each an object tree the protocol library validates as it builds it)."""
    out = []
    kept: dict[SentKey, types.Diagnostic] = {}
    for d in file_diagnostics(documents, doc, found):
        level = severity_of(d, overrides)
        if level == "off":
            continue
        if sent is None or d.related:
            out.append(to_lsp(d, level, doc, pos, flags))
            continue
        lines, encoding = pos.lines, pos.encoding
        key = (d.code, d.message, level, lines.position(d.start, encoding), lines.position(d.end, encoding))
        made = sent.get(key) or kept.get(key)
        if made is None:
            made = to_lsp(d, level, doc, pos, flags)
        kept[key] = made
        out.append(made)
    if sent is not None:
        sent.clear()
        sent.update(kept)
    return out
