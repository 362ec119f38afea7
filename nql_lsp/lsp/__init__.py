"""The LSP layer: one small module per feature, each translating between LSP and the core.

Only this package and :mod:`nql_lsp.server` import pygls or lsprotocol. Feature modules take the
document's analysis snapshot (:mod:`.documents`) and position conversions (:mod:`.positions`) and turn
the core's code-point offsets into LSP ranges in the negotiated encoding.
"""
