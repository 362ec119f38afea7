"""The LSP layer: the session and its scheduling, one handler module per request, one module per feature.

Only this package and :mod:`nql_lsp.server` import pygls or lsprotocol. State lives in :mod:`.session`;
handlers (:mod:`.handlers`) read an immutable :mod:`.snapshot` of one document; feature modules take the
document's analyses (:mod:`.documents`) and position conversions (:mod:`.positions`) and turn the core's
code-point offsets into LSP ranges in the negotiated encoding.
"""
