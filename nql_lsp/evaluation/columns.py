"""A columnar view of a runs set, so a compiled query tests 100,000 runs in a few C-level passes.

Each (path, type[, aggregate]) gets one list of comparison keys, aligned with the runs, plus a mask of the
runs that hold a key. A mask is a Python int whose bit ``8*i`` stands for run ``i``: it is built straight
from ``bytes`` of 0/1 flags, AND/OR/NOT are single big-integer operations, and ``bit_count`` counts the
matches. A clause is tested with ``map`` over a bound method of its operand (``x.__lt__``), which runs
without a Python frame per run.

Keys are those of :func:`nql_lsp.evaluation.conditions.key_of`, which the tree-walking interpreter uses, computed a
column at a time; the tests hold the two evaluators to the same answers on hand-checked and random queries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import compress, repeat
from typing import Any

from nql_lsp.evaluation.conditions import COMPARISONS, Condition
from nql_lsp.runs.model import Run


def mask_of(flags: Iterable[Any]) -> int:
    """Flags (anything ``bytes`` takes: bools, 0/1) as a mask."""
    return int.from_bytes(bytes(flags), "little")


class Columns:
    def __init__(self, runs: Sequence[Run]) -> None:
        self.runs = runs
        self.n = len(runs)
        self.full = mask_of(repeat(1, self.n))
        self.trashed = mask_of(run.trashed for run in runs)
        self._cache: dict[tuple[str, str, str | None], tuple[list[Any], int]] = {}

    def indices(self, mask: int) -> list[int]:
        return list(compress(range(self.n), mask.to_bytes(self.n, "little"))) if self.n else []

    def column(self, cond: Condition) -> tuple[list[Any], int]:
        """Keys of ``cond``'s path/type/aggregate for every run (a filler where absent) and their mask."""
        assert cond.type is not None
        cache_key = (cond.path, cond.type, cond.aggregate)
        found = self._cache.get(cache_key)
        if found is not None:
            return found
        t = cond.type
        path = cond.path
        held = [h if h is not None and h[0] == t else None for h in [run.attributes.get(path) for run in self.runs]]
        # The same keys as conditions.key_of (the type's shape), a whole column per comprehension.
        keys, flags = cond.shape.column([None if h is None else h[1] for h in held], cond.aggregate)
        found = (keys, int.from_bytes(flags, "little"))
        self._cache[cache_key] = found
        return found

    def presence(self, path: str, type_: str) -> int:
        return mask_of(run.attributes.get(path, ("",))[0] == type_ for run in self.runs)

    def test(self, cond: Condition) -> int:
        """The mask of runs that satisfy the clause."""
        if cond.never:
            return 0
        if cond.op == "EXISTS":
            positive = self.presence(cond.path, cond.type)  # type: ignore[arg-type]
        else:
            keys, present = self.column(cond)
            positive = _compare(cond, keys) & present
        return self.full ^ positive if cond.negated else positive


def _compare(cond: Condition, keys: list[Any]) -> int:
    op, x, is_set = cond.op, cond.operand, cond.shape.is_set
    if op == "CONTAINS":
        if is_set:
            return mask_of(map(frozenset.__contains__, keys, repeat(x)))
        return mask_of(map(str.__contains__, keys, repeat(x)))
    if op == "MATCHES":
        # A regex search costs a microsecond; runs share few distinct values, so search each value once.
        search = x.search
        if is_set:
            hits = frozenset(e for e in frozenset().union(*keys) if search(e) is not None)
            return mask_of(repeat(1, len(keys))) ^ mask_of(map(hits.isdisjoint, keys))
        hits = frozenset(k for k in set(keys) if search(k) is not None)
        return mask_of(map(hits.__contains__, keys))
    if is_set:
        whole = frozenset((x,))
        if op == "=":
            return mask_of(map(whole.__eq__, keys))
        if op == "!=":
            return mask_of(map(whole.__ne__, keys))
        return 0
    if type(x) is int:  # an int's own methods decline a float key (an absent run's NaN): compared exactly
        return mask_of(map(COMPARISONS[op], keys, repeat(x)))
    # x.__lt__(key) is key > x: the operand's bound method runs in C for every key.
    method = {"=": "__eq__", "!=": "__ne__", ">": "__lt__", ">=": "__le__", "<": "__gt__", "<=": "__ge__"}[op]
    return mask_of(map(getattr(x, method), keys))
