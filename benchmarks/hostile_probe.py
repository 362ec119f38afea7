"""A hostile LSP client: attacks a running ``nql-lsp`` over its stdio pipes, and checks it after each attack.

It talks raw JSON-RPC with framing written here (nothing of the server's own LSP code is imported), as an
editor does: it starts the ``nql-lsp`` console script next to the running Python, answers the server's
requests (``workspace/configuration`` with the settings it is testing), and after every attack runs a
health check that asserts correct answers, not just any answer:

- a query with exactly one error is opened and exactly that diagnostic is published, with its exact range;
- a hover on a known field returns that field's doc;
- completion after ```sys/`` lists the ``sys/`` fields.

Nothing on stderr may be a traceback, and no error-level ``window/logMessage`` may be sent, for any attack.
RSS is read before and after the attacks and after every document is closed.

    python benchmarks/hostile_probe.py [-k SUBSTRING] [-v]

prints one line per attack (PASS/FAIL and why) and a summary; exits 1 on any failure.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import queue
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

# --- the client ---------------------------------------------------------------------------------------


#: The command that starts the server, when ``--server`` names one.
SERVER: list[str] = []


def server_command() -> list[str]:
    if SERVER:
        return SERVER
    script = Path(sys.executable).with_name("nql-lsp")
    if script.exists():
        return [str(script)]
    found = shutil.which("nql-lsp")
    return [found] if found else [sys.executable, "-m", "nql_lsp"]


def body_of(message: Any) -> bytes:
    return json.dumps(message, ensure_ascii=False).encode("utf-8", "surrogatepass")


def framed(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class ProbeError(AssertionError):
    pass


class Client:
    """One ``nql-lsp`` process and the messages it wrote, read on a thread with this module's own framing."""

    def __init__(self, capabilities: dict[str, Any] | None = None, cwd: str | None = None) -> None:
        self.proc = subprocess.Popen(
            server_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd
        )
        self.inbox: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.log: list[dict[str, Any]] = []  # everything the server sent that was not a response
        self.responses: dict[Any, dict[str, Any]] = {}
        self.stderr = bytearray()
        self.config: dict[str, Any] = {}
        self.closed = False
        self._next = 1000
        self._lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()
        self.capabilities = capabilities if capabilities is not None else default_capabilities()
        #: How the server's own requests are answered: None is as an editor does; otherwise a function
        #: of the request giving the message to send back, or None to leave it unanswered.
        self.reply: Callable[[dict[str, Any]], dict[str, Any] | None] | None = None

    # framing, by hand
    def _read(self) -> None:
        stream = self.proc.stdout
        assert stream is not None
        try:
            while True:
                length = None
                while True:
                    line = stream.readline()
                    if not line:
                        raise EOFError
                    if line in (b"\r\n", b"\n"):
                        break
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value.strip())
                if length is None:
                    raise ProbeError("the server wrote a header block without Content-Length")
                data = stream.read(length)
                message = json.loads(data)
                if isinstance(message, dict) and "method" in message and "id" in message:
                    self._answer_server_request(message)
                self.inbox.put(message)
        except (EOFError, OSError, ValueError):
            pass
        finally:
            self.closed = True
            self.inbox.put(None)

    def _read_stderr(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        with contextlib.suppress(OSError, ValueError):
            for chunk in iter(lambda: os.read(stream.fileno(), 65536), b""):
                self.stderr += chunk

    def _answer_server_request(self, message: dict[str, Any]) -> None:
        if self.reply is not None:
            if (answer := self.reply(message)) is not None:
                self.send(answer)
            return
        method = message["method"]
        if method == "workspace/configuration":
            items = message.get("params", {}).get("items", [])
            result: Any = [self.config if item.get("section") == "nql" else None for item in items]
        else:
            result = None
        self.send({"jsonrpc": "2.0", "id": message["id"], "result": result})

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with self._lock:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()

    def send(self, message: Any) -> None:
        self.write(framed(body_of(message)))

    def notify(self, method: str, params: Any = None, **extra: Any) -> None:
        message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, **extra}
        if params is not None:
            message["params"] = params
        self.send(message)

    def request(self, method: str, params: Any = None, msg_id: Any = None, omit_params: bool = False) -> Any:
        if msg_id is None:
            self._next += 1
            msg_id = self._next
        message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
        if not omit_params:
            message["params"] = params
        self.send(message)
        return msg_id

    def pump(self, timeout: float) -> dict[str, Any] | None:
        try:
            message = self.inbox.get(timeout=timeout)
        except queue.Empty:
            return None
        if message is None:
            self.inbox.put(None)
            raise ProbeError(f"the server closed its output (exit status {self.proc.poll()})")
        if "method" not in message and "id" in message:
            self.responses[_key(message["id"])] = message
        else:
            self.log.append(message)
        return message

    def response(self, msg_id: Any, timeout: float = 15.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while _key(msg_id) not in self.responses:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError(f"no response to request id {msg_id!r} in {timeout} s")
            self.pump(min(left, 0.5))
        return self.responses.pop(_key(msg_id))

    def result(self, method: str, params: Any = None, timeout: float = 15.0) -> Any:
        answer = self.response(self.request(method, params), timeout)
        if "error" in answer:
            raise ProbeError(f"{method} answered an error: {answer['error']}")
        return answer.get("result")

    def wait_for(
        self, found: Callable[[dict[str, Any]], bool], timeout: float = 15.0, what: str = ""
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        start = len(self.log)
        while True:
            for message in self.log[start:]:
                if found(message):
                    return message
            start = len(self.log)
            left = deadline - time.monotonic()
            if left <= 0:
                raise ProbeError(f"nothing like {what or 'that'} in {timeout} s")
            self.pump(min(left, 0.5))

    def drain(self, seconds: float = 0.2) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(min(left, 0.05))

    def diagnostics(self, uri: str, version: int | None, timeout: float = 15.0) -> list[dict[str, Any]]:
        def published(m: dict[str, Any]) -> bool:
            p = m.get("params") or {}
            return (
                m.get("method") == "textDocument/publishDiagnostics"
                and p.get("uri") == uri
                and (version is None or p.get("version") == version)
            )

        found = [m for m in self.log if published(m)]
        message = found[-1] if found else self.wait_for(published, timeout, f"diagnostics of {uri} v{version}")
        diagnostics: list[dict[str, Any]] = message["params"]["diagnostics"]
        return diagnostics

    def initialize(self, options: Any = None, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"processId": os.getpid(), "rootUri": None, "capabilities": self.capabilities}
        if options is not None:
            params["initializationOptions"] = options
        params.update(extra or {})
        answer = self.response(self.request("initialize", params), timeout=30)
        self.notify("initialized", {})
        return answer

    def open(self, uri: str, text: str, version: int = 1, language: str = "nql") -> None:
        self.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": language, "version": version, "text": text}},
        )

    def close_document(self, uri: str) -> None:
        self.notify("textDocument/didClose", {"textDocument": {"uri": uri}})

    def rss_mib(self) -> float:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            with contextlib.suppress(Exception):
                answer = self.response(self.request("shutdown"), timeout=5)
                del answer
                self.notify("exit")
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError, ValueError):
                if stream is not None:
                    stream.close()
        return self.proc.returncode


def _key(msg_id: Any) -> str:
    return json.dumps(msg_id)


def default_capabilities() -> dict[str, Any]:
    return {
        "general": {"positionEncodings": ["utf-16"]},
        "workspace": {"configuration": True, "didChangeConfiguration": {"dynamicRegistration": True}},
        "window": {"workDoneProgress": True, "showMessage": {}},
        "textDocument": {
            "hover": {"contentFormat": ["markdown", "plaintext"]},
            "completion": {"completionItem": {"snippetSupport": True}},
            "publishDiagnostics": {"relatedInformation": True, "versionSupport": True},
            "documentSymbol": {"hierarchicalDocumentSymbolSupport": True},
            "semanticTokens": {
                "requests": {"full": {"delta": True}, "range": True},
                "tokenTypes": [],
                "tokenModifiers": [],
                "formats": ["relative"],
            },
        },
    }


# --- what a healthy server answers ------------------------------------------------------------------------

# One error: the type `strin` of the second clause, code points 37..42 (counted by hand:
# `sys/id` 0-7, ':' 8, 'string' 9-14, ' = ' 15-17, '"a"' 18-20, ' AND ' 21-25, `sys/name` 26-35, ':' 36).
ONE_ERROR = '`sys/id`:string = "a" AND `sys/name`:strin = "b"'
ONE_ERROR_RANGE = {"start": {"line": 0, "character": 37}, "end": {"line": 0, "character": 42}}
SYS_ID_DOC = "The run's short id"


class Health:
    def __init__(self) -> None:
        self.n = 0

    def check(self, c: Client, timeout: float = 15.0) -> None:
        self.n += 1
        if c.proc.poll() is not None:
            raise ProbeError(f"the server exited with status {c.proc.returncode}")
        uri = f"file:///probe/health-{self.n}.nql"
        c.open(uri, ONE_ERROR, version=7)
        diags = c.diagnostics(uri, 7, timeout)
        if len(diags) != 1:
            raise ProbeError(f"health: expected exactly one diagnostic, got {diags}")
        d = diags[0]
        if d.get("range") != ONE_ERROR_RANGE or d.get("code") != "NQL101" or d.get("severity") != 1:
            raise ProbeError(f"health: wrong diagnostic {d}")
        hover = c.result(
            "textDocument/hover", {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 3}}, timeout
        )
        value = ((hover or {}).get("contents") or {}).get("value", "")
        if SYS_ID_DOC not in value or (hover or {}).get("range") != {
            "start": {"line": 0, "character": 0},
            "end": {"line": 0, "character": 8},
        }:
            raise ProbeError(f"health: hover on `sys/id` gave {hover}")
        curi = f"file:///probe/health-{self.n}-c.nql"
        c.open(curi, "`sys/")
        done = c.result(
            "textDocument/completion", {"textDocument": {"uri": curi}, "position": {"line": 0, "character": 5}}, timeout
        )
        items = done["items"] if isinstance(done, dict) else done or []
        labels = {i.get("label") for i in items}
        if not {"sys/id", "sys/name", "sys/owner"} <= labels:
            raise ProbeError(f"health: completion after `sys/ lacks sys fields: {sorted(labels)[:10]}")
        c.close_document(uri)
        c.close_document(curi)


# --- the attacks ---------------------------------------------------------------------------------------

Attack = Callable[["Probe"], None]
ATTACKS: list[tuple[str, str, Attack]] = []  # (group, name, function)


def attack(group: str, name: str) -> Callable[[Attack], Attack]:
    def register(fn: Attack) -> Attack:
        ATTACKS.append((group, name, fn))
        return fn

    return register


def expect_exit(c: Client, status: int, what: str) -> None:
    """Send ``exit``; the process must end within 5 s with ``status`` (LSP: 0 after shutdown, else 1)."""
    c.notify("exit")
    try:
        code = c.proc.wait(5)
    except subprocess.TimeoutExpired:
        c.proc.kill()
        raise ProbeError(f"{what} did not end the process in 5 s") from None
    finally:
        c.stop()
    if code != status:
        raise ProbeError(f"{what}: status {code}, not {status}")


def expect_error(answer: dict[str, Any], code: int | tuple[int, ...], what: str) -> None:
    codes = (code,) if isinstance(code, int) else code
    error = answer.get("error")
    if not isinstance(error, dict) or error.get("code") not in codes:
        raise ProbeError(f"{what}: expected error {codes}, got {answer}")


def expect_answer(c: Client, msg_id: Any, what: str, timeout: float = 15.0) -> dict[str, Any]:
    answer = c.response(msg_id, timeout)
    if "result" not in answer and "error" not in answer:
        raise ProbeError(f"{what}: a response with neither result nor error: {answer}")
    return answer


class Probe:
    def __init__(self, verbose: bool) -> None:
        self.verbose = verbose
        self.health = Health()
        self.tmp = Path(tempfile.mkdtemp(prefix="nql-probe-"))
        self._main: Client | None = None

    @property
    def main(self) -> Client:
        if self._main is None or self._main.proc.poll() is not None:
            self._main = Client()
            self._main.initialize()
            self._main.drain(0.5)
        return self._main

    def fresh(self, **kw: Any) -> Client:
        return Client(**kw)


def hover_params(uri: str, line: Any, character: Any) -> dict[str, Any]:
    return {"textDocument": {"uri": uri}, "position": {"line": line, "character": character}}


def hover_request_body(msg_id: Any, uri: str = "file:///probe/known.nql") -> bytes:
    return body_of({"jsonrpc": "2.0", "id": msg_id, "method": "textDocument/hover", "params": hover_params(uri, 0, 3)})


def known_document(c: Client) -> str:
    uri = "file:///probe/known.nql"
    c.open(uri, ONE_ERROR, version=1)
    c.diagnostics(uri, 1)
    return uri


def hover_answered(c: Client, msg_id: Any, what: str) -> None:
    answer = c.response(msg_id)
    value = ((answer.get("result") or {}).get("contents") or {}).get("value", "")
    if SYS_ID_DOC not in value:
        raise ProbeError(f"{what}: hover not answered with the field's doc: {answer}")


# framing ---------------------------------------------------------------------------------------------


@attack("framing", "absurd Content-Length (10**12)")
def _(p: Probe) -> None:
    p.main.write(b"Content-Length: 1000000000000\r\n\r\n{}")


@attack("framing", "negative Content-Length")
def _(p: Probe) -> None:
    p.main.write(b"Content-Length: -5\r\n\r\n{}")


@attack("framing", "non-numeric Content-Length")
def _(p: Probe) -> None:
    p.main.write(b"Content-Length: twelve\r\n\r\n{}")


@attack("framing", "Content-Length with a float and trailing junk")
def _(p: Probe) -> None:
    p.main.write(b"Content-Length: 12.5\r\n\r\n{}Content-Length: 3x\r\n\r\n")


@attack("framing", "duplicated Content-Length (the last one is the body's)")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    body = hover_request_body(7001)
    c.write(b"Content-Length: 3\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    hover_answered(c, 7001, "duplicated header")


@attack("framing", "missing Content-Length")
def _(p: Probe) -> None:
    p.main.write(b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n" + hover_request_body(7002))
    p.main.drain(0.3)


def framed_hover(p: Probe, msg_id: int, header: bytes, what: str) -> None:
    """A hover sent under ``header`` (its ``%d`` the body's length) must be answered as any other."""
    c = p.main
    known_document(c)
    body = hover_request_body(msg_id)
    c.write(header % len(body) + body)
    hover_answered(c, msg_id, what)


@attack("framing", "lowercase header name")
def _(p: Probe) -> None:
    framed_hover(p, 7003, b"content-length: %d\r\n\r\n", "lowercase header")


@attack("framing", "mixed-case header name, no space after the colon")
def _(p: Probe) -> None:
    framed_hover(p, 7004, b"CoNtEnT-LeNgTh:%d\r\n\r\n", "mixed-case header")


@attack("framing", "extra headers before and after Content-Length")
def _(p: Probe) -> None:
    framed_hover(p, 7005, b"X-Editor: hostile\r\nContent-Length: %d\r\nX-Trace: 1\r\n\r\n", "extra headers")


@attack("framing", "Content-Type naming another charset (utf8, latin-1)")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    body = hover_request_body(7006)
    c.write(b"Content-Length: %d\r\nContent-Type: application/vscode-jsonrpc; charset=utf8\r\n\r\n" % len(body) + body)
    hover_answered(c, 7006, "charset=utf8 (LSP says accept it)")
    body = hover_request_body(7007)
    c.write(b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.drain(0.3)
    c.responses.pop(_key(7007), None)


@attack("framing", "body shorter than declared, then a valid message")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    body = hover_request_body(7008)
    c.write(b'Content-Length: 500\r\n\r\n{"jsonrpc": "2.0"}')
    c.write(framed(body))
    # The header of the valid message arrives inside the short one's body: no JSON holds a raw header
    # line, so the server can tell, and must answer the message that header frames, then the next one.
    hover_answered(c, 7008, "the message after a short body")
    c.write(framed(hover_request_body(7009)))
    hover_answered(c, 7009, "after a short body")


@attack("framing", "body longer than declared")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    body = hover_request_body(7010)
    c.write(b"Content-Length: %d\r\n\r\n" % len(body) + body + b"  trailing garbage }}}\r\n")
    hover_answered(c, 7010, "longer body")


@attack("framing", "invalid JSON")
def _(p: Probe) -> None:
    p.main.write(framed(b'{"jsonrpc": "2.0", "id": 5, "method": '))
    p.main.write(framed(b"\xff\xfe not utf-8 at all"))


@attack("framing", "JSON that is not an object (number, string, null, true)")
def _(p: Probe) -> None:
    for body in (b"42", b'"hello"', b"null", b"true", b"[]"):
        p.main.write(framed(body))


@attack("framing", "a batch array of requests")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    batch = [json.loads(hover_request_body(7011)), json.loads(hover_request_body(7012))]
    c.write(framed(json.dumps(batch).encode()))
    c.drain(0.5)
    c.responses.pop(_key(7011), None)
    c.responses.pop(_key(7012), None)


@attack("framing", "huge integer id (2**80) answered with the same id")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    msg_id = 2**80
    c.write(framed(hover_request_body(msg_id)))
    answer = c.response(msg_id)
    if answer.get("id") != msg_id:
        raise ProbeError(f"the id came back as {answer.get('id')!r}")


@attack("framing", "float id")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    c.write(framed(hover_request_body(1.5)))
    c.drain(0.5)
    c.responses.pop(_key(1.5), None)


@attack("framing", "string id answered with the same string")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    c.write(framed(hover_request_body("ünï-ïd 😀")))
    hover_answered(c, "ünï-ïd 😀", "string id")


@attack("framing", "null id, object id, array id")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    for msg_id in (None, {"a": 1}, [1, 2]):
        c.write(framed(hover_request_body(msg_id)))
    c.drain(0.5)
    for msg_id in (None, {"a": 1}, [1, 2]):
        c.responses.pop(_key(msg_id), None)


@attack("framing", "missing or wrong jsonrpc version")
def _(p: Probe) -> None:
    c = p.main
    known_document(c)
    c.write(
        framed(json.dumps({"id": 7013, "method": "textDocument/hover", "params": hover_params("x", 0, 0)}).encode())
    )
    c.write(framed(json.dumps({"jsonrpc": "1.0", "id": 7014, "method": "shutdown"}).encode()))
    c.drain(0.5)
    for i in (7013, 7014):
        c.responses.pop(_key(i), None)


@attack("framing", "a notification carrying an id (didOpen with id)")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/notif-with-id.nql"
    c.send(
        {
            "jsonrpc": "2.0",
            "id": 7015,
            "method": "textDocument/didOpen",
            "params": {"textDocument": {"uri": uri, "languageId": "nql", "version": 1, "text": ONE_ERROR}},
        }
    )
    c.drain(0.5)
    c.responses.pop(_key(7015), None)
    c.close_document(uri)


@attack("framing", "a response for an unknown id, and a response with an error")
def _(p: Probe) -> None:
    p.main.send({"jsonrpc": "2.0", "id": 987654, "result": {"x": 1}})
    p.main.send({"jsonrpc": "2.0", "id": "nope", "error": {"code": -32603, "message": "client failure"}})
    p.main.send({"jsonrpc": "2.0", "id": 5, "result": None, "error": None})


@attack("framing", "a line of 1 MB without a newline, then NUL bytes")
def _(p: Probe) -> None:
    p.main.write(b"X" * (1 << 20) + b"\r\n\r\n" + b"\x00" * 4096 + b"\r\n\r\n")


# wrong params ------------------------------------------------------------------------------------------


@attack("params", "hover without params -> InvalidParams")
def _(p: Probe) -> None:
    c = p.main
    answer = c.response(c.request("textDocument/hover", omit_params=True))
    expect_error(answer, -32602, "hover without params")


@attack("params", "hover with wrong types (position a string, uri a number)")
def _(p: Probe) -> None:
    c = p.main
    a = c.response(c.request("textDocument/hover", {"textDocument": {"uri": 5}, "position": "0:3"}))
    expect_error(a, -32602, "wrong types")
    a = c.response(c.request("textDocument/hover", [1, 2, 3]))
    expect_error(a, -32602, "params an array")


@attack("params", "positions out of range, negative, huge, fractional")
def _(p: Probe) -> None:
    c = p.main
    uri = known_document(c)
    # LSP 3.17, Position: a character past the line's length defaults back to the line's length, so a
    # hover there answers as one at the end of the line (48); a line past the last is not specified: the
    # answer is null or the end's, never an error.
    at_end = c.response(c.request("textDocument/hover", hover_params(uri, 0, len(ONE_ERROR))))
    if "error" in at_end:
        raise ProbeError(f"hover at the end of the line answered {at_end}")
    for line, ch in ((0, 10**6), (0, 2**31 - 1)):
        a = c.response(c.request("textDocument/hover", hover_params(uri, line, ch)))
        if a.get("result") != at_end.get("result"):
            raise ProbeError(f"hover at {line}:{ch} should answer as at 0:48 ({at_end}), got {a}")
    for line, ch in ((1000, 0), (2**31 - 1, 2**31 - 1)):
        a = c.response(c.request("textDocument/hover", hover_params(uri, line, ch)))
        if "error" in a or a.get("result") not in (None, at_end.get("result")):
            raise ProbeError(f"hover at {line}:{ch} past the last line answered {a}")
    bad: tuple[tuple[Any, Any], ...] = ((-1, 0), (0, -5), (2**40, 0), (0.5, 1))
    for line, ch in bad:
        a = c.response(c.request("textDocument/hover", hover_params(uri, line, ch)))
        if "error" not in a and a.get("result") is not None:
            raise ProbeError(f"hover at {line}:{ch} (not a uinteger) answered {a}")
    for method in ("textDocument/completion", "textDocument/signatureHelp"):
        a = c.response(c.request(method, hover_params(uri, 99, 99)))
        if "error" in a:
            raise ProbeError(f"{method} past the end answered {a}")


@attack("params", "reversed and out-of-range ranges (rangeFormatting, semanticTokens/range, codeAction)")
def _(p: Probe) -> None:
    c = p.main
    uri = known_document(c)
    rng = {"start": {"line": 0, "character": 40}, "end": {"line": 0, "character": 2}}
    far = {"start": {"line": 0, "character": 0}, "end": {"line": 10**6, "character": 10**6}}
    for r in (rng, far):
        for method, extra in (
            ("textDocument/rangeFormatting", {"options": {"tabSize": 4, "insertSpaces": True}}),
            ("textDocument/semanticTokens/range", {}),
            ("textDocument/codeAction", {"context": {"diagnostics": []}}),
            ("textDocument/inlayHint", {}),
        ):
            a = c.response(c.request(method, {"textDocument": {"uri": uri}, "range": r, **extra}))
            if "error" in a:
                raise ProbeError(f"{method} over {r} answered {a['error']}")


@attack("params", "requests on unknown URIs answer empty")
def _(p: Probe) -> None:
    c = p.main
    td = {"textDocument": {"uri": "file:///probe/never-opened.nql"}}
    pos = {**td, "position": {"line": 0, "character": 0}}
    checks: dict[str, tuple[dict[str, Any], tuple[Any, ...]]] = {
        "textDocument/hover": (pos, (None,)),
        "textDocument/completion": (pos, (None, [])),
        "textDocument/documentSymbol": (td, ([], None)),
        "textDocument/foldingRange": (td, ([], None)),
        "textDocument/formatting": ({**td, "options": {"tabSize": 2, "insertSpaces": True}}, ([], None)),
    }
    for method, (params, okay) in checks.items():
        a = c.response(c.request(method, params))
        if "error" in a or a.get("result") not in okay:
            raise ProbeError(f"{method} on an unknown URI answered {a}")
    c.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": "file:///probe/nope.nql", "version": 2}, "contentChanges": [{"text": "x"}]},
    )
    c.notify("textDocument/didClose", {"textDocument": {"uri": "file:///probe/nope.nql"}})


@attack("params", "odd URI schemes (untitled:, http:, not a URI, empty)")
def _(p: Probe) -> None:
    c = p.main
    for uri in (
        "untitled:Untitled-1",
        "http://example.com/q.nql?x=1#f",
        "not a uri at all",
        "",
        "file://%zz/\u0000.nql",
    ):
        c.open(uri, ONE_ERROR, version=3)
        diags = c.diagnostics(uri, 3)
        if [d["range"] for d in diags] != [ONE_ERROR_RANGE]:
            raise ProbeError(f"{uri!r}: diagnostics {diags}")
        a = c.response(c.request("textDocument/hover", hover_params(uri, 0, 3)))
        if SYS_ID_DOC not in str(a.get("result")):
            raise ProbeError(f"hover in {uri!r}: {a}")
        c.close_document(uri)


@attack("params", "lone surrogates and non-ASCII text, exact UTF-16 range")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/surrogates.nql"
    c.send(
        {
            "jsonrpc": "2.0",
            "method": "textDocument/didOpen",
            "params": {
                "textDocument": {
                    "uri": uri,
                    "languageId": "nql",
                    "version": 1,
                    "text": '`sys/\ud800x`:string = "\udfff"',
                }
            },
        }
    )
    c.diagnostics(uri, 1)
    a = c.response(c.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}}))
    if "error" in a:
        raise ProbeError(f"semantic tokens on lone surrogates: {a}")
    c.close_document(uri)
    # `sys/name`:string = "é😀" AND `sys/id`:strin = "b" in UTF-16 units: `sys/name` 0-9, ':' 10, string
    # 11-16, ' = ' 17-19, '"' 20, é 21, 😀 22-23, '"' 24, ' AND ' 25-29, `sys/id` 30-37, ':' 38, strin 39-43.
    uri = "file:///probe/non-ascii.nql"
    c.open(uri, '`sys/name`:string = "é😀" AND `sys/id`:strin = "b"')
    diags = c.diagnostics(uri, 1)
    want = {"start": {"line": 0, "character": 39}, "end": {"line": 0, "character": 44}}
    if [d["range"] for d in diags] != [want]:
        raise ProbeError(f"non-ASCII: {diags}")
    c.close_document(uri)


@attack("params", "a 10 MB document does not stall a small one")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/huge.nql"
    clause = '(`sys/id`:string = "RUN-1") OR '
    text = clause * (10_000_000 // len(clause))
    c.open(uri, text + '`sys/id`:string = "x"')
    t0 = time.monotonic()
    p.health.check(c, timeout=10)
    took = time.monotonic() - t0
    c.close_document(uri)
    if took > 5:
        raise ProbeError(f"the health check took {took:.1f} s beside a 10 MB document")


@attack("params", "1,000 rapid full didChanges, the last one's diagnostics published")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/rapid.nql"
    c.open(uri, '`sys/id`:string = "a"')
    chunks = []
    for v in range(2, 1002):
        text = f'`sys/id`:string = "{v}"' if v < 1001 else ONE_ERROR
        chunks.append(
            framed(
                body_of(
                    {
                        "jsonrpc": "2.0",
                        "method": "textDocument/didChange",
                        "params": {"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text}]},
                    }
                )
            )
        )
    c.write(b"".join(chunks))
    diags = c.diagnostics(uri, 1001, timeout=30)
    if [d["range"] for d in diags] != [ONE_ERROR_RANGE]:
        raise ProbeError(f"the last version's diagnostics: {diags}")
    versions = [
        m["params"].get("version")
        for m in c.log
        if m.get("method") == "textDocument/publishDiagnostics" and m["params"]["uri"] == uri
    ]
    if versions != sorted(versions):
        raise ProbeError(f"diagnostics published out of order: {versions[-10:]}")
    c.close_document(uri)


@attack("params", "incremental changes with ranges beyond the document")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/beyond.nql"
    c.open(uri, '`sys/id`:string = "a"')

    def change(version: int, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        c.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": start[0], "character": start[1]},
                            "end": {"line": end[0], "character": end[1]},
                        },
                        "text": text,
                    }
                ],
            },
        )

    change(2, (5, 0), (9, 9), " ")
    change(3, (0, 500), (0, 900), "")
    change(4, (0, 10), (0, 2), "")  # reversed
    change(5, (-1, 0), (0, 0), "")  # negative
    c.notify(
        "textDocument/didChange",
        {"textDocument": {"uri": uri, "version": 6}, "contentChanges": [{"range": None, "text": 5}]},
    )
    # After all that, a full replacement must be honoured exactly.
    c.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 7}, "contentChanges": [{"text": ONE_ERROR}]}
    )
    diags = c.diagnostics(uri, 7)
    if [d["range"] for d in diags] != [ONE_ERROR_RANGE]:
        raise ProbeError(f"after bad ranges and a full change: {diags}")
    # And an incremental edit at the very end (line 0, character = length) is exact.
    change(8, (0, len(ONE_ERROR)), (0, len(ONE_ERROR)), " AND `flag`:bool = true")
    diags = c.diagnostics(uri, 8)
    if [d["range"] for d in diags] != [ONE_ERROR_RANGE]:
        raise ProbeError(f"after an edit at the end: {diags}")
    c.close_document(uri)


@attack("params", "didOpen twice, didChange with an older version, didClose twice")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/twice.nql"
    c.open(uri, '`sys/id`:string = "a"', version=5)
    c.open(uri, ONE_ERROR, version=6)
    diags = c.diagnostics(uri, 6)
    if [d["range"] for d in diags] != [ONE_ERROR_RANGE]:
        raise ProbeError(f"second didOpen: {diags}")
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": "x"}]})
    c.close_document(uri)
    c.close_document(uri)


# bad settings -------------------------------------------------------------------------------------------

WRONG_SETTINGS: list[dict[str, Any]] = [
    {"lineWidth": "wide"},
    {"lineWidth": 10**30},
    {"lineWidth": -3},
    {"lineWidth": True},
    {"lineWidth": 80.5},
    {"severity": "error"},
    {"severity": {"NQL999": "loud", "mixed-and-or": 3}},
    {"severity": [1, 2]},
    {"runs": 12},
    {"runs": ["a"]},
    {"runs": {"path": "x"}},
    {"project": 5},
    {"project": [1, None]},
    {"python": {"enable": "yes"}},
    {"python": "on"},
    {"python.enable": 0},
    {"logLevel": "loud"},
    {"logLevel": None},
    {"unknownSetting": {"deep": [1]}},
]


def show_messages(c: Client, start: int) -> list[str]:
    return [
        m["params"]["message"]
        for m in c.log[start:]
        if m.get("method") == "window/showMessage" and isinstance(m.get("params"), dict)
    ]


@attack("settings", "every nql.* setting with wrong types (didChangeConfiguration)")
def _(p: Probe) -> None:
    c = p.main
    for bad in WRONG_SETTINGS:
        c.config = bad
        c.notify("workspace/didChangeConfiguration", {"settings": {"nql": bad}})
    c.drain(1.0)
    c.config = {}
    c.notify("workspace/didChangeConfiguration", {"settings": {"nql": {}}})
    for settings in (None, 5, "nql", [1], {"nql": None}, {"nql": 5}):
        c.notify("workspace/didChangeConfiguration", {"settings": settings})
    c.notify("workspace/didChangeConfiguration", None)
    c.drain(0.5)


@attack("settings", "wrong initializationOptions (a string, a list, nested wrong)")
def _(p: Probe) -> None:
    for options in ("nql", [1, 2], {"nql": {"lineWidth": "x", "runs": 3}}, {"lineWidth": {"a": 1}}):
        c = Client()
        try:
            answer = c.initialize(options)
            if "result" not in answer:
                raise ProbeError(f"initialize with options {options!r}: {answer}")
            p.health.check(c)
        finally:
            c.stop()


def runs_setting_refused(p: Probe, path: str, what: str, timeout: float = 15.0) -> None:
    """nql.runs = path: a showMessage naming the path arrives promptly and the server stays healthy."""
    c = p.main
    start = len(c.log)
    c.config = {"runs": path}
    c.notify("workspace/didChangeConfiguration", {"settings": {"nql": {"runs": path}}})
    shown = path if len(path) < 80 else path[-40:]
    name = os.path.basename(path) or path
    try:
        c.wait_for(
            lambda m: (
                m.get("method") == "window/showMessage"
                and (shown in m["params"]["message"] or name[-40:] in m["params"]["message"])
            ),
            timeout,
            f"a message naming {what}",
        )
    finally:
        c.config = {}
    del start


@attack("settings", "nql.runs a FIFO")
def _(p: Probe) -> None:
    fifo = p.tmp / "runs.fifo"
    os.mkfifo(fifo)
    runs_setting_refused(p, str(fifo), "the FIFO")


@attack("settings", "nql.runs a directory without an export")
def _(p: Probe) -> None:
    d = p.tmp / "empty-dir"
    d.mkdir()
    runs_setting_refused(p, str(d), "the directory")


@attack("settings", "nql.runs /dev/zero")
def _(p: Probe) -> None:
    runs_setting_refused(p, "/dev/zero", "/dev/zero")


@attack("settings", "nql.runs a non-UTF-8 file")
def _(p: Probe) -> None:
    f = p.tmp / "latin1.json"
    f.write_bytes(b'[{"sys/id": "caf\xe9"}]')
    runs_setting_refused(p, str(f), "the non-UTF-8 file")


@attack("settings", "nql.runs a 1 GB sparse file, RSS stays bounded")
def _(p: Probe) -> None:
    f = p.tmp / "sparse.jsonl"
    with f.open("wb") as out:
        out.truncate(1 << 30)
    before = p.main.rss_mib()
    t0 = time.monotonic()
    runs_setting_refused(p, str(f), "the sparse file", timeout=30)
    took = time.monotonic() - t0
    after = p.main.rss_mib()
    if after - before > 300:
        raise ProbeError(f"RSS grew {before:.0f} -> {after:.0f} MiB on a 1 GB sparse runs file")
    if took > 20:
        raise ProbeError(f"{took:.1f} s to refuse a 1 GB sparse file")


@attack("settings", "nql.runs a path over NAME_MAX")
def _(p: Probe) -> None:
    runs_setting_refused(p, str(p.tmp / ("x" * 300 + ".json")), "the long path")


@attack("settings", "nql.runs a relative path that does not exist")
def _(p: Probe) -> None:
    runs_setting_refused(p, "no/such/runs.json", "the relative path")


@attack("settings", "nql.runs a symlink loop and a dangling symlink")
def _(p: Probe) -> None:
    loop = p.tmp / "loop.json"
    os.symlink(loop, loop)
    runs_setting_refused(p, str(loop), "the symlink loop")
    dangling = p.tmp / "dangling.json"
    os.symlink(p.tmp / "nowhere.json", dangling)
    runs_setting_refused(p, str(dangling), "the dangling symlink")


@attack("settings", "nql.runs a socket and /dev/null")
def _(p: Probe) -> None:
    path = p.tmp / "runs.sock"
    s = socket.socket(socket.AF_UNIX)
    s.bind(str(path))
    try:
        runs_setting_refused(p, str(path), "the socket")
    finally:
        s.close()
    runs_setting_refused(p, "/dev/null", "/dev/null")


@attack("settings", "nql.runs flipped 30 times quickly: no error-level log")
def _(p: Probe) -> None:
    c = p.main
    for i in range(30):
        value: Any = ["", False, "/dev/null", str(p.tmp)][i % 4]
        c.config = {"runs": value}
        c.notify("workspace/didChangeConfiguration", {"settings": {"nql": {"runs": value}}})
    c.config = {}
    c.notify("workspace/didChangeConfiguration", {"settings": {"nql": {}}})
    c.drain(2.0)


# lifecycle ---------------------------------------------------------------------------------------------


@attack("lifecycle", "requests before initialize -> -32002, notifications dropped")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        expect_error(c.response(c.request("textDocument/hover", hover_params("file:///x.nql", 0, 0))), -32002, "hover")
        expect_error(c.response(c.request("shutdown")), -32002, "shutdown")
        expect_error(c.response(c.request("no/such")), (-32002, -32601), "unknown")
        c.open("file:///probe/early.nql", ONE_ERROR)
        c.initialize()
        p.health.check(c)
        # The early didOpen was dropped: the document is unknown.
        a = c.response(c.request("textDocument/hover", hover_params("file:///probe/early.nql", 0, 3)))
        if a.get("result") is not None:
            raise ProbeError(f"a document opened before initialize is served: {a}")
    finally:
        c.stop()


@attack("lifecycle", "double initialize, initialized twice")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        c.initialize()
        answer = c.response(c.request("initialize", {"processId": None, "rootUri": None, "capabilities": {}}))
        if "error" not in answer:
            raise ProbeError(f"a second initialize was answered {str(answer)[:200]}; LSP: only once")
        c.notify("initialized", {})
        c.notify("initialized", {})
        p.health.check(c)
    finally:
        c.stop()


@attack("lifecycle", "requests after shutdown -> InvalidRequest, double shutdown, exit 0")
def _(p: Probe) -> None:
    c = p.fresh()
    c.initialize()
    a = c.response(c.request("shutdown"))
    if a.get("result", "missing") is not None:
        raise ProbeError(f"shutdown answered {a}")
    expect_error(c.response(c.request("shutdown")), -32600, "second shutdown")
    expect_error(c.response(c.request("textDocument/hover", hover_params("x", 0, 0))), -32600, "hover after shutdown")
    expect_error(c.response(c.request("no/such")), -32600, "unknown after shutdown")
    c.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": "file:///a.nql", "languageId": "nql", "version": 1, "text": "x"}},
    )
    expect_exit(c, 0, "exit after shutdown")


@attack("lifecycle", "exit without shutdown -> status 1")
def _(p: Probe) -> None:
    c = p.fresh()
    c.initialize()
    expect_exit(c, 1, "exit without shutdown")


@attack("lifecycle", "exit before initialize -> status 1")
def _(p: Probe) -> None:
    c = p.fresh()
    expect_exit(c, 1, "exit before initialize")


@attack("lifecycle", "exit while a big analysis runs -> prompt exit")
def _(p: Probe) -> None:
    c = p.fresh()
    c.initialize()
    clause = '`sys/id`:string = "RUN-1" OR '
    c.open("file:///probe/big.nql", clause * (3_900_000 // len(clause)) + '`sys/id`:string = "x"')
    c.open("file:///probe/big2.nql", "(" * 50_000 + ONE_ERROR)
    time.sleep(0.3)
    c.response(c.request("shutdown"), timeout=30)
    t0 = time.monotonic()
    expect_exit(c, 0, "exit while analysing")
    if time.monotonic() - t0 > 2:
        raise ProbeError(f"exit while analysing took {time.monotonic() - t0:.1f} s")


@attack("lifecycle", "stdin closed without exit -> the process ends")
def _(p: Probe) -> None:
    c = p.fresh()
    c.initialize()
    assert c.proc.stdin is not None
    c.proc.stdin.close()
    try:
        c.proc.wait(5)
    except subprocess.TimeoutExpired:
        c.proc.kill()
        raise ProbeError("the server kept running after its stdin closed") from None
    finally:
        c.stop()


@attack("lifecycle", "$/cancelRequest for unknown and finished ids, odd ids")
def _(p: Probe) -> None:
    c = p.main
    uri = known_document(c)
    done = c.request("textDocument/hover", hover_params(uri, 0, 3))
    c.response(done)
    for msg_id in (done, 424242, "nope", None, 2**70):
        c.notify("$/cancelRequest", {"id": msg_id})
    c.notify("$/cancelRequest", None)
    c.notify("$/cancelRequest", {"wrong": 1})


@attack("lifecycle", "$/setTrace, $/logTrace and unknown $/ notifications ignored")
def _(p: Probe) -> None:
    c = p.main
    for value in ("verbose", "messages", "off", "loud", 3):
        c.notify("$/setTrace", {"value": value})
    c.notify("$/setTrace", None)
    c.notify("$/logTrace", {"message": "hi"})
    c.notify("$/no/such/thing", {"x": 1})
    c.notify("$/progress", {"token": "t", "value": {"kind": "end"}})
    c.notify("some/unknownNotification", {"x": 1})
    c.notify("window/workDoneProgress/cancel", {"token": "never-created"})
    c.drain(0.5)
    stray = [m for m in c.log if "id" in m and m.get("id") is not None and "method" not in m]
    if stray:
        raise ProbeError(f"a notification was answered: {stray}")
    c.notify("$/setTrace", {"value": "off"})


@attack("lifecycle", "unknown requests -> MethodNotFound (with and without params, $/ ones)")
def _(p: Probe) -> None:
    c = p.main
    expect_error(c.response(c.request("no/such/method", {"x": 1})), -32601, "unknown")
    expect_error(c.response(c.request("no/such/method", omit_params=True)), -32601, "unknown without params")
    expect_error(c.response(c.request("$/unknownRequest", {})), -32601, "$/ request")
    expect_error(c.response(c.request("workspace/symbol", {"query": ""})), (-32601,), "unadvertised")


@attack("lifecycle", "$/cancelRequest of an in-flight request: answered, with a result or RequestCancelled")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/cancel-big.nql"
    clause = '(`sys/id`:string = "RUN-1" AND `sys/tags`:stringSet CONTAINS "x")\nOR '
    c.open(uri, clause * (2_000_000 // len(clause)) + '`sys/id`:string = "x"')
    ids = [
        c.request(
            "textDocument/formatting", {"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": True}}
        )
    ]
    ids.append(c.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}}))
    for msg_id in ids:
        c.notify("$/cancelRequest", {"id": msg_id})
    for msg_id in ids:
        a = c.response(msg_id, timeout=60)
        if "error" in a and a["error"].get("code") != -32800:
            raise ProbeError(f"a cancelled request answered {a['error']}")
        if "error" not in a and "result" not in a:
            raise ProbeError(f"a cancelled request answered {a}")
    c.close_document(uri)


@attack("lifecycle", "initialize with unreadable params -> an error, then a valid initialize serves")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        for params in ({"processId": None}, None, {"processId": "me", "capabilities": 5}):
            a = c.response(c.request("initialize", params))
            if "error" not in a:
                raise ProbeError(f"initialize with {params!r} answered {str(a)[:200]}")
        c.initialize()
        p.health.check(c)
    finally:
        c.stop()


@attack("lifecycle", "the root of the file system as the workspace, folders added and removed")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        c.initialize(extra={"rootUri": "file:///", "workspaceFolders": [{"uri": "file:///", "name": "root"}]})
        p.health.check(c, timeout=15)
        c.notify(
            "workspace/didChangeWorkspaceFolders",
            {
                "event": {
                    "added": [{"uri": "file:///proc", "name": "proc"}, {"uri": "file:///dev", "name": "dev"}],
                    "removed": [{"uri": "file:///", "name": "root"}, {"uri": "file:///never", "name": "x"}],
                }
            },
        )
        c.notify("workspace/didChangeWorkspaceFolders", {"event": {"added": "x", "removed": None}})
        p.health.check(c, timeout=15)
    finally:
        c.stop()


def _error_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32603, "message": "the client failed"}}


def _garbage_reply(message: dict[str, Any]) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": message["id"], "result": {"nql": 5} if "configuration" in message["method"] else 5}


@attack("lifecycle", "the client answers the server's requests with errors, garbage, or never")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        for reply in (_error_reply, _garbage_reply, lambda m: None):
            c.reply = reply
            if reply is _error_reply:
                c.initialize()
            c.notify("workspace/didChangeConfiguration", {"settings": None})
            c.drain(0.5)
            p.health.check(c)
    finally:
        c.reply = None
        c.stop()


@attack("params", "didChange with no changes, a null text, no textDocument, then a full change")
def _(p: Probe) -> None:
    c = p.main
    uri = "file:///probe/odd-changes.nql"
    c.open(uri, '`sys/id`:string = "a"')
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2}, "contentChanges": []})
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": None}]})
    c.notify("textDocument/didChange", {"contentChanges": [{"text": "x"}]})
    c.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4}, "contentChanges": [{}]})
    c.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": "file:///probe/no-text.nql", "languageId": "nql", "version": 1}},
    )
    c.notify(
        "textDocument/didChange", {"textDocument": {"uri": uri, "version": 5}, "contentChanges": [{"text": ONE_ERROR}]}
    )
    if [d["range"] for d in c.diagnostics(uri, 5)] != [ONE_ERROR_RANGE]:
        raise ProbeError("a full change after odd ones was not honoured")
    c.close_document(uri)


@attack("memory", "1,000 documents opened then closed, twice: the second round keeps nothing more")
def _(p: Probe) -> None:
    # The first round raises the allocator's high-water mark (1,000 analyses held at once), which CPython
    # does not give back to the system in full; what is kept for closed documents would grow the second.
    c = p.main
    text = " OR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(50))
    rss = [c.rss_mib()]
    for round_ in range(2):
        for i in range(1000):
            c.open(f"file:///probe/many-{round_}-{i}.nql", text)
        c.diagnostics(f"file:///probe/many-{round_}-999.nql", 1, timeout=60)
        for i in range(1000):
            c.close_document(f"file:///probe/many-{round_}-{i}.nql")
        c.drain(1.0)
        rss.append(c.rss_mib())
    if rss[2] - rss[1] > 20:
        raise ProbeError(f"RSS {rss[0]:.0f} -> {rss[1]:.0f} -> {rss[2]:.0f} MiB over two rounds of 1,000 documents")


# commands -----------------------------------------------------------------------------------------------


@attack("commands", "every advertised command with missing and wrong args")
def _(p: Probe) -> None:
    c = p.fresh()
    try:
        init = c.initialize()
        commands = init["result"]["capabilities"].get("executeCommandProvider", {}).get("commands", [])
        if not commands:
            raise ProbeError("no commands advertised")
        uri = known_document(c)
        argsets: list[Any] = [
            None,
            [],
            [None],
            [5],
            [{"uri": uri}],
            ["file:///probe/never.nql"],
            [uri, "zero"],
            [uri, -1],
            [uri, 10**9],
            [uri, {"line": -1, "character": "x"}],
            [uri, None, "klingon"],
            [uri, {"start": {"line": 9, "character": 0}, "end": {"line": 0, "character": 0}}, "filter", 5],
            "not-a-list",
            {"a": 1},
        ]
        for command in [*commands, "nql.noSuchCommand"]:
            for args in argsets:
                params: dict[str, Any] = {"command": command}
                if args is not None:
                    params["arguments"] = args
                a = expect_answer(c, c.request("workspace/executeCommand", params), f"{command} {args!r}")
                if "error" in a and a["error"].get("code") not in (-32602, -32601, -32600, -32603, -32801):
                    raise ProbeError(f"{command} {args!r}: {a}")
                if "error" in a and a["error"].get("code") == -32603:
                    raise ProbeError(f"{command} {args!r}: an internal error {a['error']}")
        p.health.check(c)
    finally:
        c.stop()


@attack("commands", "executeCommand without params, command not a string")
def _(p: Probe) -> None:
    c = p.main
    expect_error(c.response(c.request("workspace/executeCommand", omit_params=True)), -32602, "no params")
    expect_error(c.response(c.request("workspace/executeCommand", {"command": 5})), -32602, "command 5")


# features on empty / huge / broken documents ------------------------------------------------------------

FEATURES: list[tuple[str, dict[str, Any]]] = [
    (
        "textDocument/codeAction",
        {
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 1}},
            "context": {"diagnostics": []},
        },
    ),
    ("textDocument/codeLens", {}),
    ("textDocument/semanticTokens/full", {}),
    ("textDocument/semanticTokens/full/delta", {"previousResultId": "bogus"}),
    (
        "textDocument/semanticTokens/range",
        {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 3, "character": 0}}},
    ),
    ("textDocument/formatting", {"options": {"tabSize": 4, "insertSpaces": True}}),
    (
        "textDocument/rangeFormatting",
        {
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 5}},
            "options": {"tabSize": 4, "insertSpaces": True},
        },
    ),
    ("textDocument/foldingRange", {}),
    ("textDocument/inlayHint", {"range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}}}),
    ("textDocument/documentSymbol", {}),
    ("textDocument/signatureHelp", {"position": {"line": 0, "character": 5}}),
    ("textDocument/selectionRange", {"positions": [{"line": 0, "character": 2}, {"line": 9, "character": 9}]}),
    ("textDocument/completion", {"position": {"line": 0, "character": 3}}),
    ("textDocument/hover", {"position": {"line": 0, "character": 1}}),
]


def features_on(p: Probe, text: str, name: str, timeout: float = 30.0) -> None:
    c = p.main
    uri = f"file:///probe/features-{name}.nql"
    c.open(uri, text)
    for method, extra in FEATURES:
        a = c.response(c.request(method, {"textDocument": {"uri": uri}, **extra}), timeout)
        if "error" in a:
            raise ProbeError(f"{method} on the {name} document: {a['error']}")
    c.close_document(uri)


@attack("features", "every feature on an empty document")
def _(p: Probe) -> None:
    features_on(p, "", "empty")


@attack("features", "every feature on broken documents")
def _(p: Probe) -> None:
    for i, text in enumerate(
        (
            "((((`sys/",
            ')))) AND OR NOT `a`:int > "x',
            "last(`m`:floatSeries",
            "\x00\x01\ufeff\u2028\r\r\n\t",
            "`" * 5000,
            "NOT " * 20000 + "x",
        )
    ):
        features_on(p, text, f"broken-{i}")


@attack("features", "every feature on a 5 MB document")
def _(p: Probe) -> None:
    clause = '(`sys/id`:string = "RUN-1" AND `sys/tags`:stringSet CONTAINS "x")\nOR '
    features_on(p, clause * (5_000_000 // len(clause)) + '`sys/id`:string = "x"', "huge", timeout=60)


# position encodings -------------------------------------------------------------------------------------

# `sys/name`:string = "é😀" AND `sys/id`:strin = "b": the error `strin` is at code points 38..43 (é and 😀 one
# each), UTF-16 units 39..44 (😀 is two), UTF-8 bytes 42..47 (é two, 😀 four).
NON_ASCII = '`sys/name`:string = "é😀" AND `sys/id`:strin = "b"'
ENCODINGS = {"utf-8": (42, 47), "utf-16": (39, 44), "utf-32": (38, 43)}


def encoding_case(p: Probe, offered: list[Any] | None, negotiated: str) -> None:
    caps = default_capabilities()
    if offered is None:
        caps.pop("general")
    else:
        caps["general"] = {"positionEncodings": offered}
    c = p.fresh(capabilities=caps)
    try:
        init = c.initialize()
        got = init["result"]["capabilities"].get("positionEncoding", "utf-16")
        if got != negotiated:
            raise ProbeError(f"offered {offered}: negotiated {got}, expected {negotiated}")
        start, end = ENCODINGS[negotiated]
        uri = "file:///probe/enc.nql"
        c.open(uri, NON_ASCII)
        diags = c.diagnostics(uri, 1)
        want = {"start": {"line": 0, "character": start}, "end": {"line": 0, "character": end}}
        if [d["range"] for d in diags] != [want]:
            raise ProbeError(f"{negotiated}: diagnostic range {[d['range'] for d in diags]}, expected {want}")
        # A hover at the first unit of `sys/id` (after the emoji) names that field, with an exact range.
        sys_id_start = start - 9
        h = c.result("textDocument/hover", hover_params(uri, 0, sys_id_start))
        if SYS_ID_DOC not in str(h) or h["range"]["start"]["character"] != sys_id_start:
            raise ProbeError(f"{negotiated}: hover at {sys_id_start}: {h}")
        # An incremental edit addressed in that encoding: replace `strin` with `string`.
        c.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": uri, "version": 2},
                "contentChanges": [
                    {
                        "range": {"start": {"line": 0, "character": start}, "end": {"line": 0, "character": end}},
                        "text": "string",
                    }
                ],
            },
        )
        if (d2 := c.diagnostics(uri, 2)) != []:
            raise ProbeError(f"{negotiated}: after fixing the type in place: {d2}")
    finally:
        c.stop()


@attack("encoding", "positionEncoding utf-8 with non-ASCII text")
def _(p: Probe) -> None:
    encoding_case(p, ["utf-8"], "utf-8")


@attack("encoding", "positionEncoding utf-32 with non-ASCII text")
def _(p: Probe) -> None:
    encoding_case(p, ["utf-32", "utf-16"], "utf-32")


@attack("encoding", "positionEncoding utf-16 with non-ASCII text")
def _(p: Probe) -> None:
    encoding_case(p, ["utf-16"], "utf-16")


@attack("encoding", "unknown positionEncodings (and none) fall back to utf-16")
def _(p: Probe) -> None:
    encoding_case(p, ["ebcdic", 7], "utf-16")
    encoding_case(p, [], "utf-16")
    encoding_case(p, None, "utf-16")


# --- running -------------------------------------------------------------------------------------------

BAD_STDERR = (b"Traceback (most recent call last)", b"InvalidStateError", b"MemoryError")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-k", default="", help="only the attacks whose name holds this")
    parser.add_argument("-v", action="store_true", help="print the server's stderr of failed attacks")
    parser.add_argument(
        "--server", default="", help="the command starting the server (default: the nql-lsp next to this Python)"
    )
    args = parser.parse_args(argv)
    SERVER[:] = shlex.split(args.server)
    p = Probe(args.v)
    failures = 0
    ran = 0
    rss_start = p.main.rss_mib()
    t_all = time.monotonic()
    for group, name, fn in ATTACKS:
        if args.k and args.k.lower() not in f"{group} {name}".lower():
            continue
        ran += 1
        c = p.main
        err_at = len(c.stderr)
        log_at = len(c.log)
        t0 = time.monotonic()
        why = ""
        try:
            fn(p)
            c = p.main if p._main is c else c
            p.health.check(c)
            c.drain(0.1)
            new_err = bytes(c.stderr[err_at:])
            if bad := [b.decode() for b in BAD_STDERR if b in new_err]:
                why = f"stderr shows {bad}: {new_err[-600:].decode(errors='replace')!r}"
            errors = [
                m["params"].get("message", "")[:200]
                for m in c.log[log_at:]
                if m.get("method") == "window/logMessage" and (m.get("params") or {}).get("type") == 1
            ]
            if errors and not why:
                why = f"error-level logMessage: {errors[:2]}"
        except ProbeError as e:
            why = str(e)
        except Exception as e:  # the probe's own failure: report it as the attack's
            why = f"probe error {type(e).__name__}: {e}\n{traceback.format_exc()}"
        took = time.monotonic() - t0
        status = "FAIL" if why else "PASS"
        failures += bool(why)
        print(f"{status} [{group}] {name} ({took:.2f} s){': ' + why if why else ''}", flush=True)
        if why and args.v:
            print(bytes(c.stderr[err_at:]).decode(errors="replace")[-3000:])
        if why and p._main is not None and p._main.proc.poll() is not None:
            p._main = None  # a dead server: the next attack starts another
    c = p.main
    rss_after = c.rss_mib()
    for m in list(c.log):
        if m.get("method") == "textDocument/publishDiagnostics":
            c.close_document(m["params"]["uri"])
    c.drain(1.0)
    # one more health check after closing everything; its documents are closed by it
    extra = 0
    try:
        p.health.check(c)
        c.drain(1.0)
    except ProbeError as e:
        extra += 1
        print(f"FAIL [memory] health after closing every document: {e}")
    rss_closed = c.rss_mib()
    print(
        f"RSS of the long-lived server: {rss_start:.0f} MiB at start, {rss_after:.0f} MiB after the attacks, "
        f"{rss_closed:.0f} MiB after closing every document"
    )
    # What is kept for closed documents is caught by the two-round attack; this bound is for what no
    # attack measures: the high-water mark of 1,000 analyses at once is about 100 MiB on its own.
    if rss_closed - rss_start > 200:
        extra += 1
        print(f"FAIL [memory] RSS after closing every document is {rss_closed - rss_start:.0f} MiB over the start")
    code = c.stop()
    finals = f", and {extra} final check(s)" if extra else ""
    print(
        f"{ran - failures} of {ran} attacks passed, {failures} failed{finals} "
        f"({time.monotonic() - t_all:.0f} s); the long-lived server exited with status {code}"
    )
    failures += extra
    shutil.rmtree(p.tmp, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
