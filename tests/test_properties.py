"""Never crash: for any text the parser and checker answer, with ranges inside the text, deterministically."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.analyze import analyze
from nql_lsp.syntax.parser import expected_at

from .conftest import corpus_queries

CORPUS = corpus_queries()
# Characters that matter to NQL, so random text often comes close to a query.
NQL_ALPHABET = st.sampled_from(
    [
        *"`\"'\\():=!<> \n\t-_./,@#",
        "AND",
        "OR",
        "NOT",
        "CONTAINS",
        "EXISTS",
        "MATCHES",
        "last",
        "x",
        "sys/tags",
        ":float",
        ":stringSet",
        "1",
        "0.5",
        "日",
        "😀",
        "\r\n",
    ]
)
nql_like = st.lists(NQL_ALPHABET, max_size=40).map("".join)


def _fingerprint(text: str) -> list[tuple[object, ...]]:
    a = analyze(text)
    return [(d.code, d.start, d.end, d.message, d.fixes) for d in a.diagnostics]


def _assert_sound(text: str) -> None:
    a = analyze(text)
    for d in a.diagnostics:
        assert 0 <= d.start <= d.end <= len(text), (text, d)
        for f in d.fixes:
            for e in f.edits:
                assert 0 <= e.start <= e.end <= len(text), (text, d)
        for r in d.related:
            assert 0 <= r.start <= r.end <= len(text)
    for tok in a.parsed.tokens:
        assert text[tok.start : tok.end] == tok.text
    assert _fingerprint(text) == [(d.code, d.start, d.end, d.message, d.fixes) for d in a.diagnostics]


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text(text: str) -> None:
    _assert_sound(text)


@settings(max_examples=400, deadline=None)
@given(nql_like)
def test_nql_like_text(text: str) -> None:
    _assert_sound(text)


def _broken(draw: st.DrawFn, text: str) -> str:
    """``text`` after one to three random cuts, insertions and deletions."""
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["cut", "insert", "delete"]))
        if action == "cut":
            text = text[:i]
        elif action == "insert":
            text = text[:i] + draw(NQL_ALPHABET) + text[i:]
        else:
            j = draw(st.integers(i, min(len(text), i + 5)))
            text = text[:i] + text[j:]
    return text


@st.composite
def mutated_corpus_query(draw: st.DrawFn) -> str:
    return _broken(draw, draw(st.sampled_from(CORPUS)))


@settings(max_examples=400, deadline=None)
@given(mutated_corpus_query())
def test_corpus_with_random_cuts_insertions_and_deletions(text: str) -> None:
    _assert_sound(text)


@settings(max_examples=150, deadline=None)
@given(mutated_corpus_query(), st.data())
def test_expected_tokens_at_any_offset(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    assert isinstance(expected_at(text, offset), frozenset)


@settings(max_examples=400, deadline=None)
@given(mutated_corpus_query())
def test_fast_path_and_recovering_parser_build_the_same_tree(text: str) -> None:
    from nql_lsp.syntax.parser import _fast_parse, parse_recovering
    from nql_lsp.syntax.tree import dump

    fast = _fast_parse(text)
    slow = parse_recovering(text)
    if fast is not None:
        assert slow.errors == [] or [e.code for e in slow.errors] == ["NQL005"], text
        assert dump(fast.tree) == dump(slow.tree), text
        assert [(t.kind, t.text, t.start, t.end) for t in fast.tokens] == [
            (t.kind, t.text, t.start, t.end) for t in slow.tokens
        ]
    else:
        assert slow.errors, text


def test_fast_path_takes_every_corpus_query() -> None:
    from nql_lsp.syntax.parser import _fast_parse

    assert all(_fast_parse(q) is not None for q in CORPUS)


@st.composite
def long_broken_query(draw: st.DrawFn) -> str:
    """Several corpus queries joined, so the fast path takes checkpoints, then broken anywhere."""
    parts = draw(st.lists(st.sampled_from(CORPUS), min_size=3, max_size=8))
    joiner = draw(st.sampled_from([" AND ", " OR ", "\nAND "]))
    return _broken(draw, joiner.join(f"({p})" for p in parts))


@settings(max_examples=300, deadline=None)
@given(st.one_of(long_broken_query(), mutated_corpus_query()))
def test_recovery_resumed_after_the_clean_prefix_equals_recovery_from_the_start(text: str) -> None:
    """parse() hands the recovering parser the fast path's clean prefix; nothing may differ from a
    recovering parse of the whole text."""
    from nql_lsp.syntax.parser import parse, parse_recovering
    from nql_lsp.syntax.tree import dump

    resumed, scratch = parse(text), parse_recovering(text)

    def spans(tokens):
        return [(t.kind, t.text, t.start, t.end) for t in tokens]

    assert dump(resumed.tree) == dump(scratch.tree), text
    assert resumed.errors == scratch.errors, text
    assert spans(resumed.tokens) == spans(scratch.tokens), text
    assert spans(resumed.skipped) == spans(scratch.skipped), text


def test_a_long_query_broken_at_the_end_resumes_from_a_checkpoint() -> None:
    """The case the resumption is for: the recovering parser starts near the end, not at the start."""
    from nql_lsp.syntax.parser import _CleanPrefix, _fast_attempt

    text = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(200)) + " AND "
    prefix = _fast_attempt(text)
    assert isinstance(prefix, _CleanPrefix)
    checkpoint = prefix.resume_point()
    assert checkpoint is not None and checkpoint.index > len(prefix.tokens) - 40
