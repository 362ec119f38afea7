"""`nql-lsp --check`: every output format against hand-written goldens, and the exit codes."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from nql_lsp.cli.app import main
from nql_lsp.diagnostics import REPOSITORY_URL, RULES, rule_url

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
    assert err == "nql-lsp: missing.nql: no such file or directory\n"
    # A file that is read but is not UTF-8 is a finding about the file, reported with the others.
    assert "latin1.nql:1:16: NQL901 not UTF-8 text (invalid byte 0xE9)" in out
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


def test_the_check_path_leaves_out_the_stdlib_it_does_not_need(workdir: Path) -> None:
    # Each costs a cold --check milliseconds: shutil (with bz2, lzma, fnmatch) is what argparse imports to
    # ask the terminal's width unless told it; the others only some queries need (a guess at a misspelt
    # type, a relative date), not this one.
    (workdir / "ok.nql").write_text('`sys/tags`:stringSet CONTAINS "prod" AND `params/lr`:float < 0.01\n')
    code = (
        "import sys; from nql_lsp.cli import main; rc = main(['--check', 'ok.nql']); "
        "extra = sorted(m for m in ('shutil', 'dataclasses', 'difflib', 'datetime') if m in sys.modules); "
        "print(extra); sys.exit(0 if not extra else 3)"
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


# Paths the system or the file kind makes awkward: each is one line on stderr and exit 2, never a traceback
# or a wait.

LONG_NAME = "x" * 300 + ".nql"  # over the 255 bytes a path component may have on common file systems


def test_a_name_too_long_is_one_line_naming_it(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (
        ["--check", LONG_NAME, "q.nql"],
        ["--format", LONG_NAME],
        ["--format", "--check", LONG_NAME],
        ["--preview", "a:int = 1", "--runs", LONG_NAME],
        ["--check", "q.nql", "--runs", LONG_NAME],
    ):
        assert main(argv) == 2, argv
        captured = capsys.readouterr()
        assert captured.err.startswith(f"nql-lsp: {LONG_NAME}: cannot read: "), argv
        assert captured.err.count("\n") == 1, captured.err
    main(["--check", LONG_NAME, "q.nql", "--output-format", "concise"])
    assert "q.nql:1:25: NQL101" in capsys.readouterr().out  # the other path is still checked


needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")


def cli(cwd: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The command in its own process, so that a read that would block fails the test by its timeout."""
    return subprocess.run(
        [sys.executable, "-m", "nql_lsp", *argv], capture_output=True, text=True, cwd=cwd, timeout=20, check=False
    )


@needs_fifo
def test_a_named_fifo_is_refused_not_waited_on(workdir: Path) -> None:
    os.mkfifo(workdir / "pipe.nql")
    for argv in (["--check", "pipe.nql"], ["--format", "pipe.nql"], ["--preview", "a:int = 1", "--runs", "pipe.nql"]):
        done = cli(workdir, *argv)
        assert done.returncode == 2, argv
        assert (
            done.stderr == "nql-lsp: pipe.nql: not a regular file (a named pipe); only files and directories are read\n"
        )


@needs_fifo
def test_the_directory_walk_skips_fifos(workdir: Path) -> None:
    (workdir / "queries").mkdir()
    os.mkfifo(workdir / "queries" / "a.nql")
    (workdir / "queries" / "b.nql").write_text("x:flot = 1\n", encoding="utf-8")
    done = cli(workdir, "--check", "queries", "--output-format", "concise")
    assert (done.returncode, done.stderr) == (1, "")
    assert done.stdout.splitlines() == [
        f"{Path('queries/b.nql')}:1:3: NQL101 unknown type `flot`; did you mean `float`?",
        "Found 1 error, 0 warnings.",
    ]
    done = cli(workdir, "--format", "--check", "queries")
    assert (done.returncode, done.stdout, done.stderr) == (1, f"would reformat {Path('queries/b.nql')}\n", "")


def test_an_empty_path_is_a_usage_error(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "sub").mkdir()
    (workdir / "sub" / "bad.nql").write_text("x:flot = 1", encoding="utf-8")  # what `.` would have found
    for argv in (["--check", ""], ["--format", "--check", ""], ["--preview", "a:int = 1", "--runs", ""]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2, argv
        captured = capsys.readouterr()
        assert "an empty PATH" in captured.err and captured.out == "", argv


def test_a_file_that_cannot_be_written_is_named(
    workdir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "a.nql").write_text("a:int=1\n", encoding="utf-8")

    def refuse(*args: object, **kwargs: object) -> int:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "write_text", refuse)
    assert main(["--format", "a.nql", "q.nql"]) == 2
    assert capsys.readouterr().err.splitlines() == [
        "nql-lsp: a.nql: cannot write: Permission denied",
        "nql-lsp: q.nql: cannot write: Permission denied",
    ]


# A file that is not UTF-8 is a diagnostic of its own (NQL901), in every format, beside the other files.


@pytest.fixture
def mixed(workdir: Path) -> Path:
    folder = workdir / "queries"
    folder.mkdir()
    (folder / "a.nql").write_text("x:flot = 1\n", encoding="utf-8")
    # A byte order mark, then a Latin-1 é as the 16th character of the second line (the 29th byte).
    (folder / "b.nql").write_bytes(b'\xef\xbb\xbfa:int = 1\nx:string = "caf\xe9"\n')
    (folder / "c.nql").write_text("y:int = 2\n", encoding="utf-8")
    return folder


B = str(Path("queries/b.nql"))
NOT_UTF8 = "not UTF-8 text (invalid byte 0xE9); the file's queries are not checked"


def test_not_utf8_in_a_directory_is_a_diagnostic(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "queries", "--output-format", "concise")
    assert (code, err) == (1, "")
    assert out.splitlines() == [
        f"{Path('queries/a.nql')}:1:3: NQL101 unknown type `flot`; did you mean `float`?",
        f"{B}:2:16: NQL901 {NOT_UTF8}",
        "Found 2 errors, 0 warnings.",
    ]
    (mixed / "a.nql").unlink()
    code, out, _ = run(capsys, "queries")
    assert code == 1  # an error on its own, too
    assert out == (
        f'{B}:2:16: NQL901 {NOT_UTF8}\n2 | x:string = "caf\ufffd"\n' + " " * 19 + "^\n\nFound 1 error, 0 warnings.\n"
    )


def test_not_utf8_in_machine_formats(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "queries", "--output-format", "json")
    assert code == 1
    assert [d for d in json.loads(out) if d["filename"] == B] == [
        {
            "filename": B,
            "code": "NQL901",
            "severity": "error",
            "message": NOT_UTF8,
            "location": {"row": 2, "column": 16},
            "end_location": {"row": 2, "column": 17},
            "fix": None,
        }
    ]
    code, out, _ = run(capsys, "queries", "--output-format", "github")
    assert code == 1
    assert f"::error file={B},line=2,col=16,endLine=2,endColumn=17,title=nql (NQL901)::{NOT_UTF8}" in out.splitlines()
    code, out, _ = run(capsys, "queries", "--output-format", "sarif")
    assert code == 1
    (sarif_run,) = json.loads(out)["runs"]
    rule = next(r for r in sarif_run["tool"]["driver"]["rules"] if r["id"] == "NQL901")
    assert rule["name"] == "not-utf-8"
    assert rule["helpUri"] == "https://github.com/neptune-ai/nql-lsp/blob/main/docs/diagnostics.md#nql901"
    (result,) = [r for r in sarif_run["results"] if r["ruleId"] == "NQL901"]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "queries/b.nql"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


def test_not_utf8_leaves_format_a_usage_error(mixed: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--format", "--check", "queries"]) == 2  # a formatter cannot report it any other way
    assert f"nql-lsp: {B}: not UTF-8 text (invalid byte at offset 28)" in capsys.readouterr().err


# Help links: each code's link names a page in this repository and an anchor on it that leads to the code.


def github_anchor(heading: str) -> str:
    """The id GitHub gives a Markdown heading: its text lower-cased, punctuation other than ``-`` and ``_``
    dropped, spaces as ``-``."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_every_code_links_to_its_own_heading() -> None:
    root = Path(__file__).resolve().parents[1]
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["urls"]["Repository"] == REPOSITORY_URL
    lines = (root / "docs" / "diagnostics.md").read_text(encoding="utf-8").splitlines()
    # Every anchor GitHub makes on the page: the explicit `<a id>`s and every heading's.
    anchors = [m.group(1) for line in lines if (m := re.fullmatch(r'<a id="([^"]+)"></a>', line))]
    anchors += [github_anchor(line.lstrip("#")) for line in lines if line.startswith("#")]
    for code in RULES:
        page, _, fragment = rule_url(code).partition("#")
        assert page == f"{REPOSITORY_URL}/blob/main/docs/diagnostics.md", code
        assert anchors.count(fragment) == 1, code  # present, and not shadowed by a heading's own anchor
        at = lines.index(f'<a id="{fragment}"></a>')
        assert lines[at + 1].startswith(f"### {code} "), code  # the anchor sits on the code's heading
