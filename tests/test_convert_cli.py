"""``run_convert``: what the command line prints and the exit codes it returns."""

from __future__ import annotations

import ast
import io
import json
from pathlib import Path

import pytest

from nql_lsp.cli.convert import run_convert
from nql_lsp.features.convert import CODES, find_filters, from_filter

ROOT = Path(__file__).resolve().parent.parent


def test_a_query_argument_prints_its_filter(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_convert("filter", ['sys/name = "x" AND f:float > 1']) == 0
    out = capsys.readouterr().out
    assert out == (
        "from neptune_query.filters import Attribute, Filter\n\n"
        'query = Filter.eq("sys/name", "x") & Filter.gt(Attribute("f", type="float"), 1)\n'
    )


def test_what_cannot_convert_is_reported_like_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_convert("mlflow", ["min(a:floatSeries) > 1 AND sys/state = idle"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "<argument>:1:1: CNV302 `min(...)` has no equivalent: MLflow keeps a metric's latest value",
        "<argument>:1:28: CNV301 `sys/state` (experimentState) is not exported",
    ]


def test_queries_in_a_python_file_convert_each_with_its_place(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "train.py"
    path.write_text(
        "import neptune\n"
        "project = neptune.init_project()\n"
        "a = project.fetch_runs_table(query='sys/owner = \"ann\"')\n"
        "b = project.fetch_runs_table(query=f\"sys/name = '{name}'\")\n",
        encoding="utf-8",
    )
    assert run_convert("mlflow", [str(path)], output_format="json") == 1  # the f-string cannot convert
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert [(r["row"], r["column"]) for r in rows] == [(3, 37), (4, 38)]  # where each query text begins
    assert rows[0]["filter_string"] == "params.`sys/owner` = 'ann'"
    assert [p["code"] for p in rows[1]["problems"]] == ["CNV003"]
    assert f"{path}:4:" in captured.err and "CNV003" in captured.err


def test_a_models_query_is_not_converted_to_a_runs_filter(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """neptune-query and MLflow's search filter runs: a ``fetch_models_table`` query has no equivalent there."""
    path = tmp_path / "registry.py"
    path.write_text(
        "models = project.fetch_models_table(query='sys/owner = \"ann\"')\n"
        "runs = project.fetch_runs_table(query='sys/owner = \"ann\"')\n",
        encoding="utf-8",
    )
    for target in ("filter", "mlflow"):
        assert run_convert(target, [str(path)], output_format="json") == 1
        captured = capsys.readouterr()
        models, runs = json.loads(captured.out)
        assert [p["code"] for p in models["problems"]] == ["CNV004"]
        assert (models["problems"][0]["row"], models["problems"][0]["column"]) == (1, 44)  # where the query begins
        assert runs["problems"] == []
        assert f"{path}:1:44: CNV004 the query filters models" in captured.err


def test_reverse_reads_filter_code_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code = 'from neptune_query.filters import Filter\nq = Filter.eq("a", 1) | ~Filter.exists("b")\n'
    monkeypatch.setattr("sys.stdin", io.StringIO(code))
    assert run_convert("filter", ["-"], reverse=True) == 0
    assert capsys.readouterr().out == '(`a` = "1") OR (NOT (`b` EXISTS))\n'


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_convert("wandb", ["x = 1"]) == 2
    assert run_convert("mlflow", ["x = 1"], reverse=True) == 2
    assert run_convert("filter", ["x = 1"], output_format="sarif") == 2
    assert run_convert("filter", ["a:int = 1", "/no/such/file.nql"]) == 2
    assert "nql-lsp:" in capsys.readouterr().err


def test_find_filters_takes_the_outermost_expressions() -> None:
    source = (
        "from neptune_query.filters import Filter\n"
        'a = Filter.eq("x", 1) & Filter.eq("y", 2)\n'
        'nq.fetch(experiments=~Filter.exists("z"), other=a)\n'
    )
    found = find_filters(source)
    assert [source[f.start : f.end] for f in found] == [
        'Filter.eq("x", 1) & Filter.eq("y", 2)',
        '~Filter.exists("z")',
    ]


@pytest.mark.parametrize(
    "expression",
    [
        'Filter.eq("a", "x")',
        'Filter.eq("a", "it\'s") & Filter.eq("b", "q\\\\")',
        " & ".join(f'Filter.eq("long_attribute_{i}", "x\\\\\'\\"")' for i in range(4)),
        " & ".join(f'Filter.eq("long_attribute_{i}", "x\\\\\\"")' for i in range(4)),
    ],
)
def test_the_python_literal_holds_the_query(expression: str) -> None:
    converted = from_filter(expression)
    assert converted.python_literal is not None
    assert ast.literal_eval(converted.python_literal) == converted.query


def test_every_code_is_documented() -> None:
    docs = (ROOT / "docs" / "convert.md").read_text(encoding="utf-8")
    for code in CODES:
        assert f"`{code}`" in docs, code
