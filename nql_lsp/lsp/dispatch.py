"""Where each message's work runs: on the event loop, after the document's analysis, or on a worker.

Every route in the dispatch table (:mod:`nql_lsp.lsp.handlers`) names one :class:`Mode`:

- ``LOCAL``: on the event loop, at once, with the session to change (document sync, settings).
- ``ANALYSED``: waits for the document's full analysis, which runs on the analysis thread so the loop
  keeps reading messages (a cancel, a newer change) meanwhile; then answers from a snapshot on the loop.
- ``QUICK``: as ``ANALYSED``, except that diagnostics that come cheap (incremental) need no full analysis.
- ``WORKER``: as ``ANALYSED``, then the answer itself is computed on a worker thread (evaluating runs).

A request waiting in any of these is cancelled by ``$/cancelRequest``; one whose document changed while
it waited is refused with ContentModified (its positions would be wrong); one that fails is reported
and answered with the route's default, never a traceback.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pygls.exceptions import JsonRpcContentModified

if TYPE_CHECKING:
    from nql_lsp.lsp.context import Context
    from nql_lsp.lsp.snapshot import DocumentSnapshot


class Mode(enum.Enum):
    LOCAL = "local"
    ANALYSED = "analysed"
    QUICK = "quick"
    WORKER = "worker"


def _none() -> None:
    return None


@dataclass(frozen=True, slots=True)
class Route:
    """One LSP method (or ``workspace/executeCommand`` command): its handler and where it runs.

    A ``LOCAL`` handler is ``handler(ctx, params)``; an ``ANALYSED`` or ``QUICK`` one is
    ``handler(ctx, snapshot, params)``; a ``WORKER`` one is ``handler(ctx, snapshot, analyses, params)``,
    given the document's analyses taken on the loop. A command's handler has ``args`` (the arguments
    after the document's URI) for ``params``.
    ``guard(ctx)`` false answers ``default()`` before any analysis; ``stale`` (for commands, off)
    refuses an answer about a document that changed meanwhile.
    """

    method: str
    handler: Callable[..., Any]
    mode: Mode
    default: Callable[[], Any] = _none
    options: Any = None
    command: bool = False
    guard: Callable[[Context], bool] | None = None
    stale: bool = True
    #: Registered only for clients with these capabilities (read at ``initialize``).
    when: Callable[[Context], bool] | None = None


# --- the callables pygls is given, one per route ---------------------------------------------------


def entry(route: Route, ctx: Context) -> Callable[..., Any]:
    """What pygls calls for ``route``: the handler, run where its mode says."""
    if route.mode is Mode.LOCAL:
        return _local(route, ctx)
    if route.command:
        return _command(route, ctx)
    return _document_request(route, ctx)


def _local(route: Route, ctx: Context) -> Callable[..., Any]:
    handler = route.handler
    if asyncio.iscoroutinefunction(handler):

        async def run_async(params: Any) -> Any:
            try:
                return await handler(ctx, params)
            except Exception as e:
                ctx.client.report(e, route.method)
                return route.default()

        return run_async

    def run(params: Any) -> Any:
        try:
            return handler(ctx, params)
        except Exception as e:
            ctx.client.report(e, route.method)
            return route.default()

    return run


async def _answer(route: Route, ctx: Context, snap: DocumentSnapshot, *args: Any) -> Any:
    """The analysis, then the handler (on the loop, or on a worker thread); the default on failure."""
    session = ctx.session
    try:
        if route.mode is not Mode.QUICK or session.documents.quick_diagnostics(snap.document) is None:
            await ctx.scheduler.analysed(session.documents, snap.document)
    except Exception as e:
        ctx.client.report(e, route.method)
        return route.default()
    if route.stale and not session.is_current(snap):
        raise JsonRpcContentModified(f"{snap.uri} changed")
    try:
        if route.mode is Mode.WORKER:
            # The analyses are taken here, on the loop: the worker thread only reads them.
            analyses = session.documents.snapshots(snap.document)
            result = await asyncio.to_thread(route.handler, ctx, snap, analyses, *args)
        else:
            result = route.handler(ctx, snap, *args)
    except Exception as e:
        ctx.client.report(e, route.method)
        return route.default()
    if route.stale and not session.is_current(snap):
        raise JsonRpcContentModified(f"{snap.uri} changed")
    return result


def _document_request(route: Route, ctx: Context) -> Callable[..., Any]:
    async def run(params: Any) -> Any:
        if route.guard is not None and not route.guard(ctx):
            return route.default()
        snap = ctx.session.snapshot(params.text_document.uri)
        if snap is None:
            return route.default()
        await asyncio.sleep(0)  # read what arrived with this request first: a cancel, a newer change
        return await _answer(route, ctx, snap, params)

    return run


def _command(route: Route, ctx: Context) -> Callable[..., Any]:
    async def run(*args: Any) -> Any:  # the arguments are raw JSON: [uri, ...]
        uri = args[0] if args else None
        snap = ctx.session.snapshot(uri) if isinstance(uri, str) else None
        if snap is None:
            return route.default()
        return await _answer(route, ctx, snap, args[1:])

    return run
