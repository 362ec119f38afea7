"""Reading literal values: strings and their escapes, numbers, sizes, booleans, run states, datetimes.

The checker and the evaluator read values through these functions, so a value the checker accepts is
exactly the value the evaluator compares with. Each reader returns the value or raises
:class:`ValueProblem`, whose message is written for the user ("`1.5` is not an integer").
"""

from __future__ import annotations

import math
import re
from array import array
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from nql_lsp.language.catalog import AGGREGATES, BOOLEANS, RELATIVE_UNITS, RUN_STATES, SIZE_UNITS
from nql_lsp.language.records import FrozenRecord

if TYPE_CHECKING:
    from datetime import datetime


class ValueProblem(Exception):
    """The value cannot be read as the type asks; ``code`` is the diagnostic code to report."""

    def __init__(self, message: str, code: str = "NQL301") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class Decoded(FrozenRecord):
    """A quoted token's content. ``unknown_escapes`` are ``(start, end)`` offsets within the token text."""

    value: str
    unknown_escapes: tuple[tuple[int, int], ...]
    closed: bool

    __slots__ = ("closed", "unknown_escapes", "value")

    def __init__(self, value: str, unknown_escapes: tuple[tuple[int, int], ...] = (), closed: bool = True) -> None:
        self.value = value
        self.unknown_escapes = unknown_escapes
        self.closed = closed


def decode_quoted(text: str, quote: str) -> Decoded:
    r"""Strip the quotes and resolve ``\<quote>`` and ``\\``; any other pair is kept as both characters."""
    closed = len(text) >= 2 and text.endswith(quote) and not _escaped_at_end(text)
    body = text[1:-1] if closed else text[1:]
    if "\\" not in body:
        return Decoded(body, (), closed)
    out: list[str] = []
    unknown: list[tuple[int, int]] = []
    last = 0
    for m in _PAIR.finditer(body):  # each backslash and the character after it, left to right
        i = m.start()
        out.append(body[last:i])
        nxt = body[i + 1]
        if nxt == quote or nxt == "\\":
            out.append(nxt)
        else:
            out.append(m.group())
            unknown.append((i + 1, i + 3))
        last = i + 2
    out.append(body[last:])  # a lone backslash at the end is kept as it is
    return Decoded("".join(out), tuple(unknown), closed)


_PAIR = re.compile(r"\\[\s\S]")


def _escaped_at_end(text: str) -> bool:
    """True when the final quote is itself escaped (an odd run of backslashes before it)."""
    n = 0
    i = len(text) - 2
    while i >= 1 and text[i] == "\\":
        n += 1
        i -= 1
    return n % 2 == 1


def quote_string(value: str) -> str:
    """Write ``value`` as a double-quoted NQL string."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def quote_name(path: str) -> str:
    """Write ``path`` as a backquoted NQL name."""
    return "`" + path.replace("\\", "\\\\").replace("`", "\\`") + "`"


# --- numbers and sizes ---------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INTEGER = re.compile(r"[+-]?\d+")
_SIZE = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*([kKmMgGtT]?[bB])")


def read_number(text: str) -> float:
    """A decimal number or a size (in bytes)."""
    s = text.strip()
    if _NUMBER.fullmatch(s):
        return float(s)
    size = _read_size(s)
    if size is not None:
        return size
    raise ValueProblem(f"`{text}` is not a number")


def read_integer(text: str) -> int:
    """An integer, or a size that comes to a whole number of bytes."""
    s = text.strip()
    if _INTEGER.fullmatch(s):
        return int(s)
    size = _read_size(s)
    if size is not None:
        if size != int(size):
            raise ValueProblem(f"`{text}` is not a whole number of bytes")
        return int(size)
    if _NUMBER.fullmatch(s):
        raise ValueProblem(f"`{text}` is not an integer; the field's type is `int`")
    raise ValueProblem(f"`{text}` is not an integer")


def _read_size(s: str) -> float | None:
    m = _SIZE.fullmatch(s)
    if not m:
        return None
    return float(m.group(1)) * SIZE_UNITS[m.group(2).lower()]


def size_in_bytes(text: str) -> float | None:
    """The bytes a size literal stands for, or None if ``text`` is not a size (used by hover)."""
    return _read_size(text.strip())


# --- booleans and run states ---------------------------------------------------------------------


def read_bool(text: str) -> bool:
    try:
        return BOOLEANS[text.strip().lower()]
    except KeyError:
        raise ValueProblem(f"`{text}` is not a boolean; use `true` or `false`") from None


def read_state(text: str) -> str:
    """The canonical state (``running`` or ``idle``)."""
    try:
        return RUN_STATES[text.strip().lower()]
    except KeyError:
        states = ", ".join(f"`{s}`" for s in RUN_STATES)
        import difflib  # only for a misspelt state: kept off the start-up of a check

        close = difflib.get_close_matches(text.strip().lower(), RUN_STATES, n=1)
        hint = f"did you mean `{close[0]}`?" if close else f"use one of {states}"
        raise ValueProblem(f"`{text}` is not a run state; {hint}") from None


# --- datetimes -----------------------------------------------------------------------------------


class RelativeTime(FrozenRecord):
    """``-<amount><unit>``: the instant that far before *now*."""

    amount: int
    unit: str  # a key of RELATIVE_UNITS

    __slots__ = ("amount", "unit")

    def __init__(self, amount: int, unit: str) -> None:
        self.amount = amount
        self.unit = unit

    def resolve(self, now: datetime) -> datetime:
        name = RELATIVE_UNITS[self.unit][0]
        if name == "months":
            return _add_months(now, -self.amount)
        if name == "years":
            return _add_months(now, -12 * self.amount)
        from datetime import timedelta

        return now - timedelta(**{name: self.amount})

    def describe(self) -> str:
        name = RELATIVE_UNITS[self.unit][0]
        return f"{self.amount} {name[:-1] if self.amount == 1 else name} ago"


def _add_months(moment: datetime, months: int) -> datetime:
    import calendar  # datetimes are imported where a query holds one, not on every start

    total = moment.year * 12 + (moment.month - 1) + months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


class DatetimeValue(FrozenRecord):
    """An absolute instant or a relative time, plus warnings about how it was read."""

    instant: datetime | None
    relative: RelativeTime | None
    warnings: tuple[ValueProblem, ...]

    __slots__ = ("instant", "relative", "warnings")

    def __init__(
        self,
        instant: datetime | None = None,
        relative: RelativeTime | None = None,
        warnings: tuple[ValueProblem, ...] = (),
    ) -> None:
        self.instant = instant
        self.relative = relative
        self.warnings = warnings

    def resolve(self, now: datetime) -> datetime:
        if self.relative is not None:
            return self.relative.resolve(now)
        assert self.instant is not None
        return self.instant


_RELATIVE = re.compile(r"-(\d+)([A-Za-z])")
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def read_datetime(text: str) -> DatetimeValue:
    s = text.strip()
    m = _RELATIVE.fullmatch(s)
    if m:
        amount, unit = int(m.group(1)), m.group(2)
        if unit not in RELATIVE_UNITS:
            raise ValueProblem(f"`{s}`: unknown time unit `{unit}`; use `h` (hours), `d` (days) or `M` (months)")
        name, documented = RELATIVE_UNITS[unit]
        warnings: tuple[ValueProblem, ...] = ()
        if not documented:
            warnings = (ValueProblem(f"`{unit}` is not a documented time unit (h, d, M); read as {name}", "NQL308"),)
        if amount > 100_000:
            raise ValueProblem(f"`{s}` is too far in the past")
        return DatetimeValue(relative=RelativeTime(amount, unit), warnings=warnings)
    from datetime import UTC, datetime

    try:
        moment = datetime.fromisoformat(s)
    except ValueError:
        raise ValueProblem(
            f'`{text}` is not a datetime; use ISO 8601 such as "2024-02-06T05:00:00Z" or a relative time such as "-2h"'
        ) from None
    if _DATE_ONLY.fullmatch(s):
        return DatetimeValue(
            moment.replace(tzinfo=UTC), warnings=(ValueProblem(f"`{s}` has no time; read as midnight UTC", "NQL307"),)
        )
    if moment.tzinfo is None:
        return DatetimeValue(
            moment.replace(tzinfo=UTC),
            warnings=(ValueProblem(f"`{s}` has no time zone offset; read as UTC", "NQL306"),),
        )
    return DatetimeValue(moment)


def read_value(kind: str, text: str) -> object:
    """Read ``text`` as a value of the catalog's ``value_kind``; strings pass through unchanged."""
    reader = _READERS.get(kind)
    return text if reader is None else reader(text)


_READERS = {
    "number": read_number,
    "integer": read_integer,
    "bool": read_bool,
    "state": read_state,
    "datetime": read_datetime,
}


# --- float series ----------------------------------------------------------------------------------


class FloatSeries(FrozenRecord):
    """A float series with its aggregates computed once (each as ``catalog.AGGREGATES`` says).

    ``points`` is None when a source gave only the summary (a large parquet export is summarised by duckdb
    rather than loaded point by point); the aggregates are then all there is, and all a query needs.
    Aggregates without a field of their own (``AggregateInfo.field`` None) are kept in ``extra``.
    """

    count: int
    last: float
    minimum: float
    maximum: float
    average: float
    variance: float  # population variance: divides by n
    points: Sequence[float] | None
    extra: Mapping[str, float] | None

    __slots__ = ("average", "count", "extra", "last", "maximum", "minimum", "points", "variance")

    def __init__(
        self,
        count: int,
        last: float,
        minimum: float,
        maximum: float,
        average: float,
        variance: float,
        points: Sequence[float] | None = None,
        extra: Mapping[str, float] | None = None,
    ) -> None:
        self.count = count
        self.last = last
        self.minimum = minimum
        self.maximum = maximum
        self.average = average
        self.variance = variance
        self.points = points
        self.extra = extra

    @classmethod
    def of(cls, points: Iterable[float]) -> FloatSeries:
        values = array("d", points)
        by_field: dict[str, float] = {}
        extra: dict[str, float] = {}
        for info in AGGREGATES.values():
            if info.field is None:
                extra[info.name] = info.compute(values)
            else:
                by_field[info.field] = info.compute(values)
        return cls.summary(len(values), by_field, values, extra)

    @classmethod
    def summary(
        cls,
        count: int,
        by_field: Mapping[str, float],
        points: Sequence[float] | None = None,
        extra: Mapping[str, float] | None = None,
    ) -> FloatSeries:
        """A series from its aggregates, by ``FloatSeries`` field (an empty series has none: NaN)."""
        nan = math.nan
        if not count:
            by_field = {}
            extra = dict.fromkeys(extra, nan) if extra else None
        get = by_field.get
        return cls(
            count,
            get("last", nan),
            get("minimum", nan),
            get("maximum", nan),
            get("average", nan),
            get("variance", nan),
            points,
            extra or None,
        )

    def aggregate(self, name: str) -> float:
        """The aggregate ``name`` of ``catalog.AGGREGATES``; NaN for an empty series."""
        info = AGGREGATES[name]
        if info.field is not None:
            value: float = getattr(self, info.field)
            return value
        if self.extra is not None and name in self.extra:
            return self.extra[name]
        return info.compute(self.points) if self.points is not None else math.nan

    def __repr__(self) -> str:
        return f"FloatSeries(n={self.count}, last={self.last:g})"
