"""The canonical printer: hand-checked outputs, properties (idempotent, same tree), range formatting, CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.cli.app import main
from nql_lsp.features.printer import format_query, format_range
from nql_lsp.syntax.parser import parse
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not

from .conftest import corpus_queries

CORPUS = corpus_queries()

CASES = [
    ("a:int == 1 and b:int=2", "(`a`:int = 1) AND (`b`:int = 2)"),
    ("not x:string contains 'it''s'", None),  # two adjacent strings: a syntax error, left alone
    ("not x:string contains 'a\\'b'", 'NOT (`x`:string CONTAINS "a\'b")'),
    ('x:string MATCHES "\\d+"', 'x:string MATCHES "\\\\d+"'.replace("x:", "`x`:")),
    ("((a:bool = true))", "`a`:bool = true"),
    ("LAST(`m`:floatSeries)>=0.5", "last(`m`:floatSeries) >= 0.5"),
    ("x: float exists", "`x`:float EXISTS"),
    ("x:string not   matches y", "`x`:string NOT MATCHES y"),
    ("a:int=1 and b:int=2 or c:int=3", "((`a`:int = 1) AND (`b`:int = 2)) OR (`c`:int = 3)"),
    ("", ""),
    ("a:int = 1\n", "`a`:int = 1\n"),
    ("a:int = (", None),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_format(text: str, expected: str | None) -> None:
    assert format_query(text) == expected


def test_long_queries_break_at_connectives_by_nesting() -> None:
    text = (
        "sys/owner:string = alice OR (sys/tags:stringSet CONTAINS prod AND "
        "sys/failed:bool = false AND sys/trashed:bool = false)"
    )
    assert format_query(text, 60) == (
        "(`sys/owner`:string = alice)\n"
        "OR (\n"
        "  (`sys/tags`:stringSet CONTAINS prod)\n"
        "  AND (`sys/failed`:bool = false)\n"
        "  AND (`sys/trashed`:bool = false)\n"
        ")"
    )


def _dump(expr: Expr | None) -> object:
    """The tree's meaning: groups dropped, values decoded, spellings canonical."""
    from nql_lsp.analysis.checker import value_text

    while isinstance(expr, Group):
        expr = expr.expr
    if expr is None:
        return None
    if isinstance(expr, Logical):
        return (expr.op, [_dump(o) for o in expr.operands])
    if isinstance(expr, Not):
        return ("NOT", _dump(expr.operand))
    assert isinstance(expr, Clause)
    fld = expr.field
    value = expr.value
    agg = expr.aggregate
    return (
        agg.name if agg else None,
        fld.name.path,
        fld.type.text if fld.type else None,
        expr.operator.op,
        None if value is None else (value.token.kind == "WORD", value_text(value)),
    )


def _check_meaning(text: str, width: int = 80) -> None:
    out = format_query(text, width)
    if out is None:  # the printer refuses only a query with syntax errors
        assert parse(text).errors
        return
    assert format_query(out, width) == out  # idempotent
    reparsed = parse(out)
    assert not reparsed.errors
    assert _dump(reparsed.tree.expr) == _dump(parse(text).tree.expr)


@pytest.mark.parametrize("query", CORPUS)
def test_corpus_formats_cleanly(query: str) -> None:
    assert format_query(query) is not None
    _check_meaning(query)


WORDS = st.sampled_from(["a", "`b c`", "sys/tags", "x.y-z", "日本"])
TYPES = st.sampled_from(["", ":int", ":string", ": float", ":stringSet"])
OPS = st.sampled_from(["=", "==", "!=", ">=", "contains", "NOT CONTAINS", "matches", "exists", "not exists"])
VALUES = st.sampled_from(["1", "-1d", '"x y"', "'sq'", '"a\\"b"', '"\\\\d"', "true", '"日本語😀"'])


@st.composite
def clause(draw: st.DrawFn) -> str:
    op = draw(OPS)
    lhs = draw(WORDS) + draw(TYPES)
    if draw(st.booleans()):
        lhs = f"last({lhs})"
    return f"{lhs} {op}" + ("" if "exists" in op else " " + draw(VALUES))


queries = st.recursive(
    clause(),
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from([" AND ", " or ", "\nOR "]), inner).map("".join),
        inner.map(lambda q: f"({q})"),
        inner.map(lambda q: f"NOT {q}" if q.startswith("(") else f"not ({q})"),
    ),
    max_leaves=8,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(queries, st.integers(20, 100))
def test_idempotent_and_meaning_preserving(text: str, width: int) -> None:
    assert format_query(text, width) is not None, text
    _check_meaning(text, width)


def test_range_formats_only_the_touched_operands() -> None:
    text = "a:int==1 AND   b:int==2 AND c:int==3"
    edits = format_range(text, 16, 17)
    assert [(e.start, e.end, e.new_text) for e in edits] == [(15, 23, "`b`:int = 2")]


def test_range_keeps_the_groups_parentheses() -> None:
    text = "x:int = 1 OR (a:int==1   AND b:int==2)"
    start = text.index("(")
    edits = format_range(text, start, len(text))
    assert [(e.start, e.new_text) for e in edits] == [(start, "((`a`:int = 1) AND (`b`:int = 2))")]


def test_range_on_broken_text_makes_no_edits() -> None:
    assert format_range("a:int = (", 0, 9) == []


# --- CLI ---------------------------------------------------------------------------------------------


def test_cli_check_diff_and_rewrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ugly = tmp_path / "ugly.nql"
    ugly.write_text("a:int == 1\n", encoding="utf-8")
    neat = tmp_path / "neat.nql"
    neat.write_text("`a`:int = 1\n", encoding="utf-8")
    assert main(["--format", "--check", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out == f"would reformat {ugly}\n"
    assert main(["--format", "--diff", str(ugly)]) == 0
    out = capsys.readouterr().out
    assert "-a:int == 1\n+`a`:int = 1\n" in out
    assert ugly.read_text(encoding="utf-8") == "a:int == 1\n"  # a diff changes nothing
    assert main(["--format", str(tmp_path)]) == 0
    assert ugly.read_text(encoding="utf-8") == "`a`:int = 1\n"
    assert main(["--format", "--check", str(tmp_path)]) == 0


def test_cli_stdin_and_syntax_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("x:string = 'y'"))
    assert main(["--format", "-"]) == 0
    assert capsys.readouterr().out == '`x`:string = "y"'
    monkeypatch.setattr("sys.stdin", io.StringIO("x:string = ("))
    assert main(["--format", "-"]) == 2
    assert "syntax errors" in capsys.readouterr().err


PYTHON_BEFORE = (
    'rows = project.fetch_runs_table(query="sys/failed:bool=false and `m`:float>=0.9")\n'
    'bad = project.fetch_runs_table(query="sys/failed:bool = and")\n'
    "more = project.fetch_runs_table(query=f\"`sys/tags`:stringSet contains 'prod' AND `m`:int > {n}\")\n"
    'kept = other.fetch(query="a:int=1")\n'
)
# Worked out by hand: the printer's canonical form written into each string with that string's escapes;
# the f-string hole stays; the broken query and the unrelated call stay as they were.
PYTHON_AFTER = (
    'rows = project.fetch_runs_table(query="(`sys/failed`:bool = false) AND (`m`:float >= 0.9)")\n'
    'bad = project.fetch_runs_table(query="sys/failed:bool = and")\n'
    'more = project.fetch_runs_table(query=f"(`sys/tags`:stringSet CONTAINS \\"prod\\") AND (`m`:int > {n})")\n'
    'kept = other.fetch(query="a:int=1")\n'
)


def test_cli_formats_the_queries_of_a_named_python_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import ast

    path = tmp_path / "report.py"
    path.write_bytes(b"\xef\xbb\xbf" + PYTHON_BEFORE.encode())
    assert main(["--format", "--check", str(path)]) == 2  # would change, and one query cannot be formatted
    captured = capsys.readouterr()
    assert captured.out == f"would reformat {path}\n"
    assert f"{path}:2:39: query not formatted: it has syntax errors" in captured.err
    assert main(["--format", str(path)]) == 2
    written = path.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf")  # the byte-order mark is kept
    after = written[3:].decode()
    assert after == PYTHON_AFTER
    ast.parse(after)
    # Directories are searched for .nql files only: the Python file there is left alone.
    path.write_text(PYTHON_BEFORE, encoding="utf-8")
    assert main(["--format", str(tmp_path)]) == 0
    assert path.read_text(encoding="utf-8") == PYTHON_BEFORE


def test_cli_formats_the_queries_of_a_named_notebook(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    cell = ["rows = project.fetch_runs_table(\n", '    query="a:int=1 and b:int=2"\n', ")\n"]
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": cell}],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path = tmp_path / "runs.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    assert main(["--format", str(path)]) == 0
    source = json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"]
    assert source == ["rows = project.fetch_runs_table(\n", '    query="(`a`:int = 1) AND (`b`:int = 2)"\n', ")\n"]
    assert main(["--format", "--check", str(path)]) == 0


def test_cli_diff_needs_format(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--diff", "x.nql"])
    assert exit_.value.code == 2
    assert "only taken with --format" in capsys.readouterr().err


def test_cli_line_width(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "q.nql"
    path.write_text("a:int = 1 AND b:int = 2", encoding="utf-8")
    assert main(["--format", "--line-width", "20", str(path)]) == 0
    assert path.read_text(encoding="utf-8") == "(`a`:int = 1)\nAND (`b`:int = 2)"
