"""NQL.md §7, rule by rule, on five hand-made runs (tests/runs_fixtures.py); every expectation worked out by hand.

Each case runs through the three evaluators: the compiled columnar one behind ``preview``, the compiled
row closures, and the tree-walking interpreter. They must give the same, hand-checked, answer.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nql_lsp.evaluation.evaluate import bind_query, clause_counts, compile_rows, explain, preview
from nql_lsp.evaluation.interpret import evaluate
from nql_lsp.language.catalog import AGGREGATES
from nql_lsp.runs.jsonfile import read_json_runs
from nql_lsp.runs.model import FloatSeries, Run

from .runs_fixtures import small_runs

NOW = datetime(2024, 2, 6, 0, 0, tzinfo=UTC)

CASES = [
    # a missing attribute is false, NOT of it true (C is trashed, so left out)
    ('sys/name:string = "hello_0"', "A"),
    ('NOT sys/name:string = "hello_0"', "B D E"),
    ("sys/name:string NOT EXISTS", "E"),
    # != is a comparison: false without the attribute; NOT CONTAINS is NOT of CONTAINS: true without it
    ('sys/name:string != "world"', "A D"),
    ('sys/name:string NOT CONTAINS "o"', "E"),
    # another type is false: B holds acc as a string
    ("acc:float >= 0.9", "A D"),
    ('acc:string = "0.95"', "B"),
    ("acc:float = fast", ""),  # a value the type cannot read: the clause matches nothing
    # CONTAINS: case-sensitive substring on strings, membership on a stringSet
    ('sys/name:string CONTAINS "ell"', "A D"),
    ('sys/name:string CONTAINS "hel"', "A"),
    ("sys/tags:stringSet CONTAINS prod", "A B"),
    ("sys/tags:stringSet CONTAINS pro", ""),
    ("sys/tags:stringSet NOT CONTAINS x", "B D E"),
    ("sys/tags:stringSet = prod", "B"),  # = compares the whole set
    # MATCHES: RE2 search anywhere; on a stringSet, any element
    ('sys/name:string MATCHES "^he"', "A"),
    ('sys/name:string MATCHES "lo_0$"', "A"),
    ('sys/name:string MATCHES "orl"', "B"),
    ('sys/name:string NOT MATCHES "^he"', "B D E"),
    ('sys/tags:stringSet MATCHES "^x$"', "A"),
    # strings order lexicographically by code point: "Hello" < "a"
    ("sys/name:string > a", "A B"),
    # stringSeries compares its last value
    ('log:stringSeries CONTAINS "error"', "A"),
    ("log:stringSeries = start", ""),
    ("log:stringSeries = ok", "B"),
    # floatSeries aggregates use all points; A = [3, 1, 2], B = [1, 1], D = []
    ("last(loss:floatSeries) = 2", "A"),
    ("min(loss:floatSeries) = 1", "A B"),
    ("max(loss:floatSeries) > 2", "A"),
    ("average(loss:floatSeries) = 2", "A"),
    ("variance(loss:floatSeries) > 0.66 AND variance(loss:floatSeries) < 0.67", "A"),  # population: 2/3, not 1
    ("variance(loss:floatSeries) = 0", "B"),
    ("NOT min(loss:floatSeries) > -1000", "D E"),  # an empty series has no minimum
    ("loss:floatSeries EXISTS", "A B D"),
    ("loss:floatSeries = 2", "A"),  # a bare series compares its last value
    # datetimes are instants: A's 05:00+09:00 on the 6th is 20:00Z on the 5th, like D; E is C's instant
    ('created:datetime = "2024-02-05T20:00:00Z"', "A D"),
    ('created:datetime > "2024-02-05T20:30:00+00:00"', "B"),
    ('created:datetime = "2024-01-01T00:00:00+00:00"', "E"),
    # relative times from the injected now (2024-02-06T00:00Z): -3h is 21:00Z on the 5th
    ('created:datetime > "-3h"', ""),
    ('created:datetime >= "-3h"', "B"),
    ('created:datetime > "-1M"', "A B D"),
    # states read through their synonyms; integers; an empty query matches every run
    ("sys/state:experimentState = active", "A"),
    ("sys/state:experimentState = inactive", "B"),
    ("n:int = 5", "A"),
    ("n:int > 5B", ""),
    ("", "A B D E"),
    # structure: AND binds tighter than OR; NOT of a group
    ("acc:float = 0.9 OR acc:float = 0.95 AND sys/name:string = Hello", "A D"),
    ("NOT (acc:float = 0.9 OR sys/tags:stringSet CONTAINS prod)", "D E"),
    # a field written without a type compares as the type most runs hold it with (float: A, C, D)
    ("acc > 0.8", "A D"),
]


def _ids(runs: Sequence[Run]) -> str:
    return " ".join(run.id for run in runs)


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_preview_matches_the_hand_checked_runs(query: str, expected: str) -> None:
    result = preview(query, small_runs(), now=NOW)
    assert result.error is None
    assert _ids(result.matches) == expected
    assert result.total == 4


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_interpreter_and_row_closures_agree(query: str, expected: str) -> None:
    runs = small_runs()
    bound = bind_query(query, runs, NOW)
    kept = [r for r in runs.runs if not r.trashed]
    rows = compile_rows(bound.expr, bound.conditions)
    assert _ids([r for r in kept if evaluate(bound.expr, bound.conditions, r.attributes)]) == expected
    assert _ids([r for r in kept if rows(r.attributes)]) == expected


def test_trashed_runs_only_when_asked() -> None:
    runs = small_runs()
    assert _ids(preview("sys/id:string = C", runs).matches) == ""
    result = preview("sys/id:string = C", runs, include_trashed=True)
    assert (_ids(result.matches), result.total) == ("C", 5)
    assert _ids(preview("NOT sys/name:string EXISTS", runs, include_trashed=True).matches) == "C E"


def test_a_syntax_error_is_reported_not_evaluated() -> None:
    result = preview("acc:float > 0.5 AND (", small_runs())
    assert result.matches == []
    assert result.error is not None and result.error.startswith("1:")


def test_fields_lists_each_path_once_in_order() -> None:
    result = preview("b:int = 1 AND a:int = 1 OR b:int = 2", small_runs())
    assert result.fields == ["b", "a"]


def test_clause_counts_count_each_clause_alone() -> None:
    text = "acc:float >= 0.9 AND sys/tags:stringSet CONTAINS prod"
    second = text.index("sys/tags")
    assert clause_counts(text, small_runs()) == [(0, 16, 2), (second, len(text), 2)]
    # with trashed runs: C has acc 0.5 and no prod tag, so neither count changes; NOT EXISTS gains C
    assert clause_counts("sys/name:string NOT EXISTS", small_runs(), include_trashed=True) == [(0, 26, 2)]


def test_explain_names_the_clause_that_keeps_a_run_out() -> None:
    runs = small_runs()
    text = "sys/tags:stringSet CONTAINS prod AND acc:float >= 0.9"
    assert explain(text, runs, "A") == "`A` matches the query"
    why = explain(text, runs, "B")
    assert why.splitlines() == [
        "`B` does not match:",
        "- `acc:float >= 0.9` is false: the run holds `acc` as a string, not a float",
    ]
    why = explain(text, runs, "D")
    assert "`sys/tags:stringSet CONTAINS prod` is false: the run has no `sys/tags`" in why
    assert explain("acc:float < 0.6", runs, "C").startswith("`C` matches the query (it is trashed")
    assert "`last(loss)` is 2" in explain("last(loss:floatSeries) > 2", runs, "A")
    assert explain(text, runs, "nope") == "no run `nope` in small"
    or_why = explain("n:int = 1 OR NOT sys/id:string = E", runs, "E")
    assert or_why.splitlines()[1:] == [
        "- `n:int = 1` is false: the run has no `n`",
        "- `NOT sys/id:string = E` is false because `sys/id:string = E` holds",
    ]


def test_absurd_nesting_is_an_error_not_a_crash() -> None:
    runs = small_runs()
    for depth in (300, 5000):
        for text in ["(" * depth + "acc:float >= 0.9" + ")" * depth, "NOT " * depth + "acc:float >= 0.9"]:
            result = preview(text, runs)
            if depth == 300:  # still evaluated: an even number of NOTs, or parentheses, keep A and D
                assert result.error is None and _ids(result.matches) == "A D"
            else:
                assert result.error == "the query nests parentheses or NOT too deeply to evaluate"
                assert result.matches == [] and result.total == 4
            assert isinstance(explain(text, runs, "A"), str)


def test_every_catalog_aggregate_reads_a_series_field() -> None:
    series = FloatSeries.of([3, 1, 2])
    expected = {"last": 2, "min": 1, "max": 3, "average": 2, "variance": 2 / 3}  # population variance: (1+1+0)/3
    assert {name: series.aggregate(name) for name in AGGREGATES} == pytest.approx(expected)


def test_infinite_points_give_ieee_aggregates_instead_of_an_error(tmp_path: Path) -> None:
    # JSON reads Infinity; fsum refuses inf + -inf and overflows on 1e308 + 1e308.
    runs_file = tmp_path / "runs.json"
    runs_file.write_text('[{"sys/id": "A", "m": [Infinity, -Infinity]}, {"sys/id": "B", "m": [1e308, 1e308, 1]}]')
    runs = read_json_runs(runs_file)
    a, b = (run.value("m", "floatSeries") for run in runs)
    assert math.isnan(a.average) and math.isnan(a.variance) and (a.minimum, a.maximum) == (-math.inf, math.inf)
    assert b.average == math.inf and b.variance == math.inf and b.last == 1.0  # the sum overflows to inf
    # A NaN aggregate is no value: no comparison holds, NOT of one does.
    assert [r.id for r in preview("average(m:floatSeries) > 0", runs).matches] == ["B"]
    assert [r.id for r in preview("NOT variance(m:floatSeries) >= 0", runs).matches] == ["A"]
