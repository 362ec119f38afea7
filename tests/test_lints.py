"""The lints: what each says and where, what it leaves alone, and that the evaluator agrees with every claim.

The property tests generate queries and runs and hold each claim against the evaluator: a clause said to
be impossible matches no run together with what must hold beside it, a query said to match nothing
matches nothing, and applying a fix that removes a redundant part changes no match.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.lints import LINT_CODES
from nql_lsp.diagnostics import RULES, Diagnostic, Severity, Tag
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.runs.model import FloatSeries, Run, RunSet
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not

from .conftest import corpus_queries, marked

NOW = datetime(2025, 3, 31, 12, 0, tzinfo=UTC)


def lints(text: str, schema: Any = None) -> list[Diagnostic]:
    found = analyze(text) if schema is None else analyze(text, schema)
    return [d for d in found.diagnostics if d.code in LINT_CODES]


def apply(text: str, d: Diagnostic, which: int = 0) -> str:
    for edit in sorted(d.fixes[which].edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


# --- what each lint says, and where ----------------------------------------------------------------

FLAGGED = [
    ("NQL501", "acc:float > 0.9 AND «acc:float < 0.5»"),
    ("NQL501", 'd:datetime > "-2d" AND «d:datetime < "-3d"»'),
    ("NQL501", 'd:datetime > "-1M" AND «d:datetime < "-1y"»'),
    ("NQL501", 'd:datetime > "2024-06-01T00:00:00Z" AND «d:datetime < "2024-01-01T00:00:00+02:00"»'),
    ("NQL501", "x:int = 1 AND «x:int = 2»"),
    ("NQL501", "x:int = 1 AND «x:int != 1»"),
    ("NQL501", "x:int > 1 AND «x:int < 2»"),
    ("NQL501", "x:int EXISTS AND «x:int NOT EXISTS»"),
    ("NQL501", "b:bool = true AND «b:bool = false»"),
    ("NQL501", "sys/state:experimentState = running AND «sys/state:experimentState = inactive»"),
    ("NQL501", 'n:string = "abc" AND «n:string CONTAINS "x"»'),
    ("NQL501", 'n:string = "abc" AND «n:string MATCHES "^b"»'),
    ("NQL501", 'n:string CONTAINS "ab" AND «n:string NOT CONTAINS "a"»'),
    ("NQL501", 'n:string > "b" AND «n:string < "a"»'),
    ("NQL501", 'sys/tags:stringSet = "a" AND «sys/tags:stringSet CONTAINS "b"»'),
    ("NQL501", 'sys/tags:stringSet CONTAINS "a" AND «NOT sys/tags:stringSet CONTAINS "a"»'),
    ("NQL501", "x:int = 1 AND «x:float = 1»"),
    ("NQL501", "«variance(s:floatSeries) < 0»"),
    ("NQL501", "max(s:floatSeries) < 0.2 AND «last(s:floatSeries) > 0.5»"),
    ("NQL501", "min(s:floatSeries) > 3 AND «max(s:floatSeries) < 3»"),
    ("NQL501", "max(s:floatSeries) < 1 AND «average(s:floatSeries) > 2»"),
    ("NQL501", "s:floatSeries > 5 AND «max(s:floatSeries) < 4»"),  # bare is last(…)
    ("NQL501", "x:float > 5 AND «NOT x:float > 3»"),
    ("NQL501", "x:float > 5 AND NOT («x:float > 3» OR y:int = 1)"),
    ("NQL501", "x:int = 1 AND «(x:int = 2 OR x:int = 3)»"),
    ("NQL502", "«(x:int = 1 AND x:int = 2) OR (y:bool = true AND y:bool = false)»"),
    ("NQL503", "x:float > 5 AND «x:float > 3»"),
    ("NQL503", "«x:float > 5» OR x:float > 3"),
    ("NQL503", "x:int = 1 AND «x:int = 1»"),
    ("NQL503", "x:int = 1 AND «x:int EXISTS»"),
    ("NQL503", "(a:int = 1 AND b:int = 2) OR «(b:int = 2 AND a:int = 1)»"),
    ("NQL503", "NOT x:float > 3 AND «NOT x:float > 5»"),
    ("NQL503", "«NOT x:float > 3» AND x:float <= 3"),  # a run with x <= 3 has x, and x is not > 3
    ("NQL503", "x:int = 1 AND «NOT x:float = 1»"),  # one type per path
    ("NQL503", "x:int EXISTS AND «x:float NOT EXISTS»"),
    ("NQL503", 'sys/tags:stringSet CONTAINS "a" AND «sys/tags:stringSet CONTAINS "a"»'),
    ("NQL504", "«NOT NOT» x:int = 1"),
    ("NQL504", "«NOT (NOT» x:int = 1)"),
    ("NQL505", 'name:string «MATCHES ".*"»'),
    ("NQL505", 'name:string «MATCHES ""»'),
    ("NQL505", 'name:string «MATCHES "(a|)"»'),
    ("NQL505", 'name:string «NOT CONTAINS ""»'),
]

NEAR_MISSES = [
    "acc:float > 0.9 OR acc:float < 0.5",
    "x:float > 1 OR x:float <= 1",  # a run without x matches neither
    "NOT x:float > 3 AND NOT x:float <= 3",  # ... and both of these
    "NOT x:float > 3 OR x:float > 2",  # a run without x matches only the first
    "x:int = 1 OR x:float = 1",
    "x:int >= 1 AND x:int <= 1",
    "x:float > 1 AND x:float < 2",
    'd:datetime > "-2d" AND d:datetime < "2020-01-01T00:00:00Z"',  # depends on "now": not compared
    'd:datetime > "-30d" AND d:datetime < "-1M"',  # a month may be longer or shorter than 30 days
    'n:string CONTAINS "a" AND n:string CONTAINS "b"',
    'n:string = "abc" AND n:string MATCHES "^a"',
    'sys/tags:stringSet CONTAINS "a" AND sys/tags:stringSet CONTAINS "b"',
    "max(s:floatSeries) <= 3 AND min(s:floatSeries) >= 3",
    "max(s:floatSeries) <= 0.1 AND average(s:floatSeries) > 0.1",  # rounding: mean([0.1] * 3) > 0.1
    "last(s:floatSeries) > 5 AND last(t:floatSeries) < 4",
    "variance(s:floatSeries) >= 0",
    "NOT x:int NOT EXISTS",
    'name:string MATCHES "^.*$"',
    'name:string MATCHES ".+"',
    'sys/tags:stringSet MATCHES ".*"',  # an empty set has nothing to match
    'log:stringSeries CONTAINS ""',  # an empty series has no last value
    "x:float > 5 OR NOT x:float > 3",
    "x:float > 5 AND x:float < 30",
    'name:string MATCHES "lazy.*" AND name:string != ""',  # a guard generated NQL writes
    "x:flot = 1 AND x:flot = 2",  # the checker's to report; the lints leave unresolved clauses alone
    "x:int = 1 AND x:int = 2 AND",  # syntax errors: no lints
]


@pytest.mark.parametrize(("code", "text"), FLAGGED)
def test_each_lint_reports_at_its_place(code: str, text: str) -> None:
    query, start, end = marked(text)
    found = [(d.start, d.end) for d in lints(query) if d.code == code]
    assert (start, end) in found, lints(query)


@pytest.mark.parametrize("text", NEAR_MISSES)
def test_near_misses_raise_no_lint(text: str) -> None:
    assert lints(text) == []


def test_every_lint_has_a_flagged_example_or_a_data_test() -> None:
    assert {code for code, _ in FLAGGED} | {"NQL601", "NQL602"} == LINT_CODES


def test_contradictions_name_both_clauses_and_say_why() -> None:
    text = "acc:float > 0.9 AND acc:float < 0.5"
    [d] = lints(text)
    assert d.severity is Severity.WARNING
    assert [text[r.start : r.end] for r in d.related] == ["acc:float > 0.9"]
    assert d.message == (
        "this clause can never hold beside `acc:float > 0.9`: `acc` cannot be above 0.9 and be below 0.5 at once"
    )
    [d] = lints("x:int = 1 AND x:float = 1")
    assert "a run holds `x` with one type" in d.message


def test_a_query_whose_every_branch_fails_is_flagged_as_a_whole() -> None:
    text = "(x:int = 1 AND x:int = 2) OR (y:bool = true AND y:bool = false)"
    whole = [d for d in lints(text) if d.code == "NQL502"]
    assert [(d.start, d.end, len(d.related)) for d in whole] == [(0, len(text), 2)]
    assert not [d for d in lints("(x:int = 1 AND x:int = 2) OR (y:bool = true)") if d.code == "NQL502"]


def test_redundant_parts_are_greyed_hints_whose_fix_leaves_a_clean_query() -> None:
    assert Tag.UNNECESSARY in RULES["NQL503"].tags and Tag.UNNECESSARY in RULES["NQL504"].tags
    cases = {
        "(x:float > 5) AND (x:float > 3)": "x:float > 5",
        "(x:float > 5) AND (y:int = 1) AND (x:float > 3)": "(x:float > 5) AND (y:int = 1)",
        "(x:float > 3) AND (y:int = 1) AND (x:float > 5)": "(y:int = 1) AND (x:float > 5)",
        "x:float > 5 OR x:float > 3": "x:float > 3",
        "(a:int = 1) OR ((b:int = 2) AND (b:int = 2))": "(a:int = 1) OR (b:int = 2)",
        "NOT NOT (a:int = 1 OR b:int = 2)": "(a:int = 1 OR b:int = 2)",
        "c:int = 3 AND NOT (NOT a:int = 1)": "c:int = 3 AND a:int = 1",
    }
    for before, after in cases.items():
        [d] = [d for d in lints(before) if d.code in ("NQL503", "NQL504")]
        assert d.severity is Severity.HINT
        fixed = apply(before, d)
        assert fixed == after
        assert analyze(fixed).diagnostics == []


def test_presence_only_tests_are_rewritten_as_exists() -> None:
    [d] = lints('name:string MATCHES ".*"')
    assert apply('name:string MATCHES ".*"', d) == "name:string EXISTS"
    [d] = lints('name:string NOT MATCHES "a*"')
    assert apply('name:string NOT MATCHES "a*"', d) == "name:string NOT EXISTS"


def test_lints_are_severities_a_user_can_change() -> None:
    for code in LINT_CODES:
        assert RULES[code].severity in (Severity.WARNING, Severity.HINT, Severity.INFORMATION)


# --- real queries: none of them is flagged ----------------------------------------------------------

#: NQL as neptune-query 1.x renders its `Filter`/`Attribute` API: every child of AND/OR parenthesised,
#: values as quoted strings, `==`, bare float series, `NOT (…)` for a negated filter.
NEPTUNE_QUERY = [
    '(`sys/name`:string == "my-run")',
    '(`sys/name`:string != "my-run")',
    '(`accuracy`:float > "0.9")',
    '(`accuracy`:float >= "0.9")',
    '(`epochs`:int < "10")',
    '(`epochs`:int <= "10")',
    '(`sys/creation_time`:datetime > "2024-01-01T00:00:00+00:00")',
    '(`sys/failed`:bool == "False")',
    '(`sys/tags`:stringSet CONTAINS "best")',
    '(`sys/name`:string MATCHES "^exp-.*")',
    '(`sys/name`:string NOT MATCHES "debug")',
    '(`sys/name`:string CONTAINS "bert")',
    "(`model/weights`:fileRef EXISTS)",
    '(`train/loss`:floatSeries < "0.1")',
    'NOT (`sys/tags`:stringSet CONTAINS "archived")',
    '((`accuracy`:float >= "0.8") AND (`accuracy`:float <= "0.95"))',
    '((`sys/name`:string == "a") OR (`sys/name`:string == "b"))',
    '((`sys/name`:string MATCHES "^exp") AND (`sys/name`:string MATCHES "v2$"))',
    '((`sys/name`:string NOT MATCHES "tmp") AND (`sys/name`:string NOT MATCHES "debug"))',
    '((`sys/tags`:stringSet CONTAINS "a") AND (`sys/tags`:stringSet CONTAINS "b"))',
    '(NOT (`sys/tags`:stringSet CONTAINS "a") AND NOT (`sys/tags`:stringSet CONTAINS "b"))',
    '((`sys/tags`:stringSet CONTAINS "a") OR (`sys/tags`:stringSet CONTAINS "b"))',
    '((`sys/trashed`:bool == "false") AND (`sys/name`:string MATCHES "^run"))',
    '((`train/loss`:floatSeries < "0.1") AND (`val/loss`:floatSeries < "0.2"))',
    '((`lr`:float >= "0.001") AND (`lr`:float < "0.1") AND (`batch_size`:int == "32"))',
    '((`sys/owner`:string == "alice") OR (`sys/owner`:string == "bob") OR (`sys/owner`:string == "carol"))',
    '(((`lr`:float > "0.01") AND (`epochs`:int > "5")) OR (`sys/tags`:stringSet CONTAINS "baseline"))',
    'NOT ((`sys/failed`:bool == "True") OR (`sys/trashed`:bool == "True"))',
    '((`sys/creation_time`:datetime >= "2024-01-01T00:00:00+00:00") AND '
    '(`sys/creation_time`:datetime < "2024-02-01T00:00:00+00:00"))',
    '((`sys/state`:experimentState == "running") AND (`sys/ping_time`:datetime > "-1h"))',
    '((`config/optimizer`:string == "adam") AND NOT (`config/scheduler`:string EXISTS))',
    '((`sys/custom_run_id`:string == "abc") OR (`sys/custom_run_id`:string == "def"))',
    '((`sys/experiment/name`:string == "exp") AND (`sys/experiment/is_head`:bool == "true"))',
    '(`sys/id`:string MATCHES "^CLS-\\\\d+$")',
]


def test_no_lint_on_the_corpus() -> None:
    found = {q: lints(q) for q in corpus_queries()}
    assert {q: d for q, d in found.items() if d} == {}


@pytest.mark.parametrize("text", NEPTUNE_QUERY)
def test_no_lint_on_neptune_query_nql(text: str) -> None:
    found = analyze(text).diagnostics
    assert [d for d in found if d.code in LINT_CODES] == []
    assert all(d.severity is not Severity.ERROR for d in found)


def test_metrics_exists_and_compared_is_not_called_redundant_in_generated_nql() -> None:
    # `EXISTS` beside a comparison of the same field is implied: generated NQL writes it, and it is a hint.
    [d] = lints("(`metrics/f1`:float EXISTS) AND (`metrics/f1`:float > 0.5)")
    assert d.code == "NQL503"


# --- a bare floatSeries -------------------------------------------------------------------------------


def test_a_bare_series_is_a_hint_whose_fix_writes_last() -> None:
    text = '`train/loss`:floatSeries < "0.1"'
    [d] = [d for d in analyze(text).diagnostics if d.code == "NQL203"]
    assert d.severity is Severity.HINT and "compared as `last(…)`" in d.message
    assert apply(text, d) == 'last(`train/loss`:floatSeries) < "0.1"'


# --- proved against the evaluator ---------------------------------------------------------------------

POINTS = [-1.0, 0.0, 0.5, 1.0, 2.0, 3.0, 5.0]
WORDS = ["", "a", "ab", "b", "abc", "ba"]
TAGS = ["a", "b", "c"]
TIMES = [NOW - timedelta(hours=1), NOW - timedelta(days=2), NOW - timedelta(days=40), NOW - timedelta(days=400)]

#: (path, type) -> value strategy, for the generated runs.
_VALUES: dict[tuple[str, str], Any] = {
    ("x", "float"): st.sampled_from(POINTS),
    ("x", "int"): st.sampled_from([-1, 0, 1, 2, 3, 5]),
    ("n", "string"): st.sampled_from(WORDS),
    ("t", "stringSet"): st.frozensets(st.sampled_from(TAGS), max_size=3),
    ("b", "bool"): st.booleans(),
    ("s", "floatSeries"): st.lists(st.sampled_from(POINTS), max_size=4).map(FloatSeries.of),
    ("d", "datetime"): st.sampled_from(TIMES),
}


@st.composite
def runs(draw: st.DrawFn) -> RunSet:
    out = []
    for i in range(draw(st.integers(1, 12))):
        attributes: dict[str, tuple[str, Any]] = {}
        for path in ("x", "n", "t", "b", "s", "d"):
            types = [t for p, t in _VALUES if p == path]
            if draw(st.integers(0, 3)) == 0:
                continue  # the run lacks the attribute
            type_ = draw(st.sampled_from(types))
            attributes[path] = (type_, draw(_VALUES[(path, type_)]))
        out.append(Run(attributes, f"r{i}"))
    return RunSet(out, "generated")


_NUM = ["-1", "0", "0.5", "1", "2", "3", "5"]
_LITERALS: dict[str, tuple[list[str], list[str]]] = {  # lhs -> (operators, values)
    "x:float": (["=", "!=", ">", ">=", "<", "<="], _NUM),
    "x:int": (["=", "!=", ">", ">=", "<", "<="], ["-1", "0", "1", "2", "3"]),
    "n:string": (
        ["=", "!=", ">", "<", "CONTAINS", "NOT CONTAINS", "MATCHES", "NOT MATCHES"],
        ['""', '"a"', '"ab"', '"b"', '"abc"', '".*"', '"^a"', '"b$"', '"a*"'],
    ),
    "t:stringSet": (["CONTAINS", "NOT CONTAINS", "MATCHES", "NOT MATCHES", "=", "!="], ['"a"', '"b"', '"c"', '".*"']),
    "b:bool": (["=", "!="], ["true", "false"]),
    "d:datetime": (["=", ">", ">=", "<", "<="], ['"-3h"', '"-1d"', '"-3d"', '"-1M"', '"-2M"', '"-1y"']),
}
_SERIES = ["last", "min", "max", "average", "variance"]


@st.composite
def literal(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(["x:float", "x:int", "n:string", "t:stringSet", "s:floatSeries"])) + draw(
            st.sampled_from([" EXISTS", " NOT EXISTS"])
        )
    if kind <= 2:
        agg = draw(st.sampled_from(_SERIES))
        op = draw(st.sampled_from(["=", "!=", ">", ">=", "<", "<="]))
        lhs = f"{agg}(s:floatSeries)" if draw(st.integers(0, 4)) else "s:floatSeries"
        clause = f"{lhs} {op} {draw(st.sampled_from(_NUM))}"
    else:
        lhs = draw(st.sampled_from(sorted(_LITERALS)))
        ops, values = _LITERALS[lhs]
        clause = f"{lhs} {draw(st.sampled_from(ops))} {draw(st.sampled_from(values))}"
    return ("NOT " if draw(st.integers(0, 4)) == 0 else "") + clause


def expression(depth: int) -> Any:
    if depth == 0:
        return literal()
    sub = expression(depth - 1)
    return st.one_of(
        literal(),
        st.tuples(st.sampled_from([" AND ", " OR "]), st.lists(sub, min_size=2, max_size=4)).map(
            lambda t: t[0].join(f"({e})" for e in t[1])
        ),
        sub.map(lambda e: f"NOT ({e})"),
    )


def matched(text: str, runset: RunSet) -> list[str]:
    result = preview(text, runset, include_trashed=True, now=NOW)
    assert result.error is None, (text, result.error)
    return [run.id for run in result.matches]


def restricted(expr: Expr, target: Any, polarity: bool = True) -> str | None:
    """The text of what must hold for ``target`` to hold: each OR on the way down keeps only its branch."""
    if expr is target:
        return _text_of(expr)
    if isinstance(expr, Group):
        inner = restricted(expr.expr, target, polarity)
        return None if inner is None else f"({inner})"
    if isinstance(expr, Not):
        inner = restricted(expr.operand, target, not polarity)
        return None if inner is None else f"NOT ({inner})"
    if isinstance(expr, Logical):
        parts = [(o, restricted(o, target, polarity)) for o in expr.operands]
        hit = [p for _, p in parts if p is not None]
        if not hit:
            return None
        conjunction = (expr.op == "AND") == polarity
        if not conjunction:
            return hit[0]
        return f" {expr.op} ".join(f"({p if p is not None else _text_of(o)})" for o, p in parts)
    return None


_SOURCE: list[str] = [""]


def _text_of(node: Any) -> str:
    return _SOURCE[0][node.start : node.end]


def _node_at(expr: Expr, start: int, end: int) -> Any:
    """The outermost expression with exactly this span (a clause's, a group's, an OR's)."""
    stack: list[Any] = [expr]
    while stack:
        node = stack.pop()
        if node.start == start and node.end == end:
            return node
        if isinstance(node, Logical):
            stack.extend(node.operands)
        elif isinstance(node, Group):
            stack.append(node.expr)
        elif isinstance(node, Not):
            stack.append(node.operand)
    return None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression(2), runs())
def test_every_claim_holds_in_the_evaluator(text: str, runset: RunSet) -> None:
    analysis = analyze(text)
    assert not analysis.parsed.errors, text
    everything = matched(text, runset)
    _SOURCE[0] = text
    tree = analysis.tree.expr
    assert tree is not None
    for d in analysis.diagnostics:
        if d.code == "NQL502":
            assert everything == [], (text, d.message)
        elif d.code == "NQL501":
            node = _node_at(tree, d.start, d.end)
            assert node is not None, (text, d)
            must = restricted(tree, node)
            assert must is not None
            assert matched(must, runset) == [], (text, must, d.message)
        elif d.code in ("NQL503", "NQL504", "NQL505", "NQL203"):
            fixed = apply(text, d)
            assert not analyze(fixed).parsed.errors, (text, fixed)
            assert matched(fixed, runset) == everything, (text, fixed, d.message)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(expression(1), runs())
def test_data_claims_hold_in_the_runs(text: str, runset: RunSet) -> None:
    analysis = analyze(text, schema_of(runset))
    for d in analysis.diagnostics:
        if d.code == "NQL601":
            assert matched(text[d.start : d.end], runset) == [], (text, d.message)
        elif d.code == "NQL602":
            assert len(matched(text, runset)) == len(runset), (text, d.message)


# --- with runs loaded -------------------------------------------------------------------------------


def _loaded() -> RunSet:
    def run(i: int, acc: list[float], epochs: int, opt: str) -> Run:
        return Run(
            {
                "val/acc": ("floatSeries", FloatSeries.of(acc)),
                "epochs": ("int", epochs),
                "opt": ("string", opt),
            },
            f"r{i}",
        )

    return RunSet(
        [run(0, [0.1, 0.5, 0.9], 3, "adam"), run(1, [0.2, 0.97], 5, "sgd"), run(2, [0.3], 4, "adam")], "loaded"
    )


def test_a_clause_no_loaded_run_satisfies_says_so_with_the_counts() -> None:
    runset = _loaded()
    text = "last(`val/acc`:floatSeries) > 0.99"
    [d] = lints(text, schema_of(runset))
    assert (d.code, d.severity) == ("NQL601", Severity.INFORMATION)
    assert d.message == "no run of the 3 has `last(val/acc)` > 0.99; the series' values range from 0.1 to 0.97"
    assert lints("last(`val/acc`:floatSeries) > 0.95", schema_of(runset)) == []  # run 1 ends at 0.97
    [d] = lints('opt:string = "rmsprop"', schema_of(runset))
    assert d.code == "NQL601"
    assert lints('opt:string = "sgd"', schema_of(runset)) == []
    assert lints("last(`val/acc`:floatSeries) > 0.99") == []  # no runs loaded: nothing to say


def test_a_query_every_loaded_run_satisfies_says_so() -> None:
    runset = _loaded()
    [d] = lints("epochs:int >= 3", schema_of(runset))
    assert (d.code, d.message) == ("NQL602", "this query matches every one of the 3 runs")
    assert lints("epochs:int >= 4", schema_of(runset)) == []
    assert [d.code for d in lints('opt:string MATCHES "a|s"', schema_of(runset))] == ["NQL602"]
    assert lints("max(`val/acc`:floatSeries) > 0", schema_of(runset)) == []  # floats: a NaN could hide


def test_lints_cost_nothing_when_asked_not_to_run() -> None:
    text = "acc:float > 0.9 AND acc:float < 0.5"
    assert [d.code for d in analyze(text, lints=False).diagnostics] == []
    assert [d.code for d in analyze(text).diagnostics] == ["NQL501"]


def test_deep_nesting_never_raises() -> None:
    text = "NOT (" * 400 + "x:int = 1" + ")" * 400
    analyze(text)
    wide = " AND ".join(f"(x:int = {i})" for i in range(300))
    assert any(d.code == "NQL501" for d in analyze(wide).diagnostics)


def test_clause_type_is_read_from_the_tree() -> None:
    analysis = analyze("x:int = 1")
    assert isinstance(analysis.tree.expr, Clause)
