"""The runs the server previews queries against, and the features that read them.

A runs source can be large (a parquet export of thousands of runs), so it is opened off the event loop,
with work-done progress when the client shows it, while edits and every other request go on. Until it is
ready, and whenever it fails to load, the server works exactly as it does without runs: no lenses, no
hints, no learned schema; a failure is said once, naming the file and what is wrong.

Evaluation also runs in a worker thread, one at a time (a duckdb connection serves one caller at once),
and each query's preview is cached per runs generation, so re-rendering lenses costs nothing; requests
that ask for the same preview at once share one evaluation.
"""

from __future__ import annotations

import asyncio
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.documents import Documents
from nql_lsp.lsp.positions import Positions
from nql_lsp.sources.query import RUNS

if TYPE_CHECKING:
    from nql_lsp.evaluation.evaluate import Preview
    from nql_lsp.runs import RunsSource

PREVIEW_COMMAND = "nql.preview"
EXPLAIN_COMMAND = "nql.explain"
MAX_ROWS = 1000  # rows a preview command returns; the counts are always complete
_CACHE_SIZE = 256


class PreviewCache:
    """Results by key, computed once however many threads ask at once (single flight), the last
    ``size`` kept.

    The first caller of a key computes it; a caller that asks while that runs waits for the same result
    instead of computing it again; a failure reaches every waiting caller and is not kept.
    """

    __slots__ = ("_done", "_lock", "_running", "size")

    def __init__(self, size: int = _CACHE_SIZE) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._done: OrderedDict[Hashable, Any] = OrderedDict()
        self._running: dict[Hashable, Future[Any]] = {}

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._done:
                self._done.move_to_end(key)
                return self._done[key]
            running = self._running.get(key)
            if running is None:
                mine: Future[Any] = Future()
                self._running[key] = mine
        if running is not None:
            return running.result()
        try:
            result = compute()
        except BaseException as e:
            with self._lock:
                del self._running[key]
            mine.set_exception(e)
            raise
        with self._lock:
            del self._running[key]
            self._done[key] = result
            while len(self._done) > self.size:
                self._done.popitem(last=False)
        mine.set_result(result)
        return result

    def __len__(self) -> int:
        return len(self._done)

    def forget(self, unwanted: Callable[[Hashable], bool]) -> None:
        """Drop the kept results whose key is ``unwanted`` (those of documents closed)."""
        with self._lock:
            for key in [k for k in self._done if unwanted(k)]:
                del self._done[key]

    def clear(self) -> None:
        """Forget the kept results (computations under way finish and are kept under their own keys)."""
        with self._lock:
            self._done.clear()


@dataclass(slots=True)
class RunsState:
    """The loaded runs (or why there are none), what is being loaded, and the previews and clause counts
    cached for the current load."""

    runs: RunsSource | None = None
    error: str | None = None
    generation: int = 0
    #: What the ``nql.runs`` setting asks for: ("off", None), ("sample", None) for the bundled sample, or
    #: ("load", path, or None for the workspace's export or else the bundled sample).
    wanted: tuple[str, str | None] | None = None
    task: asyncio.Task[None] | None = None
    #: Held while evaluating: a duckdb connection serves one caller at once.
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: PreviewCache = field(default_factory=PreviewCache)
    #: The runs as read, before ``nql.project`` narrowed them: a new narrowing starts from these.
    base: RunsSource | None = None
    #: Where ``base`` came from: its path, or None for the bundled sample.
    source_path: str | None = None
    #: The projects ``runs`` is narrowed to (none: every project), as ``nql.project`` named them.
    projects: tuple[str, ...] = ()
    #: The workspace folders (paths), where an export is looked for when ``nql.runs`` names none.
    folders: list[str] = field(default_factory=list)
    #: What the lenses say they counted against: "exports/data", "the bundled sample".
    where: str = ""

    @property
    def ready(self) -> bool:
        return self.runs is not None

    def loaded(self, runs: RunsSource | None, error: str | None) -> None:
        self.runs = runs
        self.error = error
        self.generation += 1
        self.cache.clear()

    def forget(self, texts: set[str]) -> None:
        """Drop the previews and counts of these queries (no open document holds them any more)."""
        if texts:
            self.cache.forget(lambda key: isinstance(key, tuple) and key[-1] in texts)

    def _cached(self, kind: str, text: str, compute: Callable[[str, RunsSource], Any]) -> Any:
        """``compute(text, runs)`` once per query per runs load, on any thread (call off the event loop)."""
        runs = self.runs
        if runs is None:
            return None

        def evaluate() -> Any:
            with self.lock:
                return compute(text, runs)

        return self.cache.get((kind, self.generation, text), evaluate)

    def preview(self, text: str) -> Preview | None:
        from nql_lsp.evaluation.evaluate import preview

        result: Preview | None = self._cached("preview", text, preview)
        return result

    def clause_counts(self, text: str) -> list[tuple[int, int, int]]:
        from nql_lsp.evaluation.evaluate import clause_counts

        counts: list[tuple[int, int, int]] = self._cached("counts", text, clause_counts) or []
        return counts

    def explain(self, text: str, run_id: str) -> str:
        runs = self.runs
        if runs is None:
            return self.error or "no runs are loaded yet"
        from nql_lsp.evaluation.evaluate import explain

        with self.lock:
            return explain(text, runs, run_id)


def resolve(setting: str | None, root: str | None) -> str | None:
    """The runs path a setting names: relative paths are taken from the workspace root."""
    if not setting:
        return None
    path = Path(setting).expanduser()
    if not path.is_absolute() and root:
        path = Path(root) / path
    return str(path)


def open_source(
    source: str | None, folders: list[str], report: Callable[[str], None], *, discover: bool = True
) -> tuple[RunsSource, str | None]:
    """The runs ``source`` names, or (for None) the export found in the workspace folders (unless not
    ``discover``), else the bundled sample; and the path they came from (None: the sample). Runs in the
    calling thread.

    A named path is first checked to be a regular file or a directory, without opening it: a FIFO or a
    device would block the read forever. Raises :class:`~nql_lsp.sources.files.SourceError` naming it."""
    from nql_lsp.runs import open_runs

    if source is None and not discover:
        report("nql.runs asks for the bundled sample")
    elif source is None:
        from nql_lsp.runs.discover import find_export

        found = find_export(folders)
        if found is not None:
            source = str(found)
            report(f"no nql.runs set: using the export found in the workspace, {source}")
        else:
            report("no nql.runs set and no export (*_part_0.parquet) in the workspace: using the bundled sample")
    else:
        from nql_lsp.sources.files import path_kind

        path_kind(source)
    return open_runs(source, progress=report), source


def narrowed(base: RunsSource, projects: tuple[str, ...], report: Callable[[str], None]) -> RunsSource:
    """``base`` narrowed to ``projects`` (without reading it again), with what every query will need (schema,
    columns) built now, in the calling thread. Raises :class:`~nql_lsp.runs.RunsError` for a project the
    runs do not hold."""
    from nql_lsp.evaluation.engine import engine_for
    from nql_lsp.runs.narrowed import narrow

    runs = narrow(base, projects)
    report(f"learning the schema of {len(runs):,} runs")
    engine_for(runs).prepare()  # built here, off the event loop, rather than on the first request
    return runs


def load(source: str | None, report: Callable[[str], None]) -> RunsSource:
    """Open the runs at ``source`` (None: the bundled sample), all projects, ready to query."""
    runs, _ = open_source(source, [], report)
    return narrowed(runs, (), report)


def where_of(source_path: str | None, folders: list[str], narrowed: RunsSource | None) -> str:
    """What lenses count against, as the user knows it: the path relative to the workspace, or the sample;
    and the projects of ``narrowed`` (runs narrowed to some), by their full names."""
    from nql_lsp.runs.discover import describe
    from nql_lsp.runs.narrowed import narrowed_label, projects_of

    where = "the bundled sample" if source_path is None else describe(source_path, folders)
    return narrowed_label(where, projects_of(narrowed)) if narrowed is not None else where


def apply_loaded(
    state: RunsState,
    documents: Documents,
    runs: RunsSource | None,
    error: str | None,
    *,
    learned: bool,
    where: str = "",
) -> None:
    """Make ``runs`` the ones previewed; with ``learned``, their schema also informs every analysis."""
    from nql_lsp.evaluation.engine import schema_of

    state.where = where if runs is not None else ""
    state.loaded(runs, error)
    documents.set_schema_layer("runs", schema_of(runs) if runs is not None and learned else None)


# --- features ----------------------------------------------------------------------------------------


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def lens_title(preview: Preview, where: str = "") -> str:
    """ "matches 37 of 9,812 runs in exports/data": the count, and what it was counted against."""
    counted = f"matches {len(preview.matches):,} of {_plural(preview.total, 'run')}"
    return f"{counted} in {where}" if where else counted


def code_lenses(state: RunsState, snapshots: list[QueryAnalysis], uri: str, pos: Positions) -> list[types.CodeLens]:
    """One lens per well-formed query: how many runs it matches; it opens the preview."""
    lenses: list[types.CodeLens] = []
    if not state.ready:
        return lenses
    for index, snap in enumerate(snapshots):
        if snap.analysis.parsed.errors or not snap.region.text.strip() or snap.region.source.about != RUNS:
            continue  # a models query matches no run: no count to show
        result = state.preview(snap.region.text)
        if result is None or result.error is not None:
            continue
        start = snap.region.file_start
        at = pos.range(start, start)
        lenses.append(
            types.CodeLens(
                range=at,
                command=types.Command(
                    title=lens_title(result, state.where), command=PREVIEW_COMMAND, arguments=[uri, index]
                ),
            )
        )
    return lenses


def inlay_hints(
    state: RunsState, snapshots: list[QueryAnalysis], pos: Positions, within: types.Range
) -> list[types.InlayHint]:
    """After each clause of a query with more than one: how many runs that clause alone matches."""
    hints: list[types.InlayHint] = []
    if not state.ready or state.runs is None:
        return hints
    lo, hi = pos.offset(within.start), pos.offset(within.end)
    for snap in snapshots:
        region = snap.region
        if snap.analysis.parsed.errors or region.file_end < lo or region.file_start > hi or region.source.about != RUNS:
            continue
        if len(snap.analysis.clauses) < 2:
            continue  # the lens already says it
        result = state.preview(region.text)
        total = result.total if result is not None else len(state.runs)
        for _start, end, count in state.clause_counts(region.text):
            at = region.to_file(end)
            if not lo <= at <= hi:
                continue
            hints.append(
                types.InlayHint(
                    position=pos.position(at),
                    label=f"{count:,}/{total:,}",
                    padding_left=True,
                    tooltip=f"{_plural(count, 'run')} of {total:,} match this clause alone",
                )
            )
    return hints


def _query_at(snaps: list[QueryAnalysis], index: Any) -> tuple[str, dict[str, Any] | None] | None:
    """The text of a command's query (``index``, the first if not a number) and the error to answer instead
    when it filters models or model versions, which runs cannot answer; None when there is no such query."""
    i = index if isinstance(index, int) and not isinstance(index, bool) else 0
    if not 0 <= i < len(snaps):
        return None
    source = snaps[i].region.source
    refused = None
    if source.about != RUNS:
        refused = error_result(f"this query filters {source.about}, not runs: the runs cannot answer it")
    return source.text, refused


def preview_command(state: RunsState, snapshots: list[QueryAnalysis], index: Any) -> dict[str, Any]:
    """The runs a document's query matches: id, name and each field the query uses, for the client to show."""
    if not state.ready:
        return error_result(state.error or "the runs are still loading")
    found = _query_at(snapshots, index)
    if found is None:
        return error_result("the document holds no query there")
    text, refused = found
    if refused is not None:
        return refused
    result = state.preview(text)
    if result is None:
        return error_result("no runs are loaded")
    if result.error is not None:
        return error_result(f"the query has a syntax error at {result.error}", total=result.total)
    from nql_lsp.runs.model import display

    columns = list(dict.fromkeys(["sys/id", "sys/name", *result.fields]))
    rows = []
    for run in result.matches[:MAX_ROWS]:
        row: dict[str, str] = {}
        for name in columns:
            held = run.get(name)
            row[name] = "" if held is None else display(*held)
        rows.append(row)
    label = state.runs.label if state.runs is not None else ""
    summary = lens_title(result, state.where) if state.where else f"{lens_title(result)} ({label})"
    return {
        "source": label,
        "query": text,
        "matched": len(result.matches),
        "total": result.total,
        "columns": columns,
        "runs": rows,
        "truncated": len(result.matches) > MAX_ROWS,
        "summary": summary,
        "markdown": _markdown_table(summary, columns, rows, len(result.matches)),
    }


def _markdown_table(summary: str, columns: list[str], rows: list[dict[str, str]], matched: int) -> str:
    """The preview as editors show it: a summary line, then a Markdown table of the runs."""

    def cell(value: str) -> str:
        return value.replace("|", "\\|").replace("\n", " ")

    lines = [f"**{summary}**", ""]
    if rows:
        lines.append("| " + " | ".join(f"`{c}`" for c in columns) + " |")
        lines.append("|" + "---|" * len(columns))
        lines.extend("| " + " | ".join(cell(row[c]) for c in columns) + " |" for row in rows)
    if matched > len(rows):
        lines += ["", f"(the first {len(rows):,} of {matched:,} shown)"]
    return "\n".join(lines)


def error_result(message: str, **extra: Any) -> dict[str, Any]:
    return {"error": message, "markdown": f"**nql-lsp:** {message}", **extra}


def explain_command(state: RunsState, snapshots: list[QueryAnalysis], run_id: Any, index: Any) -> dict[str, Any]:
    """Why one run is, or is not, returned by a document's query."""
    if not isinstance(run_id, str) or not run_id:
        return error_result('nql.explain takes a document URI and a run id such as "CLS-123"')
    found = _query_at(snapshots, index)
    if found is None:
        return error_result("the document holds no query there")
    text, refused = found
    if refused is not None:
        return refused
    message = state.explain(text, run_id)
    return {"runId": run_id, "message": message, "markdown": message}
