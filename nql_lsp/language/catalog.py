"""Everything NQL *is*: types, operators, aggregates, keywords, value formats and their documentation.

This is the single source of truth. The checker asks it which operators a type allows, completion lists
its entries, hover shows their docs, the formatter takes its spellings, and the evaluator its semantics
(units, run states). Nothing else in the package spells out these tables.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from enum import Enum
from itertools import repeat

from nql_lsp.language.records import FrozenRecord


class Allowed(Enum):
    YES = "yes"
    WARN = "warn"  # accepted by the service, but almost certainly not what the user means
    NO = "no"


# Operator families: every operator belongs to exactly one, and the type table speaks in families.
EQUALITY = "equality"
ORDER = "order"
CONTAINS = "contains"
MATCHES = "matches"
EXISTS = "exists"


class OperatorInfo(FrozenRecord):
    symbol: str  # canonical spelling, as the formatter writes it
    family: str
    doc: str
    negated: bool

    __slots__ = ("doc", "family", "negated", "symbol")

    def __init__(self, symbol: str, family: str, doc: str, negated: bool = False) -> None:
        self.symbol = symbol
        self.family = family
        self.doc = doc
        self.negated = negated


OPERATORS: dict[str, OperatorInfo] = {
    op.symbol: op
    for op in (
        OperatorInfo("=", EQUALITY, "Equal. `==` is the same operator."),
        OperatorInfo("!=", EQUALITY, "Not equal."),
        OperatorInfo(">", ORDER, "Greater than. Strings compare lexicographically."),
        OperatorInfo(">=", ORDER, "Greater than or equal."),
        OperatorInfo("<", ORDER, 'Less than. On a datetime, `< "-3M"` means *more than 3 months ago*.'),
        OperatorInfo("<=", ORDER, "Less than or equal."),
        OperatorInfo(
            "CONTAINS", CONTAINS, "On a string: case-sensitive substring test. On a stringSet (tags): membership."
        ),
        OperatorInfo("NOT CONTAINS", CONTAINS, "Negation of `CONTAINS`.", negated=True),
        OperatorInfo(
            "MATCHES",
            MATCHES,
            "RE2 regular expression, searched anywhere in the string (use `^`/`$` to anchor). "
            'A backslash is written twice inside the NQL string: `"exp\\\\d+"`.',
        ),
        OperatorInfo("NOT MATCHES", MATCHES, "Negation of `MATCHES`.", negated=True),
        OperatorInfo("EXISTS", EXISTS, "True when the run has the attribute with this type. Takes no value."),
        OperatorInfo("NOT EXISTS", EXISTS, "True when the run lacks the attribute.", negated=True),
    )
}

#: ``==`` is accepted and means ``=``.
OPERATOR_SYNONYMS: dict[str, str] = {"==": "="}


class TypeInfo(FrozenRecord):
    """One NQL type: its spelling, the operators that apply, and the facts every stage asks of it.

    ``shape`` names the semantic class (:mod:`nql_lsp.language.shapes`) that says how a value is compared,
    stored in a runs source, converted from JSON and shown; ``exporter`` are the spellings the Neptune
    exporter writes for the type in a parquet export (none: the exporter has no such type).
    """

    name: str
    doc: str
    operators: dict[str, Allowed]  # family -> allowed
    value_kind: str  # how a written value is read: see values.read_value
    example: str
    shape: str  # a key of shapes.SHAPES
    exporter: tuple[str, ...]
    json: tuple[str, ...]  # the untyped JSON values read as this type (docs/runs.md): see shapes.JSON_KINDS
    export_note: str  # what a comparison of its values cannot know from a parquet export
    neptune_query: str | None  # the name neptune-query's ``Attribute(type=...)`` takes; None: it has none
    mlflow: str | None  # where neptune-exporter's MLflow loader puts it: "params", "metrics", None: nowhere

    __slots__ = (
        "doc",
        "example",
        "export_note",
        "exporter",
        "json",
        "mlflow",
        "name",
        "neptune_query",
        "operators",
        "shape",
        "value_kind",
    )

    def __init__(
        self,
        name: str,
        doc: str,
        operators: dict[str, Allowed],
        value_kind: str,
        example: str,
        shape: str = "text",
        exporter: tuple[str, ...] = (),
        json: tuple[str, ...] = (),
        export_note: str = "",
        neptune_query: str | None = None,
        mlflow: str | None = None,
    ) -> None:
        self.name = name
        self.doc = doc
        self.operators = operators
        self.value_kind = value_kind
        self.example = example
        self.shape = shape
        self.exporter = exporter
        self.json = json
        self.export_note = export_note
        self.neptune_query = neptune_query
        self.mlflow = mlflow

    def allows(self, op: str) -> Allowed:
        return self.operators.get(OPERATORS[op].family, Allowed.NO)

    def allowed_operators(self) -> list[str]:
        return [sym for sym, info in OPERATORS.items() if self.operators.get(info.family) == Allowed.YES]


_Y, _W = Allowed.YES, Allowed.WARN


def _ops(**families: Allowed) -> dict[str, Allowed]:
    return families


TYPES: dict[str, TypeInfo] = {
    t.name: t
    for t in (
        TypeInfo(
            "float",
            "A floating-point number. Values may also be sizes such as `50MB`.",
            _ops(equality=_Y, order=_Y, exists=_Y),
            "number",
            "`f1`:float >= 0.85",
            shape="number",
            exporter=("float",),
            json=("fraction",),
            neptune_query="float",
            mlflow="params",
        ),
        TypeInfo(
            "int",
            "An integer. Values may also be sizes such as `2GB`.",
            _ops(equality=_Y, order=_Y, exists=_Y),
            "integer",
            "`epochs`:int > 10",
            shape="integer",
            exporter=("int",),
            json=("whole",),
            neptune_query="int",
            mlflow="params",
        ),
        TypeInfo(
            "bool",
            "A boolean: `true` or `false`, any case, quoted or not.",
            _ops(equality=_Y, exists=_Y),
            "bool",
            "`sys/failed`:bool = true",
            shape="flag",
            exporter=("bool",),
            json=("boolean",),
            neptune_query="bool",
            mlflow="params",
        ),
        TypeInfo(
            "string",
            "A string. `CONTAINS` tests for a substring, `MATCHES` for an RE2 regex.",
            _ops(equality=_Y, order=_Y, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`sys/name`:string CONTAINS "blobfish"',
            shape="text",
            exporter=("string",),
            json=("string",),
            neptune_query="string",
            mlflow="params",
        ),
        TypeInfo(
            "datetime",
            'A timestamp with time zone. Values are ISO 8601 (`"2024-02-06T05:00:00Z"`) or relative '
            'to now (`"-2h"`, `"-5d"`, `"-1M"`).',
            _ops(equality=_Y, order=_Y, exists=_Y),
            "datetime",
            '`sys/creation_time`:datetime > "-7d"',
            shape="moment",
            exporter=("datetime",),
            neptune_query="datetime",
            mlflow="params",
        ),
        TypeInfo(
            "stringSet",
            "A set of strings, such as the tags in `sys/tags`. Use `CONTAINS` for membership.",
            _ops(equality=_W, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`sys/tags`:stringSet CONTAINS "prod"',
            shape="tag set",
            exporter=("string_set",),
            json=("strings",),
            neptune_query="string_set",
            mlflow="params",
        ),
        TypeInfo(
            "floatSeries",
            "A series of floats (a metric). Compare it through an aggregate: "
            "`last`, `min`, `max`, `average` or `variance`. `EXISTS` applies to the bare series.",
            _ops(equality=_Y, order=_Y, exists=_Y),
            "number",
            "last(`val/acc`:floatSeries) >= 0.9",
            shape="float series",
            exporter=("float_series",),
            json=("numbers",),
            neptune_query="float_series",
            mlflow="metrics",
        ),
        TypeInfo(
            "stringSeries",
            "A series of strings (a log). Queries compare its last value.",
            _ops(equality=_Y, order=_Y, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`monitoring/stderr`:stringSeries CONTAINS "error"',
            shape="text series",
            exporter=("string_series",),
            neptune_query="string_series",
        ),
        TypeInfo(
            "experimentState",
            "The run state: `running` or `idle` (`active` and `inactive` are synonyms).",
            _ops(equality=_Y, exists=_Y),
            "state",
            "`sys/state`:experimentState = running",
            shape="state",
        ),
        TypeInfo(
            "fileRef",
            "A reference to an uploaded file. Only `EXISTS` is meaningful.",
            _ops(exists=_Y),
            "none",
            "`model/weights`:fileRef EXISTS",
            shape="reference",
            exporter=("file",),
            neptune_query="file",
        ),
        TypeInfo(
            "artifact",
            "An artifact version, compared by its hash with `=` or `!=`.",
            _ops(equality=_Y, exists=_Y),
            "string",
            '`dataset_version`:artifact = "9a3f…"',
            shape="artifact",
            # An export keeps where it saved the artifact's file list, not its hash.
            exporter=("artifact",),
            export_note="the export holds only that the artifact exists, not its hash: "
            "`=` and `!=` compare the path of its saved file list; `EXISTS` is exact",
        ),
    )
}

#: Names the service accepts for a type; the formatter writes the canonical one.
TYPE_SYNONYMS: dict[str, str] = {"integer": "int"}

#: Neptune types that exist but that queries cannot filter on.
NON_QUERYABLE_TYPES: frozenset[str] = frozenset(
    {"gitRef", "complex", "file", "fileSet", "imageSeries", "notebookRef", "fileRefSeries", "histogramSeries"}
)

#: System fields neptune-exporter never writes, and what to ask instead.
NOT_EXPORTED: dict[str, str] = {
    "sys/state": "neptune-exporter does not export `sys/state`; `sys/failed` and `sys/archived` are",
}

#: The exporter's spellings of those: an export holding them is read, and they are left out.
EXPORTER_SKIPPED: tuple[str, ...] = ("histogram_series", "file_series", "file_set")

#: neptune-query's names for Neptune types that queries cannot filter on, and how its NQL spells them.
NEPTUNE_QUERY_NON_QUERYABLE: dict[str, str] = {"file_series": "fileRefSeries", "histogram_series": "histogramSeries"}

SERIES_TYPE = "floatSeries"


def _last(points: Sequence[float]) -> float:
    return points[-1] if len(points) else math.nan


def _min(points: Sequence[float]) -> float:
    return min(points) if len(points) else math.nan


def _max(points: Sequence[float]) -> float:
    return max(points) if len(points) else math.nan


def _sum(points: Iterable[float]) -> float:
    """The exact sum where there is one; with infinities or beyond the float range, IEEE's (inf, or NaN)."""
    values = list(points)
    try:
        return math.fsum(values)
    except (ValueError, OverflowError):  # fsum refuses inf + -inf and overflows of its partial sums
        return sum(values)


def _average(points: Sequence[float]) -> float:
    """The exact sum over the count; a constant series' mean is its value (three points of 0.1, even summed
    exactly, make 0.30000000000000004, a third of which is not 0.1)."""
    if not len(points):
        return math.nan
    low = min(points)
    return low if low == max(points) else _sum(points) / len(points)


def _variance(points: Sequence[float]) -> float:
    n = len(points)
    if not n:
        return math.nan
    if n == 1:  # as duckdb's var_pop has it, even for an infinite point (where inf - inf would be NaN)
        return 0.0
    mean = _average(points)  # a constant series' own value: its variance is 0, as duckdb's var_pop has it
    deviations = list(map(operator.sub, points, repeat(mean)))
    return _sum(map(operator.mul, deviations, deviations)) / n


class AggregateInfo(FrozenRecord):
    """An aggregate of a float series: how it is computed over the points, and where sources keep it.

    ``field`` is the :class:`~nql_lsp.language.values.FloatSeries` attribute holding it (None: kept among
    the series' extra aggregates); ``sql`` computes it over an export's ``float_value`` column (duckdb), and
    ``column`` names where the export's summary keeps it.
    """

    name: str
    doc: str
    compute: Callable[[Sequence[float]], float]
    field: str | None
    sql: str
    column: str

    __slots__ = ("column", "compute", "doc", "field", "name", "sql")

    def __init__(
        self,
        name: str,
        doc: str,
        compute: Callable[[Sequence[float]], float] = _last,
        field: str | None = None,
        sql: str = "arg_max(float_value, step_order)",
        column: str = "",
    ) -> None:
        self.name = name
        self.doc = doc
        self.compute = compute
        self.field = field
        self.sql = sql
        self.column = column

    @property
    def stored_as(self) -> str:
        return self.column or self.name


AGGREGATES: dict[str, AggregateInfo] = {
    a.name: a
    for a in (
        AggregateInfo(
            "last", "The last value logged to the series.", _last, "last", "arg_max(float_value, step_order)"
        ),
        AggregateInfo("min", "The smallest value in the series.", _min, "minimum", "min(float_value)", "mn"),
        AggregateInfo("max", "The largest value in the series.", _max, "maximum", "max(float_value)", "mx"),
        AggregateInfo(
            "average",
            "The arithmetic mean of the series.",
            _average,
            "average",
            # As _average has it: duckdb's avg() sums as it goes, and ten points of 0.1 average 0.09999999999999999;
            # fsum() sums with compensation, agreeing with math.fsum on every series the tests draw.
            "CASE WHEN min(float_value) = max(float_value) THEN min(float_value)"
            " ELSE fsum(float_value) / count(float_value) END",
        ),
        AggregateInfo(
            "variance",
            "The population variance of the series (divides by n).",
            _variance,
            "variance",
            "var_pop(float_value)",
        ),
    )
}

_generation = 0


def generation() -> int:
    """Changes whenever :func:`extended` adds or removes entries: the key for tables derived from the catalog."""
    return _generation


@contextmanager
def extended(types: Iterable[TypeInfo] = (), aggregates: Iterable[AggregateInfo] = ()) -> Iterator[None]:
    """The catalog with more types and aggregates for the duration of the block (tests of extensibility)."""
    global _generation
    new_types, new_aggregates = list(types), list(aggregates)
    clash = [t.name for t in new_types if t.name in TYPES] + [a.name for a in new_aggregates if a.name in AGGREGATES]
    if clash:
        raise ValueError(f"already in the catalog: {', '.join(clash)}")
    TYPES.update((t.name, t) for t in new_types)
    AGGREGATES.update((a.name, a) for a in new_aggregates)
    _generation += 1
    try:
        yield
    finally:
        for t in new_types:
            TYPES.pop(t.name, None)
        for a in new_aggregates:
            AGGREGATES.pop(a.name, None)
        _generation += 1


KEYWORDS: dict[str, str] = {
    "AND": "Both sides must hold. Binds tighter than `OR`.",
    "OR": "Either side must hold. Binds looser than `AND`: parenthesise when mixing them.",
    "NOT": "Negates the clause or parenthesised group that follows, or the operator after a field "
    "(`NOT CONTAINS`, `NOT MATCHES`, `NOT EXISTS`).",
    "CONTAINS": OPERATORS["CONTAINS"].doc,
    "MATCHES": OPERATORS["MATCHES"].doc,
    "EXISTS": OPERATORS["EXISTS"].doc,
}

#: Run states and what each means; ``active``/``inactive`` are the documented synonyms.
RUN_STATES: dict[str, str] = {"running": "running", "idle": "idle", "active": "running", "inactive": "idle"}

#: Size units, decimal (1 MB = 1,000,000 bytes): no public source states the base, so the project picks one.
SIZE_UNITS: dict[str, int] = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12}

#: Relative time units. ``documented`` are h, d, M; the others are read as below with a warning.
RELATIVE_UNITS: dict[str, tuple[str, bool]] = {
    "h": ("hours", True),
    "d": ("days", True),
    "M": ("months", True),
    "m": ("minutes", False),
    "s": ("seconds", False),
    "w": ("weeks", False),
    "y": ("years", False),
}

BOOLEANS: dict[str, bool] = {"true": True, "false": False}

#: Neptune's client refuses longer queries.
MAX_QUERY_LENGTH = 250_000

#: Characters a bare (unquoted) name may hold, beyond letters and digits.
BARE_NAME_EXTRA = "_-./"
