"""Cold ``nql-lsp --check`` on one small file: wall time from spawn to exit, as a pre-commit hook sees it.

Each round spawns, alternately, a bare interpreter (``python -c pass``), one that only imports lark (the
cost a clean check no longer pays: it parses without Lark), and ``python -m nql_lsp --check`` on a
one-clause file; the medians and the check's cost above each baseline are printed, with whether the check
stays under the 120 ms target. Wall time suffers when the machine is shared, so the children's CPU time
(user + system, from ``resource.getrusage``) is printed beside it: it shows the same costs with less noise.

The package's modules are byte-compiled first, as ``pip install .`` leaves them: an editable install in an
environment with PYTHONDONTWRITEBYTECODE set would otherwise recompile every module on every start.
Run: python benchmarks/bench_check_cold.py [--rounds N]
"""

from __future__ import annotations

import argparse
import compileall
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nql_lsp

QUERY = "`sys/failed`:bool = false\n"
BARE, LARK, CHECK = "python -c pass", "python -c 'import lark'", "nql-lsp --check one.nql"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def spawn(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run of ``cmd``."""
    cpu = _children_cpu()
    t = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, check=False)
    elapsed = time.perf_counter() - t
    if done.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed: {done.stderr.decode(errors='replace')}")
    return elapsed * 1000, (_children_cpu() - cpu) * 1000


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
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.rounds):
            for name, cmd in commands.items():
                wall, cpu = spawn(cmd)
                times[name].append(wall)
                cpus[name].append(cpu)

    median = {name: statistics.median(ts) for name, ts in times.items()}
    cpu_median = {name: statistics.median(ts) for name, ts in cpus.items()}
    print(f"cold start, median of {args.rounds} alternating rounds (ms)")
    print(f"  {'':<26} {'wall':>7}   {'p90':>7}   {'cpu':>7}")
    for name, ts in times.items():
        p90 = statistics.quantiles(ts, n=10)[-1]
        print(f"  {name:<26} {median[name]:7.1f}   {p90:7.1f}   {cpu_median[name]:7.1f}")
    check, check_cpu = median[CHECK], cpu_median[CHECK]
    for label, base in (("check above bare python", BARE), ("check above importing lark", LARK)):
        print(f"  {label:<26} {check - median[base]:7.1f}   {'':>7}   {check_cpu - cpu_median[base]:7.1f}")
    print(f"  check / bare python: {check / median[BARE]:.2f}x wall, {check_cpu / cpu_median[BARE]:.2f}x cpu")
    print(f"  under 120 ms: {check < 120}")


if __name__ == "__main__":
    main()
