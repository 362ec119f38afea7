"""An in-process connection to the server, for tests that must control timing (a gate in the analysis).

Messages go in through pygls's public protocol methods (``structure_message``, ``handle_message``) and come
out through the writer the protocol is given (``set_writer``), as JSON; nothing private is touched.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from nql_lsp.server import NqlLanguageServer, create_server

from .waking import Waking


class Wire(Waking):
    def __init__(self) -> None:
        super().__init__()
        self.server: NqlLanguageServer = create_server()
        self.sent: list[dict[str, Any]] = []
        self._ids = itertools.count(1)
        self.server.protocol.set_writer(self, include_headers=False)

    # --- the writer pygls sends through --------------------------------------------------------------

    def write(self, data: bytes) -> None:
        self.sent.append(json.loads(data))
        self.wake()

    def close(self) -> None:
        pass

    # --- sending -------------------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        protocol = self.server.protocol
        protocol.handle_message(protocol.structure_message({"jsonrpc": "2.0", **message}))

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"method": method, **({} if params is None else {"params": params})})

    def request(self, method: str, params: Any = None, msg_id: int | str | None = None) -> int | str:
        msg_id = next(self._ids) if msg_id is None else msg_id
        self._send({"id": msg_id, "method": method, **({} if params is None else {"params": params})})
        return msg_id

    # --- waiting (until: Waking) ---------------------------------------------------------------------

    async def response(self, msg_id: int | str, timeout: float = 10.0) -> dict[str, Any]:
        found: dict[str, Any] = await self.until(
            lambda: next((m for m in self.sent if m.get("id") == msg_id and "method" not in m), None), timeout
        )
        return found

    async def call(self, method: str, params: Any = None) -> dict[str, Any]:
        return await self.response(self.request(method, params))

    async def barrier(self) -> None:
        """A round trip: the handlers of every message sent before it have run, up to their first wait
        for something outside the server (the client, a worker thread)."""
        await self.call("textDocument/hover", at("file:///barrier/none.nql"))

    def notifications(self, method: str) -> list[Any]:
        return [m.get("params") for m in self.sent if m.get("method") == method and "id" not in m]

    async def initialize(self, capabilities: dict[str, Any] | None = None, options: Any = None) -> dict[str, Any]:
        params: dict[str, Any] = {"processId": None, "rootUri": None, "capabilities": capabilities or {}}
        if options is not None:
            params["initializationOptions"] = options
        answer = await self.call("initialize", params)
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1) -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "nql", "version": version, "text": text}},
        )

    def change(self, uri: str, version: int, text: str) -> None:
        self.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]},
        )

    def published(self, uri: str) -> list[Any]:
        return [p["version"] for p in self.notifications("textDocument/publishDiagnostics") if p["uri"] == uri]


def at(uri: str, line: int = 0, character: int = 0) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}
