"""Previews in the editor: code lenses, per-clause inlay hints, nql.preview and nql.explain, runs loading.

Expected counts come from reading the bundled sample's JSON directly in the test (an oracle independent of
the evaluator), and from small runs files written here whose answers are counted by hand.
"""

from __future__ import annotations

import gzip
import json
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from .conftest import CLIENTS, SERVER, NqlClient, diagnostics, doc_id, new_uri, open_doc, pos

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _sample() -> list[dict[str, Any]]:
    data = resources.files("nql_lsp") / "data" / "sample_runs.json.gz"
    runs: list[dict[str, Any]] = json.loads(gzip.decompress(data.read_bytes()))
    return runs


def _failed_untrashed() -> tuple[int, int]:
    runs = [r for r in _sample() if r.get("sys/trashed") is not True]
    return sum(1 for r in runs if r.get("sys/failed") is True), len(runs)


@pytest_lsp.fixture(  # type: ignore[untyped-decorator]  # pytest-lsp's fixture decorator is not typed
    config=ClientServerConfig(server_command=SERVER, client_factory=NqlClient.create), params=CLIENTS, scope="module"
)
async def client(request, lsp_client: NqlClient):
    params = types.InitializeParams(capabilities=client_capabilities(request.param))
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def _lenses(client: NqlClient, uri: str) -> list[types.CodeLens]:
    """Lenses once the runs are loaded: loading happens in the background after ``initialized``, and ends
    with the server asking the client to refresh its lenses or inlay hints."""
    await client.until(lambda: client.preview_refreshes)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc_id(uri)))
    return list(lenses or [])


async def test_code_lens_counts_the_runs_a_query_matches(client):
    failed, total = _failed_untrashed()
    uri = open_doc(client, "`sys/failed`:bool = true")
    [lens] = await _lenses(client, uri)
    assert lens.command is not None
    assert lens.command.title == f"matches {failed:,} of {total:,} runs in the bundled sample"
    assert lens.command.command == "nql.preview"
    assert list(lens.command.arguments or []) == [uri, 0]
    assert lens.range.start == pos(0, 0)


async def test_no_lens_for_a_query_with_a_syntax_error(client):
    await _lenses(client, open_doc(client, "`sys/failed`:bool = true"))  # the runs are loaded
    uri = open_doc(client, "`sys/failed`:bool = ")
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc_id(uri)))
    assert not lenses


async def test_inlay_hints_count_each_clause_alone(client):
    runs = [r for r in _sample() if r.get("sys/trashed") is not True]
    failed = sum(1 for r in runs if r.get("sys/failed") is True)
    idle = sum(1 for r in runs if r.get("sys/state") == "idle")
    text = '`sys/failed`:bool = true AND\n`sys/state`:experimentState = "idle"'
    uri = open_doc(client, text)
    await _lenses(client, uri)
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(text_document=doc_id(uri), range=types.Range(start=pos(0, 0), end=pos(2, 0)))
    )
    assert [(h.position, h.label) for h in hints] == [
        (pos(0, 24), f"{failed}/{len(runs)}"),
        (pos(1, 36), f"{idle}/{len(runs)}"),
    ]


async def test_preview_command_returns_the_matching_runs(client):
    runs = [r for r in _sample() if r.get("sys/trashed") is not True]
    expected = sorted(r["sys/id"] for r in runs if "resnet" in r.get("sys/name", ""))
    uri = open_doc(client, '`sys/name`:string CONTAINS "resnet"')
    await _lenses(client, uri)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.preview", arguments=[uri, 0])
    )
    assert result["matched"] == len(expected) > 0
    assert result["total"] == len(runs)
    assert sorted(row["sys/id"] for row in result["runs"]) == expected
    assert result["columns"] == ["sys/id", "sys/name"]
    assert result["source"] == "bundled sample"
    lines = result["markdown"].splitlines()
    assert lines[0] == f"**matches {len(expected)} of {len(runs)} runs in the bundled sample**"
    assert lines[2] == "| `sys/id` | `sys/name` |"
    assert len(lines) == 4 + len(expected)


async def test_explain_names_the_clause_that_keeps_a_run_out(client):
    runs = [r for r in _sample() if r.get("sys/trashed") is not True]
    ok = next(r for r in runs if r.get("sys/failed") is False)
    uri = open_doc(client, "`sys/failed`:bool = true")
    await _lenses(client, uri)
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.explain", arguments=[uri, ok["sys/id"]])
    )
    assert result["runId"] == ok["sys/id"]
    assert "does not match" in result["message"]
    assert "sys/failed" in result["message"]
    unknown = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.explain", arguments=[uri, "NOPE-0"])
    )
    assert "no run `NOPE-0`" in unknown["message"]


async def test_commands_with_bad_arguments_answer_with_an_error(client):
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.preview", arguments=[42])
    )
    assert "error" in result
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="nql.explain", arguments=["file:///not/open.nql"])
    )
    assert "error" in result


# --- a runs file of the user's own: learned schema, bad files --------------------------------------------

RUNS = [  # hand-counted: 2 runs have train/loss, 1 has acc >= 0.9
    {"sys/id": "R-1", "sys/name": "one", "acc": 0.95, "train/loss": [0.9, 0.5]},
    {"sys/id": "R-2", "sys/name": "two", "acc": 0.5, "train/loss": [0.8, 0.7]},
    {"sys/id": "R-3", "sys/name": "three"},
]


async def _start(tmp: Path, runs_setting: object) -> tuple[NqlClient, list[types.ShowMessageParams]]:
    """A server of its own, with ``nql.runs`` set at initialize; the messages it shows."""
    client = NqlClient.create()
    await client.start_io(*SERVER)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp.as_uri(),
            initialization_options={"nql": {"runs": runs_setting}},
        )
    )
    return client, client.messages


@pytest.mark.asyncio(loop_scope="function")
async def test_a_users_runs_file_gives_counts_and_a_learned_schema(tmp_path):
    (tmp_path / "runs.jsonl").write_text("\n".join(json.dumps(r) for r in RUNS), encoding="utf-8")
    client, _ = await _start(tmp_path, "runs.jsonl")  # relative to the workspace root
    try:
        uri = open_doc(client, "`acc`:float >= 0.9")
        [lens] = await _lenses(client, uri)
        # named as the workspace knows it
        assert lens.command is not None and lens.command.title == "matches 1 of 3 runs in runs.jsonl"
        # Loading was reported as work-done progress: begun with the file's path, ended with the count.
        # pytest-lsp keeps each progress value (begin, report, end) under its token.
        [reports] = list[list[Any]](client.progress_reports.values())
        assert isinstance(reports[0], types.WorkDoneProgressBegin)
        assert (reports[0].message or "").endswith("runs.jsonl")
        assert isinstance(reports[-1], types.WorkDoneProgressEnd) and reports[-1].message == "3 runs"
        # The learned schema now knows `train/loss` (it was in place before the lens was asked for): a
        # misspelt path is worth a warning.
        typo = open_doc(client, "last(`train/los`:floatSeries) < 1")
        found = await diagnostics(client, typo)
        assert any("train/loss" in d.message for d in found), found
    finally:
        await client.shutdown_session()
        await client.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_broken_runs_file_is_reported_and_the_server_keeps_serving(tmp_path):
    (tmp_path / "runs.jsonl").write_text('{"sys/id": "R-1"}\n{"sys/id": \n', encoding="utf-8")
    client, messages = await _start(tmp_path, "runs.jsonl")
    try:
        await client.until(lambda: messages)
        assert len(messages) == 1
        assert "runs.jsonl:2:12: invalid JSON" in messages[0].message
        uri = open_doc(client, "`sys/failed`:bool = ")
        assert [d.code for d in await diagnostics(client, uri)] == ["NQL002"]
        lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc_id(uri)))
        assert not lenses
        assert len(messages) == 1  # said once, not again on each request
    finally:
        await client.shutdown_session()
        await client.stop()


@pytest.mark.asyncio(loop_scope="function")
async def test_a_models_query_is_read_without_the_runs(tmp_path):
    """``fetch_models_table`` filters models, whose fields no runs file holds: its query is checked against
    the ``sys/`` fields alone (no "no run has it"), gets no count, and the preview says why; the runs query
    beside it is read against the runs as before."""
    (tmp_path / "runs.jsonl").write_text("\n".join(json.dumps(r) for r in RUNS), encoding="utf-8")
    client, _ = await _start(tmp_path, "runs.jsonl")
    try:
        text = (
            'models = project.fetch_models_table(query="`model/stage`:string = \\"prod\\"")\n'
            'runs = project.fetch_runs_table(query="`model/stage`:string = \\"prod\\"")\n'
        )
        uri = open_doc(client, text, uri=new_uri(".py"), language_id="python")
        lenses = await _lenses(client, uri)
        # Only the runs query (the second) is counted: no run has the field, so it matches none of 3.
        assert [(lens.range.start.line, lens.command and lens.command.title) for lens in lenses] == [
            (1, "matches 0 of 3 runs in runs.jsonl")
        ]
        found = await diagnostics(client, uri)
        assert [(d.code, d.range.start.line) for d in found] == [("NQL110", 1)], found
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nql.preview", arguments=[uri, 0])
        )
        assert result is not None
        assert result["error"] == "this query filters models, not runs: the runs cannot answer it"
    finally:
        await client.shutdown_session()
        await client.stop()
