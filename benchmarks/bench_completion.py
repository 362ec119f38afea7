"""Completion latency at the end of a generated 1,000-clause query, against re-parsing the whole prefix.

Both are measured in this run: ``complete`` resumes the parser from the analysis's checkpoints, while the
baseline asks ``expected_at`` without them, which re-parses everything before the cursor. The issue's
target is completion p95 under 20 ms.
Run: python benchmarks/bench_completion.py [--requests N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

from nql_lsp.analysis.analyze import analyze
from nql_lsp.completion import complete
from nql_lsp.syntax.parser import expected_at


def generated(n: int) -> str:
    return " OR ".join(f"(`metrics/acc_{i}`:float >= 0.{i % 97}5)" for i in range(n))


def timings(fn: Callable[[], object], n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    print(f"{'cursor after':>28} {'complete p50':>13} {'p95':>8} {'reparse p50':>12} {'p95':>8} {'ratio':>6}")
    for tail in (" AND ", " AND sys/fa", " AND sys/failed:bool = ", " AND `sys/tags`:stringSet "):
        text = generated(1_000) + tail
        analysis = analyze(text)
        offset = len(text)
        assert complete(analysis, offset), tail
        fast = timings(partial(complete, analysis, offset), args.requests)
        slow = timings(partial(expected_at, text, offset), max(10, args.requests // 10))
        ratio = statistics.median(slow) / statistics.median(fast)
        print(
            f"{tail!r:>28} {statistics.median(fast):>10.2f} ms {pct(fast, 0.95):>5.2f} ms "
            f"{statistics.median(slow):>9.2f} ms {pct(slow, 0.95):>5.2f} ms {ratio:>5.0f}x"
        )


if __name__ == "__main__":
    main()
