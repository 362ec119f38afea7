"""The page's "copy as Filter / MLflow": conversions typed by the explorer's runs, problems shown with their text."""

from __future__ import annotations

import pytest

from nql_lsp.explore import conversions
from nql_lsp.features.convert import to_mlflow
from nql_lsp.runs import FloatSeries, Run, RunSet


def runs() -> RunSet:
    return RunSet(
        [
            Run(
                {
                    "sys/id": ("string", "R-1"),
                    "acc": ("float", 0.5),
                    "loss": ("floatSeries", FloatSeries.of([3.0, 1.0])),
                },
                project="team/cls",
            )
        ],
        "one run",
    )


def test_a_query_converts_to_filter_code() -> None:
    answer = conversions.convert(runs(), "acc > 0.6", "filter")
    assert answer["problems"] == []
    assert answer["exact"] is True
    assert answer["text"] == 'from neptune_query.filters import Filter\n\nquery = Filter.gt("acc", 0.6)\n'
    typed = conversions.convert(runs(), 'acc:float > 0.6 OR sys/id = "R-1"', "filter")["text"]
    assert 'Attribute("acc", type="float")' in typed and " | " in typed


def test_a_last_value_is_an_exact_mlflow_filter_string() -> None:
    answer = conversions.convert(runs(), "last(loss:floatSeries) < 2", "mlflow")
    assert answer["exact"] is True
    assert answer["text"] == answer["filter_string"]
    assert answer["text"] == "metrics.`loss` < 2.0"  # MLflow's grammar: a backquoted key, a number


def test_what_mlflow_cannot_say_is_a_problem_quoting_its_clause() -> None:
    query = "acc > 0.6 AND min(loss:floatSeries) < 2"
    answer = conversions.convert(runs(), query, "mlflow", "team/cls")
    assert answer["text"] is None and answer["exact"] is False
    [problem] = answer["problems"]
    assert (problem["code"], problem["severity"]) == ("CNV302", "error")
    assert problem["text"] == query[query.index("min") :]


def test_a_parameter_compared_as_a_number_gets_a_snippet_not_a_filter_string() -> None:
    # Untyped, `acc` is known to be a float (so an MLflow parameter) only from the runs.
    assert [p.code for p in to_mlflow("acc > 0.6").problems] == ["CNV303"]
    answer = conversions.convert(runs(), "acc > 0.6", "mlflow", "team/cls")
    assert answer["problems"] == []
    assert answer["exact"] is False and answer["filter_string"] is None
    assert "search_runs" in answer["text"] and "team/cls" in answer["text"]


def test_an_empty_query_says_so_and_an_unknown_target_is_refused() -> None:
    [problem] = conversions.convert(runs(), "", "filter")["problems"]
    assert problem["code"] == "CNV002"
    with pytest.raises(conversions.Unknown, match="filter, mlflow"):
        conversions.convert(runs(), "acc > 1", "sql")
    with pytest.raises(conversions.Unknown, match="at most"):
        conversions.convert(runs(), "a" * (conversions.MAX_QUERY + 1), "filter")
