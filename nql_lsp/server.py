"""The NQL language server: creates the pygls server and registers every route of the dispatch table.

What each method does is in its module under :mod:`nql_lsp.lsp.handlers`; where it runs (on the event
loop, after its document's analysis, or on a worker thread) is its row of
:data:`nql_lsp.lsp.handlers.ROUTES`; the state all of them share is one :class:`~nql_lsp.lsp.session.Session`.

Start-up is kept light: the parser and the feature modules are imported on first use (or just after
``initialized``), so the answer to ``initialize`` costs what a bare pygls server's does.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from nql_lsp import __version__
from nql_lsp.lsp import publish, runs_loading
from nql_lsp.lsp.client import Client
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.dispatch import Route, entry
from nql_lsp.lsp.handlers import ROUTES
from nql_lsp.lsp.protocol import CLIENT_ERRORS, NqlProtocol, serve_io, serve_tcp
from nql_lsp.lsp.scheduler import Scheduler
from nql_lsp.lsp.session import Session
from nql_lsp.lsp.settings import Settings

log = logging.getLogger("nql_lsp")


class NqlLanguageServer(LanguageServer):
    """pygls's server with the NQL protocol; all of its own state is in ``context``."""

    def __init__(self) -> None:
        super().__init__(
            "nql-lsp",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            protocol_cls=NqlProtocol,
        )
        self.context = Context(Session(), Scheduler(), Client(self))

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
        serve_io(self, stdin, stdout)

    def start_tcp(self, host: str, port: int) -> None:
        serve_tcp(self, host, port)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Failures pygls catches itself (a notification handler that raised, a lost connection). A method
        the server does not serve, or a command it does not know, is the client's business: pygls has
        answered it already (MethodNotFound, InvalidParams), so it is logged in one line at info, not sent
        to the client's log as a failure of the server with a traceback."""
        if isinstance(error, CLIENT_ERRORS):
            log.info("%s", error)
            return
        self.context.client.report(error)


def _register(server: NqlLanguageServer, route: Route) -> None:
    handler = entry(route, server.context)
    if route.command:
        server.command(route.method)(handler)
    else:
        server.feature(route.method, route.options)(handler)


def create_server() -> NqlLanguageServer:
    server = NqlLanguageServer()
    ctx = server.context
    later = [r for r in ROUTES if r.when is not None]
    for route in ROUTES:
        if route.method == types.INITIALIZE:
            _register_initialize(server, route, later)
        elif route.when is None:
            _register(server, route)

    # What follows settings and the schema: diagnostics everywhere, and the runs ``nql.runs`` names.
    def settings_changed(before: Settings, after: Settings) -> None:
        publish.refresh(ctx)
        runs_loading.start(ctx)

    ctx.session.settings.subscribe(settings_changed)
    ctx.session.documents.listeners.append(lambda: publish.refresh(ctx))
    return server


def _register_initialize(server: NqlLanguageServer, route: Route, later: list[Route]) -> None:
    """``initialize``, then the routes only some clients get (pull diagnostics): pygls announces the
    capabilities of whatever is registered once this returns."""
    run = entry(route, server.context)

    def initialize(params: types.InitializeParams) -> None:
        run(params)
        for r in later:
            if r.when is not None and r.when(server.context) and r.method not in server.protocol.fm.features:
                _register(server, r)

    server.feature(types.INITIALIZE)(initialize)


def serve(transport: str = "stdio", host: str = "127.0.0.1", port: int = 2087) -> None:
    """Serve LSP over ``stdio``, ``tcp`` or ``ws`` (WebSocket, with the ``ws`` extra)."""
    logging.basicConfig(level=logging.WARNING, format="nql-lsp: %(levelname)s %(name)s: %(message)s")
    # While the analysis thread works, the event loop (reading cancels and changes) gets the GIL within
    # a millisecond rather than Python's default five.
    sys.setswitchinterval(0.001)
    server = create_server()
    protocol = server.protocol
    if isinstance(protocol, NqlProtocol):
        protocol.end_process = _end_process
    if transport == "tcp":
        server.start_tcp(host, port)
    elif transport == "ws":
        server.start_ws(host, port)
    else:
        server.start_io()
    server.context.scheduler.shutdown()
    code = protocol.exit_code if isinstance(protocol, NqlProtocol) else None
    if code:  # ``exit`` without ``shutdown``
        raise SystemExit(code)


def _end_process(code: int) -> None:
    """End the process now, whatever a worker thread is doing, once what was written is flushed."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # closed by the client going away, or by pygls's exit
            stream.flush()
    os._exit(code)
