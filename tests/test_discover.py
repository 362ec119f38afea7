"""Finding an export inside a workspace: the folder holding the project folders, found by a bounded search."""

from __future__ import annotations

from pathlib import Path

import pytest

from nql_lsp.runs import discover
from nql_lsp.runs.discover import describe, find_export


def _part(folder: Path, name: str = "run-0123_part_0.parquet") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(b"PAR1")
    return folder / name


def test_the_folder_holding_the_project_folders_is_the_export(tmp_path: Path) -> None:
    _part(tmp_path / "exports" / "data" / "team_cls-0123456789abcdef")
    assert find_export([tmp_path]) == tmp_path / "exports" / "data"


def test_the_shallowest_export_wins_and_parts_alone_are_not_enough(tmp_path: Path) -> None:
    _part(tmp_path / "a" / "b" / "c" / "proj")
    _part(tmp_path / "z" / "proj")
    _part(tmp_path / "y" / "proj", "run_part_1.parquet")  # no part_0: an interrupted run, not an export
    assert find_export([tmp_path]) == tmp_path / "z"


def test_hidden_folders_virtualenvs_and_node_modules_are_skipped(tmp_path: Path) -> None:
    for skipped in (".git", ".venv", "node_modules", ".cache"):
        _part(tmp_path / skipped / "data" / "proj")
    assert find_export([tmp_path]) is None
    _part(tmp_path / "data" / "proj")
    assert find_export([tmp_path]) == tmp_path / "data"


def test_the_search_goes_only_so_deep(tmp_path: Path) -> None:
    deep = tmp_path / "1" / "2" / "3" / "4" / "5" / "proj"
    _part(deep)
    assert find_export([tmp_path]) is None
    assert find_export([tmp_path / "1"]) is None  # the parts are 5 folders down
    assert find_export([tmp_path / "1" / "2"]) == deep.parent  # 4 folders down: in reach


def test_the_search_looks_at_so_many_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for i in range(30):
        (tmp_path / f"f{i:02}.txt").write_text("x")
    _part(tmp_path / "zz" / "proj")
    assert find_export([tmp_path]) == tmp_path / "zz"
    monkeypatch.setattr(discover, "MAX_ENTRIES", 20)
    assert find_export([tmp_path]) is None


def test_symlinked_folders_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    _part(outside / "data" / "proj")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "link").symlink_to(outside, target_is_directory=True)
    assert find_export([workspace]) is None


def test_parts_directly_in_the_workspace_folder_make_it_the_export(tmp_path: Path) -> None:
    _part(tmp_path)
    assert find_export([tmp_path]) == tmp_path


def test_several_folders_in_order_and_missing_ones(tmp_path: Path) -> None:
    _part(tmp_path / "two" / "data" / "proj")
    assert find_export([tmp_path / "missing", tmp_path / "one", tmp_path / "two"]) == tmp_path / "two" / "data"
    assert find_export([]) is None


def test_describe_names_a_path_relative_to_its_workspace_folder(tmp_path: Path) -> None:
    assert describe(tmp_path / "exports" / "data", [tmp_path / "other", tmp_path]) == "exports/data"
    assert describe(tmp_path, [tmp_path]) == "."
    assert describe("/elsewhere/data", [tmp_path]) == "/elsewhere/data"


def test_model_registry_entities_do_not_make_an_export(tmp_path: Path) -> None:
    project = "team_cls-0123456789abcdef"
    _part(tmp_path / "exports" / "model_data" / project / "models", "CLS-MOD_part_0.parquet")
    _part(tmp_path / "exports" / "model_data" / project / "model_versions", "CLS-MOD-1_part_0.parquet")
    assert find_export([tmp_path]) is None
    _part(tmp_path / "deeper" / "exports" / "data" / project)
    assert find_export([tmp_path]) == tmp_path / "deeper" / "exports" / "data"
