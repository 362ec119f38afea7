"""A runs source opened for Python code, answering NQL the way neptune-client 1.x's project did.

Code that called ``neptune.init_project(...).fetch_runs_table(query=..., ...).to_pandas()`` keeps working
against an export by opening it instead: the parameters, their defaults and the DataFrame follow
neptune-client 1.x (docs/python-api.md). The query is evaluated by the same evaluator as ``--preview``.
An interrupt (Ctrl-C, a notebook's stop button) during an export's statement leaves as the
``KeyboardInterrupt`` it is anywhere else in Python, not as duckdb's error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.analysis.checker import did_you_mean
from nql_lsp.api.cells import cell
from nql_lsp.api.errors import NQLError
from nql_lsp.api.tables import RunsTable, SeriesTable
from nql_lsp.diagnostics import Severity
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.language.shapes import shape_of
from nql_lsp.runs import RegistryOnlyError, Run, RunsError, RunSet, RunsSource, open_runs
from nql_lsp.runs.deferred import read_ahead
from nql_lsp.runs.parquet import ParquetRunSet
from nql_lsp.runs.query_progress import interruptible
from nql_lsp.syntax.text import LineIndex

__all__ = ["DEFAULT_SORT", "Model", "Project", "open"]

DEFAULT_SORT = "sys/creation_time"
ID_COLUMN = "sys/id"
MODEL_ID_PATH = "sys/model_id"  # a model version's model


def open(path: str | os.PathLike[str] | None = None, project: str | Sequence[str] | None = None) -> Project:
    """The runs at ``path``: an export folder or ``.parquet`` file, a JSON/JSONL runs file, or (None) the
    bundled sample; only those of ``project`` (``"workspace/project"``, a bare project name, or several),
    as ``neptune.init_project(project=...)`` named the one a table came from. Raises :class:`NQLError`
    naming the file and what is wrong with it, or the projects the source holds."""
    projects = () if project is None else (project,) if isinstance(project, str) else tuple(project)
    try:
        runs = open_runs(path, projects=projects)
    except RegistryOnlyError as error:  # export-models' own folder: no runs, but its models can be fetched
        runs = RunSet([], str(path), [str(error)])
    except (RunsError, OSError) as error:
        raise _refused(path, error) from None
    return Project(runs, path, projects)


def _open(path: str | os.PathLike[str] | None, projects: Sequence[str], scope: str) -> RunsSource:
    try:
        return open_runs(path, projects=projects, scope=scope)
    except (RunsError, OSError) as error:
        raise _refused(path, error) from None


def _refused(path: str | os.PathLike[str] | None, error: RunsError | OSError) -> NQLError:
    if isinstance(error, OSError):
        return NQLError(f"{path}: {error.strerror or error}")
    return NQLError(str(error))


class Project:
    """Runs to fetch tables from, as a neptune-client 1.x project was; and its models, read from the
    same export when ``neptune-exporter export-models`` wrote them there."""

    def __init__(
        self, runs: RunsSource, path: str | os.PathLike[str] | None = None, projects: Sequence[str] = ()
    ) -> None:
        self.runs = runs
        self._path = path
        self._projects = tuple(projects)
        self._registry: dict[str, Project] = {}

    @property
    def label(self) -> str:
        return self.runs.label

    @property
    def warnings(self) -> list[str]:
        """What the source left out when it was opened (an export's incomplete runs, unknown types)."""
        return list(self.runs.warnings)

    def __len__(self) -> int:
        return len(self.runs)

    def __repr__(self) -> str:
        return f"Project({self.label!r}, {len(self.runs)} runs)"

    @interruptible()
    def fetch_runs_table(
        self,
        *,
        query: str | None = None,
        columns: Iterable[str] | None = None,
        trashed: bool | None = False,
        limit: int | None = None,
        sort_by: str = DEFAULT_SORT,
        ascending: bool = False,
        now: datetime | None = None,
    ) -> RunsTable:
        """The runs ``query`` matches, sorted by ``sort_by`` and cut to ``limit``.

        ``columns``: field paths or namespaces to include (``sys/id`` and ``sort_by`` always are); None:
        every field. ``trashed``: False only runs not trashed, True only trashed ones, None both.
        ``now`` fixes the moment relative datetimes (``"-2d"``) count from."""
        return self._table(query, columns, trashed, limit, sort_by, ascending, now)

    @interruptible()
    def fetch_models_table(
        self,
        *,
        query: str | None = None,
        columns: Iterable[str] | None = None,
        trashed: bool | None = False,
        limit: int | None = None,
        sort_by: str = DEFAULT_SORT,
        ascending: bool = False,
        now: datetime | None = None,
    ) -> RunsTable:
        """The models ``query`` matches, as ``fetch_runs_table`` answers for runs (neptune-client 1.x's
        ``Project.fetch_models_table``), from the ``models`` folders export-models wrote."""
        return self._scope("models")._table(query, columns, trashed, limit, sort_by, ascending, now)

    def model(self, with_id: str) -> Model:
        """The model ``with_id`` (``"CLS-MOD"``), as ``neptune.init_model(with_id=...)`` opened it."""
        given: object = with_id  # callers without type checking pass anything
        if not isinstance(given, str) or not given:
            raise NQLError(f'with_id must be a model id such as "CLS-MOD", not {with_id!r}')
        models = self._scope("models")
        if models.runs.by_id(with_id) is None:
            held = sorted(run.id for run in models.runs)
            shown = ", ".join(held[:5]) + (", …" if len(held) > 5 else "")
            raise NQLError(f"model `{with_id}`: {models.label} holds no such model (it holds {shown})")
        return Model(with_id, self)

    def _scope(self, scope: str) -> Project:
        """This export's model registry entities of ``scope``, opened once."""
        found = self._registry.get(scope)
        if found is None:
            found = self._registry[scope] = Project(_open(self._path, self._projects, scope))
        return found

    def _table(
        self,
        query: str | None,
        columns: Iterable[str] | None,
        trashed: bool | None,
        limit: int | None,
        sort_by: str,
        ascending: bool,
        now: datetime | None,
        keep: Callable[[Run], bool] | None = None,
    ) -> RunsTable:
        matched, total = self._matching(query, trashed, limit, now)
        if keep is not None:
            matched = [run for run in matched if keep(run)]
        wanted = self._columns(columns, sort_by)
        ordered = _sorted(matched, sort_by, ascending, self._holds(sort_by))
        if limit is not None:
            ordered = ordered[:limit]
        read_ahead(ordered)  # an export's runs: only the rows returned are read
        rows = [_row(run, wanted) for run in ordered]
        return RunsTable(rows, total, self.label)

    @interruptible()
    def fetch_series(
        self,
        *,
        query: str | None = None,
        columns: Iterable[str] | None = None,
        trashed: bool | None = False,
        limit: int | None = None,
        sort_by: str = DEFAULT_SORT,
        ascending: bool = False,
        now: datetime | None = None,
    ) -> SeriesTable:
        """The points of float series of the runs ``query`` matches, in long form.

        ``columns``: the float series paths (None: every float series the runs hold); runs are taken in
        the order and number ``fetch_runs_table`` would give. A point's step is the step it was logged at
        in an export (read from its files), its position from 0 in a JSON runs file."""
        matched, _ = self._matching(query, trashed, limit, now)
        ordered = _sorted(matched, sort_by, ascending, self._holds(sort_by))
        if limit is not None:
            ordered = ordered[:limit]
        paths = None if columns is None else self._series_paths(columns)
        if isinstance(self.runs, ParquetRunSet):  # the summary keeps aggregates: the points are in the files
            found = self.runs.series_points(ordered, None if paths is None else sorted(paths))
            return SeriesTable([(run.id, path, step, value) for run, path, step, value in found], self.label)
        points: list[tuple[str, str, float, float]] = []
        for run in ordered:
            for path, (type_, value) in run.attributes.items():
                if (paths is not None and path not in paths) or not shape_of(type_).aggregated:
                    continue
                if value.points is None:
                    raise NQLError(
                        f"`{path}` of run `{run.id}`: {self.label} holds only a summary of its points "
                        "(count, last, min, max, mean), not the points"
                    )
                points += [(run.id, path, float(step), float(v)) for step, v in enumerate(value.points)]
        return SeriesTable(points, self.label)

    # --- checking the arguments -------------------------------------------------------------------

    def _matching(
        self, query: str | None, trashed: bool | None, limit: int | None, now: datetime | None
    ) -> tuple[list[Run], int]:
        # Callers without type checking pass anything: each argument is checked as the client checked it.
        given: dict[str, object] = {"query": query, "trashed": trashed, "limit": limit}
        if given["query"] is not None and not isinstance(given["query"], str):
            raise NQLError(f"query must be a string, not {type(given['query']).__name__}")
        if not (given["trashed"] is None or isinstance(given["trashed"], bool)):
            raise NQLError(f"trashed must be True, False or None, not {trashed!r}")
        size = given["limit"]
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size <= 0):
            raise NQLError(f"limit must be a positive integer or None, not {limit!r}")
        result = preview(query or "", self.runs, include_trashed=trashed is not False, now=now)
        if result.analysis is not None:
            _raise_on_errors(result.analysis)
        if result.error is not None:
            raise NQLError(f"query: {result.error}")
        matched = list(result.matches)
        if trashed is True:
            matched = [run for run in matched if run.trashed]
        return matched, result.total

    def _held_paths(self) -> list[str]:
        return [f.path for f in schema_of(self.runs).fields() if any(s.runs for s in f.stats.values())]

    def _holds(self, path: str) -> bool:
        info = schema_of(self.runs).field(path)
        return info is not None and any(s.runs for s in info.stats.values())

    def _unknown(self, what: str, name: str) -> NQLError:
        guess = did_you_mean(name, self._held_paths())
        hint = f"; did you mean `{guess}`?" if guess else ""
        return NQLError(f"{what} `{name}`: no run in {self.label} has it{hint}")

    def _columns(self, columns: Iterable[str] | None, sort_by: str) -> list[str] | None:
        if not isinstance(sort_by, str):
            raise NQLError(f"sort_by must be a field path, not {sort_by!r}")
        if sort_by != DEFAULT_SORT and not self._holds(sort_by):
            raise self._unknown("sort_by", sort_by)
        if columns is None:
            return None
        names = _names(columns)
        held = self._held_paths()
        for name in names:
            if name not in held and not any(p.startswith(name.rstrip("/") + "/") for p in held):
                raise self._unknown("column", name)
        return list(dict.fromkeys([ID_COLUMN, sort_by, *names]))

    def _series_paths(self, columns: Iterable[str]) -> set[str]:
        names = _names(columns)
        schema = schema_of(self.runs)
        for name in names:
            if not self._holds(name):
                raise self._unknown("series", name)
            info = schema.field(name)
            if info is not None and not any(shape_of(t).aggregated for t in info.types):
                raise NQLError(f"series `{name}`: it is a {info.type}, not a float series")
        return set(names)


class Model:
    """A model of an export's model registry, to fetch its versions from (neptune-client 1.x's ``Model``)."""

    def __init__(self, model_id: str, project: Project) -> None:
        self.id = model_id
        self._project = project

    def __repr__(self) -> str:
        return f"Model({self.id!r})"

    @interruptible()
    def fetch_model_versions_table(
        self,
        *,
        query: str | None = None,
        columns: Iterable[str] | None = None,
        limit: int | None = None,
        sort_by: str = DEFAULT_SORT,
        ascending: bool = False,
        now: datetime | None = None,
    ) -> RunsTable:
        """This model's versions that are not trashed and that ``query`` matches, sorted and cut as
        ``fetch_runs_table`` does: neptune-client 1.x asked for ``sys/model_id`` and ``sys/trashed``."""
        versions = self._project._scope("model_versions")

        def of_this_model(run: Run) -> bool:
            return bool(run.value(MODEL_ID_PATH, "string") == self.id)

        return versions._table(query, columns, False, limit, sort_by, ascending, now, of_this_model)


def _names(columns: Iterable[str]) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
    given: list[object] = list(columns)
    names = [c for c in given if isinstance(c, str) and c]
    if len(names) < len(given):
        bad = next(c for c in given if not (isinstance(c, str) and c))
        raise NQLError(f"columns must be field paths, not {bad!r}")
    return names


def _raise_on_errors(analysis: Analysis) -> None:
    """A query with an error Neptune would have refused is refused here too, with its row and column."""
    errors = [d for d in analysis.diagnostics if d.severity == Severity.ERROR]
    if errors:
        first = min(errors, key=lambda d: d.start)
        row, col = LineIndex(analysis.text).row_col(first.start)
        raise NQLError(f"query {row}:{col}: {first.message} ({first.code})")


def _row(run: Run, wanted: Sequence[str] | None) -> dict[str, Any]:
    row: dict[str, Any] = {}
    for path, (type_, value) in run.attributes.items():
        if wanted is not None and not any(path == w or path.startswith(w.rstrip("/") + "/") for w in wanted):
            continue
        shown = cell(type_, value)
        if shown is not None:
            row[path] = shown
    return row


def _sort_key(run: Run, path: str) -> tuple[int, Any] | None:
    """Numbers before datetimes before text, so a path held with several types still sorts."""
    held = run.get(path)
    value = None if held is None else cell(*held)
    if value is None or value != value:  # absent, or NaN
        return None
    if isinstance(value, bool | int | float):
        return 0, float(value)
    if isinstance(value, datetime):
        return 1, value
    return 2, str(value)


def _sorted(runs: list[Run], path: str, ascending: bool, held: bool) -> list[Run]:
    """Runs by ``path``; runs without a value for it come last either way, each group in source order."""
    if not held:
        return list(runs)
    keyed = [(_sort_key(run, path), run) for run in runs]
    present = [(k, run) for k, run in keyed if k is not None]
    present.sort(key=lambda pair: pair[0], reverse=not ascending)
    return [run for _, run in present] + [run for k, run in keyed if k is None]
