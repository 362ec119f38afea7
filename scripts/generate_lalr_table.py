"""Write ``nql_lsp/syntax/lalr_table.py``: the LALR automaton of ``grammar.lark`` as plain Python data.

The fast path parses well-formed queries from this table without importing Lark, which keeps a cold
``nql-lsp --check`` quick. Run it after any change to the grammar (a test fails until the table matches):
    python scripts/generate_lalr_table.py
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from nql_lsp.syntax import lark_internals
from nql_lsp.syntax.recovery import GRAMMAR_PATH, lark_parser

TARGET = Path(__file__).resolve().parent.parent / "nql_lsp" / "syntax" / "lalr_table.py"

HEADER = '''"""The LALR automaton of ``grammar.lark``, written by ``scripts/generate_lalr_table.py``: do not edit.

``STATES[s][symbol]`` is ``n >= 0`` to shift (or, for a nonterminal, go) to state ``n`` and ``n < 0`` to
reduce by ``RULES[~n]``: the nonterminal made, values popped, builder callback, whether one child stands
for the node, and which popped values are kept (with whether each is a helper rule's list to splice in).
"""
'''


def main() -> None:
    start, end, states, rules = lark_internals.export_table(lark_parser())
    digest = hashlib.sha256(GRAMMAR_PATH.read_bytes()).hexdigest()
    lines = [
        HEADER,
        f"GRAMMAR_SHA256 = {digest!r}",
        f"START = {start}",
        f"END = {end}",
        "STATES: tuple[dict[str, int], ...] = (",
    ]
    lines += [f"    {row!r}," for row in states]
    lines += [")", "RULES: tuple[tuple[str, int, str, bool, tuple[tuple[int, bool], ...] | None], ...] = ("]
    lines += [f"    {rule!r}," for rule in rules]
    lines += [")", ""]
    TARGET.write_text("\n".join(lines), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "ruff", "format", "-q", str(TARGET)], check=False)
    print(f"wrote {TARGET}: {len(states)} states, {len(rules)} rules")


if __name__ == "__main__":
    main()
