"""A reference reader of neptune-exporter exports, written from the exporter's code and docs/runs.md alone.

It shares nothing with ``nql_lsp.runs`` but the value model: it walks the folders itself, applies the
exporter's rules itself (a run is complete once its ``_part_0.parquet`` exists, ``models``/``model_versions``
folders in a project folder hold model registry entities, not runs), reads every row of every part with
pyarrow and builds each run's attributes in Python. The duckdb summary and its pushdown are checked against
runs read this way: a mistake in the summary cannot hide in both.
"""

from __future__ import annotations

import math
import os
import re
from collections import defaultdict
from typing import Any

import pyarrow.parquet as pq

from nql_lsp.language.values import FloatSeries
from nql_lsp.runs.model import Run, RunSet

#: exporter attribute_type -> (NQL type, the column its value is in); every other type is not read.
SINGLE = {
    "float": ("float", "float_value"),
    "int": ("int", "int_value"),
    "string": ("string", "string_value"),
    "bool": ("bool", "bool_value"),
    "datetime": ("datetime", "datetime_value"),
    "string_set": ("stringSet", "string_set_value"),
    "file": ("fileRef", "file_value"),
    "artifact": ("artifact", "file_value"),
}
_PART = re.compile(r"(.+)_part_(\d+)\.parquet")
_DIGEST = re.compile(r".+-[0-9a-f]{16}")


def _run_files(root: str) -> list[list[str]]:
    by_run: dict[tuple[str, str], dict[int, str]] = defaultdict(dict)
    for folder, _, names in os.walk(root):
        parent, name = os.path.split(folder)
        if name in ("models", "model_versions") and _DIGEST.fullmatch(os.path.basename(parent)):
            continue
        for file in names:
            m = _PART.fullmatch(file)
            if m:
                by_run[(folder, m[1])][int(m[2])] = os.path.join(folder, file)
    return [[parts[n] for n in sorted(parts)] for parts in by_run.values() if 0 in parts]


def _single(type_: str, column: str, value: Any) -> Any:
    if value is None:
        return None
    if column == "file_value":
        return value["path"]
    if type_ == "stringSet":
        return frozenset(value)
    if type_ == "float":
        return float(value)  # a NaN parameter is held
    return value


def reference_runs(root: str, label: str = "reference") -> RunSet:
    rows: dict[tuple[str, str], dict[tuple[str, str], list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for parts in _run_files(root):
        for part in parts:
            for row in pq.read_table(part).to_pylist():
                key = (row["project_id"] or "", row["run_id"])
                rows[key][(row["attribute_path"], row["attribute_type"])].append(row)
    runs = []
    for (project, run_id), held in sorted(rows.items()):
        attributes: dict[str, tuple[str, Any]] = {}
        for (path, exporter_type), found in held.items():
            if exporter_type in SINGLE:
                type_, column = SINGLE[exporter_type]
                value = _single(type_, column, found[0][column])
                if value is not None:
                    attributes[path] = (type_, value)
            elif exporter_type == "float_series":
                ordered = sorted(found, key=lambda r: r["step"])
                points = [r["float_value"] for r in ordered]
                values = [v for v in points if v is not None and not math.isnan(v)]  # NaN/null: no value
                attributes[path] = ("floatSeries", FloatSeries.of(values))
            elif exporter_type == "string_series":
                ordered = sorted(found, key=lambda r: r["step"])
                attributes[path] = ("stringSeries", tuple(r["string_value"] for r in ordered))
        runs.append(Run(attributes, known_id=run_id, project=project))
    return RunSet(runs, label)
