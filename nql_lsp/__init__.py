"""nql-lsp: checker, language server and evaluator for the Neptune Query Language (NQL).

The package reads from text to surfaces:

- ``text``         offsets and positions (code points, UTF-16, rows and columns)
- ``grammar.lark``, ``parser``, ``syntax``   text to an error-tolerant syntax tree
- ``catalog``, ``values``, ``schema``        what NQL is: types, operators, aggregates, value formats, fields
- ``checker``, ``diagnostics``, ``analysis`` the tree checked against the catalog and a schema
- features such as completion, hover, formatting and evaluation, each a pure function of an analysis
- ``sources``, ``reporting``, ``cli``, ``server``   the surfaces: files, output formats, CLI and LSP

Only ``server`` imports pygls or lsprotocol; everything else is plain Python shared by CLI and server.
"""

__version__ = "0.1.0"
