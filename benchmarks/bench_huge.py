"""``nql-lsp --check`` on a query far over Neptune's length limit: wall time and the child's peak RSS.

Generates a file of about ``--megabytes`` MB (default 100) of OR-ed clauses, one per line (or, with
``--one-line``, all on one line), and checks it in a fresh process, as a pre-commit hook over a generated
file would. A query over the limit (NQL005) is checked no further, so this should cost about as much as
reading the file: the issue's target is under 30 s and under 1 GB. A check of a query just under the
limit is timed beside it, as the baseline of a full analysis of the longest query Neptune accepts.
Run: python benchmarks/bench_huge.py [--megabytes N] [--one-line]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from nql_lsp.language.catalog import MAX_QUERY_LENGTH


def write_clauses(path: Path, size: int, joiner: str) -> None:
    """OR-ed clauses up to ``size`` characters, written a chunk at a time: a parent holding the whole
    text would lend its pages to the child it forks, and inflate the child's peak RSS."""
    with path.open("w", encoding="utf-8") as out:
        total, i, chunk = 0, 0, []
        while True:
            part = f'`sys/id`:string = "RUN-{i}"' if i == 0 else f'{joiner}`sys/id`:string = "RUN-{i}"'
            if total + len(part) > size:
                break
            chunk.append(part)
            total += len(part)
            i += 1
            if len(chunk) == 10_000:
                out.write("".join(chunk))
                chunk.clear()
        out.write("".join(chunk))


def run_check(path: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB, exit code and the last line of output of one cold check."""
    start = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "nql_lsp", "--check", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    assert child.stdout is not None
    output = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    last = output.decode(errors="replace").strip().splitlines()[-1] if output.strip() else ""
    return elapsed, usage.ru_maxrss / 1024, child.returncode, last  # ru_maxrss is in KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=100)
    parser.add_argument("--one-line", action="store_true", help="all clauses on one line")
    args = parser.parse_args()
    joiner = " OR " if args.one_line else " OR\n"
    with tempfile.TemporaryDirectory() as tmp:
        cases = {"just under the limit": MAX_QUERY_LENGTH, f"{args.megabytes:g} MB": int(args.megabytes * 1_000_000)}
        print(f"{'query':>22} {'characters':>12} {'wall':>8} {'peak RSS':>9}  exit  output")
        for label, characters in cases.items():
            path = Path(tmp) / "huge.nql"
            write_clauses(path, characters, joiner)
            wall, rss, code, last = run_check(path)
            size = path.stat().st_size
            print(f"{label:>22} {size:>12,} {wall:>7.2f}s {rss:>7.0f}MB  {code:>4}  {last[:70]}")
        print("target for the huge file: under 30 s and 1 GB")


if __name__ == "__main__":
    main()
