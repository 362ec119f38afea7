"""Exports as neptune-exporter writes them (tests/neptune_exporter_shapes.py): every shape loads, and both
evaluators give the hand-checked runs."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.language.catalog import SERIES_TYPE
from nql_lsp.runs import FloatSeries, Run, RunsError, RunSet, RunsSource, open_runs
from nql_lsp.runs.parquet import ParquetRunSet

from .neptune_exporter_shapes import T0, Q, histogram, metric, neptune2_run, neptune3_batch, param, row, write_run

P2 = "acme/legacy"
P3 = "acme/new"


def _open(root: Path) -> ParquetRunSet:
    found = open_runs(root)
    assert isinstance(found, ParquetRunSet)
    return found


def _both(runs: ParquetRunSet, query: str) -> list[tuple[str, str]]:
    """The matches as (project, id), checked to be the same from duckdb and from the runs in memory."""
    pushed = [(r.project, r.id) for r in preview(query, runs).matches]
    memory = [(r.project, r.id) for r in preview(query, runs.in_memory()).matches]
    assert pushed == memory, query
    return pushed


@pytest.fixture(scope="module")
def neptune2(tmp_path_factory: pytest.TempPathFactory) -> ParquetRunSet:
    root = tmp_path_factory.mktemp("n2")
    write_run(root, P2, "LEG-1", neptune2_run(P2, "LEG-1", "first", [0.5, 0.7, 0.9]), parts=3)
    write_run(root, P2, "LEG-2", neptune2_run(P2, "LEG-2", "second", [0.2, None]))
    return _open(root)


def test_a_neptune2_export_loads_every_attribute_type(neptune2: ParquetRunSet) -> None:
    assert neptune2.warnings == []
    assert len(neptune2) == 2
    run = neptune2.by_id("LEG-1")
    assert run is not None and run.project == P2
    assert run.get("datasets/train") == ("artifact", f"{P2}/LEG-1/datasets/train/files_list.json")
    assert run.get("model/weights") == ("fileRef", f"{P2}/LEG-1/model/weights")
    assert run.get("sys/tags") == ("stringSet", frozenset())
    stdout = run.value("monitoring/stdout", "stringSeries")
    assert stdout is not None and stdout[-1] == "done"
    acc = run.value("train/acc", "floatSeries")
    assert acc is not None and acc.count == 3 and acc.last == 0.9  # three parts, read whole
    assert run.get("source_code/files") is None and run.get("images/preds") is None  # not queryable


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("`datasets/train`:artifact EXISTS", ["LEG-1", "LEG-2"]),
        ("`model/weights`:fileRef EXISTS", ["LEG-1", "LEG-2"]),
        ("`sys/tags`:stringSet EXISTS", ["LEG-1", "LEG-2"]),
        ('`sys/tags`:stringSet CONTAINS "x"', []),
        ("last(`train/acc`:floatSeries) > 0.8", ["LEG-1"]),
        ("max(`train/acc`:floatSeries) < 0.5", ["LEG-2"]),  # the NaN point is no value
        ("`parameters/epochs`:int = 10 AND `sys/failed`:bool = false", ["LEG-1", "LEG-2"]),
        ('`monitoring/stdout`:stringSeries = "done"', ["LEG-1", "LEG-2"]),
        ('`sys/creation_time`:datetime = "2025-03-01T12:00:00Z"', ["LEG-1", "LEG-2"]),
    ],
)
def test_neptune2_queries(neptune2: ParquetRunSet, query: str, expected: list[str]) -> None:
    assert [i for _, i in _both(neptune2, query)] == expected


@pytest.fixture(scope="module")
def neptune3(tmp_path_factory: pytest.TempPathFactory) -> ParquetRunSet:
    root = tmp_path_factory.mktemp("n3")
    params = neptune3_batch(
        P3,
        {
            "run-a": {
                "sys/custom_run_id": ("string", "run-a"),
                "sys/archived": ("bool", False),
                "lr": ("float", 0.1),
                "sys/forking/parent": ("string", "run-b"),
                "sys/forking/step": ("float", 5.0),
            },
            "run-b": {"sys/custom_run_id": ("string", "run-b"), "sys/archived": ("bool", True)},
            "run-c": {"sys/custom_run_id": ("string", "run-c"), "sys/archived": ("bool", False)},
        },
    )
    points = {
        "run-a": metric(P3, "run-a", "loss", [0.4, 0.3], first=6),  # a fork holds only its own points
        "run-b": metric(P3, "run-b", "loss", [1.0, None, 0.8]),
        "run-c": [],
    }
    for run in ("run-a", "run-b", "run-c"):
        write_run(root, P3, run, params[run] + points[run] + [histogram(P3, run, "h")])
    return _open(root)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("lr:float EXISTS", ["run-a"]),  # runs b and c hold the row, with a null value: they lack it
        ("lr:float NOT EXISTS", ["run-b", "run-c"]),
        ("NOT lr:float > 0", ["run-b", "run-c"]),
        ("`sys/forking/parent`:string EXISTS", ["run-a"]),
        ("`sys/archived`:bool = true", ["run-b"]),
        ("loss:floatSeries EXISTS", ["run-a", "run-b"]),
        ("min(loss:floatSeries) < 0.5", ["run-a"]),
        ("average(loss:floatSeries) > 0.85", ["run-b"]),  # the NaN point is no value, not a 0
    ],
)
def test_neptune3_queries(neptune3: ParquetRunSet, query: str, expected: list[str]) -> None:
    assert [i for _, i in _both(neptune3, query)] == expected


def test_null_rows_are_not_counted_by_the_learned_schema(neptune3: ParquetRunSet) -> None:
    info = schema_of(neptune3).field("lr")
    assert info is not None and info.stats["float"].runs == 1
    assert neptune3.warnings == []


def test_an_average_is_the_mean_of_the_points_and_a_constant_does_not_vary(tmp_path: Path) -> None:
    """A learning rate logged at every step is a constant series: its average is its value, though n
    copies of it summed as they come are not n times it (ten 0.1s make 0.9999999999999999)."""
    rates: dict[str, list[float]] = {
        "A-1": [0.001] * 1000,
        "A-2": [0.1] * 10,
        "A-3": [0.3] * 3,
        "A-4": [0.1, 0.2, 0.3, 0.4],
        "A-5": [0.1] * 3,  # even summed exactly, these make 0.30000000000000004, a third of which is not 0.1
    }
    for run, values in rates.items():
        write_run(tmp_path, P2, run, [param(P2, run, "sys/id", "string", run), *metric(P2, run, "train/lr", [*values])])
    runs = _open(tmp_path)
    # By hand: the four doubles of A-4 sum to 1.00000000000000002776, which rounds to 1.0: its mean is 0.25.
    expected = {
        "average(`train/lr`:floatSeries) = 0.1": ["A-2", "A-5"],
        "average(`train/lr`:floatSeries) >= 0.1": ["A-2", "A-3", "A-4", "A-5"],
        "average(`train/lr`:floatSeries) = 0.001": ["A-1"],
        "average(`train/lr`:floatSeries) = 0.3": ["A-3"],
        "average(`train/lr`:floatSeries) = 0.25": ["A-4"],
        "average(`train/lr`:floatSeries) < 0.1": ["A-1"],
        # A constant series does not vary, however its points sum.
        "variance(`train/lr`:floatSeries) = 0": ["A-1", "A-2", "A-3", "A-5"],
        "variance(`train/lr`:floatSeries) > 0": ["A-4"],
    }
    in_memory = RunSet(
        [Run({"train/lr": (SERIES_TYPE, FloatSeries.of(v))}, fallback_id=r, project=P2) for r, v in rates.items()],
        "the same points, held in memory",
    )
    for query, ids in expected.items():
        assert [run for _, run in _both(runs, query)] == ids, query
        assert [r.id for r in preview(query, in_memory).matches] == ids, query  # from the points themselves


def test_ints_past_two_to_the_53_compare_exactly(tmp_path: Path) -> None:
    """Neptune 3 keeps int64 parameters exact (a 64-bit seed, a time_ns() stamp); as doubles, 2**53 + 1 and
    2**53 are one value."""
    seeds = {"B-1": (2**53 + 1, 1735786800000000001), "B-2": (2**53, 1735786800000000000)}
    for run, (seed, start) in seeds.items():
        rows = [param(P3, run, "sys/id", "string", run), param(P3, run, "seed", "int", seed)]
        write_run(tmp_path, P3, run, [*rows, param(P3, run, "start_ns", "int", start)])
    runs = _open(tmp_path)
    expected = {
        "seed:int = 9007199254740993": ["B-1"],
        "seed:int = 9007199254740992": ["B-2"],
        "seed:int != 9007199254740993": ["B-2"],
        "seed:int > 9007199254740992": ["B-1"],
        "seed:int >= 9007199254740992": ["B-1", "B-2"],
        "seed:int < 9007199254740993": ["B-2"],
        "start_ns:int > 1735786800000000000": ["B-1"],
        "start_ns:int <= 1735786800000000000": ["B-2"],
        "seed:int > 5 AND NOT seed:int = 9007199254740992": ["B-1"],
    }
    in_memory = RunSet(
        [
            Run({"seed": ("int", seed), "start_ns": ("int", start)}, fallback_id=run, project=P3)
            for run, (seed, start) in seeds.items()
        ],
        "the same values, held in memory",
    )
    for query, ids in expected.items():
        assert [run for _, run in _both(runs, query)] == ids, query
        assert [r.id for r in preview(query, in_memory).matches] == ids, query
    assert runs.by_id("B-1").get("seed") == ("int", 2**53 + 1)  # type: ignore[union-attr]


def test_runs_of_two_projects_never_merge(tmp_path: Path) -> None:
    for project, lr in (("team/one", 0.1), ("team/two", 0.2)):
        write_run(
            tmp_path,
            project,
            "RUN-1",
            [param(project, "RUN-1", "sys/id", "string", "RUN-1"), param(project, "RUN-1", "lr", "float", lr)],
        )
    runs = _open(tmp_path)
    assert len(runs) == 2 and runs.projects == ["team/one", "team/two"]
    assert _both(runs, "lr:float EXISTS") == [("team/one", "RUN-1"), ("team/two", "RUN-1")]
    assert _both(runs, "lr:float > 0.15") == [("team/two", "RUN-1")]
    assert sorted((r.project, r.value("lr", "float")) for r in runs) == [("team/one", 0.1), ("team/two", 0.2)]


def test_only_complete_runs_are_read(tmp_path: Path) -> None:
    write_run(tmp_path, P2, "DONE-1", [param(P2, "DONE-1", "a", "int", 1)], parts=2)
    write_run(tmp_path, P2, "HALF-1", [param(P2, "HALF-1", "a", "int", 2)] * 2, parts=2, finished=False)
    write_run(tmp_path, P2, "HALF-2", [param(P2, "HALF-2", "a", "int", 3)], finished=False)
    runs = _open(tmp_path)
    assert [r.id for r in runs] == ["DONE-1"]
    assert len(runs.warnings) == 1
    assert runs.warnings[0].startswith("2 incomplete runs left out (no _part_0.parquet")
    only_tmp = tmp_path / "tmp-only"
    write_run(only_tmp, P2, "HALF-3", [param(P2, "HALF-3", "a", "int", 3)], finished=False)
    with pytest.raises(RunsError, match=r"every run is incomplete \(1 run without its _part_0\.parquet\)"):
        open_runs(only_tmp)
    write_run(only_tmp, P2, "HALF-4", [param(P2, "HALF-4", "a", "int", 3)], finished=False)
    with pytest.raises(RunsError, match=r"every run is incomplete \(2 runs without their _part_0\.parquet\)"):
        open_runs(only_tmp)


def test_a_corrupt_part_leaves_its_run_out(tmp_path: Path) -> None:
    write_run(tmp_path, P2, "OK-1", [param(P2, "OK-1", "a", "int", 1)])
    [bad] = write_run(tmp_path, P2, "BAD-1", [param(P2, "BAD-1", "a", "int", 2)])
    bad.write_bytes(bad.read_bytes()[:40])  # cut short, as a full disk leaves it
    runs = _open(tmp_path)
    assert [r.id for r in runs] == ["OK-1"]
    assert len(runs.warnings) == 1 and runs.warnings[0].startswith(f"{bad}: cannot be read, its run is left out")


def test_unknown_types_are_skipped_with_one_warning(tmp_path: Path) -> None:
    write_run(
        tmp_path,
        P3,
        "r",
        [
            param(P3, "r", "a", "int", 1),
            row(P3, "r", "x", "new_kind", string_value="?"),
            row(P3, "r", "y", "new_kind", string_value="?"),
            row(P3, "r", "z", "other_kind", timestamp=T0),
        ],
    )
    runs = _open(tmp_path)
    assert runs.warnings == [
        "attribute types this version does not read were left out: 'new_kind' (2 rows), 'other_kind' (1 row)"
    ]
    assert _both(runs, "a:int = 1") == [(P3, "r")]


def test_a_run_holding_only_types_not_read_is_still_a_run(tmp_path: Path) -> None:
    """`--export-classes files` or `series` can leave a finished run with only file sets, file series or
    histograms (neptune2's _convert_files_to_schema, neptune3's _convert_series_to_schema): it is a run, and
    an empty query, or NOT of a clause on what it lacks, matches it."""
    write_run(tmp_path, P2, "F-1", [row(P2, "F-1", "source_code/files", "file_set", file_value={"path": "f/1"})])
    images = row(P2, "F-2", "images/preds", "file_series", step=Decimal(0).quantize(Q), file_value={"path": "0.png"})
    write_run(tmp_path, P2, "F-2", [images])
    write_run(tmp_path, P2, "F-3", [row(P2, "F-3", "model/weights", "file", file_value={"path": "f/3"})])
    write_run(tmp_path, P3, "H-1", [histogram(P3, "H-1", "dist")])
    runs = _open(tmp_path)
    assert len(runs) == 4 and runs.count() == 4
    everyone = [(P2, "F-1"), (P2, "F-2"), (P2, "F-3"), (P3, "H-1")]
    assert _both(runs, "") == everyone
    assert _both(runs, "NOT `model/weights`:fileRef EXISTS") == [(P2, "F-1"), (P2, "F-2"), (P3, "H-1")]
    assert _both(runs, "`model/weights`:fileRef EXISTS") == [(P2, "F-3")]
    assert runs.warnings == []  # exporter types this version knows it does not read: no warning


VALUES = st.one_of(st.none(), st.integers(-2, 2))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(VALUES, VALUES, st.lists(st.one_of(st.none(), st.floats(-2, 2)), max_size=3)), min_size=1, max_size=4
    ),
    st.sampled_from(
        [
            "a:int EXISTS",
            "a:int NOT EXISTS",
            "NOT a:int = 0",
            "a:int != 1",
            "a:int > 0 OR b:float <= 0",
            "b:float NOT EXISTS AND a:int EXISTS",
            "NOT (b:float > 0)",
            "m:floatSeries EXISTS",
            "last(m:floatSeries) > 0",
            "NOT min(m:floatSeries) < 0",
            "average(m:floatSeries) >= 0",
        ]
    ),
)
def test_generated_exports_with_nulls_agree(
    tmp_path_factory: pytest.TempPathFactory, runs: list[tuple[int | None, int | None, list[float | None]]], query: str
) -> None:
    root = tmp_path_factory.mktemp("gen")
    held = {
        f"r{i}": {"a": ("int", a), "b": ("float", None if b is None else float(b))} for i, (a, b, _) in enumerate(runs)
    }
    rows = neptune3_batch(
        P3, {r: {p: v for p, v in h.items() if v[1] is not None} or {"a": ("int", None)} for r, h in held.items()}
    )
    for i, (_, _, points) in enumerate(runs):
        run = f"r{i}"
        write_run(
            root, P3, run, [*rows.get(run, []), param(P3, run, "sys/id", "string", run), *metric(P3, run, "m", points)]
        )
    export = _open(root)
    expected = _both(export, query)
    # and by hand, for EXISTS: a null is not held
    if query == "a:int EXISTS":
        assert [i for _, i in expected] == [f"r{i}" for i, (a, _, _) in enumerate(runs) if a is not None]
    if query == "m:floatSeries EXISTS":
        assert [i for _, i in expected] == [f"r{i}" for i, (_, _, p) in enumerate(runs) if p]


def _warnings(text: str, runs: RunsSource) -> list[str]:
    from nql_lsp.analysis.analyze import analyze

    return [d.message for d in analyze(text, schema_of(runs)).diagnostics if d.code == "NQL110"]


def test_what_an_export_cannot_answer_is_said(neptune2: ParquetRunSet) -> None:
    [state] = _warnings("`sys/state`:experimentState = running", neptune2)
    assert "does not export `sys/state`" in state and "`sys/failed`" in state
    [artifact] = _warnings('`datasets/train`:artifact = "9a3f"', neptune2)
    assert "not its hash" in artifact
    assert _warnings("`datasets/train`:artifact EXISTS", neptune2) == []
    assert _warnings("`sys/failed`:bool = false", neptune2) == []
    # runs read from JSON hold real states and hashes: no such note
    assert (
        _warnings('`sys/state`:experimentState = running AND `datasets/train`:artifact = "9a3f"', neptune2.in_memory())
        == []
    )


def test_the_preview_shows_the_project_when_there_are_several(tmp_path: Path) -> None:
    import io

    from nql_lsp.cli.preview import run_preview

    for project in ("team/one", "team/two"):
        write_run(tmp_path, project, "RUN-1", [param(project, "RUN-1", "sys/id", "string", "RUN-1")])
    out = io.StringIO()
    run_preview("`sys/id`:string EXISTS", str(tmp_path), out=out, output_format="csv")
    assert out.getvalue().splitlines() == ["project,sys/id,sys/name", "team/one,RUN-1,", "team/two,RUN-1,"]
    one = tmp_path / "one"
    write_run(one, "team/one", "RUN-1", [param("team/one", "RUN-1", "sys/id", "string", "RUN-1")])
    out = io.StringIO()
    run_preview("`sys/id`:string EXISTS", str(one), out=out, output_format="csv")
    assert out.getvalue().splitlines()[0] == "sys/id,sys/name"


def _model(project: str, entity: str, **extra: tuple[str, object]) -> list[dict[str, object]]:
    """A model registry entity's parameters as export-models writes them (its id in ``run_id``)."""
    rows = [param(project, entity, "sys/id", "string", entity), param(project, entity, "sys/trashed", "bool", False)]
    return rows + [param(project, entity, path, type_, value) for path, (type_, value) in extra.items()]


def test_model_registry_entities_beside_runs_are_not_runs(tmp_path: Path) -> None:
    # export-models given the runs' data path: models and versions one folder down in the project folder.
    write_run(tmp_path, P2, "LEG-1", neptune2_run(P2, "LEG-1", "first", [0.5]))
    write_run(tmp_path, P2, "LEG-MOD", _model(P2, "LEG-MOD"), entity_scope="models")
    for n in (1, 2):
        version = f"LEG-MOD-{n}"
        rows = _model(P2, version, **{"sys/model_id": ("string", "LEG-MOD"), "sys/stage": ("string", "staging")})
        write_run(tmp_path, P2, version, rows, entity_scope="model_versions")
    write_run(tmp_path, P2, "LEG-MOD-3", _model(P2, "LEG-MOD-3"), entity_scope="model_versions", finished=False)
    runs = _open(tmp_path)
    assert [r.id for r in runs] == ["LEG-1"]
    assert _both(runs, '`sys/id`:string MATCHES "LEG"') == [(P2, "LEG-1")]
    assert _both(runs, "`sys/stage`:string EXISTS") == []
    # Two complete versions: the unfinished third is neither a run nor counted.
    assert runs.warnings == [
        "1 model and 2 model versions left out: model registry entities written by export-models are not runs "
        "(fetch_runs_table never listed them)"
    ]


def test_a_folder_of_model_registry_entities_only_is_refused_by_name(tmp_path: Path) -> None:
    write_run(tmp_path, P2, "LEG-MOD", _model(P2, "LEG-MOD"), entity_scope="models")
    with pytest.raises(RunsError, match=r"holds no runs; 1 model left out: model registry entities"):
        open_runs(tmp_path)


def test_a_folder_named_models_that_is_no_project_folder_holds_runs(tmp_path: Path) -> None:
    # A hand-made export: project folders without the exporter's digest are not the registry's parents.
    (tmp_path / "models").mkdir()
    write_run(tmp_path / "models", P2, "HAND-1", [param(P2, "HAND-1", "sys/id", "string", "HAND-1")])
    assert [r.id for r in _open(tmp_path)] == ["HAND-1"]
