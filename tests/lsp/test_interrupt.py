"""Stopping work on another thread: it stops where it stands, only while inside the call, and the thread
goes on serving afterwards."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from nql_lsp.lsp.interrupt import Interruptible


def _spin(entered: threading.Event, seconds: float = 20.0) -> str:
    entered.set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(0.001)
    return "finished"


def test_work_stopped_before_it_starts_never_runs():
    work = Interruptible()
    work.stop()
    ran = []
    assert work.call(lambda: ran.append(1)) is None
    assert ran == [] and work.stopped


def test_running_work_is_stopped_where_it_stands_and_the_pool_thread_serves_on():
    work = Interruptible()
    entered = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work.call, lambda: _spin(entered))
        assert entered.wait(10)
        started = time.monotonic()
        work.stop()
        assert future.result(timeout=10) is None
        assert time.monotonic() - started < 5  # not the 20 s the work would have taken
        # The same thread takes the next job, and nothing is raised in it later.
        assert pool.submit(lambda: _spin(threading.Event(), 0.2)).result(timeout=10) == "finished"


def test_stopping_after_the_work_is_done_changes_nothing():
    work = Interruptible()
    assert work.call(lambda: 42) == 42
    work.stop()  # nothing runs: nothing is raised anywhere
    assert _spin(threading.Event(), 0.1) == "finished"


def test_stopping_many_times_stops_once():
    work = Interruptible()
    entered = threading.Event()
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(work.call, lambda: _spin(entered))
        assert entered.wait(10)
        for _ in range(5):
            work.stop()
        assert future.result(timeout=10) is None
        assert pool.submit(lambda: _spin(threading.Event(), 0.2)).result(timeout=10) == "finished"
