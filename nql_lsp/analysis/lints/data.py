"""What the loaded runs say: a clause that no run satisfies, a query that every run satisfies.

Only what a learned schema's statistics prove is said: the range of a number (NaNs are left out of it and
match no comparison), the range of a series' points (its last, min, max and average lie inside it), and
a string's values when the schema holds all of them (their counts add up to the runs that have the field).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from nql_lsp.analysis.lints.conjunction import AVERAGE_SLACK, constraint, subject
from nql_lsp.analysis.lints.domains import (
    can_hold,
    is_integer,
    is_number,
    is_state,
    is_string,
    is_text_series,
    numbers_can_hold,
)
from nql_lsp.analysis.lints.literals import Atom, Junction, Lit, Node
from nql_lsp.diagnostics import Collector
from nql_lsp.language.catalog import SERIES_TYPE
from nql_lsp.language.schema import FieldStats, Schema


def _stats(schema: Schema, atom: Atom) -> FieldStats | None:
    info = schema.field(atom.path)
    if info is None:
        return None
    return info.stats.get(atom.type)


def matching(atom: Atom, stats: FieldStats) -> tuple[int, int] | None:
    """(runs the positive clause matches, runs holding the value) when the statistics settle it: all or none.

    None when they do not.
    """
    if stats.runs <= 0:
        return None
    if atom.op == "EXISTS":
        return (stats.runs, stats.runs)
    c = constraint(atom, True)
    exact = is_string(atom.type) or is_state(atom.type)  # the common values list every value seen
    if exact and atom.op in ("=", "!=", ">", ">=", "<", "<=", "CONTAINS", "MATCHES"):
        if sum(n for _, n in stats.common) != stats.runs or is_text_series(atom.type):
            return None
        hit = sum(n for value, n in stats.common if can_hold(atom.type, None, [c, ("=", value, True)]))
        return (hit, stats.runs)
    if not is_number(atom.type) or atom.op not in ("=", "!=", ">", ">=", "<", "<="):
        return None
    lo, hi = stats.minimum, stats.maximum
    if lo is None or hi is None or not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    if atom.type == SERIES_TYPE and atom.aggregate not in ("last", "min", "max", "average"):
        return None
    if atom.type == SERIES_TYPE and atom.aggregate == "average":
        slack = AVERAGE_SLACK * max(1.0, abs(lo), abs(hi))
        lo, hi = lo - slack, hi + slack
    inside = [(">=", lo, True), ("<=", hi, True)]
    if not numbers_can_hold([c, *inside]):
        return (0, stats.runs)
    # Every value in [lo, hi] satisfies it, and every run has a value there: only an int has no NaN.
    if is_integer(atom.type) and not numbers_can_hold([constraint(atom, False), *inside]):
        return (stats.runs, stats.runs)
    return None


def clause_facts(lit: Lit, schema: Schema, total: int | None, out: Collector) -> None:
    """NQL601 for a clause written with a positive operator that no run satisfies."""
    atom = lit.atom
    if atom is None or atom.negated or atom.op == "EXISTS":
        return
    stats = _stats(schema, atom)
    if stats is None:
        return
    found = matching(atom, stats)
    if found is None or found[0] != 0:
        return
    clause = lit.clause
    value = clause.value.token.text if clause.value is not None else ""
    test = f"{subject(atom)} {clause.operator.op} {value}"
    of = f"{total:,}" if total is not None else f"{stats.runs:,} that have `{atom.path}`"
    message = f"no run of the {of} has {test}"
    if is_number(atom.type) and stats.minimum is not None and stats.maximum is not None:
        points = "the series' values range" if atom.type == SERIES_TYPE else "the values range"
        message += f"; {points} from {stats.minimum:g} to {stats.maximum:g}"
    out.add("NQL601", message, clause.start, clause.end)


def every_run(node: Node, schema: Schema, total: int) -> bool:
    """Whether every run the schema was learned from satisfies ``node``."""
    if isinstance(node, Lit):
        atom = node.atom
        if atom is None:
            return False
        info = schema.field(atom.path)
        if info is None or not info.stats:
            return False
        stats = info.stats.get(atom.type)
        if stats is None:  # no run holds the path with this type
            return not node.positive
        found = matching(atom, stats)
        if found is None:
            return False
        hit, holding = found
        return hit == holding == total if node.positive else hit == 0
    parts: Iterable[bool] = (every_run(child, schema, total) for child in node.children)
    return all(parts) if node.conjunction else any(parts)


def query_facts(root: Node, schema: Schema, total: int | None, start: int, end: int, out: Collector) -> None:
    if total is None or total <= 0 or not isinstance(root, Lit | Junction):
        return
    if every_run(root, schema, total):
        out.add("NQL602", f"this query matches every one of the {total:,} runs", start, end)
