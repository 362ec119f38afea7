"""Parse+check speed against a plain regex tokenizer over the same text, measured in the same run.

Prints, for a typical 5-clause query and generated queries of 1,000 and 10,000 OR-ed clauses (and the
1,000 left unfinished, as while typing), the time per query and per clause, and the ratio to the
tokenizer (the issue's target: within 4x, linear in size). The two are timed alternately and each ratio
is the median of side-by-side ratios, which a shared machine's changing load disturbs least. The
10,000-clause query is over Neptune's length limit, which ``analyze`` checks no further, so it is
analysed as one within the limit would be. The tokenizer is the textbook one (one master regex,
whitespace a token of its own, a tuple per token); parse+check is :func:`analyze_fully`, what
``analyze`` runs on every query within the limit, caches and all as the server and CLI have them.
Run: python benchmarks/bench_parse.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from nql_lsp.analysis.analyze import analyze, analyze_fully

TYPICAL = (
    '(`sys/tags`:stringSet CONTAINS "prod") AND (last(`metrics/acc`:floatSeries) >= 0.85) AND '
    '(`sys/owner`:string != "ci-bot") AND (`sys/creation_time`:datetime > "-7d") AND '
    '(`parameters/optimizer`:string MATCHES "Ada\\\\w+")'
)

# A tokenizer for the same language, as a baseline: one master regex, one tuple per token.
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<qname>`(?:[^`\\]|\\[\s\S])*`)
  | (?P<string>"(?:[^"\\]|\\[\s\S])*")
  | (?P<op>==|!=|>=|<=|[()=:<>])
  | (?P<word>[^\s`"'():=!<>]+)
""",
    re.VERBOSE,
)


def _many(fn: Callable[[str], Any], text: str, times: int) -> None:
    for _ in range(times):
        fn(text)


def tokenize(text: str) -> list[tuple[str, str, int, int]]:
    out = []
    for m in _TOKEN.finditer(text):
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group(), m.start(), m.end()))
    return out


def generated(n: int) -> str:
    return " OR ".join(f"(`metrics/acc_{i}`:float >= 0.{i % 97}5)" for i in range(n))


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """The best of ``repeat`` timings of ``fn`` (the median from five on), for the benchmarks that time
    one thing against its own baseline (bench_lints.py)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if repeat < 5 else statistics.median(times)


def interleaved(full: Callable[[], object], base: Callable[[], object], repeat: int) -> tuple[float, float, float]:
    """Median seconds of ``full`` and of ``base``, and the median of their ratio, timed alternately: on a
    shared machine the load changes from one moment to the next, so each ratio compares two timings
    taken side by side rather than two medians taken apart. Both are timed in this process's CPU time,
    which leaves out the time other processes hold the CPU (wall time on a machine with more runnable
    processes than cores counts their turns too, and drew ratios anywhere from 4.6x to 5.9x for one
    build); both are single-threaded and wait for nothing, so on an idle machine the two clocks agree."""
    fulls, bases, ratios = [], [], []
    clock = time.process_time
    for _ in range(repeat):
        start = clock()
        full()
        middle = clock()
        base()
        end = clock()
        fulls.append(middle - start)
        bases.append(end - middle)
        ratios.append((middle - start) / (end - middle))
    return statistics.median(fulls), statistics.median(bases), statistics.median(ratios)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    analyze(TYPICAL)  # build the parser once, outside the timings
    print(f"{'query':>16} {'clauses':>8} {'parse+check':>12} {'per clause':>11} {'tokenizer':>10} {'ratio':>6}")
    # "unfinished": the same query with a trailing OR, as while typing the next clause: recovery runs,
    # resuming after the part the fast path parsed cleanly.
    for label, text, clauses in (
        ("typical", TYPICAL, 5),
        ("generated", generated(1_000), 1_000),
        ("unfinished", generated(1_000) + " OR ", 1_000),
        ("generated", generated(10_000), 10_000),
    ):
        repeat = args.repeat if clauses < 10_000 else max(3, args.repeat // 3)
        inner = 200 if clauses == 5 else 1
        full, base, ratio = interleaved(
            partial(_many, analyze_fully, text, inner), partial(_many, tokenize, text, inner), repeat
        )
        full, base = full / inner, base / inner
        print(
            f"{label:>16} {clauses:>8} {full * 1e3:>10.3f}ms {full / clauses * 1e6:>9.2f}us "
            f"{base * 1e3:>8.3f}ms {ratio:>5.1f}x"
        )


if __name__ == "__main__":
    main()
