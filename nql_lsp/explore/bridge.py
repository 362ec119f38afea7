"""The editor's WebSocket, relayed to a child ``nql-lsp`` language server over its standard streams.

Each editor connection gets its own server process (``python -m nql_lsp --stdio``), so the page's editor
is served exactly as VS Code or Neovim is. The relay frames messages with LSP's ``Content-Length`` headers
one way and strips them the other, and it holds the one thing the page must not choose: which runs the
server reads. ``initialize`` gets the explorer's runs source put in its options whatever the page sent,
and a configuration change from the page is dropped, so no message can point the server at another file.
It also takes pull diagnostics out of the client's capabilities (see :func:`_pushed_diagnostics`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from nql_lsp.runs import SAMPLE_RESOURCE

log = logging.getLogger("nql_lsp.explore")

MAX_MESSAGE = 4 * 1024 * 1024  # bytes of one LSP message either way
DROPPED = frozenset({"workspace/didChangeConfiguration"})


def server_runs(runs_path: str | None) -> str:
    """The ``nql.runs`` the server is given: the explorer's source, and for the bundled sample its file.

    The server learns names, types and values only from runs it was pointed at (the sample is for previews
    alone there), and the explorer's editor should complete what its table shows, so the sample is named by
    its file; "" (the server's own sample) stays the answer when the package is not on disk.
    """
    if runs_path is not None:
        return runs_path
    resource = resources.files("nql_lsp") / "data" / SAMPLE_RESOURCE
    return str(resource) if isinstance(resource, Path) and resource.is_file() else ""


def server_command() -> list[str]:
    return [sys.executable, "-m", "nql_lsp", "--stdio"]


def rewrite(message: Any, runs_path: str | None, projects: tuple[str, ...] = ()) -> Any | None:
    """The page's message as the server should get it, or None to drop it."""
    if not isinstance(message, dict):
        return None
    method = message.get("method")
    if method in DROPPED:
        return None
    if method == "initialize":
        params = message.get("params")
        params = dict(params) if isinstance(params, dict) else {}
        nql: dict[str, Any] = {"runs": server_runs(runs_path)}
        if projects:
            nql["project"] = list(projects)  # the explorer's --project: the editor counts the same runs
        params["initializationOptions"] = {"nql": nql}
        params["rootUri"] = None
        params["rootPath"] = None
        params["workspaceFolders"] = None
        params["capabilities"] = _pushed_diagnostics(params.get("capabilities"))
        return {**message, "params": params}
    return message


def _pushed_diagnostics(capabilities: Any) -> dict[str, Any]:
    """The capabilities without pull diagnostics: the page's client announces them but draws only
    published ones, and a server told it may pull would never publish."""
    caps = dict(capabilities) if isinstance(capabilities, dict) else {}
    text = caps.get("textDocument")
    if isinstance(text, dict) and "diagnostic" in text:
        caps["textDocument"] = {k: v for k, v in text.items() if k != "diagnostic"}
    return caps


def frame(message: Any) -> bytes:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


async def read_message(stream: asyncio.StreamReader) -> bytes | None:
    """One message body from the server, or None at the end of its output (or on a broken frame)."""
    length: int | None = None
    while True:
        line = await stream.readline()
        if not line:
            return None
        line = line.strip()
        if not line:
            break
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None
    if length is None or not 0 <= length <= MAX_MESSAGE:
        return None
    try:
        return await stream.readexactly(length)
    except asyncio.IncompleteReadError:
        return None


class LanguageServer:
    """One child server, started for one editor connection and stopped with it."""

    def __init__(self, runs_path: str | None, command: list[str] | None = None, projects: tuple[str, ...] = ()) -> None:
        self.runs_path = runs_path
        self.projects = projects
        self.command = command or server_command()
        self.process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self.process = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
            limit=MAX_MESSAGE + 1024,
        )

    async def send(self, text: str) -> None:
        """Pass one message from the page; what is no JSON object, or is not the page's to say, is dropped."""
        assert self.process is not None and self.process.stdin is not None
        try:
            message = json.loads(text)
        except ValueError:
            return
        message = rewrite(message, self.runs_path, self.projects)
        if message is None:
            return
        self.process.stdin.write(frame(message))
        await self.process.stdin.drain()

    async def relay_out(self, deliver: Callable[[str], Awaitable[None]]) -> None:
        """Deliver each message of the server to the page until the server ends."""
        assert self.process is not None and self.process.stdout is not None
        while (body := await read_message(self.process.stdout)) is not None:
            await deliver(body.decode("utf-8", errors="replace"))

    async def stop(self) -> None:
        process = self.process
        if process is None or process.returncode is not None:
            return
        if process.stdin is not None:
            with contextlib.suppress(Exception):
                process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 2)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
