"""The one place where pygls's protocol is changed; each override names the pygls internal it relies on.

pygls 2.x is pinned below 3 in ``pyproject.toml`` for these: ``LanguageServerProtocol.structure_message``
and ``handle_message`` (public, but their contracts are pygls's own), ``get_message_type`` (public),
``_send_response``, ``_send_data``, ``_serialize_message``, ``_include_headers``, ``_handle_response``,
``_execute_handler``, ``_check_handler_result``, ``_request_futures`` and ``_shutdown`` (private), the
``lsp_method`` decorator and the built-in handlers ``lsp_exit`` and ``lsp_text_document__did_*``
(overridden by name), and ``fm.features`` (the feature manager's table of user handlers).

The framing of stdio and TCP is read here too (:func:`read_messages`, in place of ``pygls.io_.run_async``),
with pygls's ``StdoutWriter``, ``JsonRPCServer.thread_pool``, ``shutdown``,
``report_server_error`` and the private ``_stop_event`` and ``_server`` it sets, as
``JsonRPCServer._start_io_async`` and ``start_tcp`` use them.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import logging
import re
import sys
import threading
from collections.abc import Callable
from typing import Any, BinaryIO

from lsprotocol import types
from pygls.exceptions import (
    JsonRpcContentModified,
    JsonRpcException,
    JsonRpcInternalError,
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcParseError,
    JsonRpcRequestCancelled,
    JsonRpcServerNotInitialized,
)
from pygls.io_ import StdoutWriter
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.language_server import lsp_method
from pygls.server import JsonRPCServer

log = logging.getLogger("nql_lsp")

#: The largest message body read, in bytes. A ``Content-Length`` above it is refused (logged, and its body
#: skipped as the stream is resynchronised) rather than allocated: a 10 MB document is well inside it.
MAX_CONTENT_LENGTH = 64 * 1024 * 1024

# A header line names its field case-insensitively (HTTP's rule, which LSP's base protocol follows). It is
# searched for at the end of a line: after a body shorter than its announced length, or a bad header, the
# next header arrives glued to the bytes before it, and the stream resynchronises on it.
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:[ \t]*(\d+)[ \t]*\r?\n?\Z", re.IGNORECASE)


#: Errors that are the client's doing (a bad message, a cancel): answered, and logged in one line, never with
#: a traceback or as an error of the server.
CLIENT_ERRORS: tuple[type[JsonRpcException], ...] = (
    JsonRpcInvalidParams,
    JsonRpcInvalidRequest,
    JsonRpcMethodNotFound,
    JsonRpcParseError,
    JsonRpcRequestCancelled,
    JsonRpcContentModified,
    JsonRpcServerNotInitialized,
)


class _OneLine(logging.Filter):
    """pygls logs a message it cannot structure, and a client error it answers, with a traceback at error
    level; the client's mistake is not the server's failure. The first is dropped (the protocol logs its own
    line), the second kept as one warning line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and record.msg.startswith("Unable to deserialize message"):
            return False
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, CLIENT_ERRORS):
            record.exc_info = record.exc_text = None
            record.msg, record.args = "%s", (f"{record.getMessage()}: {error}",)
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


for _name in ("pygls.protocol.json_rpc", "pygls.protocol.language_server"):
    logging.getLogger(_name).addFilter(_OneLine())


#: Writes under way on an asynchronous transport: a task the loop holds only weakly is kept here till done.
_PENDING_WRITES: set[asyncio.Future[Any]] = set()


def _strict(value: Any, kind: type) -> Any:
    """``value`` as ``kind`` (int, str or bool) if it is one already (an integral float is an int, as
    JSON does not tell them apart), else TypeError. A subclass (an enum: SymbolKind, MarkupKind) is
    made as cattrs makes it, by calling it, which refuses a value it does not list."""
    if kind not in (int, str, bool):
        return kind(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
        return value
    raise TypeError(f"{value!r} is not a{'n' if kind is int else ''} {kind.__name__}")


def _valid_id(msg_id: Any) -> bool:
    """LSP ids are integers or strings; JSON-RPC allows any number (a float is answered, with its id)."""
    return isinstance(msg_id, int | float | str) and not isinstance(msg_id, bool)


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
    #: Called with the status on ``exit`` to end the process there and then; None in process (tests).
    end_process: Callable[[int], None] | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # cattrs reads an ``int`` with ``int(value)``, a ``str`` with ``str(value)``, a ``bool`` with
        # ``bool(value)``: a position {"line": 0.5} or {"line": "3"}, a uri 5, were taken as 0, 3 and "5".
        # LSP types them (uinteger, string, boolean); a value of another type is InvalidParams.
        for kind in (int, str, bool):
            self._converter.register_structure_hook(kind, _strict)  # pygls private: the protocol's converter

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
            if self.initialized and is_request:
                again = JsonRpcInvalidRequest("initialize: the server is already initialized (LSP: only once)")
                self._send_response(message.id, None, again.to_response_error())
                return
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
        """Remember the status, then end the process at once where :attr:`end_process` is set (a worker
        thread busy reading a file or analysing a huge document must not hold the exit up: pygls's own
        exit waits for every thread when the event loop closes); otherwise let pygls's exit stop."""
        self.exit_code = 0 if self._shutdown else 1
        if self.end_process is not None:
            self.end_process(self.exit_code)
        yield from LanguageServerProtocol.lsp_exit(self, *args)

    def _send_data(self, data: Any) -> None:
        """pygls's, except that a response that cannot be serialised (an answer nested deeper than the
        converter's recursion, say) is answered InternalError: pygls logs the failure and sends nothing,
        and the client waits for ever. Serialised once, then framed as pygls frames it (``writer``,
        ``_include_headers``, ``CONTENT_TYPE`` and ``CHARSET`` are pygls's)."""
        if not data or self.writer is None:
            super()._send_data(data)  # pygls: nothing to send, or no transport (logged)
            return
        try:
            body = json.dumps(data, default=self._serialize_message)
        except (RecursionError, TypeError, ValueError, AttributeError) as exc:
            msg_id = getattr(data, "id", None)
            log.error("%s could not be serialised: %s", f"the answer to {msg_id!r}" if msg_id else "a message", exc)
            if msg_id is not None and getattr(data, "method", None) is None and getattr(data, "error", None) is None:
                failed = JsonRpcInternalError(f"the answer could not be serialised: {type(exc).__name__}")
                self._send_data({"jsonrpc": "2.0", "id": msg_id, "error": failed.to_response_error()})
            return
        header = ""
        if self._include_headers:
            header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        try:
            written = self.writer.write((header + body).encode(self.CHARSET))
            if inspect.isawaitable(written):  # a TCP or WebSocket writer: kept until written
                pending = asyncio.ensure_future(written)
                _PENDING_WRITES.add(pending)
                pending.add_done_callback(_PENDING_WRITES.discard)
        except BrokenPipeError:
            raise  # the client has gone: pygls's reader ends the server on it
        except Exception as exc:
            self._server._report_server_error(exc, JsonRpcInternalError)  # pygls private, as pygls reports it

    def _execute_handler(
        self,
        msg_id: Any,
        handler: Any,
        callback: Callable[[Any], None],
        args: tuple[Any, ...] | None = None,
        kwargs: dict[str, Any] | None = None,
    ) -> None:
        """pygls keeps the future of every notification it handles (in ``_request_futures``, under a
        made-up id) and never lets it go: every didOpen, didChange and didClose stayed there for the
        server's life, with its result or exception and traceback. Once a notification's handler is done,
        its future is dropped; a request's is dropped by pygls as it sends the answer."""
        if callback == self._check_handler_result:  # pygls's callback for notifications
            check = callback

            def done(future: Any) -> None:
                # A cancelled one is left: pygls's shutdown cancels them while it iterates over the table.
                if not future.cancelled():
                    self._request_futures.pop(msg_id, None)  # pygls private: the futures of messages in flight
                check(future)

            callback = done
        super()._execute_handler(msg_id, handler, callback, args, kwargs)  # pygls private

    def _handle_response(self, msg_id: Any, result: Any = None, error: Any = None) -> None:
        """A response the server no longer waits for (the task that sent the request was cancelled: a
        load overtaken by a newer setting) is dropped: pygls would set a result on the cancelled future
        and report the InvalidStateError as a failure of the server."""
        future = self._request_futures.get(msg_id)  # pygls private: the futures of requests sent
        if future is not None and future.cancelled():
            del self._request_futures[msg_id]
            return
        super()._handle_response(msg_id, result, error)  # pygls private: settles the request's future

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


# --- framing -------------------------------------------------------------------------------------------


class _Replay:
    """A reader with bytes put back in front of it: what followed the start of a body that turned out to
    hold the next message's header (a body shorter than it announced swallows the message after it).

    ``read_some`` returns what has arrived, at most ``n`` bytes, so a body can be looked at as it comes
    in rather than only once its announced length is complete (which, for a short body, may be never).
    """

    def __init__(self, reader: Any) -> None:
        self._reader = reader
        self._pending = b""

    def put_back(self, data: bytes) -> None:
        self._pending = data + self._pending

    async def readline(self) -> bytes:
        if self._pending:
            end = self._pending.find(b"\n")
            if end >= 0:
                kept, self._pending = self._pending[: end + 1], self._pending[end + 1 :]
                return kept
            head, self._pending = self._pending, b""
            rest: bytes = await self._reader.readline()
            return head + rest
        line: bytes = await self._reader.readline()
        return line

    async def read_some(self, n: int) -> bytes:
        if self._pending:
            head, self._pending = self._pending[:n], self._pending[n:]
            return head
        data: bytes = await self._reader.read(n)
        return data


class PipeReader:
    """A binary stream read on a thread pool, as pygls's ``StdinAsyncReader`` reads stdin, with ``read``
    returning what the pipe holds (``read1``: at most ``n`` bytes, without waiting for all of them), as
    ``asyncio.StreamReader.read`` does."""

    def __init__(self, stream: BinaryIO, executor: Any) -> None:
        self._stream = stream
        self._executor = executor

    async def readline(self) -> bytes:
        line: bytes = await asyncio.get_running_loop().run_in_executor(self._executor, self._stream.readline)
        return line

    async def read(self, n: int) -> bytes:
        read1 = getattr(self._stream, "read1", self._stream.read)
        data: bytes = await asyncio.get_running_loop().run_in_executor(self._executor, read1, n)
        return data


# A whole header line inside a body: never part of valid JSON (a raw line break cannot stand in a string,
# and ``Content-Length`` is no JSON token), so the body before it was shorter than it announced.
_HEADER_LINE = re.compile(rb"content-length[ \t]*:[ \t]*\d+[ \t]*\r?\n", re.IGNORECASE)
# How far back a header line split between two reads is searched for.
_HEADER_OVERLAP = 64


async def read_body(replay: _Replay, announced: int) -> bytes | None:
    """``announced`` bytes of body, as they arrive; None at the end of the stream. A body in which the
    next message's header line appears stops there: the header and what follows it are put back to be
    read as the next message, and what came before (the short body) is returned, to be answered as not
    JSON."""
    body = bytearray()
    while len(body) < announced:
        piece = await replay.read_some(announced - len(body))
        if not piece:
            return None
        start = max(0, len(body) - _HEADER_OVERLAP)
        body += piece
        if (found := _HEADER_LINE.search(body, start)) is not None:
            log.warning(
                "a message body announced %d bytes but the next header came after %d; reading resumes there",
                announced,
                found.start(),
            )
            replay.put_back(bytes(body[found.start() :]))
            return bytes(body[: found.start()])
    return bytes(body)


async def read_messages(
    stop: threading.Event, reader: Any, protocol: LanguageServerProtocol, on_error: Callable[[Exception, Any], Any]
) -> None:
    """Read ``Content-Length`` framed messages and hand each to ``protocol``, as ``pygls.io_.run_async``
    does, except that a header name is matched in any case, the stream resynchronises on the next
    ``Content-Length`` header after anything it cannot read (the latest such header before a blank line
    wins; a header line arriving inside a body ends that body and is read from there,
    :func:`read_body`), a length above :data:`MAX_CONTENT_LENGTH` is refused without reading its body,
    and a body that is not one JSON-RPC message is answered as JSON-RPC says (:func:`handle_body`).

    ``reader`` is a :class:`PipeReader` or an ``asyncio.StreamReader``: ``readline`` and ``read``, each
    awaitable, an empty result at the end of the stream.
    """
    replay = _Replay(reader)
    length: int | None = None
    while not stop.is_set():
        try:
            line: bytes = await replay.readline()
        except (ValueError, asyncio.LimitOverrunError):  # a line over the stream's limit: junk, skipped
            continue
        if not line:
            break
        if (match := _CONTENT_LENGTH.search(line)) is not None:
            length = int(match.group(1))
            continue
        if line.strip():
            continue  # another header (Content-Type), or bytes between messages
        if length is None:
            continue  # a blank line with no length before it
        announced, length = length, None
        if announced > MAX_CONTENT_LENGTH:
            log.warning(
                "a message of %d bytes was refused (the limit is %d); reading resumes at the next header",
                announced,
                MAX_CONTENT_LENGTH,
            )
            continue
        body = await read_body(replay, announced)
        if body is None:
            break
        try:
            handle_body(body, protocol)
        except Exception as exc:
            log.exception("Unable to handle message")
            on_error(exc, JsonRpcException)


def handle_body(body: bytes, protocol: LanguageServerProtocol) -> None:
    """One message's body: JSON-RPC 2.0 checked, then structured and handled by ``protocol``.

    What is not JSON is answered ParseError and what is not one request, notification or response
    (a batch, which LSP does not have; a number; a bad ``jsonrpc`` or ``id``) InvalidRequest, with the id
    when there is one, else null, as JSON-RPC 2.0 says; each is logged in one line.
    """
    try:
        data = json.loads(body)
    except ValueError as exc:  # UnicodeDecodeError included
        log.warning("a message body is not JSON, answered ParseError: %s", exc)
        _answer_error(protocol, None, JsonRpcParseError(f"not JSON: {exc}"))
        return
    problem = _not_a_message(data)
    if problem is not None:
        msg_id = data.get("id") if isinstance(data, dict) and _valid_id(data.get("id")) else None
        log.warning("an invalid message was answered InvalidRequest: %s", problem)
        if not (isinstance(data, dict) and "method" not in data and "id" in data):  # a response is not answered
            _answer_error(protocol, msg_id, JsonRpcInvalidRequest(problem))
        return
    try:
        message = protocol.structure_message(data)
    except JsonRpcException as exc:  # a notification (or response) whose params could not be read
        log.warning("%s: dropped, %s", data.get("method") or f"response {data.get('id')!r}", exc)
        return
    protocol.handle_message(message)


def _answer_error(protocol: LanguageServerProtocol, msg_id: Any, error: JsonRpcException) -> None:
    """An error response written as a plain object, so that a null ``id`` is sent as ``"id": null``, as
    JSON-RPC 2.0 requires of the answer to a message whose id could not be read (pygls's response type
    leaves a null id out)."""
    protocol._send_data({"jsonrpc": "2.0", "id": msg_id, "error": error.to_response_error()})  # pygls private


def _not_a_message(data: Any) -> str | None:
    """Why ``data`` is not one JSON-RPC 2.0 message, or None."""
    if isinstance(data, list):
        return "a batch (a JSON array): LSP sends one message at a time"
    if not isinstance(data, dict):
        return f"a JSON {type(data).__name__}, not an object"
    if data.get("jsonrpc") != "2.0":
        return f'jsonrpc is {data.get("jsonrpc")!r}, not "2.0"'
    if "id" in data and not _valid_id(data["id"]):
        return f"the id {data['id']!r} is neither a number nor a string"
    if "method" in data and not isinstance(data["method"], str):
        return f"the method {data['method']!r} is not a string"
    if "method" not in data and "id" not in data:
        return "neither a method nor an id"
    if "params" in data and not isinstance(data["params"], dict | list | type(None)):
        return "params is neither an object nor an array"
    return None


def serve_io(server: JsonRPCServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:
    """pygls's ``_start_io_async`` with :func:`read_messages` for its reading loop."""
    server._stop_event = stop = threading.Event()  # pygls private: what ``shutdown`` sets
    reader = PipeReader(stdin or sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(read_messages(stop, reader, server.protocol, server.report_server_error))  # type: ignore[arg-type]  # pygls's protocol attribute is the JSON-RPC base class
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated


def serve_tcp(server: JsonRPCServer, host: str, port: int) -> None:
    """pygls's ``start_tcp`` with :func:`read_messages` for its reading loop."""
    server._stop_event = stop = threading.Event()  # pygls private: what ``shutdown`` sets

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        server.protocol.set_writer(writer)
        await read_messages(stop, reader, server.protocol, server.report_server_error)  # type: ignore[arg-type]  # as above
        server.shutdown()  # type: ignore[no-untyped-call]  # pygls leaves it unannotated

    async def listen() -> None:
        server._server = listening = await asyncio.start_server(
            connection, host, port
        )  # pygls private: closed by ``shutdown``
        async with listening:
            await listening.serve_forever()

    with contextlib.suppress(asyncio.CancelledError):
        asyncio.run(listen())
