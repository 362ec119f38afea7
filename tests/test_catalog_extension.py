"""A type or an aggregate added to the catalog alone is understood by every stage, without other edits.

Each case adds entries with ``catalog.extended`` (removed after the test) and checks one stage; more
stages append cases below. The evaluation cases hold the compiled columnar evaluator, the reference
interpreter and the duckdb push-down to hand-checked answers, so all three agree.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.completion import complete
from nql_lsp.evaluation.evaluate import bind_query, clause_counts, explain, preview
from nql_lsp.evaluation.interpret import evaluate
from nql_lsp.features.hover import hover
from nql_lsp.language import catalog
from nql_lsp.language.catalog import AggregateInfo, Allowed, TypeInfo
from nql_lsp.runs import FloatSeries, Run, RunSet, open_runs

from .parquet_export import write_export

NOW = datetime(2025, 1, 1, tzinfo=UTC)


def _median(points: Sequence[float]) -> float:
    return statistics.median(points) if len(points) else float("nan")


#: A new scalar type behaving as a number, spelled ``percent`` by the exporter too.
PERCENT = TypeInfo(
    "percent",
    "A share, as a number between 0 and 100.",
    {"equality": Allowed.YES, "order": Allowed.YES, "exists": Allowed.YES},
    "number",
    "`coverage`:percent > 80",
    shape="number",
    exporter=("percent",),
)
#: A new aggregate: the median of a float series.
MEDIAN = AggregateInfo("median", "The median of the series.", _median, None, "median(float_value)")


@pytest.fixture
def extended() -> Iterator[None]:
    with catalog.extended(types=[PERCENT], aggregates=[MEDIAN]):
        yield
    assert "percent" not in catalog.TYPES and "median" not in catalog.AGGREGATES


def _runs() -> RunSet:
    """Built inside the extension, so series carry the new aggregate."""

    def run(run_id: str, coverage: float | None, loss: list[float]) -> Run:
        attributes: dict[str, tuple[str, object]] = {
            "sys/id": ("string", run_id),
            "loss": ("floatSeries", FloatSeries.of(loss)),
        }
        if coverage is not None:
            attributes["coverage"] = ("percent", coverage)
        return Run(attributes, run_id)

    return RunSet(
        [
            run("A", 90.0, [5.0, 1.0, 2.0]),  # median 2, average 2.67
            run("B", 50.0, [1.0, 9.0, 9.0]),  # median 9
            run("C", None, [3.0, 4.0]),  # median 3.5
            run("D", 85.0, []),  # an empty series has no median
        ],
        "extended",
    )


# query -> the runs it returns (hand-checked from the data above)
CASES = [
    ("coverage:percent > 80", "A D"),
    ("`coverage`:percent <= 50", "B"),
    ("coverage:percent EXISTS", "A B D"),
    ("NOT coverage:percent EXISTS", "C"),
    ("median(loss:floatSeries) >= 3", "B C"),
    ("median(loss:floatSeries) = 2", "A"),
    ("median(loss:floatSeries) < 100", "A B C"),
    ("coverage:percent > 80 AND median(loss:floatSeries) < 5", "A"),
    ("coverage:percent != 90 OR median(loss:floatSeries) = 3.5", "B C D"),
]


def _ids(runs: Sequence[Run] | RunSet) -> str:
    return " ".join(run.id for run in runs)


@pytest.mark.usefixtures("extended")
@pytest.mark.parametrize(("query", "expected"), CASES)
def test_the_columnar_evaluator_and_the_interpreter_know_the_new_entries(query: str, expected: str) -> None:
    runs = _runs()
    result = preview(query, runs, now=NOW)
    assert result.error is None
    assert _ids(result.matches) == expected
    bound = bind_query(query, runs, NOW)
    assert all(not cond.never for cond in bound.conditions.values()), query
    interpreted = [run for run in runs if evaluate(bound.expr, bound.conditions, run.attributes)]
    assert _ids(interpreted) == expected


@pytest.mark.usefixtures("extended")
@pytest.mark.parametrize(("query", "expected"), CASES)
def test_the_pushdown_knows_the_new_entries(tmp_path: Path, query: str, expected: str) -> None:
    export = open_runs(write_export(_runs().runs, tmp_path / "export"))
    assert _ids(preview(query, export, now=NOW).matches) == expected


@pytest.mark.usefixtures("extended")
def test_clause_counts_and_explanations_use_the_new_entries(tmp_path: Path) -> None:
    text = "coverage:percent > 80 AND median(loss:floatSeries) < 5"
    runs = _runs()
    export = open_runs(write_export(runs.runs, tmp_path / "export"))
    # A and D have coverage over 80; A (2) and C (3.5) a median under 5
    assert [n for _, _, n in clause_counts(text, runs)] == [2, 2]
    assert [n for _, _, n in clause_counts(text, export)] == [2, 2]
    assert "`median(loss)` is 9" in explain("median(loss:floatSeries) < 5", runs, "B")
    assert "`coverage` is 50" in explain(text, runs, "B")


def test_the_extension_is_gone_after_the_block() -> None:
    before = catalog.generation()
    with catalog.extended(types=[PERCENT], aggregates=[MEDIAN]):
        assert catalog.TYPES["percent"] is PERCENT and catalog.AGGREGATES["median"] is MEDIAN
        assert catalog.generation() != before
        with pytest.raises(ValueError, match="already in the catalog: percent"), catalog.extended(types=[PERCENT]):
            pass
    assert "percent" not in catalog.TYPES and "median" not in catalog.AGGREGATES
    runs = _runs()
    # back to the plain catalog: the type and the aggregate are unknown, and their clauses match no run
    assert preview("coverage:percent > 80", runs, now=NOW).matches == []
    assert preview("median(loss:floatSeries) > 0", runs, now=NOW).matches == []


# --- the editor side: checker, completion and hover read the same entries -------------------------------


def _codes(text: str) -> list[str]:
    return [d.code for d in analyze(text).diagnostics]


def test_the_checker_knows_the_new_entries() -> None:
    query = "coverage:percent > 80 AND median(loss:floatSeries) < 5"
    assert _codes(query) == ["NQL101", "NQL205"]  # without the extension: unknown type, unknown aggregate
    with catalog.extended(types=[PERCENT], aggregates=[MEDIAN]):
        assert _codes(query) == []
        assert _codes('coverage:percent CONTAINS "8"') == ["NQL201"]  # the type's own operator table
        assert _codes("coverage:percent > high") == ["NQL301"]  # its values are read as numbers
        assert _codes("median(coverage:percent) > 1") == ["NQL204"]  # aggregates take series only
        (typo,) = analyze("coverage:Percent > 80").diagnostics
        assert (typo.code, typo.fixes[0].edits[0].new_text) == ("NQL102", "percent")


@pytest.mark.usefixtures("extended")
def test_completion_offers_the_new_entries() -> None:
    def labels(text: str) -> list[str]:
        return [item.label for item in complete(analyze(text), len(text))]

    assert "percent" in labels("coverage:")
    assert "median" in labels("")  # an aggregate where a clause starts
    after_type = labels("coverage:percent ")
    assert ">" in after_type and "EXISTS" in after_type and "CONTAINS" not in after_type


@pytest.mark.usefixtures("extended")
def test_hover_shows_the_new_entries_docs() -> None:
    text = "coverage:percent > 80 AND median(loss:floatSeries) < 5"
    on_type = hover(analyze(text), text.index("percent") + 1, now=NOW)
    on_aggregate = hover(analyze(text), text.index("median") + 1, now=NOW)
    assert on_type is not None and PERCENT.doc in on_type.markdown
    assert on_aggregate is not None and MEDIAN.doc in on_aggregate.markdown
