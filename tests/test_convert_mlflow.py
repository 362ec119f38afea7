"""NQL to MLflow, checked against a real MLflow tracking store loaded the way neptune-exporter loads one.

The runs are generated once, held both as nql-lsp runs (for the evaluator) and as exporter-shaped rows
(the parquet schema of neptune-exporter's ``model.py``), and the rows are loaded into a temporary sqlite
store by :func:`load_like_the_exporter`, which follows the exporter's ``MLflowLoader``: parameters are
``str()`` of the pandas value read from the parquet table, float series are logged as metrics without
their NaN points, experiments are ``<project>/<sys/name>``, run names ``sys/custom_run_id`` or the run id.
For every query the runs MLflow returns for the translation must be exactly those the evaluator returns.
"""

from __future__ import annotations

import logging
import math
import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd  # type: ignore[import-untyped]  # no stubs in the test extras
import pyarrow as pa
import pytest
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

from nql_lsp.diagnostics import Severity
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.features.convert.mlflow import exported_key, to_mlflow
from nql_lsp.language.catalog import TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA
from nql_lsp.runs.model import FloatSeries, Run, RunSet

from .parquet_export import SCHEMA  # the exporter's parquet schema (neptune_exporter/model.py)

# MLflow's sqlite store warns of a deprecated SQLAlchemy loader strategy it uses.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PROJECT = "ws/proj"
OTHER_PROJECT = "ws/other"
NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)


#: The exporter's attribute_type for each NQL type the generated runs hold.
EXPORTED_TYPES = {
    "float": "float",
    "int": "int",
    "string": "string",
    "bool": "bool",
    "datetime": "datetime",
    "stringSet": "string_set",
    "floatSeries": "float_series",
    "stringSeries": "string_series",
}

VALUE_COLUMNS = {
    "float": "float_value",
    "int": "int_value",
    "string": "string_value",
    "bool": "bool_value",
    "datetime": "datetime_value",
    "string_set": "string_set_value",
}


def exporter_rows(project: str, run: Run) -> list[dict[str, Any]]:
    """One run as the exporter writes it: a row per attribute, a row per series point."""
    run_id = run.id
    rows: list[dict[str, Any]] = []
    base = datetime(2024, 3, 1, tzinfo=UTC)
    for path, (type_, value) in run.attributes.items():
        kind = EXPORTED_TYPES[type_]
        row: dict[str, Any] = {"project_id": project, "run_id": run_id, "attribute_path": path, "attribute_type": kind}
        if kind == "float_series":
            for step, point in enumerate(value.points):
                rows.append({**row, "step": step, "timestamp": base + timedelta(seconds=step), "float_value": point})
        elif kind == "string_series":
            for step, point in enumerate(value):
                rows.append({**row, "step": step, "timestamp": base, "string_value": point})
        elif kind == "string_set":
            rows.append({**row, "string_set_value": sorted(value)})
        else:
            rows.append({**row, VALUE_COLUMNS[kind]: value})
    return rows


def load_like_the_exporter(project: str, runs: list[Run]) -> None:
    """neptune-exporter's MLflowLoader (create_experiment, create_run, upload_parameters, upload_metrics).

    Artifacts (string series, files) are not uploaded: no search reads them.
    """

    def sanitize(path: str) -> str:
        return re.sub(r"[^a-zA-Z0-9_\-\.\s/]", "_", path)[:250]

    client = MlflowClient()
    for run in runs:
        df = pa.Table.from_pylist(exporter_rows(project, run), schema=SCHEMA).to_pandas()
        name = run.value("sys/name", "string")
        experiment_id = None
        if name is not None:
            experiment_name = f"{project}/{name}"
            experiment = mlflow.get_experiment_by_name(experiment_name)
            experiment_id = experiment.experiment_id if experiment else mlflow.create_experiment(experiment_name)
        run_name = run.value("sys/custom_run_id", "string") or run.id
        with mlflow.start_run(experiment_id=experiment_id, run_name=run_name) as active:
            params: dict[str, str] = {}
            param_data = df[df["attribute_type"].isin({"float", "int", "string", "bool", "datetime", "string_set"})]
            for _, row in param_data.iterrows():
                key = sanitize(row["attribute_path"])
                kind = row["attribute_type"]
                if kind == "string_set":
                    if row["string_set_value"] is not None:
                        params[key] = ",".join(row["string_set_value"])
                elif pd.notna(row[VALUE_COLUMNS[kind]]):
                    params[key] = str(row[VALUE_COLUMNS[kind]])
            if params:
                mlflow.log_params(params)
            metric_data = df[df["attribute_type"] == "float_series"]
            for attr_path, group in metric_data.groupby("attribute_path"):
                metrics = [
                    Metric(
                        key=sanitize(str(attr_path)),
                        value=r["float_value"],
                        step=int(float(r["step"])),
                        timestamp=int(r["timestamp"].timestamp() * 1000),
                    )
                    for _, r in group.sort_values("step").iterrows()
                    if pd.notna(r["float_value"]) and pd.notna(r["step"])
                ]
                client.log_batch(run_id=active.info.run_id, metrics=metrics)


# --- the runs -------------------------------------------------------------------------------------

OWNERS = ["ann", "bob", "it's me", 'say "hi"', "50%", "a_b", "aXb", "back\\slash", "Ann", "both ' and \""]
TAGS = ["prod", "test", "a_b", "50%", "it's", "Prod", "x y"]
LRS = [0.1, 0.01, 1e-05, 3.0, -0.5, 1e20, 0.25]
BATCHES = [16, 32, 64, 2**40]
LONG_NAME = "long/" + "n" * 260  # the exporter cuts keys at 250 characters
POINTS = [0.25, 0.5, 0.75, 1.0, -1.0, 0.125]


def generate_runs(count: int, seed: int, prefix: str) -> list[Run]:
    rng = random.Random(seed)
    runs: list[Run] = []
    for i in range(count):
        hours = rng.choice([0, 1, -900, rng.randrange(2, 240), rng.randrange(2, 240)])
        created = datetime(2024, 3, 1, 9, tzinfo=UTC) + timedelta(hours=hours, milliseconds=rng.choice([0, 0, 250]))
        attrs: dict[str, tuple[str, Any]] = {
            "sys/id": ("string", f"{prefix}-{i}"),
            "sys/name": ("string", rng.choice(["exp_a", "exp%b", "exp-c"])),
            "sys/tags": ("stringSet", frozenset(rng.sample(TAGS, rng.randrange(0, 4)))),
            "sys/creation_time": ("datetime", created),
            "sys/failed": ("bool", rng.random() < 0.3),
            "flag": ("bool", rng.random() < 0.5),
            "data:version": ("string", rng.choice(["v1", "v2", "v1 beta"])),
            "when": ("datetime", datetime(2024, rng.randrange(1, 12), 1, tzinfo=UTC)),
            "logs": ("stringSeries", ("a", "b")),
            LONG_NAME: ("string", rng.choice(["short", "long"])),
        }
        if rng.random() < 0.7:
            attrs["my param"] = ("float", rng.choice([1.0, 2.5]))
        if rng.random() < 0.9:
            attrs["sys/owner"] = ("string", rng.choice(OWNERS))
        if i % 5:
            attrs["sys/custom_run_id"] = ("string", f"{prefix}-custom-{i}")
        if rng.random() < 0.8:
            attrs["params/lr"] = ("float", rng.choice(LRS))
        if rng.random() < 0.8:
            attrs["params/batch"] = ("int", rng.choice(BATCHES))
        for name in ("metrics/acc", "loss"):
            if rng.random() < 0.8:
                points = [rng.choice(POINTS) for _ in range(rng.randrange(1, 6))]
                if len(points) > 2 and rng.random() < 0.5:
                    points[1] = math.nan  # a NaN point inside the series: the exporter drops it
                attrs[name] = ("floatSeries", FloatSeries.of(points))
        runs.append(Run(attrs))
    return runs


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunSet]:
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    logging.getLogger("alembic").setLevel(logging.ERROR)
    path: Path = tmp_path_factory.mktemp("mlflow") / "mlflow.db"
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{path}")
    runs = generate_runs(36, 7, "P")
    load_like_the_exporter(PROJECT, runs)
    load_like_the_exporter(OTHER_PROJECT, generate_runs(4, 8, "O"))  # must never be returned
    yield RunSet(runs, "exported")
    mlflow.set_tracking_uri(previous)


def run_name(run: Run) -> str:
    return run.value("sys/custom_run_id", "string") or run.id


def expected(query: str, runs: RunSet) -> set[str]:
    result = preview(query, runs, now=NOW)
    assert result.error is None, result.error
    return {run_name(r) for r in result.matches}


def mlflow_names(frame: pd.DataFrame) -> set[str]:
    return set(frame["tags.mlflow.runName"]) if len(frame) else set()


def through_mlflow(query: str, runs: RunSet) -> tuple[set[str], bool]:
    search = to_mlflow(query, schema_of(runs), project=PROJECT, now=NOW)
    assert search.snippet is not None, search.problems
    namespace: dict[str, Any] = {}
    exec(compile(search.snippet, "<snippet>", "exec"), namespace)
    found = mlflow_names(namespace["runs"])
    if search.filter_string is not None:
        ids = [e.experiment_id for e in mlflow.search_experiments() if e.name.startswith(PROJECT + "/")]
        direct = mlflow.search_runs(experiment_ids=ids, filter_string=search.filter_string)
        assert mlflow_names(direct) == found
    return found, search.exact


CLAUSES = [
    'sys/owner = "ann"',
    'sys/owner != "ann"',
    """sys/owner = "it's me\"""",
    'sys/owner = "say \\"hi\\""',
    'sys/owner = "both \' and \\""',
    'sys/owner = "back\\\\slash"',
    'sys/owner CONTAINS "a_b"',
    'sys/owner CONTAINS "50%"',
    'sys/owner CONTAINS "n"',
    'sys/owner CONTAINS "\'"',
    'sys/owner NOT CONTAINS "a"',
    'sys/owner MATCHES "^a"',
    'sys/owner NOT MATCHES "^a"',
    'sys/owner MATCHES "\\\\\\\\"',
    'sys/owner > "b"',
    'sys/owner <= "ann"',
    "sys/owner EXISTS",
    "sys/owner NOT EXISTS",
    'sys/name = "exp%b"',
    'sys/name = "exp_a"',
    'sys/name != "exp_a"',
    'sys/tags CONTAINS "prod"',
    'sys/tags NOT CONTAINS "a_b"',
    'sys/tags CONTAINS "50%"',
    'sys/tags CONTAINS "x y"',
    'sys/tags = "prod"',
    'sys/tags != "prod"',
    'sys/tags MATCHES "^P"',
    "sys/tags EXISTS",
    'sys/creation_time > "2024-03-05T00:00:00Z"',
    'sys/creation_time <= "2024-03-01T12:00:00+02:00"',
    'sys/creation_time > "-3d"',
    'sys/creation_time < "-1M"',
    'sys/creation_time = "2024-03-01T09:00:00Z"',
    'sys/creation_time != "2024-03-01T09:00:00Z"',
    "sys/failed = true",
    "sys/failed != true",
    "sys/failed = False",
    "`params/lr`:float > 0.05",
    "`params/lr`:float = 1e-5",
    "`params/lr`:float != 0.1",
    "`params/lr`:float <= -0.5",
    "`params/lr`:float >= 1e20",
    "`params/lr`:float EXISTS",
    "`params/lr`:float NOT EXISTS",
    "`params/batch`:int = 64",
    "`params/batch`:int > 16",
    "`params/batch`:int != 32",
    "`params/batch`:int >= 1KB",
    "flag:bool = true",
    "flag:bool != false",
    '`data:version`:string = "v1"',
    '`data:version`:string CONTAINS "beta"',
    'when:datetime > "2024-06-01"',
    "last(`metrics/acc`:floatSeries) > 0.5",
    "`metrics/acc`:floatSeries <= 0.5",
    "last(`metrics/acc`:floatSeries) = 0.25",
    "last(`metrics/acc`:floatSeries) != 0.25",
    "last(`metrics/acc`:floatSeries) >= -1",
    "`metrics/acc`:floatSeries EXISTS",
    "`metrics/acc`:floatSeries NOT EXISTS",
    "last(loss:floatSeries) < 0.3",
    "last(loss:floatSeries) > 1e-3",
    f'`{LONG_NAME}`:string = "long"',
    "`my param`:float >= 2",
    "`my param`:float NOT EXISTS",
]

COMBINED = [
    'sys/owner = "ann" AND last(`metrics/acc`:floatSeries) > 0.5',
    'sys/name = "exp_a" AND sys/failed = true AND `data:version`:string CONTAINS "v1"',
    'sys/name = "exp_a" AND `params/lr`:float > 0.05',
    'sys/owner = "ann" OR sys/tags CONTAINS "prod"',
    'NOT sys/tags CONTAINS "prod"',
    'NOT (sys/owner = "ann" OR `params/batch`:int > 16)',
    "(sys/failed = true OR flag:bool = true) AND NOT last(loss:floatSeries) > 0.3",
    "NOT `params/lr`:float != 0.1",
    "NOT last(`metrics/acc`:floatSeries) != 0.25",
]


def random_query(rng: random.Random, depth: int = 0) -> str:
    if depth >= 2 or rng.random() < 0.35:
        return rng.choice(CLAUSES)
    roll = rng.random()
    if roll < 0.2:
        return f"NOT ({random_query(rng, depth + 1)})"
    op = "AND" if roll < 0.6 else "OR"
    return f" {op} ".join(f"({random_query(rng, depth + 1)})" for _ in range(rng.randrange(2, 4)))


GENERATED = [random_query(random.Random(seed)) for seed in range(60)]


@pytest.mark.parametrize("query", CLAUSES + COMBINED + GENERATED)
def test_mlflow_returns_the_runs_the_query_returns(store: RunSet, query: str) -> None:
    found, _ = through_mlflow(query, store)
    assert found == expected(query, store)


def test_the_data_makes_the_queries_discriminate(store: RunSet) -> None:
    # A test over queries that all match nothing (or everything) would prove little.
    sizes = [len(expected(q, store)) for q in CLAUSES]
    assert sum(0 < s < len(store) for s in sizes) >= len(CLAUSES) - 2  # sys/tags EXISTS, and one more


@pytest.mark.parametrize(
    ("query", "wanted"),
    [
        ('sys/owner = "ann"', "params.`sys/owner` = 'ann'"),
        ("""sys/owner = "it's me\"""", 'params.`sys/owner` = "it\'s me"'),
        ('sys/owner CONTAINS "n"', "params.`sys/owner` LIKE '%n%'"),
        ("sys/failed = true", "params.`sys/failed` = 'True'"),
        ("last(`metrics/acc`:floatSeries) > 1e-5", "metrics.`metrics/acc` > 0.00001"),
        ("`metrics/acc`:floatSeries >= -0.5", "metrics.`metrics/acc` >= -0.5"),
        (
            'sys/name = "exp_a" AND last(loss:floatSeries) < 1e20',
            "params.`sys/name` = 'exp_a' AND metrics.`loss` < 100000000000000000000",
        ),
    ],
)
def test_exact_queries_become_a_filter_string(store: RunSet, query: str, wanted: str) -> None:
    search = to_mlflow(query, schema_of(store), project=PROJECT, now=NOW)
    assert search.filter_string == wanted
    found, exact = through_mlflow(query, store)
    assert exact and found == expected(query, store)


@pytest.mark.parametrize(
    "query",
    [
        'sys/owner CONTAINS "a_b"',  # LIKE would read `_` as any character
        'sys/owner = "back\\\\slash"',  # a backslash cannot be written in an MLflow literal
        'sys/owner = "both \' and \\""',  # nor both quotes
        "`params/lr`:float > 0.05",  # parameters are text to MLflow
        'sys/tags CONTAINS "prod"',  # tags are one comma-joined parameter
        'sys/owner = "ann" OR sys/failed = true',
        'NOT sys/owner = "ann"',
        "`metrics/acc`:floatSeries EXISTS",
    ],
)
def test_inexact_queries_need_the_snippet(store: RunSet, query: str) -> None:
    search = to_mlflow(query, schema_of(store), project=PROJECT, now=NOW)
    assert search.filter_string is None and search.snippet is not None


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("min(`metrics/acc`:floatSeries) > 0.5", "CNV302"),
        ("variance(loss:floatSeries) < 1", "CNV302"),
        ('logs:stringSeries CONTAINS "a"', "CNV301"),
        ("sys/state = running", "CNV301"),
        ("model:fileRef EXISTS", "CNV301"),
        ('dataset:artifact = "abc"', "CNV301"),
        ("unknown_field > 1", "CNV303"),
        ("`a//b`:float > 1", "CNV305"),
        ("`tab\there`:float > 1", "CNV305"),
        ('sys/owner MATCHES "\\\\pN"', "CNV306"),
        ("x:int = ", "CNV001"),
    ],
)
def test_what_the_export_cannot_answer_is_an_error(query: str, code: str) -> None:
    search = to_mlflow(query, SYSTEM_SCHEMA)
    assert search.snippet is None and search.filter_string is None
    assert code in {p.code for p in search.problems if p.severity is Severity.ERROR}


def test_a_sanitised_name_converts_with_a_warning(store: RunSet) -> None:
    search = to_mlflow('`data:version`:string = "v1"', schema_of(store))
    assert search.filter_string == "params.`data_version` = 'v1'"
    (warning,) = search.problems
    assert warning.code == "CNV304" and warning.severity is Severity.WARNING


def test_without_a_project_every_experiment_is_searched(store: RunSet) -> None:
    query = 'sys/owner = "ann" OR sys/failed = true'
    search = to_mlflow(query, schema_of(store))
    assert search.snippet is not None and "search_all_experiments=True" in search.snippet
    namespace: dict[str, Any] = {}
    exec(search.snippet, namespace)
    found = mlflow_names(namespace["runs"])
    other = RunSet(generate_runs(4, 8, "O"), "other")
    assert found == expected(query, store) | expected(query, other)


def test_a_name_prefix_is_part_of_the_experiment_names() -> None:
    search = to_mlflow('sys/owner = "ann"', project="ws/proj", name_prefix="org")
    assert search.snippet is not None and 'e.name.startswith("org/ws/proj/")' in search.snippet


def test_exported_keys_follow_the_loader() -> None:
    assert exported_key("a:b/c d") == "a_b/c d"
    assert exported_key("é") == "_"
    assert exported_key("x" * 300) == "x" * 250


def test_every_catalog_type_has_a_place() -> None:
    from nql_lsp.features.convert.mlflow import stored_as

    assert set(stored_as()) == set(TYPES)


def test_an_empty_query_searches_everything() -> None:
    search = to_mlflow("")
    assert search.filter_string == "" and search.snippet is not None
