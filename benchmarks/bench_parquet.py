"""A Neptune parquet export opened, queried and paged through duckdb, against the former ways, in one run.

Generates an export as neptune-exporter writes one (``<dir>/<sanitised project>/<run>_part_0.parquet``, its
schema, one pyarrow batch and so one row group per kind: parameters, then metrics): RUNS runs x 200
attributes (7 sys/ fields, 183 parameters, 10 float series of POINTS points). Prints, each beside a
baseline measured in the same run:

- the first open (one pass over the files into the cached summary) and its learned schema, in a child
  process whose peak memory (RSS) is reported; baseline: the former summary, four passes over the files;
- a second open with its schema, both from the cache; baseline: the second open learning the schema again;
- a 5-clause aggregate query pushed down to duckdb; baseline: every run loaded into Python and evaluated;
- a page of 50 rows (sorted by creation time, 4 columns) of the matches; baseline: reading every matched
  run's attributes, as showing any run of a preview did before;
- a float series' points for 20 matched runs, read from the files.

Run: python benchmarks/bench_parquet.py [--runs N] [--points N] [--full] [--keep DIR]
(--full is the issue's size: 10,000 runs x 1,000-point series, about 100 million rows; the default is
2,000 runs so that generating takes a minute, not a quarter of an hour. With --keep DIR an export already
there is reused.) Times are wall-clock; CPU seconds (both duckdb threads) are shown beside the opens.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import nql_lsp.api
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import Preview, preview
from nql_lsp.evaluation.export_schema import learn_export
from nql_lsp.explore.data import cell, sorted_runs
from nql_lsp.runs import open_runs
from nql_lsp.runs.cache import CACHE_ENV
from nql_lsp.runs.deferred import read_ahead
from nql_lsp.runs.layout import export_files
from nql_lsp.runs.parquet import ParquetRunSet

# The exporter's schema and folder naming, written once for the tests' fixtures.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.neptune_exporter_shapes import sanitize
from tests.parquet_export import SCHEMA

QUERY = (
    "last(`metrics/m0`:floatSeries) > 0.5 AND max(`metrics/m1`:floatSeries) < 0.99 AND "
    "average(`metrics/m2`:floatSeries) > 0.45 AND variance(`metrics/m3`:floatSeries) < 0.09 AND "
    "`params/p0`:float > 0.2"
)
SERIES, PARAMS = 10, 183

PROJECT = "bench/cls"
T0_MS = 1_735_689_600_000  # 2025-01-01T00:00:00Z


def _batch(columns: dict[str, pa.Array | list[Any]], length: int) -> pa.RecordBatch:
    arrays = [columns.get(f.name, pa.nulls(length, f.type)) for f in SCHEMA]
    return pa.RecordBatch.from_arrays(
        [pa.array(a, f.type) if isinstance(a, list) else a.cast(f.type) for a, f in zip(arrays, SCHEMA, strict=True)],
        schema=SCHEMA,
    )


def _parameters(i: int, run_id: str) -> pa.RecordBatch:
    """A run's parameters batch: the 7 sys/ fields and PARAMS parameters, one row each, as the exporter's
    ``download_parameters`` yields them (no ``sys/state``: neither exporter writes it)."""
    n = 7 + PARAMS
    paths = ["sys/id", "sys/name", "sys/owner", "sys/failed", "sys/trashed", "sys/creation_time", "sys/tags"]
    types = ["string", "string", "string", "bool", "bool", "datetime", "string_set"]
    strings: list[str | None] = [run_id, f"run-{i}", ["alice", "bob", "ci@sa"][i % 3], None, None, None, None]
    ints: list[int | None] = [None] * 7
    floats: list[float | None] = [None] * 7
    bools: list[bool | None] = [None, None, None, i % 50 == 0, i % 20 == 0, None, None]
    created: list[int | None] = [*([None] * 5), T0_MS + i * 600_000, None]
    tags: list[list[str] | None] = [None] * 6 + [["prod", "baseline"] if i % 4 == 0 else ["sweep"]]
    for j in range(PARAMS):
        paths.append(f"params/p{j}")
        kind = j % 3
        types.append(("float", "int", "string")[kind])
        h = (i * 2_654_435_761 + j * 40_503) % 1_000_003
        floats.append(h % 1000 / 1000.0 if kind == 0 else None)
        ints.append(h % 512 if kind == 1 else None)
        strings.append(f"v{(i * 7 + j) % 11}" if kind == 2 else None)
        bools.append(None)
        created.append(None)
        tags.append(None)
    return _batch(
        {
            "project_id": [PROJECT] * n,
            "run_id": [run_id] * n,
            "attribute_path": paths,
            "attribute_type": types,
            "int_value": ints,
            "float_value": floats,
            "string_value": strings,
            "bool_value": bools,
            "datetime_value": pa.array(created, pa.int64()),
            "string_set_value": tags,
        },
        n,
    )


@functools.cache
def _series_columns(points: int) -> dict[str, pa.Array]:
    """The columns every run's metrics batch shares (its project, paths, types, steps and times)."""
    n = SERIES * points
    return {
        "project_id": pa.repeat(pa.scalar(PROJECT), n),
        "attribute_path": pa.array(np.repeat([f"metrics/m{k}" for k in range(SERIES)], points)),
        "attribute_type": pa.repeat(pa.scalar("float_series"), n),
        "step": pa.array(np.tile(np.arange(points, dtype=np.int32), SERIES)).cast(pa.decimal128(18, 6)),
        "timestamp": pa.array(np.tile(T0_MS + np.arange(points, dtype=np.int64) * 1000, SERIES)),
    }


def _metrics(i: int, run_id: str, points: int) -> pa.RecordBatch:
    """A run's metrics batch: SERIES float series of ``points`` points (the exporter fetches up to 128 series
    of a run per batch, so these are one batch, one row group)."""
    rng = np.random.default_rng(i)
    p = np.arange(points, dtype=np.float64)
    values = np.concatenate(
        [
            rng.integers(0, 1000) / 2000.0 + 0.5 * p / points + rng.integers(0, 100, points) / 1000.0
            for _ in range(SERIES)
        ]
    )
    n = SERIES * points
    return _batch(
        {**_series_columns(points), "run_id": pa.repeat(pa.scalar(run_id), n), "float_value": pa.array(values)}, n
    )


def generate(root: Path, runs: int, points: int) -> int:
    """Write the export as the exporter does: one file per run in the project's sanitised folder, written as
    ``.parquet.tmp`` with pyarrow (snappy) one batch at a time (parameters, then metrics: a row group each),
    then renamed. Returns its row count."""
    project = root / sanitize(PROJECT)
    project.mkdir(parents=True)
    for i in range(runs):
        run_id = f"BEN-{i}"
        tmp = project / f"{run_id}_part_0.parquet.tmp"
        with pq.ParquetWriter(tmp, SCHEMA, compression="snappy") as writer:
            writer.write_batch(_parameters(i, run_id))
            writer.write_batch(_metrics(i, run_id, points))
        tmp.rename(tmp.with_suffix(""))
    return runs * (7 + PARAMS + SERIES * points)


def child(what: str, root: Path) -> dict[str, float]:
    """Run ``what`` (an open) in a fresh process: its time, CPU time and peak memory, as JSON."""
    out = subprocess.run(
        [sys.executable, __file__, "--child", what, str(root)], check=True, capture_output=True, text=True
    ).stdout
    found: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return found


def run_child(what: str, root: Path) -> None:
    t, c = time.perf_counter(), time.process_time()
    if what == "open":
        export = open_runs(root)
        opened, cpu = time.perf_counter() - t, time.process_time() - c
        schema_of(export)
        learned = time.perf_counter() - t - opened
    else:  # the former summary: a pass to check types, then one per table, all made in memory
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        files, _ = export_files(root)
        con.read_parquet(files, filename=True, file_row_number=True).create_view("nql_long")
        for sql in FORMER_SUMMARY:
            con.execute(sql)
        opened, cpu, learned = time.perf_counter() - t, time.process_time() - c, 0.0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"open": opened, "cpu": cpu, "schema": learned, "rss": rss}))


#: The summary as it was made before it was made in one pass (the benchmark's types only).
FORMER_SUMMARY = (
    """SELECT attribute_type, count(*), count(*) FILTER (WHERE run_id IS NULL OR attribute_path IS NULL)
       FROM nql_long GROUP BY attribute_type""",
    """CREATE TABLE nql_scalars AS
       SELECT coalesce(project_id, '') || chr(31) || run_id AS run_id, attribute_path AS path, attribute_type AS type,
              CASE WHEN attribute_type = 'int' THEN CAST(int_value AS DOUBLE) ELSE float_value END AS num,
              int_value, string_value AS str, bool_value AS flag, epoch_ms(datetime_value) / 1000.0 AS ts,
              string_set_value AS tags, file_value.path AS file
       FROM nql_long WHERE attribute_type IN ('float', 'int', 'bool', 'string', 'datetime', 'string_set')
         AND coalesce(float_value::VARCHAR, int_value::VARCHAR, string_value, bool_value::VARCHAR,
                      datetime_value::VARCHAR, string_set_value::VARCHAR) IS NOT NULL""",
    """CREATE TABLE nql_series AS
       SELECT run_id, attribute_path AS path, attribute_type AS type,
              count(float_value) FILTER (WHERE NOT isnan(float_value)) AS n,
              arg_max(float_value, step_order) FILTER (WHERE NOT isnan(float_value)) AS last,
              min(float_value) FILTER (WHERE NOT isnan(float_value)) AS mn,
              max(float_value) FILTER (WHERE NOT isnan(float_value)) AS mx,
              avg(float_value) FILTER (WHERE NOT isnan(float_value)) AS average,
              var_pop(float_value) FILTER (WHERE NOT isnan(float_value)) AS variance,
              arg_max(string_value, step_order) AS last_str
       FROM (SELECT * EXCLUDE (run_id), coalesce(project_id, '') || chr(31) || run_id AS run_id,
                    CAST(step AS DOUBLE) AS step_order FROM nql_long)
       WHERE attribute_type IN ('float_series', 'string_series')
       GROUP BY run_id, attribute_path, attribute_type""",
    """CREATE TABLE nql_runs AS
       SELECT k.run_id, any_value(k.project) AS project, any_value(k.exported_id) AS exported_id,
              coalesce(bool_or(a.path = 'sys/trashed' AND a.flag), false) AS trashed
       FROM (SELECT DISTINCT coalesce(project_id, '') || chr(31) || run_id AS run_id,
                    coalesce(project_id, '') AS project, run_id AS exported_id FROM nql_long) k
       LEFT JOIN (SELECT run_id, path, flag FROM nql_scalars UNION ALL SELECT run_id, path, NULL FROM nql_series) a
              ON a.run_id = k.run_id
       GROUP BY k.run_id""",
)


def best(n: int, work: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(n):
        t = time.perf_counter()
        result = work()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2_000)
    ap.add_argument("--points", type=int, default=1_000)
    ap.add_argument("--full", action="store_true", help="10,000 runs x 1,000-point series")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it (an export there is reused)")
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        run_child(args.child[0], Path(args.child[1]))
        return
    runs = 10_000 if args.full else args.runs
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="nql-bench-"))
    cache = Path(tempfile.mkdtemp(prefix="nql-bench-cache-"))  # empty: the first open is a cold one
    os.environ[CACHE_ENV] = str(cache)
    try:
        if not any(root.rglob("*.parquet")):
            t = time.perf_counter()
            root.mkdir(parents=True, exist_ok=True)
            rows = generate(root, runs, args.points)
            print(
                f"generated {runs:,} runs x 200 attributes, {args.points:,}-point series: {rows:,} rows "
                f"in {time.perf_counter() - t:.1f} s"
            )
        print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
        first = child("open", root)
        former = child("former", root)
        print(
            f"first open: {first['open']:.2f} s ({first['cpu']:.1f} s CPU) + learning the schema "
            f"{first['schema']:.2f} s = {first['open'] + first['schema']:.2f} s; peak RSS {first['rss']:,.0f} MB; "
            f"target <= 10 s: {'met' if first['open'] + first['schema'] <= 10 else 'missed'}"
        )
        print(
            f"  baseline, the former four-pass summary (in memory, not yet cached): {former['open']:.2f} s "
            f"({former['cpu']:.1f} s CPU), peak RSS {former['rss']:,.0f} MB; one pass is "
            f"{former['open'] / first['open']:.1f}x faster"
        )

        def reopen() -> ParquetRunSet:
            again = open_runs(root)
            assert isinstance(again, ParquetRunSet) and again.from_cache
            schema_of(again)
            return again

        reopened, export_ = best(3, reopen)
        export = export_
        assert isinstance(export, ParquetRunSet)

        def relearn() -> None:
            again = open_runs(root)
            assert isinstance(again, ParquetRunSet)
            learn_export(again)

        relearned, _ = best(1, relearn)
        schema = schema_of(export)
        paths = sum(1 for f in schema.fields() if not f.system or f.stats)
        print(
            f"second open with its schema, from the cache: {reopened:.3f} s ({len(export):,} runs, {paths} paths); "
            f"target <= 0.3 s: {'met' if reopened <= 0.3 else 'missed'}"
        )
        print(f"  baseline, learning the schema again: {relearned:.2f} s; {relearned / reopened:.0f}x faster")

        pushed, result_ = best(3, lambda: preview(QUERY, export))
        result = result_
        assert isinstance(result, Preview)
        t = time.perf_counter()
        memory = export.in_memory()
        loaded = time.perf_counter() - t
        evaluated, baseline_ = best(1, lambda: preview(QUERY, memory))
        baseline = baseline_
        assert isinstance(baseline, Preview)
        assert [r.id for r in baseline.matches] == [r.id for r in result.matches]
        print(f"query: {QUERY}")
        print(
            f"pushed down to duckdb: {pushed * 1000:.0f} ms, {len(result.matches):,} of {result.total:,} runs; "
            f"target < 150 ms: {'met' if pushed < 0.15 else 'missed'}"
        )
        print(
            f"  baseline, every run loaded into Python: load {loaded:.2f} s + evaluate {evaluated * 1000:.0f} ms; "
            f"push-down is {(loaded + evaluated) / pushed:.0f}x faster"
        )

        columns = ["sys/id", "sys/name", "sys/owner", "params/p0"]

        def a_page() -> float:
            """The time to show one page of a fresh query's matches (the query's own time left out)."""
            matches = preview(QUERY, export).matches  # a fresh batch: nothing read yet
            t = time.perf_counter()
            shown = sorted_runs(matches, "sys/creation_time", descending=True)[:50]
            read_ahead(shown, columns)
            assert all(cell(run, "sys/name") for run in shown)
            return time.perf_counter() - t

        paged = min(a_page() for _ in range(3))
        keys = [f"{r.project}\x1f{r.fallback_id}" for r in result.matches]
        everything, read_ = best(1, lambda: export.fetch(keys))
        assert isinstance(read_, list)
        values = sum(len(r.attributes) for r in read_)
        print(
            f"a page of 50 rows x {len(columns)} columns, sorted by sys/creation_time: {paged * 1000:.0f} ms; "
            f"baseline, reading every match's attributes ({values:,} values): {everything * 1000:.0f} ms; "
            f"{everything / paged:.0f}x faster"
        )
        project = nql_lsp.api.Project(export)
        pointed, table_ = best(1, lambda: project.fetch_series(query=QUERY, columns=["metrics/m0"], limit=20))
        assert isinstance(table_, nql_lsp.api.SeriesTable)
        print(f"fetch_series: metrics/m0 of 20 matched runs, {len(table_):,} points from the files: {pointed:.2f} s")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
