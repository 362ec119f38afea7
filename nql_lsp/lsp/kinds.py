"""Kinds of document the server serves, and where each kind's queries are.

A ``.nql`` file is one query over the whole text; other kinds (queries embedded in Python strings) give a
function that returns their :class:`~nql_lsp.sources.files.QuerySource` regions. The kinds are held by
each :class:`DocumentKinds` (one per session), never in a module-level registry, so two servers (or two
tests) in one process cannot see each other's kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlparse

if TYPE_CHECKING:
    from nql_lsp.sources.query import QuerySource

#: How to find the queries in a document: (path, text) -> regions, as in :data:`nql_lsp.sources.files.EXTRACTORS`.
RegionFinder = Callable[[str, str], "list[QuerySource]"]


def _whole_text(path: str, text: str) -> list[QuerySource]:
    from nql_lsp.sources.query import PlainQuery

    return [PlainQuery(text)]


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """A kind of document the server serves: its LSP language id, file suffixes, and its query regions."""

    language_id: str
    suffixes: tuple[str, ...]
    regions: RegionFinder


NQL = DocumentKind("nql", (".nql",), _whole_text)


class DocumentKinds:
    """The kinds one session serves, by language id; a later kind of the same id replaces the earlier."""

    __slots__ = ("_by_id",)

    def __init__(self, kinds: Iterable[DocumentKind] = (NQL,)) -> None:
        self._by_id = {kind.language_id: kind for kind in kinds}

    def register(self, kind: DocumentKind) -> None:
        self._by_id[kind.language_id] = kind

    def get(self, language_id: str) -> DocumentKind | None:
        return self._by_id.get(language_id)

    def for_document(self, language_id: str | None, uri: str) -> DocumentKind | None:
        """The kind for an opened document: by language id first, else by the URI's suffix, else by the
        suffixes the command-line checker reads (:data:`nql_lsp.sources.files.EXTRACTORS`)."""
        if language_id and language_id in self._by_id:
            return self._by_id[language_id]
        path = uri_path(uri)
        for kind in self._by_id.values():
            if any(path.endswith(s) for s in kind.suffixes):
                return kind
        from nql_lsp.sources.files import EXTRACTORS

        suffix = path[path.rfind(".") :] if "." in path.rsplit("/", 1)[-1] else ""
        if suffix in EXTRACTORS:
            return DocumentKind(language_id or suffix.lstrip("."), (suffix,), EXTRACTORS[suffix])
        return None


def uri_path(uri: str) -> str:
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme in ("file", "") else uri
