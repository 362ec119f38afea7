"""What the server sends the client on its own initiative: messages, logs, diagnostics, refreshes.

Every failure inside the server is reported here: logged with its traceback (stderr, at any
``nql.logLevel``) and sent to the client's log with the same traceback, never as a pop-up; the server
carries on either way.
"""

from __future__ import annotations

import contextlib
import logging
import traceback
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.settings import SECTION

log = logging.getLogger("nql_lsp")


class Client:
    __slots__ = ("_reporting", "_server")

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._reporting = False

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        self._server.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def log(self, message: str, kind: types.MessageType = types.MessageType.Info) -> None:
        """A line in the client's log (VS Code's Output panel), for what the user may look up, not be told."""
        with contextlib.suppress(Exception):
            self._server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report(self, error: BaseException, doing: str = "") -> None:
        """Log ``error`` with its traceback, and send the same to the client's log.

        When the connection itself is what failed (the client has gone), sending the report fails too and
        reports again: only the first report of a chain is sent, so a closed pipe ends in one log line.
        """
        what = f"{doing}: {error}" if doing else str(error)
        log.error("%s", what, exc_info=error)
        if self._reporting:
            return
        self._reporting = True
        try:
            details = "".join(traceback.format_exception(error)).rstrip()
            with contextlib.suppress(Exception):
                self._server.window_log_message(
                    types.LogMessageParams(type=types.MessageType.Error, message=f"nql-lsp: {what}\n{details}")
                )
        finally:
            self._reporting = False

    def publish(self, uri: str, items: list[types.Diagnostic], version: int | None = None) -> None:
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=items, version=version)
        )

    def refresh_diagnostics(self) -> None:
        self._server.workspace_diagnostic_refresh(None)

    def refresh_previews(self, caps: ResolvedCapabilities) -> None:
        """Ask for lenses and inlay hints again (the runs they count changed), where the client can."""
        with contextlib.suppress(Exception):
            if caps.code_lens_refresh:
                self._server.workspace_code_lens_refresh(None)
            if caps.inlay_hint_refresh:
                self._server.workspace_inlay_hint_refresh(None)

    async def configuration(self) -> Any:
        """The client's ``nql`` section; None when it has none or fails the request (settings stay)."""
        try:
            result = await self._server.workspace_configuration_async(
                types.ConfigurationParams(items=[types.ConfigurationItem(section=SECTION)])
            )
        except Exception as e:
            log.warning("workspace/configuration failed: %s", e)
            return None
        return result[0] if result else None

    def negotiated(self) -> tuple[Any, str | None]:
        """The position encoding pygls chose at ``initialize`` and the workspace root (None before it)."""
        try:
            workspace = self._server.workspace
        except RuntimeError:  # no ``initialize`` yet
            return None, None
        return workspace.position_encoding, workspace.root_path

    @property
    def progress(self) -> Any:
        """pygls's work-done progress helper (create, begin, report, end)."""
        return self._server.work_done_progress
