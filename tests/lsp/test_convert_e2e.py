"""``nql.convert``: the conversions as a server command, as editors call it from a palette or a user command.

Expected values were worked out by hand from docs/convert.md's rules (neptune-query's spelling of types, the
MLflow keys of exported attributes); positions count code points, plus one for each `é` in UTF-8.
"""

from __future__ import annotations

import ast
from typing import Any

import pytest
from lsprotocol import types

from .conftest import encoding, new_uri, open_doc, pos
from .test_python_e2e import apply

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def convert(client, *arguments: Any) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.convert", arguments=list(arguments))
    )
    assert isinstance(result, dict), result
    return result


def at(line: int, character: int) -> dict[str, int]:
    return {"line": line, "character": character}


def edits_of(result: dict[str, Any], uri: str) -> list[types.TextEdit]:
    """The text edits of the answer's WorkspaceEdit, in whichever form the client asked for."""
    edit = result["edit"]
    assert edit is not None
    raw = edit["changes"][uri] if "changes" in edit else edit["documentChanges"][0]["edits"]
    if "documentChanges" in edit:
        assert edit["documentChanges"][0]["textDocument"]["uri"] == uri
    return [
        types.TextEdit(
            range=types.Range(
                start=pos(e["range"]["start"]["line"], e["range"]["start"]["character"]),
                end=pos(e["range"]["end"]["line"], e["range"]["end"]["character"]),
            ),
            new_text=e["newText"],
        )
        for e in raw
    ]


def open_py(client, text: str) -> str:
    return open_doc(client, text, uri=new_uri(".py"), language_id="python")


FILTER_OF_FAILED = 'Filter.eq(Attribute("sys/failed", type="bool"), True)'


async def test_a_query_string_in_python_converts_to_filter_code_with_an_edit_in_place(client):
    text = 'from __future__ import annotations\n\nruns = project.fetch_runs_table(query="`sys/failed`:bool = true")\n'
    uri = open_py(client, text)
    result = await convert(client, uri, at(2, 45), "filter")
    assert result["target"] == "filter"
    assert result["language"] == "python"
    assert result["problems"] == [] and result["message"] == ""
    assert "error" not in result
    assert result["expression"] == FILTER_OF_FAILED
    assert result["imports"] == ["Attribute", "Filter"]
    assert result["text"] == f"from neptune_query.filters import Attribute, Filter\n\nquery = {FILTER_OF_FAILED}\n"
    converted = apply(text, edits_of(result, uri), encoding(client))
    assert converted == (
        "from __future__ import annotations\n"
        "from neptune_query.filters import Attribute, Filter\n"
        "\n"
        f"runs = project.fetch_runs_table(query={FILTER_OF_FAILED})\n"
    )
    ast.parse(converted)


async def test_the_cursor_on_the_line_of_a_query_but_outside_its_string_finds_it(client):
    text = 'x = 1\nruns = project.fetch_runs_table(query="`sys/failed`:bool = true")\n'
    uri = open_py(client, text)
    result = await convert(client, uri, at(1, 2), "filter")  # on `runs`
    assert result["expression"] == FILTER_OF_FAILED
    nothing = await convert(client, uri, at(0, 2), "filter")
    assert nothing["text"] is None and nothing["edit"] is None
    assert nothing["error"] == "no query at line 1"


async def test_an_nql_file_converts_whole_with_no_edit(client):
    uri = open_doc(client, "`sys/failed`:bool = true\n")
    result = await convert(client, uri, None, "filter")
    assert result["text"] == f"from neptune_query.filters import Attribute, Filter\n\nquery = {FILTER_OF_FAILED}\n"
    assert result["edit"] is None  # Python code cannot stand in a .nql file


async def test_what_the_filter_api_cannot_say_is_a_problem_at_its_place(client):
    # `min(...)` starts at code point 19: `sys/name` (8), ` = ` (11), `"é"` (14), ` AND ` (19).
    uri = open_doc(client, 'sys/name = "é" AND min(`loss`:floatSeries) < 0.5')
    result = await convert(client, uri, at(0, 30), "filter")
    assert result["text"] is None and result["edit"] is None
    [problem] = result["problems"]
    assert problem["code"] == "CNV101"
    assert problem["severity"] == "error"
    assert "min" in problem["message"]
    shift = 1 if encoding(client) == "utf-8" else 0
    assert problem["range"]["start"] == {"line": 0, "character": 19 + shift}
    # As the CLI says it: row and column are 1-based code points, whatever the encoding.
    assert result["message"] == f"1:20: CNV101 {problem['message']}"
    assert result["error"] == result["message"]


async def test_a_query_converts_to_an_mlflow_filter_string(client):
    uri = open_doc(client, 'sys/name = "baseline" AND last(`val/acc`:floatSeries) >= 0.9')
    result = await convert(client, uri, None, "mlflow", {"project": "ws/proj"})
    assert result["filterString"] == "params.`sys/name` = 'baseline' AND metrics.`val/acc` >= 0.9"
    assert result["edit"] is None
    assert result["problems"] == []
    assert 'e.name.startswith("ws/proj/")' in result["text"]
    assert "mlflow.search_runs(" in result["text"]


async def test_what_the_export_drops_is_an_mlflow_problem(client):
    uri = open_doc(client, 'sys/state = "running"')
    result = await convert(client, uri, None, "mlflow")
    assert result["text"] is None
    assert [p["code"] for p in result["problems"]] == ["CNV301"]
    assert result["error"].startswith("1:1: CNV301 ")


async def test_a_filter_expression_converts_to_nql_with_an_edit_to_a_string(client):
    text = (
        "from neptune_query.filters import Filter\n"
        'wanted = Filter.eq("sys/owner", "sigurd") & Filter.exists("dataset_version")\n'
    )
    uri = open_py(client, text)
    result = await convert(client, uri, at(1, 20), "nql")
    # neptune-query writes each child of `&` in parentheses, names in backquotes, `==` as `=` once formatted.
    query = '(`sys/owner` = "sigurd") AND (`dataset_version` EXISTS)'
    assert result["query"] == result["text"] == query
    assert result["language"] == "nql"
    converted = apply(text, edits_of(result, uri), encoding(client))
    assert converted == f"from neptune_query.filters import Filter\nwanted = '{query}'\n"


async def test_no_filter_expression_at_the_place_is_said(client):
    uri = open_py(client, "x = 1\n")
    result = await convert(client, uri, at(0, 0), "nql")
    assert result["text"] is None
    assert [p["code"] for p in result["problems"]] == ["CNV202"]
    nql = open_doc(client, "`a`:int > 1")
    refused = await convert(client, nql, None, "nql")
    assert "Python file" in refused["error"]


async def test_a_query_with_an_f_string_hole_is_not_converted(client):
    text = 'runs = project.fetch_runs_table(query=f"`acc`:float > {threshold}")\n'
    uri = open_py(client, text)
    result = await convert(client, uri, at(0, 45), "filter")
    assert result["text"] is None
    [problem] = result["problems"]
    assert problem["code"] == "CNV003"
    # The hole `{threshold}` starts at code point 54 of the line.
    assert problem["range"]["start"] == {"line": 0, "character": 54}


async def test_several_queries_need_a_place(client):
    text = 'a = fetch_runs_table(query="`a`:int > 1")\nb = fetch_runs_table(query="`b`:int > 2")\n'
    uri = open_py(client, text)
    result = await convert(client, uri, None, "filter")
    assert result["error"] == "the document holds 2 queries: place the cursor on the one to convert"
    # The query of the second line starts at code point 28, after `b = fetch_runs_table(query="`.
    second = await convert(client, uri, {"start": at(1, 29), "end": at(1, 33)}, "filter")
    assert second["expression"] == 'Filter.gt(Attribute("b", type="int"), 2)'


async def test_bad_arguments_answer_with_an_error_not_a_failure(client):
    uri = open_doc(client, "`a`:int > 1")
    for arguments in (
        [uri, None, "sql"],
        [uri, None],
        [uri, {"line": -1, "character": 0}, "filter"],
        [uri, "here", "filter"],
        [uri, {"start": at(0, 0)}, "filter"],
        ["file:///not/open.nql", None, "filter"],
        [42],
        [],
    ):
        result = await convert(client, *arguments)
        assert result["text"] is None and result["edit"] is None, arguments
        assert result["error"].startswith("nql.convert takes [uri, position or range or null, target"), arguments


@pytest.mark.asyncio(loop_scope="function")
async def test_the_server_announces_the_command():
    # In process, on the wire: a client learns the commands it may send from the answer to initialize.
    from .wire import Wire

    wire = Wire()
    answer = await wire.initialize({}, {"nql": {"runs": False}})
    commands = answer["result"]["capabilities"]["executeCommandProvider"]["commands"]
    assert "nql.convert" in commands
    assert {"nql.preview", "nql.explain"} <= set(commands)
    wire.close()
