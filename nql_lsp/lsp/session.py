"""The session: the one home of the server's state.

Open documents (and the schema they are analysed against), the settings in force, the client's resolved
capabilities and position encoding, the runs previews are computed on, and the semantic tokens last sent.
Handlers read it on the event loop; what they hand to other threads is a :class:`DocumentSnapshot`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nql_lsp.lsp import python
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.documents import Documents
from nql_lsp.lsp.runs import RunsState
from nql_lsp.lsp.settings import Settings, SettingsStore, apply_log_level
from nql_lsp.lsp.snapshot import DocumentSnapshot
from nql_lsp.lsp.token_deltas import TokenResults

if TYPE_CHECKING:
    from nql_lsp.syntax.text import Encoding


class Session:
    __slots__ = ("capabilities", "documents", "encoding", "root_path", "runs", "settings", "startup_problems",
                 "tokens")  # fmt: skip

    def __init__(self) -> None:
        self.documents = Documents()
        self.settings = SettingsStore()
        self.capabilities = ResolvedCapabilities()
        self.encoding: Encoding = "utf-16"
        self.root_path: str | None = None
        self.runs = RunsState()
        self.tokens = TokenResults()
        #: Problems with the settings given at ``initialize``, shown once the client is ``initialized``.
        self.startup_problems: list[str] = []
        self.settings.subscribe(self._follow_python, at_start=True)
        self.settings.subscribe(apply_log_level, at_start=True)

    def initialize(
        self, capabilities: ResolvedCapabilities, options: Any, encoding: Encoding, root_path: str | None
    ) -> None:
        self.capabilities = capabilities
        self.encoding = encoding
        self.root_path = root_path
        self.startup_problems = self.settings.start(options)

    def _follow_python(self, before: Settings, after: Settings) -> None:
        python.configure(self.documents, after.python_enable)

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        """The open document ``uri`` as it is now, with the settings and capabilities in force."""
        doc = self.documents.get(uri)
        if doc is None:
            return None
        return DocumentSnapshot(
            uri=uri,
            version=doc.version,
            text=doc.text,
            kind=doc.kind,
            encoding=self.encoding,
            settings=self.settings.current,
            capabilities=self.capabilities,
            document=doc,
            documents=self.documents,
        )

    def is_current(self, snap: DocumentSnapshot) -> bool:
        """Whether the document is still open at the snapshot's version (an answer about it still holds)."""
        doc = self.documents.get(snap.uri)
        return doc is snap.document and doc.version == snap.version
