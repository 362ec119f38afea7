"""`nql-lsp --check`: every output format against hand-written goldens, and the exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from nql_lsp.cli.app import main

# `flot` starts at code point 25 (1-based) because the string before it holds CJK and an emoji.
QUERY = 'x:string = "日本語😀" AND y:flot = 1\n'


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "q.nql").write_text(QUERY, encoding="utf-8")
    return tmp_path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["--check", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_full_format(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "q.nql")
    assert code == 1
    assert out == (
        "q.nql:1:25: NQL101 unknown type `flot`; did you mean `float`?\n"
        '1 | x:string = "日本語😀" AND y:flot = 1\n' + " " * 32 + "^^^^\n"
        "  = fix: Change to `float`\n"
        "\n"
        "Found 1 error, 0 warnings.\n"
    )


def test_concise_format(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "q.nql", "--output-format", "concise")
    assert code == 1
    assert out == ("q.nql:1:25: NQL101 unknown type `flot`; did you mean `float`?\nFound 1 error, 0 warnings.\n")


def test_json_format(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "q.nql", "--output-format", "json")
    assert code == 1
    assert json.loads(out) == [
        {
            "filename": "q.nql",
            "code": "NQL101",
            "severity": "error",
            "message": "unknown type `flot`; did you mean `float`?",
            "location": {"row": 1, "column": 25},
            "end_location": {"row": 1, "column": 29},
            "fix": {
                "message": "Change to `float`",
                "edits": [
                    {
                        "content": "float",
                        "location": {"row": 1, "column": 25},
                        "end_location": {"row": 1, "column": 29},
                    },
                ],
            },
        }
    ]


def test_json_format_is_one_empty_array_when_clean(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "ok.nql").write_text("x:int = 1", encoding="utf-8")
    code, out, _ = run(capsys, "ok.nql", "--output-format", "json")
    assert (code, json.loads(out)) == (0, [])


def test_github_format(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "a,b.nql").write_text("x:int = 1 AND\ny = 2", encoding="utf-8")
    code, out, _ = run(capsys, "q.nql", "a,b.nql", "--output-format", "github")
    assert code == 1
    assert out.splitlines() == [
        "::error file=q.nql,line=1,col=25,endLine=1,endColumn=29,title=nql (NQL101)::"
        "unknown type `flot`; did you mean `float`?",
        "::warning file=a%2Cb.nql,line=2,col=1,endLine=2,endColumn=2,title=nql (NQL104)::"
        "`y` has no type; write `:type` after the name, since runs may hold the same path with different types",
    ]


def test_sarif_format(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "q.nql", "--output-format", "sarif")
    assert code == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    (sarif_run,) = log["runs"]
    assert [r["id"] for r in sarif_run["tool"]["driver"]["rules"]] == ["NQL101"]
    assert sarif_run["tool"]["driver"]["rules"][0]["name"] == "unknown-type"
    (result,) = sarif_run["results"]
    assert result["ruleId"] == "NQL101" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 25,
        "endLine": 1,
        "endColumn": 29,
    }
    assert result["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"] == {"text": "float"}


def test_multi_line_file_reports_rows_and_columns(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "m.nql").write_text("(a:int = 1)\r\nAND (b:flot = 2)\nAND", encoding="utf-8")
    code, out, _ = run(capsys, "m.nql", "--output-format", "concise")
    assert code == 1
    assert out.splitlines() == [
        "m.nql:2:8: NQL101 unknown type `flot`; did you mean `float`?",
        "m.nql:3:4: NQL002 expected a clause after `AND`",
        "Found 2 errors, 0 warnings.",
    ]


def test_warnings_alone_exit_zero_unless_asked(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "w.nql").write_text("accuracy > 0.5", encoding="utf-8")
    code, out, _ = run(capsys, "w.nql", "--output-format", "concise")
    assert code == 0 and out.endswith("Found 0 errors, 1 warning.\n")
    code, _, _ = run(capsys, "w.nql", "--warnings-as-errors")
    assert code == 1


def test_exit_zero(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "q.nql", "--exit-zero")
    assert code == 0 and "NQL101" in out


def test_stdin(workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    monkeypatch.setattr(sys, "stdin", io.StringIO("x:int = 1.5"))
    code, out, _ = run(capsys, "-", "--output-format", "concise", "--stdin-filename", "query.nql")
    assert code == 1
    assert out.splitlines()[0] == "query.nql:1:9: NQL301 `1.5` is not an integer; the field's type is `int`"


def test_directories_are_searched_recursively(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    nested = workdir / "queries" / "deep"
    nested.mkdir(parents=True)
    (nested / "bad.nql").write_text("x:flot = 1", encoding="utf-8")
    (nested / "notes.txt").write_text("x:flot = 1", encoding="utf-8")
    (workdir / "queries" / ".hidden").mkdir()
    (workdir / "queries" / ".hidden" / "skip.nql").write_text("x:flot = 1", encoding="utf-8")
    code, out, _ = run(capsys, "queries", "--output-format", "concise")
    assert code == 1
    assert out.splitlines() == [
        f"{Path('queries/deep/bad.nql')}:1:3: NQL101 unknown type `flot`; did you mean `float`?",
        "Found 1 error, 0 warnings.",
    ]


def test_unreadable_paths_exit_two(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "latin1.nql").write_bytes(b'x:string = "caf\xe9"')
    code, out, err = run(capsys, "missing.nql", "latin1.nql", "q.nql", "--output-format", "concise")
    assert code == 2
    assert "missing.nql: no such file or directory" in err
    assert "latin1.nql: not UTF-8 text (invalid byte at offset 15)" in err
    assert "q.nql:1:25" in out  # the readable file is still checked


def test_bad_usage_exits_two(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--check", "q.nql", "--output-format", "xml"])
    assert exc.value.code == 2
    assert "--output-format" in capsys.readouterr().err


def test_the_check_path_does_not_import_the_server_stack(workdir: Path) -> None:
    code = (
        "import sys; from nql_lsp.cli import main; rc = main(['--check', 'q.nql']); "
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('pygls', 'lsprotocol', 'duckdb', "
        "'pyarrow')); print(heavy); sys.exit(0 if not heavy else 3)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=workdir)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_python_dash_m_entry_point(workdir: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nql_lsp", "--check", "q.nql", "--output-format", "concise"],
        capture_output=True,
        text=True,
        cwd=workdir,
    )
    assert proc.returncode == 1
    assert proc.stdout.startswith("q.nql:1:25: NQL101")


def test_bundled_examples(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[1] / "examples"
    code, out, _ = run(capsys, str(root / "good"), "--output-format", "concise")
    assert (code, out) == (0, "Found 0 errors, 0 warnings.\n")
    code, out, _ = run(capsys, str(root / "bad"), "--output-format", "concise")
    assert code == 1
    assert {line.split(": ")[1].split()[0] for line in out.splitlines()[:-1]} == {
        "NQL101",
        "NQL102",
        "NQL002",
        "NQL106",
        "NQL202",
        "NQL203",
    }
