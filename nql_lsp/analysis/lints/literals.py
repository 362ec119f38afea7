"""Clauses as literals, and a query in negation normal form: what every lint reasons over.

An :class:`Atom` is a checked clause reduced to what a run is tested on: the path, the type the run must
hold it with, the value compared (a floatSeries' aggregate, a datetime's kind of operand) and the positive
operator with its operand. A clause the checker could not fully resolve has no atom: it matches no run in
the evaluator and the lints leave it alone rather than reason about it.

The normal form pushes ``NOT`` inward through AND and OR (De Morgan holds exactly for NQL's two-valued
evaluation) but never *into* a clause: ``NOT x > 1`` stays a negative literal, since a run without ``x``
satisfies it while it satisfies no ``x <= 1`` (NQL.md §7). The negated operators are negative literals of
the positive clause (``x NOT CONTAINS v`` is ``NOT x CONTAINS v``).
"""

from __future__ import annotations

from typing import Any

from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.language.catalog import OPERATORS, RELATIVE_UNITS, SERIES_TYPE, TYPES, Allowed
from nql_lsp.language.records import FrozenRecord
from nql_lsp.language.regex import regex_error  # RE2 itself is loaded only for a query that matches
from nql_lsp.language.values import DatetimeValue, ValueProblem, read_value
from nql_lsp.syntax.records import Record
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not

_POSITIVE = {"NOT CONTAINS": "CONTAINS", "NOT MATCHES": "MATCHES", "NOT EXISTS": "EXISTS"}
_FIXED_UNITS = {name for name, (unit, _) in RELATIVE_UNITS.items() if unit not in ("months", "years")}

#: How a datetime operand is compared with others of the same clause group: absolute instants with each
#: other; relative times of fixed length (hours, days...) as seconds before "now"; months and years as
#: months before "now". Operands of different kinds are never compared: that depends on "now".
ABSOLUTE, FIXED, MONTHS = "absolute", "fixed", "months"


class Atom(FrozenRecord):
    path: str
    type: str
    aggregate: str | None  # floatSeries only: the aggregate compared ("last" for a bare series)
    mode: str  # datetime only: ABSOLUTE, FIXED or MONTHS
    op: str  # the positive operator
    operand: Any  # float for numbers and datetimes, bool, canonical state, str (MATCHES: the pattern)
    negated: bool  # written with a negated operator

    __slots__ = ("aggregate", "mode", "negated", "op", "operand", "path", "type")

    def __init__(
        self,
        path: str,
        type: str,
        aggregate: str | None,
        mode: str,
        op: str,
        operand: Any,
        negated: bool,
    ) -> None:
        self.path = path
        self.type = type
        self.aggregate = aggregate
        self.mode = mode
        self.op = op
        self.operand = operand
        self.negated = negated

    @property
    def key(self) -> tuple[str, str, str | None, str]:
        """What the value constraints of one group of clauses are about."""
        return (self.path, self.type, self.aggregate, self.mode)

    @property
    def sig(self) -> tuple[object, ...]:
        return (self.path, self.type, self.aggregate, self.mode, self.op, self.operand, self.negated)


def atom_of(info: ClauseInfo) -> Atom | None:
    """The atom a checked clause stands for, or None when the evaluator would not bind it to a test."""
    op, type_ = info.op, info.type
    if op is None or op not in OPERATORS or type_ is None or type_ not in TYPES:
        return None
    written_aggregate = info.clause.aggregate is not None
    if written_aggregate and (info.aggregate is None or type_ != SERIES_TYPE):
        return None
    positive = _POSITIVE.get(op, op)
    negated = op in _POSITIVE
    if positive == "EXISTS":
        return Atom(info.path, type_, None, "", positive, None, negated)
    if info.value is None or TYPES[type_].allows(op) is Allowed.NO:
        return None
    aggregate = (info.aggregate or "last") if type_ == SERIES_TYPE else None
    mode = ""
    operand: Any
    if positive == "MATCHES":
        if regex_error(info.value) is not None:
            return None
        operand = info.value
    elif positive == "CONTAINS":
        operand = info.value
    else:
        try:
            value = read_value(TYPES[type_].value_kind, info.value)
        except ValueProblem:
            return None
        if isinstance(value, DatetimeValue):
            mode, operand = _datetime_operand(value)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            operand = float(value)
        else:
            operand = value
    return Atom(info.path, type_, aggregate, mode, positive, operand, negated)


def _datetime_operand(value: DatetimeValue) -> tuple[str, float]:
    """A number that orders like the instant it stands for, within its kind (see :data:`ABSOLUTE`)."""
    if value.instant is not None:
        return ABSOLUTE, value.instant.timestamp()
    rel = value.relative
    assert rel is not None
    if rel.unit in _FIXED_UNITS:
        from datetime import timedelta  # imported where a query compares a relative time

        seconds = timedelta(**{RELATIVE_UNITS[rel.unit][0]: rel.amount}).total_seconds()
        return FIXED, -seconds
    # "-n months" is strictly earlier for a larger n, whatever "now" is; years are 12 months.
    months = rel.amount * (12 if RELATIVE_UNITS[rel.unit][0] == "years" else 1)
    return MONTHS, -float(months)


# --- the normal form --------------------------------------------------------------------------------


class Place(Record):
    """Where a normal-form node stands in the text: the expression written there (the outermost at this
    position, a group or NOT included), and its operand slot: the AND/OR chain it is an operand of, if any,
    and its index there."""

    __slots__ = ("index", "node", "parent")

    def __init__(self, node: Expr, parent: Logical | None, index: int) -> None:
        self.node = node
        self.parent = parent
        self.index = index


class Lit(Record):
    """A clause in the normal form: ``atom`` is None for a clause the lints do not reason about; ``positive``
    says whether the literal asserts the atom's positive operator."""

    __slots__ = ("atom", "clause", "place", "positive")

    def __init__(self, clause: Clause, atom: Atom | None, positive: bool, place: Place) -> None:
        self.clause = clause
        self.atom = atom
        self.positive = positive
        self.place = place

    @property
    def sig(self) -> tuple[object, ...]:
        if self.atom is None:
            return ("opaque", tuple(t.text for t in _clause_tokens(self.clause)), self.positive)
        return ("lit", self.atom.sig, self.positive)


class Junction(Record):
    """An AND (``conjunction``, after pushing NOT in) or OR of normal-form nodes."""

    __slots__ = ("_sig", "children", "conjunction", "place")

    def __init__(self, conjunction: bool, children: list[Lit | Junction], place: Place) -> None:
        self.conjunction = conjunction
        self.children = children
        self.place = place
        self._sig: tuple[object, ...] | None = None

    @property
    def sig(self) -> tuple[object, ...]:
        """What the junction tests, operands in any order: equal for two that always agree."""
        if self._sig is None:
            kind = "and" if self.conjunction else "or"
            self._sig = (kind, tuple(sorted((c.sig for c in self.children), key=repr)))
        return self._sig


Node = Lit | Junction


def _clause_tokens(clause: Clause) -> list[Any]:
    fld = clause.field
    toks = [fld.name.token]
    if fld.type is not None:
        toks.append(fld.type)
    if clause.aggregate is not None:
        toks.append(clause.aggregate.function)
    toks.extend(clause.operator.tokens)
    if clause.value is not None:
        toks.append(clause.value.token)
    return toks


def normal_form(expr: Expr, atoms: dict[int, Atom | None]) -> Node:
    """The query with NOT pushed in; nested chains of the same kind are flattened into one junction.

    Iterative over chains, so a query of thousands of OR-ed clauses stays far from the recursion limit.
    """
    return _nf(expr, True, Place(expr, None, 0), atoms)


def _nf(expr: Expr, polarity: bool, place: Place, atoms: dict[int, Atom | None]) -> Node:
    node = expr
    while True:
        if isinstance(node, Group):
            node = node.expr
        elif isinstance(node, Not):
            polarity = not polarity
            node = node.operand
        else:
            break
    if isinstance(node, Clause):
        atom = atoms.get(id(node))
        positive = polarity if atom is None else (polarity != atom.negated)
        return Lit(node, atom, positive, place)
    assert isinstance(node, Logical)
    conjunction = (node.op == "AND") == polarity
    children: list[Node] = []
    for i, operand in enumerate(node.operands):
        child = _nf(operand, polarity, Place(operand, node, i), atoms)
        if isinstance(child, Junction) and child.conjunction == conjunction:
            children.extend(child.children)
        else:
            children.append(child)
    return Junction(conjunction, children, place)
