"""Document and range formatting through the core printer; no edits while a query has syntax errors."""

from __future__ import annotations

from lsprotocol import types

from ..diagnostics import Edit
from ..formatting import format_query, format_range
from .documents import Document, Documents, Region
from .positions import Positions


def _minimal(old: str, new: str) -> tuple[int, int, str]:
    """The smallest replacement turning ``old`` into ``new``: the cursor outside it stays put."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return head, len(old) - tail, new[head:len(new) - tail]


def _file_edit(region: Region, edit: Edit, pos: Positions) -> types.TextEdit:
    encode = region.source.encode or (lambda s: s)
    return types.TextEdit(range=pos.range(region.to_file(edit.start), region.to_file(edit.end)),
                          new_text=encode(edit.new_text))


def query_edits(region: Region, line_width: int) -> list[Edit]:
    """Edits (query offsets) that format one whole query; empty when it is formatted or broken."""
    new = format_query(region.text, line_width)
    if new is None or new == region.text:
        return []
    start, end, text = _minimal(region.text, new)
    return [Edit(start, end, text)]


def format_document(documents: Documents, doc: Document, pos: Positions, line_width: int) -> list[types.TextEdit]:
    return [_file_edit(r, e, pos) for r in doc.regions for e in query_edits(r, line_width)]


def format_document_range(documents: Documents, doc: Document, rng: types.Range, pos: Positions,
                          line_width: int) -> list[types.TextEdit]:
    start, end = pos.span(rng)
    out = []
    for region in doc.regions:
        if region.file_end < start or end < region.file_start:
            continue
        qs, qe = region.from_file(start), region.from_file(end)
        out += [_file_edit(region, e, pos) for e in format_range(region.text, qs, qe, line_width)]
    return out
