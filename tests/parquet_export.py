"""Write runs as a neptune-exporter parquet export (one file per run), for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from nql_lsp.language.catalog import TYPES
from nql_lsp.language.shapes import shape_of
from nql_lsp.runs import Run

SCHEMA = pa.schema(
    [
        ("project_id", pa.string()),
        ("run_id", pa.string()),
        ("attribute_path", pa.string()),
        ("attribute_type", pa.string()),
        ("step", pa.decimal128(18, 6)),
        ("timestamp", pa.timestamp("ms", tz="UTC")),
        ("int_value", pa.int64()),
        ("float_value", pa.float64()),
        ("string_value", pa.string()),
        ("bool_value", pa.bool_()),
        ("datetime_value", pa.timestamp("ms", tz="UTC")),
        ("string_set_value", pa.list_(pa.string())),
        ("file_value", pa.struct([("path", pa.string())])),
        (
            "histogram_value",
            pa.struct([("type", pa.string()), ("edges", pa.list_(pa.float64())), ("values", pa.list_(pa.float64()))]),
        ),
    ]
)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def rows_of(run: Run, project: str = "team/cls") -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def row(path: str, type_: str, **values: Any) -> dict[str, Any]:
        return {
            "project_id": project,
            "run_id": run.id,
            "attribute_path": path,
            "attribute_type": type_,
            "timestamp": T0,
            **values,
        }

    for path, (type_, value) in run.attributes.items():
        if type_ == "float":
            rows.append(row(path, "float", float_value=value))
        elif type_ == "int":
            rows.append(row(path, "int", int_value=value))
        elif type_ in ("string", "experimentState"):
            rows.append(row(path, "string", string_value=value))
        elif type_ == "bool":
            rows.append(row(path, "bool", bool_value=value))
        elif type_ == "datetime":
            rows.append(row(path, "datetime", datetime_value=value))
        elif type_ == "stringSet":
            rows.append(row(path, "string_set", string_set_value=sorted(value)))
        elif type_ == "fileRef":
            rows.append(row(path, "file", file_value={"path": value}))
        elif type_ == "floatSeries":
            rows += [row(path, "float_series", step=Decimal(i), float_value=v) for i, v in enumerate(value.points)]
        elif type_ == "stringSeries":
            rows += [row(path, "string_series", step=Decimal(i), string_value=v) for i, v in enumerate(value)]
        elif TYPES[type_].exporter:  # an artifact, or a type only a catalog extension knows: as its shape says
            column = shape_of(type_).exporter_column
            held = {"path": value} if column == "file_value" else value
            rows.append(row(path, TYPES[type_].exporter[0], **{column: held}))
    rows.append(
        row(
            "images/grid",
            "histogram_series",
            step=Decimal(0),
            histogram_value={"type": "linear", "edges": [0.0, 1.0], "values": [3.0]},
        )
    )
    return rows


def write_export(runs: list[Run], root: Path, project: str = "team/cls") -> Path:
    folder = root / project.replace("/", "__")
    folder.mkdir(parents=True, exist_ok=True)
    for run in runs:
        table = pa.Table.from_pylist(rows_of(run, project), schema=SCHEMA)
        pq.write_table(table, folder / f"{run.id}_part_0.parquet")
    return root
