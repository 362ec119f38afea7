"""Where queries stand: ``.nql`` files, standard input, Python string literals and notebook cells.

Every query found is a :class:`~nql_lsp.sources.query.QuerySource`: its text, and how its offsets and edits
land in the file. Finding embedded queries is exact or nothing: a query is taken only where the code says it
is one (the ``query=`` argument of a method that takes raw NQL, or a string marked with a ``# nql``
comment), and only when it is made of literals; every character maps back to the characters that wrote it.
This room reads text only: what a query means is the analysis's business.
"""
