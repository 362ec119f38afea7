"""Serving: stdio by default (``--stdio`` accepted), TCP with ``--tcp HOST:PORT``, bad addresses refused."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TypeVar

import pytest

from nql_lsp.cli.app import main

from .rawio import INITIALIZE, frame, read_message

_T = TypeVar("_T")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _first_connection(connect: Callable[[], _T]) -> _T:
    """Retry until the server listens: it starts in a subprocess, so the first attempts may be refused."""
    deadline = time.monotonic() + 20
    while True:
        try:
            return connect()
        except OSError:
            assert time.monotonic() < deadline, "the server never listened"
            time.sleep(0.05)


def _check_initialize(stream) -> None:
    reply = read_message(stream)
    assert reply["id"] == 1
    caps = reply["result"]["capabilities"]
    assert caps["hoverProvider"] is True
    assert caps["semanticTokensProvider"]["legend"]["tokenTypes"][0] == "keyword"
    assert caps["positionEncoding"] == "utf-16"
    assert "diagnosticProvider" not in caps  # the client did not offer pull diagnostics


def test_stdio_flag_is_accepted():
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp", "--stdio"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(frame(INITIALIZE))
        proc.stdin.flush()
        _check_initialize(proc.stdout)
    finally:
        proc.kill()
        proc.wait()


def test_tcp():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp", "--tcp", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with _first_connection(lambda: socket.create_connection(("127.0.0.1", port), timeout=10)) as conn:
            conn.sendall(frame(INITIALIZE))
            _check_initialize(conn.makefile("rb"))
    finally:
        proc.kill()
        proc.wait()


def test_websocket():
    from websockets.sync.client import connect

    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp", "--ws", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with _first_connection(lambda: connect(f"ws://127.0.0.1:{port}", open_timeout=10)) as ws:
            # Over WebSocket each message is one JSON text, without Content-Length headers.
            ws.send(json.dumps({"jsonrpc": "2.0", **INITIALIZE}))
            reply = json.loads(ws.recv(timeout=20))
            assert reply["id"] == 1
            assert reply["result"]["capabilities"]["hoverProvider"] is True
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize(
    "args",
    [
        ["--tcp", "nowhere"],
        ["--tcp", "127.0.0.1:99999"],
        ["--ws", ":80"],
        ["--tcp", "127.0.0.1:1", "--ws", "127.0.0.1:2"],
    ],
)
def test_bad_addresses_are_usage_errors(args, capsys):
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert "nql-lsp" in capsys.readouterr().err


def test_bad_initialization_options_are_reported_and_the_server_answers():
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        init = {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": {"nql": {"lineWidth": -3}}}}
        proc.stdin.write(frame(init))
        proc.stdin.flush()
        _check_initialize(proc.stdout)
        proc.stdin.write(frame({"method": "initialized", "params": {}}))
        proc.stdin.write(
            frame(
                {
                    "method": "textDocument/didOpen",
                    "params": {
                        "textDocument": {
                            "uri": "file:///q.nql",
                            "languageId": "nql",
                            "version": 1,
                            "text": "sys/failed:bool=false and `metrics/accuracy`:float>=0.9",
                        }
                    },
                }
            )
        )
        proc.stdin.write(
            frame(
                {
                    "id": 2,
                    "method": "textDocument/formatting",
                    "params": {
                        "textDocument": {"uri": "file:///q.nql"},
                        "options": {"tabSize": 2, "insertSpaces": True},
                    },
                }
            )
        )
        proc.stdin.flush()
        shown, reply = None, None
        while shown is None or reply is None:
            message = read_message(proc.stdout)
            if message.get("method") == "window/showMessage":
                shown = message["params"]["message"]
            elif message.get("id") == 2:
                reply = message
        assert "nql.lineWidth" in shown and "-3" in shown
        # The default width (80) is used: the 66-character query stays on one line.
        [edit] = reply["result"]
        assert edit["newText"] == "(`sys/failed`:bool = false) AND (`metrics/accuracy`:float >= 0.9)"
    finally:
        proc.kill()
        proc.wait()


def test_exit_while_runs_load_is_clean():
    """A client that quits at once, while the bundled runs are still loading with progress on, gets a clean
    exit: nothing written after the pipe closes, no traceback on stderr."""
    init = {
        "id": 1,
        "method": "initialize",
        "params": {"processId": None, "rootUri": None, "capabilities": {"window": {"workDoneProgress": True}}},
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write(frame(init))
        proc.stdin.flush()
        assert read_message(proc.stdout)["id"] == 1
        proc.stdin.write(frame({"method": "initialized", "params": {}}))
        proc.stdin.flush()
        while (message := read_message(proc.stdout)).get("method") != "window/workDoneProgress/create":
            pass
        proc.stdin.write(frame({"id": message["id"], "result": None}))
        proc.stdin.flush()
        while read_message(proc.stdout).get("method") != "$/progress":
            pass  # loading has begun and will report progress from its thread
        proc.stdin.write(frame({"id": 2, "method": "shutdown"}))
        proc.stdin.write(frame({"method": "exit"}))
        proc.stdin.flush()
        _, stderr = proc.communicate(timeout=30)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert b"Traceback" not in stderr and b"Error sending data" not in stderr, stderr.decode()[-2000:]
