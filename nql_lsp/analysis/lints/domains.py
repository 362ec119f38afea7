"""Whether value constraints on one compared value can all hold: intervals, finite sets and strings.

A constraint is ``(op, operand, holds)``: ``holds`` is False only for ``CONTAINS``/``MATCHES`` that must
fail; the order and equality operators are negated into their complement (``NOT x > 3`` is ``x <= 3``),
which is exact only for a run that holds the value, so callers negate a clause this way only beside a
positive clause on the same value (NQL.md §7: a run without ``x`` satisfies ``NOT x > 3`` but not
``x <= 3``). Each reader errs toward "can hold": a wrong "never" is worse than none.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from nql_lsp.language.catalog import RUN_STATES
from nql_lsp.language.shapes import Flag, Integer, Moment, State, Text, TextSeries, shape_of

Constraint = tuple[str, Any, bool]

COMPLEMENT = {"=": "!=", "!=": "=", ">": "<=", ">=": "<", "<": ">=", "<=": ">"}


def is_number(type_: str) -> bool:
    """Compared as a number that is not a moment: float, int, a float series' aggregate."""
    shape = shape_of(type_)
    return shape.numeric_key and not isinstance(shape, Moment)


def is_moment(type_: str) -> bool:
    return isinstance(shape_of(type_), Moment)


def is_integer(type_: str) -> bool:
    return isinstance(shape_of(type_), Integer)


def is_plain_string(type_: str) -> bool:
    """A string compared as written: not a run state, not a series' last value, not an artifact."""
    return type(shape_of(type_)) is Text


def is_string(type_: str) -> bool:
    """Compared as a string, one value per run (a series by its last one); run states excepted."""
    shape = shape_of(type_)
    return isinstance(shape, Text | TextSeries) and not isinstance(shape, State)


def is_text_series(type_: str) -> bool:
    return isinstance(shape_of(type_), TextSeries)


def is_state(type_: str) -> bool:
    return isinstance(shape_of(type_), State)


def _finite_values(type_: str) -> frozenset[Any] | None:
    """Every value a type can hold, when there are few: a flag's two, a run state's canonical ones."""
    shape = shape_of(type_)
    if isinstance(shape, Flag):
        return frozenset({True, False})
    if isinstance(shape, State):
        return frozenset(RUN_STATES.values())
    return None


def negate(constraint: Constraint) -> Constraint:
    op, operand, holds = constraint
    if op in COMPLEMENT:
        return (COMPLEMENT[op], operand, True)
    return (op, operand, not holds)


def can_hold(type_: str, aggregate: str | None, constraints: Sequence[Constraint]) -> bool:
    """False only when no value of ``type_`` satisfies every constraint."""
    shape = shape_of(type_)
    if shape.numeric_key:
        return _numbers(constraints, integer=isinstance(shape, Integer), variance=aggregate == "variance")
    finite = _finite_values(type_)
    if finite is not None:
        return _finite(finite, constraints)
    if is_string(type_):
        return _strings(constraints)
    if shape.is_set:
        return _string_set(constraints)
    return True


def numbers_can_hold(constraints: Sequence[Constraint]) -> bool:
    """False only when no number satisfies every constraint."""
    return _numbers(constraints, integer=False, variance=False)


# --- numbers ----------------------------------------------------------------------------------------


class Interval:
    """Bounds with strictness; ``excluded`` points, ``equal`` the values required."""

    __slots__ = ("equal", "excluded", "hi", "hi_strict", "lo", "lo_strict")

    def __init__(self) -> None:
        self.lo, self.lo_strict = -math.inf, False
        self.hi, self.hi_strict = math.inf, False
        self.excluded: set[float] = set()
        self.equal: set[float] = set()

    def add(self, op: str, x: float, integer: bool) -> None:
        if integer and op == ">":
            op, x = ">=", math.floor(x) + 1
        elif integer and op == "<":
            op, x = "<=", math.ceil(x) - 1
        if op == "=":
            self.equal.add(x)
        elif op == "!=":
            self.excluded.add(x)
        elif op in (">", ">="):
            strict = op == ">"
            if x > self.lo or (x == self.lo and strict):
                self.lo, self.lo_strict = x, strict
        elif op in ("<", "<="):
            strict = op == "<"
            if x < self.hi or (x == self.hi and strict):
                self.hi, self.hi_strict = x, strict

    def admits(self, x: float) -> bool:
        above = x > self.lo or (x == self.lo and not self.lo_strict)
        below = x < self.hi or (x == self.hi and not self.hi_strict)
        return above and below and x not in self.excluded

    def empty(self, integer: bool) -> bool:
        if len(self.equal) > 1:
            return True
        if self.equal:
            return not self.admits(next(iter(self.equal)))
        if self.lo > self.hi or (self.lo == self.hi and (self.lo_strict or self.hi_strict)):
            return True
        if self.lo == self.hi:
            return self.lo in self.excluded
        if integer and math.isfinite(self.lo) and math.isfinite(self.hi) and self.hi - self.lo < len(self.excluded):
            return all(float(v) in self.excluded for v in range(int(self.lo), int(self.hi) + 1))
        return False


def interval(constraints: Sequence[Constraint], integer: bool = False, variance: bool = False) -> Interval:
    box = Interval()
    if variance:  # a population variance is a mean of squares
        box.lo = 0.0
    for op, x, _ in constraints:
        box.add(op, x, integer)
    return box


def _numbers(constraints: Sequence[Constraint], integer: bool, variance: bool) -> bool:
    return not interval(constraints, integer, variance).empty(integer)


# --- finite domains ---------------------------------------------------------------------------------


def _finite(values: frozenset[Any], constraints: Sequence[Constraint]) -> bool:
    left = set(values)
    for op, x, _ in constraints:
        if op == "=":
            left &= {x}
        elif op == "!=":
            left.discard(x)
    return bool(left)


# --- strings ----------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def _regex(pattern: str) -> Any:
    import re2

    options = re2.Options()
    options.log_errors = False
    return re2.compile(pattern, options)


def searches(pattern: str, text: str) -> bool:
    return _regex(pattern).search(text) is not None


@lru_cache(maxsize=512)
def matches_every_string(pattern: str) -> bool:
    """True when an RE2 search for ``pattern`` succeeds in any string.

    A pattern without anchors or word boundaries that matches the empty string matches it at the start of
    any string, since nothing else in RE2 looks at the context of an empty match.
    """
    if "^" in pattern or "$" in pattern or any(pattern[i : i + 2] in _ASSERTIONS for i in range(len(pattern))):
        return False
    return searches(pattern, "")


_ASSERTIONS = frozenset({"\\b", "\\B", "\\A", "\\z"})


def _strings(constraints: Sequence[Constraint]) -> bool:
    equal = {x for op, x, _ in constraints if op == "="}
    if len(equal) > 1:
        return False
    lo: str | None = None
    hi: str | None = None
    lo_strict = hi_strict = False
    for op, x, _ in constraints:
        if op in (">", ">=") and (lo is None or x > lo or (x == lo and op == ">")):
            lo, lo_strict = x, op == ">"
        elif op in ("<", "<=") and (hi is None or x < hi or (x == hi and op == "<")):
            hi, hi_strict = x, op == "<"
    if lo is not None and hi is not None:
        if lo > hi or (lo == hi and (lo_strict or hi_strict)):
            return False
        if lo == hi:
            equal = equal or {lo}
    if equal:
        v = next(iter(equal))
        return all(_string_holds(op, x, holds, v) for op, x, holds in constraints)
    needles = [x for op, x, holds in constraints if op == "CONTAINS" and holds]
    for op, x, holds in constraints:
        if not holds and op == "CONTAINS" and any(x in needle for needle in needles):
            return False  # "" included: every present string contains it
        if not holds and op == "MATCHES" and (matches_every_string(x) or ("MATCHES", x, True) in constraints):
            return False
    return True


def _string_holds(op: str, x: str, holds: bool, v: str) -> bool:
    if op == "CONTAINS":
        return (x in v) == holds
    if op == "MATCHES":
        return searches(x, v) == holds
    return {"=": v == x, "!=": v != x, ">": v > x, ">=": v >= x, "<": v < x, "<=": v <= x}[op]


def _string_set(constraints: Sequence[Constraint]) -> bool:
    equal = {x for op, x, _ in constraints if op == "="}
    if len(equal) > 1:
        return False
    if equal:  # the set is exactly {v}
        v = next(iter(equal))
        for op, x, holds in constraints:
            if op == "!=" and x == v:
                return False
            if op == "CONTAINS" and (x == v) != holds:
                return False
            if op == "MATCHES" and searches(x, v) != holds:
                return False
        return True
    members = {x for op, x, holds in constraints if op == "CONTAINS" and holds}
    for op, x, holds in constraints:
        if not holds and op == "CONTAINS" and x in members:
            return False
        if not holds and op == "MATCHES":
            if ("MATCHES", x, True) in constraints:
                return False
            if members and matches_every_string(x):
                return False  # a member is a string the pattern matches
            if any(searches(x, m) for m in members):
                return False
    return True
