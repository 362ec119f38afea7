"""Each check: a query that triggers it at the marked «range», and a near query that does not."""

from __future__ import annotations

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.diagnostics import RULES, Severity

from .conftest import marked

# (code, triggering query with «range», near query that must not trigger the code)
CASES = [
    ("NQL101", "x:«flot» = 1", "x:float = 1"),
    ("NQL101", "x:«banana» = 1", "x:string = banana"),
    ("NQL102", "`sys/tags`:«stringset» CONTAINS a", "`sys/tags`:stringSet CONTAINS a"),
    ("NQL102", "last(x:«FloatSeries») > 1", "last(x:floatSeries) > 1"),
    ("NQL103", "x:«gitRef» EXISTS", "x:string EXISTS"),
    ("NQL103", "x:«histogramSeries» EXISTS", "x:floatSeries EXISTS"),
    ("NQL104", "«accuracy» > 0.5", "accuracy:float > 0.5"),
    ("NQL105", "x:«integer» = 1", "x:int = 1"),
    ("NQL106", "`sys/failed`:«string» = true", "`sys/failed`:bool = true"),
    ("NQL106", "sys/state:«string» = running", "sys/state:experimentState = running"),
    ("NQL107", "«a@b»:string = 1", "`a@b`:string = 1"),
    ("NQL108", "x:int = 1 OR «exists»:int = 1", "x:int = 1 OR `exists`:int = 1"),
    ("NQL109", r"«`a\`b`»:string = 1", "`a-b`:string = 1"),
    ("NQL110", "«sys/tagz»:stringSet CONTAINS a", "sys/tags:stringSet CONTAINS a"),
    ("NQL201", "x:float «CONTAINS» 1", "x:float = 1"),
    ("NQL201", "x:bool «>» true", "x:bool = true"),
    ("NQL201", "x:experimentState «MATCHES» run", "x:experimentState = running"),
    ("NQL201", "x:fileRef «=» a", "x:fileRef EXISTS"),
    ("NQL201", "`sys/tags`:stringSet «<» a", "`sys/tags`:stringSet CONTAINS a"),
    ("NQL202", "`sys/tags`:stringSet «=» prod", "`sys/tags`:stringSet CONTAINS prod"),
    ("NQL203", "«`train/loss`:floatSeries» < 0.1", "last(`train/loss`:floatSeries) < 0.1"),
    ("NQL204", "«last(x:float)» > 1", "last(x:floatSeries) > 1"),
    ("NQL205", "«mean»(x:floatSeries) > 1", "average(x:floatSeries) > 1"),
    ("NQL206", "«last(x:floatSeries)» EXISTS", "x:floatSeries EXISTS"),
    ("NQL301", "x:int = «1.5»", "x:int = 15"),
    ("NQL301", "x:float = «fast»", "x:float = 1e-6"),
    ("NQL301", "x:bool = «yes»", "x:bool = True"),
    ("NQL301", 'x:datetime > «"yesterday"»', 'x:datetime > "-1d"'),
    ("NQL301", 'x:datetime > «"-2q"»', 'x:datetime > "-2M"'),
    ("NQL301", "sys/state:experimentState = «runing»", "sys/state:experimentState = RUNNING"),
    ("NQL301", "x:int <= «1.5B»", "x:int <= 1.5KB"),
    ("NQL302", 'x:string MATCHES «"a("»', 'x:string MATCHES "a\\\\("'),
    ("NQL302", 'x:stringSet NOT MATCHES «"[z-a]"»', 'x:stringSet NOT MATCHES "[a-z]"'),
    ("NQL303", "x:string = «exists»", 'x:string = "exists"'),
    ("NQL304", "x:string = «'a'»", 'x:string = "a"'),
    ("NQL305", 'x:string = "a«\\d»"', 'x:string = "a\\\\d"'),
    ("NQL306", 'x:datetime > «"2024-02-06T05:00:00"»', 'x:datetime > "2024-02-06T05:00:00+0900"'),
    ("NQL307", 'x:datetime > «"2024-02-06"»', 'x:datetime > "2024-02-06T00:00:00.5Z"'),
    ("NQL308", "x:datetime > «-3w»", "x:datetime > -3d"),
    ("NQL309", "x:string = «a@b.c»", 'x:string = "a@b.c"'),
    ("NQL401", "«a:int = 1 AND b:int = 2» OR c:int = 3", "(a:int = 1 AND b:int = 2) OR c:int = 3"),
    ("NQL501", "acc:float > 0.9 AND «acc:float < 0.5»", "acc:float > 0.9 AND acc:float < 0.95"),
    ("NQL502", "«(x:int = 1 AND x:int = 2) OR (y:bool = true AND y:bool = false)»", "(x:int = 1) OR (y:bool = true)"),
    ("NQL503", "x:float > 5 AND «x:float > 3»", "x:float > 5 AND x:float < 30"),
    ("NQL504", "«NOT NOT» x:int = 1", "NOT x:int = 1"),
    ("NQL505", 'name:string «MATCHES ".*"»', 'name:string MATCHES ".+"'),
]


@pytest.mark.parametrize(("code", "trigger", "near"), CASES)
def test_check_triggers_at_its_range_and_not_on_the_near_case(code: str, trigger: str, near: str) -> None:
    text, start, end = marked(trigger)
    found = [(d.start, d.end) for d in analyze(text).diagnostics if d.code == code]
    assert found == [(start, end)], analyze(text).diagnostics
    assert [d for d in analyze(near).diagnostics if d.code == code] == []


def test_every_rule_is_exercised() -> None:
    tested = {code for code, _, _ in CASES}
    syntax = {"NQL001", "NQL002", "NQL003", "NQL004", "NQL005"}  # tests/test_parser.py
    learned = {"NQL111", "NQL601", "NQL602"}  # need a schema learned from runs (tests/test_lints.py)
    files = {"NQL901"}  # tests/test_cli.py: about a file's bytes, not a query
    assert set(RULES) - tested - syntax - learned - files == set()


def _fixed(text: str, code: str, which: int = 0) -> str:
    d = next(d for d in analyze(text).diagnostics if d.code == code)
    for edit in sorted(d.fixes[which].edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.new_text + text[edit.end :]
    return text


@pytest.mark.parametrize(
    ("code", "before", "after"),
    [
        ("NQL101", "x:flot = 1", "x:float = 1"),
        ("NQL102", "x:stringset CONTAINS a", "x:stringSet CONTAINS a"),
        ("NQL104", "sys/name = a", "sys/name:string = a"),
        ("NQL104", "last(x) > 1", "last(x:floatSeries) > 1"),
        ("NQL106", "`sys/failed`:string = true", "`sys/failed`:bool = true"),
        ("NQL107", "a@b:string = 1", "`a@b`:string = 1"),
        ("NQL202", "`sys/tags`:stringSet != a", "`sys/tags`:stringSet NOT CONTAINS a"),
        ("NQL203", "x:floatSeries > 1", "last(x:floatSeries) > 1"),
        ("NQL205", "avrage(x:floatSeries) > 1", "average(x:floatSeries) > 1"),
        ("NQL206", "max(x:floatSeries) NOT EXISTS", "x:floatSeries NOT EXISTS"),
        ("NQL303", "x:string = not", 'x:string = "not"'),
        ("NQL304", "x:string = 'say \"hi\"'", 'x:string = "say \\"hi\\""'),
        ("NQL305", 'x:string MATCHES "\\d+"', 'x:string MATCHES "\\\\d+"'),
        ("NQL306", 'x:datetime > "2024-01-01T10:00"', 'x:datetime > "2024-01-01T10:00Z"'),
        ("NQL307", "x:datetime > 2024-01-01", 'x:datetime > "2024-01-01T00:00:00Z"'),
        ("NQL401", "a:int = 1 OR b:int = 2 AND c:int = 3", "a:int = 1 OR (b:int = 2 AND c:int = 3)"),
    ],
)
def test_fixes_produce_the_corrected_query(code: str, before: str, after: str) -> None:
    fixed = _fixed(before, code)
    assert fixed == after
    assert code not in {d.code for d in analyze(fixed).diagnostics}


def test_a_bare_series_reads_as_its_last_value() -> None:
    # The evaluator compares a bare floatSeries as `last(…)`, as neptune-query 1.x's generated NQL means it.
    d = next(d for d in analyze("x:floatSeries > 1").diagnostics if d.code == "NQL203")
    assert [f.message for f in d.fixes] == ["Write `last(…)`"]
    assert "compared as `last(…)`" in d.message
    assert d.severity is Severity.HINT


def test_messages_say_what_would_be_right() -> None:
    messages = {
        d.code: d.message
        for d in analyze("(x:flot = 1) AND (y:float CONTAINS 2) AND (sys/state:experimentState = sleeping)").diagnostics
    }
    assert messages["NQL101"] == "unknown type `flot`; did you mean `float`?"
    assert messages["NQL201"] == (
        "`CONTAINS` does not apply to `float`; it allows `=`, `!=`, `>`, `>=`, `<`, `<=`, `EXISTS` and `NOT EXISTS`"
    )
    assert messages["NQL301"] == ("`sleeping` is not a run state; use one of `running`, `idle`, `active`, `inactive`")


def test_a_misspelt_run_state_gets_a_suggestion() -> None:
    (d,) = analyze("sys/state:experimentState = runing").diagnostics
    assert d.message == "`runing` is not a run state; did you mean `running`?"


def test_a_wrong_type_does_not_cascade_into_value_errors() -> None:
    # `flot` is unknown, so nothing is said about `abc` not being a number.
    assert [d.code for d in analyze("x:flot = abc").diagnostics] == ["NQL101"]
    # A missing value (a syntax error) is not also an invalid value.
    assert [d.code for d in analyze("x:int = ").diagnostics] == ["NQL002"]


@pytest.mark.parametrize(
    "query",
    [
        "x:int <= 50MB",
        'x:float = "100 MB"',
        "x:float > .5",
        "x:float > 1e-6",
        'x:int = "3"',
        'x:bool = "FALSE"',
        'sys/state:experimentState = "Active"',
        'x:datetime > "2024-02-06T05:00:00+09:00"',
        'x:datetime < "-3M"',
        'x:datetime > "2024-02-06T05:00:00.123456789Z"',
        'x:artifact = "9a3f00"',
        'x:stringSeries CONTAINS "err"',
        'x:stringSeries MATCHES "^E"',
        "`sys/size`:int > 1GB",
        "`sys/size`:float > 1GB",
    ],
)
def test_valid_values_raise_nothing(query: str) -> None:
    assert analyze(query).diagnostics == []


def test_every_rule_is_documented() -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[1] / "docs" / "diagnostics.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f'<a id="{code.lower()}"></a>' in doc, code
        assert f"### {code} `{rule.name}`" in doc, code


def test_re2_is_loaded_by_the_first_matches_clause_not_by_the_checker() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from nql_lsp.analysis.analyze import analyze; "
        "analyze('`a`:string = \"x\" AND `b`:float > 1'); print('re2' in sys.modules); "
        "print([d.code for d in analyze('`a`:string MATCHES \"x(\"').diagnostics]); print('re2' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.split("\n")[:3] == ["False", "['NQL302']", "True"]
