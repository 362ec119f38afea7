"""Python documents: the server attaches to ``python`` files and serves the NQL inside their strings.

The queries are found by the core (:mod:`nql_lsp.sources.python`); this module only makes ``python`` a
document kind of the server and follows the ``nql.python.enable`` setting. Every feature then works on
the query strings through the region model: positions map through escapes and concatenation, edits are
written for the literal they land in, and nothing outside a string is ever edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nql_lsp.lsp.kinds import DocumentKind

if TYPE_CHECKING:
    from nql_lsp.lsp.documents import Documents
    from nql_lsp.sources.query import QuerySource

LANGUAGE_ID = "python"
SUFFIXES = (".py", ".pyi")


def _queries(path: str, text: str) -> list[QuerySource]:
    from nql_lsp.sources.python import find_queries_tolerant

    # While a line is being typed the file is often not valid Python: the other lines' queries stay served.
    return find_queries_tolerant(text)


def _nothing(path: str, text: str) -> list[QuerySource]:
    return []


ENABLED = DocumentKind(LANGUAGE_ID, SUFFIXES, _queries)
#: With ``nql.python.enable`` off, Python documents are still claimed (so the by-suffix fallback does not
#: serve them anyway) but hold no queries: no diagnostics, no features.
DISABLED = DocumentKind(LANGUAGE_ID, SUFFIXES, _nothing)


def configure(documents: Documents, enable: bool) -> None:
    """Follow the setting, for Python documents opened later and those already open (their queries are
    found again; the server republishes every document's diagnostics when a setting changes)."""
    documents.serve_kind(ENABLED if enable else DISABLED)
