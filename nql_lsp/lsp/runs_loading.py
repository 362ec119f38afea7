"""Loading the runs ``nql.runs`` names: on a worker thread, with work-done progress where the client shows it.

A load is started after ``initialized`` and whenever the setting changes to something else; a load
overtaken by a newer setting is cancelled (its thread may finish reading, but its result is dropped and
its progress is ended without further reports). With no ``nql.runs``, the export found in the workspace
folders is loaded, else the bundled sample; the log says which. ``nql.runs: "sample"`` loads the bundled
sample even where the workspace holds an export. A change of workspace folders searches them again when
the runs came from that search (:func:`folders_changed`).

``nql.project`` narrows what was read: changing it narrows the same runs again, on a worker thread, without
reading the export again, then lenses and diagnostics follow as after a load.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from lsprotocol import types

from nql_lsp.lsp.context import Context

if TYPE_CHECKING:
    from nql_lsp.runs import RunsSource

_T = TypeVar("_T")


def start(ctx: Context) -> None:
    """Load the runs ``nql.runs`` names, unless they are what is loaded or loading already; narrow them
    again (without reading them again) when only ``nql.project`` changed."""
    from nql_lsp.lsp.runs import resolve
    from nql_lsp.lsp.settings import SAMPLE_RUNS

    state = ctx.session.runs
    settings = ctx.session.settings.current
    setting = settings.runs
    root = ctx.session.root_path or next(iter(state.folders), None)  # relative paths: from the workspace
    wanted: tuple[str, str | None] = (
        ("off", None)
        if setting is None
        else ("sample", None)
        if setting == SAMPLE_RUNS
        else ("load", resolve(setting, root))
    )
    if wanted == state.wanted:
        if state.task is None and state.base is not None and settings.project != state.projects:
            state.task = asyncio.get_running_loop().create_task(_renarrow(ctx, wanted))
        return  # a load or narrowing under way narrows to the projects in force when it gets there
    state.wanted = wanted
    if state.task is not None:
        state.task.cancel()
        state.task = None
    state.base = None
    if wanted[0] == "off":
        _loaded(ctx, None, None, learned=False)
        return
    state.task = asyncio.get_running_loop().create_task(_load(ctx, wanted))


def progress_report(message: str) -> types.WorkDoneProgressReport:
    """A load's progress message as LSP reports it: with its percentage where it has one (a long read of an
    export, :class:`~nql_lsp.runs.query_progress.Done`), so that a client can draw a bar."""
    from nql_lsp.runs.query_progress import Done

    percent = message.percent if isinstance(message, Done) else None
    return types.WorkDoneProgressReport(message=str(message), percentage=percent)


async def _begin_progress(ctx: Context, path: str | None, key: object) -> str | None:
    """A progress token shown by the client, or None when it takes no progress (or refuses it)."""
    if not ctx.session.capabilities.work_done_progress:
        return None
    token = f"nql-runs-{id(key)}"
    try:
        await ctx.client.progress.create_async(token)
        ctx.client.progress.begin(
            token,
            types.WorkDoneProgressBegin(title="Loading runs", message=path or "bundled sample", cancellable=False),
        )
    except Exception:  # a client that refuses progress still gets the runs
        return None
    return token


async def _load(ctx: Context, wanted: tuple[str, str | None]) -> None:
    from nql_lsp.lsp.runs import open_source
    from nql_lsp.runs import RunsError
    from nql_lsp.sources.files import SourceError

    path = wanted[1]
    loop = asyncio.get_running_loop()
    token = await _begin_progress(ctx, path, wanted)
    stopped = threading.Event()  # set when this load is abandoned: its thread may still be reading

    def send_report(message: str) -> None:
        if token is not None and not stopped.is_set():
            ctx.client.progress.report(token, progress_report(message))

    def report(message: str) -> None:  # called from the loading thread
        if token is not None and not stopped.is_set():
            loop.call_soon_threadsafe(send_report, message)

    def log(message: str) -> None:  # which runs are used, when the setting names none: said in the log
        if not stopped.is_set():
            loop.call_soon_threadsafe(ctx.client.log, f"nql-lsp: {message}")
        report(message)

    state = ctx.session.runs
    base: RunsSource | None = None
    runs: RunsSource | None = None
    used: str | None = None
    projects: tuple[str, ...] = ()
    error: str | None = None
    try:
        reader = functools.partial(open_source, discover=wanted[0] == "load")
        opened, used = await _in_thread(reader, path, list(state.folders), log if path is None else report)
        base = opened
        runs, projects, error = await _narrow_current(ctx, opened, report)
    except asyncio.CancelledError:
        stopped.set()
        raise  # the setting changed or the server is exiting: nothing more to tell the client
    except (RunsError, SourceError) as e:
        error = str(e)
    except Exception as e:  # anything else a reader trips on is still the file's problem
        error = f"{used or path or 'the bundled sample'}: could not be read ({type(e).__name__}: {e})"
    if token is not None:
        done = "failed" if runs is None else f"{len(runs):,} runs"
        ctx.client.progress.end(token, types.WorkDoneProgressEnd(message=done))
    if state.wanted != wanted:
        return  # the setting changed while this loaded
    state.task = None
    if error is not None:
        ctx.client.show(f"nql-lsp: {error}. Previews are off; fix the file or change nql.runs or nql.project.")
    # Kept even when narrowing failed: a corrected nql.project narrows these without reading them again.
    state.base, state.source_path, state.projects = base, used, projects
    # The bundled sample is a demonstration: its fields are not the user's, so they do not become
    # the schema that unknown-field warnings are judged against.
    _loaded(ctx, runs, error, learned=used is not None)


async def _narrow_current(
    ctx: Context, base: RunsSource, report: Callable[[str], None]
) -> tuple[RunsSource | None, tuple[str, ...], str | None]:
    """``base`` narrowed to the ``nql.project`` in force when the narrowing ends (narrowed again if it
    changed meanwhile): the runs, the projects, and the error (a project ``base`` does not hold)."""
    from nql_lsp.lsp.runs import narrowed
    from nql_lsp.runs import RunsError

    while True:
        projects = ctx.session.settings.current.project
        try:
            runs: RunsSource | None = await _in_thread(narrowed, base, projects, report)
            error = None
        except RunsError as e:
            runs, error = None, str(e)
        if ctx.session.settings.current.project == projects:
            return runs, projects, error


async def _renarrow(ctx: Context, wanted: tuple[str, str | None]) -> None:
    """Only ``nql.project`` changed: the runs already read, narrowed to the new projects."""
    state = ctx.session.runs
    base = state.base
    assert base is not None
    try:
        runs, projects, error = await _narrow_current(ctx, base, lambda message: None)
    except asyncio.CancelledError:
        raise
    except Exception as e:  # a narrowing that fails is said, and the server goes on
        runs, projects, error = None, ctx.session.settings.current.project, f"{base.label}: {type(e).__name__}: {e}"
    if state.wanted != wanted or state.base is not base:
        return
    state.task = None
    state.projects = projects
    if error is not None:
        ctx.client.show(f"nql-lsp: {error}. Previews are off; change nql.project.")
    _loaded(ctx, runs, error, learned=state.source_path is not None)


def _in_thread(fn: Callable[..., _T], *args: Any) -> asyncio.Future[_T]:
    """``fn(*args)`` on a thread of its own, a daemon: a read that never ends (a file on a hung network
    mount) then holds neither the event loop's closing nor the process's exit, as a pool's thread would."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[_T] = loop.create_future()

    def settle(result: _T | None, error: BaseException | None) -> None:
        if future.done():
            return  # cancelled meanwhile: the result is dropped
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]  # None only alongside an error

    def run() -> None:
        try:
            outcome: tuple[_T | None, BaseException | None] = (fn(*args), None)
        except BaseException as e:
            outcome = (None, e)
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody waits any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name="nql-runs-load", daemon=True).start()
    return future


def _loaded(ctx: Context, runs: Any, error: str | None, *, learned: bool) -> None:
    from nql_lsp.lsp.runs import apply_loaded, where_of

    state = ctx.session.runs
    where = where_of(state.source_path, state.folders, runs if state.projects else None)
    apply_loaded(state, ctx.session.documents, runs, error, learned=learned, where=where)
    ctx.client.refresh_previews(ctx.session.capabilities)


async def folders_changed(ctx: Context, added: list[str], removed: list[str]) -> None:
    """The workspace folders changed: when no ``nql.runs`` names the runs (they came from the search of the
    folders, or the sample stood in for an export not found), search the new folders, and load what they
    hold if it is not what is loaded or loading. Runs a setting names are left as they are."""
    from nql_lsp.runs.discover import find_export

    state = ctx.session.runs
    gone = set(removed)
    state.folders = [f for f in state.folders if f not in gone] + [f for f in added if f not in state.folders]
    if state.wanted != ("load", None):
        return  # a path, the sample or no previews: the folders do not say what is loaded
    folders = list(state.folders)
    found = await _in_thread(find_export, folders)
    if state.wanted != ("load", None) or state.folders != folders:
        return  # the setting or the folders changed again meanwhile: that change loads what it needs
    if state.task is None and (str(found) if found is not None else None) == state.source_path:
        return  # the same export (or still none): nothing to read again
    state.wanted = None  # what start() compares with: the same setting, loaded again
    start(ctx)
