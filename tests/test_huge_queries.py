"""A query over Neptune's length limit is checked no further than its length: cheap, and never wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.cli.app import main
from nql_lsp.cli.render import FileReport, format_full
from nql_lsp.diagnostics import make
from nql_lsp.language.catalog import MAX_QUERY_LENGTH
from nql_lsp.syntax.text import LineIndex

CLAUSE = '`sys/id`:string = "RUN-{}"'


def _ored(count: int, joiner: str = " OR\n") -> str:
    return joiner.join(CLAUSE.format(i) for i in range(count))


def test_a_query_over_the_limit_gets_only_nql005_saying_it_was_checked_no_further() -> None:
    text = _ored(9_000) + " OR `x`:flot = 1"  # an unknown type a full check would report
    assert len(text) > MAX_QUERY_LENGTH
    analysis = analyze(text)
    assert [d.code for d in analysis.diagnostics] == ["NQL005"]
    only = analysis.diagnostics[0]
    assert (only.start, only.end) == (250_000, len(text))
    assert only.message == (
        f"the query is {len(text):,} characters long; Neptune's client refuses queries over 250,000 "
        "(a query this long is checked no further: shorten it first)"
    )
    assert analysis.tree.expr is None and analysis.clauses == []


def test_a_query_at_the_limit_is_checked_in_full() -> None:
    text = _ored(8_000)
    text = text[: text.rindex(" OR\n", 0, MAX_QUERY_LENGTH - 20)] + " OR `x`:flot = 1"
    assert len(text) <= MAX_QUERY_LENGTH
    codes = [d.code for d in analyze(text).diagnostics]
    assert codes == ["NQL101"]  # `flot`, and no NQL005


def test_checking_a_file_of_megabytes_reports_the_one_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "huge.nql"
    path.write_text(_ored(100_000, " OR "), encoding="utf-8")  # 3 MB on one line
    assert main(["--check", str(path)]) == 0  # NQL005 is a warning
    out = capsys.readouterr().out
    header, line, carets, *rest = out.splitlines()
    assert header.startswith(f"{path}:1:250001: NQL005 the query is 3,2")
    assert line.startswith("1 | …") and line.endswith("…") and len(line) < 300  # not the whole line
    assert carets.index("^") == len("1 | …") + 60
    assert rest == ["", "Found 0 errors, 1 warning."]


def test_a_long_line_is_shown_as_a_window_with_the_caret_under_the_range() -> None:
    text = "a" * 5_000 + "BAD" + "b" * 5_000
    report = FileReport("q.nql", LineIndex(text), [make("NQL001", "bad", 5_000, 5_003)])
    _, line, carets, *_ = format_full([report]).splitlines()
    assert line == "1 | …" + "a" * 60 + "BAD" + "b" * 137 + "…"
    assert carets.index("^") == line.index("BAD") and carets.count("^") == 3


def test_a_long_line_is_windowed_at_its_start_without_a_leading_ellipsis() -> None:
    text = "BAD" + "b" * 5_000
    report = FileReport("q.nql", LineIndex(text), [make("NQL001", "bad", 0, 3)])
    _, line, carets, *_ = format_full([report]).splitlines()
    assert line == "1 | BAD" + "b" * 197 + "…"
    assert carets == "    ^^^"
