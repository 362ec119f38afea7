"""``nql-lsp --check`` over a generated tree of Python files: files per second, split into finding the
queries and checking them, against reading and ``ast.parse`` of the same files measured in the same run.

The tree mixes what a code base holds: most files use neptune (a ``fetch_runs_table`` call, a marked
constant, an f-string, concatenated literals), some do not mention it at all (the prefilter skips them
without parsing), and a few queries have errors. Run: python benchmarks/bench_python.py [--files N]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import io
import tempfile
import time
from pathlib import Path

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.holes import file_diagnostics
from nql_lsp.cli.app import main as cli_main
from nql_lsp.sources.files import SourceError, SourceFile, iter_sources

USES_NEPTUNE = '''"""Training report {i}: pulls runs from Neptune and summarizes them (é, 日本)."""
import neptune
import pandas as pd

project = neptune.init_project(project="team/project-{i}")

# nql
RECENT = 'sys/creation_time:datetime > "-{days}d" AND sys/state:experimentState = idle'


def best_runs(threshold: float = 0.{i}) -> pd.DataFrame:
    """The runs above the threshold, newest first."""
    table = project.fetch_runs_table(
        query="(`sys/tags`:stringSet CONTAINS \\"prod\\") "
              "AND (last(`metrics/acc`:floatSeries) >= 0.85) "
              'AND `sys/owner`:string != "ci-bot"',
        columns=["sys/id", "metrics/acc"],
    )
    return table.to_pandas().sort_values("sys/creation_time", ascending=False)


def by_user(user: str) -> pd.DataFrame:
    return project.fetch_runs_table(
        query=f'`sys/owner`:string = "{{user}}" AND `f{i}`:{kind} > {{threshold}}'
    ).to_pandas()


def summarize(frame: pd.DataFrame) -> dict[str, float]:
    out = {{}}
    for column in frame.columns:
        if frame[column].dtype.kind in "fi":
            out[column] = float(frame[column].mean())
    return out
'''

PLAIN = '''"""Helpers {i} with no queries: the prefilter should pass over them."""
import math


def norm(values: list[float]) -> float:
    return math.sqrt(sum(v * v for v in values))


class Window:
    def __init__(self, size: int = {i}) -> None:
        self.size = size
        self.items: list[float] = []

    def push(self, x: float) -> float:
        self.items = (self.items + [x])[-self.size:]
        return sum(self.items) / len(self.items)
'''


def generate(root: Path, files: int) -> None:
    for i in range(files):
        sub = root / f"pkg{i % 20}"
        sub.mkdir(exist_ok=True)
        if i % 4 == 3:
            text = PLAIN.format(i=i)
        else:
            kind = "flot" if i % 10 == 0 else "float"  # one file in ten has an error
            text = USES_NEPTUNE.format(i=i, days=i % 30 + 1, kind=kind)
        (sub / f"module_{i}.py").write_text(text, encoding="utf-8")


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=1_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.files)
        paths = sorted(str(p) for p in root.rglob("*.py"))
        analyze("a:float > 1")  # build the parser outside the timings

        def baseline() -> None:
            for p in paths:
                ast.parse(Path(p).read_text(encoding="utf-8"))

        sources: list[SourceFile] = []

        def find() -> None:
            sources.clear()
            sources.extend(s for s in iter_sources([str(root)]) if not isinstance(s, SourceError))

        def check() -> None:
            for s in sources:
                for q in s.queries:
                    file_diagnostics(q, analyze(q.text))

        def whole() -> None:
            with contextlib.redirect_stdout(io.StringIO()):
                cli_main(["--check", str(root), "--output-format", "concise"])

        runs: dict[str, list[float]] = {name: [] for name in ("baseline", "find", "check", "whole")}
        for _ in range(args.repeat):
            runs["baseline"].append(timed(baseline))
            runs["find"].append(timed(find))
            runs["check"].append(timed(check))
            runs["whole"].append(timed(whole))
        t = {name: min(v) for name, v in runs.items()}  # the least disturbed run
        queries = sum(len(s.queries) for s in sources)
        n = len(paths)
        print(f"{n} files, {queries} queries (best of {args.repeat} runs)")
        print(f"  read + ast.parse (baseline): {t['baseline'] * 1000:8.1f} ms  {n / t['baseline']:8.0f} files/s")
        print(
            f"  finding the queries:         {t['find'] * 1000:8.1f} ms  {n / t['find']:8.0f} files/s  "
            f"{t['find'] / t['baseline']:.2f}x baseline"
        )
        print(f"  checking them:               {t['check'] * 1000:8.1f} ms  {queries / t['check']:8.0f} queries/s")
        print(
            f"  nql-lsp --check (whole):     {t['whole'] * 1000:8.1f} ms  {n / t['whole']:8.0f} files/s  "
            f"{t['whole'] / t['baseline']:.2f}x baseline"
        )


if __name__ == "__main__":
    main()
