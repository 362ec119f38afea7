"""Semantic token deltas: one edit, aligned to tokens, that turns the old tokens into the new."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from nql_lsp.lsp.token_deltas import TokenResults, token_edits


def apply(old: list[int], edits: Sequence[types.SemanticTokensEdit]) -> list[int]:
    out = list(old)
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out[edit.start : edit.start + edit.delete_count] = edit.data or []
    return out


def test_a_changed_middle_token_is_one_aligned_edit():
    old = [0, 1, 3, 2, 0, 0, 4, 3, 3, 0, 0, 4, 1, 1, 0]
    new = [0, 1, 3, 2, 0, 0, 4, 5, 3, 0, 0, 6, 1, 1, 0]
    [edit] = token_edits(old, new)
    # The first token is kept; the common tail [1, 1, 0] is only part of a token, so the edit takes it too.
    assert (edit.start, edit.delete_count, edit.data) == (5, 10, new[5:])
    assert token_edits(old, old) == []


def test_inserted_and_removed_tokens():
    a, b, c = [0, 1, 3, 2, 0], [0, 4, 3, 3, 0], [1, 0, 2, 0, 0]
    [insert] = token_edits(a + c, a + b + c)
    assert (insert.start, insert.delete_count, insert.data) == (5, 0, b)
    [remove] = token_edits(a + b + c, a + c)
    assert (remove.start, remove.delete_count, remove.data) == (5, 5, [])


tokens = st.lists(st.lists(st.integers(0, 3), min_size=5, max_size=5), max_size=12).map(
    lambda rows: [n for row in rows for n in row]
)


@given(tokens, tokens)
def test_applying_the_edits_gives_the_new_tokens(old, new):
    edits = token_edits(old, new)
    assert apply(old, edits) == new
    assert all(e.start % 5 == 0 and e.delete_count % 5 == 0 and len(e.data or []) % 5 == 0 for e in edits)


def test_results_are_kept_per_document_and_forgotten_on_close():
    results = TokenResults()
    first = results.full("a", types.SemanticTokens(data=[0, 1, 3, 2, 0]))
    other = results.full("b", types.SemanticTokens(data=[]))
    assert first.result_id is not None and first.result_id != other.result_id
    delta = results.delta("a", first.result_id, types.SemanticTokens(data=[0, 1, 4, 2, 0]))
    assert isinstance(delta, types.SemanticTokensDelta) and apply([0, 1, 3, 2, 0], delta.edits) == [0, 1, 4, 2, 0]
    stale = results.delta("a", first.result_id, types.SemanticTokens(data=[0, 1, 4, 2, 0]))
    assert isinstance(stale, types.SemanticTokens)  # that result was replaced by the delta's
    assert stale.result_id is not None
    results.forget("a")
    assert isinstance(results.delta("a", stale.result_id, types.SemanticTokens(data=[])), types.SemanticTokens)
