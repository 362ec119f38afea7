"""End-to-end tests: a real ``nql-lsp`` subprocess driven by pytest-lsp, once per client preset.

VS Code's preset takes pushed diagnostics and UTF-16 positions; Neovim 0.11's pulls diagnostics and
negotiates UTF-8 positions, so every test runs through both paths. One server per module and preset keeps
the suite fast; tests open their own documents.
"""

from __future__ import annotations

import asyncio
import itertools
import sys

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

CLIENTS = ["visual-studio-code", "neovim"]
INIT_OPTIONS = {"nql": {"lineWidth": 60}}
_names = itertools.count()


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "nql_lsp"]), params=CLIENTS, scope="module"
)
async def client(request, lsp_client: LanguageClient):
    params = types.InitializeParams(
        capabilities=client_capabilities(request.param), initialization_options=INIT_OPTIONS
    )
    features = lsp_client.protocol.fm.features
    store = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]
    lsp_client.published_versions = {}

    def on_publish(params: types.PublishDiagnosticsParams) -> None:
        lsp_client.published_versions[params.uri] = params.version
        store(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = on_publish
    answer_refreshes(lsp_client)
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def answer_refreshes(client: LanguageClient) -> None:
    """The presets claim refresh support, and the server asks for lenses and hints again once its runs load:
    answer as the editors do."""
    for method in (types.WORKSPACE_CODE_LENS_REFRESH, types.WORKSPACE_INLAY_HINT_REFRESH):
        if method not in client.protocol.fm.features:
            client.feature(method)(lambda *_: None)


def encoding(client: LanguageClient) -> str:
    """The encoding the server must have chosen: the client's first offer (pygls supports all three)."""
    general = client.capabilities.general if client.capabilities else None
    offers = general.position_encodings if general and general.position_encodings else ["utf-16"]
    return str(getattr(offers[0], "value", offers[0]))


def pulls(client: LanguageClient) -> bool:
    return client.capabilities.text_document.diagnostic is not None


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
    client: LanguageClient, uri: str, version: int | None = None, timeout: float = 10.0
) -> list[types.Diagnostic]:
    """The document's diagnostics, pulled or waited for (those of ``version``, when given) as the client
    would get them."""
    if pulls(client):
        report = await client.text_document_diagnostic_async(
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
        return list(report.items)

    async def wait() -> list[types.Diagnostic]:
        while uri not in client.diagnostics or (version is not None and client.published_versions.get(uri) != version):
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        return list(client.diagnostics[uri])

    return await asyncio.wait_for(wait(), timeout)


def pos(line: int, character: int) -> types.Position:
    return types.Position(line=line, character=character)


def doc_id(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)
