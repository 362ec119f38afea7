"""A Neptune parquet export queried through duckdb push-down, against loading it into Python, in one run.

Generates an export in the exporter's layout (``<dir>/<project>/<run>_part_0.parquet``, one row per value
or series point): RUNS runs x 200 attributes (7 sys/ fields, 183 parameters, 10 float series of POINTS
points). Prints the time to open it and learn its schema, the time to answer a 5-clause aggregate query
pushed down to duckdb (target < 1 s), the time to open it again from the summary cached by the first
open (as a second ``nql-lsp --preview`` would), and, as the baseline, the time to load every run into Python and
answer the same query there, with the ratio.
Run: python benchmarks/bench_parquet.py [--runs N] [--points N] [--full] [--keep DIR]
(--full is the issue's size: 10,000 runs x 1,000-point series, about 100 million rows; the default is
2,000 runs so that generating takes seconds, not minutes.)
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import duckdb

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.runs import open_runs
from nql_lsp.runs.cache import CACHE_ENV
from nql_lsp.runs.parquet import ParquetRunSet

QUERY = (
    "last(`metrics/m0`:floatSeries) > 0.5 AND max(`metrics/m1`:floatSeries) < 0.99 AND "
    "average(`metrics/m2`:floatSeries) > 0.45 AND variance(`metrics/m3`:floatSeries) < 0.09 AND "
    "`params/p0`:float > 0.2"
)
SERIES, PARAMS = 10, 183

_NULLS = """CAST(NULL AS BIGINT) AS int_value, CAST(NULL AS DOUBLE) AS float_value,
    CAST(NULL AS VARCHAR) AS string_value, CAST(NULL AS BOOLEAN) AS bool_value,
    CAST(NULL AS TIMESTAMPTZ) AS datetime_value, CAST(NULL AS VARCHAR[]) AS string_set_value,
    CAST(NULL AS STRUCT(path VARCHAR)) AS file_value,
    CAST(NULL AS STRUCT(type VARCHAR, edges DOUBLE[], "values" DOUBLE[])) AS histogram_value"""


def generate(root: Path, runs: int, points: int) -> int:
    """Write the export; returns its row count."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute("SET temp_directory = ?", [str(root / "spill")])  # duckdb's default is ./.tmp
    staging = root / "staging"
    rows = f"""
    WITH r AS (SELECT range AS i, 'BEN-' || range AS run_id FROM range({runs})),
    sys AS (
        SELECT run_id, 'sys/id' AS path, 'string' AS type, run_id AS s, NULL::DOUBLE AS f, NULL::BIGINT AS n,
               NULL::BOOLEAN AS b, NULL::TIMESTAMPTZ AS d, NULL::VARCHAR[] AS tags FROM r
        UNION ALL SELECT run_id, 'sys/name', 'string', 'run-' || i, NULL, NULL, NULL, NULL, NULL FROM r
        UNION ALL SELECT run_id, 'sys/owner', 'string', ['alice', 'bob', 'ci@sa'][1 + i % 3], NULL, NULL, NULL,
                         NULL, NULL FROM r
        UNION ALL SELECT run_id, 'sys/state', 'string', 'Inactive', NULL, NULL, NULL, NULL, NULL FROM r
        UNION ALL SELECT run_id, 'sys/trashed', 'bool', NULL, NULL, NULL, i % 20 = 0, NULL, NULL FROM r
        UNION ALL SELECT run_id, 'sys/creation_time', 'datetime', NULL, NULL, NULL, NULL,
                         TIMESTAMPTZ '2025-01-01 00:00:00+00' + to_seconds(i * 600), NULL FROM r
        UNION ALL SELECT run_id, 'sys/tags', 'string_set', NULL, NULL, NULL, NULL, NULL,
                         CASE WHEN i % 4 = 0 THEN ['prod', 'baseline'] ELSE ['sweep'] END FROM r
        UNION ALL
        SELECT run_id, 'params/p' || j, ['float', 'int', 'string'][1 + j % 3],
               CASE WHEN j % 3 = 2 THEN 'v' || ((i * 7 + j) % 11) END,
               CASE WHEN j % 3 = 0 THEN hash(i, j) % 1000 / 1000.0 END,
               CASE WHEN j % 3 = 1 THEN hash(i, j) % 512 END, NULL, NULL, NULL
        FROM r, range({PARAMS}) t(j))
    SELECT 'bench/cls' AS project_id, run_id, path AS attribute_path, type AS attribute_type,
           CAST(NULL AS DECIMAL(18, 6)) AS step, TIMESTAMPTZ '2025-01-01 00:00:00+00' AS "timestamp",
           n AS int_value, f AS float_value, s AS string_value, b AS bool_value, d AS datetime_value,
           tags AS string_set_value, CAST(NULL AS STRUCT(path VARCHAR)) AS file_value,
           CAST(NULL AS STRUCT(type VARCHAR, edges DOUBLE[], "values" DOUBLE[])) AS histogram_value
    FROM sys
    UNION ALL
    SELECT 'bench/cls', run_id, 'metrics/m' || k, 'float_series', CAST(p AS DECIMAL(18, 6)),
           TIMESTAMPTZ '2025-01-01 00:00:00+00', NULL,
           (hash(i, k) % 1000) / 2000.0 + 0.5 * p / {points} + (hash(i, k, p) % 100) / 1000.0,
           NULL, NULL, NULL, NULL, NULL, NULL
    FROM r, range({SERIES}) s(k), range({points}) q(p)
    """
    con.execute(f"COPY ({rows}) TO '{staging}' (FORMAT parquet, PARTITION_BY (run_id), WRITE_PARTITION_COLUMNS true)")
    project = root / "bench__cls"
    project.mkdir()
    for folder in staging.iterdir():
        run_id = folder.name.split("=", 1)[1]
        for n, file in enumerate(sorted(folder.glob("*.parquet"))):
            file.rename(project / f"{run_id}_part_{n}.parquet")
    shutil.rmtree(staging)
    con.close()
    shutil.rmtree(root / "spill", ignore_errors=True)
    return runs * (7 + PARAMS + SERIES * points)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=2_000)
    ap.add_argument("--points", type=int, default=1_000)
    ap.add_argument("--full", action="store_true", help="10,000 runs x 1,000-point series")
    ap.add_argument("--keep", metavar="DIR", help="generate into DIR and keep it")
    args = ap.parse_args()
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
        t = time.perf_counter()
        export = open_runs(root)
        opened = time.perf_counter() - t
        t = time.perf_counter()
        schema = schema_of(export)
        learned = time.perf_counter() - t
        paths = sum(1 for f in schema.fields() if not f.system or f.stats)
        print(
            f"open (validate + summarise runs and series): {opened:.2f} s; learn schema: {learned:.2f} s "
            f"({len(export):,} runs, {paths} paths)"
        )
        t = time.perf_counter()
        again = open_runs(root)
        reopened = time.perf_counter() - t
        assert getattr(again, "from_cache", False) and len(again) == len(export)
        print(f"open again, from the cached summary: {reopened:.2f} s ({opened / reopened:.0f}x faster)")
        times = []
        for _ in range(3):
            t = time.perf_counter()
            result = preview(QUERY, export)
            times.append(time.perf_counter() - t)
        pushed = min(times)
        t = time.perf_counter()
        shown = sum(len(r.attributes) for r in result.matches)
        read_back = time.perf_counter() - t
        print(f"query: {QUERY}")
        print(
            f"pushed down to duckdb: {pushed * 1000:.0f} ms (first {times[0] * 1000:.0f} ms), "
            f"{len(result.matches):,} of {result.total:,} runs; target < 1 s: "
            f"{'met' if pushed < 1 else 'missed'}"
        )
        print(
            f"reading the matching runs' attributes back (on first use, e.g. to print them): "
            f"{read_back * 1000:.0f} ms for {shown:,} values"
        )
        t = time.perf_counter()
        assert isinstance(export, ParquetRunSet)
        memory = export.in_memory()
        loaded = time.perf_counter() - t
        t = time.perf_counter()
        baseline = preview(QUERY, memory)
        evaluated = time.perf_counter() - t
        assert sorted(r.id for r in baseline.matches) == sorted(r.id for r in result.matches)
        cached_times = []
        for _ in range(3):
            t = time.perf_counter()
            from_cache = preview(QUERY, again)
            cached_times.append(time.perf_counter() - t)
        assert [r.id for r in from_cache.matches] == [r.id for r in result.matches]
        print(f"the same query over the cached summary: {min(cached_times) * 1000:.0f} ms")
        total = loaded + evaluated
        print(
            f"baseline, every run loaded into Python: load {loaded:.2f} s + evaluate {evaluated * 1000:.0f} ms "
            f"= {total:.2f} s; push-down is {total / pushed:.0f}x faster (same {len(baseline.matches):,} runs)"
        )
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
