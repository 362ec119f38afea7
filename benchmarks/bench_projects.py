"""What narrowing an export to one project costs, against the whole export, in one run.

Generates an export of two projects in the exporter's layout (``<dir>/<project>/<run>_part_0.parquet``) that
share their run ids: RUNS runs each, 50 parameters and 5 float series of POINTS points per run. Prints, for
the whole export and for it narrowed to one project (``open_runs(path, projects=[...])``): opening it from
the cached summary, learning its schema, and a 5-clause aggregate query pushed down to duckdb (best of 5);
and narrowing an open export alone. Narrowing reads no file and writes no cache: its cost is the views'
filtering, so the ratios say how much a narrowed query pays for it.
Run: python benchmarks/bench_projects.py [--runs N] [--points N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from urllib.parse import unquote

import duckdb

from nql_lsp.evaluation.engine import engine_for, schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.runs import RunsSource, open_runs
from nql_lsp.runs.cache import CACHE_ENV
from nql_lsp.runs.narrowed import narrow

PROJECTS = ("bench/one", "bench/two")
QUERY = (
    "last(`metrics/m0`:floatSeries) > 0.5 AND max(`metrics/m1`:floatSeries) < 0.99 AND "
    "average(`metrics/m2`:floatSeries) > 0.45 AND variance(`metrics/m3`:floatSeries) < 0.09 AND "
    "`params/p0`:float > 0.2"
)
PARAMS, SERIES = 50, 5
_T = TypeVar("_T")


def generate(root: Path, runs: int, points: int) -> int:
    """Write the export; returns its row count."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET temp_directory = ?", [str(root / "spill")])
    staging = root / "staging"
    projects = ", ".join(f"'{p}'" for p in PROJECTS)
    rows = f"""
    WITH r AS (SELECT p.project_id, range AS i, 'BEN-' || range AS run_id
               FROM range({runs}), (SELECT unnest([{projects}]) AS project_id) p)
    SELECT project_id, run_id, 'sys/id' AS attribute_path, 'string' AS attribute_type,
           CAST(NULL AS DECIMAL(18, 6)) AS step, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS "timestamp",
           CAST(NULL AS BIGINT) AS int_value, CAST(NULL AS DOUBLE) AS float_value, run_id AS string_value,
           CAST(NULL AS BOOLEAN) AS bool_value, CAST(NULL AS TIMESTAMPTZ) AS datetime_value,
           CAST(NULL AS VARCHAR[]) AS string_set_value, CAST(NULL AS STRUCT(path VARCHAR)) AS file_value,
           CAST(NULL AS STRUCT(type VARCHAR, edges DOUBLE[], "values" DOUBLE[])) AS histogram_value
    FROM r
    UNION ALL
    SELECT project_id, run_id, 'params/p' || j, 'float', NULL, TIMESTAMPTZ '2025-01-01 00:00:00+00', NULL,
           hash(project_id, i, j) % 1000 / 1000.0, NULL, NULL, NULL, NULL, NULL, NULL
    FROM r, range({PARAMS}) t(j)
    UNION ALL
    SELECT project_id, run_id, 'metrics/m' || k, 'float_series', CAST(p AS DECIMAL(18, 6)),
           TIMESTAMPTZ '2025-01-01 00:00:00+00', NULL,
           (hash(project_id, i, k) % 1000) / 2000.0 + 0.5 * p / {points} + (hash(i, k, p) % 100) / 1000.0,
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM r, range({SERIES}) s(k), range({points}) q(p)
    """
    partitions = "PARTITION_BY (project_id, run_id), WRITE_PARTITION_COLUMNS true"
    con.execute(f"COPY ({rows}) TO '{staging}' (FORMAT parquet, {partitions})")
    con.close()
    for project_folder in staging.iterdir():
        project = root / unquote(project_folder.name.split("=", 1)[1]).replace("/", "__")
        project.mkdir()
        for run_folder in project_folder.iterdir():
            run_id = run_folder.name.split("=", 1)[1]
            for n, file in enumerate(sorted(run_folder.glob("*.parquet"))):
                file.rename(project / f"{run_id}_part_{n}.parquet")
    shutil.rmtree(staging)
    shutil.rmtree(root / "spill", ignore_errors=True)
    return len(PROJECTS) * runs * (1 + PARAMS + SERIES * points)


def _timed(fn: Callable[[], _T], repeat: int = 1) -> tuple[float, _T]:
    """The best time of ``repeat`` calls, and the last result."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t)
    return best, result


def _measure(name: str, open_it: Callable[[], RunsSource]) -> dict[str, float]:
    opened, runs = _timed(open_it)
    learned, _ = _timed(lambda: schema_of(runs))
    engine_for(runs).prepare()
    queried, result = _timed(lambda: preview(QUERY, runs), repeat=5)
    matched = len(result.matches)
    print(
        f"{name}: open from the cached summary {opened * 1000:.0f} ms; learn schema {learned * 1000:.0f} ms; "
        f"5-clause query {queried * 1000:.1f} ms ({matched:,} of {len(runs):,} runs)"
    )
    return {"open": opened, "schema": learned, "query": queried}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=1_000, help="runs per project")
    ap.add_argument("--points", type=int, default=200)
    args = ap.parse_args()
    root = Path(tempfile.mkdtemp(prefix="nql-bench-projects-"))
    cache = Path(tempfile.mkdtemp(prefix="nql-bench-cache-"))
    os.environ[CACHE_ENV] = str(cache)
    try:
        t = time.perf_counter()
        rows = generate(root, args.runs, args.points)
        print(
            f"generated 2 projects x {args.runs:,} runs (shared ids): {rows:,} rows in {time.perf_counter() - t:.1f} s"
        )
        first, _ = _timed(lambda: open_runs(root))
        print(f"first open (summarise, cache the summary): {first:.2f} s")
        whole = _measure("whole export     ", lambda: open_runs(root))
        one = _measure("narrowed to one  ", lambda: open_runs(root, projects=[PROJECTS[0]]))
        base = open_runs(root)
        alone, _ = _timed(lambda: narrow(base, [PROJECTS[1]]), repeat=5)
        print(f"narrowing an open export alone: {alone * 1000:.1f} ms")
        print(
            "narrowed / whole: open {:.2f}x, schema {:.2f}x, query {:.2f}x".format(
                one["open"] / whole["open"], one["schema"] / whole["schema"], one["query"] / whole["query"]
            )
        )
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)


if __name__ == "__main__":
    main()
