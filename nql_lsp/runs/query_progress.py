"""A long duckdb statement: how far it has got (said through a :data:`~nql_lsp.runs.model.Progress`
callback), and Ctrl-C stopping it as it stops the rest of the program.

The first open of a large export is one statement that runs for many seconds (``docs/runs.md``): without
a figure, a user cannot tell a slow read from a hung one. duckdb keeps the progress of the statement it
runs and answers ``query_progress()`` from another thread, so a watcher polls it and reports every step
of :data:`STEP` percent, as a :class:`Done` (the text, and the figure for a client that draws a bar).
The figure is duckdb's own, over the statement's stages: reading the files is its first half, grouping
and writing the rest go quickly after.

duckdb answers Ctrl-C during a statement by stopping it and raising ``RuntimeError("Query interrupted")``
(and ``InterruptException``, one of its errors, when interrupted by ``interrupt()``): a reader that took
either for a file it cannot read would name a good file as broken, and the CLI would show a traceback.
:func:`interruptible` makes them the ``KeyboardInterrupt`` every surface already ends quietly on.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from typing import Any

from nql_lsp.runs.model import Progress

#: What duckdb's RuntimeError says when Ctrl-C stopped its statement.
INTERRUPTED = "Query interrupted"

#: Seconds between two looks at the statement's progress.
POLL = 0.5

#: Percent between two reports: a terminal gets a few lines, not one per look.
STEP = 10


class Done(str):
    """A progress message that also holds its figure: printed, it is the message; a client that draws a
    bar (LSP work-done progress) takes ``percent`` from it rather than reading it out of the text."""

    percent: int

    def __new__(cls, doing: str, percent: int) -> Done:
        message = super().__new__(cls, f"{doing}: {percent}%")
        message.percent = percent
        return message


@contextlib.contextmanager
def reporting(con: Any, say: Progress, doing: str) -> Iterator[None]:
    """Report ``doing: N%`` (a :class:`Done`) while the block runs a statement on ``con``; nothing is said
    after it ends.

    Progress is a courtesy: a connection that cannot say it (or says -1, nothing running) stays quiet,
    and nothing the watcher meets reaches the statement."""
    stopped = threading.Event()
    lock = threading.Lock()  # a report under way finishes before the block is left

    def watch() -> None:
        said = 0
        while not stopped.wait(POLL):
            try:
                percent = float(con.query_progress())
            except Exception:  # an old duckdb, or the connection closing: no more figures
                return
            step = min(100, int(percent)) // STEP * STEP
            if step > said:
                said = step
                with lock:
                    if stopped.is_set():
                        return
                    try:
                        say(Done(doing, step))
                    except Exception:  # a closed stream or event loop: the statement goes on unreported
                        return

    watcher = threading.Thread(target=watch, name="nql-query-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        with lock:
            stopped.set()
        watcher.join()


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """duckdb's statement stopped by Ctrl-C (or ``interrupt()``) leaves the block as ``KeyboardInterrupt``."""
    try:
        yield
    except Exception as e:
        if not stopped_by_ctrl_c(e):
            raise
        raise KeyboardInterrupt from None


def stopped_by_ctrl_c(error: BaseException) -> bool:
    """Whether ``error`` is duckdb's answer to Ctrl-C (or ``interrupt()``) during a statement."""
    if isinstance(error, RuntimeError):
        return str(error) == INTERRUPTED
    try:
        import duckdb  # not at import: checking queries never loads duckdb
    except ImportError:
        return False
    return isinstance(error, duckdb.InterruptException)
