"""LSP over a pipe written and read by hand: for messages a client library would refuse to send."""

from __future__ import annotations

import json
import subprocess
import sys
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


class RawServer:
    """``nql-lsp`` in a subprocess over stdio, its stderr kept for the test to read."""

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nql_lsp", *args],
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

    def close(self) -> None:
        self.proc.kill()
        self.proc.communicate()
