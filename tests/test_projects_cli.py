"""``--project NAME`` (repeatable) on ``--preview``, ``--check --runs`` and ``explore``; one project only for
``--convert mlflow``; a project the source does not hold is one line on stderr and exit 2."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from nql_lsp.cli.app import main
from nql_lsp.cli.explore import run_explore
from nql_lsp.explore.bridge import rewrite

from .test_projects import ONE, TWO, _write_two_projects


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write_two_projects(tmp_path_factory.mktemp("projects") / "data")


QUERY = "lr:float EXISTS"


def test_preview_narrowed_to_one_project(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", QUERY, "--runs", str(export), "--trashed", "--project", "one"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["sys/id", "sys/name", "lr"]  # one project: no project column
    assert [line.split() for line in lines[2:4]] == [["RUN-1", "0.1"], ["RUN-2", "0.3"]]
    assert lines[4] == f"2 of 2 runs (trashed included) ({export}, project {ONE})"


def test_the_project_is_shown_in_every_format_when_several_are_held(
    export: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrow = ["--project", ONE, "--project", TWO]
    base = ["--preview", QUERY, "--runs", str(export), "--trashed"]
    assert main([*base, *narrow]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["project", "sys/id", "sys/name", "lr"]
    assert [line.split() for line in table[2:5]] == [
        [TWO, "RUN-1", "0.2"],
        [ONE, "RUN-1", "0.1"],
        [ONE, "RUN-2", "0.3"],
    ]
    assert main([*base, *narrow, "--output-format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows == [
        ["project", "sys/id", "sys/name", "lr"],
        [TWO, "RUN-1", "", "0.2"],
        [ONE, "RUN-1", "", "0.1"],
        [ONE, "RUN-2", "", "0.3"],
    ]
    assert main([*base, *narrow, "--output-format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert [(r["project"], r["sys/id"], r["lr"]) for r in body["runs"]] == [
        (TWO, "RUN-1", 0.2),
        (ONE, "RUN-1", 0.1),
        (ONE, "RUN-2", 0.3),
    ]
    assert (body["matched"], body["total"]) == (3, 4)


def test_an_unknown_project_is_one_line_and_exit_2(export: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--preview", QUERY, "--runs", str(export), "--project", "nope"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"nql-lsp: {export}: no project 'nope'; it holds {TWO}, {ONE}"]
    assert main(["--check", "-", "--runs", str(export), "--project", "nope"]) == 2
    assert capsys.readouterr().err.splitlines() == err


def test_check_against_one_project(
    export: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    query = "`only/two`:string EXISTS\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    assert main(["--check", "-", "--runs", str(export), "--project", TWO, "--output-format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == []
    monkeypatch.setattr(sys, "stdin", io.StringIO(query))
    assert main(["--check", "-", "--runs", str(export), "--project", ONE, "--output-format", "json"]) == 0
    [found] = json.loads(capsys.readouterr().out)
    assert found["code"] == "NQL110" and "only/two" in found["message"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--check", "x.nql", "--project", ONE], "--project is only taken with --preview, --check --runs"),
        (["--format", "x.nql", "--project", ONE], "--project is only taken with"),
        (["--project", ONE], "--project is only taken with"),
        (["--convert", "mlflow", "a = 1", "--project", ONE, "--project", TWO], "--convert mlflow takes one --project"),
        (["--convert", "filter", "a = 1", "--project", ONE], "--project is taken by --convert mlflow"),
        (["--preview", "a:int = 1", "--project", " "], "an empty --project names no project"),
        (["explore", "--project", ""], "an empty --project names no project"),
    ],
)
def test_project_where_it_means_nothing_is_a_usage_error(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def test_convert_mlflow_keeps_its_one_project(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--convert", "mlflow", "`sys/name`:string = 'a'", "--project", "team/cls"]) == 0
    out = capsys.readouterr().out
    assert "team/cls" in out


def test_explore_refuses_an_unknown_project_before_serving(export: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_explore(str(export), "127.0.0.1", 0, False, out=out, err=err, projects=("nope",)) == 2
    assert out.getvalue() == ""
    assert err.getvalue().splitlines()[-1] == f"nql-lsp: {export}: no project 'nope'; it holds {TWO}, {ONE}"


def test_the_explorer_language_server_is_told_the_projects() -> None:
    message = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}
    told = rewrite(message, "/data", (ONE,))
    assert told is not None and told["params"]["initializationOptions"] == {"nql": {"runs": "/data", "project": [ONE]}}
    plain = rewrite(message, "/data")
    assert plain is not None and plain["params"]["initializationOptions"] == {"nql": {"runs": "/data"}}


def test_explore_serves_only_the_chosen_project(export: Path, tmp_path: Path) -> None:
    serve = (
        "import sys; from nql_lsp.cli.app import main; "
        f"sys.exit(main(['explore', {str(export)!r}, '--no-browser', '--project', 'two']))"
    )
    env = {"PATH": "", "XDG_CONFIG_HOME": str(tmp_path), "NQL_LSP_EXPLORE_TOKEN": "t"}
    with subprocess.Popen(
        [sys.executable, "-c", serve], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            base = url.split("/?")[0]
            request = urllib.request.Request(base + "/api/info", headers={"X-NQL-Token": "t"})
            with urllib.request.urlopen(request, timeout=30) as answer:
                info = json.load(answer)
            assert info["total"] == 2 and info["source"] == f"{export}, project {TWO}"
            assert "only/two" in [f["path"] for f in info["fields"]]
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_json_runs_of_several_projects_show_the_project_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    runs = tmp_path / "runs.json"
    runs.write_text(
        json.dumps(
            [
                {"sys/id": "RUN-1", "sys/project": "team/one", "lr": 0.1},
                {"sys/id": "RUN-1", "sys/project": "team/two", "lr": 0.2},
            ]
        )
    )
    assert main(["--preview", "lr:float > 0.15", "--runs", str(runs)]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split() == ["project", "sys/id", "sys/name", "lr"]
    assert table[2].split() == ["team/two", "RUN-1", "0.2"]
    assert main(["--preview", "lr:float > 0.15", "--runs", str(runs), "--project", "one"]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["sys/id", "sys/name", "lr"]
