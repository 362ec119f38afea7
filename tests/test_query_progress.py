"""A long statement's progress is reported while it runs, in steps, and never after it ends."""

from __future__ import annotations

import re
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from nql_lsp.lsp.runs_loading import progress_report
from nql_lsp.runs import query_progress
from nql_lsp.runs.query_progress import Done, interruptible, reporting

duckdb = pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")


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


def test_a_statement_stopped_by_ctrl_c_leaves_as_keyboard_interrupt() -> None:
    con = _connection()

    def interrupt_once_running() -> None:
        while con.query_progress() <= 0:  # past 0: a figure left by an earlier statement is not this one
            time.sleep(0.0005)
        con.interrupt()

    threading.Thread(target=interrupt_once_running, daemon=True).start()
    with pytest.raises(KeyboardInterrupt), interruptible():
        con.execute("SELECT sum(i) FROM range(100000000000) t(i)").fetchall()  # minutes, were it not stopped


@pytest.mark.parametrize(
    ("raised", "leaves"),
    [
        # What duckdb raises when SIGINT reaches it mid-statement (checked by hand: Ctrl-C during a first open).
        (RuntimeError("Query interrupted"), KeyboardInterrupt),
        (RuntimeError("something else"), RuntimeError),
        (ValueError("Query interrupted"), ValueError),
    ],
)
def test_only_duckdbs_interruption_becomes_keyboard_interrupt(raised: Exception, leaves: type[BaseException]) -> None:
    with pytest.raises(leaves) as caught, interruptible():
        raise raised
    assert type(caught.value) is leaves


def _long_export(root: Path) -> Path:
    """Twenty runs of 50,000 points each: a summary that runs long enough to be stopped midway."""
    from .parquet_export import SCHEMA

    folder = root / "team_cls-0123456789abcdef"
    folder.mkdir(parents=True)
    n = 50_000
    for k in range(20):
        run = f"R-{k}"
        columns = {
            "project_id": ["team/cls"] * n,
            "run_id": [run] * n,
            "attribute_path": ["loss"] * n,
            "attribute_type": ["float_series"] * n,
            "step": pa.array([Decimal(i) for i in range(n)], SCHEMA.field("step").type),
            "float_value": [float(i % 97) for i in range(n)],
        }
        table = pa.table({f.name: columns.get(f.name, pa.nulls(n, f.type)) for f in SCHEMA}, schema=SCHEMA)
        pq.write_table(table, folder / f"{run}_part_0.parquet")
    return root


def test_ctrl_c_during_a_first_open_stops_it_and_keeps_no_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nql_lsp.runs import open_runs

    export = _long_export(tmp_path / "export")
    cache = tmp_path / "cache"
    monkeypatch.setenv("NQL_LSP_CACHE_DIR", str(cache))
    made: list[Any] = []
    real_connect = duckdb.connect

    def connect(*args: Any, **kwargs: Any) -> Any:  # the real connection, kept to interrupt it
        made.append(real_connect(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(duckdb, "connect", connect)

    def say(message: str) -> None:
        if message == "summarising runs and series":  # said just before the long statement starts

            def interrupt_once_running() -> None:
                # Past 0: a brief statement before it may leave a figure of 0, and an interrupt between
                # statements is forgotten.
                while made[0].query_progress() <= 0:
                    time.sleep(0.0005)
                made[0].interrupt()

            threading.Thread(target=interrupt_once_running, daemon=True).start()

    with pytest.raises(KeyboardInterrupt):
        open_runs(export, progress=say)
    assert not [p for p in cache.rglob("*") if p.is_file()]  # no summary, whole or partial
    assert not [p for p in export.rglob("*") if not p.name.endswith("_part_0.parquet") and p.is_file()]
    # The next open reads the export as if nothing had happened.
    assert len(open_runs(export)) == 20


@pytest.mark.usefixtures("quick")
def test_a_report_that_fails_stops_the_reports_not_the_statement() -> None:
    con = _connection()
    calls: list[str] = []
    hooked: list[object] = []
    previous = threading.excepthook
    threading.excepthook = hooked.append  # a watcher dying of the error would land here, as a traceback
    try:

        def say(message: str) -> None:
            calls.append(message)
            raise BrokenPipeError("stderr is gone")

        with reporting(con, say, "summing"):
            (total,) = con.execute("SELECT sum(i) FROM range(150000000) t(i)").fetchone()
    finally:
        threading.excepthook = previous
    assert total == 150_000_000 * 149_999_999 // 2
    assert len(calls) == 1 and hooked == []  # tried once, then quiet


def test_a_previews_query_stopped_by_ctrl_c_ends_it_quietly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from nql_lsp.cli.app import main
    from nql_lsp.runs.parquet import ParquetRunSet

    from .parquet_export import write_export
    from .runs_fixtures import small_runs

    monkeypatch.setenv("NQL_LSP_CACHE_DIR", str(tmp_path / "cache"))
    root = write_export(small_runs().runs, tmp_path / "export")

    def stopped(self: ParquetRunSet, sql: str, params: list[Any]) -> Any:
        # What duckdb 2.0 raises when SIGINT reaches it mid-statement (checked by hand, a terminal's Ctrl-C
        # during a long statement); SIGINT itself reaches duckdb too unreliably for a test to send it.
        raise RuntimeError("Query interrupted")

    monkeypatch.setattr(ParquetRunSet, "matching", stopped)
    assert main(["--preview", "min(loss:floatSeries) = 1", "--runs", str(root)]) == 130
    assert capsys.readouterr().err == ""


def test_a_statement_stopped_in_fetch_runs_table_is_keyboard_interrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nql_lsp.api
    from nql_lsp.runs.parquet import ParquetRunSet

    from .parquet_export import write_export
    from .runs_fixtures import small_runs

    monkeypatch.setenv("NQL_LSP_CACHE_DIR", str(tmp_path / "cache"))
    project = nql_lsp.api.open(write_export(small_runs().runs, tmp_path / "export"))

    def stopped(self: ParquetRunSet, sql: str, params: list[Any]) -> Any:  # a notebook's interrupt, mid-query
        ended = threading.Event()

        def interrupt_until_stopped() -> None:  # one that comes before the statement starts is forgotten
            while not ended.wait(0.05):
                self.con.interrupt()

        threading.Thread(target=interrupt_until_stopped, daemon=True).start()
        try:
            return self.con.execute("SELECT sum(i) FROM range(100000000000) t(i)").fetchall()
        finally:
            ended.set()

    monkeypatch.setattr(ParquetRunSet, "matching", stopped)
    with pytest.raises(KeyboardInterrupt):
        project.fetch_runs_table(query="min(loss:floatSeries) = 1")
