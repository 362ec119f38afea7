"""The tree-derived views: semantic tokens, folding, selection ranges, symbols and signature help."""

from __future__ import annotations

from lsprotocol import types

from .. import outline
from ..token_legend import TOKEN_MODIFIERS, TOKEN_TYPES
from .client import ClientFlags
from .documents import Document, Documents, Region
from .positions import Positions

_TYPE_INDEX = {name: i for i, name in enumerate(TOKEN_TYPES)}
_MOD_BIT = {name: 1 << i for i, name in enumerate(TOKEN_MODIFIERS)}
_SYMBOL_KIND = {
    "field": types.SymbolKind.Field,
    "struct": types.SymbolKind.Struct,
    "operator": types.SymbolKind.Operator,
}


# --- semantic tokens -----------------------------------------------------------------------------

def semantic_tokens(documents: Documents, doc: Document, pos: Positions, flags: ClientFlags,
                    rng: types.Range | None = None) -> types.SemanticTokens:
    lo, hi = pos.span(rng) if rng is not None else (0, len(doc.text))
    pieces: list[tuple[int, int, int, int]] = []  # file start, file end, type, modifier bits
    for snap in documents.snapshots(doc):
        region = snap.region
        if region.file_end < lo or hi < region.file_start:
            continue
        for tok in outline.semantic_tokens(snap.analysis):
            start, end = region.to_file(tok.start), region.to_file(tok.end)
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


def _split_lines(lines, start: int, end: int, multiline: bool) -> list[tuple[int, int]]:
    first, last = lines.line_of(start), lines.line_of(end)
    if first == last or multiline:
        return [(start, end)]
    out = [(start, lines.line_end(first))]
    out += [(lines.line_start(n), lines.line_end(n)) for n in range(first + 1, last)]
    out.append((lines.line_start(last), end))
    return out


# --- folding, selection, symbols -----------------------------------------------------------------

def folding_ranges(documents: Documents, doc: Document, pos: Positions) -> list[types.FoldingRange]:
    out = []
    lines = doc.lines
    for snap in documents.snapshots(doc):
        region = snap.region
        for start, end in outline.folding_ranges(snap.analysis):
            first, last = lines.line_of(region.to_file(start)), lines.line_of(region.to_file(end))
            if last > first:
                out.append(types.FoldingRange(start_line=first, end_line=last,
                                              kind=types.FoldingRangeKind.Region))
    return out


def selection_ranges(documents: Documents, doc: Document, positions: list[types.Position],
                     pos: Positions) -> list[types.SelectionRange]:
    out = []
    for position in positions:
        offset = pos.offset(position)
        found = documents.snapshot_at(doc, offset)
        chain: list[tuple[int, int]] = []
        if found is not None:
            snap, q = found
            region = snap.region
            chain = [(region.to_file(s), region.to_file(e)) for s, e in outline.selection_ranges(snap.analysis, q)]
        if (0, len(doc.text)) not in chain:
            chain.append((0, len(doc.text)))
        parent: types.SelectionRange | None = None
        for start, end in reversed(chain):
            parent = types.SelectionRange(range=pos.range(start, end), parent=parent)
        if parent is None:
            parent = types.SelectionRange(range=pos.range(offset, offset))
        out.append(parent)
    return out


def document_symbols(documents: Documents, doc: Document, pos: Positions,
                     flags: ClientFlags) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
    symbols: list[types.DocumentSymbol] = []
    for snap in documents.snapshots(doc):
        symbols += [_symbol(s, snap.region, pos) for s in outline.document_symbols(snap.analysis)]
    if flags.hierarchical_symbols:
        return symbols
    flat: list[types.SymbolInformation] = []

    def walk(items: list[types.DocumentSymbol], container: str | None) -> None:
        for s in items:
            flat.append(types.SymbolInformation(name=s.name, kind=s.kind, container_name=container,
                                                location=types.Location(uri=doc.uri, range=s.range)))
            walk(s.children or [], s.name)

    walk(symbols, None)
    return flat


def _symbol(sym: outline.Symbol, region: Region, pos: Positions) -> types.DocumentSymbol:
    at = region.to_file
    return types.DocumentSymbol(
        name=sym.name or "?",
        detail=sym.detail,
        kind=_SYMBOL_KIND.get(sym.kind, types.SymbolKind.Object),
        range=pos.range(at(sym.start), at(sym.end)),
        selection_range=pos.range(at(sym.selection_start), at(sym.selection_end)),
        children=[_symbol(c, region, pos) for c in sym.children] or None,
    )


# --- signature help ------------------------------------------------------------------------------

def signature_help(documents: Documents, doc: Document, position: types.Position, pos: Positions,
                   flags: ClientFlags) -> types.SignatureHelp | None:
    found = documents.snapshot_at(doc, pos.offset(position))
    if found is None:
        return None
    snap, offset = found
    info = outline.signature_help(snap.analysis, offset)
    if info is None:
        return None
    kind = types.MarkupKind.Markdown if flags.markdown_hover else types.MarkupKind.PlainText
    params = [types.ParameterInformation(label=(_utf16(info.label, s), _utf16(info.label, e)))
              for s, e in info.parameters]
    sig = types.SignatureInformation(label=info.label, documentation=types.MarkupContent(kind=kind,
                                                                                          value=info.documentation),
                                     parameters=params, active_parameter=info.active_parameter)
    return types.SignatureHelp(signatures=[sig], active_signature=0, active_parameter=info.active_parameter)


def _utf16(label: str, offset: int) -> int:
    """Parameter offsets in a signature label are UTF-16 code units whatever the position encoding."""
    return len(label[:offset].encode("utf-16-le")) // 2
