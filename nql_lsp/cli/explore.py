"""``nql-lsp explore [PATH] [--host H] [--port N] [--no-browser] [--project NAME]...``: the runs
explorer in the browser (``--project``: only those projects' runs, in the table and in the editor's counts).

Wiring, in ``cli/app.py``: a positional PATH (optional) and ``--host`` (default ``127.0.0.1``), ``--port``
(default 0: any free port) and ``--no-browser``, then::

    from nql_lsp.cli.explore import run_explore
    return run_explore(args.path, args.host, args.port, open_browser=not args.no_browser)

The URL, with its access token, is the one line on standard output (so a script can read it); progress and
warnings go to standard error. ``NQL_LSP_EXPLORE_TOKEN`` fixes the token, so that bookmarked views keep
working across launches. The web part needs the ``explore`` extra (``pip install 'nql-lsp[explore]'``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
import webbrowser
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from nql_lsp.runs import RunsSource

EXIT_OK, EXIT_USAGE = 0, 2
TOKEN_ENV = "NQL_LSP_EXPLORE_TOKEN"


def run_explore(
    path: str | None,
    host: str = "127.0.0.1",
    port: int = 0,
    open_browser: bool = True,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    projects: tuple[str, ...] = (),
) -> int:
    """Serve the explorer until interrupted; 2 when it cannot start (with the reason on stderr)."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        import aiohttp  # noqa: F401
    except ImportError:
        print("nql-lsp: explore needs the explore extra: pip install 'nql-lsp[explore]'", file=err)
        return EXIT_USAGE
    if path is not None:
        if not Path(path).exists():
            print(f"nql-lsp: no such file or directory: {path}", file=err)
            return EXIT_USAGE
        path = str(Path(path).resolve())  # the language server child reads it too, from its own directory
    if not 0 <= port < 65536:
        print(f"nql-lsp: --port takes 0 to 65535; got {port}", file=err)
        return EXIT_USAGE
    runs = None
    if projects:  # a project the source does not hold is refused here, before anything is served
        runs = _narrowed(path, projects, err)
        if runs is None:
            return EXIT_USAGE
    try:
        return asyncio.run(_serve(path, host, port, open_browser, out, err, projects, runs))
    except KeyboardInterrupt:
        return EXIT_OK


def _narrowed(path: str | None, projects: tuple[str, ...], err: TextIO) -> RunsSource | None:
    """The runs of ``projects``, ready to query; None (with the reason on ``err``) when they cannot be had."""
    from nql_lsp.evaluation.engine import engine_for
    from nql_lsp.runs import RunsError, open_runs

    try:
        runs = open_runs(path, projects=projects, progress=lambda m: print(f"nql-lsp: {m}", file=err, flush=True))
        engine_for(runs).prepare()
    except RunsError as e:
        print(f"nql-lsp: {e}", file=err)
        return None
    return runs


async def _serve(
    path: str | None,
    host: str,
    port: int,
    open_browser: bool,
    out: TextIO,
    err: TextIO,
    projects: tuple[str, ...],
    runs: RunsSource | None,
) -> int:
    from aiohttp import web

    from nql_lsp.explore.app import SERVER_ARGS, Explorer, create_app
    from nql_lsp.explore.security import Guard, is_loopback, new_token

    if not is_loopback(host):
        print(
            f"nql-lsp: warning: serving on {host}, reachable from other machines; anyone with the token "
            "can read these runs. Prefer the default, 127.0.0.1.",
            file=err,
        )

    def report(message: str) -> None:
        print(f"nql-lsp: {message}", file=err, flush=True)

    guard = Guard(os.environ.get(TOKEN_ENV) or new_token())
    if not is_loopback(host):
        guard.allow_host([host])
    app = create_app(Explorer(path, runs=runs, report=report, projects=projects), guard)
    runner = web.AppRunner(app, access_log=None, handle_signals=True, **SERVER_ARGS)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    try:
        await site.start()
    except OSError as e:
        print(f"nql-lsp: cannot listen on {host}:{port}: {e.strerror or e}", file=err)
        await runner.cleanup()
        return EXIT_USAGE
    server = site._server
    sockets = getattr(server, "sockets", None) or []
    guard.port = sockets[0].getsockname()[1] if sockets else port
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{guard.port}/?token={guard.token}"
    print(url, file=out, flush=True)
    if open_browser:
        threading.Thread(target=webbrowser.open, args=(url,), daemon=True).start()
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()
    return EXIT_OK
