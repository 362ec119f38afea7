"""The semantic-token legend, on its own so the server can announce it without importing the parser.

The legend is part of the server's answer to ``initialize``; keeping it in a module with no imports keeps
that answer as fast as a bare server's.
"""

#: Semantic token types, in legend order (standard LSP names).
TOKEN_TYPES: list[str] = [
    "keyword",
    "operator",
    "property",
    "type",
    "function",
    "string",
    "number",
    "regexp",
    "enumMember",
]
#: Semantic token modifiers, in legend order: ``defaultLibrary`` marks `sys/` fields and valid
#: aggregates, ``deprecated`` accepted-but-discouraged spellings (``==``, ``integer``, single quotes).
TOKEN_MODIFIERS: list[str] = ["defaultLibrary", "deprecated"]
