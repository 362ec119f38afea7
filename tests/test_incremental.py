"""Incremental diagnostics give exactly what a full analysis gives, or decline."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.incremental import changed_span, layout_of, update
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.runs import open_runs

from .conftest import corpus_queries

CORPUS = corpus_queries()
#: A schema learned from runs, with run counts: the bundled sample's 500 runs. Many corpus clauses match
#: none of them (NQL601), and a few queries match all of them (NQL602).
LEARNED = schema_of(open_runs(None))
SCHEMAS = st.sampled_from([SYSTEM_SCHEMA, LEARNED])
PIECE_TEXTS = [
    *"`\"'\\():=!<> \n-_./",
    "AND",
    "OR",
    "NOT",
    "x",
    "sys/tags",
    ":float",
    ":flot",
    ":stringSet",
    "1",
    "0.5",
    "é",
    "😀",
    "last(",
    "CONTAINS",
    '"a"',
    "2h",
    "(a:int = 1)",
]
PIECES = st.sampled_from(PIECE_TEXTS)


def _key(d):
    return (d.start, d.end, d.code, d.message, d.fixes, d.related)


def _check(before_layout, new_text, schema: Schema = SYSTEM_SCHEMA):
    result = update(before_layout, new_text, schema)
    full = layout_of(analyze(new_text, schema))
    if result is None:
        return full, False
    layout, _ = result
    assert sorted(layout.diagnostics, key=_key) == sorted(full.diagnostics, key=_key), new_text
    assert layout.groups == full.groups
    assert (layout.top, layout.operands, layout.paths, layout.negations) == (
        full.top,
        full.operands,
        full.paths,
        full.negations,
    )
    assert layout.text == new_text
    return layout, True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CORPUS), min_size=1, max_size=6),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 4), st.lists(PIECES, max_size=3).map("".join)), min_size=1, max_size=6
    ),
    SCHEMAS,
)
def test_edits_inside_groups_match_full_analysis(queries, edits, schema):
    text = " AND ".join(f"({q})" for q in queries)
    layout = layout_of(analyze(text, schema))
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        layout, _ = _check(layout, text, schema)


def test_an_edit_in_one_clause_of_a_long_query_is_incremental():
    text = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(200))
    layout = layout_of(analyze(text))
    at = text.index(">= 150") + 3
    new = text[:at] + "x" + text[at + 1 :]  # `>= x50`: not a number
    result = update(layout, new)
    assert result is not None
    layout, part = result
    [d] = layout.diagnostics
    assert d.code == "NQL301" and new[d.start : d.end] == "x50"
    assert part is not None and len(part.text) < 30  # only the group was analysed
    restored = update(layout, text)
    assert restored is not None and restored[0].diagnostics == ()


def test_declines_edits_across_parentheses_and_after_syntax_errors():
    text = "(a:int = 1) AND (b:int = 2)"
    layout = layout_of(analyze(text))
    assert update(layout, "(a:int = 1 AND (b:int = 2)") is None  # the `)` was deleted
    broken = layout_of(analyze("(a:int = 1) AND (b:int = "))
    assert update(broken, "(a:int = 1) AND (b:int = 3") is None


def test_changed_span():
    assert changed_span("abcdef", "abXdef") == (2, 3, 3)
    assert changed_span("aaaa", "aaaaa") == (4, 4, 5)
    assert changed_span("same", "same") == (4, 4, 4)
    assert changed_span("", "new") == (0, 0, 3)


def _chain_text(queries, joiner, grouped):
    return joiner.join(f"({q})" if grouped else q for q in queries)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.sampled_from(CORPUS), min_size=2, max_size=6),
    st.sampled_from([" AND ", " OR ", "\nOR ", "  AND\n"]),
    st.booleans(),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 4), st.lists(PIECES, max_size=3).map("".join)), min_size=1, max_size=6
    ),
    SCHEMAS,
)
def test_edits_anywhere_in_a_chain_match_full_analysis(queries, joiner, grouped, edits, schema):
    """Edits outside every group (between operands, in an ungrouped operand, at either end, in non-ASCII
    text) re-analyse only the operands they touch, and still give what the full analysis gives, with the
    system schema or one learned from runs."""
    text = _chain_text(queries, joiner, grouped)
    layout = layout_of(analyze(text, schema))
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        layout, _ = _check(layout, text, schema)


def _operand_edits_taken(text, edits):
    layout = layout_of(analyze(text))
    taken = 0
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut :]
        layout, incremental = _check(layout, text)
        taken += incremental
    return taken


def test_typing_at_the_end_of_a_long_or_chain_analyses_only_the_last_operand():
    text = "\nOR ".join(f'`m{i}`:string = "RUN-{i}"' for i in range(300))
    layout = layout_of(analyze(text))
    at = len(text) - 1  # inside the last value
    new = text[:at] + "é" + text[at:]
    result = update(layout, new)
    assert result is not None
    layout, part = result
    assert part is not None and part.text == '`m299`:string = "RUN-299é"'
    assert layout.diagnostics == ()
    # a broken value at the end: its diagnostic, at its place in the whole text
    new2 = new + " OR `m300`:int = x"
    result = update(layout, new2)
    assert result is not None
    [d] = result[0].diagnostics
    assert new2[d.start : d.end] == "x" and d.code == "NQL301"
    assert len(result[0].operands) == 301


def test_an_and_typed_into_an_or_chain_is_flagged_in_place():
    text = "a:int = 1 OR b:int = 2 OR c:int = 3"
    layout = layout_of(analyze(text))
    new = "a:int = 1 OR b:int = 2 AND d:int = 4 OR c:int = 3"  # `OR c` -> `AND d... OR c`
    result = update(layout, new)
    full = analyze(new)
    assert [d.code for d in full.diagnostics] == ["NQL401"]
    assert result is not None
    [d] = result[0].diagnostics
    assert (d.code, new[d.start : d.end]) == ("NQL401", "b:int = 2 AND d:int = 4")


def test_declines_an_or_that_would_regroup_an_and_chain():
    text = "a:int = 1 AND b:int = 2 AND c:int = 3"
    layout = layout_of(analyze(text))
    assert update(layout, "a:int = 1 AND b:int = 2 OR d:int = 4 AND c:int = 3") is None


def test_edits_between_operands_and_at_both_ends_are_incremental():
    text = " AND ".join(f"(`m{i}`:float >= {i})" for i in range(50))
    edits = [
        (len(text), 0, " "),  # a space at the end: outside every group
        (0, 0, " "),  # and at the start
        (text.index(") AND (") + 2, 0, "  "),  # widening what joins two operands
    ]
    assert _operand_edits_taken(text, edits) == 3


SAME_PATH = st.sampled_from(
    [
        '`sys/id`:string = "RUN-{i}"',
        '`sys/id`:string != "RUN-{i}"',
        '`sys/id`:string CONTAINS "{i}"',
        '`sys/id`:string MATCHES "RUN-{i}.*"',
        "`sys/id` EXISTS",
        "`m`:float > {i}",
        "`m`:float >= {i}",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(SAME_PATH, min_size=2, max_size=70),
    st.lists(
        st.tuples(
            st.floats(0, 1),
            st.integers(0, 6),
            st.lists(
                st.sampled_from([*PIECE_TEXTS, '"RUN-1"', "1", " OR ", '`sys/id`:string = "RUN-3"', "é"]),
                max_size=3,
            ).map("".join),
        ),
        min_size=1,
        max_size=8,
    ),
    SCHEMAS,
)
def test_edits_in_an_or_of_clauses_on_one_path_match_full_analysis(clauses, edits, schema):
    """Operands on one path are compared by the lints (repeats, one implying another): reusing the others
    must still find every such relation the full analysis finds."""
    text = "\nOR ".join(c.format(i=i % 7) for i, c in enumerate(clauses))
    layout = layout_of(analyze(text, schema))
    for where, cut, insert in edits:
        at = int(where * len(text))
        text = text[:at] + insert + text[at + cut :]
        layout, _ = _check(layout, text, schema)


def test_typing_at_the_end_of_the_issues_or_query_analyses_only_the_last_clause():
    text = "\nOR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(1000))
    layout = layout_of(analyze(text))
    assert layout.sigs is not None  # one path throughout: the lints compare the operands
    for typed in ("0", "00", "0"):  # "RUN-9990", "RUN-99900", and back
        new = text[:-1] + typed + '"'
        result = update(layout, new)
        assert result is not None
        layout, part = result
        assert part is not None and part.text.startswith('`sys/id`:string = "RUN-999')
        assert layout.diagnostics == ()
    # A repeat of an earlier operand is declined, and the full analysis then reports it (NQL503).
    repeat = text[:-1] + '"' + '\nOR `sys/id`:string = "RUN-5"'
    assert update(layout, repeat) is None
    assert "NQL503" in [d.code for d in analyze(repeat).diagnostics]


def test_edits_with_a_learned_schema_are_incremental_and_keep_each_clauses_data_lints():
    """With a runs file's counts, a clause that no run satisfies (NQL601) is that clause's own finding: an
    edit elsewhere is still taken incrementally, and the finding moves with its clause."""
    text = "\nOR ".join(f'`sys/owner`:string = "user{i}"' for i in range(200))  # no sample run has one
    layout = layout_of(analyze(text, LEARNED))
    assert [d.code for d in layout.diagnostics] == ["NQL601"] * 200
    new = text.replace('"user150"', '"user1500"')
    result = update(layout, new, LEARNED)
    assert result is not None
    layout, part = result
    assert part is not None and part.text == '`sys/owner`:string = "user1500"'  # that operand alone
    assert list(layout.diagnostics) == analyze(new, LEARNED).diagnostics
    last = layout.diagnostics[-1]
    assert last.message == 'no run of the 500 has `sys/owner` = "user199"'
    assert (last.start, last.end) == (new.rindex("`sys/owner`"), len(new))  # moved one character on


def test_an_edit_that_makes_the_query_match_every_run_is_analysed_whole():
    """NQL602 is the whole query's: an edit that brings it (or takes it away) is declined, and the full
    analysis reports it."""
    text = '(`parameters/optimizer`:string MATCHES "Ada\\\\w+") OR (`sys/failed`:bool = true)'
    layout = layout_of(analyze(text, LEARNED))
    assert "NQL602" not in [d.code for d in layout.diagnostics]
    every = text.replace("MATCHES", "NOT MATCHES")
    assert update(layout, every, LEARNED) is None
    assert "NQL602" in [d.code for d in analyze(every, LEARNED).diagnostics]


def test_an_or_of_up_to_48_clauses_on_one_path_is_edited_incrementally_unless_one_implies_another():
    """Within the lints' budget of 48 clauses a path, one clause implying another is redundant (NQL503): an
    edited clause is compared with the others on its path, and only a new implication declines."""
    text = "\nOR ".join(f"`m`:float = {i}" for i in range(40))
    layout = layout_of(analyze(text))
    assert layout.diagnostics == () and layout.sigs is not None
    # The last clause made `m >= 3`: every clause `m = 3` to `m = 38` only matches what it matches ...
    implied = text.removesuffix("= 39") + ">= 3"
    assert update(layout, implied) is None
    assert [d.code for d in analyze(implied).diagnostics] == ["NQL503"] * 36
    # ... while a clause on the path that neither implies nor is implied by another is taken alone.
    text = "\nOR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(48))
    layout = layout_of(analyze(text))
    new = text[:-1] + '0"'
    result = update(layout, new)
    assert result is not None
    layout, part = result
    assert part is not None and part.text == '`sys/id`:string = "RUN-470"'
    assert layout.diagnostics == () == tuple(analyze(new).diagnostics)
