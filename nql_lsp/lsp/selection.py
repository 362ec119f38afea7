"""Selection ranges: token, clause part, clause, groups, query — innermost first."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.features import outline
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions

#: The most ranges one position's chain holds: the innermost ones, then the whole document. A query
#: nested thousands of levels deep (``NOT NOT …``) would otherwise answer a chain of ``parent`` links
#: that deep, which the JSON-RPC layer cannot serialise (it recurses once per link).
MAX_DEPTH = outline.SELECTION_DEPTH + 1  # the query's ranges, and the document around a query region


def selection_ranges(
    documents: Documents, doc: Document, positions: Sequence[types.Position], pos: Positions
) -> list[types.SelectionRange]:
    out = []
    for position in positions:
        offset = pos.offset(position)
        found = documents.snapshot_at(doc, offset)
        chain: list[tuple[int, int]] = []
        if found is not None:
            snap, q = found
            region = snap.region
            spans: Sequence[tuple[int, int]] = outline.selection_ranges(snap.analysis, q)
            chain = [(region.to_file(s), region.to_file(e)) for s, e in spans]
        if (0, len(doc.text)) not in chain:
            chain.append((0, len(doc.text)))
        if len(chain) > MAX_DEPTH:
            chain = [*chain[: MAX_DEPTH - 1], chain[-1]]
        parent: types.SelectionRange | None = None
        for start, end in reversed(chain):
            parent = types.SelectionRange(range=pos.range(start, end), parent=parent)
        if parent is None:
            parent = types.SelectionRange(range=pos.range(offset, offset))
        out.append(parent)
    return out
