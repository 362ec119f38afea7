"""Diagnostics after an edit without re-analysing the whole query: only the group or the top-level
operands it touches.

A parenthesised group is a closed unit of NQL: it parses the same wherever it stands, the checker's
clause checks look at one clause at a time, and the structure check sees a group as one operand. So when
the text before the edit had no syntax errors and an edit falls strictly inside a group (its ``(`` and
``)`` untouched), re-analysing the group's new text alone gives exactly the diagnostics a full analysis
would give inside it; everything after the group only moves. Typing in a clause of a 1,000-clause query
then costs one clause's analysis instead of the whole query's.

The lints (:mod:`nql_lsp.analysis.lints`) look at the whole query, so an edit is taken incrementally
only where they provably say nothing before and after it: no lint finding in the old text nor in the
group alone, no clause of the group on a path that a clause outside it uses (every lint that relates two
clauses relates clauses on one path, or duplicate operands, which share paths), and no `NOT` before the group
(under which its ANDs become ORs).

A learned schema with run counts adds two lints (:mod:`nql_lsp.analysis.lints.data`). NQL601, a clause
no loaded run satisfies, is one clause's own: the group alone says it as the whole query does, so it is
kept and moved like a checker's diagnostic. NQL602, a query every run satisfies, is the whole query's,
and is taken as the other lints are: the edit is declined when the old text or the re-analysed part has
it. Without a `NOT` above the part that suffices: AND and OR only grow with their operands, so a whole
query that every run satisfied after the edit, though none did before, needs a part that every run
satisfies. (Nesting deeper than the lints can follow leaves the whole query unlinted; such a text is
never taken incrementally where a data lint is in play.)

An edit outside every group is taken the same way one level up: the query's top-level operands (the
operands of its outermost AND or OR chain) are closed units too, so only the operands the edit touches are
re-analysed, as a query of their own, and the others are kept with their diagnostics shifted. That holds
when the new text of those operands is again a run of operands of the same chain (an OR inside an AND
chain would regroup its neighbours and is declined), when it starts and ends beside whitespace (so no
token of it could join a neighbour's), and under the lint conditions above; the structure check that
needs the chain (NQL401, an AND among ORs) is made for the new operands in place.

One shared path is allowed where it is common, in an OR of plain clauses (``sys/id`` OR-ed a thousand
times): there the lints relate operands only as repeats and as one implying another on one path, and
the layout keeps each clause's literal signature to rule both out (:func:`_kin_free`).

Anything else (an edit across a group's parentheses, syntax errors before or after, a query near the
length limit) answers None and the caller analyses the whole text. The tests compare this with
:func:`nql_lsp.analysis.analyze.analyze` on generated edits.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable

from nql_lsp.analysis.analyze import Analysis, analyze
from nql_lsp.analysis.checker import check
from nql_lsp.analysis.lints import LINT_CODES
from nql_lsp.analysis.lints.conjunction import PATH_BUDGET, implies
from nql_lsp.analysis.lints.literals import Atom, Lit, Place, atom_of, normal_form
from nql_lsp.diagnostics import Diagnostic, Edit, Fix, Related
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.language.records import FrozenRecord
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.syntax.terminals import OPEN_QUOTES
from nql_lsp.syntax.tree import Clause, Expr, Field, Group, Logical, Name, Not, Operator, Query, Token, iter_exprs


class Layout(FrozenRecord):
    """What incremental diagnostics need of a text: its groups, its diagnostics, and whether it parsed."""

    text: str
    groups: tuple[tuple[int, int], ...]  # (start, end) of every closed group, sorted by start
    diagnostics: tuple[Diagnostic, ...]
    clean: bool  # no syntax errors and nothing skipped: a group can be re-analysed on its own
    paths: tuple[tuple[int, str], ...]  # (start, path) of every clause
    negations: tuple[int, ...]  # where each `NOT` that negates an expression stands
    top: str | None  # the outermost chain's connective ("AND" or "OR"), None for a single operand
    operands: tuple[tuple[int, int], ...]  # (start, end) of each operand of that chain
    #: For an OR of plain clauses with a path used twice: each clause's (start, signature, atom path),
    #: what the lints compare operands by (see :func:`_kin_free`); None otherwise.
    sigs: tuple[tuple[int, object, str | None], ...] | None

    __slots__ = ("clean", "diagnostics", "groups", "negations", "operands", "paths", "sigs", "text", "top")

    def __init__(
        self,
        text: str,
        groups: tuple[tuple[int, int], ...],
        diagnostics: tuple[Diagnostic, ...],
        clean: bool,
        paths: tuple[tuple[int, str], ...] = (),
        negations: tuple[int, ...] = (),
        top: str | None = None,
        operands: tuple[tuple[int, int], ...] = (),
        sigs: tuple[tuple[int, object, str | None], ...] | None = None,
    ) -> None:
        self.text = text
        self.groups = groups
        self.diagnostics = diagnostics
        self.clean = clean
        self.paths = paths
        self.negations = negations
        self.top = top
        self.operands = operands
        self.sigs = sigs


def layout_of(analysis: Analysis) -> Layout:
    parsed = analysis.parsed
    exprs = list(iter_exprs(analysis.tree.expr))
    groups = sorted(
        (n.start, n.end) for n in exprs if isinstance(n, Group) and not n.rpar.missing and not n.lpar.missing
    )
    paths = tuple((info.clause.start, info.path) for info in analysis.clauses)
    negations = tuple(n.start for n in exprs if isinstance(n, Not))
    clean = not parsed.errors and not parsed.skipped and not _open(parsed.tokens)
    top, operands = _chain(analysis.tree.expr)
    sigs = None
    if top == "OR" and not groups and not negations and len(paths) == len(operands) > len({p for _, p in paths}):
        sigs = _clause_sigs(analysis, 0)
    return Layout(
        analysis.text, tuple(groups), tuple(analysis.diagnostics), clean, paths, negations, top, operands, sigs
    )


def _clause_sigs(analysis: Analysis, offset: int) -> tuple[tuple[int, object, str | None], ...]:
    """Each clause's start (moved by ``offset``), the signature of its literal and the path of its atom
    (None for a clause the lints do not reason about), as the lints see a clause standing alone in an OR."""
    out = []
    for info in analysis.clauses:
        atom = atom_of(info)
        lit = normal_form(info.clause, {id(info.clause): atom})
        out.append((info.clause.start + offset, lit.sig, atom.path if atom is not None else None))
    return tuple(out)


def _kin_free(
    removed: tuple[tuple[int, object, str | None], ...] | list[tuple[int, object, str | None]],
    kept: list[tuple[int, object, str | None]],
    added: tuple[tuple[int, object, str | None], ...],
) -> bool:
    """Whether, in an OR of plain clauses whose lints found nothing, swapping ``removed`` for ``added``
    still leaves the lints nothing to find between operands.

    In an OR the lints relate operands only as repeats (equal signatures) and, among the clauses of one
    path, as one implying another, which they judge only while a path holds at most ``PATH_BUDGET`` of
    them. So: no added signature equal to another one, and on every path whose count changes, either one
    clause, more than the budget, or no added clause implying or implied by another of the path (the
    kept ones implied none of each other before, and still do not).
    """
    signatures = {sig for _, sig, _ in kept}
    if any(sig in signatures for _, sig, _ in added):
        return False
    if len({sig for _, sig, _ in added}) < len(added):
        return False
    counts = Counter(path for _, _, path in (*kept, *added) if path is not None)
    touched = {path for _, _, path in (*removed, *added) if path is not None}
    judged = {path for path in touched if 1 < counts[path] <= PATH_BUDGET}
    if not judged:
        return True
    new = [(sig, path) for _, sig, path in added if path in judged]
    others = [(sig, path) for _, sig, path in kept if path in judged] + new
    for i, (sig, path) in enumerate(new):
        for j, (other, other_path) in enumerate(others):
            if other_path == path and j != len(others) - len(new) + i and _related_literals(sig, other):
                return False
    return True


# Where the literals rebuilt from signatures stand: nowhere (implies() reads only their atoms and signs).
_NO_CLAUSE = Clause(Field(Name(Token("WORD", "", 0, 0))), Operator((Token("EQ", "", 0, 0),)))
_NO_PLACE = Place(_NO_CLAUSE, None, 0)


def _related_literals(a: object, b: object) -> bool:
    """Whether the literals of two signatures (see :meth:`~nql_lsp.analysis.lints.literals.Lit.sig`) are
    such that the redundancy lint could call one of them redundant: one implies the other."""
    first, second = _literal(a), _literal(b)
    if first is None or second is None:
        return True  # not a literal the lints reason about: say they may relate
    return implies(first, second) or implies(second, first)


def _literal(sig: object) -> Lit | None:
    """The literal a signature stands for, enough to ask :func:`implies` of it (it reads atoms only)."""
    if not (isinstance(sig, tuple) and len(sig) == 3 and sig[0] == "lit"):
        return None
    _, fields, positive = sig
    return Lit(_NO_CLAUSE, Atom(*fields), positive, _NO_PLACE)


def _chain(expr: Expr | None) -> tuple[str | None, tuple[tuple[int, int], ...]]:
    if isinstance(expr, Logical):
        return expr.op, tuple((o.start, o.end) for o in expr.operands)
    return None, ((expr.start, expr.end),) if expr is not None else ()


def _open(tokens: list[Token]) -> bool:
    """Whether a string or name runs to the end of the text unclosed: followed by more text, it would
    have swallowed that text, so a piece holding one cannot stand for its place in a longer query."""
    return any(t.kind in OPEN_QUOTES for t in tokens)


#: The lints one clause alone decides: moved with their clause like the checker's diagnostics.
CLAUSE_LINTS = frozenset({"NQL601"})
_WHOLE_QUERY_LINTS = LINT_CODES - CLAUSE_LINTS
#: Group nesting beyond which the lints of a whole query may give up (see the module's docstring).
_DEEP = 100


def _linted(diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> bool:
    """Whether a lint about more than one clause found something: then the edit is declined."""
    return any(d.code in _WHOLE_QUERY_LINTS for d in diagnostics)


def _too_deep(groups: list[tuple[int, int]], *found: tuple[Diagnostic, ...] | list[Diagnostic]) -> bool:
    """Whether a clause's own lint is in play among ``found`` while the ``groups`` (sorted by start, nested
    or disjoint) nest so deep that the whole query's lints might have given up."""
    if not any(d.code in CLAUSE_LINTS for diagnostics in found for d in diagnostics):
        return False
    open_ends: list[int] = []
    for start, end in groups:
        while open_ends and open_ends[-1] <= start:
            open_ends.pop()
        open_ends.append(end)
        if len(open_ends) > _DEEP:
            return True
    return False


def changed_span(old: str, new: str) -> tuple[int, int, int]:
    """``(start, old_end, new_end)``: ``old[start:old_end]`` became ``new[start:new_end]``."""
    limit = min(len(old), len(new))
    lo, hi = 0, limit
    while lo < hi:  # the longest common prefix, by halving (slices compare at C speed)
        mid = (lo + hi + 1) // 2
        if old[lo:mid] == new[lo:mid]:
            lo = mid
        else:
            hi = mid - 1
    start = lo
    lo, hi = 0, limit - start
    while lo < hi:  # the longest common suffix that does not overlap the prefix
        mid = (lo + hi + 1) // 2
        if old[len(old) - mid : len(old) - lo] == new[len(new) - mid : len(new) - lo]:
            lo = mid
        else:
            hi = mid - 1
    return start, len(old) - lo, len(new) - lo


def update(layout: Layout, new_text: str, schema: Schema = SYSTEM_SCHEMA) -> tuple[Layout, Analysis | None] | None:
    """The layout of ``new_text`` from the layout of the text before one edit, or None when the whole text
    must be analysed. The analysis is the re-analysed group's (offsets inside the group), if any."""
    old = layout.text
    if not layout.clean or len(old) > MAX_QUERY_LENGTH or len(new_text) > MAX_QUERY_LENGTH:
        return None
    if _linted(layout.diagnostics):
        return None
    start, old_end, new_end = changed_span(old, new_text)
    if start == old_end == new_end:
        return layout.replace(text=new_text), None
    group = _innermost(layout.groups, start, old_end)
    if group is None or any(n < group[0] for n in layout.negations):
        return _update_operands(layout, new_text, schema, start, old_end, new_end)
    g_start, g_end = group
    delta = new_end - old_end
    part = analyze(new_text[g_start : g_end + delta], schema)
    expr = part.tree.expr
    if (
        part.parsed.errors
        or part.parsed.skipped
        or not isinstance(expr, Group)
        or expr.start != 0
        or expr.end != g_end + delta - g_start
        or _linted(part.diagnostics)
    ):
        return _update_operands(layout, new_text, schema, start, old_end, new_end)
    outside = [(s, p) for s, p in layout.paths if not g_start <= s < g_end]
    if {p for _, p in outside} & {info.path for info in part.clauses}:
        return _update_operands(layout, new_text, schema, start, old_end, new_end)

    def moved(x: int) -> int:
        return x + delta if x >= g_end else x

    kept = [_shift(d, moved) for d in layout.diagnostics if not (d.start >= g_start and d.end <= g_end)]
    inner = [_shift(d, lambda x: x + g_start) for d in part.diagnostics]
    diagnostics = sorted(kept + inner, key=lambda d: (d.start, d.end, d.code))
    groups = [(moved(s), moved(e)) for s, e in layout.groups if not (s >= g_start and e <= g_end)]
    groups += [(s + g_start, e + g_start) for s, e in layout_of(part).groups]
    groups.sort()
    if _too_deep(groups, layout.diagnostics, part.diagnostics):
        return None
    paths = sorted(
        [(moved(s), p) for s, p in outside] + [(info.clause.start + g_start, info.path) for info in part.clauses]
    )
    negations = sorted(
        [moved(n) for n in layout.negations if not g_start <= n < g_end]
        + [n + g_start for n in layout_of(part).negations]
    )
    operands = tuple((moved(s), moved(e)) for s, e in layout.operands)
    layout = Layout(
        new_text, tuple(groups), tuple(diagnostics), True, tuple(paths), tuple(negations), layout.top, operands
    )
    return layout, part


def _update_operands(
    layout: Layout, new_text: str, schema: Schema, start: int, old_end: int, new_end: int
) -> tuple[Layout, Analysis | None] | None:
    """Re-analyse only the top-level operands the edit ``[start, old_end)`` touches (see the module's
    docstring), or None when the whole text must be analysed."""
    ops = layout.operands
    top = layout.top
    if top is None or len(ops) < 2:
        return None
    first = bisect_left([e for _, e in ops], start)  # the first operand ending at or after the edit
    last = bisect_right([s for s, _ in ops], old_end) - 1  # the last starting at or before its end
    first, last = min(first, len(ops) - 1), max(last, 0)
    if first > last:  # the edit lies between two operands: both are re-read with what joins them
        first, last = last, first
    if first == 0 and last == len(ops) - 1:
        return None  # every operand: the whole text
    delta = new_end - old_end
    lo = ops[first][0] if first > 0 else 0
    hi = ops[last][1] if last < len(ops) - 1 else len(layout.text)
    new_hi = hi + delta
    if (lo > 0 and not new_text[lo - 1].isspace()) or (new_hi < len(new_text) and not new_text[new_hi].isspace()):
        return None  # the new text could join a neighbour's token
    part = analyze(new_text[lo:new_hi], schema)
    expr = part.tree.expr
    if (
        expr is None
        or part.parsed.errors
        or part.parsed.skipped
        or _open(part.parsed.tokens)
        or (top == "AND" and isinstance(expr, Logical) and expr.op == "OR")
        or _linted(part.diagnostics)
    ):
        return None
    outside = [(s, p) for s, p in layout.paths if not lo <= s < hi]

    def moved(x: int) -> int:
        return x + delta if x >= hi else x

    new_ops = expr.operands if isinstance(expr, Logical) and expr.op == top else [expr]
    part_layout = layout_of(part)
    sigs = None
    flat = not part_layout.groups and not part_layout.negations and len(part.clauses) == len(new_ops)
    if layout.sigs is not None and flat:  # still an OR of plain clauses
        kept_sigs = [entry for entry in layout.sigs if not lo <= entry[0] < hi]
        removed = [entry for entry in layout.sigs if lo <= entry[0] < hi]
        added = _clause_sigs(part, lo)
        if _kin_free(removed, kept_sigs, added):
            sigs = [(moved(x), sig, path) for x, sig, path in kept_sigs] + list(added)
    if sigs is None and {p for _, p in outside} & {info.path for info in part.clauses}:
        return None
    if any(d.start < hi and d.end > lo and not (d.start >= lo and d.end <= hi) for d in layout.diagnostics):
        return None  # a diagnostic reaching across the edited operands' bounds: not one operand's

    inner = list(part.diagnostics)
    if top == "OR" and isinstance(expr, Logical) and expr.op == "AND":
        # An AND standing alone is no operand of an OR; among the other operands it is (NQL401).
        wrapped = check(Query(Logical("OR", [expr], []), len(part.text)), schema).diagnostics
        inner += [d for d in wrapped if d.code == "NQL401" and (d.start, d.end) == (expr.start, expr.end)]
    diagnostics = sorted(
        [_shift(d, moved) for d in layout.diagnostics if not (d.start >= lo and d.end <= hi)]
        + [_shift(d, lambda x: x + lo) for d in inner],
        key=lambda d: (d.start, d.end, d.code),
    )
    groups = [(moved(s), moved(e)) for s, e in layout.groups if not lo <= s < hi]
    groups += [(s + lo, e + lo) for s, e in part_layout.groups]
    groups.sort()
    if _too_deep(groups, layout.diagnostics, inner):
        return None
    paths = [(moved(s), p) for s, p in outside] + [(s + lo, p) for s, p in part_layout.paths]
    negations = [moved(n) for n in layout.negations if not lo <= n < hi] + [n + lo for n in part_layout.negations]
    operands = (
        *ops[:first],
        *((o.start + lo, o.end + lo) for o in new_ops),
        *((s + delta, e + delta) for s, e in ops[last + 1 :]),
    )
    result = Layout(
        new_text,
        tuple(groups),
        tuple(diagnostics),
        True,
        tuple(sorted(paths)),
        tuple(sorted(negations)),
        top,
        operands,
        tuple(sorted(sigs, key=lambda entry: entry[0])) if sigs is not None else None,
    )
    return result, part


def _innermost(groups: tuple[tuple[int, int], ...], start: int, end: int) -> tuple[int, int] | None:
    """The smallest group whose parentheses lie outside ``[start, end)``.

    Groups are nested or disjoint, so of the groups enclosing the edit the innermost starts last: walk
    back from the edit and take the first that encloses it.
    """
    i = bisect_left(groups, (start, -1)) - 1
    while i >= 0:
        g_start, g_end = groups[i]
        if g_start < start and end <= g_end - 1:
            return g_start, g_end
        i -= 1
    return None


def _shift(d: Diagnostic, at: Callable[[int], int]) -> Diagnostic:
    """``d`` with every offset moved by ``at``; ``d`` itself where nothing moves (most diagnostics stand
    before an edit, and a long query may hold a thousand of them)."""
    start, end = at(d.start), at(d.end)
    fixes, related = d.fixes, d.related
    if fixes:
        fixes = tuple(Fix(f.message, tuple(Edit(at(e.start), at(e.end), e.new_text) for e in f.edits)) for f in fixes)
    if related:
        related = tuple(Related(at(r.start), at(r.end), r.message) for r in related)
    if start == d.start and end == d.end and fixes == d.fixes and related == d.related:
        return d
    return Diagnostic(d.code, d.severity, d.message, start, end, fixes, related)
