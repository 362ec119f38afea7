"""Reading Python string literals with positions: each form by hand, then properties over generated literals.

The properties write a random value as Python source in random ways (prefixes, quotes, every escape form,
line continuations, implicit concatenation), then require that extraction reads back exactly the value,
that the position mapping only moves forward, and that any edit either cannot be written or, applied to
the file, leaves valid Python whose query is the edited value.
"""

from __future__ import annotations

import ast
import unicodedata
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nql_lsp.analysis.holes import file_diagnostics
from nql_lsp.diagnostics import Edit
from nql_lsp.sources.notebook import extract_notebook
from nql_lsp.sources.python import extract_python, find_queries
from nql_lsp.sources.query import QuerySource

CALL = "rows = project.fetch_runs_table(query={})\n"


def one(source: str) -> tuple[str, QuerySource]:
    text = CALL.format(source)
    (q,) = find_queries(text)
    return text, q


def covered(text: str, q: QuerySource, start: int, end: int) -> str:
    a, b = q.file_range(start, end)
    return text[a:b]


def test_each_escape_maps_to_its_whole_spelling() -> None:
    text, q = one(r'"a\"b\\c\n\x41\u00e9\U0001F600\N{BULLET}\101\7z"')
    assert q.text == 'a"b\\c\nAé😀•A\x07z'
    spellings = [covered(text, q, i, i + 1) for i in range(len(q.text))]
    assert spellings == [
        "a",
        '\\"',
        "b",
        "\\\\",
        "c",
        "\\n",
        "\\x41",
        "\\u00e9",
        "\\U0001F600",
        "\\N{BULLET}",
        "\\101",
        "\\7",
        "z",
    ]


def test_line_continuation_is_skipped_inside_a_literal() -> None:
    text, q = one('"ab\\\ncd"')
    assert q.text == "abcd"
    assert covered(text, q, 1, 3) == "b\\\nc"
    assert covered(text, q, 2, 3) == "c"


def test_raw_string_keeps_backslashes() -> None:
    text, q = one(r"r'a\'b\d'")
    assert q.text == "a\\'b\\d"
    assert [covered(text, q, i, i + 1) for i in range(len(q.text))] == ["a", "\\", "'", "b", "\\", "d"]


def test_triple_quoted_with_crlf_reads_one_newline() -> None:
    text = 'rows = project.fetch_runs_table(query="""a\r\nb""")\r\n'
    (q,) = find_queries(text)
    assert q.text == "a\nb"
    assert covered(text, q, 1, 2) == "\r\n"


def test_concatenation_across_quotes_prefixes_and_comments() -> None:
    text, q = one("(u'a' # one\n  \"b\"\\\n  R'\\c' f'{{d}}')")
    assert q.text == "ab\\c{d}"
    assert covered(text, q, 0, 2) == "a' # one\n  \"b"
    assert covered(text, q, 4, 5) == "{{"


def test_bytes_and_runtime_values_are_skipped() -> None:
    for source in ('b"a:float > 1"', "QUERY", '"a" + b', '"a:%s" % x', '"a:{}".format(x)'):
        assert find_queries(CALL.format(source)) == []


def test_edit_across_literals_keeps_both_literals() -> None:
    text, q = one("('`a`:flo' \"at > 1\")")
    assert q.text == "`a`:float > 1"
    edits = q.file_edits(Edit(4, 9, "int"))
    assert edits is not None
    fixed = text
    for e in sorted(edits, key=lambda e: e.start, reverse=True):
        fixed = fixed[: e.start] + e.new_text + fixed[e.end :]
    # The text lands in the first literal; the second loses only its part of the range.
    assert fixed == CALL.format("('`a`:int' \" > 1\")")
    assert find_queries(fixed)[0].text == "`a`:int > 1"


def test_digit_after_a_short_octal_escape_is_written_in_hex() -> None:
    text, q = one('"\\7x"')
    (e,) = q.file_edits(Edit(1, 2, "1")) or ()
    fixed = text[: e.start] + e.new_text + text[e.end :]
    assert find_queries(fixed)[0].text == "\x071"


# ---- properties -------------------------------------------------------------------------------------

_SAFE = st.characters(exclude_categories=["Cs"], exclude_characters="\x00")


@st.composite
def literal(draw: st.DrawFn) -> tuple[str, str]:
    """(value, Python source of one literal spelling it)."""
    quote = draw(st.sampled_from(["'", '"', "'''", '"""']))
    prefix = draw(st.sampled_from(["", "u", "r", "R", "f", "rf", "Fr"]))
    raw, fstring = "r" in prefix.lower(), "f" in prefix.lower()
    triple = len(quote) == 3
    value = draw(st.text(_SAFE, max_size=12))
    out: list[str] = []
    if raw:
        banned = {quote[0], "\\", "\r"} | (set() if triple else {"\n"})
        value = "".join(c for c in value if c not in banned)
        for c in value:
            out.append(c * 2 if fstring and c in "{}" else c)
        return value, prefix + quote + "".join(out) + quote
    for c in value:
        forms = []
        literal_ok = c not in ("\\", quote[0], "\r") and (triple or c != "\n")
        if literal_ok:
            forms.append(c * 2 if fstring and c in "{}" else c)
        code = ord(c)
        if code < 0x100:
            forms.append(f"\\x{code:02x}")
            forms.append(f"\\{code:03o}")
        if code < 0x10000:
            forms.append(f"\\u{code:04x}")
        forms.append(f"\\U{code:08x}")
        if unicodedata.name(c, ""):
            forms.append(f"\\N{{{unicodedata.name(c)}}}")
        simple = {"\n": "\\n", "\t": "\\t", "\\": "\\\\", "'": "\\'", '"': '\\"'}
        if c in simple:
            forms.append(simple[c])
        out.append(draw(st.sampled_from(forms)))
        if draw(st.integers(0, 9)) == 0:
            out.append("\\\n")
    return value, prefix + quote + "".join(out) + quote


@st.composite
def query_source(draw: st.DrawFn) -> tuple[str, str]:
    """(value, a whole file whose one query is value), literals joined in random ways."""
    parts = draw(st.lists(literal(), min_size=1, max_size=3))
    seps = [draw(st.sampled_from([" ", "\n   ", "  # é\n ", "\\\n"])) for _ in parts[1:]]
    source = parts[0][1] + "".join(sep + src for sep, (_, src) in zip(seps, parts[1:], strict=True))
    lead = draw(st.sampled_from(["", "# 日本語 ünï 😀\n", "x = '😀'\n"]))
    return "".join(v for v, _ in parts), lead + CALL.format(f"({source})")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_source())
def test_generated_literals_read_back_and_map_forward(case: tuple[str, str]) -> None:
    value, text = case
    ast.parse(text)
    (q,) = find_queries(text)
    assert q.text == value
    n = len(value)
    offsets = [q.file_offset(i) for i in range(n + 1)]
    assert offsets == sorted(offsets)
    for i in range(n):
        a, b = q.file_range(i, i + 1)
        assert a < b
        assert b <= offsets[i + 1]  # a character ends before the next one begins
    if n:
        assert q.file_range(0, n)[1] <= len(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(query_source(), st.data())
def test_any_edit_is_refused_or_exact(case: tuple[str, str], data: st.DataObject) -> None:
    value, text = case
    (q,) = find_queries(text)
    s = data.draw(st.integers(0, len(value)))
    e = data.draw(st.integers(s, len(value)))
    new_text = data.draw(st.text(st.sampled_from("ab\\\"'{}\n\t7é😀`"), max_size=4))
    edits = q.file_edits(Edit(s, e, new_text))
    assume(edits is not None)  # refused: the literal cannot hold it; too many refusals fail the test
    assert edits is not None
    fixed = text
    for x in sorted(edits, key=lambda x: x.start, reverse=True):
        fixed = fixed[: x.start] + x.new_text + fixed[x.end :]
    ast.parse(fixed)
    (q2,) = find_queries(fixed)
    assert q2.text == value[:s] + new_text + value[e:]


_PYTHONISH = st.text(st.sampled_from(list("fetch_runs_table(query=)'\"\\{}#nql rbf\n\r\t:x0é😀`")), max_size=80)


@settings(max_examples=500, deadline=None)
@given(st.one_of(_PYTHONISH, st.text(max_size=80)), st.sampled_from(["", "fetch_runs_table(query=", "# nql\n"]))
def test_extraction_never_crashes(junk: str, lead: str) -> None:
    text = lead + junk
    found = extract_python(text)
    for q in found:
        offsets = [q.file_offset(i) for i in range(len(q.text) + 1)]
        assert offsets == sorted(offsets)
        assert all(0 <= o <= len(text) for o in offsets)
    extract_notebook(text)
    extract_notebook('{"cells": [{"cell_type": "code", "source": ' + junk + "}]}")


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_mutated_fixture_never_crashes(data: st.DataObject) -> None:
    text = (Path(__file__).parent / "fixtures" / "python" / "queries.py").read_text(encoding="utf-8")
    at = data.draw(st.integers(0, len(text)))
    cut = data.draw(st.integers(0, 20))
    insert = data.draw(st.text(st.sampled_from(list("'\"\\{}#()\n fr")), max_size=3))
    mutated = text[:at] + insert + text[at + cut :]
    for q in extract_python(mutated):
        offsets = [q.file_offset(i) for i in range(len(q.text) + 1)]
        assert offsets == sorted(offsets)
        assert all(0 <= o <= len(mutated) for o in offsets)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_a_hole_in_a_valid_query_never_causes_a_diagnostic(data: st.DataObject) -> None:
    from nql_lsp.analysis.analyze import analyze

    from .conftest import corpus_queries

    valid = [q for q in corpus_queries() if q and not analyze(q).diagnostics and "{" not in q and "}" not in q]
    query = data.draw(st.sampled_from(valid))
    clauses = list(analyze(query).tree.clauses())
    assume(clauses)
    clause = data.draw(st.sampled_from(clauses))
    # (start, end, whether it may be a quoted token whose inside becomes the hole)
    spans = [(clause.start, clause.end, False), (clause.field.name.start, clause.field.name.end, True)]
    if clause.value is not None:
        spans.append((clause.value.start, clause.value.end, True))
    if clause.field.type is not None:
        spans.append((clause.field.type.start, clause.field.type.end, False))
    start, end, quoted = data.draw(st.sampled_from(spans))
    if quoted and query[start] in "`\"'" and end - start > 2 and data.draw(st.booleans()):
        start, end = start + 1, end - 1  # the inside of a quoted name or value
    with_hole = query[:start] + "{hole}" + query[end:]
    escaped = with_hole.replace("\\", "\\\\").replace('"', '\\"')
    text = CALL.format(f'f"{escaped}"')
    (q,) = find_queries(text)
    assert file_diagnostics(q, analyze(q.text)) == [], (with_hole, q.text)
