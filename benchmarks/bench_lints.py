"""What the lints add to the analysis pass: the same queries analysed with and without them.

Prints, for bench_parse.py's typical 5-clause query, its 1,000-clause OR-ed query, a 1,000-clause AND over
a handful of paths (the lints' worst ordinary case: every clause meets others on its path) and the
1,000-clause OR with a learned schema (data lints on), the time per analysis and the cost of the lints
(the target: under 10 % added).
Run: python benchmarks/bench_lints.py [--repeat N]
"""

from __future__ import annotations

import argparse
from functools import partial

from bench_parse import TYPICAL, _many, best_of, generated

from nql_lsp.analysis.analyze import analyze
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats, LayeredSchema, Schema, StaticSchema


def same_paths(n: int) -> str:
    return " AND ".join(f"(`metrics/m{i % 7}`:float >= 0.{i % 97}5)" for i in range(n))


def learned(n: int) -> Schema:
    fields = {
        f"metrics/acc_{i}": FieldInfo(
            f"metrics/acc_{i}", ("float",), stats={"float": FieldStats(runs=500, minimum=0.0, maximum=1.0)}
        )
        for i in range(n)
    }
    return LayeredSchema((StaticSchema(fields, learned=True), SYSTEM_SCHEMA))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    analyze(TYPICAL)  # build the parser once, outside the timings
    print(f"{'query':>18} {'clauses':>8} {'without':>11} {'with lints':>11} {'added':>7}")
    for label, text, clauses, schema in (
        ("typical", TYPICAL, 5, SYSTEM_SCHEMA),
        ("generated OR", generated(1_000), 1_000, SYSTEM_SCHEMA),
        ("AND, 7 paths", same_paths(1_000), 1_000, SYSTEM_SCHEMA),
        ("OR, learned", generated(1_000), 1_000, learned(1_000)),
    ):
        inner = 200 if clauses == 5 else 3
        without = best_of(partial(_many, partial(analyze, schema=schema, lints=False), text, inner), args.repeat)
        with_ = best_of(partial(_many, partial(analyze, schema=schema), text, inner), args.repeat)
        without, with_ = without / inner, with_ / inner
        print(
            f"{label:>18} {clauses:>8} {without * 1e3:>9.3f}ms {with_ * 1e3:>9.3f}ms "
            f"{(with_ / without - 1) * 100:>6.1f}%"
        )


if __name__ == "__main__":
    main()
