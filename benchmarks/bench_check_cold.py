"""Cold ``nql-lsp --check`` on one small file: wall time from spawn to exit, as a pre-commit hook sees it.

Each round spawns, alternately, a bare interpreter (``python -c pass``), one that only imports lark (the
floor this design can reach), and ``python -m nql_lsp --check`` on a one-clause file; the medians and the
check's cost above each baseline are printed, with whether the check stays under the 150 ms a hook should take.

The package's modules are byte-compiled first, as ``pip install .`` leaves them: an editable install in an
environment with PYTHONDONTWRITEBYTECODE set would otherwise recompile every module on every start.
Run: python benchmarks/bench_check_cold.py [--rounds N]
"""

from __future__ import annotations

import argparse
import compileall
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nql_lsp

QUERY = "`sys/failed`:bool = false\n"
BARE, LARK, CHECK = "python -c pass", "python -c 'import lark'", "nql-lsp --check one.nql"


def spawn(cmd: list[str]) -> float:
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args()

    compileall.compile_dir(Path(nql_lsp.__file__).parent, quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one.nql"
        path.write_text(QUERY, encoding="utf-8")
        commands = {
            BARE: [sys.executable, "-c", "pass"],
            LARK: [sys.executable, "-c", "import lark"],
            CHECK: [sys.executable, "-m", "nql_lsp", "--check", str(path)],
        }
        for cmd in commands.values():  # warm the file cache and lark's parser cache
            spawn(cmd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                times[name].append(spawn(cmd))

    median = {name: statistics.median(ts) for name, ts in times.items()}
    print(f"cold start, median of {args.rounds} alternating rounds (ms)")
    for name, ts in times.items():
        print(f"  {name:<26} {median[name]:7.1f}   p90 {statistics.quantiles(ts, n=10)[-1]:7.1f}")
    check = median[CHECK]
    print(f"  {'check above bare python':<26} {check - median[BARE]:7.1f}")
    print(f"  {'check above importing lark':<26} {check - median[LARK]:7.1f}")
    print(f"  under 150 ms: {check < 150}")


if __name__ == "__main__":
    main()
