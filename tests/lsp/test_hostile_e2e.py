"""A hostile or broken client, through a real server process: framing it cannot read, absurd lengths, a
FIFO named as the runs, settings changed faster than runs load, and ``exit`` while a worker is stuck.

Each test writes everything, then reads what the server answered; where a broken server would never answer,
the server's end of input (or a timeout on a reading thread) ends the wait instead of the test hanging.
"""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from nql_lsp.lsp.protocol import MAX_CONTENT_LENGTH

from .rawio import INITIALIZE, RawServer, frame

NO_RUNS = {"nql": {"runs": False}}
URI = "file:///w/q.nql"
OPEN = {
    "method": "textDocument/didOpen",
    "params": {"textDocument": {"uri": URI, "languageId": "nql", "version": 1, "text": "`sys/failed`:bool = false"}},
}


def _hover(msg_id: int) -> dict[str, Any]:
    return {
        "id": msg_id,
        "method": "textDocument/hover",
        "params": {"textDocument": {"uri": URI}, "position": {"line": 0, "character": 2}},
    }


def _answers(msg_id: int, message: dict[str, Any]) -> bool:
    return message.get("id") == msg_id and "method" not in message


def _session(*middle: bytes, ids: tuple[int, ...] = (2,)) -> list[dict[str, Any]]:
    """Initialize, open a document, write ``middle`` as raw bytes, then hover (id 2): what the server
    sent until it answered each of ``ids`` (or gave up waiting)."""
    server = RawServer()
    try:
        server.listen()
        options = {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": NO_RUNS}}
        server.write(frame(options) + frame({"method": "initialized", "params": {}}) + frame(OPEN))
        for chunk in middle:
            server.write(chunk)
        server.write(frame(_hover(2)))
        for msg_id in ids:
            server.wait_for(partial(_answers, msg_id))
        return server.seen
    finally:
        server.close()


def _hovered(messages: list[dict[str, Any]], msg_id: int = 2) -> bool:
    answer = next((m for m in messages if m.get("id") == msg_id and "method" not in m), None)
    return answer is not None and "sys/failed" in answer["result"]["contents"]["value"]


def test_an_absurd_content_length_is_refused_and_the_server_goes_on():
    messages = _session(b'Content-Length: 1000000000000\r\n\r\n{"jsonrpc": "2.0", "method": "x"}')
    assert _hovered(messages)


def test_a_length_just_over_the_cap_is_refused_without_reading_its_body():
    body = b'{"jsonrpc": "2.0", "id": 9, "method": "shutdown"}'
    messages = _session(b"Content-Length: %d\r\n\r\n" % (MAX_CONTENT_LENGTH + 1) + body)
    assert _hovered(messages)
    assert not any(m.get("id") == 9 for m in messages)  # its body was not read as a message


@pytest.mark.parametrize(
    "bad",
    [
        b"Content-Length: abc\r\n\r\n{}",  # not a number, with a body that ends without a newline
        b"Content-Length: 12\r\n",  # a header with no blank line after it
        b"garbage without any newline",
        b"\r\n\r\n",
    ],
)
def test_the_stream_resynchronises_on_the_next_header(bad):
    assert _hovered(_session(bad))


def test_header_names_are_read_in_any_case():
    hover = frame(_hover(5))
    body = hover[hover.index(b"\r\n\r\n") + 4 :]
    header = b"content-length: %d\r\ncontent-type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" % len(body)
    messages = _session(header + body, ids=(5, 2))
    assert _hovered(messages, 5)
    assert _hovered(messages, 2)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_runs_naming_a_fifo_are_refused_and_exit_is_prompt(tmp_path: Path):
    fifo = tmp_path / "runs.json"
    os.mkfifo(fifo)
    server = RawServer()
    try:
        server.listen()
        server.send(
            {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": {"nql": {"runs": str(fifo)}}}}
        )
        server.send({"method": "initialized", "params": {}})
        shown = server.wait_for(lambda m: m.get("method") == "window/showMessage")
        assert str(fifo) in shown["params"]["message"]
        assert "not a regular file" in shown["params"]["message"]
        server.send({"id": 2, "method": "shutdown"}, {"method": "exit"})
        assert server.proc.wait(timeout=30) == 0
    finally:
        server.close()


# A server whose runs load never ends (a worker thread stuck, as on a file that never finishes reading).
_STUCK = """
import threading
import nql_lsp.lsp.runs
nql_lsp.lsp.runs.load = lambda source, report: threading.Event().wait()
from nql_lsp.server import serve
serve()
"""


def test_exit_is_prompt_while_a_worker_thread_is_stuck():
    server = RawServer(command=[sys.executable, "-c", _STUCK])
    try:
        server.start()  # the bundled sample's load starts, and never ends
        server.send({"id": 2, "method": "shutdown"})
        assert server.answer_to(2)["result"] is None
        server.send({"method": "exit"})
        try:
            status = server.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pytest.fail("exit waited for the stuck worker thread")
        assert status == 0
    finally:
        server.close()


def test_a_load_cancelled_by_a_newer_setting_is_not_an_error(tmp_path: Path):
    server = RawServer()
    try:
        server.listen()
        caps = {"window": {"workDoneProgress": True}}
        server.send({**INITIALIZE, "params": {**INITIALIZE["params"], "capabilities": caps}})
        server.wait_for(lambda m: m.get("id") == 1)
        server.send({"method": "initialized", "params": {}})
        create = server.wait_for(lambda m: m.get("method") == "window/workDoneProgress/create")
        # The setting changes while the load waits for the client's answer; the answer comes after.
        server.send({"method": "workspace/didChangeConfiguration", "params": {"settings": {"nql": {"runs": False}}}})
        server.send(OPEN, _hover(3))
        server.wait_for(lambda m: m.get("id") == 3 and "method" not in m)
        server.send({"id": create["id"], "result": None}, _hover(4))
        server.wait_for(lambda m: m.get("id") == 4 and "method" not in m)
        server.send({"id": 5, "method": "shutdown"}, {"method": "exit"})
        assert server.proc.wait(timeout=30) == 0
        assert server.proc.stderr is not None
        stderr = server.proc.stderr.read().decode()
    finally:
        server.close()
    errors = [m for m in server.seen if m.get("method") == "window/logMessage" and m["params"]["type"] == 1]
    assert errors == []
    assert "InvalidStateError" not in stderr
    assert "Traceback" not in stderr
