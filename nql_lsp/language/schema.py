"""What the checker, completion and hover know about a project's fields.

A :class:`Schema` answers "which types does this path have, and how often". The built-in
:data:`SYSTEM_SCHEMA` knows the ``sys/`` namespace that Neptune fills for every run (NQL.md §6); a schema
learned from runs (see :mod:`nql_lsp.runs`) adds the user's own paths and layers over it with
:class:`LayeredSchema`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

from nql_lsp.language.records import ValueRecord


class FieldStats(ValueRecord):
    """Value statistics a learned schema keeps per (path, type); all optional."""

    runs: int
    minimum: float | None
    maximum: float | None
    last: float | None
    common: list[tuple[str, int]]  # most common values / tags, with counts
    shape: list[float]  # a series' typical shape, resampled, for sparklines

    __slots__ = ("common", "last", "maximum", "minimum", "runs", "shape")

    def __init__(
        self,
        runs: int = 0,
        minimum: float | None = None,
        maximum: float | None = None,
        last: float | None = None,
        common: list[tuple[str, int]] | None = None,
        shape: list[float] | None = None,
    ) -> None:
        self.runs = runs
        self.minimum = minimum
        self.maximum = maximum
        self.last = last
        self.common = common if common is not None else []
        self.shape = shape if shape is not None else []


class FieldInfo(ValueRecord):
    path: str
    types: tuple[str, ...]  # every type the path is held with; the first is the usual one
    doc: str
    system: bool  # a sys/ field: a wrong type there is an error, not a warning
    stats: dict[str, FieldStats]  # per type
    note: str  # what the runs it was learned from cannot answer about it (a warning where it is used)
    note_on_values: bool  # ...only when a clause compares a value

    __slots__ = ("doc", "note", "note_on_values", "path", "stats", "system", "types")

    def __init__(
        self,
        path: str,
        types: tuple[str, ...],
        doc: str = "",
        system: bool = False,
        stats: dict[str, FieldStats] | None = None,
        note: str = "",
        note_on_values: bool = False,
    ) -> None:
        self.path = path
        self.types = types
        self.doc = doc
        self.system = system
        self.stats = stats if stats is not None else {}
        self.note = note
        self.note_on_values = note_on_values

    @property
    def type(self) -> str:
        return self.types[0]


class Schema(Protocol):
    def field(self, path: str) -> FieldInfo | None: ...

    def fields(self) -> Iterable[FieldInfo]: ...

    @property
    def learned(self) -> bool:
        """True when the schema comes from real runs, so an unknown path is worth a warning."""
        ...

    @property
    def run_count(self) -> int | None:
        """How many runs the schema was learned from; None when it was not learned from runs."""
        ...


class StaticSchema(ValueRecord):
    """A fixed set of fields."""

    by_path: dict[str, FieldInfo]
    learned: bool
    run_count: int | None

    __slots__ = ("by_path", "learned", "run_count")

    def __init__(self, by_path: dict[str, FieldInfo], learned: bool = False, run_count: int | None = None) -> None:
        self.by_path = by_path
        self.learned = learned
        self.run_count = run_count

    def field(self, path: str) -> FieldInfo | None:
        return self.by_path.get(path)

    def fields(self) -> Iterator[FieldInfo]:
        return iter(self.by_path.values())


class LayeredSchema(ValueRecord):
    """The first layer that knows a path answers for it; ``fields`` lists each path once."""

    layers: tuple[Schema, ...]

    __slots__ = ("layers",)

    def __init__(self, layers: tuple[Schema, ...]) -> None:
        self.layers = layers

    @property
    def learned(self) -> bool:
        return any(layer.learned for layer in self.layers)

    @property
    def run_count(self) -> int | None:
        return next((n for layer in self.layers if (n := layer.run_count) is not None), None)

    def field(self, path: str) -> FieldInfo | None:
        for layer in self.layers:
            info = layer.field(path)
            if info is not None:
                return info
        return None

    def fields(self) -> Iterator[FieldInfo]:
        seen: set[str] = set()
        for layer in self.layers:
            for info in layer.fields():
                if info.path not in seen:
                    seen.add(info.path)
                    yield info


def _sys(path: str, types: str, doc: str) -> FieldInfo:
    return FieldInfo(path, tuple(types.split("|")), doc, system=True)


SYSTEM_SCHEMA = StaticSchema(
    {
        f.path: f
        for f in (
            _sys("sys/id", "string", "The run's short id, such as `CLS-123`."),
            _sys("sys/custom_run_id", "string", "The custom run id given at creation, if any."),
            _sys("sys/name", "string", "The run's name."),
            _sys("sys/description", "string", "The run's description."),
            _sys("sys/owner", "string", "Who created the run: a user name or a service account."),
            _sys("sys/tags", "stringSet", "The run's tags. Filter with `CONTAINS`."),
            _sys("sys/group_tags", "stringSet", "The run's group tags. Filter with `CONTAINS`."),
            _sys("sys/state", "experimentState", "`running` or `idle` (`active`/`inactive`)."),
            _sys("sys/failed", "bool", "True when the run ended with an error."),
            _sys("sys/trashed", "bool", "True when the run is in the trash."),
            _sys("sys/archived", "bool", "True when the run is archived."),
            _sys("sys/creation_time", "datetime", "When the run was created."),
            _sys("sys/modification_time", "datetime", "When the run's metadata last changed."),
            _sys("sys/ping_time", "datetime", "When the run last reported to Neptune."),
            _sys("sys/running_time_seconds", "float", "How long the run has been running, in seconds."),
            _sys("sys/relative_creation_time_ms", "int", "Creation time relative to the project, in ms."),
            _sys("sys/size", "float|int", "Storage the run uses, in bytes (float in Neptune 2.x, int in 3.x)."),
            _sys("sys/family", "string", "The run family (the id of the run it was forked from)."),
            _sys("sys/experiment/name", "string", "The experiment the run belongs to."),
            _sys("sys/experiment/is_head", "bool", "True for the latest run of its experiment."),
            _sys("sys/model_id", "string", "The model a model version belongs to (model versions only)."),
            _sys("sys/stage", "string", "The model version's stage (model versions only)."),
        )
    }
)

#: The run's id and trash flag: every runs source reads them to name runs and to leave trashed ones out.
ID_PATH = "sys/id"
TRASHED_PATH = "sys/trashed"
ID_TYPE = SYSTEM_SCHEMA.by_path[ID_PATH].type
TRASHED_TYPE = SYSTEM_SCHEMA.by_path[TRASHED_PATH].type
