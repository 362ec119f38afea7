"""The baseline for bench_server.py: a bare pygls server that publishes one fixed diagnostic per change.

It pays what every pygls server pays (start-up, JSON-RPC, document sync, one publish) and does no work of
its own, so the difference to ``nql-lsp`` is what NQL analysis and the LSP layer cost.
Run: python benchmarks/bare_server.py (serves LSP over stdio)
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

server = LanguageServer("bare", "0")
FIXED = types.Diagnostic(
    range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=0, character=1)),
    message="fixed",
    source="bare",
    code="B1",
)


def _publish(ls: LanguageServer, uri: str, version: int) -> None:
    ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[FIXED], version=version))


@server.feature(types.TEXT_DOCUMENT_DID_OPEN)
def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
    _publish(ls, params.text_document.uri, params.text_document.version)


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: types.CompletionParams) -> list[types.CompletionItem]:
    return [types.CompletionItem(label="AND")]


if __name__ == "__main__":
    server.start_io()
