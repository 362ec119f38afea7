"""Parquet exports: duckdb push-down agrees with the in-memory evaluator, and bad exports are named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import clause_counts, explain, preview
from nql_lsp.language.schema import FieldInfo, Schema
from nql_lsp.runs import RunsError, open_runs
from nql_lsp.runs.jsonfile import runs_from_objects
from nql_lsp.runs.parquet import ParquetRunSet

from .parquet_export import SCHEMA, write_export
from .runs_fixtures import OBJECTS, small_runs
from .test_evaluate import CASES, NOW
from .test_evaluate_properties import NOW as SAMPLE_NOW
from .test_evaluate_properties import SAMPLE, queries

# The long layout cannot hold an empty series: D's `loss` has no points, so the export has no `loss` for D.
EXPORT_DIFFERS = {"loss:floatSeries EXISTS": "A B"}


def known(schema: Schema, path: str) -> FieldInfo:
    """The schema's field at ``path``, which the test expects it to know."""
    info = schema.field(path)
    assert info is not None, path
    return info


@pytest.fixture(scope="module")
def small_export(tmp_path_factory: pytest.TempPathFactory) -> ParquetRunSet:
    root = write_export(small_runs().runs, tmp_path_factory.mktemp("export"))
    runs = open_runs(root)
    assert isinstance(runs, ParquetRunSet)
    return runs


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> ParquetRunSet:
    runs = open_runs(write_export(list(SAMPLE), tmp_path_factory.mktemp("sample")))
    assert isinstance(runs, ParquetRunSet)
    return runs


@pytest.mark.parametrize(("query", "expected"), CASES)
def test_pushdown_gives_the_hand_checked_runs(small_export: ParquetRunSet, query: str, expected: str) -> None:
    expected = EXPORT_DIFFERS.get(query, expected)
    result = preview(query, small_export, now=NOW)
    assert result.error is None
    assert " ".join(r.id for r in result.matches) == expected
    assert result.total == 4
    in_memory = preview(query, small_export.in_memory(), now=NOW)
    assert " ".join(r.id for r in in_memory.matches) == expected


def test_export_reads_back_the_values(small_export: ParquetRunSet) -> None:
    assert len(small_export) == 5
    a = small_export.by_id("A")
    assert a is not None
    assert a.get("sys/state") == ("experimentState", "running")
    assert a.get("sys/tags") == ("stringSet", frozenset({"prod", "x"}))
    series = a.value("loss", "floatSeries")
    assert (series.count, series.last, series.minimum, series.average) == (3, 2, 1, 2)
    assert series.variance == pytest.approx(2 / 3)
    assert a.value("log", "stringSeries") == ("error: boom",)
    assert a.get("images/grid") is None  # histogram series cannot be queried
    schema = schema_of(small_export)
    assert known(schema, "acc").types == ("float", "string")
    assert known(schema, "acc").stats["float"].runs == 3
    assert known(schema, "sys/tags").stats["stringSet"].common == [("prod", 2), ("x", 1)]
    assert known(schema, "loss").stats["floatSeries"].shape[0] == pytest.approx(2.0)  # (3 + 1) / 2


def test_clause_counts_and_explain_through_duckdb(small_export: ParquetRunSet) -> None:
    text = "acc:float >= 0.9 AND sys/tags:stringSet CONTAINS prod"
    assert clause_counts(text, small_export) == [(0, 16, 2), (21, len(text), 2)]
    assert "holds `acc` as a string" in explain(text, small_export, "B")


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(queries())
def test_pushdown_agrees_with_the_json_sample(sample_export: ParquetRunSet, query: str) -> None:
    expected = [r.id for r in preview(query, SAMPLE, now=SAMPLE_NOW).matches]
    got = [r.id for r in preview(query, sample_export, now=SAMPLE_NOW).matches]
    assert sorted(got) == sorted(expected)


def _write(path: Path, rows: list[dict[str, Any]], schema: pa.Schema = SCHEMA) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.Table.from_pylist(rows, schema=schema), path)


def test_bad_exports_name_the_file_and_row(tmp_path: Path) -> None:
    good = {"project_id": "p", "run_id": "R-1", "attribute_path": "a", "attribute_type": "float", "float_value": 1.0}
    bad_file = tmp_path / "p" / "R-1_part_0.parquet"
    _write(bad_file, [good, {**good, "attribute_type": "complex"}, {**good, "attribute_type": "complex"}])
    loaded = open_runs(tmp_path)  # a type this version does not read is left out, not a refusal
    assert isinstance(loaded, ParquetRunSet)
    assert loaded.warnings == ["attribute types this version does not read were left out: 'complex' (2 rows)"]
    assert [run.get("a") for run in loaded] == [("float", 1.0)]
    _write(bad_file, [good, {**good, "run_id": None}])
    with pytest.raises(RunsError) as info:
        open_runs(tmp_path)
    assert str(info.value) == f"{bad_file}: row 2: no run_id"
    other = tmp_path / "other"
    _write(other / "x.parquet", [{"a": 1}], pa.schema([("a", pa.int64())]))
    with pytest.raises(RunsError, match="not a Neptune export: no column run_id"):
        open_runs(other)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "x.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(RunsError, match=r"broken: cannot read the parquet export: "):
        open_runs(broken)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from(list("ab:`\"'()=<>! \\/-.019ANDORNTCIEXSMfloatsrigSe\u00e9")), max_size=50))
def test_any_text_never_crashes_the_pushdown(small_export: ParquetRunSet, text: str) -> None:
    result = preview(text, small_export, now=NOW)
    assert result.error is not None or len(result.matches) <= result.total
    assert all(0 <= count <= 5 for _, _, count in clause_counts(text, small_export, now=NOW))


def test_every_catalog_aggregate_has_a_hand_checked_pushdown_case() -> None:
    """A new aggregate in the catalog must reach the SQL too: the cases above would then cover it."""
    from nql_lsp.language.catalog import AGGREGATES

    assert {name for query, _ in CASES for name in AGGREGATES if f"{name}(" in query} == set(AGGREGATES)


def _ids(runs: ParquetRunSet, query: str) -> str:
    result = preview(query, runs, now=NOW)
    assert result.error is None
    return " ".join(r.id for r in result.matches)


def test_the_summary_is_cached_and_reused_until_a_file_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nql_lsp.runs.cache import CACHE_ENV

    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    export = write_export(small_runs().runs, tmp_path / "export")
    first = open_runs(export)
    assert isinstance(first, ParquetRunSet) and not first.from_cache
    [summary] = (tmp_path / "cache" / "parquet").glob("*.duckdb")
    again = open_runs(export)
    assert isinstance(again, ParquetRunSet) and again.from_cache
    assert len(again) == len(first) == 5
    for query, expected in CASES:
        assert _ids(again, query) == EXPORT_DIFFERS.get(query, expected), query
    assert schema_of(again).field("acc") is not None  # the learned schema reads the cached summary too
    # Only the cache directory was written: the export holds what the test wrote, nothing more.
    assert sorted(p.name for p in export.rglob("*") if p.is_file()) == sorted(
        f"{run.id}_part_0.parquet" for run in small_runs().runs
    )

    # A changed file is a different export: summarised again, the old summary left to pruning.
    changed = [{**o, "acc": 0.1} if o["sys/id"] == "A" else o for o in OBJECTS]
    write_export(runs_from_objects(changed, "small").runs, tmp_path / "export")
    third = open_runs(export)
    assert isinstance(third, ParquetRunSet) and not third.from_cache
    assert _ids(third, "acc:float < 0.2") == "A"
    assert _ids(again, "acc:float < 0.2") == ""  # the earlier set keeps reading its own summary
    assert len(list((tmp_path / "cache" / "parquet").glob("*.duckdb"))) == 2
    assert summary.exists()


def test_a_damaged_or_unwritable_cache_only_costs_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nql_lsp.runs.cache import CACHE_ENV

    export = write_export(small_runs().runs, tmp_path / "export")
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    open_runs(export)
    [summary] = (tmp_path / "cache" / "parquet").glob("*.duckdb")
    summary.write_bytes(b"not a duckdb file")
    damaged = open_runs(export)
    assert isinstance(damaged, ParquetRunSet) and not damaged.from_cache
    assert _ids(damaged, "acc:float > 0.9") == "D"
    repaired = open_runs(export)  # the damaged file was replaced by a good one
    assert isinstance(repaired, ParquetRunSet) and repaired.from_cache
    assert _ids(repaired, "acc:float > 0.9") == "D"

    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory would go")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "cache"))
    unwritable = open_runs(export)
    assert isinstance(unwritable, ParquetRunSet) and not unwritable.from_cache
    assert _ids(unwritable, "acc:float > 0.9") == "D"

    monkeypatch.setenv(CACHE_ENV, "")  # turned off
    off = tmp_path / "off"
    monkeypatch.setenv("XDG_CACHE_HOME", str(off))
    assert not _parquet(open_runs(export)).from_cache
    assert not _parquet(open_runs(export)).from_cache
    assert not off.exists()


def _parquet(runs: object) -> ParquetRunSet:
    assert isinstance(runs, ParquetRunSet)
    return runs
