"""Everything NQL *is*: types, operators, aggregates, keywords, value formats and their documentation.

This is the single source of truth. The checker asks it which operators a type allows, completion lists
its entries, hover shows their docs, the formatter takes its spellings, and the evaluator its semantics
(units, run states). Nothing else in the package spells out these tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


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


@dataclass(frozen=True, slots=True)
class OperatorInfo:
    symbol: str  # canonical spelling, as the formatter writes it
    family: str
    doc: str
    negated: bool = False


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


@dataclass(frozen=True, slots=True)
class TypeInfo:
    name: str
    doc: str
    operators: dict[str, Allowed]  # family -> allowed
    value_kind: str  # how values are read: see values.py
    example: str

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
        ),
        TypeInfo(
            "int",
            "An integer. Values may also be sizes such as `2GB`.",
            _ops(equality=_Y, order=_Y, exists=_Y),
            "integer",
            "`epochs`:int > 10",
        ),
        TypeInfo(
            "bool",
            "A boolean: `true` or `false`, any case, quoted or not.",
            _ops(equality=_Y, exists=_Y),
            "bool",
            "`sys/failed`:bool = true",
        ),
        TypeInfo(
            "string",
            "A string. `CONTAINS` tests for a substring, `MATCHES` for an RE2 regex.",
            _ops(equality=_Y, order=_Y, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`sys/name`:string CONTAINS "blobfish"',
        ),
        TypeInfo(
            "datetime",
            'A timestamp with time zone. Values are ISO 8601 (`"2024-02-06T05:00:00Z"`) or relative '
            'to now (`"-2h"`, `"-5d"`, `"-1M"`).',
            _ops(equality=_Y, order=_Y, exists=_Y),
            "datetime",
            '`sys/creation_time`:datetime > "-7d"',
        ),
        TypeInfo(
            "stringSet",
            "A set of strings, such as the tags in `sys/tags`. Use `CONTAINS` for membership.",
            _ops(equality=_W, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`sys/tags`:stringSet CONTAINS "prod"',
        ),
        TypeInfo(
            "floatSeries",
            "A series of floats (a metric). Compare it through an aggregate: "
            "`last`, `min`, `max`, `average` or `variance`. `EXISTS` applies to the bare series.",
            _ops(equality=_Y, order=_Y, exists=_Y),
            "number",
            "last(`val/acc`:floatSeries) >= 0.9",
        ),
        TypeInfo(
            "stringSeries",
            "A series of strings (a log). Queries compare its last value.",
            _ops(equality=_Y, order=_Y, contains=_Y, matches=_Y, exists=_Y),
            "string",
            '`monitoring/stderr`:stringSeries CONTAINS "error"',
        ),
        TypeInfo(
            "experimentState",
            "The run state: `running` or `idle` (`active` and `inactive` are synonyms).",
            _ops(equality=_Y, exists=_Y),
            "state",
            "`sys/state`:experimentState = running",
        ),
        TypeInfo(
            "fileRef",
            "A reference to an uploaded file. Only `EXISTS` is meaningful.",
            _ops(exists=_Y),
            "none",
            "`model/weights`:fileRef EXISTS",
        ),
        TypeInfo(
            "artifact",
            "An artifact version, compared by its hash with `=` or `!=`.",
            _ops(equality=_Y, exists=_Y),
            "string",
            '`dataset_version`:artifact = "9a3f…"',
        ),
    )
}

#: Names the service accepts for a type; the formatter writes the canonical one.
TYPE_SYNONYMS: dict[str, str] = {"integer": "int"}

#: Neptune types that exist but that queries cannot filter on.
NON_QUERYABLE_TYPES: frozenset[str] = frozenset(
    {"gitRef", "complex", "file", "fileSet", "imageSeries", "notebookRef", "fileRefSeries", "histogramSeries"}
)

SERIES_TYPE = "floatSeries"


@dataclass(frozen=True, slots=True)
class AggregateInfo:
    name: str
    doc: str


AGGREGATES: dict[str, AggregateInfo] = {
    a.name: a
    for a in (
        AggregateInfo("last", "The last value logged to the series."),
        AggregateInfo("min", "The smallest value in the series."),
        AggregateInfo("max", "The largest value in the series."),
        AggregateInfo("average", "The arithmetic mean of the series."),
        AggregateInfo("variance", "The population variance of the series (divides by n)."),
    )
}

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
