"""``nql-lsp explore``: a local web page over a runs source, with the NQL editor, the runs table and charts.

The page is static (built from ``explorer/`` into ``static/``); this room serves it on loopback, answers its
JSON requests from the same core API the CLI uses, and bridges its editor to a child ``nql-lsp`` language
server over a WebSocket, so the editor's diagnostics, completion and hover are the server's own.
"""
