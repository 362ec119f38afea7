"""What the page asks of a runs source: table pages, one run in full, series points, CSV, counted per clause.

Everything here is plain Python over :mod:`nql_lsp.runs` and :mod:`nql_lsp.evaluation`, with no web library,
so the answers are tested on their own and the web layer only moves JSON. A keystroke asks for the table
again, so the last query's matches are kept and sorting or paging reuses them.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Concatenate, ParamSpec, TypeVar

from nql_lsp.evaluation.engine import engine_for, schema_of
from nql_lsp.evaluation.evaluate import Bound, Preview, bind_query, clause_counts, explain, preview, syntax_error
from nql_lsp.explore.points import thin_line
from nql_lsp.language.catalog import SERIES_TYPE
from nql_lsp.runs import FloatSeries, Run, RunsSource
from nql_lsp.runs.deferred import Matches, Source, key_of, read_ahead
from nql_lsp.runs.model import display
from nql_lsp.runs.parquet import ParquetRunSet

DEFAULT_COLUMNS = ("sys/id", "sys/name")
MAX_QUERY = 20_000  # characters: a query longer than this is refused, not evaluated
MAX_PAGE = 1_000  # rows in one table page
MAX_COLUMNS = 64
MAX_SERIES_RUNS = 50  # runs in one chart
DEFAULT_WIDTH = 1_000  # pixels of a chart, when the page does not say: series are thinned to about 4 points a pixel
MIN_WIDTH, MAX_WIDTH = 100, 8_000
KEPT_ORDERS = 8  # columns whose order over every run a table keeps, to sort each keystroke's matches by
PROJECT_COLUMN = "(project)"  # the project a run is held in: not an attribute, so no path can name it


class Refused(ValueError):
    """A request the page should not have made (too long, too many); the message says what is allowed."""


@dataclass(frozen=True, slots=True)
class Field:
    path: str
    type: str


def fields_of(runs: RunsSource) -> list[Field]:
    return [Field(f.path, f.type) for f in schema_of(runs).fields()]


def series_fields(runs: RunsSource) -> list[str]:
    return [f.path for f in fields_of(runs) if f.type == SERIES_TYPE]


def projects(runs: RunsSource) -> list[tuple[str, int]]:
    """The projects the source holds, with their run counts (trashed included); empty when runs do not say.

    A run's project is where the export holds it (:attr:`Run.project`), known without reading attributes;
    the runs are asked of the engine, since iterating a parquet export would read every run in full."""
    counts: dict[str, int] = {}
    for project in projects_of(engine_for(runs).select(None, {}, True)):
        if project:
            counts[project] = counts.get(project, 0) + 1
    return sorted(counts.items())


def projects_of(matches: Sequence[Run]) -> list[str]:
    """Each run's project, in order: an export's matches say it without making their runs."""
    return matches.projects() if isinstance(matches, Matches) else [run.project for run in matches]


def only_project(matches: Sequence[Run], project: str) -> Sequence[Run]:
    if isinstance(matches, Matches):
        return matches.reordered([k for k, p in zip(matches.keys, matches.projects(), strict=True) if p == project])
    return [run for run in matches if run.project == project]


@dataclass(frozen=True, slots=True)
class Shown:
    result: Preview  # the runs shown
    error: str | None  # the asked query's syntax error, if any
    stale: bool  # ``result`` is an earlier query's: the asked one has errors


class Table:
    """The runs one query returns, kept for the next page or sort of the same query."""

    def __init__(self, runs: RunsSource) -> None:
        self.runs = runs
        # One caller at a time: a duckdb-backed source answers one call on its connection and refuses a second,
        # and a page reads runs back (their attributes on first use) after evaluating. Re-entrant, since the
        # page functions hold it around the methods that take it too.
        self.lock = threading.RLock()
        self._last: tuple[str, bool, Preview, Bound] | None = None  # the query bound once for the counts too
        self._good: Preview | None = None  # the last query without errors, shown stale while one has errors
        self._shown: tuple[Preview, dict[tuple[str, str | None], int]] | None = None  # the matches by id
        self._totals: dict[tuple[str, bool], int] = {}  # runs in a project, with or without the trashed
        self._counted: tuple[tuple[str, bool, str | None], list[dict[str, int]]] | None = None  # the last counts
        self._orders: dict[str, dict[str, int]] = {}  # a column's rank of each run by summary key (an export's)
        self.projects = projects(runs)
        self.charted: tuple[Any, dict[str, Any]] | None = None  # the last chart's runs and answer (see series)
        self.charted_text: tuple[dict[str, Any], str] | None = None  # that answer, and as JSON
        self.several = len(self.projects) > 1  # then the table shows each run's project

    def evaluate(self, query: str, trashed: bool = False, project: str | None = None) -> Shown:
        """The runs to show for ``query``: its own, or while it has errors the last good query's, as stale.

        ``project`` narrows the answer to one project's runs (the page's project picker); the query is
        evaluated over the whole source once and narrowed after, so switching projects costs no evaluation."""
        if len(query) > MAX_QUERY:
            raise Refused(f"a query of at most {MAX_QUERY:,} characters")
        with self.lock:
            if self._last is not None and self._last[:2] == (query, trashed):
                result = self._last[2]
            else:
                bound = bind_query(query, self.runs)
                result = preview(query, self.runs, include_trashed=trashed, bound=bound)
                self._last = (query, trashed, result, bound)
            if result.error is None:
                self._good = result
                return Shown(self._narrow(result, trashed, project), None, False)
            if self._good is not None:
                return Shown(self._narrow(self._good, trashed, project), result.error, True)
            return Shown(self._narrow(result, trashed, project), result.error, False)

    def _narrow(self, result: Preview, trashed: bool, project: str | None) -> Preview:
        if not project:
            return result
        matches = only_project(result.matches, project)
        return Preview(matches, self._project_total(project, trashed), result.fields, result.error, result.analysis)

    def _project_total(self, project: str, trashed: bool) -> int:
        key = (project, trashed)
        if key not in self._totals:
            every = engine_for(self.runs).select(None, {}, trashed)  # by the engine: no attribute is read
            self._totals[key] = sum(1 for held in projects_of(every) if held == project)
        return self._totals[key]

    def counts(self, query: str, trashed: bool = False, project: str | None = None) -> list[dict[str, int]]:
        """How many runs each clause matches alone, in the chosen project when there is one."""
        asked = (query, trashed, project)
        with self.lock:
            if self._counted is not None and self._counted[0] == asked:  # another page or sort of the same query
                return self._counted[1]
            last = self._last
            bound = last[3] if last is not None and last[:2] == (query, trashed) else bind_query(query, self.runs)
            try:
                if not project:
                    found = clause_counts(query, self.runs, include_trashed=trashed, bound=bound)
                else:
                    found = self._project_counts(bound, trashed, project)
            except RecursionError:
                return []
            counted = [{"start": s, "end": e, "count": n} for s, e, n in found]
            self._counted = (asked, counted)
        return counted

    def _project_counts(self, bound: Bound, trashed: bool, project: str) -> list[tuple[int, int, int]]:
        if syntax_error(bound.analysis) is not None:
            return []
        named = [i for i in bound.analysis.clauses if i.path]
        conds = [bound.conditions[id(i.clause)] for i in named]
        found = engine_for(self.runs).counts(conds, trashed, project)  # one pass, as without a project
        return [(i.clause.start, i.clause.end, n) for i, n in zip(named, found, strict=True)]

    def ordered(self, matches: Sequence[Run], by: str | None, descending: bool) -> Sequence[Run]:
        """The matches sorted by a column (see :func:`sort_key`), the runs without it last either way.

        An export's matches are put in order by their keys' ranks in the column, worked out once over
        every run of the export and kept: a keystroke then sorts thousands of keys, making no run and
        reading no attribute, and only the page shown is read back."""
        if not by or not isinstance(matches, Matches):
            return sorted_runs(matches, by, descending)
        with self.lock:
            rank = self._order(matches.owner, by)
        present = [k for k in matches.keys if k in rank]
        present.sort(key=rank.__getitem__, reverse=descending)  # stable: ties keep the match order both ways
        return matches.reordered(present + [k for k in matches.keys if k not in rank])

    def _order(self, export: Source, path: str) -> dict[str, int]:
        found = self._orders.pop(path, None)  # popped and put back: the last used is kept longest
        if found is None:
            found = order_of(export, path)
        self._orders[path] = found
        while len(self._orders) > KEPT_ORDERS:
            del self._orders[next(iter(self._orders))]
        return found

    def explain(self, query: str, run_id: str) -> str:
        with self.lock:
            return explain(query, self.runs, run_id)

    def run(self, run_id: str, project: str | None = None) -> Run | None:
        """The run of this id, in ``project`` when given (two projects may hold the same id).

        An export's run of a given project is found by its key (nothing read until its attributes are asked
        for, and then only its own). Else the runs the table shows are looked up among the last query's
        matches first (a run id without a project: the matched one), then in the source."""
        with self.lock:
            if project and isinstance(self.runs, ParquetRunSet):
                return self.runs.run_in(run_id, project)
            if self._last is not None:
                matches = self._last[2].matches
                if self._shown is None or self._shown[0] is not self._last[2]:
                    self._shown = (self._last[2], {})
                    ids = matches.ids() if isinstance(matches, Matches) else [r.id for r in matches]
                    for i, (held, where) in enumerate(zip(ids, projects_of(matches), strict=True)):
                        self._shown[1].setdefault((held, where), i)
                        self._shown[1].setdefault((held, None), i)
                hit = self._shown[1].get((run_id, project or None))
                if hit is not None:
                    return matches[hit]
            found = self.runs.by_id(run_id)
            if not project or found is None or found.project == project:
                return found
            return next((r for r in self.runs if r.project == project and r.id == run_id), None)


P = ParamSpec("P")
R = TypeVar("R")


def holding_the_source(answer: Callable[Concatenate[Table, P], R]) -> Callable[Concatenate[Table, P], R]:
    """An answer computed with the table's lock held throughout, reading runs back included."""

    @functools.wraps(answer)
    def held(table: Table, /, *args: P.args, **kwargs: P.kwargs) -> R:
        with table.lock:
            return answer(table, *args, **kwargs)

    return held


def columns_for(result: Preview, asked: Sequence[str], project: bool = False) -> list[str]:
    """``sys/id``, the project (``project``: the source holds several), ``sys/name``, the fields the query
    uses, then the user's columns; each once."""
    names = [DEFAULT_COLUMNS[0], *([PROJECT_COLUMN] if project else []), *DEFAULT_COLUMNS[1:], *result.fields, *asked]
    return list(dict.fromkeys(n for n in names if n))[:MAX_COLUMNS]


def cell(run: Run, path: str) -> str:
    if path == "sys/id":
        return run.id
    if path == PROJECT_COLUMN:
        return run.project
    held = run.get(path)
    return "" if held is None else display(*held)


def sort_key(run: Run, path: str) -> tuple[int, Any]:
    """Numbers by value, text by its lower case, times by instant; a run without the field sorts last."""
    held: tuple[str, Any] | None
    if path == "sys/id":
        held = ("string", run.id)
    elif path == PROJECT_COLUMN:
        held = ("string", run.project) if run.project else None
    else:
        held = run.get(path)
    return held_key(held)


def held_key(held: tuple[str, Any] | None) -> tuple[int, Any]:
    """:func:`sort_key` of a value as a run holds it: (0, number), (1, text) or (2, 0) for none."""
    if held is None:
        return (2, 0)
    type_, value = held
    if isinstance(value, FloatSeries):
        value = value.last if value.count else None
    if isinstance(value, bool):
        return (0, float(value))
    if isinstance(value, int | float):
        return (0, float(value)) if not math.isnan(value) else (2, 0)
    if isinstance(value, datetime):
        return (0, value.timestamp())
    if value is None:
        return (2, 0)
    return (1, display(type_, value).lower())


def order_of(export: Source, path: str) -> dict[str, int]:
    """Every run of the export holding ``path``, by summary key, ranked by :func:`sort_key` (equal values
    share a rank): read as one column of the summary, for every run at once."""
    every = Matches(export, list(export._names))
    if path == "sys/id":
        values: dict[str, tuple[str, Any]] = {k: ("string", i) for k, i in zip(every.keys, every.ids(), strict=True)}
    elif path == PROJECT_COLUMN:
        values = {k: ("string", p) for k, p in zip(every.keys, every.projects(), strict=True) if p}
    else:
        values = export.columns([path])[0]
    keyed = sorted((k, key) for key, held in values.items() if (k := held_key(held))[0] != 2)
    rank: dict[str, int] = {}
    last: tuple[int, Any] | None = None
    n = -1
    for k, key in keyed:
        if k != last:
            n, last = n + 1, k
        rank[key] = n
    return rank


def sorted_runs(matches: Sequence[Run], by: str | None, descending: bool) -> Sequence[Run]:
    if not by:
        return matches
    keyed = [(sort_key(r, by), r) for r in matches]  # each run's key worked out once
    present = [(k, r) for k, r in keyed if k[0] != 2]
    present.sort(key=lambda kr: kr[0], reverse=descending)
    return [r for _, r in present] + [r for k, r in keyed if k[0] == 2]  # missing values last in either direction


@holding_the_source
def page(
    table: Table,
    query: str,
    *,
    columns: Sequence[str] = (),
    sort: str | None = None,
    descending: bool = False,
    offset: int = 0,
    limit: int = 200,
    trashed: bool = False,
    project: str | None = None,
) -> dict[str, Any]:
    """One page of the table, with the counts and, for a query with errors, the error and ``stale``."""
    if not 0 < limit <= MAX_PAGE or offset < 0:
        raise Refused(f"a page of 1 to {MAX_PAGE} rows from a non-negative offset")
    shown = table.evaluate(query, trashed, project)
    result = shown.result
    names = columns_for(result, columns, table.several and not project)
    ordered = table.ordered(result.matches, sort, descending)
    on_page = list(ordered[offset : offset + limit])
    read_ahead(on_page, names)  # an export's runs: only this page's cells are read
    rows = [[cell(run, name) for name in names] for run in on_page]
    return {
        "matched": len(result.matches),
        "total": result.total,
        "columns": names,
        "rows": rows,
        "ids": [run.id for run in on_page],
        "projects": [run.project for run in on_page],
        "offset": offset,
        "stale": shown.stale,
        "error": shown.error,
        "counts": table.counts(query, trashed, project) if shown.error is None else [],
    }


@holding_the_source
def run_detail(table: Table, run_id: str, query: str, project: str | None = None) -> dict[str, Any] | None:
    run = table.run(run_id, project)
    if run is None:
        return None
    if len(query) > MAX_QUERY:
        raise Refused(f"a query of at most {MAX_QUERY:,} characters")
    attributes = [
        {"path": path, "type": type_, "value": display(type_, value), **_series_summary(type_, value)}
        for path, (type_, value) in sorted(run.attributes.items())
    ]
    return {"id": run.id, "project": run.project, "attributes": attributes, "explain": table.explain(query, run_id)}


def _series_summary(type_: str, value: Any) -> dict[str, Any]:
    if type_ != SERIES_TYPE or not isinstance(value, FloatSeries) or value.count == 0:
        return {}
    return {"summary": f"n={value.count:,} min={value.minimum:g} max={value.maximum:g} last={value.last:g}"}


@holding_the_source
def series(
    table: Table,
    path: str,
    runs: Sequence[tuple[str, str | None]],
    project: str | None = None,
    width: int = DEFAULT_WIDTH,
) -> dict[str, Any]:
    """Points of ``path`` for each run, by (run id, project), thinned to a chart ``width`` pixels wide (see
    :mod:`nql_lsp.explore.points`): held in memory, or read from a parquet export's files in one query.

    A run given without a project is looked for in ``project`` (the page's picked one), else in the first
    project holding its id. The last answer is kept: the page asks again after every table refresh, and the
    runs it draws change far less often than the query."""
    if len(runs) > MAX_SERIES_RUNS:
        raise Refused(f"at most {MAX_SERIES_RUNS} runs in one chart")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise Refused(f"a chart width of {MIN_WIDTH} to {MAX_WIDTH} pixels")
    found = [run for run in (table.run(i, p or project) for i, p in runs) if run is not None]
    asked = (path, width, tuple((run.project, run.id) for run in found))
    if table.charted is not None and table.charted[0] == asked:
        return table.charted[1]
    export = table.runs if isinstance(table.runs, ParquetRunSet) else None
    lines, held = export.series_lines(found, path, width) if export is not None else ({}, set())
    out: list[dict[str, Any]] = []
    for run in found:
        name = cell(run, "sys/name")
        line: dict[str, Any] = {"id": run.id, "project": run.project, "name": name, "steps": [], "values": []}
        out.append(line)
        if export is not None:
            key = key_of(run)
            if key in lines:
                line["steps"], line["values"] = lines[key]
            else:
                line["note"] = "only a summary is stored" if key in held else f"no {path}"
            continue
        value = run.value(path, SERIES_TYPE)
        if not isinstance(value, FloatSeries):
            line["note"] = f"no {path}"
        elif value.points is None:
            line["note"] = "only a summary is stored"
        else:
            line["steps"], line["values"] = thin_line(range(len(value.points)), value.points, width)
    answer = {"path": path, "series": out}
    table.charted = (asked, answer)
    return answer


def series_text(
    table: Table,
    path: str,
    runs: Sequence[tuple[str, str | None]],
    project: str | None = None,
    width: int = DEFAULT_WIDTH,
) -> str:
    """:func:`series` as JSON, encoded in the caller's worker thread rather than the server's event loop (20,000
    numbers take tens of milliseconds), and kept with the last answer, which the page asks for again."""
    answer = series(table, path, runs, project, width)
    held = table.charted_text
    if held is None or held[0] is not answer:
        held = table.charted_text = (answer, json.dumps(answer, ensure_ascii=False))
    return held[1]


@holding_the_source
def to_csv(
    table: Table, query: str, columns: Sequence[str], sort: str | None, descending: bool, project: str | None = None
) -> str:
    result = table.evaluate(query, project=project).result
    names = columns_for(result, columns, table.several and not project)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["project" if n == PROJECT_COLUMN else n for n in names])
    ordered = table.ordered(result.matches, sort, descending)
    read_ahead(ordered, names)
    for run in ordered:
        writer.writerow([_csv_safe(cell(run, name)) for name in names])
    return out.getvalue()


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula (``=``, ``+``, ``-``, ``@`` lead one), numbers kept."""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text
