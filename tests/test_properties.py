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


# Pieces of clauses with the words the whole-clause path must refuse or classify exactly as the token loop
# does: keywords as names, types and values, calls, keyword operators in any case, escapes, odd spacing.
# Each list holds the usual pieces three times over, so that most drawn queries parse and both kinds of
# outcome are compared.
def _mostly(usual: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    return st.sampled_from(usual * 3 + odd)


_SPACE = _mostly(["", " "], ["  ", "\n", "\t "])
_CLAUSE_NAME = _mostly(["`a`", "a", "`sys/tags`", "a.b", "`名前`"], ["not", "And", "last", "exists", r"`x\`y`"])
_CLAUSE_TYPE = _mostly([":float", ":floatSeries", ":int", ":string", ""], [":NOT", ":or", ":"])
_CLAUSE_OP = _mostly(
    ["=", "==", ">=", ">", "<", "<=", "!=", "CONTAINS", "not contains", "NOT MATCHES", "matches"],
    ["exists", "NOT EXISTS", "not", "=>", "<>", "!"],
)
_CLAUSE_VALUE = _mostly(
    ["1", "0.5", '"x"', r'"a\"b"', "'y'", "-7d", "日本"], ["", "and", "not", "exists", '"open', "x(", '"x"y']
)


@st.composite
def clause_text(draw: st.DrawFn) -> str:
    space = draw(_SPACE)
    field = draw(_CLAUSE_NAME) + draw(_CLAUSE_TYPE)
    if draw(st.booleans()):
        field = draw(_mostly(["last", "max"], ["NOT", "x1"])) + draw(_SPACE) + "(" + space + field + ")"
    op = draw(_CLAUSE_OP)
    value = "" if "xists" in op.lower() and draw(st.booleans()) else draw(_SPACE) + draw(_CLAUSE_VALUE)
    return field + space + op + value


@st.composite
def clauses_text(draw: st.DrawFn) -> str:
    parts = draw(st.lists(clause_text(), min_size=1, max_size=6))
    out = ""
    for i, part in enumerate(parts):
        if i:
            out += draw(_mostly([" AND ", " OR ", "\nOR ", " and NOT "], [")", " OR (", ""]))
        if draw(st.booleans()):  # a group of one clause, taken whole too
            part = "(" + draw(_SPACE) + part + draw(_SPACE) + ")"
        out += draw(_mostly(["", "NOT "], ["( "])) + part
    return out + draw(_mostly(["", " "], [")", " AND"]))


@settings(max_examples=600, deadline=None)
@given(clauses_text())
def test_clauses_taken_whole_parse_as_token_by_token(text: str) -> None:
    """The fast path's whole-clause match gives the very tokens, tree and outcome of its token loop."""
    from nql_lsp.syntax.parsed import ParseResult
    from nql_lsp.syntax.parser import _fast_attempt
    from nql_lsp.syntax.tree import dump

    whole, by_token = _fast_attempt(text), _fast_attempt(text, clauses=False)
    assert type(whole) is type(by_token), text
    spans = [(t.kind, t.text, t.start, t.end) for t in whole.tokens]
    if isinstance(whole, ParseResult) and isinstance(by_token, ParseResult):
        assert dump(whole.tree) == dump(by_token.tree), text
        assert spans == [(t.kind, t.text, t.start, t.end) for t in by_token.tokens], text
    else:  # the same tokens up to the one the parse stopped at (which recovery lexes again)
        assert spans[:-1] == [(t.kind, t.text, t.start, t.end) for t in by_token.tokens][:-1], text
