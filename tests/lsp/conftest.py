"""End-to-end tests: a real ``nql-lsp`` subprocess driven by pytest-lsp, once per client preset.

VS Code's preset takes pushed diagnostics and UTF-16 positions; Neovim 0.11's pulls diagnostics and
negotiates UTF-8 positions, so every test runs through both paths. One server per module and preset keeps
the suite fast; tests open their own documents.

Tests wait for what the server sends (a publish, a message, a refresh), never for a length of time: the
client below records each of those and wakes whoever waits on it.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Sequence
from typing import Any, cast

import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from nql_lsp.syntax.text import Encoding

from .waking import Waking

CLIENTS = ["visual-studio-code", "neovim"]
#: For a test about one way of getting diagnostics: ``@pytest.mark.parametrize("client", PUSHING, indirect=True)``.
PUSHING = ["visual-studio-code"]
PULLING = ["neovim"]
INIT_OPTIONS = {"nql": {"lineWidth": 60}}
SERVER = [sys.executable, "-m", "nql_lsp"]
_names = itertools.count()


class NqlClient(LanguageClient, Waking):
    """pytest-lsp's client, also recording every publish (with its version) and every refresh asked for."""

    until_timeout = 20.0

    def __init__(self) -> None:
        LanguageClient.__init__(self, converter_factory=default_converter)
        Waking.__init__(self)
        self.publishes: list[types.PublishDiagnosticsParams] = []
        #: ``workspace/codeLens/refresh`` and ``workspace/inlayHint/refresh``: the runs were (re)loaded.
        self.preview_refreshes = 0

    @classmethod
    def create(cls) -> NqlClient:
        client = cls()

        def publish(ls: NqlClient, params: types.PublishDiagnosticsParams) -> None:
            ls.diagnostics[params.uri] = params.diagnostics
            ls.publishes.append(params)
            ls.wake()

        def show(ls: NqlClient, params: types.ShowMessageParams) -> None:
            ls.messages.append(params)
            ls.wake()

        def diagnostic_refresh(ls: NqlClient, params: None) -> None:
            ls.diagnostic_refresh_count += 1
            ls.wake()

        def preview_refresh(ls: NqlClient, params: None) -> None:
            ls.preview_refreshes += 1
            ls.wake()

        register_lsp_features(
            client,
            {
                **DEFAULT_CLIENT_FEATURES,
                types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: publish,
                types.WINDOW_SHOW_MESSAGE: show,
                types.WORKSPACE_DIAGNOSTIC_REFRESH: diagnostic_refresh,
                types.WORKSPACE_CODE_LENS_REFRESH: preview_refresh,
                types.WORKSPACE_INLAY_HINT_REFRESH: preview_refresh,
            },
        )
        return client

    def published_version(self, uri: str) -> int | None:
        return next((p.version for p in reversed(self.publishes) if p.uri == uri), None)


def capabilities(preset: str) -> types.ClientCapabilities:
    """The preset's capabilities; a pulling client also takes ``workspace/diagnostic/refresh`` (as Neovim
    does from 0.10), so a test can wait for the server to say its diagnostics changed."""
    caps = client_capabilities(preset)
    if caps.text_document is not None and caps.text_document.diagnostic is not None:
        workspace = caps.workspace or types.WorkspaceClientCapabilities()
        workspace.diagnostics = types.DiagnosticWorkspaceClientCapabilities(refresh_support=True)
        caps.workspace = workspace
    return caps


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]  # pytest-lsp's fixture decorator is not typed
    config=ClientServerConfig(server_command=SERVER, client_factory=NqlClient.create), params=CLIENTS, scope="module"
)
async def client(request, lsp_client: NqlClient):
    params = types.InitializeParams(capabilities=capabilities(request.param), initialization_options=INIT_OPTIONS)
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def encoding(client: LanguageClient) -> Encoding:
    """The encoding the server must have chosen: the client's first offer (pygls supports all three)."""
    general = client.capabilities.general if client.capabilities else None
    offers = general.position_encodings if general and general.position_encodings else ["utf-16"]
    first = str(getattr(offers[0], "value", offers[0]))
    assert first in ("utf-8", "utf-16", "utf-32"), first
    return cast("Encoding", first)


def pulls(client: LanguageClient) -> bool:
    caps = client.capabilities
    return caps is not None and caps.text_document is not None and caps.text_document.diagnostic is not None


def new_uri(suffix: str = ".nql") -> str:
    return f"file:///work/queries/q{next(_names)}{suffix}"


def open_doc(
    client: LanguageClient, text: str, uri: str | None = None, language_id: str = "nql", version: int = 1
) -> str:
    uri = uri or new_uri()
    client.diagnostics.pop(uri, None)
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id=language_id, version=version, text=text)
        )
    )
    return uri


def change(client: LanguageClient, uri: str, version: int, text: str, rng: types.Range | None = None) -> None:
    client.diagnostics.pop(uri, None)
    event: types.TextDocumentContentChangeEvent = (
        types.TextDocumentContentChangeWholeDocument(text=text)
        if rng is None
        else types.TextDocumentContentChangePartial(range=rng, text=text)
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version), content_changes=[event]
        )
    )


async def diagnostics(
    client: NqlClient, uri: str, version: int | None = None, timeout: float = 20.0
) -> list[types.Diagnostic]:
    """The document's diagnostics, pulled or waited for (those of ``version``, when given) as the client
    would get them."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), report
        return list(report.items)

    def found() -> tuple[Sequence[types.Diagnostic]] | None:  # in a tuple: an empty list is an answer too
        if uri not in client.diagnostics or (version is not None and client.published_version(uri) != version):
            return None
        return (client.diagnostics[uri],)

    [held] = await client.until(found, timeout)
    return list(held)


async def reconfigured(
    client: NqlClient,
    uri: str,
    send: Callable[[], None],
    ok: Callable[[list[types.Diagnostic]], Any] = lambda _: True,
    timeout: float = 20.0,
) -> list[types.Diagnostic]:
    """The document's diagnostics once the settings change ``send()`` makes has reached them.

    A pulling client is told by ``workspace/diagnostic/refresh`` (then pulls); a pushing one gets a
    publish, the first after the change whose diagnostics ``ok`` accepts (one scheduled before the
    change may still land after it).
    """
    published, refreshed = len(client.publishes), client.diagnostic_refresh_count
    send()
    if pulls(client):
        await client.until(lambda: client.diagnostic_refresh_count > refreshed, timeout)
        return await diagnostics(client, uri)
    params = await client.until(
        lambda: next((p for p in client.publishes[published:] if p.uri == uri and ok(list(p.diagnostics))), None),
        timeout,
    )
    return list(params.diagnostics)


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)
