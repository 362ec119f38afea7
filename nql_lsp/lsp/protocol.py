"""The one place where pygls's protocol is changed; each override names the pygls internal it relies on.

pygls 2.x is pinned below 3 in ``pyproject.toml`` for these: ``LanguageServerProtocol.structure_message``
and ``handle_message`` (public, but their contracts are pygls's own), ``get_message_type`` (public),
``_send_response`` and ``_shutdown`` (private), the ``lsp_method`` decorator and the built-in handlers
``lsp_exit`` and ``lsp_text_document__did_*`` (overridden by name), and ``fm.features`` (the feature
manager's table of user handlers).
"""

from __future__ import annotations

from typing import Any

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcException,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcServerNotInitialized,
)
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method


class _Unreadable:
    """A request whose params could not be read: answered with an error instead of being dropped."""

    jsonrpc = "2.0"

    def __init__(self, msg_id: Any, method: str, error: JsonRpcException) -> None:
        self.id = msg_id
        self.method = method
        self.error = error


class NqlProtocol(LanguageServerProtocol):
    """pygls's protocol, except that:

    - a request with unreadable params gets an error response, so a client never waits forever on a
      message the server could not understand;
    - open documents are kept by the session alone: pygls's workspace never holds a copy, so there is
      no second, stale text of a document anywhere (the session applies changes with lines broken as
      LSP breaks them; pygls's workspace splits lines where Python does, at U+2028 and others);
    - the lifecycle is kept as LSP says: a request before ``initialize`` is answered ServerNotInitialized
      (and a notification dropped), one after ``shutdown`` InvalidRequest (pygls leaves both
      unanswered), and ``exit`` without ``shutdown`` ends the process with status 1
      (:attr:`exit_code`, which :func:`nql_lsp.server.serve` exits with: pygls swallows SystemExit).
    """

    #: Whether ``initialize`` has been received.
    initialized = False
    #: The status ``exit`` asked for; None until it arrives.
    exit_code: int | None = None

    def structure_message(self, data: dict[str, Any]) -> Any:
        # A request of a method pygls has no type for is read as a generic request, which must have params;
        # without them it would be answered InvalidParams rather than MethodNotFound.
        if "id" in data and "method" in data and "params" not in data and not self.get_message_type(data["method"]):
            data = {**data, "params": None}
        # pygls raises JsonRpcInvalidParams here and its reader then drops the message unanswered.
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if "id" in data and "method" in data:
                return _Unreadable(data["id"], str(data["method"]), exc)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Unreadable):
            error = JsonRpcInvalidParams(f"{message.method}: the params could not be read")
            self._send_response(message.id, None, error.to_response_error())  # pygls private: writes a response
            return
        method = getattr(message, "method", None)
        is_request = method is not None and getattr(message, "id", None) is not None
        if method == types.INITIALIZE:
            self.initialized = True
        elif not self.initialized and method != types.EXIT:
            if is_request:
                early = JsonRpcServerNotInitialized(f"{method}: the server is not initialized yet")
                self._send_response(message.id, None, early.to_response_error())
            return  # a notification before initialize is dropped, as LSP says
        if is_request and self._shutdown:  # pygls private: set once shutdown has been answered
            late = JsonRpcInvalidRequest(f"{method}: the server is shut down")
            self._send_response(message.id, None, late.to_response_error())
            return
        super().handle_message(message)

    @lsp_method(types.EXIT)
    def lsp_exit(self, *args: Any) -> Any:
        """Remember the status, then let pygls's own exit close the connection and stop."""
        self.exit_code = 0 if self._shutdown else 1
        yield from LanguageServerProtocol.lsp_exit(self, *args)

    # pygls's built-in handlers of these put the document in its workspace, then call the feature the
    # server registered (``fm.features``); these only call the feature.

    def _user_handler(self, method: str, params: Any) -> Any:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams) -> Any:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)
