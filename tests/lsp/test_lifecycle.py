"""The lifecycle and the server's own account of itself, in process: LSP's rules for requests before
``initialize`` and after ``shutdown``, unknown methods, ``exit`` status, one copy of each document,
``nql.logLevel``, and tracebacks in the log."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from nql_lsp.lsp import hover as hover_module

from .rawio import INITIALIZE, frame
from .wire import Wire, at

NO_RUNS = {"nql": {"runs": False}}


@pytest.mark.asyncio
async def test_a_request_before_initialize_is_refused_as_not_initialized():
    wire = Wire()
    answer = await wire.call("textDocument/hover", at("file:///w/a.nql"))
    assert answer["error"]["code"] == -32002  # ServerNotInitialized
    wire.open("file:///w/a.nql", "a:flot = 1")  # a notification before initialize is dropped
    await wire.initialize({}, NO_RUNS)
    await wire.barrier()
    assert wire.server.context.session.documents.get("file:///w/a.nql") is None
    assert wire.notifications("textDocument/publishDiagnostics") == []


@pytest.mark.asyncio
async def test_requests_after_shutdown_are_invalid():
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    wire.open("file:///w/a.nql", "a:int = 1")
    assert (await wire.call("shutdown"))["result"] is None
    answer = await wire.call("textDocument/hover", at("file:///w/a.nql"))
    assert answer["error"]["code"] == -32600  # InvalidRequest
    again = await wire.call("shutdown")
    assert again["error"]["code"] == -32600


@pytest.mark.asyncio
async def test_an_unknown_method_without_params_is_method_not_found():
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    answer = await wire.call("nql/noSuchMethod")
    assert answer["error"]["code"] == -32601  # MethodNotFound
    # Not a failure of the server: nothing in the client's log.
    assert wire.notifications("window/logMessage") == []


@pytest.mark.parametrize(("messages", "status"), [([], 1), ([{"id": 2, "method": "shutdown"}], 0)])
def test_exit_status_says_whether_shutdown_came_first(messages, status):
    proc = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"".join(frame(m) for m in [INITIALIZE, *messages, {"method": "exit"}]))
        proc.stdin.flush()  # the pipe stays open: the exit notification alone ends the server
        assert proc.wait(timeout=30) == status
    finally:
        proc.kill()
        proc.communicate()


@pytest.mark.asyncio
async def test_documents_have_one_copy_the_sessions():
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    uri = "file:///w/a.nql"
    wire.open(uri, "a:int = 1")
    wire.change(uri, 2, "a:int = 2")
    await wire.barrier()
    doc = wire.server.context.session.documents.get(uri)
    assert doc is not None and doc.text == "a:int = 2"
    assert dict(wire.server.workspace.text_documents) == {}  # pygls keeps no second, stale copy
    wire.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
    await wire.barrier()
    assert wire.server.context.session.documents.get(uri) is None


@pytest.fixture
def quiet_again():
    logger = logging.getLogger("nql_lsp")
    level = logger.level
    yield logger
    logger.setLevel(level)
    logging.getLogger("pygls").setLevel(logging.NOTSET)


@pytest.mark.asyncio
async def test_log_level_follows_the_setting(quiet_again):
    wire = Wire()
    await wire.initialize({}, {"nql": {"runs": False, "logLevel": "debug"}})
    assert quiet_again.level == logging.DEBUG
    wire.notify("workspace/didChangeConfiguration", {"settings": {"nql": {"runs": False, "logLevel": "ERROR"}}})
    await wire.barrier()
    assert quiet_again.level == logging.ERROR
    wire.notify("workspace/didChangeConfiguration", {"settings": {"nql": {"runs": False, "logLevel": "loud"}}})
    await wire.barrier()
    [shown] = wire.notifications("window/showMessage")
    assert "nql.logLevel" in shown["message"] and "'loud'" in shown["message"]
    assert quiet_again.level == logging.WARNING  # the default


@pytest.mark.asyncio
async def test_a_failing_feature_is_logged_with_its_traceback(monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise ZeroDivisionError("hover broke")

    monkeypatch.setattr(hover_module, "hover", broken)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    wire.open("file:///w/a.nql", "a:int = 1")
    with caplog.at_level(logging.ERROR, logger="nql_lsp"):
        answer = await wire.call("textDocument/hover", at("file:///w/a.nql"))
    assert answer["result"] is None  # answered with the default, not an error
    [record] = [r for r in caplog.records if r.exc_info]
    assert record.exc_info[0] is ZeroDivisionError
    [logged] = wire.notifications("window/logMessage")
    assert "textDocument/hover: hover broke" in logged["message"]
    assert "Traceback" in logged["message"] and "in broken" in logged["message"]
