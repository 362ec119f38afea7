"""The semantic classes of NQL types: how a value of each is compared, stored, converted and shown.

Every :class:`~nql_lsp.language.catalog.TypeInfo` names its shape; a stage that needs a type fact asks
:func:`shape_of` rather than testing the type's name, so a new type that behaves like an existing one is
one catalog entry. A shape says:

- the *comparison key* of a held value (:meth:`Shape.key`), a whole column of them at once with the
  filler for runs without one (:meth:`Shape.column`), and what a written value is compared as
  (:meth:`Shape.operand`);
- whether operators take set semantics (``CONTAINS`` is membership), or an aggregate is compared;
- how JSON holds a value (:meth:`Shape.convert`), how a parquet export's summary does (``sql_*``,
  :meth:`Shape.from_sql`) and which exporter column carries it;
- how a value is shown in a table cell, in JSON output and in an explanation;
- what a learned schema keeps about it (:meth:`Shape.learn`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar

from nql_lsp.language import catalog
from nql_lsp.language.catalog import AGGREGATES, RUN_STATES, TYPES
from nql_lsp.language.schema import FieldStats
from nql_lsp.language.values import DatetimeValue, FloatSeries

if TYPE_CHECKING:
    from datetime import datetime

COMMON = 12  # most common values a learned schema keeps per field
SHAPE_POINTS = 24  # a series' typical shape, resampled to this many points
SHAPE_RUNS = 200  # series averaged into the shape

_NAN = math.nan

#: The kinds of untyped JSON value (docs/runs.md) a ``TypeInfo.json`` names.
JSON_KINDS = ("boolean", "whole", "fraction", "string", "strings", "numbers")


class Mismatch(Exception):
    """A value a source holds is not of the shape its type asks; the message says what was expected."""


class Shape:
    """The default shape: a value that is its own key (a string), shown as itself."""

    name: ClassVar[str] = "text"
    numeric_key: ClassVar[bool] = False  # the key is a float; NaN means "nothing to compare"
    is_set: ClassVar[bool] = False  # CONTAINS is membership, MATCHES any element, = the set of exactly one
    aggregated: ClassVar[bool] = False  # compared through an aggregate (``last`` when written bare)
    plain_key: ClassVar[bool] = True  # the held value is its key: compiled rows compare it directly
    may_be_nan: ClassVar[bool] = False  # ...except that a NaN held value is no value
    filler: ClassVar[Any] = ""  # the key in a column for a run without the attribute
    sql_table: ClassVar[str] = "nql_scalars"  # the export summary's table holding it
    sql_column: ClassVar[str] = "str"  # ...and its column
    sql_range: ClassVar[bool] = False  # min/max/last of the ``num`` column are its statistics
    sql_common: ClassVar[str | None] = None  # the SQL of its common values, in ``sql_table``
    exporter_column: ClassVar[str] = "string_value"  # the exporter's column carrying the value

    def operand(self, value: Any, now: datetime) -> Any:
        """A written value, as read by ``values.read_value``, as the key it is compared with."""
        return value

    def key(self, value: Any, aggregate: str | None) -> Any:
        """The held value as compared; None when there is nothing to compare."""
        return value

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        """Keys for a column of held values (None where absent) and a 0/1 flag per run holding a key."""
        filler = self.filler
        return [filler if v is None else v for v in values], bytes([v is not None for v in values])

    def sql_key(self, aggregate: str | None) -> str:
        return self.sql_column

    def sql_guard(self, key: str) -> str:
        """SQL excluding rows whose key is no value."""
        return f" AND {key} IS NOT NULL"

    def display(self, value: Any) -> str:
        return str(value)

    def plain(self, value: Any) -> Any:
        return value

    def shown(self, value: Any, key: Any) -> str:
        """A present key, for an explanation of why a clause is false."""
        if isinstance(key, float):
            return f"{key:g}"
        if isinstance(key, frozenset):
            return "{" + ", ".join(f'"{k}"' for k in sorted(key)) + "}"
        if isinstance(key, bool):
            return str(key).lower()
        return f'"{key}"' if isinstance(key, str) else str(key)

    def convert(self, value: Any) -> Any:
        """A JSON value as held; raises :class:`Mismatch`."""
        if not isinstance(value, str):
            raise Mismatch("expected a string")
        return value

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        """The held value from a row of the export summary (``at``: column name -> index); None: absent."""
        return row[at[self.sql_column]]

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        """Fill ``stats`` from every value seen, in run order."""
        stats.common = _common(seen)


class Number(Shape):
    name = "number"
    numeric_key = True
    may_be_nan = True
    filler = _NAN
    sql_column = "num"
    sql_range = True
    exporter_column = "float_value"
    always_common: ClassVar[bool] = False  # a few distinct values are worth offering; an integer's always

    def operand(self, value: Any, now: datetime) -> Any:
        return float(value)

    def key(self, value: Any, aggregate: str | None) -> Any:
        v = float(value)
        return None if math.isnan(v) else v

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        keys = [_NAN if v is None else float(v) for v in values]
        return keys, bytes([k == k for k in keys])  # NaN is no value

    def sql_guard(self, key: str) -> str:
        return f" AND {key} IS NOT NULL AND NOT isnan({key})"

    def display(self, value: Any) -> str:
        return f"{value:g}"

    def plain(self, value: Any) -> Any:
        return None if isinstance(value, float) and not math.isfinite(value) else value

    def convert(self, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Mismatch("expected a number")
        return float(value)

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        finite = [float(v) for v in seen if not (isinstance(v, float) and math.isnan(v))]
        if finite:
            stats.minimum, stats.maximum, stats.last = min(finite), max(finite), finite[-1]
        if self.always_common or len(set(seen)) <= COMMON:
            stats.common = _common(f"{v:g}" if isinstance(v, float) else str(v) for v in seen)


class Integer(Number):
    """An int compares exactly: a 64-bit seed or a nanosecond stamp past 2**53 is not a double, so neither
    its value nor the query's literal is made one (Python compares an int with a float exactly, as duckdb
    compares BIGINT with an integer parameter)."""

    name = "integer"
    always_common = True
    may_be_nan = False
    exporter_column = "int_value"
    sql_column = "int_value"
    sql_common = "CAST(int_value AS VARCHAR)"

    def operand(self, value: Any, now: datetime) -> Any:
        return int(value)  # values.read_integer's int, exact

    def key(self, value: Any, aggregate: str | None) -> Any:
        return value  # an int, as convert and from_sql make it

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        keys = [_NAN if v is None else v for v in values]
        return keys, bytes([v is not None for v in values])

    def sql_guard(self, key: str) -> str:
        return f" AND {key} IS NOT NULL"

    def display(self, value: Any) -> str:
        return str(value)

    def convert(self, value: Any) -> Any:
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or (isinstance(value, float) and (not math.isfinite(value) or value != int(value)))
        ):
            raise Mismatch("expected an integer")
        return int(value)

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        return row[at["int_value"]]


class Flag(Shape):
    name = "flag"
    filler = False
    sql_column = "flag"
    exporter_column = "bool_value"

    def display(self, value: Any) -> str:
        return "true" if value else "false"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, bool):
            raise Mismatch("expected true or false")
        return value

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        pass


class Text(Shape):
    name = "text"
    sql_common = "str"


class State(Text):
    name = "state"

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str) or value.lower() not in RUN_STATES:
            raise Mismatch("expected running or idle")
        return RUN_STATES[value.lower()]

    def sql_normalised(self, column: str) -> str:
        """SQL reading an exporter string as the state the evaluator compares (catalog synonyms, lower case)."""
        cases = " ".join(f"WHEN '{word}' THEN '{state}'" for word, state in RUN_STATES.items())
        return f"CASE lower({column}) {cases} ELSE lower({column}) END"


class Artifact(Text):
    """An artifact version: its hash in JSON runs; an export holds only the path of its saved file list."""

    name = "artifact"
    exporter_column = "file_value"


class Reference(Shape):
    name = "reference"
    sql_column = "file"
    exporter_column = "file_value"

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        return row[at["file"]] or ""

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        pass


class Moment(Shape):
    name = "moment"
    numeric_key = True
    plain_key = False
    filler = _NAN
    sql_column = "ts"
    exporter_column = "datetime_value"

    def operand(self, value: Any, now: datetime) -> Any:
        assert isinstance(value, DatetimeValue)
        return value.resolve(now).timestamp()

    def key(self, value: Any, aggregate: str | None) -> Any:
        return value.timestamp()

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        keys = [_NAN if v is None else v.timestamp() for v in values]
        return keys, bytes([k == k for k in keys])

    def display(self, value: Any) -> str:
        return str(value.isoformat().replace("+00:00", "Z"))

    def plain(self, value: Any) -> Any:
        return self.display(value)

    def shown(self, value: Any, key: Any) -> str:
        return self.display(value)

    def convert(self, value: Any) -> Any:
        if not isinstance(value, str):
            raise Mismatch("expected an ISO 8601 string")
        from datetime import UTC, datetime  # imported where runs hold datetimes, not on every start

        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise Mismatch("expected an ISO 8601 datetime") from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        from datetime import UTC, datetime

        ts = row[at["ts"]]
        return datetime.fromtimestamp(ts, UTC) if ts is not None else None

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        pass


class TagSet(Shape):
    name = "tag set"
    is_set = True
    plain_key = False
    filler: ClassVar[Any] = frozenset()
    sql_column = "tags"
    sql_common = "unnest(tags)"
    exporter_column = "string_set_value"

    def display(self, value: Any) -> str:
        return ",".join(sorted(value))

    def plain(self, value: Any) -> Any:
        return sorted(value)

    def convert(self, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Mismatch("expected a list of strings")
        return frozenset(value)

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        return frozenset(row[at["tags"]] or ())

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        stats.common = _common(tag for tags in seen for tag in tags)


class TextSeries(Shape):
    """Strings logged over time; queries compare the last."""

    name = "text series"
    plain_key = False
    sql_table = "nql_series"
    sql_column = "last_str"
    sql_common = "last_str"

    def key(self, value: Any, aggregate: str | None) -> Any:
        return value[-1] if value else None

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        return ["" if not v else v[-1] for v in values], bytes([bool(v) for v in values])

    def display(self, value: Any) -> str:
        return str(value[-1]) if value else ""

    def plain(self, value: Any) -> Any:
        return value[-1] if value else None

    def convert(self, value: Any) -> Any:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise Mismatch("expected a list of strings")
        return tuple(value)

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        last = row[at["last_str"]]
        return (last,) if last is not None else ()

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        stats.common = _common(s[-1] for s in seen if s)


class FloatSeriesShape(Shape):
    """Floats logged over time (a metric), compared through an aggregate of ``catalog.AGGREGATES``."""

    name = "float series"
    numeric_key = True
    aggregated = True
    plain_key = False
    filler = _NAN
    sql_table = "nql_series"
    sql_column = "last"
    sql_range = True
    exporter_column = "float_value"

    def operand(self, value: Any, now: datetime) -> Any:
        return float(value)

    def key(self, value: Any, aggregate: str | None) -> Any:
        if aggregate is None:
            return value
        v = value.aggregate(aggregate)
        return None if math.isnan(v) else v

    def column(self, values: list[Any], aggregate: str | None) -> tuple[list[Any], bytes]:
        info = AGGREGATES[aggregate or "last"]
        if info.field is not None:
            name = info.field
            keys = [_NAN if v is None else getattr(v, name) for v in values]
        else:
            keys = [_NAN if v is None else v.aggregate(info.name) for v in values]
        return keys, bytes([k == k for k in keys])

    def sql_key(self, aggregate: str | None) -> str:
        return AGGREGATES[aggregate or "last"].stored_as

    def sql_guard(self, key: str) -> str:
        # An aggregate over infinite points may be NaN (``inf - inf``): no value, as ``key`` says in Python,
        # where duckdb would order NaN above every number.
        return f" AND n > 0 AND {key} IS NOT NULL AND NOT isnan({key})"

    def display(self, value: Any) -> str:
        return "" if value.count == 0 else f"{value.last:g}"

    def plain(self, value: Any) -> Any:
        return None if value.count == 0 else value.last

    def convert(self, value: Any) -> Any:
        if not isinstance(value, list) or not set(map(type, value)) <= {int, float}:
            raise Mismatch("expected a list of numbers")
        return FloatSeries.of(value)

    def from_sql(self, row: Sequence[Any], at: Mapping[str, int]) -> Any:
        by_field: dict[str, float] = {}
        extra: dict[str, float] = {}
        for info in AGGREGATES.values():
            value = row[at[info.stored_as]]
            if info.field is None:
                extra[info.name] = value
            else:
                by_field[info.field] = value
        return FloatSeries.summary(row[at["n"]] or 0, by_field, None, extra)

    def learn(self, seen: list[Any], stats: FieldStats) -> None:
        series: list[FloatSeries] = [s for s in seen if s.count]
        if series:
            stats.minimum = min(s.minimum for s in series)
            stats.maximum = max(s.maximum for s in series)
            stats.last = series[-1].last
            stats.shape = typical_shape(s.points for s in series[-SHAPE_RUNS:] if s.points is not None)


SHAPES: dict[str, Shape] = {
    s.name: s
    for s in (
        Number(),
        Integer(),
        Flag(),
        Text(),
        State(),
        Artifact(),
        Reference(),
        Moment(),
        TagSet(),
        TextSeries(),
        FloatSeriesShape(),
    )
}


_UNKNOWN = Shape()


def shape_of(type_: str) -> Shape:
    """The shape of a catalog type. A name the catalog lacks (a type a removed extension added) is shown
    and learned as plain text; the evaluators never compare it, since no clause binds to it."""
    info = TYPES.get(type_)
    return _UNKNOWN if info is None else SHAPES[info.shape]


def by_exporter() -> dict[str, str]:
    """Exporter spelling -> NQL type, for every type the exporter writes."""
    return _by_exporter(catalog.generation())


@lru_cache(maxsize=4)
def _by_exporter(generation: int) -> dict[str, str]:
    return {spelling: t.name for t in TYPES.values() for spelling in t.exporter}


def type_for_json(kind: str) -> str | None:
    """The type an untyped JSON value of ``kind`` (one of :data:`JSON_KINDS`) is read as."""
    return _json_types(catalog.generation()).get(kind)


@lru_cache(maxsize=4)
def _json_types(generation: int) -> dict[str, str]:
    found: dict[str, str] = {}
    for t in TYPES.values():
        for kind in t.json:
            found.setdefault(kind, t.name)
    return found


def _common(values: Iterable[Any]) -> list[tuple[str, int]]:
    return Counter(values).most_common(COMMON)


def typical_shape(all_points: Iterable[Sequence[float]], size: int = SHAPE_POINTS) -> list[float]:
    """The mean of the series, each resampled to ``size`` points by position along its length."""
    sums = [0.0] * size
    count = 0
    for points in all_points:
        n = len(points)
        if n == 0:
            continue
        count += 1
        for k in range(size):
            sums[k] += points[min(n - 1, (k * n) // size)]
    return [s / count for s in sums] if count else []
