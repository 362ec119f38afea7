"""Signature help inside an aggregate's parentheses."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.features import outline
from nql_lsp.lsp.capabilities import ResolvedCapabilities, markup
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.positions import Positions


def signature_help(
    documents: Documents, doc: Document, position: types.Position, pos: Positions, flags: ResolvedCapabilities
) -> types.SignatureHelp | None:
    found = documents.snapshot_at(doc, pos.offset(position))
    if found is None:
        return None
    snap, offset = found
    info: outline.SignatureInfo | None = outline.signature_help(snap.analysis, offset)
    if info is None:
        return None
    params = [
        types.ParameterInformation(label=(_utf16(info.label, s), _utf16(info.label, e))) for s, e in info.parameters
    ]
    sig = types.SignatureInformation(
        label=info.label,
        documentation=markup(info.documentation, flags.markdown_hover),
        parameters=params,
        active_parameter=info.active_parameter,
    )
    return types.SignatureHelp(signatures=[sig], active_signature=0, active_parameter=info.active_parameter)


def _utf16(label: str, offset: int) -> int:
    """Parameter offsets in a signature label are UTF-16 code units whatever the position encoding."""
    return len(label[:offset].encode("utf-16-le", "surrogatepass")) // 2
