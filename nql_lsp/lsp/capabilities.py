"""What the client can take, resolved once from its capabilities at ``initialize`` into typed flags.

Features read these flags, never the raw capability tree: a path that is missing, ``None`` or false all
mean the same thing here, so no feature has to walk optional attributes of its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lsprotocol import types


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        if obj is None:
            return None
        obj = getattr(obj, part, None)
    return obj


def markup(value: str, markdown: bool) -> types.MarkupContent:
    """The core writes Markdown; a client that cannot render it is sent the same text as plain text."""
    return types.MarkupContent(kind=types.MarkupKind.Markdown if markdown else types.MarkupKind.PlainText, value=value)


@dataclass(frozen=True, slots=True)
class ResolvedCapabilities:
    pull_diagnostics: bool = False
    diagnostic_refresh: bool = False
    related_information: bool = True
    code_description: bool = True
    snippets: bool = False
    markdown_completion: bool = True
    markdown_hover: bool = True
    hierarchical_symbols: bool = False
    multiline_tokens: bool = False
    line_folding_only: bool = False
    document_changes: bool = False
    configuration: bool = False
    work_done_progress: bool = False
    code_lens_refresh: bool = False
    inlay_hint_refresh: bool = False

    @classmethod
    def of(cls, caps: types.ClientCapabilities | None) -> ResolvedCapabilities:
        def has(path: str) -> bool:
            return bool(_get(caps, path))

        def markdown(path: str) -> bool:
            formats = _get(caps, path)
            return formats is None or types.MarkupKind.Markdown in formats

        pulls = _get(caps, "text_document.diagnostic") is not None
        return cls(
            pull_diagnostics=pulls,
            diagnostic_refresh=has("workspace.diagnostics.refresh_support"),
            related_information=has("text_document.publish_diagnostics.related_information") or pulls,
            code_description=has("text_document.publish_diagnostics.code_description_support") or pulls,
            snippets=has("text_document.completion.completion_item.snippet_support"),
            markdown_completion=markdown("text_document.completion.completion_item.documentation_format"),
            markdown_hover=markdown("text_document.hover.content_format"),
            hierarchical_symbols=has("text_document.document_symbol.hierarchical_document_symbol_support"),
            multiline_tokens=has("text_document.semantic_tokens.multiline_token_support"),
            line_folding_only=has("text_document.folding_range.line_folding_only"),
            document_changes=has("workspace.workspace_edit.document_changes"),
            configuration=has("workspace.configuration"),
            work_done_progress=has("window.work_done_progress"),
            code_lens_refresh=has("workspace.code_lens.refresh_support"),
            inlay_hint_refresh=has("workspace.inlay_hint.refresh_support"),
        )
