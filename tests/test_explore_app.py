"""The explorer over HTTP and its WebSocket, through aiohttp's test client: the token, Host and Origin
checks on every route, the JSON answers, loading, failures without tracebacks, and the editor's bridge."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from aiohttp import WSMsgType
from aiohttp.test_utils import TestClient, TestServer

from nql_lsp.explore.app import EXPLORER, SERVER_ARGS, Explorer, create_app
from nql_lsp.explore.security import COOKIE, HEADER, Guard
from nql_lsp.runs import open_runs

pytestmark = pytest.mark.asyncio
TOKEN = "t0ken-for-tests"
AUTH = {HEADER: TOKEN}


async def client_for(explorer: Explorer) -> TestClient[Any, Any]:
    server = TestServer(create_app(explorer, Guard(TOKEN)))
    await server.start_server(**SERVER_ARGS)  # as run_explore serves it
    client: TestClient[Any, Any] = TestClient(server)
    await client.start_server()
    return client


@pytest_asyncio.fixture
async def client(tmp_path: Path) -> AsyncIterator[TestClient[Any, Any]]:
    explorer = Explorer(None, runs=open_runs(None), views_path=tmp_path / "views.json")
    client = await client_for(explorer)
    yield client
    await client.close()


ROUTES = [
    "/",
    "/static/app.js",
    "/api/info",
    "/api/table?q=",
    "/api/run?id=CLS-1",
    "/api/series?path=x",
    "/api/csv",
    "/api/convert?to=filter&q=a%20%3D%201",
    "/api/views",
    "/lsp",
]


@pytest.mark.parametrize("path", ROUTES)
async def test_every_route_needs_the_token(client: TestClient[Any, Any], path: str) -> None:
    for headers in ({}, {HEADER: "wrong"}, {HEADER: TOKEN[:-1]}):
        response = await client.get(path, headers=headers)
        assert response.status == 403
        assert "token" in (await response.json())["error"]
    response = await client.get(path + ("&" if "?" in path else "?") + "token=nope")
    assert response.status == 403


async def test_a_rebinding_host_or_another_sites_origin_is_refused(client: TestClient[Any, Any]) -> None:
    port = client.port
    for headers in ({"Host": f"attacker.example:{port}"}, {"Host": "127.0.0.1:1"}, {"Host": ""}):
        response = await client.get("/api/info", headers={**AUTH, **headers})
        assert response.status == 403, headers
    evil = await client.get("/api/info", headers={**AUTH, "Origin": "http://attacker.example"})
    assert evil.status == 403
    own = await client.get("/api/info", headers={**AUTH, "Origin": f"http://127.0.0.1:{port}"})
    assert own.status == 200
    with pytest.raises(Exception):  # noqa: B017  # the handshake itself is refused: which error is aiohttp's
        await client.ws_connect(f"/lsp?token={TOKEN}", headers={"Origin": "http://attacker.example"})


async def test_the_page_sets_a_cookie_for_its_own_files_only(client: TestClient[Any, Any]) -> None:
    page = await client.get(f"/?token={TOKEN}")
    assert page.status == 200 and "text/html" in page.headers["Content-Type"]
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["Referrer-Policy"] == "no-referrer"
    cookie = page.cookies[COOKIE]
    assert cookie.value == TOKEN and cookie["httponly"] and cookie["samesite"] == "Strict"
    script = await client.get("/static/app.js")  # the cookie is sent by the session
    assert script.status == 200 and "javascript" in script.headers["Content-Type"]
    assert (await client.get("/api/info")).status == 403  # data needs the token itself
    assert (await client.get("/static/../app.py", headers=AUTH)).status in (403, 404)
    assert (await client.get("/static/nothing.js", headers=AUTH)).status == 404


async def test_the_shipped_page_refers_to_the_shipped_files(client: TestClient[Any, Any]) -> None:
    html = await (await client.get("/", headers=AUTH)).text()
    for name in ("/static/app.js", "/static/style.css"):
        assert name in html
        assert (await client.get(name, headers=AUTH)).status == 200


async def test_info_table_run_series_and_csv(client: TestClient[Any, Any]) -> None:
    info = await (await client.get("/api/info", headers=AUTH)).json()
    assert info["total"] == 500 and info["source"] == "bundled sample" and "val/acc" in info["series"]
    assert {"path": "sys/tags", "type": "stringSet"} in info["fields"]
    query = 'sys/tags:stringSet CONTAINS "baseline"'
    table = await (
        await client.get("/api/table", params={"q": query, "limit": "3", "sort": "sys/name"}, headers=AUTH)
    ).json()
    assert table["matched"] > 3 and len(table["rows"]) == 3
    names = [row[1] for row in table["rows"]]
    assert names == sorted(names, key=str.lower)
    run = await (await client.get("/api/run", params={"id": table["ids"][0], "q": query}, headers=AUTH)).json()
    assert "matches the query" in run["explain"]
    series = await (
        await client.get("/api/series", params={"path": "val/acc", "ids": ",".join(table["ids"][:2])}, headers=AUTH)
    ).json()
    assert [len(s["values"]) > 10 for s in series["series"]] == [True, True]
    csv = await client.get("/api/csv", params={"q": query}, headers=AUTH)
    text = await csv.text()
    assert csv.headers["Content-Disposition"].startswith("attachment")
    assert text.splitlines()[0] == "sys/id,sys/name,sys/tags" and len(text.splitlines()) == table["matched"] + 1


async def test_a_chart_names_each_run_by_its_project(tmp_path: Path) -> None:
    """Two projects hold RUN-1: the chart draws the one of the project asked for, in the order asked."""
    from tests.neptune_exporter_shapes import metric, param, write_run

    for project, last in (("team/vision", 0.9), ("team/speech", 0.7)):
        rows = [param(project, "RUN-1", "sys/id", "string", "RUN-1")]
        write_run(tmp_path / "export", project, "RUN-1", [*rows, *metric(project, "RUN-1", "train/acc", [0.1, last])])
    explorer = Explorer(
        str(tmp_path / "export"), runs=open_runs(tmp_path / "export"), views_path=tmp_path / "views.json"
    )
    client = await client_for(explorer)
    try:
        asked = {"path": "train/acc", "ids": "RUN-1,RUN-1", "projects": "team/speech,team/vision", "width": "300"}
        got = await (await client.get("/api/series", params=asked, headers=AUTH)).json()
        assert [(s["project"], s["values"]) for s in got["series"]] == [
            ("team/speech", [0.1, 0.7]),
            ("team/vision", [0.1, 0.9]),
        ]
        again = await client.get("/api/series", params=asked, headers=AUTH)  # the kept text, as sent before
        assert explorer.table is not None and explorer.table.charted_text is not None
        assert await again.text() == explorer.table.charted_text[1] and (await again.json()) == got
        picked = {"path": "train/acc", "ids": "RUN-1", "project": "team/speech"}  # none given: the picked one
        got = await (await client.get("/api/series", params=picked, headers=AUTH)).json()
        assert [s["values"] for s in got["series"]] == [[0.1, 0.7]]
    finally:
        await client.close()


async def test_convert_answers_code_and_problems(client: TestClient[Any, Any]) -> None:
    query = 'sys/tags CONTAINS "baseline"'  # typed by the sample: sys/tags is a stringSet
    answer = await (await client.get("/api/convert", params={"q": query, "to": "filter"}, headers=AUTH)).json()
    assert answer["problems"] == [] and 'Filter.contains_all("sys/tags", "baseline")' in answer["text"]
    blocked = await (
        await client.get(
            "/api/convert", params={"q": "variance(val/acc:floatSeries) > 0", "to": "mlflow"}, headers=AUTH
        )
    ).json()
    assert blocked["text"] is None and [p["code"] for p in blocked["problems"]] == ["CNV302"]


async def test_bad_requests_get_one_line_and_no_traceback(client: TestClient[Any, Any]) -> None:
    for path, params in (
        ("/api/table", {"limit": "x"}),
        ("/api/table", {"limit": "100000"}),
        ("/api/table", {"q": "a" * 20_001}),
        ("/api/series", {"path": "v", "ids": ",".join(map(str, range(99)))}),
        ("/api/series", {"path": "v", "ids": "a,b", "projects": "p"}),  # not one project for each run
        ("/api/series", {"path": "v", "ids": "a", "width": "5"}),
        ("/api/convert", {"q": "a = 1", "to": "sql"}),
        ("/api/convert", {"q": "a" * 20_001, "to": "filter"}),
    ):
        response = await client.get(path, params=params, headers=AUTH)
        assert response.status == 400
        body = await response.json()
        assert body["error"].startswith("expected") and "Traceback" not in body["error"]
    assert (await client.get("/api/run", params={"id": "nope"}, headers=AUTH)).status == 404
    weird = await client.get("/api/table", params={"q": '((((( \x00 "unterminated'}, headers=AUTH)
    assert weird.status == 200 and (await weird.json())["error"]


async def test_views_are_written_only_to_the_views_file(client: TestClient[Any, Any], tmp_path: Path) -> None:
    saved = await client.post("/api/views", json={"name": "mine", "state": "q=x"}, headers=AUTH)
    assert (await saved.json())["views"] == {"mine": "q=x"}
    assert json.loads((tmp_path / "views.json").read_text())["views"] == {"mine": "q=x"}
    assert (await (await client.get("/api/views", headers=AUTH)).json())["views"] == {"mine": "q=x"}
    for body in (b"not json", b"[1]", json.dumps({"name": 3, "state": "q"}).encode()):
        assert (await client.post("/api/views", data=body, headers=AUTH)).status == 400
    assert sorted(p.name for p in tmp_path.iterdir()) == ["views.json"]


async def test_loading_is_reported_and_a_bad_source_is_said_not_raised(tmp_path: Path) -> None:
    bad = tmp_path / "runs.json"
    bad.write_text("{not json", encoding="utf-8")
    said: list[str] = []
    explorer = Explorer(str(bad), report=said.append, views_path=tmp_path / "v.json")
    client = await client_for(explorer)
    try:
        await asyncio.wait_for(explorer.loaded.wait(), 10)
        info = await (await client.get("/api/info", headers=AUTH)).json()
        assert info["loading"] is False and "runs.json" in info["error"]
        table = await client.get("/api/table", headers=AUTH)
        assert table.status == 503 and "runs.json" in (await table.json())["error"]
        assert any("cannot read" in s for s in said)
    finally:
        await client.close()


async def test_the_editor_socket_reaches_the_language_server(client: TestClient[Any, Any]) -> None:
    socket = await client.ws_connect(f"/lsp?token={TOKEN}")
    try:
        await socket.send_str("not json")  # dropped, not fatal
        await socket.send_json({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}})
        reply = await receive(socket, lambda m: m.get("id") == 1)
        assert reply["result"]["capabilities"]["completionProvider"]
        await socket.send_json({"jsonrpc": "2.0", "method": "initialized", "params": {}})
        uri = "untitled:explore/query.nql"
        doc = {"uri": uri, "languageId": "nql", "version": 0, "text": "sys/tags:stringSet CONTAINS "}
        await socket.send_json({"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": doc}})
        published = await receive(socket, lambda m: m.get("method") == "textDocument/publishDiagnostics")
        assert published["params"]["uri"] == uri
        assert any(d["severity"] == 1 for d in published["params"]["diagnostics"])
        labels: list[str] = []
        for attempt in range(40):  # the server loads the runs after start-up; values come once it has them
            await socket.send_json(
                {
                    "jsonrpc": "2.0",
                    "id": 10 + attempt,
                    "method": "textDocument/completion",
                    "params": {"textDocument": {"uri": uri}, "position": {"line": 0, "character": 28}},
                }
            )
            completion = await receive(socket, lambda m, i=10 + attempt: m.get("id") == i)
            result = completion["result"]
            labels = [item["label"] for item in (result["items"] if isinstance(result, dict) else result)]
            if any("baseline" in label for label in labels):
                break
            await asyncio.sleep(0.25)
        assert any("baseline" in label for label in labels), labels  # a tag of the sample's runs
    finally:
        await socket.close()
        explorer = client.app[EXPLORER] if client.app is not None else None
        assert explorer is not None
        for _ in range(100):  # the relay stops its server process once the socket is gone
            if explorer.language_servers == 0:
                break
            await asyncio.sleep(0.05)
        assert explorer.language_servers == 0


async def receive(socket: Any, wanted: Any, timeout: float = 20) -> dict[str, Any]:
    async def loop() -> dict[str, Any]:
        while True:
            message = await socket.receive()
            assert message.type == WSMsgType.TEXT, message
            parsed: dict[str, Any] = json.loads(message.data)
            if wanted(parsed):
                return parsed

    return await asyncio.wait_for(loop(), timeout)
