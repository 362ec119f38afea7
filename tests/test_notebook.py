"""NQL inside notebooks: positions in the .ipynb file's own rows and columns, fixes escaped twice.

Rows and columns of ``tests/fixtures/python/analysis.ipynb`` below were counted by hand on the JSON text.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.holes import file_diagnostics
from nql_lsp.cli.app import main
from nql_lsp.diagnostics import Edit
from nql_lsp.sources.files import read_source
from nql_lsp.sources.notebook import extract_notebook
from nql_lsp.sources.python import find_queries

from .test_python_literals import query_source

NOTEBOOK = Path(__file__).parent / "fixtures" / "python" / "analysis.ipynb"


def apply(text: str, edits: Iterable[Edit]) -> str:
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: e.start] + e.new_text + text[e.end :]
    return text


def cells(text: str) -> list[str]:
    doc = json.loads(text)
    out = []
    for cell in doc["cells"]:
        if cell["cell_type"] == "code":
            src = cell["source"]
            out.append(src if isinstance(src, str) else "".join(src))
    return out


def test_positions_are_rows_and_columns_of_the_notebook_file(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--check", str(NOTEBOOK), "--output-format", "json"])
    out, err = capsys.readouterr()
    assert code == 1
    items = json.loads(out)
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
    # Row 19: the query after \" and \\\" escapes of two layers and an é; row 32: after a \u00fc escape.
    assert got == [("NQL101", 19, 81, 19, 85), ("NQL101", 32, 17, 32, 22)]
    lines = NOTEBOOK.read_text(encoding="utf-8").splitlines()
    assert lines[18][80:84] == "flot"
    assert lines[31][16:21] == "strng"
    # The markdown cell mentions a query but is not code; cell 5 is not Python and says so.
    assert err == (
        f"nql-lsp: {NOTEBOOK}: cell 5: not valid Python (invalid syntax at line 1, column 5); "
        "its queries were not checked\n"
    )


def test_fixes_keep_the_notebook_valid_json_and_python() -> None:
    text = NOTEBOOK.read_text(encoding="utf-8")
    source = read_source(str(NOTEBOOK))
    fixes = [f for q in source.queries for d in file_diagnostics(q, analyze(q.text)) for f in d.fixes]
    assert [f.message for f in fixes] == ["Change to `float`", "Change to `string`"]
    fixed = text
    for f in reversed(fixes):
        fixed = apply(fixed, f.edits)
    code_cells = cells(fixed)
    assert "`f1`:float > 0.5" in code_cells[0]
    assert 'AND ü:string = "x"' in code_cells[1]
    python = [
        "\n".join("#" if line.lstrip().startswith(("%", "!")) else line for line in cell.split("\n"))
        for cell in code_cells[:3]
    ]
    for cell in python:
        ast.parse(cell)
    assert [q.text for q in find_queries(python[0])] == ['sys/name:string = "é" AND `f1`:float > 0.5']


def test_fix_escaped_for_python_then_for_json() -> None:
    cell = "rows = project.fetch_runs_table(query=\"`s`:string = 'é'\")\n"
    text = json.dumps(
        {"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": [cell]}]}, indent=1, ensure_ascii=True
    )
    (q,) = extract_notebook(text)
    (d,) = file_diagnostics(q, analyze(q.text))
    assert d.code == "NQL304"
    assert text[d.start : d.end] == "'\\u00e9'"  # the range covers the é as the JSON file spells it
    fixed = apply(text, d.fixes[0].edits)
    (new_cell,) = cells(fixed)
    assert new_cell == 'rows = project.fetch_runs_table(query="`s`:string = \\"é\\"")\n'
    assert [q.text for q in find_queries(new_cell)] == ['`s`:string = "é"']


def test_source_as_one_string_and_cell_magics() -> None:
    doc = {
        "cells": [
            {"cell_type": "code", "source": "%%bash\necho 'fetch_runs_table(query=\"a:flot > 1\")'"},
            {"cell_type": "code", "source": '%%time\nrows = p.fetch_runs_table(query="a:flot > 1")'},
            {"cell_type": "raw", "source": 'p.fetch_runs_table(query="a:flot > 1")'},
        ]
    }
    text = json.dumps(doc)
    found = extract_notebook(text)
    assert [q.text for q in found] == ["a:flot > 1"]
    (d,) = file_diagnostics(found[0], analyze(found[0].text))
    assert text[d.start : d.end] == "flot"
    assert found.notes == []


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("{not json", "not a notebook: invalid JSON"),
        ("[1, 2]", "not a notebook: no list of cells"),
        ('{"cells": 3}', "not a notebook: no list of cells"),
    ],
)
def test_not_a_notebook_is_a_note(text: str, note: str) -> None:
    found = extract_notebook(text)
    assert list(found) == []
    assert found.notes[0].startswith(note)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_source(), st.booleans(), st.sampled_from([None, 1, 2]), st.booleans(), st.data())
def test_notebook_edits_are_refused_or_exact(
    case: tuple[str, str], ascii_only: bool, indent: int | None, one_string: bool, data: st.DataObject
) -> None:
    value, cell = case
    source = cell if one_string else cell.splitlines(keepends=True)
    text = json.dumps(
        {"cells": [{"cell_type": "markdown", "source": ["x"]}, {"cell_type": "code", "source": source}]},
        indent=indent,
        ensure_ascii=ascii_only,
    )
    (q,) = extract_notebook(text)
    assert q.text == value
    offsets = [q.file_offset(i) for i in range(len(value) + 1)]
    assert offsets == sorted(offsets)
    s = data.draw(st.integers(0, len(value)))
    e = data.draw(st.integers(s, len(value)))
    new_text = data.draw(st.text(st.sampled_from("ab\\\"'{}\n7é😀"), max_size=4))
    edits = q.file_edits(Edit(s, e, new_text))
    assume(edits is not None)  # refused: the cell's JSON cannot hold it; too many refusals fail the test
    assert edits is not None
    fixed = apply(text, edits)
    (new_cell,) = cells(fixed)
    (q2,) = find_queries(new_cell)
    assert q2.text == value[:s] + new_text + value[e:]


def test_a_string_line_starting_with_percent_is_not_a_magic() -> None:
    query_cell = "q = p.fetch_runs_table(query='''a:flot = 1\n%b''')\n"
    with_magic = "%time x = 1\n" + query_cell
    text = json.dumps(
        {"cells": [{"cell_type": "code", "source": query_cell}, {"cell_type": "code", "source": with_magic}]}
    )
    found = extract_notebook(text)
    # The first cell is Python as it is: its string keeps its `%`. In the second, turning the magic into a
    # comment would also change the string, so its query is skipped rather than read wrong.
    assert [q.text for q in found] == ["a:flot = 1\n%b"]
