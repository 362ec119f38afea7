"""The explorer's web application: the page, its JSON endpoints and the editor's WebSocket.

Every request passes :func:`guard_middleware` first (Host, Origin, token). The runs load in a worker thread
after the server is listening, so the page opens at once and shows the loading progress the terminal shows;
until they are loaded, the data endpoints answer 503 with that progress. A request the page should not
have made gets a 4xx with a one-line message, and an unexpected failure a 500 with a generic one: no
traceback reaches the page.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from nql_lsp import __version__
from nql_lsp.evaluation.engine import engine_for
from nql_lsp.explore import conversions, data, views
from nql_lsp.explore.bridge import LanguageServer
from nql_lsp.explore.security import COOKIE, HEADER, Guard
from nql_lsp.runs import RunsError, RunsSource, open_runs
from nql_lsp.runs.parquet import ParquetRunSet

log = logging.getLogger("nql_lsp.explore")

MAX_LANGUAGE_SERVERS = 4  # editor connections at once (each is a process)
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}

#: For aiohttp's server: a query travels in the URL, so a request line may be as long as a long query.
SERVER_ARGS: dict[str, Any] = {"max_line_size": 4 * data.MAX_QUERY}

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Explorer:
    """The runs source and what is known of its loading, shared by the endpoints."""

    def __init__(
        self,
        runs_path: str | None,
        *,
        runs: RunsSource | None = None,
        report: Callable[[str], None] | None = None,
        views_path: Path | None = None,
        server_command: list[str] | None = None,
        projects: tuple[str, ...] = (),
    ) -> None:
        self.runs_path = runs_path
        self.projects = projects  # only these projects' runs (``--project``); none: all
        self.table: data.Table | None = data.Table(runs) if runs is not None else None
        self.progress = "loaded" if runs is not None else "starting"
        self.error: str | None = None
        self.report = report
        self.views_path = views_path or views.default_path()
        self.server_command = server_command
        self.language_servers = 0
        self.loaded = asyncio.Event()
        if runs is not None:
            self.loaded.set()

    def _say(self, message: str) -> None:
        self.progress = message
        if self.report is not None:
            self.report(message)

    def _load(self) -> RunsSource:
        runs = open_runs(self.runs_path, progress=self._say, projects=self.projects)
        self._say(f"learning the schema of {len(runs):,} runs")
        engine_for(runs).prepare()  # the schema and the columns built once here, not on the first keystroke
        if isinstance(runs, ParquetRunSet):
            runs.points.part_files  # noqa: B018 - the files by run, indexed here rather than on the first chart
        return runs

    async def load(self) -> None:
        if self.table is not None:
            return
        try:
            runs = await asyncio.to_thread(self._load)
            self.table = data.Table(runs)
            self._say(f"loaded {len(runs):,} runs from {runs.label}")
        except RunsError as e:
            self.error = str(e)
            self._say(f"cannot read the runs: {e}")
        except Exception as e:  # the page says it; the terminal gets the detail in the log
            log.exception("loading runs failed")
            self.error = f"cannot read the runs ({type(e).__name__})"
            self._say(self.error)
        finally:
            self.loaded.set()


EXPLORER = web.AppKey("explorer", Explorer)
GUARD = web.AppKey("guard", Guard)


def _fail(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=SECURITY_HEADERS)


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    guard = request.app[GUARD]
    host = request.headers.get("Host")
    local = request.transport.get_extra_info("sockname") if request.transport is not None else None
    port = local[1] if isinstance(local, tuple) and len(local) >= 2 else None
    if not guard.host_ok(host, port):
        return _fail(403, "this explorer answers only to its own address")
    if not guard.origin_ok(request.headers.get("Origin"), host, port):
        return _fail(403, "requests from other sites are refused")
    given = request.query.get("token") or request.headers.get(HEADER)
    if given is None and request.method == "GET" and (request.path == "/" or request.path.startswith("/static/")):
        given = request.cookies.get(COOKIE)  # the page's own files; data and the editor need the token itself
    if not guard.token_ok(given):
        return _fail(403, "a valid token is required: open the URL nql-lsp explore printed")
    try:
        response = await handler(request)
    except web.HTTPException:
        raise
    except data.Refused as e:
        return _fail(400, f"expected {e}")
    except Exception:
        log.exception("request %s failed", request.path)
        return _fail(500, "the explorer failed on this request; see its terminal")
    if not isinstance(response, web.WebSocketResponse):
        response.headers.update(SECURITY_HEADERS)
        if request.query.get("token") and request.path == "/":
            response.set_cookie(COOKIE, guard.token, httponly=True, samesite="Strict", path="/")
    return response


# --- the page ------------------------------------------------------------------------------------------


def static_files() -> dict[str, bytes]:
    """The built page, read once: the only files served, so no path can reach outside them."""
    folder = resources.files("nql_lsp.explore") / "static"
    out: dict[str, bytes] = {}
    if folder.is_dir():
        for entry in folder.iterdir():
            if entry.is_file() and not entry.name.startswith("."):
                out[entry.name] = entry.read_bytes()
    return out


STATIC = web.AppKey("static", dict)


async def index(request: web.Request) -> web.StreamResponse:
    return _asset(request, "index.html")


async def asset(request: web.Request) -> web.StreamResponse:
    return _asset(request, request.match_info["name"])


def _asset(request: web.Request, name: str) -> web.StreamResponse:
    files: dict[str, bytes] = request.app[STATIC]
    body = files.get(name)
    if body is None:
        return _fail(404, f"no such file: {name}")
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind == "application/javascript":
        kind += "; charset=utf-8"
    return web.Response(body=body, headers={"Content-Type": kind})


# --- data ----------------------------------------------------------------------------------------------


def _table(request: web.Request) -> data.Table:
    explorer = request.app[EXPLORER]
    if explorer.table is None:
        raise web.HTTPServiceUnavailable(
            text=_json({"error": explorer.error, "loading": explorer.error is None, "progress": explorer.progress}),
            content_type="application/json",
            headers=SECURITY_HEADERS,
        )
    return explorer.table


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False)


def _int(request: web.Request, name: str, default: int) -> int:
    raw = request.query.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise data.Refused(f"`{name}` to be a whole number") from None


def _columns(request: web.Request) -> list[str]:
    raw = request.query.get("columns", "")
    return [c.strip() for c in raw.split(",") if c.strip()][: data.MAX_COLUMNS]


def _project(request: web.Request) -> str | None:
    return request.query.get("project") or None


async def info(request: web.Request) -> web.StreamResponse:
    explorer = request.app[EXPLORER]
    table = explorer.table
    body: dict[str, Any] = {
        "version": __version__,
        "loading": table is None and explorer.error is None,
        "progress": explorer.progress,
        "error": explorer.error,
    }
    if table is not None:
        runs = table.runs
        body |= {
            "source": runs.label,
            "total": len(runs),
            "fields": [{"path": f.path, "type": f.type} for f in data.fields_of(runs)],
            "series": data.series_fields(runs),
            "projects": [{"name": n, "runs": c} for n, c in table.projects],
        }
    return web.json_response(body)


async def table_page(request: web.Request) -> web.StreamResponse:
    table = _table(request)
    body = await asyncio.to_thread(
        data.page,
        table,
        request.query.get("q", ""),
        columns=_columns(request),
        sort=request.query.get("sort") or None,
        descending=request.query.get("desc") == "1",
        offset=_int(request, "offset", 0),
        limit=_int(request, "limit", 200),
        trashed=request.query.get("trashed") == "1",
        project=_project(request),
    )
    return web.json_response(body)


async def run_detail(request: web.Request) -> web.StreamResponse:
    table = _table(request)
    run_id = request.query.get("id", "")
    body = await asyncio.to_thread(data.run_detail, table, run_id, request.query.get("q", ""), _project(request))
    if body is None:
        return _fail(404, f"no run `{run_id}`")
    return web.json_response(body)


async def series(request: web.Request) -> web.StreamResponse:
    table = _table(request)
    ids = request.query.get("ids", "").split(",")
    # Each run's project, in the same order (two projects may hold the same run id); none: the picked one.
    held = request.query["projects"].split(",") if "projects" in request.query else [""] * len(ids)
    if len(held) != len(ids):
        raise data.Refused("`projects` to name one project for each of `ids`")
    runs = [(i, p) for i, p in zip(ids, held, strict=True) if i]
    text = await asyncio.to_thread(
        data.series_text,
        table,
        request.query.get("path", ""),
        [(i, p or None) for i, p in runs],
        _project(request),
        _int(request, "width", data.DEFAULT_WIDTH),
    )
    return web.Response(text=text, content_type="application/json")


async def csv_export(request: web.Request) -> web.StreamResponse:
    table = _table(request)
    text = await asyncio.to_thread(
        data.to_csv,
        table,
        request.query.get("q", ""),
        _columns(request),
        request.query.get("sort") or None,
        request.query.get("desc") == "1",
        _project(request),
    )
    return web.Response(
        text=text,
        content_type="text/csv",
        headers={"Content-Disposition": 'attachment; filename="runs.csv"'},
    )


async def convert(request: web.Request) -> web.StreamResponse:
    table = _table(request)
    try:
        body = await asyncio.to_thread(
            conversions.convert, table.runs, request.query.get("q", ""), request.query.get("to", ""), _project(request)
        )
    except conversions.Unknown as e:
        raise data.Refused(str(e)) from None
    return web.json_response(body)


async def views_list(request: web.Request) -> web.StreamResponse:
    return web.json_response({"views": views.read(request.app[EXPLORER].views_path)})


async def views_save(request: web.Request) -> web.StreamResponse:
    try:
        body = await request.json()
    except ValueError:
        raise data.Refused("a JSON body {name, state}") from None
    if not isinstance(body, dict):
        raise data.Refused("a JSON body {name, state}")
    try:
        saved = views.save(request.app[EXPLORER].views_path, body.get("name"), body.get("state"))
    except views.ViewError as e:
        raise data.Refused(str(e)) from None
    return web.json_response({"views": saved})


# --- the editor's language server ------------------------------------------------------------------------


async def lsp_socket(request: web.Request) -> web.StreamResponse:
    explorer = request.app[EXPLORER]
    if explorer.language_servers >= MAX_LANGUAGE_SERVERS:
        return _fail(429, f"at most {MAX_LANGUAGE_SERVERS} editors at once; close another tab")
    socket = web.WebSocketResponse(max_msg_size=4 * 1024 * 1024, heartbeat=30)
    await socket.prepare(request)
    server = LanguageServer(explorer.runs_path, explorer.server_command, explorer.projects)
    explorer.language_servers += 1
    try:
        await server.start()
        relay = asyncio.create_task(server.relay_out(socket.send_str))
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                await server.send(message.data)
            elif message.type in (WSMsgType.ERROR, WSMsgType.CLOSE):
                break
        relay.cancel()
    except (ConnectionError, OSError) as e:
        log.warning("the editor's language server stopped: %s", e)
    finally:
        # Shielded: a handler cancelled as its client goes away still stops the server it started.
        await asyncio.shield(asyncio.ensure_future(_close_editor(explorer, server, socket)))
    return socket


async def _close_editor(explorer: Explorer, server: LanguageServer, socket: web.WebSocketResponse) -> None:
    try:
        await server.stop()
        await socket.close()
    finally:
        explorer.language_servers -= 1


def create_app(explorer: Explorer, guard: Guard) -> web.Application:
    app = web.Application(middlewares=[guard_middleware], client_max_size=1024 * 1024)
    app[EXPLORER] = explorer
    app[GUARD] = guard
    app[STATIC] = static_files()
    app.router.add_get("/", index)
    app.router.add_get("/static/{name}", asset)
    app.router.add_get("/api/info", info)
    app.router.add_get("/api/table", table_page)
    app.router.add_get("/api/run", run_detail)
    app.router.add_get("/api/series", series)
    app.router.add_get("/api/csv", csv_export)
    app.router.add_get("/api/convert", convert)
    app.router.add_get("/api/views", views_list)
    app.router.add_post("/api/views", views_save)
    app.router.add_get("/lsp", lsp_socket)

    async def start_loading(app: web.Application) -> None:
        app[LOADER] = asyncio.create_task(explorer.load())

    async def stop_loading(app: web.Application) -> None:
        task = app.get(LOADER)
        if task is not None and not task.done():
            task.cancel()

    app.on_startup.append(start_loading)
    app.on_cleanup.append(stop_loading)
    return app


LOADER = web.AppKey("loader", asyncio.Task)
