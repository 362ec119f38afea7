"""Semantic tokens (full and range) in the negotiated encoding; split per line for clients that need it.

Deltas between two full results are in :mod:`token_deltas`.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.features import outline
from nql_lsp.features.tokens import TOKEN_MODIFIERS, TOKEN_TYPES
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions
from nql_lsp.syntax.text import LineIndex

_TYPE_INDEX = {name: i for i, name in enumerate(TOKEN_TYPES)}
_MOD_BIT = {name: 1 << i for i, name in enumerate(TOKEN_MODIFIERS)}


def semantic_tokens(
    documents: Documents, doc: Document, pos: Positions, flags: ResolvedCapabilities, rng: types.Range | None = None
) -> types.SemanticTokens:
    lo, hi = pos.span(rng) if rng is not None else (0, len(doc.text))
    pieces: list[tuple[int, int, int, int]] = []  # file start, file end, type, modifier bits
    for snap in documents.snapshots(doc):
        region = snap.region
        if region.file_end < lo or hi < region.file_start:
            continue
        holes = region.source.holes
        tokens: Sequence[outline.SemanticToken] = outline.semantic_tokens(snap.analysis)
        for tok in tokens:
            if holes and any(a < tok.end and tok.start < b for a, b in holes):
                continue  # a placeholder: the code there is not NQL
            start, end = region.range_to_file(tok.start, tok.end)
            if end < lo or hi < start or end <= start:
                continue
            mods = 0
            for m in tok.modifiers:
                mods |= _MOD_BIT.get(m, 0)
            pieces.append((start, end, _TYPE_INDEX[tok.type], mods))
    pieces.sort()
    data: list[int] = []
    last_line = last_char = 0
    lines = doc.lines
    for start, end, type_, mods in pieces:
        for s, e in _split_lines(lines, start, end, flags.multiline_tokens):
            line, char = lines.position(s, pos.encoding)
            length = pos.width(s, e)
            if length <= 0:
                continue
            delta_line = line - last_line
            data += [delta_line, char - last_char if delta_line == 0 else char, length, type_, mods]
            last_line, last_char = line, char
    return types.SemanticTokens(data=data)


def _split_lines(lines: LineIndex, start: int, end: int, multiline: bool) -> list[tuple[int, int]]:
    first, last = lines.line_of(start), lines.line_of(end)
    if first == last or multiline:
        return [(start, end)]
    out = [(start, lines.line_end(first))]
    out += [(lines.line_start(n), lines.line_end(n)) for n in range(first + 1, last)]
    out.append((lines.line_start(last), end))
    return out
