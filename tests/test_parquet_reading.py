"""Reading a parquet export back: the learned schema kept with the summary, pages read alone, series points
read from the files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

import nql_lsp.api
from nql_lsp.evaluation import pushdown
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.explore.data import Table, page, series
from nql_lsp.runs import open_runs
from nql_lsp.runs.cache import CACHE_ENV
from nql_lsp.runs.deferred import Matches
from nql_lsp.runs.learned import LearnedSchema
from nql_lsp.runs.narrowed import narrow
from nql_lsp.runs.parquet import ParquetRunSet

from .neptune_exporter_shapes import metric, neptune2_run, param, write_run
from .parquet_export import write_export
from .runs_fixtures import small_runs
from .test_evaluate_properties import SAMPLE

P = "acme/cls"


def _open(root: Path) -> ParquetRunSet:
    found = open_runs(root)
    assert isinstance(found, ParquetRunSet)
    return found


# --- the learned schema in the cache -------------------------------------------------------------------


def test_a_second_open_reads_the_kept_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    export = write_export(small_runs().runs, tmp_path / "export")
    learned = schema_of(_open(export))
    [kept] = (tmp_path / "cache" / "parquet").glob("*.schema.json")
    [summary] = (tmp_path / "cache" / "parquet").glob("*.duckdb")
    assert kept.name.startswith(summary.stem + ".")

    def refuse(source: ParquetRunSet) -> None:
        raise AssertionError("the schema was learned again")

    monkeypatch.setattr(pushdown, "learn_export", refuse)
    again = _open(export)
    assert again.from_cache
    schema = schema_of(again)
    # The small fixture: `acc` is a float in A, C and D (largest 0.95) and a string in B.
    acc = schema.field("acc")
    assert acc is not None and acc.types == ("float", "string")
    assert (acc.stats["float"].runs, acc.stats["float"].maximum, acc.stats["string"].runs) == (3, 0.95, 1)
    assert isinstance(schema, LearnedSchema) and isinstance(learned, LearnedSchema)
    assert schema.by_path == learned.by_path  # every statistic, as learned
    assert [f.path for f in schema.fields()] == [f.path for f in learned.fields()]
    assert schema.run_count == learned.run_count == 5
    assert schema.exported


def test_a_damaged_kept_schema_is_learned_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    export = write_export(small_runs().runs, tmp_path / "export")
    schema_of(_open(export))
    [kept] = (tmp_path / "cache" / "parquet").glob("*.schema.json")
    kept.write_text('{"format": 1, "fields": ', encoding="utf-8")
    again = _open(export)
    assert again.kept_schema() is None
    acc = schema_of(again).field("acc")
    assert acc is not None and acc.stats["float"].runs == 3
    assert again.kept_schema() is not None  # and kept again, whole


def test_the_kept_schema_is_that_of_the_runs_the_set_holds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An export narrowed to a project keeps a schema of its own, beside the whole export's."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    root = tmp_path / "export"
    write_export(small_runs().runs[:2], root / "a", project="team/a")  # A and B: `acc` a float in A only
    write_export(small_runs().runs[2:], root / "b", project="team/b")  # C, D and E: a float in C and D
    whole = schema_of(_open(root)).field("acc")
    assert whole is not None and whole.stats["float"].runs == 3
    only_a = narrow(_open(root), ["team/a"])
    assert isinstance(only_a, ParquetRunSet) and only_a.kept_schema() is None  # not the whole export's
    acc = schema_of(only_a).field("acc")
    assert acc is not None and acc.stats["float"].runs == 1
    assert len(list((tmp_path / "cache" / "parquet").glob("*.schema.json"))) == 2

    def refuse(source: ParquetRunSet) -> None:
        raise AssertionError("the schema was learned again")

    monkeypatch.setattr(pushdown, "learn_export", refuse)
    again = narrow(_open(root), ["team/a"])
    kept = schema_of(again).field("acc")
    assert kept is not None and kept.stats["float"].runs == 1


# --- reading a page only -------------------------------------------------------------------------------


class Reads:
    """Every read of attributes an export's runs make: (keys, paths)."""

    def __init__(self, runs: ParquetRunSet, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: list[tuple[list[str] | None, list[str] | None]] = []
        real = ParquetRunSet._read

        def spy(source: ParquetRunSet, keys: list[str] | None, paths: list[str] | None = None, **kw: Any) -> Any:
            self.calls.append((None if keys is None else list(keys), None if paths is None else list(paths)))
            return real(source, keys, paths, **kw)

        monkeypatch.setattr(ParquetRunSet, "_read", spy)

    def whole(self) -> list[str]:
        """The runs read with every attribute."""
        return [k for keys, paths in self.calls if paths is None for k in keys or ["*"]]


@pytest.fixture(scope="module")
def sample_export(tmp_path_factory: pytest.TempPathFactory) -> ParquetRunSet:
    return _open(write_export(list(SAMPLE), tmp_path_factory.mktemp("sample")))


def test_a_table_page_reads_only_its_columns_once_and_no_run_whole(
    sample_export: ParquetRunSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert len(sample_export) > 60  # enough runs that a page of 5 is a small part of them
    sample_export.__dict__.pop("_columns", None)  # no column read by an earlier test
    reads = Reads(sample_export, monkeypatch)
    table = Table(sample_export)
    got = page(table, "", columns=["sys/owner"], sort="sys/name", offset=10, limit=5)
    assert reads.whole() == []  # no run read with all its attributes
    assert len(got["rows"]) == 5
    # The column sorted on, then the page's other cells: each path read once, for every run at once.
    assert reads.calls == [(None, ["sys/name"]), (None, ["sys/id", "sys/owner"])]
    # Another query, another page, the same columns: nothing is read again.
    again = page(table, "`sys/owner`:string = 'alice'", columns=["sys/owner"], sort="sys/name", limit=5)
    assert len(reads.calls) == 2 and again["rows"]
    # The same pages as the runs held in memory give.
    memory = Table(sample_export.in_memory())
    held = page(memory, "", columns=["sys/owner"], sort="sys/name", offset=10, limit=5)
    assert (got["rows"], got["ids"]) == (held["rows"], held["ids"])
    held = page(memory, "`sys/owner`:string = 'alice'", columns=["sys/owner"], sort="sys/name", limit=5)
    assert (again["rows"], again["ids"], again["matched"]) == (held["rows"], held["ids"], held["matched"])


def test_a_page_makes_only_its_own_runs(sample_export: ParquetRunSet) -> None:
    table = Table(sample_export)
    got = page(table, "", sort="sys/name", descending=True, offset=20, limit=7)
    matches = table.evaluate("").result.matches
    untrashed = sum(1 for run in SAMPLE if not run.trashed)
    assert isinstance(matches, Matches) and len(matches) == got["matched"] == untrashed < len(sample_export)
    assert len(matches._batch.made) == 7  # the page's runs; the other matches stay keys
    assert [r.id for r in matches._batch.made.values()] == got["ids"]


def _ids_and_projects(got: dict[str, Any]) -> list[tuple[str, str]]:
    return list(zip(got["ids"], got["projects"], strict=True))


def test_sorting_an_export_is_sorting_its_runs_in_memory(sample_export: ParquetRunSet) -> None:
    """Every field of the sample, both ways, over all runs and over a query's: the order of the keys'
    ranks is the order the runs' own values give (ties in match order, runs without the field last)."""
    export, memory = Table(sample_export), Table(sample_export.in_memory())
    paths = ["sys/id", *(f.path for f in schema_of(sample_export).fields())]
    assert len(paths) > 10
    for query in ("", "`sys/owner`:string = 'alice' OR `sys/failed`:bool = true"):
        for path in paths:
            for descending in (False, True):
                asked = {"sort": path, "descending": descending, "limit": 1000}
                got, held = page(export, query, **asked), page(memory, query, **asked)  # type: ignore[arg-type]
                assert _ids_and_projects(got) == _ids_and_projects(held), (query, path, descending)


def test_sorting_an_export_by_hand(tmp_path: Path) -> None:
    """The order worked out by hand: numbers by value, text ignoring case, times by instant, missing last."""
    from .test_explore_data import small

    table = Table(_open(write_export(list(small().runs), tmp_path)))
    assert page(table, "", sort="acc", limit=10)["ids"] == ["R-4", "R-1", "R-3", "R-2"]
    assert page(table, "", sort="acc", descending=True, limit=10)["ids"] == ["R-3", "R-1", "R-4", "R-2"]
    assert page(table, "", sort="sys/name", limit=10)["ids"] == ["R-4", "R-1", "R-3", "R-2"]
    by_time = page(table, "", sort="sys/creation_time", descending=True, limit=10)["ids"]
    assert by_time == ["R-4", "R-3", "R-2", "R-1"]
    # A series by its last value: R-1 ends at 1.0, R-2 at 4.0; the others have none.
    assert page(table, "", sort="loss", descending=True, limit=10)["ids"] == ["R-2", "R-1", "R-3", "R-4"]
    assert page(table, "acc:float > 0.2", sort="acc", descending=True, limit=10)["ids"] == ["R-3", "R-1"]


def test_an_export_keeps_at_most_its_share_of_columns(
    sample_export: ParquetRunSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nql_lsp.runs import parquet

    monkeypatch.setattr(parquet, "KEPT_COLUMNS", 2)
    sample_export.__dict__.pop("_columns", None)
    sample_export.columns(["sys/id"])
    sample_export.columns(["sys/name"])
    sample_export.columns(["sys/id"])  # used again: the latest
    sample_export.columns(["sys/owner"])
    assert list(sample_export._columns) == ["sys/id", "sys/owner"]
    # Asked for more at once than are kept: all of them are answered.
    names, ids, owners = sample_export.columns(["sys/name", "sys/id", "sys/owner"])
    assert len(ids) == len(sample_export) and all(value[0] == "string" for value in names.values())
    assert {"alice", "bob"} <= {value[1] for value in owners.values()} and len(sample_export._columns) == 3
    sample_export.__dict__.pop("_columns", None)


class Executes:
    """Counts the statements an export's connection runs, while installed."""

    def __init__(self, export: ParquetRunSet) -> None:
        self.real, self.export, self.statements = export.con, export, 0

    def execute(self, sql: str, *args: Any) -> Any:
        self.statements += 1
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)

    def __enter__(self) -> Executes:
        self.export.con = self
        return self

    def __exit__(self, *_: object) -> None:
        self.export.con = self.real


def _alone(clause: str, runs: Any, trashed: bool, project: str | None) -> int:
    """How many runs the clause matches by itself, by the in-memory evaluator: the count to agree with."""
    from nql_lsp.evaluation.evaluate import preview

    matched = preview(clause, runs, include_trashed=trashed).matches
    return sum(1 for run in matched if project is None or run.project == project)


@pytest.mark.parametrize("trashed", [False, True])
def test_a_querys_clause_counts_are_one_statement(sample_export: ParquetRunSet, trashed: bool) -> None:
    from nql_lsp.evaluation.engine import engine_for
    from nql_lsp.evaluation.evaluate import bind_query

    clauses = ["`sys/owner`:string = 'alice'", "`sys/failed`:bool = true", "sys/name:string MATCHES 'a'"]
    bound = bind_query(" OR ".join(clauses), sample_export)
    conds = [bound.conditions[id(i.clause)] for i in bound.analysis.clauses if i.path]
    memory = sample_export.in_memory()
    with Executes(sample_export) as executes:
        found = engine_for(sample_export).counts(conds, trashed)
    assert executes.statements == 1
    assert found == [_alone(c, memory, trashed, None) for c in clauses]
    assert 0 < found[0] < len(memory.runs) and found[1] > 0  # counts that can tell a wrong filter


def test_clause_counts_of_one_project_are_one_statement(tmp_path: Path) -> None:
    from nql_lsp.evaluation.engine import engine_for
    from nql_lsp.evaluation.evaluate import bind_query

    from .test_explore_data import two_projects

    for run in two_projects():  # team/a: R-1 0.5, R-2 0.9, R-3 0.95 (trashed); team/b: R-1 0.7
        rows = [param(run.project, run.id, path, held[0], held[1]) for path, held in run.attributes.items()]
        write_run(tmp_path, run.project, run.id, rows)
    export = _open(tmp_path)
    bound = bind_query("acc:float > 0.6 OR acc:float < 0.6", export)
    conds = [bound.conditions[id(i.clause)] for i in bound.analysis.clauses if i.path]
    engine = engine_for(export)
    with Executes(export) as executes:
        assert engine.counts(conds, False, "team/a") == [1, 1]  # by hand: R-2 above, R-1 below
        assert engine.counts(conds, True, "team/a") == [2, 1]  # and trashed R-3 above
        assert engine.counts(conds, False, "team/b") == [1, 0]
        assert engine.counts(conds, False) == [2, 1]
    assert executes.statements == 4
    memory = engine_for(export.in_memory())
    assert [memory.counts(conds, t, p) for t, p in ((False, "team/a"), (True, "team/a"), (False, "team/b"))] == [
        [1, 1],
        [2, 1],
        [1, 0],
    ]


def test_a_run_of_a_project_is_found_by_its_key_and_read_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from .test_explore_data import two_projects

    for run in two_projects():  # R-1 in team/a and in team/b
        rows = [param(run.project, run.id, path, held[0], held[1]) for path, held in run.attributes.items()]
        write_run(tmp_path, run.project, run.id, rows)
    export = _open(tmp_path)
    table = Table(export)
    page(table, "", limit=10)  # a page shown: the runs of its query are at hand too
    reads = Reads(export, monkeypatch)
    found = table.run("R-1", "team/b")
    assert found is not None and (found.id, found.project) == ("R-1", "team/b")
    assert reads.calls == []  # nothing read to find it
    assert found.get("acc") == ("float", 0.7)  # one attribute: its column, no run read whole
    assert reads.whole() == []
    assert dict(found.attributes)["sys/name"] == ("string", "team/b-R-1")
    assert reads.whole() == ["team/b\x1fR-1"]  # every attribute: this run alone, not a page of runs
    assert table.run("R-1", "team/c") is None and table.run("R-9", "team/a") is None
    assert export.run_in("R-1", "team/a") is not None


def test_fetch_runs_table_with_a_limit_reads_only_the_rows_it_returns(
    sample_export: ParquetRunSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = nql_lsp.api.Project(sample_export)
    reads = Reads(sample_export, monkeypatch)
    table = project.fetch_runs_table(limit=3)
    assert len(table) == 3
    assert sorted(reads.whole()) == sorted(
        f"{run.project}\x1f{run.fallback_id}" for run in sample_export.runs if run.id in {r["sys/id"] for r in table}
    )
    memory = nql_lsp.api.Project(sample_export.in_memory()).fetch_runs_table(limit=3)
    assert table.rows == memory.rows


def test_runs_looked_into_whole_read_a_page_at_a_time(
    sample_export: ParquetRunSet, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nql_lsp.evaluation.evaluate import preview
    from nql_lsp.runs import deferred

    monkeypatch.setattr(deferred, "PAGE_RUNS", 10)
    matches = preview("", sample_export).matches
    reads = Reads(sample_export, monkeypatch)
    first = dict(matches[0].attributes)
    assert len(reads.whole()) == 10  # the first page, not every match
    alone = sample_export.by_id(matches[0].id)
    assert alone is not None and first == dict(alone.attributes)
    reads.calls.clear()
    dict(matches[3].attributes)
    assert reads.whole() == []  # already read
    dict(matches[25].attributes)
    assert len(reads.whole()) == 10  # the page from the 26th match


# --- series points from the files ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two runs as neptune-exporter writes them: steps 0, 0.5, 1, …; one run's rows in three parts."""
    root = tmp_path_factory.mktemp("series")
    write_run(root, P, "CLS-1", neptune2_run(P, "CLS-1", "first", [0.5, 0.7, 0.9]), parts=3)
    rows = [
        param(P, "CLS-2", "sys/id", "string", "CLS-2"),
        param(P, "CLS-2", "sys/name", "string", "second"),
        param(P, "CLS-2", "sys/trashed", "bool", False),
        *metric(P, "CLS-2", "train/acc", [0.2, None, 0.4], first=10.0),  # None: a NaN point
        *metric(P, "CLS-2", "train/loss", [3.0, 2.0]),
    ]
    write_run(root, P, "CLS-2", rows)
    return root


def test_fetch_series_reads_the_points_of_an_export(exported: Path) -> None:
    project = nql_lsp.api.open(exported)
    table = project.fetch_series(columns=["train/acc"], sort_by="sys/name", ascending=True)
    got = [(run, path, step, None if math.isnan(v) else v) for run, path, step, v in table]
    assert got == [
        ("CLS-1", "train/acc", 0.0, 0.5),
        ("CLS-1", "train/acc", 0.5, 0.7),
        ("CLS-1", "train/acc", 1.0, 0.9),
        ("CLS-2", "train/acc", 10.0, 0.2),
        ("CLS-2", "train/acc", 10.5, None),
        ("CLS-2", "train/acc", 11.0, 0.4),
    ]
    every = project.fetch_series(query='`sys/id` = "CLS-2"')
    assert [(r, p, s) for r, p, s, _ in every] == [
        ("CLS-2", "train/acc", 10.0),
        ("CLS-2", "train/acc", 10.5),
        ("CLS-2", "train/acc", 11.0),
        ("CLS-2", "train/loss", 0.0),
        ("CLS-2", "train/loss", 0.5),
    ]
    pytest.importorskip("pandas")
    df = project.fetch_series(query='`sys/id` = "CLS-1"', columns=["train/acc"]).to_pandas()
    assert list(df.columns) == ["run_id", "path", "step", "value"]
    assert df["value"].tolist() == [0.5, 0.7, 0.9]


def test_series_points_of_files_not_named_after_their_runs(tmp_path: Path) -> None:
    """A hand-made export (one file, any name) is read whole for the points."""
    root = tmp_path / "one"
    write_run(root, P, "CLS-9", [param(P, "CLS-9", "sys/id", "string", "CLS-9"), *metric(P, "CLS-9", "m", [1.0, 2.0])])
    [file] = root.rglob("*.parquet")
    file.rename(file.with_name("everything.parquet"))
    table = nql_lsp.api.open(root).fetch_series()
    assert list(table) == [("CLS-9", "m", 0.0, 1.0), ("CLS-9", "m", 0.5, 2.0)]
    # A chart's lines too; and a run holding no such series is told from one holding only its summary.
    chart = Table(_open(root))
    assert [(s["steps"], s["values"]) for s in series(chart, "m", [("CLS-9", None)])["series"]] == [
        ([0.0, 0.5], [1.0, 2.0])
    ]
    assert series(chart, "nothing", [("CLS-9", None)])["series"][0]["note"] == "no nothing"


def test_a_chart_tells_a_series_held_only_as_a_summary(tmp_path: Path) -> None:
    write_run(tmp_path, P, "CLS-9", [param(P, "CLS-9", "sys/id", "string", "CLS-9"), *metric(P, "CLS-9", "m", [1.0])])
    export = _open(tmp_path)
    export.files = []  # the summary left, the files not there to read
    assert series(Table(export), "m", [("CLS-9", None)])["series"][0]["note"] == "only a summary is stored"


def test_a_value_written_twice_is_one_attribute_of_one_run(tmp_path: Path) -> None:
    """Rows are grouped by (project, run, path, type): a parameter repeated across parts, or next to a null
    row for it (Neptune 3's melted batches), is one value, counted once in the schema."""
    rows = [
        param(P, "CLS-7", "sys/id", "string", "CLS-7"),
        param(P, "CLS-7", "parameters/lr", "float", None),
        param(P, "CLS-7", "parameters/lr", "float", 0.25),
        param(P, "CLS-7", "parameters/lr", "float", 0.25),
    ]
    write_run(tmp_path, P, "CLS-7", rows, parts=2)
    runs = _open(tmp_path)
    lr = schema_of(runs).field("parameters/lr")
    assert lr is not None and lr.stats["float"].runs == 1
    run = runs.by_id("CLS-7")
    assert run is not None and run.get("parameters/lr") == ("float", 0.25)
    assert runs.con.execute("SELECT count(*) FROM nql_scalars WHERE path = 'parameters/lr'").fetchone() == (1,)
