"""Narrowing a runs source to some of its projects (``open_runs(path, projects=...)``): an export of two
projects that share run ids, seen through filtered views, agrees with the same runs held in memory."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import clause_counts, preview
from nql_lsp.runs import RunsError, RunSet, open_runs
from nql_lsp.runs.cache import CACHE_ENV
from nql_lsp.runs.narrowed import projects_of
from nql_lsp.runs.parquet import ParquetRunSet

from .neptune_exporter_shapes import metric, param, write_run

ONE = "team/one"
TWO = "lab/two"


def _write_two_projects(root: Path) -> Path:
    """team/one: RUN-1 (lr 0.1, acc up to 0.9), RUN-2 (lr 0.3, trashed); lab/two: RUN-1 (lr 0.2, acc up to 0.5,
    a `only/two` field), RUN-3 (no lr)."""
    runs = {
        (ONE, "RUN-1"): [param(ONE, "RUN-1", "lr", "float", 0.1), *metric(ONE, "RUN-1", "acc", [0.1, 0.9])],
        (ONE, "RUN-2"): [param(ONE, "RUN-2", "lr", "float", 0.3), param(ONE, "RUN-2", "sys/trashed", "bool", True)],
        (TWO, "RUN-1"): [
            param(TWO, "RUN-1", "lr", "float", 0.2),
            param(TWO, "RUN-1", "only/two", "string", "x"),
            *metric(TWO, "RUN-1", "acc", [0.5, 0.2]),
        ],
        (TWO, "RUN-3"): [param(TWO, "RUN-3", "sys/name", "string", "three")],
    }
    for (project, run), rows in runs.items():
        write_run(root, project, run, [param(project, run, "sys/id", "string", run), *rows])
    return root


@pytest.fixture
def export(tmp_path: Path) -> Path:
    return _write_two_projects(tmp_path / "data")


def _parquet(path: Path, projects: list[str]) -> ParquetRunSet:
    runs = open_runs(path, projects=projects)
    assert isinstance(runs, ParquetRunSet)
    return runs


QUERIES = {
    "lr:float EXISTS": ["RUN-1", "RUN-2"],
    "lr:float NOT EXISTS": [],
    "lr:float > 0.15": ["RUN-2"],
    "NOT lr:float > 0.15": ["RUN-1"],
    "last(acc:floatSeries) > 0.5": ["RUN-1"],
    "`only/two`:string EXISTS": [],
    "`only/two`:string NOT EXISTS": ["RUN-1", "RUN-2"],
    '`sys/id`:string = "RUN-1" OR `sys/name`:string = "three"': ["RUN-1"],
}


@pytest.mark.parametrize("query", QUERIES)
def test_pushdown_and_memory_agree_on_a_narrowed_export(export: Path, query: str) -> None:
    runs = _parquet(export, [ONE])
    pushed = [(r.project, r.id) for r in preview(query, runs, include_trashed=True).matches]
    memory = [(r.project, r.id) for r in preview(query, runs.in_memory(), include_trashed=True).matches]
    assert pushed == memory == [(ONE, i) for i in QUERIES[query]]


def test_a_narrowed_export_counts_and_finds_only_its_projects(export: Path) -> None:
    whole = _parquet(export, [])
    assert len(whole) == 4 and whole.projects == [TWO, ONE]
    runs = _parquet(export, [ONE])
    assert len(runs) == 2 and runs.projects == [ONE]
    assert runs.count() == 1 and runs.count(include_trashed=True) == 2  # RUN-2 is trashed
    assert [(r.project, r.id) for r in runs] == [(ONE, "RUN-1"), (ONE, "RUN-2")]
    found = runs.by_id("RUN-1")
    assert found is not None and found.project == ONE and found.value("lr", "float") == 0.1
    assert runs.by_id("RUN-3") is None  # lab/two's
    result = preview("lr:float EXISTS", runs)
    assert (len(result.matches), result.total) == (1, 1)
    assert clause_counts("lr:float > 0 AND lr:float < 0.2", runs)[0][2] == 1
    assert runs.label.endswith(", project team/one")


def test_the_schema_of_a_narrowed_export_counts_only_its_runs(export: Path) -> None:
    schema = schema_of(_parquet(export, [TWO]))
    lr = schema.field("lr")
    assert lr is not None and lr.stats["float"].runs == 1 and lr.stats["float"].minimum == 0.2
    acc = schema.field("acc")
    assert acc is not None and acc.stats["floatSeries"].runs == 1 and acc.stats["floatSeries"].maximum == 0.5
    assert schema.field("only/two") is not None
    one = schema_of(_parquet(export, [ONE]))
    assert one.field("only/two") is None
    lr_one = one.field("lr")
    assert lr_one is not None and lr_one.stats["float"].runs == 2 and lr_one.stats["float"].maximum == 0.3


def _acc_shape(runs: ParquetRunSet) -> list[float]:
    acc = schema_of(runs).field("acc")
    assert acc is not None
    shape = acc.stats["floatSeries"].shape
    assert shape is not None
    return shape


def test_the_series_shape_of_a_narrowed_export_is_sampled_from_its_runs_only(export: Path) -> None:
    # acc rises 0.1 -> 0.9 in team/one's RUN-1 and falls 0.5 -> 0.2 in lab/two's RUN-1, the same run id:
    # each narrowing's shape (what hover shows) is its own run's series, not the mean of both.
    one, two, whole = (_acc_shape(_parquet(export, projects)) for projects in ([ONE], [TWO], []))
    assert [one[0], one[-1]] == pytest.approx([0.1, 0.9])
    assert [two[0], two[-1]] == pytest.approx([0.5, 0.2])
    assert [whole[0], whole[-1]] == pytest.approx([0.3, 0.55])


def test_a_bare_project_name_matches_when_one_workspace_holds_it(export: Path) -> None:
    assert _parquet(export, ["one"]).projects == [ONE]
    assert _parquet(export, ["two", ONE]).projects == [TWO, ONE]
    assert len(_parquet(export, [ONE, TWO])) == 4


def test_a_project_the_export_does_not_hold_is_refused_with_those_it_holds(export: Path) -> None:
    with pytest.raises(RunsError, match=r"no project 'three'; it holds lab/two, team/one"):
        open_runs(export, projects=["three"])
    with pytest.raises(RunsError, match=r"no project 'other/one'"):
        open_runs(export, projects=["other/one"])  # a full name matches only in full


def test_a_bare_name_two_workspaces_hold_is_refused(tmp_path: Path) -> None:
    for project in ("acme/cls", "beta/cls"):
        write_run(tmp_path, project, "R-1", [param(project, "R-1", "sys/id", "string", "R-1")])
    with pytest.raises(RunsError, match=r"project 'cls' is held by several workspaces: acme/cls, beta/cls"):
        open_runs(tmp_path, projects=["cls"])
    assert _parquet(tmp_path, ["beta/cls"]).projects == ["beta/cls"]


def test_narrowing_neither_recomputes_nor_rewrites_the_cached_summary(export: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    os.environ[CACHE_ENV] = str(cache)
    try:
        first = _parquet(export, [])
        assert not first.from_cache
        files = sorted(p for p in cache.rglob("*") if p.is_file())
        assert files
        before = {p: (p.stat().st_size, p.read_bytes()) for p in files}
        narrowed = _parquet(export, [ONE])
        assert narrowed.from_cache and len(narrowed) == 2
        narrowed_again = _parquet(export, [TWO])
        assert narrowed_again.from_cache and len(narrowed_again) == 2
        assert sorted(p for p in cache.rglob("*") if p.is_file()) == files
        assert {p: (p.stat().st_size, p.read_bytes()) for p in files} == before
    finally:
        os.environ.pop(CACHE_ENV)


def test_two_narrowings_of_one_export_stay_apart(export: Path) -> None:
    from nql_lsp.runs.narrowed import narrow

    whole = _parquet(export, [])
    one, two = narrow(whole, [ONE]), narrow(whole, [TWO])
    assert [r.project for r in one] == [ONE, ONE] and [r.project for r in two] == [TWO, TWO]
    assert len(whole) == 4 and len(preview("lr:float EXISTS", whole, include_trashed=True).matches) == 3


def test_json_runs_name_their_project_and_are_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "runs.json"
    runs = [
        {"sys/id": "R-1", "sys/project": ONE, "lr": 0.1},
        {"sys/id": "R-1", "sys/project": TWO, "lr": 0.2},
        {"sys/id": "R-2", "sys/project": ONE},
    ]
    path.write_text(json.dumps(runs))
    narrowed = open_runs(path, projects=["one"])
    assert isinstance(narrowed, RunSet)
    assert [(r.project, r.id) for r in narrowed] == [(ONE, "R-1"), (ONE, "R-2")]
    assert [r.id for r in preview("lr:float EXISTS", narrowed).matches] == ["R-1"]
    with pytest.raises(RunsError, match=r"no project 'x'; it holds lab/two, team/one"):
        open_runs(path, projects=["x"])


def test_runs_that_name_no_project_cannot_be_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    path.write_text('{"sys/id": "R-1"}\n')
    with pytest.raises(RunsError, match=r"holds no named projects"):
        open_runs(path, projects=["team/one"])
    assert len(open_runs(path, projects=[])) == 1


NARROW_QUERIES = [
    "a:int EXISTS",
    "a:int NOT EXISTS",
    "a:int > 0",
    "NOT a:int = 0",
    "a:int > 0 OR m:floatSeries EXISTS",
    "last(m:floatSeries) > 0 AND a:int <= 1",
]
_CELL = st.one_of(st.none(), st.integers(-2, 2))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.booleans(), st.integers(0, 2), _CELL, st.lists(st.floats(-2, 2), max_size=2)),
        min_size=1,
        max_size=6,
    ),
    st.sampled_from(NARROW_QUERIES),
    st.sampled_from([ONE, TWO]),
)
def test_generated_two_project_exports_narrowed_agree(
    tmp_path_factory: pytest.TempPathFactory,
    runs: list[tuple[bool, int, int | None, list[float]]],
    query: str,
    chosen: str,
) -> None:
    """Runs of two projects drawn from three shared ids: narrowed, the pushdown, the runs in memory and a
    count by hand over the chosen project's runs all agree."""
    root = tmp_path_factory.mktemp("narrow")
    held: dict[tuple[str, str], tuple[int | None, list[float]]] = {}
    for first, n, a, points in runs:
        project, run = (ONE if first else TWO), f"RUN-{n}"
        held[(project, run)] = (a, points)
    for (project, run), (a, points) in held.items():
        rows = [param(project, run, "sys/id", "string", run), param(project, run, "a", "int", a)]
        write_run(root, project, run, [*rows, *metric(project, run, "m", list(points))])
    whole = open_runs(root)
    if chosen not in projects_of(whole):
        with pytest.raises(RunsError, match="no project"):
            open_runs(root, projects=[chosen])
        return
    narrowed = _parquet(root, [chosen])
    pushed = [(r.project, r.id) for r in preview(query, narrowed).matches]
    memory = [(r.project, r.id) for r in preview(query, narrowed.in_memory()).matches]
    assert pushed == memory, query
    assert {p for p, _ in pushed} <= {chosen}
    assert len(narrowed) == sum(1 for p, _ in held if p == chosen)
    if query == "a:int EXISTS":  # by hand: a null value is no value
        assert [i for _, i in pushed] == sorted(r for (p, r), (a, _) in held.items() if p == chosen and a is not None)
    if query == "a:int > 0 OR m:floatSeries EXISTS":
        assert [i for _, i in pushed] == sorted(
            r for (p, r), (a, m) in held.items() if p == chosen and ((a is not None and a > 0) or m)
        )
