"""Every editor feature answers for any text at any offset, with ranges inside the text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.analyze import analyze
from nql_lsp.completion import complete
from nql_lsp.features.hover import hover
from nql_lsp.features.outline import document_symbols, folding_ranges, selection_ranges, semantic_tokens, signature_help
from nql_lsp.features.printer import format_query, format_range
from nql_lsp.syntax.parser import expected_at, parse

from .test_properties import nql_like


def _inside(text: str, start: int, end: int) -> None:
    assert 0 <= start <= end <= len(text), (text, start, end)


def _all_features(text: str, offset: int) -> None:
    a = analyze(text)
    for item in complete(a, offset):
        _inside(text, item.start, item.end)
        assert item.start <= offset <= max(item.end, offset)
    h = hover(a, offset)
    if h is not None:
        _inside(text, h.start, h.end)
    for t in semantic_tokens(a):
        _inside(text, t.start, t.end)
    for s, e in folding_ranges(a) + selection_ranges(a, offset):
        _inside(text, s, e)
    for sym in document_symbols(a):
        _inside(text, sym.start, sym.end)
    signature_help(a, offset)
    format_query(text)
    for edit in format_range(text, 0, offset):
        _inside(text, edit.start, edit.end)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_any_text_any_offset(data: st.DataObject) -> None:
    text = data.draw(st.one_of(st.text(max_size=40), nql_like))
    offset = data.draw(st.integers(0, len(text)))
    _all_features(text, offset)


@settings(max_examples=150, deadline=None)
@given(nql_like, st.data())
def test_resumed_expectations_equal_a_fresh_parse(text: str, data: st.DataObject) -> None:
    text = " OR ".join([text] * 6)  # long enough to hold checkpoints
    offset = data.draw(st.integers(0, len(text)))
    assert expected_at(text, offset, parse(text)) == expected_at(text, offset)


def test_absurdly_deep_nesting_gets_no_answer_rather_than_a_crash() -> None:
    for text in ("NOT " * 3000 + "a:int = 1", "(a:int = 1 AND " * 1500 + "b:int = 1" + ")" * 1500):
        _all_features(text, len(text))
        _all_features(text, len(text) // 2)
