"""An export's runs as a query's matches see them: made, and their attributes read, only when asked for.

A keystroke matches thousands of runs and a table shows a page of them; reading every match's attributes
would cost seconds. Runs here are keys into the summary tables until something looks into one, and then a
page of them is read at once (:class:`_Batch`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol, overload

from nql_lsp.runs.model import Run


class Source(Protocol):
    """What deferred runs ask of the export they come from (:class:`~nql_lsp.runs.parquet.ParquetRunSet`)."""

    @property
    def _names(self) -> dict[str, tuple[str | None, str, str]]:
        """Every run's (sys/id, project, exporter run id) by summary key."""

    def columns(self, paths: Sequence[str]) -> list[dict[str, tuple[str, Any]]]:
        """For each path, every run's value of it by summary key."""

    def _read(
        self, keys: list[str] | None, paths: list[str] | None = None, names: bool = True
    ) -> tuple[dict[str, dict[str, tuple[str, Any]]], dict[str, tuple[str, str]]]:
        """Attributes by summary key, and each run's (project, exporter run id)."""


def _key_of(run: Run) -> str:
    """A run's key in the summary tables."""
    held = run.attributes
    if isinstance(held, _DeferredAttributes):
        return held._run_id
    return f"{run.project}{chr(31)}{run.fallback_id}"


#: A run's key in an export's summary tables (project and exporter run id), for readers outside this module.
key_of = _key_of


#: Runs read together when one of a batch is looked into whole: a page of a table, not every match.
PAGE_RUNS = 200


def read_ahead(runs: Sequence[Run], paths: Sequence[str] | None = None) -> None:
    """Read these runs' attributes now, in one query per export (only ``paths``, if given): what a page
    of a table shows, rather than a page of the runs in match order. Runs not read from an export, or
    already read, are left as they are."""
    by_batch: dict[int, tuple[_Batch, list[str]]] = {}
    for run in runs:
        held = run.attributes
        if isinstance(held, _DeferredAttributes) and held._run_id not in held._batch.whole:
            by_batch.setdefault(id(held._batch), (held._batch, []))[1].append(held._run_id)
    for batch, keys in by_batch.values():
        batch.read(keys, None if paths is None else list(dict.fromkeys(paths)))


class Matches(Sequence[Run]):
    """The runs a query matched, by summary key, in order: a :class:`Run` is made only when asked for.

    A keystroke matches thousands of runs and the table shows a page of them: the count, the project of
    each and a new order (:meth:`reordered`) are answered from the keys, and only the page's runs are made.
    Every subset or reordering shares one :class:`_Batch`, so what one has read the others hold too."""

    __slots__ = ("_batch", "_made", "keys", "owner")

    def __init__(self, owner: Source, keys: list[str], batch: _Batch | None = None) -> None:
        self.owner = owner
        self.keys = keys
        self._batch = batch if batch is not None else _Batch(owner, keys)
        self._made = self._batch.made  # one run per key, whichever subset or order makes it

    def __len__(self) -> int:
        return len(self.keys)

    def _run(self, key: str) -> Run:
        found = self._made.get(key)
        if found is None:
            sys_id, project, exported = self.owner._names[key]
            found = self._made[key] = Run(_DeferredAttributes(self._batch, key), exported, sys_id, project)
        return found

    @overload
    def __getitem__(self, index: int) -> Run: ...

    @overload
    def __getitem__(self, index: slice) -> list[Run]: ...

    def __getitem__(self, index: int | slice) -> Run | list[Run]:
        if isinstance(index, slice):
            return [self._run(key) for key in self.keys[index]]
        return self._run(self.keys[index])

    def __iter__(self) -> Iterator[Run]:
        return (self._run(key) for key in self.keys)

    def projects(self) -> list[str]:
        """Each match's project, in order, with no run made."""
        names = self.owner._names
        return [names[key][1] for key in self.keys]

    def ids(self) -> list[str]:
        """Each match's id (its ``sys/id``, else the exporter's run id), in order, with no run made."""
        names = self.owner._names
        return [sys_id if sys_id is not None else exported for sys_id, _, exported in map(names.__getitem__, self.keys)]

    def reordered(self, keys: list[str]) -> Matches:
        """These of the matches (a subset, or a new order), sharing what has been read of them."""
        return Matches(self.owner, keys, self._batch)


class _Batch:
    """Runs returned together (the matches of a query), read on demand: a run looked into whole reads its
    page of :data:`PAGE_RUNS` runs; one attribute asked of a run not read reads that attribute for every
    run of the batch (a column to sort by, a cell of each row), in one query."""

    def __init__(self, owner: Source, ids: list[str]) -> None:
        self.owner = owner
        self.ids = ids
        self.index = {key: i for i, key in enumerate(ids)}
        self.whole: dict[str, dict[str, tuple[str, Any]]] = {}  # runs read with every attribute
        self.some: dict[str, dict[str, tuple[str, Any]]] = {}  # runs read with some attributes...
        self.paths: dict[str, set[str]] = {}  # ...these ones (per run; held or not)
        self.columns: set[str] = set()  # attributes read for every run of the batch
        self.made: dict[str, Run] = {}  # the runs made of it so far, by key (see :class:`Matches`)

    def read(self, keys: list[str], paths: list[str] | None) -> None:
        keys = [k for k in keys if k not in self.whole]
        if paths is not None:
            paths = [p for p in paths if p not in self.columns]
            keys = [k for k in keys if not set(paths) <= self.paths.get(k, set())]
        if not keys or paths == []:
            return
        if paths is not None:  # cells of a table: from the export's columns, read once for every run
            for path, column in zip(paths, self.owner.columns(paths), strict=True):
                for key in keys:
                    held = self.paths.setdefault(key, set())
                    if path not in held:
                        held.add(path)
                        value = column.get(key)
                        if value is not None:
                            self.some.setdefault(key, {})[path] = value
            return
        found, _ = self.owner._read(keys)
        for key, attrs in found.items():
            self.whole[key] = attrs
            self.some.pop(key, None)
            self.paths.pop(key, None)

    def attributes(self, key: str) -> dict[str, tuple[str, Any]]:
        """Every attribute of the run, reading its page of the batch if it is not read yet."""
        found = self.whole.get(key)
        if found is None:
            start = self.index.get(key, 0)
            page = [k for k in self.ids[start : start + PAGE_RUNS] if k not in self.whole]
            self.read(page if key in page else [key, *page], None)
            found = self.whole.get(key, {})
        return found

    def value(self, key: str, path: str) -> tuple[str, Any] | None:
        """One attribute of the run, reading it for the whole batch if it is not read yet."""
        found = self.whole.get(key)
        if found is not None:
            return found.get(path)
        if path not in self.columns and path not in self.paths.get(key, ()):
            self.read(self.ids, [path])
            self.columns.add(path)
        held = self.whole.get(key, self.some.get(key, {}))
        return held.get(path)


class _DeferredAttributes(Mapping[str, tuple[str, Any]]):
    """A run's attributes, read (with its batch's) on first use."""

    __slots__ = ("_batch", "_run_id")

    def __init__(self, batch: _Batch, run_id: str) -> None:
        self._batch = batch
        self._run_id = run_id

    def __getitem__(self, path: str) -> tuple[str, Any]:
        found = self._batch.value(self._run_id, path)
        if found is None:
            raise KeyError(path)
        return found

    def get(self, path: str, default: Any = None) -> Any:
        found = self._batch.value(self._run_id, path)
        return default if found is None else found

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self._batch.value(self._run_id, path) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._batch.attributes(self._run_id))

    def __len__(self) -> int:
        return len(self._batch.attributes(self._run_id))
