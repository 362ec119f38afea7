"""Exports written the way neptune-exporter writes them (its storage writer and its Neptune 2/3 exporters).

What the exporter does, and these helpers copy:
- one folder per project, named by the project id with every character but letters, digits, ``_`` and ``-``
  turned into ``_`` and a ``-<16 hex>`` blake2b digest appended; run files named the same way;
- parts ``<run>_part_<N>.parquet`` written as ``.parquet.tmp`` and renamed highest first, ``part_0`` last;
- steps as decimal(18, 6), timestamps in ms UTC;
- Neptune 2: parameters (float, int, string, bool, datetime, string_set), metrics (float_series), series
  (string_series), files (file, artifact -> the path of its ``files_list.json``, file_series with a step per
  file, file_set -> the folder it was downloaded to);
- Neptune 3: parameters melted from one wide table per batch, so a run gets a row with a null value for every
  parameter another run of its batch has; a NaN metric point is a row with a null ``float_value``;
  histogram_series rows; run ids are ``sys/custom_run_id``;
- ``export-models`` (Neptune 2 model registry): models and model versions written by the same writer into
  ``<project folder>/models/`` and ``<project folder>/model_versions/``, their ids (``PROJ-MOD``,
  ``PROJ-MOD-3``) in ``run_id``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from tests.parquet_export import SCHEMA

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
Q = Decimal("0.000001")


def sanitize(part: str) -> str:
    digest = hashlib.blake2b(part.encode("utf-8"), digest_size=8).hexdigest()
    return "".join(c if c.isalnum() or c in "_-" else "_" for c in part) + "-" + digest


def row(project: str, run: str, path: str, type_: str, **values: Any) -> dict[str, Any]:
    return {"project_id": project, "run_id": run, "attribute_path": path, "attribute_type": type_, **values}


def param(project: str, run: str, path: str, type_: str, value: Any) -> dict[str, Any]:
    column = {
        "float": "float_value",
        "int": "int_value",
        "string": "string_value",
        "bool": "bool_value",
        "datetime": "datetime_value",
        "string_set": "string_set_value",
    }[type_]
    return row(project, run, path, type_, **{column: value})


def metric(project: str, run: str, path: str, values: list[float | None], first: float = 0.0) -> list[dict[str, Any]]:
    return [
        row(
            project,
            run,
            path,
            "float_series",
            step=Decimal(first + i * 0.5).quantize(Q),
            timestamp=T0 + timedelta(milliseconds=1500 * i),
            float_value=v,
        )
        for i, v in enumerate(values)
    ]


def write_run(
    root: Path,
    project: str,
    run: str,
    rows: list[dict[str, Any]],
    parts: int = 1,
    finished: bool = True,
    entity_scope: str | None = None,
) -> list[Path]:
    """A run's rows in ``parts`` part files; unfinished: renamed as the exporter does, stopped before part_0.

    ``entity_scope`` (``models``, ``model_versions``): a model registry entity, as ``export-models`` writes
    one, in that folder inside the project folder."""
    folder = root / sanitize(project)
    if entity_scope is not None:
        folder = folder / entity_scope
    folder.mkdir(parents=True, exist_ok=True)
    size = max(1, -(-len(rows) // parts))
    written: list[Path] = []
    for n in range(parts):
        tmp = folder / f"{sanitize(run)}_part_{n}.parquet.tmp"
        pq.write_table(pa.Table.from_pylist(rows[n * size : (n + 1) * size], schema=SCHEMA), tmp)
        written.append(tmp)
    final: list[Path] = []
    for tmp in reversed(written):
        if not finished and tmp.name.endswith("_part_0.parquet.tmp"):
            final.append(tmp)
            continue
        tmp.rename(tmp.with_suffix(""))
        final.append(tmp.with_suffix(""))
    return final


def neptune2_run(project: str, run: str, name: str, acc: list[float | None]) -> list[dict[str, Any]]:
    rows = [
        param(project, run, "sys/id", "string", run),
        param(project, run, "sys/name", "string", name),
        param(project, run, "sys/creation_time", "datetime", T0),
        param(project, run, "sys/failed", "bool", False),
        param(project, run, "sys/trashed", "bool", False),
        param(project, run, "sys/tags", "string_set", []),  # an empty set: the run holds it
        param(project, run, "parameters/lr", "float", 0.01),
        param(project, run, "parameters/epochs", "int", 10),
        *metric(project, run, "train/acc", acc),
        *[
            row(project, run, "monitoring/stdout", "string_series", step=Decimal(i).quantize(Q), string_value=s)
            for i, s in enumerate(["start", "done"])
        ],
        row(project, run, "model/weights", "file", file_value={"path": f"{project}/{run}/model/weights"}),
        row(
            project,
            run,
            "datasets/train",
            "artifact",
            file_value={"path": f"{project}/{run}/datasets/train/files_list.json"},
        ),
        row(project, run, "source_code/files", "file_set", file_value={"path": f"{project}/{run}/source_code/files"}),
        row(
            project,
            run,
            "images/preds",
            "file_series",
            step=Decimal(0).quantize(Q),
            file_value={"path": f"{project}/{run}/images/preds/0.png"},
        ),
    ]
    return rows


def neptune3_batch(project: str, runs: dict[str, dict[str, tuple[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """Parameters of a batch of runs as the wide table melts: every run a row for every batch parameter."""
    every = sorted({(path, type_) for held in runs.values() for path, (type_, _) in held.items()})
    out: dict[str, list[dict[str, Any]]] = {}
    for run, held in runs.items():
        out[run] = [
            param(project, run, path, type_, held[path][1] if path in held and held[path][0] == type_ else None)
            for path, type_ in every
        ]
    return out


def histogram(project: str, run: str, path: str) -> dict[str, Any]:
    return row(
        project,
        run,
        path,
        "histogram_series",
        step=Decimal(1).quantize(Q),
        timestamp=T0,
        histogram_value={"type": "COUNTING", "edges": [0.0, 1.0, 2.0], "values": [3.0, 4.0]},
    )
