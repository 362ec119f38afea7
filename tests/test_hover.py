"""Hover: what each token explains, and the range it covers, with the cursor marked `|`."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.features.hover import HoverInfo, hover, sparkline
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats, Schema, StaticSchema

NOW = datetime(2024, 3, 15, 12, 0, tzinfo=UTC)


def at(query: str, schema: Schema = SYSTEM_SCHEMA) -> tuple[str, HoverInfo | None]:
    offset = query.index("|")
    text = query.replace("|", "", 1)
    return text, hover(analyze(text, schema), offset, schema, now=NOW)


CASES = [
    # (query, covered text, phrases the explanation must hold)
    ('x:string = "日本語😀" AND `sys/ta|gs`:stringSet CONTAINS "a"', "`sys/tags`", ["stringSet", "The run's tags"]),
    ("sys/tags:string|Set CONTAINS a", "stringSet", ["(type)", "membership", "NOT CONTAINS"]),
    ("la|st(`m`:floatSeries) > 1", "last(`m`:floatSeries)", ["last(field: floatSeries) -> float", "last value"]),
    ("a:string NOT CONT|AINS x", "NOT CONTAINS", ["Negation of `CONTAINS`", "stringSet"]),
    ("a:int =|= 1", "==", ["**`=`**", "Equal"]),
    ("a:int = 1 A|ND b:int = 2", "AND", ["tighter than `OR`"]),
    ("a:float > 50M|B", "50MB", ["50,000,000 bytes", "decimal"]),
    ('sys/creation_time:datetime > "-1|d"', '"-1d"', ["1 day ago", "2024-03-14 12:00:00 UTC"]),
    ('sys/creation_time:datetime > "-2|M"', '"-2M"', ["2 months ago", "2024-01-15 12:00:00 UTC"]),
    (
        'sys/creation_time:datetime > "2024-02-06T05:00:00+09|:00"',
        '"2024-02-06T05:00:00+09:00"',
        ["2024-02-05 20:00:00 UTC"],
    ),
    ("sys/state:experimentState = acti|ve", "active", ["run state `running`"]),
    ('a:string MATCHES "(|"', '"("', ["Invalid RE2"]),
    ("a:flot| = 1", "flot", ["not an NQL type"]),
    ("(|a:int = 1)", "a", ["Not in the schema", "`int` as written"]),
    ("|(a:int = 1)", "(", ["groups"]),
    ('sys/creation_time:datetime > "2024-02-|06"', '"2024-02-06"', ["2024-02-06 00:00:00 UTC", "midnight"]),
]


@pytest.mark.parametrize(("query", "covered", "phrases"), CASES)
def test_hover(query: str, covered: str, phrases: list[str]) -> None:
    text, h = at(query)
    assert h is not None
    assert text[h.start : h.end] == covered
    for phrase in phrases:
        assert phrase in h.markdown, (phrase, h.markdown)


def test_nothing_to_explain_in_whitespace() -> None:
    _, h = at("a:int = 1  |  ")
    assert h is None


def test_field_statistics_and_sparkline() -> None:
    schema = StaticSchema(
        {
            "acc": FieldInfo(
                "acc",
                ("floatSeries",),
                "Accuracy.",
                stats={"floatSeries": FieldStats(runs=120, minimum=0.1, maximum=0.9, last=0.85, shape=[0, 1, 2, 7])},
            )
        },
        learned=True,
    )
    _, h = at("last(a|cc:floatSeries) > 0.5", schema)
    assert h is not None
    assert "in 120 runs" in h.markdown
    assert "min 0.1, max 0.9, last 0.85" in h.markdown
    assert "▁▂▃█" in h.markdown


def test_sparkline_levels() -> None:
    assert sparkline([0, 7]) == "▁█"
    assert sparkline([5, 5]) == "▄▄"
    assert sparkline([]) == ""
