"""The analysis threads, the analyses in flight, and work deferred to after the current message.

Analyses of the same text are shared. Each document has its own lane: its analyses run one after another,
while other documents' run beside them on the other threads, so a huge document being analysed never
keeps a small one waiting. A newer text of a document supersedes its analyses in flight
(:meth:`Scheduler.supersede`, on every change and on close): a queued one is skipped, a running one is
stopped where it stands (:mod:`nql_lsp.lsp.interrupt`), so the lane is free for the new text at once and
the old result is never stored nor published. Where each message's work runs is said by its route
(:mod:`nql_lsp.lsp.dispatch`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TYPE_CHECKING, Any

from nql_lsp.lsp.interrupt import Interruptible

if TYPE_CHECKING:
    from nql_lsp.lsp.documents import Document, Documents


#: Documents analysed at once. Analysis holds the GIL, so more lanes do not make one faster; they let a
#: small document's analysis take turns with a huge one's instead of queueing behind it.
LANES = 4


class Scheduler:
    """The analysis thread, the analyses in flight, and work deferred to after the current message."""

    __slots__ = ("_analyses", "_lanes", "_pool", "_running", "_soon", "_tasks")

    def __init__(self) -> None:
        # Full analyses run here, off the event loop, one document's at a time per lane.
        self._pool = ThreadPoolExecutor(max_workers=LANES, thread_name_prefix="nql-analysis")
        self._analyses: dict[tuple[str, int, int], asyncio.Future[Any]] = {}
        #: Each document's latest analysis: the next one of that document starts once it is done.
        self._lanes: dict[str, asyncio.Future[Any]] = {}
        #: Each document's analyses in flight, to stop when a newer text supersedes them.
        self._running: dict[str, set[Interruptible]] = {}
        self._tasks: set[asyncio.Future[Any]] = set()
        self._soon: set[tuple[str, str]] = set()

    @property
    def in_flight(self) -> int:
        """How many analyses are running or queued (each holds its document until it is settled)."""
        return len(self._analyses) + len(self._lanes)

    def soon(self, key: tuple[str, str], fn: Callable[[], None]) -> None:
        """``fn()`` once after the current message, however often it is asked for meanwhile: changes that
        arrive together are handled once."""
        if key in self._soon:
            return
        self._soon.add(key)

        def run() -> None:
            self._soon.discard(key)
            fn()

        asyncio.get_running_loop().call_soon(run)

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)  # held until done: the loop keeps only weak references to tasks
        task.add_done_callback(self._tasks.discard)
        return task

    def in_background(self, fn: Callable[[], Any]) -> None:
        """``fn()`` on the analysis thread, after any analysis already queued (warming caches up)."""
        asyncio.get_running_loop().run_in_executor(self._pool, fn)

    async def analysed(self, documents: Documents, doc: Document) -> None:
        """Have the document's analyses computed, on the analysis thread. Requests for the same text share
        one analysis; one queued behind a newer change is skipped when its turn comes."""
        if documents.fresh(doc) is not None:
            return
        plan = documents.plan(doc)
        key = (doc.uri, id(plan.regions), plan.generation)
        running = self._analyses.get(key)
        if running is None:
            wanted = partial(documents.current, doc, plan)
            work = Interruptible()
            self._running.setdefault(doc.uri, set()).add(work)
            run = partial(work.call, partial(plan.run, wanted))
            running = asyncio.ensure_future(self._in_lane(self._lanes.get(doc.uri), run))
            self._analyses[key] = running
            self._lanes[doc.uri] = running
            running.add_done_callback(partial(self._settle, key, documents, doc, plan))
            running.add_done_callback(partial(self._leave_lane, doc.uri, work))
        await asyncio.shield(running)
        # The future's own callback runs one loop turn after it is done; a waiter resuming first settles it,
        # so no request in between finds the analysis neither in flight nor stored and computes it again.
        self._settle(key, documents, doc, plan, running)

    async def _in_lane(self, before: asyncio.Future[Any] | None, run: Callable[..., Any], *args: Any) -> Any:
        """``run(*args)`` on a thread once the document's previous analysis is done (whichever way)."""
        if before is not None and not before.done():
            await asyncio.wait([before])
        return await asyncio.get_running_loop().run_in_executor(self._pool, run, *args)

    def _leave_lane(self, uri: str, work: Interruptible, done: asyncio.Future[Any]) -> None:
        if self._lanes.get(uri) is done:
            del self._lanes[uri]
        works = self._running.get(uri)
        if works is not None:
            works.discard(work)
            if not works:
                del self._running[uri]

    def supersede(self, uri: str) -> None:
        """The document's text changed (or it closed): stop its analyses in flight, which describe an
        older text. Their waiters find the result missing and answer as for any stale analysis."""
        for work in self._running.pop(uri, ()):
            work.stop()

    def _settle(
        self, key: tuple[str, int, int], documents: Documents, doc: Document, plan: Any, done: asyncio.Future[Any]
    ) -> None:
        """Store a finished analysis and take it off the table: idempotent, whoever gets there first."""
        if self._analyses.get(key) is not done:
            return
        del self._analyses[key]
        if not done.cancelled() and done.exception() is None:
            documents.store(doc, plan, done.result())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
