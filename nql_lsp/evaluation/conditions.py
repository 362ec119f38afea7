"""A checked clause bound to a comparison a run can be tested with: NQL.md §7 in one place.

The tree-walking interpreter, the compiled evaluator (row-wise and columnar) and the duckdb push-down all
start from the same :class:`Condition`, and the first three read a run's value through the same
:func:`key_of`, so they cannot disagree on what a clause means.

Rules (NQL.md §7):

- a clause on an attribute the run lacks, or holds with another type, is false;
- the negated operators (``NOT CONTAINS``, ``NOT MATCHES``, ``NOT EXISTS``) are ``NOT`` of the positive
  clause (NQL.md §1: ``x NOT CONTAINS v`` means ``NOT x CONTAINS v``), so they hold for a run without the
  attribute; ``!=`` is a comparison of its own and, like ``=``, is false for such a run;
- ``CONTAINS`` is a case-sensitive substring test on strings, membership on a stringSet;
- ``MATCHES`` is an RE2 search anywhere in the string; on a stringSet, any element matching;
- ``=`` on a stringSet holds when the set is exactly the one value;
- a stringSeries compares its last value; a floatSeries its aggregate (``last`` when written bare);
  an empty series has no value to compare;
- datetimes compare as instants (seconds since the epoch), relative times resolved against ``now``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.language.catalog import OPERATORS, TYPES, Allowed
from nql_lsp.language.regex import compile_regex, regex_error
from nql_lsp.language.shapes import Shape, shape_of
from nql_lsp.language.values import ValueProblem, read_value

_POSITIVE = {"NOT CONTAINS": "CONTAINS", "NOT MATCHES": "MATCHES", "NOT EXISTS": "EXISTS"}


@dataclass(frozen=True, slots=True)
class Condition:
    """What one clause tests. ``op`` is the positive operator; ``negated`` says the clause is its NOT."""

    path: str
    type: str | None  # None: the clause can match no run (unknown type, invalid value, missing operator)
    aggregate: str | None  # aggregated shapes only: the aggregate compared ("last" for a bare series)
    op: str
    negated: bool
    operand: Any = None  # float for numeric keys, bool, str, canonical state, compiled RE2 for MATCHES
    problem: str | None = None  # why the clause can match no run, when it cannot
    shape: Shape = field(default_factory=Shape, compare=False)  # the type's shape (catalog), when there is one

    @property
    def never(self) -> bool:
        return self.type is None


def bind(info: ClauseInfo, now: datetime | None = None) -> Condition:
    """The condition a checked clause stands for; a clause the checker could not resolve matches no run."""
    op = info.op
    path = info.path
    if op is None or op not in OPERATORS:
        return Condition(path, None, None, op or "", False, problem="the clause has no operator")
    negated = op in _POSITIVE
    positive = _POSITIVE.get(op, op)
    type_ = info.type
    if type_ is None or type_ not in TYPES:
        return Condition(path, None, None, positive, negated, problem="the clause's type is unknown")
    aggregate = info.aggregate
    shape = shape_of(type_)
    if shape.aggregated and positive != "EXISTS":
        aggregate = aggregate or "last"
    elif info.clause.aggregate is not None and not shape.aggregated:
        return Condition(path, None, None, positive, negated, problem=f"an aggregate on a {type_}")
    if info.clause.aggregate is not None and info.aggregate is None:
        return Condition(path, None, None, positive, negated, problem="unknown aggregate")
    if positive == "EXISTS":
        return Condition(path, type_, None, positive, negated, shape=shape)
    if info.value is None:
        return Condition(path, None, aggregate, positive, negated, problem="the clause has no value")
    if TYPES[type_].allows(op) is Allowed.NO:
        return Condition(path, None, aggregate, positive, negated, problem=f"`{op}` does not apply to {type_}")
    try:
        operand = _operand(type_, positive, info.value, now)
    except ValueProblem as problem:
        return Condition(path, None, aggregate, positive, negated, problem=problem.message)
    return Condition(path, type_, aggregate, positive, negated, operand, shape=shape)


def _operand(type_: str, op: str, text: str, now: datetime | None) -> Any:
    if op == "MATCHES":
        error = regex_error(text)
        if error is not None:
            raise ValueProblem(f"invalid RE2 regex: {error}")
        return compile_regex(text)
    if op == "CONTAINS":
        return text
    value = read_value(TYPES[type_].value_kind, text)
    return shape_of(type_).operand(value, now or datetime.now(UTC))


def key_of(cond: Condition, value: Any) -> Any:
    """The run's value as the condition compares it; None when there is nothing to compare."""
    return cond.shape.key(value, cond.aggregate)


#: The equality and order operators as functions, for every evaluator that compares plain values.
COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def compare(cond: Condition, key: Any) -> bool:
    """The positive operator applied to a present key."""
    op, x = cond.op, cond.operand
    if op == "EXISTS":
        return True
    if op == "CONTAINS":
        return x in key
    if op == "MATCHES":
        if cond.shape.is_set:
            return any(x.search(e) is not None for e in key)
        return x.search(key) is not None
    if cond.shape.is_set:
        whole = frozenset((x,))
        return key == whole if op == "=" else key != whole if op == "!=" else False
    cmp = COMPARISONS.get(op)
    return cmp is not None and cmp(key, x)


def holds(cond: Condition, attributes: Mapping[str, tuple[str, Any]]) -> bool:
    """Whether a run with these attributes satisfies the clause."""
    if cond.never:
        return False
    held = attributes.get(cond.path)
    positive = False
    if held is not None and held[0] == cond.type:
        if cond.op == "EXISTS":
            return not cond.negated
        key = key_of(cond, held[1])
        positive = key is not None and compare(cond, key)
    return not positive if cond.negated else positive
