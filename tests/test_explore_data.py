"""The explorer's answers without the web layer: counts as the CLI's, staleness, sorting, series, CSV, views."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from nql_lsp.cli.preview import run_preview
from nql_lsp.explore import data, views
from nql_lsp.explore.bridge import frame, rewrite
from nql_lsp.runs import FloatSeries, Run, RunSet, open_runs
from nql_lsp.runs.parquet import ParquetRunSet

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
    got = data.series(table, "loss", [("R-1", None), ("R-2", None), ("R-3", None), ("missing", None)])
    by_id = {s["id"]: s for s in got["series"]}
    assert by_id["R-1"]["steps"] == [0, 1, 2] and by_id["R-1"]["values"] == [3.0, 2.0, 1.0]
    assert by_id["R-2"]["values"] == [None, 4.0]  # NaN is a gap, not a number JSON cannot hold
    assert by_id["R-3"]["note"] == "no loss" and "missing" not in by_id
    with pytest.raises(data.Refused):
        data.series(table, "loss", [(f"R-{i}", None) for i in range(data.MAX_SERIES_RUNS + 1)])
    for width in (data.MIN_WIDTH - 1, data.MAX_WIDTH + 1):
        with pytest.raises(data.Refused):
            data.series(table, "loss", [("R-1", None)], width=width)


def test_thinning_keeps_each_pixels_first_last_lowest_and_highest_points() -> None:
    from nql_lsp.explore.points import thin_line

    nan = float("nan")
    # 16 points, 2 pixels: more than 4 a pixel, so each half keeps its first, last, lowest and highest.
    values = [5.0, 1.0, 9.0, 3.0, nan, 2.0, 8.0, 4.0, 0.0, 0.0, 7.0, 0.0, -3.0, 0.0, 0.0, 0.0]
    steps, kept = thin_line([float(i) for i in range(16)], values, 2)
    assert steps == [0.0, 1.0, 2.0, 7.0, 8.0, 10.0, 12.0, 15.0]
    assert kept == [5.0, 1.0, 9.0, 4.0, 0.0, 7.0, -3.0, 0.0]
    # Equal values: the first of them; a pixel of gaps alone: its first and last point, both gaps.
    assert thin_line(list(range(5)), [2.0] * 5, 1) == ([0, 4], [2.0, 2.0])
    assert thin_line(list(range(5)), [nan, float("inf"), nan, nan, nan], 1) == ([0, 4], [None, None])
    # At most 4 a pixel: every point, infinities as gaps.
    assert thin_line([0.0, 1.0, 2.0], [1.0, float("-inf"), 3.0], 1) == ([0.0, 1.0, 2.0], [1.0, None, 3.0])


def test_csv_has_the_columns_and_no_formulas() -> None:
    text = data.to_csv(small(), "", ["acc"], "acc", False)
    lines = text.splitlines()
    assert lines[0] == "sys/id,sys/name,acc"
    assert lines[1] == "R-4,-2,0.1"  # a negative number stays a number
    assert lines[2] == "R-1,'=cmd(),0.5"  # a formula is defused


def two_projects() -> RunSet:
    """team/a holds R-1 (acc 0.5), R-2 (0.9) and a trashed R-3 (0.95); team/b holds its own R-1 (0.7)."""

    def run(project: str, i: str, acc: float, trashed: bool = False) -> Run:
        attributes: dict[str, tuple[str, object]] = {
            "sys/id": ("string", i),
            "sys/name": ("string", f"{project}-{i}"),
            "sys/trashed": ("bool", trashed),
            "acc": ("float", acc),
        }
        return Run(attributes, project=project)

    return RunSet(
        [
            run("team/a", "R-1", 0.5),
            run("team/a", "R-2", 0.9),
            run("team/a", "R-3", 0.95, True),
            run("team/b", "R-1", 0.7),
        ],
        "two projects",
    )


def check_two_projects(table: data.Table) -> None:
    assert table.projects == [("team/a", 3), ("team/b", 1)]  # trashed runs counted: they are held
    every = data.page(table, "acc:float > 0.6", limit=10)
    assert (every["matched"], every["total"]) == (2, 3)
    assert every["columns"][:3] == ["sys/id", data.PROJECT_COLUMN, "sys/name"]  # several: each row says
    assert sorted(zip(every["projects"], every["ids"], strict=True)) == [("team/a", "R-2"), ("team/b", "R-1")]
    a = data.page(table, "acc:float > 0.6", limit=10, project="team/a")
    assert (a["matched"], a["total"], a["ids"]) == (1, 2, ["R-2"])
    assert data.PROJECT_COLUMN not in a["columns"]  # one project chosen: no column for it
    assert [c["count"] for c in a["counts"]] == [1]
    b = data.page(table, "acc:float > 0.6", limit=10, project="team/b")
    assert (b["matched"], b["total"], b["ids"]) == (1, 1, ["R-1"])
    assert [c["count"] for c in data.page(table, "acc:float > 0.6", limit=10)["counts"]] == [2]
    assert data.page(table, "", limit=10, project="team/a", trashed=True)["total"] == 3
    assert data.page(table, "", limit=10, project="nowhere")["matched"] == 0
    detail = data.run_detail(table, "R-1", "acc:float > 0.6", "team/b")
    assert detail is not None and detail["project"] == "team/b"
    assert {"path": "acc", "type": "float", "value": "0.7"} in detail["attributes"]
    by_project = data.page(table, "", limit=10, sort=data.PROJECT_COLUMN, descending=True)
    assert by_project["projects"] == ["team/b", "team/a", "team/a"]
    csv_text = data.to_csv(table, "acc:float > 0.6", [], None, False, "team/b")
    assert csv_text.splitlines() == ["sys/id,sys/name,acc", "R-1,team/b-R-1,0.7"]
    assert data.to_csv(table, "", [], None, False).splitlines()[0] == "sys/id,project,sys/name"


def test_the_project_picker_narrows_runs_held_in_memory() -> None:
    check_two_projects(data.Table(two_projects()))


def test_the_project_picker_narrows_a_parquet_export(tmp_path: Path) -> None:
    from tests.neptune_exporter_shapes import param, write_run

    for run in two_projects():
        rows = [param(run.project, run.id, path, held[0], held[1]) for path, held in run.attributes.items()]
        write_run(tmp_path, run.project, run.id, rows)
    export = open_runs(tmp_path)
    assert type(export).__name__ == "ParquetRunSet"  # answered by duckdb, not in memory
    check_two_projects(data.Table(export))


def test_one_project_gets_no_project_column(sample: data.Table) -> None:
    assert not sample.several
    assert data.PROJECT_COLUMN not in data.page(sample, "", limit=1)["columns"]


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


def test_series_points_are_read_from_a_parquet_exports_own_files(tmp_path: Path) -> None:
    from tests.neptune_exporter_shapes import metric, param, write_run

    held: list[tuple[str, str, list[float | None]]] = [
        ("team/a", "R-1", [0.1, None, 0.5]),
        ("team/b", "R-1", [0.9, 0.8]),
        ("team/b", "R-2", []),
    ]
    for project, run, acc in held:
        rows = [param(project, run, "sys/id", "string", run), param(project, run, "sys/name", "string", run.lower())]
        write_run(tmp_path, project, run, rows + metric(project, run, "train/acc", acc))
    table = data.Table(open_runs(tmp_path))

    def lines(runs: list[tuple[str, str | None]], project: str | None = None) -> list[tuple[Any, ...]]:
        got = data.series(table, "train/acc", runs, project)["series"]
        return [(s["project"], s["id"], s["steps"], s["values"]) for s in got]

    # Steps as the exporter writes them (0, 0.5, 1, ...); a NaN point, a null float_value, is a gap.
    a, b = ("team/a", "R-1", [0.0, 0.5, 1.0], [0.1, None, 0.5]), ("team/b", "R-1", [0.0, 0.5], [0.9, 0.8])
    # The same run id in two projects: each run named by its project, in the order asked.
    assert lines([("R-1", "team/b"), ("R-1", "team/a")]) == [b, a]
    assert lines([("R-1", None)], "team/b") == [b]  # no project given: the page's picked one
    assert lines([("R-1", None)]) == [a]  # nor one picked: the first project holding the id
    answer = data.series(table, "train/acc", [("R-2", None), ("missing", None)])
    assert answer["series"] == [
        {"id": "R-2", "project": "team/b", "name": "r-2", "steps": [], "values": [], "note": "no train/acc"}
    ]
    assert data.series(table, "no/such", [("R-1", "team/a")])["series"][0]["note"] == "no no/such"


def test_an_exports_thinned_series_are_the_ones_thinned_in_memory(tmp_path: Path) -> None:
    """The SQL over the files and :func:`thin_line` over the same points: the same points kept."""
    import random

    from nql_lsp.explore.points import thin_line
    from tests.neptune_exporter_shapes import metric, param, write_run

    rng = random.Random(15)
    held: dict[str, list[float | None]] = {}
    for n in (3, 40, 97, 250):
        values: list[float | None] = [rng.choice([None, 1.0, rng.random(), -rng.random()]) for _ in range(n)]
        held[f"R-{n}"] = values
        write_run(
            tmp_path,
            "team/a",
            f"R-{n}",
            [param("team/a", f"R-{n}", "sys/id", "string", f"R-{n}"), *metric("team/a", f"R-{n}", "loss", values)],
        )
    export = open_runs(tmp_path)
    assert isinstance(export, ParquetRunSet)
    runs = [run for run in export.runs]
    for width in (1, 2, 7, 30, 100):
        got = export.series_lines(runs, "loss", width)[0]
        for run, values in held.items():
            steps = [i * 0.5 for i in range(len(values))]
            line = got[f"team/a\x1f{run}"]
            assert line == thin_line(steps, values, width), (run, width)
            assert len(line[0]) == len(values) if len(values) <= 4 * width else len(line[0]) <= 4 * width


def test_the_last_chart_is_answered_again_without_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.neptune_exporter_shapes import metric, param, write_run

    for run in ("R-1", "R-2"):
        write_run(
            tmp_path,
            "team/a",
            run,
            [param("team/a", run, "sys/id", "string", run), *metric("team/a", run, "loss", [1.0, 2.0])],
        )
    table = data.Table(open_runs(tmp_path))
    reads: list[int] = []
    real = ParquetRunSet.series_lines

    def spy(source: ParquetRunSet, runs: Any, path: str, width: int) -> Any:
        reads.append(len(runs))
        return real(source, runs, path, width)

    monkeypatch.setattr(ParquetRunSet, "series_lines", spy)
    first = data.series(table, "loss", [("R-1", None), ("R-2", None)])
    assert data.series(table, "loss", [("R-1", "team/a"), ("R-2", None)]) == first and reads == [2]
    data.series(table, "loss", [("R-2", None)])  # other runs: read
    data.series(table, "loss", [("R-2", None)], width=500)  # another width: read
    assert reads == [2, 1, 1]


def test_requests_at_once_share_a_parquet_export_without_refusals(tmp_path: Path) -> None:
    """The page asks for a table while an earlier one (or a scrolled page, or a chart) is being answered;
    duckdb refuses a second call on a busy connection, so the answers take turns."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.neptune_exporter_shapes import param, write_run

    for run in two_projects():
        rows = [param(run.project, run.id, path, held[0], held[1]) for path, held in run.attributes.items()]
        write_run(tmp_path, run.project, run.id, rows)
    for _ in range(3):
        table = data.Table(open_runs(tmp_path))
        queries = [f"acc:float > 0.{k}" for k in range(1, 10)]
        with ThreadPoolExecutor(max_workers=6) as pool:
            pages = list(pool.map(lambda q, t=table: data.page(t, q, limit=10, sort="acc"), queries))
            csvs = list(pool.map(lambda q, t=table: data.to_csv(t, q, [], None, False), queries))
        # By hand: acc 0.5, 0.9, 0.7 (and the trashed 0.95, left out).
        assert [p["matched"] for p in pages] == [3, 3, 3, 3, 2, 2, 1, 1, 0]
        assert [len(c.splitlines()) - 1 for c in csvs] == [3, 3, 3, 3, 2, 2, 1, 1, 0]
