"""Runs as the evaluator sees them: each attribute path held with one NQL type and a value.

Values are stored in the form the evaluator compares, so that a run read from JSON, from a parquet export
or generated for the bundled sample behaves the same; each type's shape
(:mod:`nql_lsp.language.shapes`) says what that form is:

==================  =========================================================
type                value
==================  =========================================================
``float``           ``float``
``int``             ``int``
``bool``            ``bool``
``string``          ``str``
``datetime``        an aware ``datetime`` (compared as an instant)
``stringSet``       ``frozenset[str]``
``floatSeries``     :class:`FloatSeries` (points, or only their summary)
``stringSeries``    ``tuple[str, ...]`` (queries read the last value)
``experimentState`` ``"running"`` or ``"idle"``
``fileRef``         ``str`` (the file's path)
``artifact``        ``str`` (the hash)
==================  =========================================================

A runs source is data only: evaluation (:mod:`nql_lsp.evaluation`) builds what it needs from one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from nql_lsp.language.schema import ID_PATH, ID_TYPE, TRASHED_PATH, TRASHED_TYPE
from nql_lsp.language.shapes import shape_of
from nql_lsp.language.values import FloatSeries

__all__ = ["FloatSeries", "Progress", "Run", "RunSet", "RunsError", "RunsSource", "display", "plain"]

Progress = Callable[[str], None]
Attributes = Mapping[str, tuple[str, Any]]


class RunsError(Exception):
    """A runs source that cannot be read; the message names the file, the line or row, and the problem."""


class RegistryOnlyError(RunsError):
    """An export holding model registry entities and no runs: its models can still be read."""


@dataclass(slots=True, eq=False)
class Run:
    """One run: attribute path -> (NQL type, value).

    ``attributes`` may be a mapping that reads them on first use (a parquet export's runs); ``known_id``
    is then the id, known without reading them. Two projects may hold runs of the same id: ``project``
    tells them apart.
    """

    attributes: Attributes
    fallback_id: str = ""  # shown when the run has no `sys/id`
    known_id: str | None = None
    project: str = ""  # the project an export holds it in; a run is its project and id

    @property
    def id(self) -> str:
        if self.known_id is not None:
            return self.known_id
        held = self.attributes.get(ID_PATH)
        return held[1] if held is not None and held[0] == ID_TYPE else self.fallback_id

    @property
    def trashed(self) -> bool:
        held = self.attributes.get(TRASHED_PATH)
        return held is not None and held[0] == TRASHED_TYPE and held[1] is True

    def get(self, path: str) -> tuple[str, Any] | None:
        return self.attributes.get(path)

    def value(self, path: str, type_: str) -> Any:
        """The value of ``path`` if the run holds it with ``type_``, else None."""
        held = self.attributes.get(path)
        return held[1] if held is not None and held[0] == type_ else None

    def __repr__(self) -> str:
        return f"Run({self.id!r}, {len(self.attributes)} attributes)"


def display(type_: str, value: Any) -> str:
    """A value as a table cell: short, one line."""
    return "" if value is None else shape_of(type_).display(value)


def plain(type_: str, value: Any) -> Any:
    """A value as JSON can hold it (for ``--output-format json``)."""
    return shape_of(type_).plain(value)


class RunsSource(Protocol):
    """What every runs source offers: its runs, a label naming it, and a run by id."""

    @property
    def label(self) -> str: ...

    def __len__(self) -> int: ...

    def __iter__(self) -> Iterator[Run]: ...

    def by_id(self, run_id: str) -> Run | None: ...

    @property
    def warnings(self) -> list[str]:
        """What reading the source left out or could not read, one line each (said to the user once)."""
        ...


@dataclass(slots=True, eq=False, weakref_slot=True)
class RunSet:
    """Runs held in memory (read from JSON, generated, or loaded from an export)."""

    runs: list[Run]
    label: str
    warnings: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def by_id(self, run_id: str) -> Run | None:
        for run in self.runs:
            if run.id == run_id:
                return run
        return None
