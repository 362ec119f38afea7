"""LSP over a pipe written and read by hand: for messages a client library would refuse to send."""

from __future__ import annotations

import contextlib
import json
import queue
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import IO, Any

INITIALIZE: dict[str, Any] = {
    "id": 1,
    "method": "initialize",
    "params": {"processId": None, "rootUri": None, "capabilities": {}},
}


def frame(message: dict[str, Any]) -> bytes:
    return frame_body(json.dumps({"jsonrpc": "2.0", **message}).encode())


def frame_body(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def read_message(stream: IO[bytes]) -> dict[str, Any]:
    length = 0
    while True:
        line = stream.readline()
        assert line, "the server closed the connection"
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
        elif line in (b"\r\n", b"\n"):
            message: dict[str, Any] = json.loads(stream.read(length))
            return message


def read_all(stream: IO[bytes]) -> list[dict[str, Any]]:
    """Every message until the server closes the connection."""
    messages = []
    while True:
        try:
            messages.append(read_message(stream))
        except AssertionError:  # the end of the stream
            return messages


class RawServer:
    """``nql-lsp`` in a subprocess over stdio, its stderr kept for the test to read.

    ``command`` replaces ``python -m nql_lsp`` (a script that changes something first, then serves)."""

    def __init__(self, *args: str, command: list[str] | None = None) -> None:
        self.proc = subprocess.Popen(
            command or [sys.executable, "-m", "nql_lsp", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout

    def write(self, data: bytes) -> None:
        self.stdin.write(data)
        self.stdin.flush()

    def send(self, *messages: dict[str, Any]) -> None:
        self.write(b"".join(frame(m) for m in messages))

    def answer_to(self, msg_id: Any) -> dict[str, Any]:
        """The response to request ``msg_id``; what comes before it is read and dropped."""
        while True:
            message = read_message(self.stdout)
            if message.get("id") == msg_id and "method" not in message:
                return message

    def start(self, options: Any = None) -> dict[str, Any]:
        init = (
            INITIALIZE
            if options is None
            else {**INITIALIZE, "params": {**INITIALIZE["params"], "initializationOptions": options}}
        )
        self.send(init)
        answer = self.answer_to(1)
        self.send({"method": "initialized", "params": {}})
        return answer

    def listen(self) -> None:
        """Read what the server sends on a thread from now on, for :meth:`wait_for` (which, unlike
        :meth:`answer_to`, gives up after a timeout: for what a broken server would never send)."""
        self._inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        #: Every message read so far, in order.
        self.seen: list[dict[str, Any]] = []

        def pump() -> None:
            with contextlib.suppress(AssertionError, OSError, ValueError):  # the end of the stream
                while True:
                    self._inbox.put(read_message(self.stdout))
            self._inbox.put(None)

        threading.Thread(target=pump, daemon=True).start()

    def wait_for(self, found: Callable[[dict[str, Any]], bool], timeout: float = 30.0) -> dict[str, Any]:
        while True:
            try:
                message = self._inbox.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"nothing of the kind in {timeout} s; seen: {self.seen}") from None
            assert message is not None, f"the server closed the connection; seen: {self.seen}"
            self.seen.append(message)
            if found(message):
                return message

    def close(self) -> None:
        self.proc.kill()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()
        self.proc.wait()
