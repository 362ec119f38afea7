"""Semantic token deltas: what changed since the tokens a client already holds.

A client that holds the tokens of the previous full (or delta) result asks only for what changed. An
edit to a query changes a run of tokens in the middle; the rest stay, and so do their encoded numbers
after the edit's line (positions are relative to the previous token). One edit, covering everything
between the longest common prefix and suffix, is what clients apply fastest.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from lsprotocol import types

_TOKEN = 5  # integers per token


def token_edits(old: Sequence[int], new: Sequence[int]) -> list[types.SemanticTokensEdit]:
    """The one edit that turns ``old`` into ``new``, aligned to whole tokens; none when they are equal."""
    if old == new:
        return []
    limit = min(len(old), len(new))
    prefix = 0
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    prefix -= prefix % _TOKEN
    suffix = 0
    while suffix < limit - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    suffix -= suffix % _TOKEN
    return [
        types.SemanticTokensEdit(
            start=prefix, delete_count=len(old) - prefix - suffix, data=new[prefix : len(new) - suffix]
        )
    ]


class TokenResults:
    """The last tokens sent for each document, under a result id, to answer delta requests from."""

    def __init__(self) -> None:
        self._last: dict[str, tuple[str, Sequence[int]]] = {}
        self._ids = itertools.count(1)

    def full(self, uri: str, tokens: types.SemanticTokens) -> types.SemanticTokens:
        result_id = str(next(self._ids))
        self._last[uri] = (result_id, tokens.data)
        return types.SemanticTokens(data=tokens.data, result_id=result_id)

    def delta(
        self, uri: str, previous: str, tokens: types.SemanticTokens
    ) -> types.SemanticTokens | types.SemanticTokensDelta:
        """The edits since ``previous``; the whole tokens when that result is not the one held."""
        held = self._last.get(uri)
        if held is None or held[0] != previous:
            return self.full(uri, tokens)
        result_id = str(next(self._ids))
        self._last[uri] = (result_id, tokens.data)
        return types.SemanticTokensDelta(edits=token_edits(held[1], tokens.data), result_id=result_id)

    def __len__(self) -> int:
        return len(self._last)

    def forget(self, uri: str) -> None:
        self._last.pop(uri, None)
