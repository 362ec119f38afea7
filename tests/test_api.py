"""The Python API: fetch_runs_table and fetch_series as neptune-client 1.x answered them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no stubs in the test extras
import pytest

import nql_lsp.api
from nql_lsp.api import NQLError, Project

ROOT = Path(__file__).resolve().parent.parent

RUNS: list[dict[str, Any]] = [
    {
        "sys/id": "A-1",
        "sys/creation_time": "2024-01-01T02:00:00+02:00",  # midnight UTC
        "sys/tags": ["x", "b"],
        "sys/state": "idle",
        "parameters": {"lr": 0.1, "optimizer": "adam"},
        "train/loss": [3.0, 2.0, 1.0],
        "model/weights": {"type": "fileRef", "value": "models/a1.pt"},
    },
    {
        "sys/id": "A-2",
        "sys/creation_time": "2024-01-03T00:00:00Z",
        "sys/tags": [],
        "sys/trashed": True,
        "parameters": {"lr": 0.01},
        "train/loss": [4.0, 0.5],
    },
    {
        "sys/id": "A-3",
        "sys/creation_time": "2024-01-02T00:00:00Z",
        "sys/state": "running",
        "monitoring/cpu": 50.5,
    },
]


@pytest.fixture
def project(tmp_path: Path) -> Project:
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(RUNS), encoding="utf-8")
    return nql_lsp.api.open(path)


def ids(table: Any) -> list[str]:
    return [row["sys/id"] for row in table]


def test_defaults_leave_trashed_out_and_put_the_newest_first(project: Project) -> None:
    table = project.fetch_runs_table()
    assert ids(table) == ["A-3", "A-1"]
    assert table.total == 2


def test_trashed_true_is_only_trashed_runs_and_none_is_all(project: Project) -> None:
    assert ids(project.fetch_runs_table(trashed=True)) == ["A-2"]
    assert ids(project.fetch_runs_table(trashed=None)) == ["A-2", "A-3", "A-1"]


def test_sort_direction_limit_and_query(project: Project) -> None:
    assert ids(project.fetch_runs_table(ascending=True)) == ["A-1", "A-3"]
    assert ids(project.fetch_runs_table(limit=1)) == ["A-3"]
    assert ids(project.fetch_runs_table(query="`parameters/lr`:float > 0.05")) == ["A-1"]
    assert ids(project.fetch_runs_table(query="")) == ["A-3", "A-1"]


def test_sort_by_another_field_puts_runs_without_it_last(project: Project) -> None:
    assert ids(project.fetch_runs_table(sort_by="parameters/lr", trashed=None)) == ["A-1", "A-2", "A-3"]
    assert ids(project.fetch_runs_table(sort_by="parameters/lr", trashed=None, ascending=True)) == [
        "A-2",
        "A-1",
        "A-3",
    ]


def test_values_appear_as_the_client_showed_them(project: Project) -> None:
    a1 = project.fetch_runs_table(query='`sys/id` = "A-1"').rows[0]
    assert a1["sys/tags"] == "b,x"
    assert a1["sys/state"] == "Inactive"
    assert a1["sys/creation_time"] == datetime(2024, 1, 1, 0, 0)  # naive, in UTC
    assert a1["train/loss"] == 1.0  # a series shows its last value
    assert a1["parameters/optimizer"] == "adam"
    assert "model/weights" not in a1  # a file has no value in the table
    a3 = project.fetch_runs_table(query='`sys/id` = "A-3"').rows[0]
    assert a3["sys/state"] == "Active"


def test_to_pandas_orders_columns_sys_first_monitoring_last(project: Project) -> None:
    df = project.fetch_runs_table().to_pandas()
    assert list(df.columns) == [
        "sys/creation_time",
        "sys/id",
        "sys/state",
        "sys/tags",
        "parameters/lr",
        "parameters/optimizer",
        "train/loss",
        "monitoring/cpu",
    ]
    assert list(df.index) == [0, 1]
    assert list(df["sys/id"]) == ["A-3", "A-1"]
    assert pd.isna(df.loc[0, "parameters/lr"])
    assert df.loc[1, "parameters/lr"] == 0.1
    assert df.loc[0, "monitoring/cpu"] == 50.5
    assert df.loc[1, "sys/creation_time"] == pd.Timestamp("2024-01-01 00:00:00")
    assert pd.api.types.is_datetime64_any_dtype(df["sys/creation_time"])


def test_columns_keep_sys_id_and_the_sort_field_and_take_namespaces(project: Project) -> None:
    expected = ["sys/creation_time", "sys/id", "parameters/lr"]
    assert project.fetch_runs_table(columns=["parameters/lr"]).columns == expected
    assert project.fetch_runs_table(columns=["parameters"]).columns == [*expected, "parameters/optimizer"]
    assert project.fetch_runs_table(columns="parameters/lr").columns == expected


def test_an_empty_result_is_an_empty_frame(project: Project) -> None:
    df = project.fetch_runs_table(query="`parameters/lr`:float > 5").to_pandas()
    assert len(df) == 0


def test_fetch_series_gives_the_points_in_long_form(project: Project) -> None:
    table = project.fetch_series(trashed=None)
    assert list(table) == [
        ("A-2", "train/loss", 0.0, 4.0),
        ("A-2", "train/loss", 1.0, 0.5),
        ("A-1", "train/loss", 0.0, 3.0),
        ("A-1", "train/loss", 1.0, 2.0),
        ("A-1", "train/loss", 2.0, 1.0),
    ]
    df = project.fetch_series(query='`sys/id` = "A-1"', columns=["train/loss"]).to_pandas()
    assert list(df.columns) == ["run_id", "path", "step", "value"]
    assert list(df["value"]) == [3.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda p: p.fetch_runs_table(query="`parameters/lr`:float >"), r"query 1:\d+: "),
        (lambda p: p.fetch_runs_table(query='`parameters/lr`:int = "abc"'), r"query 1:\d+: .*NQL301"),
        (lambda p: p.fetch_runs_table(columns=["paramters/lr"]), r"column `paramters/lr`.*`parameters/lr`"),
        (lambda p: p.fetch_runs_table(sort_by="nope"), r"sort_by `nope`"),
        (lambda p: p.fetch_runs_table(limit=0), r"limit must be a positive integer"),
        (lambda p: p.fetch_runs_table(limit="3"), r"limit must be a positive integer"),
        (lambda p: p.fetch_runs_table(trashed="yes"), r"trashed must be"),
        (lambda p: p.fetch_runs_table(query=3), r"query must be a string"),
        (lambda p: p.fetch_series(columns=["parameters/lr"]), r"`parameters/lr`: it is a float, not a float"),
    ],
)
def test_bad_input_raises_one_error_naming_what_is_wrong(project: Project, call: Any, message: str) -> None:
    with pytest.raises(NQLError, match=message):
        call(project)


def test_a_runs_file_that_cannot_be_read_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "runs.jsonl"
    bad.write_text('{"sys/id": "A-1"}\n{"a": [1, "x"]}\n', encoding="utf-8")
    with pytest.raises(NQLError, match=re.escape("runs.jsonl:2")):
        nql_lsp.api.open(bad)
    with pytest.raises(NQLError, match=re.escape("missing.json")):
        nql_lsp.api.open(tmp_path / "missing.json")


def test_importing_the_api_does_not_import_pandas() -> None:
    code = "import sys, nql_lsp.api; nql_lsp.api.open().fetch_runs_table(limit=2); print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_to_pandas_without_pandas_says_how_to_install_it(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    table = project.fetch_runs_table()
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match=re.escape("nql-lsp[pandas]")):
        table.to_pandas()


def test_the_readme_example_runs_as_written(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## NQL from Python", 1)[1].split("\n## ", 1)[0]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    exec(compile(code.group(1), "README.md", "exec"), {})
    out = capsys.readouterr().out
    # The run and its last val/acc as docs/runs.md shows them for the same query.
    assert re.search(r"CLS-428\s+0\.9564\s+augment,debug,prod-candidate,sweep", out)
    assert out.strip().endswith("0.9564")  # the last point of its val/acc series


def test_open_takes_the_project_a_table_came_from(tmp_path: Path) -> None:
    from tests.test_projects import _write_two_projects

    export = _write_two_projects(tmp_path / "data")
    # lab/two holds RUN-1 (lr 0.2) and RUN-3 (no lr); team/one's RUN-1 (lr 0.1) must not be among them.
    two = nql_lsp.api.open(export, project="lab/two").fetch_runs_table(columns=["lr"]).to_pandas()
    assert sorted(two["sys/id"]) == ["RUN-1", "RUN-3"]
    assert two.set_index("sys/id").loc["RUN-1", "lr"] == 0.2
    one = nql_lsp.api.open(export, project=["one"]).fetch_runs_table(query="lr:float EXISTS").to_pandas()
    assert list(one["sys/id"]) == ["RUN-1"]  # RUN-2 is trashed
    with pytest.raises(NQLError, match=r"no project 'nope'; it holds lab/two, team/one"):
        nql_lsp.api.open(export, project="nope")
