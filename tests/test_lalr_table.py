"""The LALR table shipped in the package is the grammar's, and a well-formed query needs no Lark."""

from __future__ import annotations

import hashlib
import subprocess
import sys

from nql_lsp.syntax import lalr_table, lark_internals
from nql_lsp.syntax.parser import _lark
from nql_lsp.syntax.recovery import GRAMMAR_PATH, can_resume


def test_the_shipped_table_was_generated_from_this_grammar() -> None:
    digest = hashlib.sha256(GRAMMAR_PATH.read_bytes()).hexdigest()
    assert digest == lalr_table.GRAMMAR_SHA256, "run: python scripts/generate_lalr_table.py"


def test_the_shipped_table_is_larks_automaton_renumbered() -> None:
    live = lark_internals.state_map(_lark(), lalr_table.START, lalr_table.END, lalr_table.STATES, lalr_table.RULES)
    assert live is not None and sorted(live) == sorted(lark_internals.tables(_lark()).states)
    assert can_resume()


def test_a_changed_table_is_refused() -> None:
    states = [dict(row) for row in lalr_table.STATES]
    states[lalr_table.START].pop(next(iter(states[lalr_table.START])))
    assert lark_internals.state_map(_lark(), lalr_table.START, lalr_table.END, states, lalr_table.RULES) is None
    rules = list(lalr_table.RULES)
    rules[0] = ("start", 0, "start", True, None)
    assert lark_internals.state_map(_lark(), lalr_table.START, lalr_table.END, lalr_table.STATES, rules) is None


def test_checking_a_well_formed_query_does_not_import_lark() -> None:
    code = (
        "import sys\n"
        "from nql_lsp.analysis.analyze import analyze\n"
        "a = analyze('`sys/failed`:bool = false AND (last(`m/acc`:floatSeries) > 0.5 OR `x`:int = 1)')\n"
        "assert a.tree.expr is not None\n"
        "print('lark' in sys.modules)\n"
        "analyze('`sys/failed`:bool = ')\n"
        "print('lark' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]  # the broken query needed the recovering parser, on Lark
