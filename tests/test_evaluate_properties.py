"""Properties: the compiled evaluators agree with the interpreter on random queries, and nothing crashes."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.evaluate import bind_query, clause_counts, compile_rows, explain, preview
from nql_lsp.evaluation.interpret import evaluate
from nql_lsp.runs import open_runs

NOW = datetime(2025, 11, 20, 12, tzinfo=UTC)
SAMPLE = open_runs(None)

CLAUSES = [
    '`sys/tags`:stringSet CONTAINS "prod-candidate"',
    '`sys/tags`:stringSet MATCHES "^d"',
    '`sys/owner`:string MATCHES "-sa$"',
    '`sys/name`:string CONTAINS "resnet"',
    '`sys/name`:string > "m"',
    "`sys/failed`:bool = true",
    "`sys/state`:experimentState = running",
    '`sys/creation_time`:datetime > "-3M"',
    '`sys/creation_time`:datetime <= "2025-03-01T00:00:00+02:00"',
    "`parameters/lr`:float < 0.001",
    "`parameters/batch_size`:int >= 128",
    "`parameters/optimizer`:string = adamw",
    "last(`val/acc`:floatSeries) > 0.8",
    "min(`train/loss`:floatSeries) < 0.1",
    "variance(`val/acc`:floatSeries) > 0.05",
    "average(`train/loss`:floatSeries) >= 0.3",
    '`monitoring/stdout`:stringSeries CONTAINS "Error"',
    "`model/weights`:fileRef EXISTS",
    "`val/best_acc`:float NOT EXISTS",
    "`model_info/size_MB`:float <= 100MB",
    "`parameters/lr`:string = x",
    "`sys/tags`:stringSet NOT CONTAINS debug",
    '`sys/name`:string != "x"',
]


def queries() -> st.SearchStrategy[str]:
    leaf = st.sampled_from(CLAUSES)

    def extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" AND ", " OR "]), inner).map("".join),
            inner.map(lambda q: f"NOT ({q})"),
            inner.map(lambda q: f"({q})"),
        )

    return st.recursive(leaf, extend, max_leaves=8)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries(), st.booleans())
def test_compiled_evaluators_agree_with_the_interpreter(query: str, trashed: bool) -> None:
    bound = bind_query(query, SAMPLE, NOW)
    considered = [r for r in SAMPLE if trashed or not r.trashed]
    expected = [r.id for r in considered if evaluate(bound.expr, bound.conditions, r.attributes)]
    rows = compile_rows(bound.expr, bound.conditions)
    assert [r.id for r in considered if rows(r.attributes)] == expected
    result = preview(query, SAMPLE, include_trashed=trashed, now=NOW)
    assert [r.id for r in result.matches] == expected
    assert result.total == len(considered)


@settings(max_examples=200, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(list("ab:`\"'()=<>!~ \\/-.0123456789ANDORNTCIEXSMfloatsrigSe\u00e9\U0001f600")),
        max_size=60,
    )
)
def test_any_text_never_crashes(text: str) -> None:
    result = preview(text, SAMPLE, now=NOW)
    assert result.error is not None or len(result.matches) <= result.total
    for start, end, count in clause_counts(text, SAMPLE, now=NOW):
        assert 0 <= start <= end <= len(text) and 0 <= count <= len(SAMPLE)
    assert isinstance(explain(text, SAMPLE, "CLS-1", now=NOW), str)
