"""``nql-lsp --preview`` and ``--check --runs``: output, counts, and clear failures."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from nql_lsp.cli.app import main

from .runs_fixtures import OBJECTS


@pytest.fixture
def runs_file(tmp_path: Path) -> Path:
    path = tmp_path / "runs.json"
    path.write_text(json.dumps(OBJECTS), encoding="utf-8")
    return path


def test_table_lists_matches_and_the_count(runs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", "acc:float >= 0.9", "--runs", str(runs_file)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["sys/id", "sys/name", "acc"]
    assert [line.split() for line in lines[2:4]] == [["A", "hello_0", "0.9"], ["D", "Hello", "0.95"]]
    assert lines[4] == f"2 of 4 runs ({runs_file})"


def test_trashed_and_columns(runs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["--preview", "acc:float < 0.6", "--runs", str(runs_file), "--trashed", "--columns", "sys/id,sys/trashed"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert [line.split() for line in lines[:3]] == [["sys/id", "sys/trashed"], ["------", "-----------"], ["C", "true"]]
    assert lines[3].startswith("1 of 5 runs (trashed included)")


def test_json_and_csv_output(runs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", "last(loss:floatSeries) < 3", "--runs", str(runs_file), "--output-format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["runs"] == [
        {"sys/id": "A", "sys/name": "hello_0", "loss": 2.0},
        {"sys/id": "B", "sys/name": "world", "loss": 1.0},
    ]
    assert (data["matched"], data["total"]) == (2, 4)
    assert (
        main(
            [
                "--preview",
                "sys/tags:stringSet CONTAINS prod",
                "--runs",
                str(runs_file),
                "--output-format",
                "csv",
                "--columns",
                "sys/id,sys/tags,created",
            ]
        )
        == 0
    )
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["sys/id", "sys/tags", "created"],
        ["A", "prod,x", "2024-02-06T05:00:00+09:00"],
        ["B", "prod", "2024-02-05T21:00:00Z"],
    ]


def test_default_runs_are_the_bundled_sample(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", "sys/id:string = CLS-7"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[2].split()[0] == "CLS-7"
    assert out[-1].startswith("1 of ") and out[-1].endswith(" runs (bundled sample)")


def test_syntax_error_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", "acc:float > "]) == 1
    assert "syntax error at 1:" in capsys.readouterr().err


def test_bad_runs_file_exits_2_with_one_clear_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": 1}\n{"a": [true]}\n', encoding="utf-8")
    assert main(["--preview", "a:int = 1", "--runs", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err == f"nql-lsp: {bad}:2: `a`: a list must hold only strings (stringSet) or only numbers (floatSeries)\n"
    assert main(["--check", str(bad), "--runs", str(tmp_path / "missing.json")]) == 2
    assert "missing.json: no such file" in capsys.readouterr().err


def test_bad_usage(runs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--preview", "a:int = 1", "--output-format", "sarif"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        main(["--trashed"])


def test_check_against_learned_runs(runs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    query = tmp_path / "q.nql"
    query.write_text("last(los:floatSeries) > 1 AND acc:floatSeries EXISTS\n", encoding="utf-8")
    assert main(["--check", str(query), "--output-format", "concise"]) == 0
    assert "NQL110" not in capsys.readouterr().out  # without runs, user paths are not known
    assert main(["--check", str(query), "--runs", str(runs_file), "--output-format", "concise"]) == 0
    out = capsys.readouterr().out
    assert f"{query}:1:6: NQL110 unknown field `los`; did you mean `loss`?" in out
    assert f"{query}:1:35: NQL111 this clause can match no run: `acc` is a float in 3 runs, not a floatSeries" in out


def test_a_models_query_is_not_checked_against_the_runs(
    runs_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The runs say nothing of a model's fields: a ``fetch_models_table`` query is checked against the
    ``sys/`` fields alone, where the same query in ``fetch_runs_table`` gets the runs' warning."""
    code = tmp_path / "notebook.py"
    code.write_text(
        'm = project.fetch_models_table(query="last(los:floatSeries) > 1")\n'
        'r = project.fetch_runs_table(query="last(los:floatSeries) > 1")\n',
        encoding="utf-8",
    )
    assert main(["--check", str(code), "--runs", str(runs_file), "--output-format", "concise"]) == 0
    out = capsys.readouterr().out
    assert [line.split(": ")[0] for line in out.splitlines() if "NQL110" in line] == [f"{code}:2:42"]


def test_preview_over_a_parquet_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from .parquet_export import write_export
    from .runs_fixtures import small_runs

    root = write_export(small_runs().runs, tmp_path / "export")
    assert main(["--preview", "min(loss:floatSeries) = 1", "--runs", str(root), "--output-format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["sys/id,sys/name,loss", "A,hello_0,2", "B,world,1"]


def test_progress_only_when_loading_takes_a_moment() -> None:
    from nql_lsp.cli.preview import stderr_progress

    quick, slow = io.StringIO(), io.StringIO()
    stderr_progress(quick, after=60)("reading")
    stderr_progress(slow, after=0)("reading")
    assert quick.getvalue() == "" and slow.getvalue() == "nql-lsp: reading\n"


def test_unknown_columns_are_named(runs_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", "n:int = 5", "--runs", str(runs_file), "--columns", "sys/id,acd"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "nql-lsp: no run has `acd`; did you mean `acc`?\n"
    assert [line.split() for line in captured.out.splitlines()[2:3]] == [["A"]]
