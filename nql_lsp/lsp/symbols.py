"""Document symbols from the outline: hierarchical, or flat for clients that cannot nest them."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from nql_lsp.features import outline
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions
from nql_lsp.lsp.regions import Region

_SYMBOL_KIND = {
    "field": types.SymbolKind.Field,
    "struct": types.SymbolKind.Struct,
    "operator": types.SymbolKind.Operator,
}


def document_symbols(
    documents: Documents, doc: Document, pos: Positions, flags: ResolvedCapabilities
) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
    symbols: list[types.DocumentSymbol] = []
    for snap in documents.snapshots(doc):
        found: Sequence[outline.Symbol] = outline.document_symbols(snap.analysis)
        symbols += [_symbol(s, snap.region, pos) for s in found]
    if flags.hierarchical_symbols:
        return symbols
    flat: list[types.SymbolInformation] = []

    def walk(items: Sequence[types.DocumentSymbol], container: str | None) -> None:
        for s in items:
            flat.append(
                types.SymbolInformation(
                    name=s.name,
                    kind=s.kind,
                    container_name=container,
                    location=types.Location(uri=doc.uri, range=s.range),
                )
            )
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
