"""The explorer's answers without the web layer: counts as the CLI's, staleness, sorting, series, CSV, views."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from nql_lsp.cli.preview import run_preview
from nql_lsp.explore import data, views
from nql_lsp.explore.bridge import frame, rewrite
from nql_lsp.runs import FloatSeries, Run, RunSet, open_runs

QUERY = 'last(val/acc:floatSeries) > 0.9 AND sys/tags:stringSet CONTAINS "baseline"'


@pytest.fixture(scope="module")
def sample() -> data.Table:
    return data.Table(open_runs(None))


def small() -> data.Table:
    def run(i: str, name: str, acc: float | None, points: list[float] | None = None) -> Run:
        attributes: dict[str, tuple[str, object]] = {"sys/id": ("string", i), "sys/name": ("string", name)}
        if acc is not None:
            attributes["acc"] = ("float", acc)
        if points is not None:
            attributes["loss"] = ("floatSeries", FloatSeries.of(points))
        attributes["sys/creation_time"] = ("datetime", datetime(2024, 1, int(i[-1]) + 1, tzinfo=UTC))
        return Run(attributes)

    return data.Table(
        RunSet(
            [
                run("R-1", "=cmd()", 0.5, [3.0, 2.0, 1.0]),
                run("R-2", "beta", None, [float("nan"), 4.0]),
                run("R-3", "Alpha", 0.9),
                run("R-4", "-2", 0.1),
            ],
            "small",
        )
    )


def cli_counts(query: str) -> tuple[int, int]:
    out = io.StringIO()
    assert run_preview(query, None, output_format="json", out=out) == 0
    answer = json.loads(out.getvalue())
    return answer["matched"], answer["total"]


@pytest.mark.parametrize("query", ["", QUERY, 'sys/owner:string = "bob" OR sys/failed:bool = true'])
def test_counts_are_the_cli_preview_counts(sample: data.Table, query: str) -> None:
    got = data.page(sample, query, limit=5)
    assert (got["matched"], got["total"]) == cli_counts(query)
    assert got["error"] is None and got["stale"] is False
    assert len(got["rows"]) == min(5, got["matched"]) == len(got["ids"])


def test_columns_are_id_name_the_query_fields_then_the_asked_ones(sample: data.Table) -> None:
    got = data.page(sample, QUERY, columns=["parameters/lr", "sys/id"], limit=1)
    assert got["columns"] == ["sys/id", "sys/name", "val/acc", "sys/tags", "parameters/lr"]


def test_clause_counts_give_each_clause_alone(sample: data.Table) -> None:
    counts = data.page(sample, QUERY, limit=1)["counts"]
    assert [QUERY[c["start"] : c["end"]] for c in counts] == [
        "last(val/acc:floatSeries) > 0.9",
        'sys/tags:stringSet CONTAINS "baseline"',
    ]
    assert counts[0]["count"] == cli_counts("last(val/acc:floatSeries) > 0.9")[0]


def test_a_query_with_errors_keeps_the_last_result_marked_stale(sample: data.Table) -> None:
    table = data.Table(sample.runs)
    good = data.page(table, QUERY, limit=10)
    bad = data.page(table, QUERY + " AND sys/name CONTAINS", limit=10)
    assert bad["stale"] is True
    assert bad["error"] and "CONTAINS" in bad["error"]
    assert bad["matched"] == good["matched"] and bad["ids"] == good["ids"]
    assert bad["counts"] == []


def test_errors_before_any_good_query_are_not_stale() -> None:
    got = data.page(small(), "acc >", limit=10)
    assert got["error"] and got["stale"] is False and got["matched"] == 0


def test_sorting_numbers_by_value_text_ignoring_case_and_missing_last() -> None:
    table = small()
    up = data.page(table, "", columns=["acc"], sort="acc", limit=10)["ids"]
    down = data.page(table, "", columns=["acc"], sort="acc", descending=True, limit=10)["ids"]
    assert up == ["R-4", "R-1", "R-3", "R-2"]
    assert down == ["R-3", "R-1", "R-4", "R-2"]  # R-2 has no acc: last both ways
    by_name = data.page(table, "", sort="sys/name", limit=10)["ids"]
    assert by_name == ["R-4", "R-1", "R-3", "R-2"]  # "-2", "=cmd()", "Alpha", "beta"
    by_time = data.page(table, "", sort="sys/creation_time", descending=True, limit=10)["ids"]
    assert by_time == ["R-4", "R-3", "R-2", "R-1"]


def test_pages_and_limits() -> None:
    table = small()
    assert data.page(table, "", offset=3, limit=2)["ids"] == ["R-4"]
    for bad in ({"limit": 0}, {"limit": data.MAX_PAGE + 1}, {"offset": -1}):
        with pytest.raises(data.Refused):
            data.page(table, "", **bad)  # type: ignore[arg-type]  # the keyword values are right per case
    with pytest.raises(data.Refused):
        data.page(table, "a" * (data.MAX_QUERY + 1))


def test_run_detail_has_every_attribute_and_the_explanation(sample: data.Table) -> None:
    matched = data.page(sample, QUERY, limit=1)["ids"][0]
    detail = data.run_detail(sample, matched, QUERY)
    assert detail is not None
    assert {a["path"] for a in detail["attributes"]} == set(sample.runs.by_id(matched).attributes)  # type: ignore[union-attr]  # the run exists: it matched
    assert "matches the query" in detail["explain"]
    unmatched = next(r.id for r in sample.runs if r.id not in set(data.page(sample, QUERY, limit=1000)["ids"]))
    assert "does not match" in data.run_detail(sample, unmatched, QUERY)["explain"]  # type: ignore[index]  # found above
    assert data.run_detail(sample, "no-such-run", QUERY) is None


def test_series_points_gaps_and_caps() -> None:
    table = small()
    got = data.series(table, "loss", ["R-1", "R-2", "R-3", "missing"])
    by_id = {s["id"]: s for s in got["series"]}
    assert by_id["R-1"]["steps"] == [0, 1, 2] and by_id["R-1"]["values"] == [3.0, 2.0, 1.0]
    assert by_id["R-2"]["values"] == [None, 4.0]  # NaN is a gap, not a number JSON cannot hold
    assert by_id["R-3"]["note"] == "no loss" and "missing" not in by_id
    with pytest.raises(data.Refused):
        data.series(table, "loss", [f"R-{i}" for i in range(data.MAX_SERIES_RUNS + 1)])


def test_thinning_keeps_the_first_and_last_points() -> None:
    steps, values = data.thin([float(i) for i in range(10_001)], most=1000)
    assert len(steps) <= 1001 and steps[0] == 0 and steps[-1] == 10_000
    assert values[-1] == 10_000.0 and steps == sorted(set(steps))


def test_csv_has_the_columns_and_no_formulas() -> None:
    text = data.to_csv(small(), "", ["acc"], "acc", False)
    lines = text.splitlines()
    assert lines[0] == "sys/id,sys/name,acc"
    assert lines[1] == "R-4,-2,0.1"  # a negative number stays a number
    assert lines[2] == "R-1,'=cmd(),0.5"  # a formula is defused


def test_projects_and_the_project_clause() -> None:
    runs = RunSet(
        [Run({"sys/id": ("string", f"R-{i}"), "sys/project": ("string", p)}) for i, p in enumerate("aab")], "p"
    )
    assert data.projects(runs) == [("a", 2), ("b", 1)]
    table = data.Table(runs)
    assert data.page(table, data.with_project("", "a"), limit=10)["matched"] == 2
    assert data.with_project("x = 1", 'q"t') == '(x = 1) AND sys/project = "q\\"t"'


def test_views_are_saved_read_and_deleted(tmp_path: Path) -> None:
    path = tmp_path / "cfg" / "views.json"
    assert views.read(path) == {}
    assert views.save(path, " best ", "q=a") == {"best": "q=a"}
    assert views.read(path) == {"best": "q=a"}
    assert views.save(path, "best", "") == {}
    for name, state in ((" ", "q"), ("x" * 101, "q"), ("ok", 3), (None, "q")):
        with pytest.raises(views.ViewError):
            views.save(path, name, state)
    path.write_text("not json", encoding="utf-8")
    assert views.read(path) == {}
    assert sorted(p.name for p in path.parent.iterdir()) == ["views.json"]


def test_the_bridge_decides_which_runs_the_server_reads() -> None:
    sent = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "initializationOptions": {"nql": {"runs": "/etc/passwd"}},
            "rootUri": "file:///",
            "capabilities": {"textDocument": {"diagnostic": {}, "hover": {}}},
        },
    }
    got = rewrite(sent, "/data/runs.jsonl")
    assert got is not None
    assert got["params"]["initializationOptions"] == {"nql": {"runs": "/data/runs.jsonl"}}
    assert got["params"]["rootUri"] is None
    assert got["params"]["capabilities"] == {"textDocument": {"hover": {}}}
    for_sample = rewrite(sent, None)
    assert for_sample is not None
    sample = for_sample["params"]["initializationOptions"]["nql"]["runs"]
    assert sample.endswith("sample_runs.json.gz") and Path(sample).is_file()  # learned from, as the table shows
    change = {
        "jsonrpc": "2.0",
        "method": "workspace/didChangeConfiguration",
        "params": {"settings": {"nql": {"runs": "/x"}}},
    }
    assert rewrite(change, None) is None
    assert rewrite([1, 2], None) is None and rewrite("text", None) is None
    body = frame({"a": "é"})
    assert body.startswith(b"Content-Length: 10\r\n\r\n") and body.endswith('{"a":"é"}'.encode())
