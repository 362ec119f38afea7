"""Evaluation speed over 100,000 in-memory runs, against the plain tree-walking interpreter, in one run.

Prints runs/s for a 5-clause query evaluated by:
- the tree-walking interpreter (the baseline, nql_lsp.evaluation.interpret),
- the compiled row closures (one Python call per run),
- the compiled columnar closures behind preview(): first query (building the columns it needs) and
  the following ones (columns kept by the runs set, as while a user edits),
with each one's ratio to the interpreter (target: >= 2 million runs/s), and the memory the runs take.
Run: python benchmarks/bench_evaluate.py [--runs N] [--repeat N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from nql_lsp.evaluation.evaluate import bind_query, compile_rows, preview
from nql_lsp.evaluation.interpret import evaluate
from nql_lsp.runs import FloatSeries, Run, RunSet

QUERY = (
    '(`sys/tags`:stringSet CONTAINS "prod" OR last(`val/acc`:floatSeries) >= 0.9) AND '
    '`parameters/lr`:float < 0.01 AND `sys/owner`:string MATCHES "^a" AND '
    '`sys/creation_time`:datetime > "-6M"'
)
NOW = datetime(2025, 11, 20, tzinfo=UTC)
OWNERS = ["alice", "bob", "chen", "dana", "ci@sa"]
TAGS = ["prod", "baseline", "sweep", "debug", "fp16", "augment"]


def make_runs(n: int, points: int, seed: int = 7) -> list[Run]:
    rng = random.Random(seed)
    start = NOW - timedelta(days=365)
    runs = []
    for i in range(n):
        acc = FloatSeries.of([rng.random() for _ in range(points)])
        loss = FloatSeries.of([rng.random() * 2 for _ in range(points)])
        runs.append(
            Run(
                {
                    "sys/id": ("string", f"BEN-{i}"),
                    "sys/name": ("string", f"run-{i}"),
                    "sys/owner": ("string", rng.choice(OWNERS)),
                    "sys/tags": ("stringSet", frozenset(rng.sample(TAGS, rng.randint(0, 3)))),
                    "sys/state": ("experimentState", "idle"),
                    "sys/failed": ("bool", rng.random() < 0.1),
                    "sys/trashed": ("bool", rng.random() < 0.05),
                    "sys/creation_time": ("datetime", start + timedelta(seconds=rng.uniform(0, 365 * 86400))),
                    "parameters/lr": ("float", 10 ** rng.uniform(-5, -1)),
                    "parameters/batch_size": ("int", rng.choice([32, 64, 128, 256])),
                    "parameters/optimizer": ("string", rng.choice(["adam", "sgd", "adamw"])),
                    "model/backbone": ("string", rng.choice(["resnet50", "vit-b16", "convnext-t"])),
                    "val/acc": ("floatSeries", acc),
                    "train/loss": ("floatSeries", loss),
                },
                f"#{i}",
            )
        )
    return runs


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=100_000)
    ap.add_argument("--points", type=int, default=50, help="points per float series")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    n = args.runs

    tracemalloc.start()
    t = time.perf_counter()
    runs = make_runs(n, args.points)
    built = time.perf_counter() - t
    memory, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{n:,} runs x 14 attributes (two {args.points}-point float series each): built in {built:.1f} s, "
        f"{memory / 2**20:,.0f} MiB ({memory / n:,.0f} bytes/run)"
    )

    runset = RunSet(runs, "benchmark")
    bound = bind_query(QUERY, runset, NOW)
    kept = [r for r in runs if not r.trashed]

    def interpreted() -> int:
        return sum(1 for r in kept if evaluate(bound.expr, bound.conditions, r.attributes))

    rows = compile_rows(bound.expr, bound.conditions)

    def compiled_rows() -> int:
        return sum(1 for r in kept if rows(r.attributes))

    expected = interpreted()
    assert compiled_rows() == expected

    t = time.perf_counter()
    first = preview(QUERY, runset, now=NOW)
    cold = time.perf_counter() - t
    assert len(first.matches) == expected, (len(first.matches), expected)

    def columnar() -> int:
        return len(preview(QUERY, runset, now=NOW).matches)

    base = best(interpreted, max(1, args.repeat // 2))
    row_time = best(compiled_rows, args.repeat)
    warm = best(columnar, args.repeat)
    print(f"query: {QUERY}")
    print(f"matches: {expected:,} of {len(kept):,} runs considered\n")
    print(f"{'evaluator':<44}{'time':>10}{'runs/s':>14}{'vs interpreter':>16}")
    for name, seconds in [
        ("tree-walking interpreter (baseline)", base),
        ("compiled row closures", row_time),
        ("compiled columnar, first query (+columns)", cold),
        ("compiled columnar, columns kept", warm),
    ]:
        print(f"{name:<44}{seconds * 1000:>8.1f}ms{n / seconds:>14,.0f}{base / seconds:>15.1f}x")
    per_query = statistics.mean([warm])
    target = "meets" if n / per_query >= 2_000_000 else "misses"
    print(f"\ncolumnar with columns kept {target} the 2,000,000 runs/s target ({n / per_query:,.0f} runs/s)")


if __name__ == "__main__":
    main()
