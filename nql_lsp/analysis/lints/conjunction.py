"""What literals that must all hold say about a run, and whether they can: the reasoning behind the lints.

Three facts about a run carry every verdict (NQL.md §7): a positive literal needs the run to hold the
path with the literal's type and a value the operator accepts; a run holds each path with one type; and a
floatSeries' last value and average lie between its min and max, and its variance is never negative.
A negative literal constrains a value only beside a positive literal on the same value, since a run that
lacks the attribute satisfies it.
"""

from __future__ import annotations

import math

from nql_lsp.analysis.lints.domains import Constraint, can_hold, interval, is_moment, negate
from nql_lsp.analysis.lints.literals import Atom, Lit
from nql_lsp.language.catalog import SERIES_TYPE
from nql_lsp.syntax.records import Record

#: Beyond this many literals on one path, only types are compared (quadratic checks stay cheap).
PATH_BUDGET = 48
#: A series' average may stray from [min, max] by rounding; it is compared with this relative slack.
AVERAGE_SLACK = 1e-9


class Conflict(Record):
    """Why a literal cannot hold beside the others it conflicts with."""

    __slots__ = ("others", "why")

    def __init__(self, why: str, others: tuple[Lit, ...]) -> None:
        self.why = why
        self.others = others


def constraint(atom: Atom, positive: bool) -> Constraint:
    c: Constraint = (atom.op, atom.operand, True)
    return c if positive else negate(c)


def _a(type_: str) -> str:
    return ("an " if type_[0] in "aeiou" else "a ") + type_


class Conjunction:
    """Literals that all hold, grouped by path; copies share nothing mutable."""

    __slots__ = ("by_path",)

    def __init__(self, by_path: dict[str, tuple[Lit, ...]] | None = None) -> None:
        self.by_path: dict[str, tuple[Lit, ...]] = by_path if by_path is not None else {}

    def copy(self) -> Conjunction:
        return Conjunction(dict(self.by_path))

    def add(self, lit: Lit) -> Conflict | None:
        """Add ``lit`` unless it conflicts with what is there; then say why, and with which literals."""
        atom = lit.atom
        if atom is None:
            return None
        conflict = self.conflict(lit)
        if conflict is None:
            self.by_path[atom.path] = (*self.by_path.get(atom.path, ()), lit)
        return conflict

    def conflict(self, lit: Lit) -> Conflict | None:
        atom = lit.atom
        assert atom is not None
        same = self.by_path.get(atom.path, ())
        for other in same:
            o = other.atom
            assert o is not None
            if lit.positive and other.positive and o.type != atom.type:
                return Conflict(
                    f"a run holds `{atom.path}` with one type, not as both {_a(o.type)} and {_a(atom.type)}",
                    (other,),
                )
            if o.type == atom.type and lit.positive != other.positive and "EXISTS" in (o.op, atom.op):
                negative = o if not other.positive else atom
                if negative.op == "EXISTS":
                    return Conflict(f"no run both has and lacks `{atom.path}` as {_a(atom.type)}", (other,))
        if len(same) > PATH_BUDGET or atom.op == "EXISTS":
            return None
        group = [o for o in same if _on_value(o, atom)]
        if lit.positive or any(o.positive for o in group):
            involved = [*group, lit]
            if not _can_hold(involved):
                pair = next((o for o in group if (o.positive or lit.positive) and not _can_hold([o, lit])), None)
                others = (pair,) if pair is not None else tuple(group)
                return Conflict(_value_why(atom, [*others, lit]), others)
        if atom.type == SERIES_TYPE and lit.positive:
            series = [o for o in same if o.positive and o.atom is not None and o.atom.type == SERIES_TYPE]
            why = series_conflict([*series, lit])
            if why is not None:
                return Conflict(why, tuple(o for o in series if o.atom is not None and o.atom.op != "EXISTS"))
        return None


def _on_value(other: Lit, atom: Atom) -> bool:
    o = other.atom
    return o is not None and o.key == atom.key and o.op != "EXISTS"


def _can_hold(lits: list[Lit]) -> bool:
    first = lits[0].atom
    assert first is not None
    return can_hold(first.type, first.aggregate, [constraint(lit.atom, lit.positive) for lit in lits if lit.atom])


def implies(b: Lit, a: Lit) -> bool:
    """Whether every run that satisfies ``b`` satisfies ``a`` (False when that cannot be shown)."""
    x, y = b.atom, a.atom
    if x is None or y is None or x.path != y.path:
        return False
    if b.positive and a.positive:
        if y.op == "EXISTS":
            return x.type == y.type
        return _same_value(x, y) and not can_hold(x.type, x.aggregate, [constraint(x, True), constraint(y, False)])
    if not b.positive and not a.positive:  # NOT q => NOT p  iff  p => q
        return implies(_flip(a), _flip(b))
    if b.positive and not a.positive:  # b => NOT q  iff  b and q cannot both hold
        if x.type != y.type:
            return True  # one type per path
        if y.op == "EXISTS":
            return False
        return _same_value(x, y) and not can_hold(x.type, x.aggregate, [constraint(x, True), constraint(y, True)])
    return False


def _flip(lit: Lit) -> Lit:
    return Lit(lit.clause, lit.atom, not lit.positive, lit.place)


def _same_value(x: Atom, y: Atom) -> bool:
    return x.key == y.key and x.op != "EXISTS" and y.op != "EXISTS"


# --- floatSeries aggregates -------------------------------------------------------------------------


def series_conflict(lits: list[Lit]) -> str | None:
    """Why these positive literals on one path's series cannot hold together, using min <= last, avg <= max."""
    by_aggregate: dict[str, list[Constraint]] = {}
    for lit in lits:
        atom = lit.atom
        if atom is not None and atom.aggregate is not None and atom.op != "EXISTS":
            by_aggregate.setdefault(atom.aggregate, []).append(constraint(atom, True))
    if len(by_aggregate) < 2 or ("min" not in by_aggregate and "max" not in by_aggregate):
        return None
    low = interval(by_aggregate.get("min", []))
    high = interval(by_aggregate.get("max", []))
    if _apart(low.lo, low.lo_strict, high.hi, high.hi_strict):
        return "a series' min is never above its max"
    for name in ("last", "average"):
        if name not in by_aggregate:
            continue
        box = interval(by_aggregate[name])
        slack = name == "average"
        if _apart(box.lo, box.lo_strict, high.hi, high.hi_strict, slack):
            return (
                f"a series' {name} value is never above its max"
                if name == "last"
                else "a series' average is never above its max"
            )
        if _apart(low.lo, low.lo_strict, box.hi, box.hi_strict, slack):
            return (
                f"a series' {name} value is never below its min"
                if name == "last"
                else "a series' average is never below its min"
            )
    return None


def _apart(lo: float, lo_strict: bool, hi: float, hi_strict: bool, slack: bool = False) -> bool:
    """True when nothing at least ``lo`` is at most ``hi``, as bounds of x <= y."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    if slack:
        return lo - hi > AVERAGE_SLACK * max(1.0, abs(lo), abs(hi))
    return lo > hi or (lo == hi and (lo_strict or hi_strict))


# --- messages ---------------------------------------------------------------------------------------

_PHRASES = {
    "=": "equal",
    "!=": "differ from",
    ">": "be above",
    ">=": "be at least",
    "<": "be below",
    "<=": "be at most",
}
_TIME_PHRASES = {">": "be after", ">=": "be at or after", "<": "be before", "<=": "be at or before"}


def subject(atom: Atom) -> str:
    return f"`{atom.aggregate}({atom.path})`" if atom.aggregate else f"`{atom.path}`"


def _value_why(atom: Atom, lits: list[Lit]) -> str:
    if atom.aggregate == "variance" and len(lits) == 1:
        return "a variance is never negative"
    phrases = list(dict.fromkeys(_phrase(lit) for lit in lits))
    return f"{subject(atom)} cannot {' and '.join(phrases)} at once"


def _phrase(lit: Lit) -> str:
    atom = lit.atom
    assert atom is not None
    op, _, holds = constraint(atom, lit.positive)
    value = lit.clause.value.token.text if lit.clause.value is not None else ""
    if op == "CONTAINS":
        return f"{'' if holds else 'not '}contain {value}"
    if op == "MATCHES":
        return f"{'' if holds else 'not '}match {value}"
    if is_moment(atom.type) and op in _TIME_PHRASES:
        return f"{_TIME_PHRASES[op]} {value}"
    return f"{_PHRASES[op]} {value}"
