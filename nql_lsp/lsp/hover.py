"""Hover: the core's Markdown explanation of the token under the cursor, with the token's range."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.features.hover import HoverInfo
from nql_lsp.features.hover import hover as core_hover
from nql_lsp.lsp.capabilities import ResolvedCapabilities, markup
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions


def hover(
    documents: Documents, doc: Document, position: types.Position, pos: Positions, flags: ResolvedCapabilities
) -> types.Hover | None:
    found = documents.snapshot_at(doc, pos.offset(position))
    if found is None:
        return None
    snap, offset = found
    info: HoverInfo | None = core_hover(snap.analysis, offset, documents.schema_of(snap.region))
    if info is None:
        return None
    return types.Hover(
        contents=markup(info.markdown, flags.markdown_hover),
        range=pos.range(*snap.region.range_to_file(info.start, info.end)),
    )
