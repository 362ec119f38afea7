"""Queries embedded in other languages: NQL inside Python string literals and Jupyter notebooks.

Finding is exact or nothing: a query is taken only where the code says it is one (the ``query=`` argument
of a method that takes raw NQL, or a string marked with a ``# nql`` comment), and only when it is made
of literals; every character of the query maps back to the characters of the file that wrote it.
"""

from __future__ import annotations

from nql_lsp.sources.notebook import extract_notebook
from nql_lsp.sources.python import QUERY_METHODS, extract_python

__all__ = ["QUERY_METHODS", "extract_notebook", "extract_python"]
