"""NQL inside Python files: which strings are queries, exact positions in the file, fixes that keep Python valid.

Every expected row and column below was counted by hand on ``tests/fixtures/python/queries.py``
(1-based rows, code-point columns, end exclusive).
"""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.holes import file_diagnostics
from nql_lsp.cli.app import main
from nql_lsp.diagnostics import Edit
from nql_lsp.sources.files import read_source
from nql_lsp.sources.python import extract_python, find_queries
from nql_lsp.syntax.text import LineIndex

FIXTURES = Path(__file__).parent / "fixtures" / "python"
QUERIES = FIXTURES / "queries.py"

# (code, row, column, end row, end column, the file text the range covers)
EXPECTED = [
    ("NQL101", 9, 45, 9, 49, "flot"),  # plain double-quoted
    ("NQL101", 10, 78, 10, 83, "flaot"),  # after \" escapes and CJK text
    ("NQL305", 11, 62, 11, 64, "\\d"),  # raw string: \d reaches NQL as both characters
    ("NQL101", 11, 75, 11, 77, "in"),
    ("NQL101", 15, 15, 15, 25, "floatSerie"),  # triple-quoted, third line of the query
    ("NQL101", 21, 14, 21, 19, "boool"),  # third of three concatenated literals, after \u00e9 and \x69
    ("NQL301", 23, 94, 23, 98, "fals"),  # f-string after two holes
    ("NQL101", 27, 60, 27, 65, "strng"),  # constant marked by # nql on the line before
    ("NQL101", 28, 44, 28, 48, "flot"),  # constant marked on its own line, after non-ASCII name
    ("NQL101", 36, 40, 36, 44, "flot"),  # query= of an unrelated function, but marked
]


def check_json(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, list[dict[str, Any]], str]:
    code = main(["--check", *argv, "--output-format", "json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_fixture_positions_are_exact(capsys: pytest.CaptureFixture[str]) -> None:
    code, items, err = check_json(capsys, str(QUERIES))
    assert code == 1
    assert err == ""
    got = [
        (
            d["code"],
            d["location"]["row"],
            d["location"]["column"],
            d["end_location"]["row"],
            d["end_location"]["column"],
        )
        for d in items
    ]
    assert got == [e[:5] for e in EXPECTED]
    lines = QUERIES.read_text(encoding="utf-8").splitlines()
    for code_, row, col, end_row, end_col, covered in EXPECTED:
        assert row == end_row
        assert lines[row - 1][col - 1 : end_col - 1] == covered, code_


def test_lookalikes_are_not_queries() -> None:
    texts = [q.text for q in find_queries(QUERIES.read_text(encoding="utf-8"))]
    assert "`a`:flot > 1" not in texts  # query= of some_function, a plain constant
    assert not any(t.startswith("`a`:float > ") for t in texts)  # built with +
    assert "flot" not in texts  # neptune-query's fetch_experiments_table takes no NQL
    assert "`a`:flot > 2" in texts  # the marked call
    assert len(texts) == 11


def test_concatenated_and_escaped_values() -> None:
    texts = [q.text for q in find_queries(QUERIES.read_text(encoding="utf-8"))]
    assert '`a`:string = "café" AND `b`:int = 1 AND `c`:boool = true' in texts
    assert 'sys/name:string = "日本" AND `x`:flaot = 1' in texts
    assert 'sys/name:string MATCHES "\\d+" AND `y`:in = 1' in texts


def apply(text: str, edits: list[Edit]) -> str:
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: e.start] + e.new_text + text[e.end :]
    return text


def test_every_fix_keeps_valid_python_and_fixes_the_query() -> None:
    text = QUERIES.read_text(encoding="utf-8")
    source = read_source(str(QUERIES))
    applied = 0
    for q in source.queries:
        for d in file_diagnostics(q, analyze(q.text)):
            for fix in d.fixes:
                fixed = apply(text, list(fix.edits))
                ast.parse(fixed)

                def count(src: str, d=d) -> int:
                    return sum(
                        (x.code, x.message) == (d.code, d.message)
                        for q2 in find_queries(src)
                        for x in analyze(q2.text).diagnostics
                    )

                assert count(fixed) == count(text) - 1, (d.code, fix.message)
                applied += 1
    assert applied == 9  # the NQL301 on `fals` has no fix; every other diagnostic has one


def test_fix_in_raw_string_writes_backslashes_as_they_are() -> None:
    text = "q = p.fetch_runs_table(query=r'`x`:string MATCHES \"\\d\"')\n"
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert d.code == "NQL305"
    fixed = apply(text, list(d.fixes[0].edits))
    assert fixed == "q = p.fetch_runs_table(query=r'`x`:string MATCHES \"\\\\d\"')\n"
    assert not analyze(find_queries(fixed)[0].text).diagnostics


def test_fix_that_needs_a_quote_in_a_raw_string_is_left_out() -> None:
    # Turning 'a' into "a" cannot be written inside r"...": the fix is dropped, the diagnostic stays.
    text = "q = p.fetch_runs_table(query=r\"`x`:string = 'a'\")\n"
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert d.code == "NQL304"
    assert d.fixes == ()


def test_fix_escapes_quotes_for_the_literal() -> None:
    text = "q = p.fetch_runs_table(query=\"`x`:string = 'a'\")\n"
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    fixed = apply(text, list(d.fixes[0].edits))
    assert fixed == 'q = p.fetch_runs_table(query="`x`:string = \\"a\\"")\n'
    assert ast.literal_eval(fixed.split("query=")[1][:-2]) == '`x`:string = "a"'


def test_fix_in_fstring_doubles_braces_and_never_touches_holes() -> None:
    text = "q = p.fetch_runs_table(query=f\"`{m}`:flot > {v} AND `b`:string = '{{'\")\n"
    (q,) = find_queries(text)
    found = file_diagnostics(q, analyze(q.text))
    assert [d.code for d in found] == ["NQL101", "NQL304"]
    fixed = text
    for d in reversed(found):
        fixed = apply(fixed, list(d.fixes[0].edits))
    assert fixed == 'q = p.fetch_runs_table(query=f"`{m}`:float > {v} AND `b`:string = \\"{{\\"")\n'
    ast.parse(fixed)


def test_holes_never_cause_errors() -> None:
    text = "\n".join(
        [
            'a = p.fetch_runs_table(query=f"sys/creation_time:datetime > \\"{since}\\"")',
            'b = p.fetch_runs_table(query=f"sys/state:experimentState = {state}")',
            'c = p.fetch_runs_table(query=f"({base}) AND `acc`:float > 0.5")',
            'd = p.fetch_runs_table(query=f"`acc`:{kind} > {limit}")',
            'e = p.fetch_runs_table(query=f"{agg}(`loss`:floatSeries) < 1 OR NOT {cond}")',
            'f = p.fetch_runs_table(query=f"sys/{field}:string = {v} AND `x`:float = {n}MB")',
            'g = p.fetch_runs_table(query=f"{name}:float > 1")',
            'h = p.fetch_runs_table(query=f"{whole}")',
            "",
        ]
    )
    queries = find_queries(text)
    assert len(queries) == 8
    assert [d for q in queries for d in file_diagnostics(q, analyze(q.text))] == []


def test_hole_keeps_real_errors_elsewhere_in_its_clause() -> None:
    text = 'a = p.fetch_runs_table(query=f"`{prefix}/acc`:flot > {v}")\n'
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert (d.code, text[d.start : d.end]) == ("NQL101", "flot")


def test_syntax_error_is_one_note_not_a_crash(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text('q = p.fetch_runs_table(query="a:flot > 1"\nx = (\n', encoding="utf-8")
    code = main(["--check", str(bad)])
    out, err = capsys.readouterr()
    assert code == 0
    assert err.startswith(f"nql-lsp: {bad}: not valid Python (")
    assert "its queries were not checked" in err
    assert err.count("\n") == 1
    assert out == "Found 0 errors, 0 warnings.\n"
    assert extract_python("fetch_runs_table\x00").notes  # a null byte is not Python either


def test_directories_find_python_and_notebooks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "m.py").write_text('p.fetch_runs_table(query="a:flot > 1")\n', encoding="utf-8")
    (tmp_path / "q.nql").write_text("b:flot > 1\n", encoding="utf-8")
    for skipped in (".venv", "venv", "node_modules", "__pycache__", ".hidden", ".git"):
        (tmp_path / skipped).mkdir()
        (tmp_path / skipped / "x.py").write_text('p.fetch_runs_table(query="c:flot > 1")\n', encoding="utf-8")
    code, items, _ = check_json(capsys, str(tmp_path))
    assert code == 1
    assert sorted((Path(d["filename"]).relative_to(tmp_path).as_posix(), d["location"]["column"]) for d in items) == [
        ("pkg/m.py", 29),
        ("q.nql", 3),
    ]


def test_github_format_points_into_the_python_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.py").write_text('# é\nrows = p.fetch_runs_table(query="é:flot > 1")\n', encoding="utf-8")
    code = main(["--check", "m.py", "--output-format", "github"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert out == (
        "::error file=m.py,line=2,col=36,endLine=2,endColumn=40,title=nql (NQL101)::"
        "unknown type `flot`; did you mean `float`?\n"
    )


@pytest.mark.parametrize("fmt", ["full", "concise", "sarif"])
def test_every_format_reports_python_rows(capsys: pytest.CaptureFixture[str], fmt: str) -> None:
    code = main(["--check", str(QUERIES), "--output-format", fmt])
    out, _ = capsys.readouterr()
    assert code == 1
    if fmt == "sarif":
        regions = [r["locations"][0]["physicalLocation"]["region"] for r in json.loads(out)["runs"][0]["results"]]
        assert [(r["startLine"], r["startColumn"]) for r in regions] == [e[1:3] for e in EXPECTED]
    else:
        assert f"{QUERIES}:9:45: NQL101 unknown type `flot`" in out


def test_format_skips_python_in_directories_and_formats_it_when_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = 'p.fetch_runs_table(query="a:float>1")\n'
    (tmp_path / "m.py").write_text(src, encoding="utf-8")
    (tmp_path / "q.nql").write_text("a:float>1\n", encoding="utf-8")
    code = main(["--format", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 0
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == src
    assert (tmp_path / "q.nql").read_text(encoding="utf-8") == "`a`:float > 1\n"
    assert "m.py" not in err
    code = main(["--format", str(tmp_path / "m.py")])
    _, err = capsys.readouterr()
    assert code == 0
    assert (tmp_path / "m.py").read_text(encoding="utf-8") == 'p.fetch_runs_table(query="`a`:float > 1")\n'


def test_positions_after_astral_and_wide_characters() -> None:
    # 😀 is one code point (two UTF-16 units, four UTF-8 bytes): ast's byte columns must not leak.
    text = 'x = "😀日本"; rows = p.fetch_runs_table(query="sys/name:string = \\"😀\\" AND `a`:flot = 1")\n'
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert text[d.start : d.end] == "flot"
    assert LineIndex(text).row_col(d.start) == (1, 77)
    assert LineIndex(text).position(d.start) == (0, 78)  # UTF-16: each emoji takes two units


def test_pre_commit_hooks_check_nql_python_and_notebooks_and_format_nql() -> None:
    import re

    text = (Path(__file__).parents[1] / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    hooks = {}
    for block in re.split(r"^- ", text, flags=re.MULTILINE)[1:]:
        fields = dict(re.findall(r"^\s*(\w+): (.+)$", block, re.MULTILINE))
        hooks[fields["id"]] = fields
    assert set(hooks) == {"nql-check", "nql-format"}
    check, fmt = hooks["nql-check"], hooks["nql-format"]
    assert check["entry"] == "nql-lsp --check" and fmt["entry"] == "nql-lsp --format"
    assert check["language"] == fmt["language"] == "python"
    files = re.compile(check["files"])
    assert all(files.search(name) for name in ("a.nql", "pkg/m.py", "analysis.ipynb"))
    assert not any(files.search(name) for name in ("setup.cfg", "m.pyc", "notes.nql.txt"))
    files = re.compile(fmt["files"])  # formatting rewrites files: only .nql ones unless a project widens it
    assert files.search("q/a.nql") and not any(files.search(name) for name in ("m.py", "a.ipynb", "a.nql.txt"))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # A comment on its own line marks the next statement's first string, across blank and comment lines.
        ('# nql\n\n# the recent ones\nRECENT = (\n    "a:float > 1"\n)\n', ["a:float > 1"]),
        ('#nql\nA = "a:int = 1"\n', ["a:int = 1"]),
        ('# NQL: failed runs\nA = "sys/failed:bool = true"\n', ["sys/failed:bool = true"]),
        # At the end of a line: the first string on it, or the string that line belongs to.
        ('A, B = "a:int = 1", "b:int = 2"  # nql\n', ["a:int = 1"]),
        ('A = """\nsys/failed:bool = true\n"""  # nql\n', ["\nsys/failed:bool = true\n"]),
        ('A = f"{x} AND b:int = 2"  # nql\n', ["sys/id:string EXISTS AND b:int = 2"]),
        # Not markers: another word, a comment inside a string, a marker with nothing after it.
        ('# nql-lsp: ignore\nA = "a:flot"\n', []),
        ('# nqlx\nA = "a:flot"\n', []),
        ('A = "# nql"\nB = "a:flot"\n', []),
        ("x = 1\n# nql\n", []),
        ('A = "a:flot"  # see the # nql marker\n', []),
        ('A = "a:flot # not a comment"  # nql\n', ["a:flot # not a comment"]),
        # Calls by name, as well as methods; query= only.
        ('rows = fetch_runs_df(query="a:int = 1", columns=["b"])\n', ["a:int = 1"]),
        ('rows = project.fetch_runs_table("a:int = 1")\n', []),
        ("rows = project.fetch_runs_table(query=QUERY)\n", []),
    ],
)
def test_which_strings_are_queries(source: str, expected: list[str]) -> None:
    assert [q.text for q in find_queries(source)] == expected


def test_crlf_files_and_tabs_keep_columns() -> None:
    text = 'import x\r\nif x:\r\n\tq = p.fetch_runs_table(query="a:flot = 1")\r\n'
    (q,) = find_queries(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert text[d.start : d.end] == "flot"
    assert LineIndex(text).row_col(d.start) == (3, 34)  # the tab is one column


@pytest.mark.parametrize(
    ("source", "query"),
    [
        ("f\"{d['k']} AND a:int = 1\"", "sys/id:string EXISTS AND a:int = 1"),
        ('f"a:float > {x:>{w}} AND b:int = {y!r}"', "a:float > x AND b:int = x"),
        ('f"`{{odd}}`:int = 1"', "`{odd}`:int = 1"),
        ('f"{a}{b}:int = 1"', "xx:int = 1"),
    ],
)
def test_fstring_holes_and_braces(source: str, query: str) -> None:
    (q,) = find_queries(f"rows = p.fetch_runs_table(query={source})\n")
    assert q.text == query


def test_fstring_reusing_its_quotes_inside_a_hole() -> None:
    # Python 3.12 (PEP 701) allows the f-string's own quotes inside a hole; 3.11 calls it a syntax error.
    import sys

    text = 'rows = p.fetch_runs_table(query=f"{d["k"]} AND `a`:flot = 1")\n'
    found = extract_python(text)
    if sys.version_info >= (3, 12):
        (q,) = found
        assert q.text == "sys/id:string EXISTS AND `a`:flot = 1"
        (d,) = file_diagnostics(q, analyze(q.text))
        assert text[d.start : d.end] == "flot"
    else:
        assert list(found) == []
        assert found.notes[0].startswith("not valid Python (")


def test_stdin_named_as_python_is_read_as_python(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO('rows = p.fetch_runs_table(query="a:flot = 1")\n'))
    code = main(["--check", "-", "--stdin-filename", "report.py", "--output-format", "concise"])
    out, _ = capsys.readouterr()
    assert code == 1
    assert out.startswith("report.py:1:36: NQL101 unknown type `flot`")


def test_tolerant_finding_keeps_queries_around_a_broken_line() -> None:
    from nql_lsp.sources.python import find_queries_tolerant

    text = (
        'a = p.fetch_runs_table(query="a:flot = 1")\n'
        'b = p.fetch_runs_table(query="b:int = \n'  # being typed
        'c = p.fetch_runs_table(query="c:flot = 3")\n'
    )
    assert extract_python(text).notes  # the check says the file is not Python...
    found = find_queries_tolerant(text)  # ...the editor still serves the other lines, at the same offsets
    assert [q.text for q in found] == ["a:flot = 1", "c:flot = 3"]
    for q in found:
        (d,) = file_diagnostics(q, analyze(q.text))
        assert text[d.start : d.end] == "flot"
    assert find_queries_tolerant("def f(:\n    x = (\n") == []


def test_each_query_knows_what_it_filters() -> None:
    """Runs, models or model versions, by the method given it; a query marked ``# nql`` is a runs query."""
    text = (
        'a = project.fetch_models_table(query="`x`:int = 1")\n'
        'b = model.fetch_model_versions_table(query="`y`:int = 1")\n'
        'c = project.fetch_runs_table(query="`z`:int = 1")\n'
        'D = "`w`:int = 1"  # nql\n'
        'e = project.fetch_runs_df(query="`v`:int = 1")\n'
    )
    assert [(q.text[1], q.about) for q in find_queries(text)] == [
        ("x", "models"),
        ("y", "model versions"),
        ("z", "runs"),
        ("w", "runs"),
        ("v", "runs"),
    ]
