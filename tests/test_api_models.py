"""Models and model versions from an export, as neptune-client 1.x fetched them.

``neptune-exporter export-models`` writes them into ``<project folder>/models/`` and ``model_versions/``
(by default under their own ``exports/model_data``): ``project.fetch_models_table(...)`` and
``neptune.init_model(with_id=...).fetch_model_versions_table(...)`` keep working as
``nql_lsp.api.open(path).fetch_models_table(...)`` and ``.model(with_id).fetch_model_versions_table(...)``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import nql_lsp.api
from nql_lsp.api import NQLError

from .neptune_exporter_shapes import T0, neptune2_run, param, write_run

P = "acme/registry"


def _entity(entity: str, day: int, **extra: tuple[str, Any]) -> list[dict[str, Any]]:
    rows = [
        param(P, entity, "sys/id", "string", entity),
        param(P, entity, "sys/creation_time", "datetime", T0 + timedelta(days=day)),
        param(P, entity, "sys/trashed", "bool", extra.pop("trashed", ("bool", False))[1]),
    ]
    return rows + [param(P, entity, path, type_, value) for path, (type_, value) in extra.items()]


def _registry(root: Path) -> Path:
    write_run(
        root, P, "REG-CLS", _entity("REG-CLS", 1, **{"sys/name": ("string", "classifier")}), entity_scope="models"
    )
    write_run(root, P, "REG-DET", _entity("REG-DET", 2), entity_scope="models")
    versions = [
        ("REG-CLS-1", "REG-CLS", 3, "archived", 0.71, False),
        ("REG-CLS-2", "REG-CLS", 4, "production", 0.83, False),
        ("REG-CLS-3", "REG-CLS", 5, "staging", 0.88, True),  # trashed: never listed
        ("REG-DET-1", "REG-DET", 6, "staging", 0.90, False),
    ]
    for version, model, day, stage, acc, trashed in versions:
        rows = _entity(
            version,
            day,
            **{
                "sys/model_id": ("string", model),
                "sys/stage": ("string", stage),
                "val/acc": ("float", acc),
                "trashed": ("bool", trashed),
            },
        )
        write_run(root, P, version, rows, entity_scope="model_versions")
    return root


def test_models_beside_runs(tmp_path: Path) -> None:
    write_run(tmp_path, P, "REG-1", neptune2_run(P, "REG-1", "a run", [0.5]))
    project = nql_lsp.api.open(_registry(tmp_path))
    assert [r["sys/id"] for r in project.fetch_runs_table()] == ["REG-1"]
    models = project.fetch_models_table()
    assert [r["sys/id"] for r in models] == ["REG-DET", "REG-CLS"]  # newest first
    named = project.fetch_models_table(query='`sys/name`:string = "classifier"', columns=["sys/name"])
    # Datetimes naive in UTC, as the client gave them.
    assert named.rows == [
        {"sys/id": "REG-CLS", "sys/name": "classifier", "sys/creation_time": datetime(2025, 3, 2, 12)}
    ]


def test_a_models_versions_are_its_own_and_not_trashed(tmp_path: Path) -> None:
    model = nql_lsp.api.open(_registry(tmp_path)).model("REG-CLS")
    assert [r["sys/id"] for r in model.fetch_model_versions_table()] == ["REG-CLS-2", "REG-CLS-1"]
    best = model.fetch_model_versions_table(query="`val/acc`:float > 0.8", sort_by="val/acc", columns=["val/acc"])
    assert [(r["sys/id"], r["val/acc"]) for r in best] == [("REG-CLS-2", 0.83)]
    staged = model.fetch_model_versions_table(query='`sys/stage`:string = "staging"')
    assert staged.rows == []  # REG-CLS-3 is trashed, REG-DET-1 another model's
    assert [r["sys/id"] for r in model.fetch_model_versions_table(limit=1, ascending=True)] == ["REG-CLS-1"]


def test_a_folder_of_models_only_opens_with_no_runs(tmp_path: Path) -> None:
    project = nql_lsp.api.open(_registry(tmp_path))
    assert len(project) == 0 and project.fetch_runs_table().rows == []
    assert project.warnings == [
        f"{tmp_path}: holds no runs; 2 models and 4 model versions left out: model registry entities written by "
        "export-models are not runs (fetch_runs_table never listed them)"
    ]
    assert len(project.fetch_models_table()) == 2


def test_what_cannot_be_answered_is_said(tmp_path: Path) -> None:
    with pytest.raises(NQLError, match=r"model `REG-XYZ`: .* holds no such model \(it holds REG-CLS, REG-DET\)"):
        nql_lsp.api.open(_registry(tmp_path / "a")).model("REG-XYZ")
    write_run(tmp_path / "b", P, "REG-1", neptune2_run(P, "REG-1", "a run", [0.5]))
    runs_only = nql_lsp.api.open(tmp_path / "b")
    with pytest.raises(NQLError, match=r"holds no models \(export-models writes them into <project folder>/models/\)"):
        runs_only.fetch_models_table()
    with pytest.raises(NQLError, match="only an export folder holds models"):
        nql_lsp.api.open().fetch_models_table()
    with pytest.raises(NQLError, match="with_id must be a model id"):
        nql_lsp.api.open(_registry(tmp_path / "c")).model("")
