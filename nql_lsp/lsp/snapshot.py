"""An immutable view of one open document at one version, with everything a request needs to answer.

A handler is given a snapshot, not the session: the text, version, kind, position encoding, settings and
client capabilities are those in force when the request arrived, whatever changes while it waits for
its analysis. Whether the answer is still worth sending is :meth:`Session.is_current`'s to say.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from nql_lsp.lsp.positions import Positions

if TYPE_CHECKING:
    from nql_lsp.lsp.capabilities import ResolvedCapabilities
    from nql_lsp.lsp.documents import Document, Documents
    from nql_lsp.lsp.kinds import DocumentKind
    from nql_lsp.lsp.settings import Settings
    from nql_lsp.syntax.text import Encoding, LineIndex


@dataclass(frozen=True, slots=True)
class DocumentSnapshot:
    """The document as it was when a request arrived.

    ``document`` and ``documents`` are how features reach the cached analyses (keyed by text, so they
    describe ``text`` for as long as :meth:`Session.is_current` holds).
    """

    uri: str
    version: int | None
    text: str
    kind: DocumentKind
    encoding: Encoding
    settings: Settings
    capabilities: ResolvedCapabilities
    document: Document
    documents: Documents

    def lines(self) -> LineIndex:
        """The line index of this text: the document's own while it holds this text, else a new one."""
        if self.document.text is self.text:
            return self.document.lines
        from nql_lsp.syntax.text import LineIndex

        return LineIndex(self.text)

    @property
    def positions(self) -> Positions:
        """Offsets <-> LSP positions in the negotiated encoding; the line index is built only if used."""
        return Positions(self.lines, self.encoding)
