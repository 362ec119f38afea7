"""Reading runs: the JSON/JSONL format of docs/runs.md, its error messages, and the bundled sample."""

from __future__ import annotations

import gzip
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, Schema
from nql_lsp.runs import FloatSeries, RunsError, open_runs


def known(schema: Schema, path: str) -> FieldInfo:
    """The schema's field at ``path``, which the test expects it to know."""
    info = schema.field(path)
    assert info is not None, path
    return info


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_types_come_from_the_json_shape(tmp_path: Path) -> None:
    run = {
        "f": 1.5,
        "i": 3,
        "b": True,
        "s": "x",
        "tags": ["a", "b"],
        "curve": [1, 2.5],
        "none": None,
        "train": {"loss": [0.5, 0.25]},
        "when": {"type": "datetime", "value": "2024-02-06T05:00:00+09:00"},
        "hash": {"type": "artifact", "value": "9a3f"},
        "one": {"type": "float", "value": 1},
    }
    runs = open_runs(_write(tmp_path, "r.json", json.dumps([run])))
    attrs = next(iter(runs)).attributes
    assert {p: t for p, (t, _) in attrs.items()} == {
        "f": "float",
        "i": "int",
        "b": "bool",
        "s": "string",
        "tags": "stringSet",
        "curve": "floatSeries",
        "train/loss": "floatSeries",
        "when": "datetime",
        "hash": "artifact",
        "one": "float",
    }
    assert attrs["tags"][1] == frozenset({"a", "b"})
    assert attrs["one"][1] == 1.0 and isinstance(attrs["one"][1], float)
    assert attrs["when"][1] == datetime(2024, 2, 5, 20, 0, tzinfo=UTC)
    series = attrs["train/loss"][1]
    assert (series.count, series.last, series.minimum, series.average) == (2, 0.25, 0.25, 0.375)


def test_system_fields_take_their_known_types(tmp_path: Path) -> None:
    run = {
        "sys/id": "X-1",
        "sys/creation_time": "2024-02-06T05:00:00Z",
        "sys/state": "Active",
        "sys/size": 120,
        "sys/running_time_seconds": 3,
    }
    attrs = next(iter(open_runs(_write(tmp_path, "r.jsonl", json.dumps(run) + "\n")))).attributes
    assert attrs["sys/creation_time"] == ("datetime", datetime(2024, 2, 6, 5, tzinfo=UTC))
    assert attrs["sys/state"] == ("experimentState", "running")
    assert attrs["sys/size"] == ("int", 120)  # sys/size is float in Neptune 2.x, int in 3.x
    assert attrs["sys/running_time_seconds"] == ("float", 3.0)


def test_runs_object_form_and_gzip(tmp_path: Path) -> None:
    path = tmp_path / "r.json.gz"
    path.write_bytes(gzip.compress(json.dumps({"runs": [{"sys/id": "A"}, {"sys/id": "B"}]}).encode()))
    runs = open_runs(path)
    assert [r.id for r in runs] == ["A", "B"]
    assert runs.label == str(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("r.jsonl", '{"a": 1}\n{"a": 2}\n{"a": \n', "r.jsonl:3:7: invalid JSON: Expecting value"),
        (
            "r.json",
            '[\n {"a": 1},\n\n {"a": {"type": "datetime", "value": "yesterday"}}\n]',
            'r.json:4: `a`: expected an ISO 8601 datetime for a datetime, got "yesterday"',
        ),
        ("r.json", '[\n {"a": 1},\n 3\n]', "r.json:3: a run must be a JSON object of attribute paths, not a number"),
        ("r.json", '[{"a": 1} {"a": 2}]', "r.json:1:11: invalid JSON: expected `,` or `]` after a run"),
        ("r.json", '{"a": 1}', 'r.json:1: expected a list of runs, or an object with a "runs" list'),
        ("r.jsonl", '{"a": {"type": "flot", "value": 1}}', "r.jsonl:1: `a`: unknown type 'flot'"),
        ("r.jsonl", '{"a": [1, "x"]}', "r.jsonl:1: `a`: a list must hold only strings"),
        ("r.jsonl", '{"a": {"type": [], "value": 1}}', "r.jsonl:1: `a`: unknown type []"),
        ("r.jsonl", '{"sys/failed": "no"}', "r.jsonl:1: `sys/failed`: expected true or false for a bool"),
        ("r.json", "  \n", "r.json: the file is empty"),
    ],
)
def test_malformed_files_name_file_line_and_problem(tmp_path: Path, name: str, text: str, message: str) -> None:
    path = _write(tmp_path, name, text)
    with pytest.raises(RunsError) as info:
        open_runs(path)
    assert str(info.value).startswith(f"{tmp_path}/{message}")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RunsError, match=r"nope\.json: no such file"):
        open_runs(tmp_path / "nope.json")
    (tmp_path / "bin.json").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(RunsError, match="not UTF-8"):
        open_runs(tmp_path / "bin.json")
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunsError, match=r"no \.parquet files"):
        open_runs(tmp_path / "empty")


def test_bundled_sample_is_a_realistic_project() -> None:
    runs = open_runs(None)
    assert runs.label == "bundled sample"
    assert 450 <= len(runs) <= 550
    ids = [r.id for r in runs]
    assert ids[0] == "CLS-1" and len(set(ids)) == len(ids)
    schema = schema_of(runs)
    for info in SYSTEM_SCHEMA.fields():
        if info.path in ("sys/model_id", "sys/stage"):  # model versions only
            continue
        learned = schema.field(info.path)
        assert learned is not None and learned.stats, info.path
        assert learned.type in info.types, info.path
    for path, type_ in [
        ("parameters/lr", "float"),
        ("parameters/batch_size", "int"),
        ("parameters/optimizer", "string"),
        ("model/backbone", "string"),
        ("train/loss", "floatSeries"),
        ("val/acc", "floatSeries"),
        ("monitoring/stdout", "stringSeries"),
        ("model_info/size_MB", "float"),
        ("dataset_version", "artifact"),
        ("model/weights", "fileRef"),
    ]:
        assert known(schema, path).type == type_, path
    owners = dict(known(schema, "sys/owner").stats["string"].common)
    assert any(o.endswith("-sa") for o in owners)
    assert 0 < sum(r.trashed for r in runs) < 50
    assert 0 < sum(r.value("sys/failed", "bool") for r in runs) < 100
    assert known(schema, "sys/group_tags").stats["stringSet"].common
    lengths = [r.value("val/acc", "floatSeries").count for r in runs if not r.value("sys/failed", "bool")]
    assert min(lengths) >= 50 and max(lengths) <= 200
    created = sorted(r.value("sys/creation_time", "datetime") for r in runs)
    assert (created[-1] - created[0]).days > 300


def test_float_series_population_variance() -> None:
    s = FloatSeries.of([3, 1, 2])
    assert (s.last, s.minimum, s.maximum, s.average) == (2, 1, 3, 2)
    assert s.variance == pytest.approx(2 / 3)
    assert FloatSeries.of([]).count == 0


def test_deep_nesting_and_broken_gzip(tmp_path: Path) -> None:
    with pytest.raises(RunsError, match="nested too deeply"):
        open_runs(_write(tmp_path, "deep.jsonl", '{"a": ' * 100_000 + "1" + "}" * 100_000))
    (tmp_path / "bad.json.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    with pytest.raises(RunsError, match=r"bad\.json\.gz: cannot read"):
        open_runs(tmp_path / "bad.json.gz")


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["a", "sys/id", "sys/creation_time", "sys/tags", "type", "value", "b/c"]), inner, max_size=4
        )
        | st.fixed_dictionaries(
            {
                "type": inner | st.sampled_from(["datetime", "floatSeries", "stringSeries", "experimentState", "int"]),
                "value": inner,
            }
        )
    ),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None)
@given(st.one_of(_JSON.map(json.dumps), st.text(max_size=40)), st.sampled_from(["r.json", "r.jsonl"]))
def test_any_runs_file_loads_or_gives_a_runs_error(text: str, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        try:
            runs = open_runs(path)
        except RunsError as e:
            assert str(e).startswith(str(path))
        else:
            assert len(runs) == len(list(runs))
            schema_of(runs)
