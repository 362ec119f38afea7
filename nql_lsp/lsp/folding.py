"""Folding ranges: every group and ``NOT (…)`` that spans lines."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.features import outline
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions


def folding_ranges(documents: Documents, doc: Document, pos: Positions) -> list[types.FoldingRange]:
    out = []
    lines = doc.lines
    for snap in documents.snapshots(doc):
        region = snap.region
        spans: Sequence[tuple[int, int]] = outline.folding_ranges(snap.analysis)
        for start, end in spans:
            first, last = lines.line_of(region.to_file(start)), lines.line_of(region.to_file(end))
            if last > first:
                out.append(types.FoldingRange(start_line=first, end_line=last, kind=types.FoldingRangeKind.Region))
    return out
