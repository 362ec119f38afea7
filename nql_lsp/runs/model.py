"""Runs as the evaluator sees them: each attribute path held with one NQL type and a value.

Values are stored in the form the evaluator compares, so that a run read from JSON, from a parquet export
or generated for the bundled sample behaves the same:

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
"""

from __future__ import annotations

import math
import operator
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nql_lsp.evaluation.columns import Columns
    from nql_lsp.language.schema import Schema

Progress = Callable[[str], None]


class RunsError(Exception):
    """A runs source that cannot be read; the message names the file, the line or row, and the problem."""


@dataclass(frozen=True, slots=True)
class FloatSeries:
    """A float series with its aggregates computed once.

    ``points`` is None when a source gave only the summary (a large parquet export is summarised by duckdb
    rather than loaded point by point); the aggregates are then all there is, and all a query needs.
    """

    count: int
    last: float
    minimum: float
    maximum: float
    average: float
    variance: float  # population variance: divides by n
    points: Sequence[float] | None = None

    @classmethod
    def of(cls, points: Iterable[float]) -> FloatSeries:
        values = array("d", points)
        n = len(values)
        if n == 0:
            nan = math.nan
            return cls(0, nan, nan, nan, nan, nan, values)
        mean = math.fsum(values) / n
        deviations = list(map(operator.sub, values, repeat(mean)))
        variance = math.fsum(map(operator.mul, deviations, deviations)) / n
        return cls(n, values[-1], min(values), max(values), mean, variance, values)

    def aggregate(self, name: str) -> float:
        """``last``, ``min``, ``max``, ``average`` or ``variance``; NaN for an empty series."""
        return getattr(self, SERIES_FIELDS[name])

    def __repr__(self) -> str:
        return f"FloatSeries(n={self.count}, last={self.last:g})"


#: The field of :class:`FloatSeries` that holds each aggregate of ``catalog.AGGREGATES``.
SERIES_FIELDS: dict[str, str] = {
    "last": "last",
    "min": "minimum",
    "max": "maximum",
    "average": "average",
    "variance": "variance",
}


@dataclass(slots=True, eq=False)
class Run:
    """One run: attribute path -> (NQL type, value)."""

    attributes: dict[str, tuple[str, Any]]
    fallback_id: str = ""  # shown when the run has no `sys/id`

    @property
    def id(self) -> str:
        held = self.attributes.get("sys/id")
        return held[1] if held is not None and held[0] == "string" else self.fallback_id

    @property
    def trashed(self) -> bool:
        held = self.attributes.get("sys/trashed")
        return held is not None and held[0] == "bool" and held[1] is True

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
    if value is None:
        return ""
    if type_ == "floatSeries":
        return "" if value.count == 0 else f"{value.last:g}"
    if type_ == "stringSeries":
        return value[-1] if value else ""
    if type_ == "stringSet":
        return ",".join(sorted(value))
    if type_ == "datetime":
        return value.isoformat().replace("+00:00", "Z")
    if type_ == "bool":
        return "true" if value else "false"
    if type_ == "float":
        return f"{value:g}"
    return str(value)


def plain(type_: str, value: Any) -> Any:
    """A value as JSON can hold it (for ``--output-format json``)."""
    if type_ == "floatSeries":
        return None if value.count == 0 else value.last
    if type_ == "stringSeries":
        return value[-1] if value else None
    if type_ == "stringSet":
        return sorted(value)
    if type_ == "datetime":
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


@dataclass(slots=True, eq=False)
class RunSet:
    """The runs a query is evaluated against, with what was learned from them.

    The columnar view (:mod:`.columns`) and the learned schema are built on first use and kept, since one
    runs set answers many queries while a user edits.
    """

    runs: list[Run]
    label: str
    _schema: Schema | None = field(default=None, repr=False)
    _columns: Columns | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.runs)

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    @property
    def schema(self) -> Schema:
        if self._schema is None:
            from nql_lsp.runs.learned import learn

            self._schema = learn(self.runs)
        return self._schema

    @property
    def columns(self) -> Columns:
        if self._columns is None:
            from nql_lsp.evaluation.columns import Columns

            self._columns = Columns(self.runs)
        return self._columns

    def by_id(self, run_id: str) -> Run | None:
        for run in self.runs:
            if run.id == run_id:
                return run
        return None
