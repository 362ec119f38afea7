"""Where work runs, in process: cancellation during an analysis, overtaken analyses, shared previews.

An analysis (or an evaluation) is held at a gate until the test has sent what it wants to race against
it, so each test's outcome depends on the order of messages, never on how fast the machine is.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from nql_lsp.analysis import analyze as analyze_module
from nql_lsp.evaluation import evaluate as evaluate_module
from nql_lsp.lsp.runs import RunsState, apply_loaded

from ..runs_fixtures import small_runs
from .wire import Wire, at

NO_RUNS = {"nql": {"runs": False}}


class Gate:
    """Wraps a function: records each call's first argument, and holds the calls ``hold`` says until
    :attr:`release` is set."""

    def __init__(self, real: Callable[..., Any], hold: Callable[[Any], bool]) -> None:
        self.real = real
        self.hold = hold
        self.calls: list[Any] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, first: Any, *rest: Any, **kw: Any) -> Any:
        with self._lock:
            self.calls.append(first)
        if self.hold(first):
            self.entered.set()
            assert self.release.wait(20), "the test never released the gate"
        return self.real(first, *rest, **kw)

    async def wait_entered(self) -> None:
        assert await asyncio.to_thread(self.entered.wait, 20), "nothing reached the gate"


def gate_analysis(monkeypatch: pytest.MonkeyPatch, hold: Callable[[str], bool]) -> Gate:
    gate = Gate(analyze_module.analyze, hold)
    monkeypatch.setattr(analyze_module, "analyze", gate)
    return gate


def analysed(gate: Gate) -> list[str]:
    return [text for text in gate.calls if text]  # less the warm-up's empty text


@pytest.mark.asyncio
async def test_a_request_cancelled_while_its_analysis_runs_is_answered_cancelled(monkeypatch):
    text = "(`a`:int = 1) AND (`b`:float > 2)"
    gate = gate_analysis(monkeypatch, lambda t: t == text)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    uri = "file:///w/cancel.nql"
    wire.open(uri, text)
    await gate.wait_entered()  # the analysis for the diagnostics is under way, and held
    msg = wire.request("textDocument/semanticTokens/full", {"textDocument": {"uri": uri}})
    wire.notify("$/cancelRequest", {"id": msg})
    answer = await wire.response(msg)
    assert answer["error"]["code"] == -32800  # RequestCancelled
    gate.release.set()
    # The analysis was not lost with the request: the next one answers from it.
    hover = await wire.call("textDocument/hover", at(uri, 0, 2))
    assert "`a`" in hover["result"]["contents"]["value"]
    assert analysed(gate) == [text]  # the diagnostics, the cancelled request and the hover shared one


@pytest.mark.asyncio
async def test_an_analysis_overtaken_by_a_change_is_not_published(monkeypatch):
    first = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(50))
    second = first + " AND `x`:flot = 1"
    gate = gate_analysis(monkeypatch, lambda t: t == first)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    uri = "file:///w/stale.nql"
    wire.open(uri, first)
    await gate.wait_entered()
    wire.change(uri, 2, second)
    gate.release.set()
    await wire.until(lambda: 2 in wire.published(uri))
    # Version 1's analysis finished first (one analysis thread, in order), and was dropped.
    assert wire.published(uri) == [2]
    [params] = wire.notifications("textDocument/publishDiagnostics")
    assert [d["code"] for d in params["diagnostics"]] == ["NQL101"]


@pytest.mark.asyncio
async def test_an_analysis_queued_behind_a_newer_change_is_skipped(monkeypatch):
    blocker = "`sys/failed`:bool = false"
    gate = gate_analysis(monkeypatch, lambda t: t == blocker)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    uri = "file:///w/queued.nql"
    wire.open(uri, blocker)
    await gate.wait_entered()  # the document's lane is busy
    wire.change(uri, 2, "(`a`:int = 1)")
    for _ in range(10):  # loop turns (not time): the publish is scheduled, its analysis queued in the lane
        await asyncio.sleep(0)
    wire.change(uri, 3, "(`a`:int = 2)")
    gate.release.set()
    await wire.until(lambda: 3 in wire.published(uri))
    assert analysed(gate) == [blocker, "(`a`:int = 2)"]  # version 2 was never analysed
    assert wire.published(uri) == [3]


# --- previews: one evaluation however many ask at once --------------------------------------------


def gate_preview(monkeypatch: pytest.MonkeyPatch) -> Gate:
    gate = Gate(evaluate_module.preview, lambda _: True)
    monkeypatch.setattr(evaluate_module, "preview", gate)
    return gate


def test_concurrent_previews_of_one_query_evaluate_once(monkeypatch):
    gate = gate_preview(monkeypatch)
    state = RunsState()
    state.loaded(small_runs(), None)
    query = "`acc`:float >= 0.9"
    results: list[Any] = []

    def ask() -> None:
        results.append(state.preview(query))

    first = threading.Thread(target=ask)
    first.start()
    assert gate.entered.wait(20)
    others = [threading.Thread(target=ask) for _ in range(7)]
    for t in others:
        t.start()
    for t in others:
        t.join(0.2)
        assert t.is_alive()  # waiting for the evaluation under way, not making its own
    gate.release.set()
    for t in [first, *others]:
        t.join(20)
    assert gate.calls == [query]
    assert len(results) == 8 and all(r is results[0] for r in results)
    assert [run.id for run in results[0].matches] == ["A", "D"]  # acc 0.9 and 0.95; B's is a string


def test_a_failed_preview_reaches_every_caller_and_is_not_kept(monkeypatch):
    calls = []

    def broken(text: str, runs: Any) -> Any:
        calls.append(text)
        raise RuntimeError("evaluation failed")

    monkeypatch.setattr(evaluate_module, "preview", broken)
    state = RunsState()
    state.loaded(small_runs(), None)
    for _ in range(2):
        with pytest.raises(RuntimeError):
            state.preview("`acc`:float >= 0.9")
    assert len(calls) == 2  # tried again: a failure is not cached


@pytest.mark.asyncio
async def test_concurrent_requests_share_one_evaluation(monkeypatch):
    gate = gate_preview(monkeypatch)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    await wire.barrier()  # ``initialized`` has set the runs to none: these replace them
    session = wire.server.context.session
    apply_loaded(session.runs, session.documents, small_runs(), None, learned=False)
    uri = "file:///w/previews.nql"
    text = '`acc`:float >= 0.9 AND\n`sys/state`:experimentState = "idle"'
    wire.open(uri, text)
    everything = {"start": {"line": 0, "character": 0}, "end": {"line": 2, "character": 0}}
    asked = [
        wire.request("textDocument/codeLens", {"textDocument": {"uri": uri}}),
        wire.request("textDocument/inlayHint", {"textDocument": {"uri": uri}, "range": everything}),
        wire.request("workspace/executeCommand", {"command": "nql.preview", "arguments": [uri, 0]}),
        wire.request("textDocument/codeLens", {"textDocument": {"uri": uri}}),
    ]
    await gate.wait_entered()
    gate.release.set()
    lens, hints, preview, lens_again = [(await wire.response(m))["result"] for m in asked]
    assert gate.calls == [text]
    assert lens[0]["command"]["title"] == "matches 0 of 4 runs" == lens_again[0]["command"]["title"]
    assert preview["matched"] == 0 and preview["total"] == 4
    assert [h["label"] for h in hints] == ["2/4", "1/4"]


@pytest.mark.asyncio
async def test_a_document_under_a_long_analysis_does_not_hold_up_another(monkeypatch):
    huge = " OR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(200))  # stands for one that takes long
    gate = gate_analysis(monkeypatch, lambda t: t == huge)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    try:
        wire.open("file:///w/huge.nql", huge)
        await gate.wait_entered()  # the huge document's analysis is under way, and held
        small = "file:///w/small.nql"
        wire.open(small, "`sys/failed`:bool = false")
        hover = await wire.call("textDocument/hover", at(small, 0, 2))
        assert "sys/failed" in hover["result"]["contents"]["value"]
        # The huge document's own requests still wait for its analysis, which is not started twice.
        wire.change("file:///w/huge.nql", 2, huge + " ")
        asked = wire.request("textDocument/hover", at("file:///w/huge.nql", 0, 2))
        await wire.barrier()
        assert not any(m.get("id") == asked for m in wire.sent)
    finally:
        gate.release.set()
    assert "sys/id" in (await wire.response(asked))["result"]["contents"]["value"]
    assert analysed(gate).count(huge) == 1  # the held analysis; the change's ran after it, one at a time


@pytest.mark.asyncio
async def test_a_running_analysis_superseded_by_a_change_is_stopped_and_never_published(monkeypatch):
    """The first text's analysis would run for 20 s; the change stops it where it stands, so the lane is
    free for the new text at once (without the stop, the new text waits 20 s and the test times out)."""
    first = " OR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(50))
    real = analyze_module.analyze
    entered, stopped = threading.Event(), threading.Event()

    def slow(text: str, *rest: Any, **kw: Any) -> Any:
        if text == first:
            entered.set()
            try:
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    time.sleep(0.001)
            except BaseException:
                stopped.set()
                raise
        return real(text, *rest, **kw)

    monkeypatch.setattr(analyze_module, "analyze", slow)
    wire = Wire()
    await wire.initialize({}, NO_RUNS)
    uri = "file:///w/superseded.nql"
    wire.open(uri, first)
    assert await asyncio.to_thread(entered.wait, 10)  # version 1 is being analysed
    wire.change(uri, 2, "`x`:flot = 1")
    await wire.until(lambda: 2 in wire.published(uri), timeout=10)
    assert stopped.is_set()
    assert wire.published(uri) == [2]  # version 1's diagnostics were never sent
    [params] = wire.notifications("textDocument/publishDiagnostics")
    assert [d["code"] for d in params["diagnostics"]] == ["NQL101"]
    # The stopped analysis left nothing behind: the document is served from the new text.
    hover = await wire.call("textDocument/hover", at(uri, 0, 2))
    assert hover["result"]["contents"]["value"].startswith("**`x`** (field)")
