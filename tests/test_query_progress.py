"""A long statement's progress is reported while it runs, in steps, and never after it ends."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest

from nql_lsp.lsp.runs_loading import progress_report
from nql_lsp.runs import query_progress
from nql_lsp.runs.query_progress import Done, reporting

duckdb = pytest.importorskip("duckdb")


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(query_progress, "POLL", 0.01)
    monkeypatch.setattr(query_progress, "STEP", 5)


def _connection() -> Any:
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = true")
    con.execute("SET enable_progress_bar_print = false")
    return con


@pytest.mark.usefixtures("quick")
def test_a_long_statement_reports_rising_steps_and_its_result_is_untouched() -> None:
    con = _connection()
    said: list[str] = []
    with reporting(con, said.append, "summing"):
        # About a second on a 2-core machine: many polls of 10 ms.
        (total,) = con.execute("SELECT sum(i) FROM range(150000000) t(i)").fetchone()
    assert total == 150_000_000 * 149_999_999 // 2
    assert said, "a statement of many polls reported nothing"
    figures = [int(m[1]) for m in (re.fullmatch(r"summing: (\d+)%", s) for s in said) if m]
    assert len(figures) == len(said), said
    assert figures == sorted(set(figures)), said  # each step once, rising
    assert all(0 < f <= 100 and f % 5 == 0 for f in figures), said
    assert [m.percent for m in said if isinstance(m, Done)] == figures  # each carries its figure
    count = len(said)
    time.sleep(0.05)
    assert len(said) == count  # nothing after the block


@pytest.mark.usefixtures("quick")
def test_nothing_running_says_nothing() -> None:
    con = _connection()
    said: list[str] = []
    with reporting(con, said.append, "idle"):
        time.sleep(0.1)  # duckdb answers -1: no statement
    assert said == []


class _Broken:
    """A connection that cannot say its progress (an older duckdb)."""

    def __init__(self) -> None:
        self.asked = threading.Event()

    def query_progress(self) -> float:
        self.asked.set()
        raise RuntimeError("no progress here")


@pytest.mark.usefixtures("quick")
def test_a_connection_without_progress_stays_quiet_and_the_block_goes_on() -> None:
    con = _Broken()
    said: list[str] = []
    with reporting(con, said.append, "reading"):
        assert con.asked.wait(2)
        done = "finished"
    assert done == "finished" and said == []


def test_an_error_in_the_block_still_stops_the_watcher() -> None:
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(duckdb.Error), reporting(_connection(), lambda m: None, "failing"):
        duckdb.connect().execute("SELECT * FROM no_such_table")
    assert "nql-query-progress" not in {t.name for t in threading.enumerate()} - before


def test_the_server_reports_a_figure_as_a_percentage_and_a_message_as_it_is() -> None:
    report = progress_report(Done("summarising runs and series", 40))
    assert report.message == "summarising runs and series: 40%" and type(report.message) is str
    assert report.percentage == 40
    plain = progress_report("reading 3 parquet files from exports")
    assert plain.message == "reading 3 parquet files from exports" and plain.percentage is None
