"""The editor finds the export in the workspace, its lenses name what they counted against, and
``nql.project`` narrows the runs without reading them again.

The export is exporter-shaped (tests/neptune_exporter_shapes.py), two projects sharing a run id, counted by
hand: untrashed, team/one holds RUN-1 (lr 0.1); lab/two holds RUN-1 (lr 0.2, `only/two`) and RUN-3 (no lr).
team/one's RUN-2 (lr 0.3) is trashed, so left out of every count here.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import client_capabilities

from ..test_projects import _write_two_projects
from .conftest import SERVER, NqlClient, doc_id, open_doc

pytestmark = pytest.mark.asyncio(loop_scope="function")


async def _start(root: Path, options: dict[str, Any]) -> NqlClient:
    client = NqlClient.create()
    await client.start_io(*SERVER)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )
    return client


async def _titles(client: NqlClient, uri: str, refreshes: int) -> list[str]:
    """The lens titles once the server has asked for lenses again ``refreshes`` times (a load, a narrowing)."""
    await client.until(lambda: client.preview_refreshes >= refreshes)
    lenses = await client.text_document_code_lens_async(types.CodeLensParams(text_document=doc_id(uri)))
    return [lens.command.title for lens in lenses or [] if lens.command is not None]


def _configure(client: NqlClient, **nql: Any) -> None:
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"nql": nql}))


def _warned(client: NqlClient, uri: str, code: str) -> bool:
    return any(d.code == code for d in client.diagnostics.get(uri, []))


async def test_the_workspace_export_is_found_counted_and_narrowed(tmp_path: Path) -> None:
    _write_two_projects(tmp_path / "exports" / "data")
    (tmp_path / ".venv" / "lib").mkdir(parents=True)  # skipped: never looked into
    client = await _start(tmp_path, {})
    try:
        uri = open_doc(client, "lr:float EXISTS")
        assert await _titles(client, uri, 1) == ["matches 2 of 3 runs in exports/data"]
        logged = [m.message for m in client.log_messages]
        assert any("using the export found in the workspace" in m and "exports/data" in m for m in logged), logged
        assert len(client.progress_reports) == 1  # one load

        field_of_two = open_doc(client, "`only/two`:string EXISTS")
        await client.until(lambda: field_of_two in client.diagnostics)
        assert not _warned(client, field_of_two, "NQL110")  # lab/two holds it

        _configure(client, project="one")
        assert await _titles(client, uri, 2) == ["matches 1 of 1 run in exports/data, project team/one"]
        assert len(client.progress_reports) == 1  # narrowed, not read again
        # the learned schema is team/one's now: `only/two` is a path no run has
        await client.until(lambda: _warned(client, field_of_two, "NQL110"))

        _configure(client, project=["team/one", "two"])
        assert await _titles(client, uri, 3) == ["matches 2 of 3 runs in exports/data, projects lab/two, team/one"]

        _configure(client, project="nope")
        await client.until(lambda: client.messages)
        assert "no project 'nope'; it holds lab/two, team/one" in client.messages[-1].message
        assert await _titles(client, uri, 4) == []  # previews are off until the setting is fixed

        _configure(client, project="")
        assert await _titles(client, uri, 5) == ["matches 2 of 3 runs in exports/data"]
        assert len(client.progress_reports) == 1
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_without_an_export_in_the_workspace_the_sample_is_used_and_named(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "q.nql").write_text("`sys/failed`:bool = true\n", encoding="utf-8")
    client = await _start(tmp_path, {})
    try:
        uri = open_doc(client, "`sys/failed`:bool = true")
        [title] = await _titles(client, uri, 1)
        assert title.endswith(" runs in the bundled sample"), title
        logged = [m.message for m in client.log_messages]
        assert any("no export" in m and "bundled sample" in m for m in logged), logged
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_a_named_export_is_narrowed_at_start(tmp_path: Path) -> None:
    _write_two_projects(tmp_path / "runs")
    client = await _start(tmp_path, {"nql": {"runs": "runs", "project": "lab/two"}})
    try:
        uri = open_doc(client, "lr:float EXISTS")
        assert await _titles(client, uri, 1) == ["matches 1 of 2 runs in runs, project lab/two"]
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_an_mlflow_conversion_searches_the_one_project_the_runs_are_narrowed_to(tmp_path: Path) -> None:
    _write_two_projects(tmp_path / "runs")
    client = await _start(tmp_path, {"nql": {"runs": "runs", "project": "two"}})
    try:
        uri = open_doc(client, "lr:float > 0.15")
        await _titles(client, uri, 1)  # the runs are loaded and narrowed
        result = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nql.convert", arguments=[uri, None, "mlflow"])
        )
        assert isinstance(result, dict), result
        # the bare name the setting gave is searched by the full name the export holds
        assert 'e.name.startswith("lab/two/")' in result["text"], result["text"]
        named = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="nql.convert", arguments=[uri, None, "mlflow", {"project": "a/b"}])
        )
        assert isinstance(named, dict), named
        assert 'e.name.startswith("a/b/")' in named["text"]  # an explicit project wins
    finally:
        await client.shutdown_session()
        await client.stop()


def _folders(client: NqlClient, added: list[Path] = (), removed: list[Path] = ()) -> None:  # type: ignore[assignment]
    client.workspace_did_change_workspace_folders(
        types.DidChangeWorkspaceFoldersParams(
            event=types.WorkspaceFoldersChangeEvent(
                added=[types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in added],
                removed=[types.WorkspaceFolder(uri=p.as_uri(), name=p.name) for p in removed],
            )
        )
    )


async def test_a_folder_added_or_removed_is_searched_again_when_no_runs_are_named(tmp_path: Path) -> None:
    notes, project = tmp_path / "notes", tmp_path / "project"
    notes.mkdir()
    _write_two_projects(project / "exports" / "data")
    client = await _start(notes, {})
    try:
        uri = open_doc(client, "lr:float EXISTS")
        [title] = await _titles(client, uri, 1)
        assert title.endswith(" runs in the bundled sample"), title

        _folders(client, added=[project])  # the new folder holds an export: it is loaded
        assert await _titles(client, uri, 2) == ["matches 2 of 3 runs in exports/data"]
        logged = [m.message for m in client.log_messages]
        assert any("using the export found in the workspace" in m and "exports/data" in m for m in logged), logged

        _folders(client, removed=[project])  # gone again: back to the sample
        [title] = await _titles(client, uri, 3)
        assert title.endswith(" runs in the bundled sample"), title
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_a_folder_change_leaves_runs_the_setting_names_alone(tmp_path: Path) -> None:
    _write_two_projects(tmp_path / "runs")
    other = tmp_path / "other"
    _write_two_projects(other / "exports" / "data")
    client = await _start(tmp_path, {"nql": {"runs": "runs"}})
    try:
        uri = open_doc(client, "lr:float EXISTS")
        assert await _titles(client, uri, 1) == ["matches 2 of 3 runs in runs"]
        _folders(client, added=[other], removed=[tmp_path])  # a search would find other/exports/data
        await asyncio.sleep(1.0)  # time for a load it would start (a search, a summary from the cache)
        assert await _titles(client, uri, 1) == ["matches 2 of 3 runs in runs"]
        assert client.preview_refreshes == 1 and len(client.progress_reports) == 1  # never read again
    finally:
        await client.shutdown_session()
        await client.stop()


async def test_the_sample_setting_loads_the_bundled_sample_beside_an_export(tmp_path: Path) -> None:
    _write_two_projects(tmp_path / "exports" / "data")
    client = await _start(tmp_path, {"nql": {"runs": "sample"}})
    try:
        uri = open_doc(client, "`sys/failed`:bool = true")
        [title] = await _titles(client, uri, 1)
        assert title.endswith(" runs in the bundled sample"), title
        logged = [m.message for m in client.log_messages]
        assert not any("using the export found in the workspace" in m for m in logged), logged

        _configure(client, runs="")  # back to the search: the export is found
        assert await _titles(client, uri, 2) == ["matches 0 of 3 runs in exports/data"]
    finally:
        await client.shutdown_session()
        await client.stop()
