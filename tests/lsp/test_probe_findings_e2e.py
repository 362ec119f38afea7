"""What a hostile client found, through a real server process over its pipes: a body shorter than its
``Content-Length`` (the next message's header inside it), bodies that are not one JSON-RPC message, a second
``initialize``, params of the wrong JSON type, an unknown command, and answers to a query nested 20,000
levels deep. Each was answered wrongly or never before its fix.
"""

from __future__ import annotations

import json
import time
from functools import partial
from typing import Any

from .rawio import INITIALIZE, RawServer, frame, frame_body

NO_RUNS = {"nql": {"runs": False}}
URI = "file:///w/q.nql"
TEXT = "`sys/failed`:bool = false"


def _open(text: str, uri: str = URI) -> dict[str, Any]:
    return {
        "method": "textDocument/didOpen",
        "params": {"textDocument": {"uri": uri, "languageId": "nql", "version": 1, "text": text}},
    }


def _hover(msg_id: Any, line: Any = 0, character: Any = 2, uri: Any = URI) -> dict[str, Any]:
    return {
        "id": msg_id,
        "method": "textDocument/hover",
        "params": {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}},
    }


def _answers(msg_id: Any, message: dict[str, Any]) -> bool:
    return message.get("id") == msg_id and "method" not in message


class _Session:
    """An initialized server (no runs) with :data:`TEXT` open, read on a thread."""

    def __init__(self, text: str = TEXT) -> None:
        self.server = RawServer()
        self.server.listen()
        options = {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": NO_RUNS}}
        self.server.write(frame(options) + frame({"method": "initialized", "params": {}}) + frame(_open(text)))
        self.server.wait_for(partial(_answers, 1))

    def answer(self, msg_id: Any, timeout: float = 30.0) -> dict[str, Any]:
        return self.server.wait_for(partial(_answers, msg_id), timeout)

    def __enter__(self) -> _Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.proc.kill()
        assert self.server.proc.stderr is not None
        self.stderr = self.server.proc.stderr.read()
        self.server.close()


def test_a_body_shorter_than_announced_gives_way_to_the_next_header():
    """A 500-byte body cut short, then a hover: the hover's header arrives inside the first body, which
    no JSON can hold (a raw line break never stands in a string), so the server reads the hover from
    there, without waiting for bytes that never come, and answers the cut body ParseError."""
    with _Session() as s:
        s.server.write(b'Content-Length: 500\r\n\r\n{"jsonrpc": "2.0", "id": 7, "meth' + frame(_hover(2)))
        answer = s.answer(2, timeout=10)
        assert "sys/failed" in answer["result"]["contents"]["value"]
        parse_error = next(m for m in s.server.seen if m.get("error", {}).get("code") == -32700)
        assert parse_error["id"] is None  # JSON-RPC: a parse error is answered with a null id


def test_bodies_that_are_not_one_message_are_answered_as_json_rpc_says():
    """Not JSON -> ParseError (-32700), a batch or a number or a bad ``jsonrpc`` -> InvalidRequest
    (-32600), with the request's id where it has a valid one, else null; the server goes on."""
    with _Session() as s:
        batch = json.dumps([{"jsonrpc": "2.0", **_hover(3)}]).encode()
        s.server.write(
            frame_body(b'{"jsonrpc": "2.0", "id": 9, "method": ')
            + frame_body(batch)
            + frame_body(b"42")
            + frame_body(json.dumps({"jsonrpc": "1.0", "id": 4, "method": "shutdown"}).encode())
            + frame(_hover(2))
        )
        s.answer(2)
        errors = [(m["id"], m["error"]["code"]) for m in s.server.seen if "error" in m]
        assert errors == [(None, -32700), (None, -32600), (None, -32600), (4, -32600)]
        assert not any(m.get("id") == 3 for m in s.server.seen)  # the batch's request is not run


def test_a_second_initialize_is_an_invalid_request():
    with _Session() as s:
        s.server.send({**INITIALIZE, "id": 5})
        assert s.answer(5)["error"]["code"] == -32600
        s.server.send(_hover(2))
        assert "sys/failed" in s.answer(2)["result"]["contents"]["value"]


def test_params_of_the_wrong_json_type_are_invalid_params():
    """A line 0.5, a character "3", a uri 5 were read as 0, 3 and "5" (cattrs converts by calling
    ``int``/``str``); LSP types them uinteger and string. An integral float is still a number."""
    with _Session() as s:
        s.server.send(_hover(2, line=0.5), _hover(3, character="3"), _hover(4, uri=5))
        for msg_id in (2, 3, 4):
            assert s.answer(msg_id)["error"]["code"] == -32602, msg_id
        s.server.send(_hover(5, line=0.0, character=2.0))
        assert "sys/failed" in s.answer(5)["result"]["contents"]["value"]


def test_an_unknown_command_is_invalid_params_and_not_a_server_failure():
    with _Session() as s:
        s.server.send({"id": 2, "method": "workspace/executeCommand", "params": {"command": 5}})
        s.server.send({"id": 3, "method": "workspace/executeCommand", "params": {"command": "nql.nope"}})
        assert s.answer(2)["error"]["code"] == -32602
        assert s.answer(3)["error"]["code"] == -32602
        s.server.send(_hover(4))
        s.answer(4)
        failures = [m for m in s.server.seen if m.get("method") == "window/logMessage" and m["params"]["type"] == 1]
        assert failures == []
    assert b"Traceback" not in s.stderr


def test_a_query_nested_20000_levels_deep_is_answered_promptly():
    """``NOT`` 20,000 times: the selection chain at its end was nested 20,000 deep and could not be
    serialised (no answer at all), and the code actions' layout raised RecursionError."""
    text = "NOT " * 20_000 + TEXT
    with _Session(text) as s:
        end = {"line": 0, "character": len(text)}
        s.server.send(
            {
                "id": 2,
                "method": "textDocument/selectionRange",
                "params": {"textDocument": {"uri": URI}, "positions": [end]},
            },
            {
                "id": 3,
                "method": "textDocument/codeAction",
                "params": {
                    "textDocument": {"uri": URI},
                    "range": {"start": end, "end": end},
                    "context": {"diagnostics": []},
                },
            },
            _hover(4, character=len(text) - len(TEXT) + 2),
        )
        started = time.monotonic()
        chain = s.answer(2)["result"][0]
        depth = 0
        while chain is not None:
            depth, outer = depth + 1, chain
            chain = chain.get("parent")
        assert 3 <= depth <= 101
        assert outer["range"] == {"start": {"line": 0, "character": 0}, "end": end}
        assert "result" in s.answer(3)
        assert "sys/failed" in s.answer(4)["result"]["contents"]["value"]
        assert time.monotonic() - started < 20
    assert b"RecursionError" not in s.stderr


def test_shutdown_while_notifications_are_handled_is_answered_null():
    """``initialized`` asks the client for its settings (``workspace/configuration``), which this client
    never answers; a shutdown then cancels that notification's handler while pygls walks its table of
    handlers in flight (a handler that took itself off the table then broke the walk)."""
    server = RawServer()
    try:
        server.listen()
        capabilities = {"window": {"workDoneProgress": True}, "workspace": {"configuration": True}}
        params = {**INITIALIZE["params"], "capabilities": capabilities}
        server.write(frame({**INITIALIZE, "params": params}))
        server.wait_for(partial(_answers, 1))
        server.write(frame({"method": "initialized", "params": {}}) + frame(_open(TEXT)))
        server.wait_for(lambda m: m.get("method") == "workspace/configuration")
        server.send({"id": 2, "method": "shutdown"})
        answer = server.wait_for(partial(_answers, 2))
        assert answer.get("result", "missing") is None and "error" not in answer
    finally:
        server.close()
