"""Document and range formatting through the core (:mod:`nql_lsp.features.edits`), as LSP text edits.

No edits while a query has syntax errors; a query in code is changed only inside its literals.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.diagnostics import Edit
from nql_lsp.features.edits import file_edits, fine_edits, query_edits, width_for
from nql_lsp.features.printer import format_range
from nql_lsp.lsp.documents import Document
from nql_lsp.lsp.positions import Positions


def _file_edit(e: Edit, pos: Positions) -> types.TextEdit:
    return types.TextEdit(range=pos.range(e.start, e.end), new_text=e.new_text)


def format_document(doc: Document, pos: Positions, line_width: int) -> list[types.TextEdit]:
    return [_file_edit(e, pos) for r in doc.regions for e in file_edits(r.source, query_edits(r.source, line_width))]


def format_document_range(doc: Document, rng: types.Range, pos: Positions, line_width: int) -> list[types.TextEdit]:
    start, end = pos.span(rng)
    out = []
    for region in doc.regions:
        if region.file_end < start or end < region.file_start:
            continue
        qs, qe = region.from_file(start), region.from_file(end)
        edits: Sequence[Edit] = format_range(region.text, qs, qe, width_for(region.source, line_width))
        if region.source.in_code:
            edits = [f for e in edits for f in fine_edits(region.text[e.start : e.end], e.new_text, e.start)]
        out += [_file_edit(e, pos) for e in file_edits(region.source, list(edits))]
    return out
