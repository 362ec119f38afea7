"""Completion: the core's items as LSP items whose text edit replaces exactly the word being typed."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.completion import CompletionItem, complete
from nql_lsp.diagnostics import Edit
from nql_lsp.lsp.capabilities import ResolvedCapabilities, markup
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions

_KIND = {
    "field": types.CompletionItemKind.Field,
    "type": types.CompletionItemKind.TypeParameter,
    "operator": types.CompletionItemKind.Operator,
    "value": types.CompletionItemKind.Value,
    "aggregate": types.CompletionItemKind.Function,
    "keyword": types.CompletionItemKind.Keyword,
}
_PLACEHOLDER = re.compile(r"\$\{\d+:([^}]*)\}|\$\d+")


def plain(snippet: str) -> str:
    """A snippet as plain text, placeholders replaced by their default text, for clients without snippets."""
    return _PLACEHOLDER.sub(lambda m: m.group(1) or "", snippet)


def completion(
    documents: Documents, doc: Document, position: types.Position, pos: Positions, flags: ResolvedCapabilities
) -> types.CompletionList:
    offset = pos.offset(position)
    found = documents.snapshot_at(doc, offset)
    if found is None:
        return types.CompletionList(is_incomplete=False, items=[])
    snap, query_offset = found
    region = snap.region
    items: Sequence[CompletionItem] = complete(snap.analysis, query_offset, documents.schema_of(region))
    line = position.line
    line_start, line_end = doc.lines.line_start(line), doc.lines.line_end(line)
    embedded = region.source.in_code
    out = []
    for item in items:
        snippet = item.snippet and flags.snippets and not embedded  # a snippet's $ and braces are not escaped
        text = item.insert_text if snippet or not item.snippet else plain(item.insert_text)
        mapped = region.edits_to_file(Edit(item.start, item.end, text))
        if mapped is None or len(mapped) != 1:
            continue  # cannot be written into this string as one edit
        start, end, text = mapped[0].start, mapped[0].end, mapped[0].new_text
        if embedded and not start <= offset <= end:
            continue  # the word is across a literal's end from the cursor: widening would take in a quote
        # An edit must stay on the cursor's line and cover the cursor.
        start, end = max(start, line_start), max(min(end, line_end), offset)
        start = min(start, offset)
        out.append(_item(item, pos.range(start, end), text, snippet, flags))
    return types.CompletionList(is_incomplete=False, items=out)


def _item(
    item: CompletionItem, rng: types.Range, text: str, snippet: bool, flags: ResolvedCapabilities
) -> types.CompletionItem:
    return types.CompletionItem(
        label=item.label,
        kind=_KIND.get(item.kind),
        detail=item.detail or None,
        documentation=markup(item.documentation, flags.markdown_completion) if item.documentation else None,
        sort_text=item.sort_text,
        filter_text=item.filter_text,
        insert_text_format=types.InsertTextFormat.Snippet if snippet else types.InsertTextFormat.PlainText,
        text_edit=types.TextEdit(range=rng, new_text=text),
    )
