"""Queries nested thousands of levels deep (``NOT NOT …``, unclosed groups): a node's end is found without
recursion, the parse keeps no snapshot of a stack that deep, and a selection chain is cut to a depth an
editor can be sent. Before, the first raised RecursionError, the second kept ~300 MB for 80 kB of text,
and the third could not be serialised."""

from __future__ import annotations

import time
from itertools import pairwise

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.incremental import layout_of
from nql_lsp.features import outline
from nql_lsp.syntax.parsed import CHECKPOINT_DEPTH
from nql_lsp.syntax.parser import parse
from nql_lsp.syntax.tree import iter_exprs

CLAUSE = "`sys/failed`:bool = false"


def test_the_end_of_a_deep_not_chain_is_the_end_of_the_text():
    text = "NOT " * 20_000 + CLAUSE
    tree = parse(text).tree
    assert tree.expr is not None
    assert tree.expr.end == len(text)
    # every node of the chain ends there too, and asking all of them costs the depth, not its square
    started = time.monotonic()
    assert {node.end for node in iter_exprs(tree.expr)} == {len(text)}
    assert time.monotonic() - started < 5


def test_the_layout_of_a_deep_query_is_read_without_recursion():
    text = "NOT " * 20_000 + "x"  # broken: the recovering parser, then the incremental layout
    layout = layout_of(analyze(text))
    assert layout.operands == ((0, len(text)),)


def test_no_snapshot_holds_a_stack_deeper_than_the_cap():
    for text in ("NOT " * 3_000 + CLAUSE, "NOT " * 3_000 + "x"):  # the fast path, then recovery
        parsed = parse(text)
        assert parsed.checkpoints, "the shallow start of the query is still snapshotted"
        assert max(len(c.states) for c in parsed.checkpoints) <= CHECKPOINT_DEPTH


def test_a_long_shallow_query_keeps_its_snapshots():
    text = " OR ".join([CLAUSE] * 200)
    parsed = parse(text)
    assert len(parsed.checkpoints) >= 200 * 5 // 16 - 3  # five tokens a clause, one snapshot every 16


def test_a_selection_chain_is_cut_to_the_innermost_ranges_and_the_query():
    text = "NOT " * 20_000 + CLAUSE
    ranges = outline.selection_ranges(analyze(text), len(text) - 2)
    assert len(ranges) == outline.SELECTION_DEPTH
    assert ranges[0] == (len(text) - 5, len(text))  # `false`
    assert ranges[-1] == (0, len(text))
    assert all(a[0] >= b[0] and a[1] <= b[1] for a, b in pairwise(ranges))
