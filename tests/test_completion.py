"""Completion: a table of (query with the cursor at `|`, what must be offered, what must not)."""

from __future__ import annotations

import pytest

from nql_lsp.analysis.analyze import analyze
from nql_lsp.completion import CompletionItem, complete
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats, LayeredSchema, StaticSchema

LEARNED = LayeredSchema(
    (
        SYSTEM_SCHEMA,
        StaticSchema(
            {
                "metrics/acc": FieldInfo("metrics/acc", ("floatSeries",), "Validation accuracy."),
                "params/lr": FieldInfo(
                    "params/lr", ("float",), stats={"float": FieldStats(runs=5, minimum=0.0001, maximum=0.1)}
                ),
                "params/optimizer": FieldInfo(
                    "params/optimizer",
                    ("string",),
                    stats={"string": FieldStats(runs=12, common=[("adam", 9), ("sgd momentum", 3)])},
                ),
            },
            learned=True,
        ),
    )
)


def at(query: str, schema=SYSTEM_SCHEMA) -> tuple[str, list[CompletionItem]]:
    offset = query.index("|")
    text = query.replace("|", "", 1)
    return text, complete(analyze(text, schema), offset, schema)


def labels(query: str, schema=SYSTEM_SCHEMA) -> list[str]:
    return [i.label for i in at(query, schema)[1]]


CASES = [
    # (query, must include, must not include)
    ("|", {"sys/tags", "sys/name", "NOT", "(", "last", "max"}, {"AND", "=", "float"}),
    ("sys/ta|", {"sys/tags"}, {"sys/name", "sys/group_tags", "NOT"}),
    ("tags|", {"sys/tags", "sys/group_tags"}, {"sys/name"}),
    ("sys/tags:|", {"stringSet", "float", "experimentState"}, {"sys/tags", "="}),
    ("sys/tags:stringSet |", {"CONTAINS", "NOT CONTAINS", "MATCHES", "EXISTS"}, {">", "=", "AND"}),
    ("sys/failed:bool |", {"=", "!=", "EXISTS"}, {"CONTAINS", ">"}),
    ("sys/name:string NOT |", {"CONTAINS", "MATCHES", "EXISTS"}, {"NOT CONTAINS", "="}),
    ("sys/state:experimentState = |", {"running", "idle", "active", "inactive"}, {"true", "AND"}),
    ("sys/failed:bool = |", {"true", "false"}, {"running"}),
    ("sys/failed:bool = f|", {"false"}, {"true"}),
    ("sys/creation_time:datetime > |", {"-1h", "-1d", "-7d", "-1M"}, {"true"}),
    ('sys/tags:stringSet CONTAINS "x" |', {"AND", "OR"}, {")", "NOT", "sys/tags"}),
    ("(sys/name:string = x |", {"AND", "OR", ")"}, {"sys/name"}),
    ("sys/name:string = x AND |", {"sys/name", "NOT", "(", "last"}, {"AND", "="}),
    ("sys/name:string = x AND NOT |", {"sys/name", "(", "NOT"}, {"AND", "="}),  # NOT NOT x is valid
    ("a:int = 1 AN|D b:int = 2", {"AND"}, {"OR"}),
    ("x:floatSeries |", {"EXISTS", "NOT EXISTS"}, {">", "="}),
    ("last(x:floatSeries) |", {">", ">=", "=", "<"}, {"EXISTS", "CONTAINS"}),
]


@pytest.mark.parametrize(("query", "present", "absent"), CASES)
def test_offered(query: str, present: set[str], absent: set[str]) -> None:
    got = set(labels(query))
    assert present <= got, present - got
    assert not absent & got, absent & got


def test_field_inserts_name_and_known_type_replacing_the_partial_word() -> None:
    text, items = at('x:string = "日本語😀" AND sys/ta|')
    tags = next(i for i in items if i.label == "sys/tags")
    assert (tags.kind, tags.insert_text, tags.detail) == ("field", "sys/tags:stringSet", "stringSet")
    # `sys/ta` starts after `x:string = ` (11), the quoted string (6: CJK and the emoji count one each)
    # and ` AND ` (5).
    assert (tags.start, tags.end) == (22, 28)
    assert text[tags.start : tags.end] == "sys/ta"
    assert "tags" in tags.documentation.lower()


def test_open_backquote_is_part_of_the_replaced_text() -> None:
    text, items = at("`sys/na|")
    item = next(i for i in items if i.label == "sys/name")
    assert item.insert_text == "`sys/name`:string"
    assert text[item.start : item.end] == "`sys/na"
    assert item.filter_text == "`sys/name"


def test_whole_word_is_replaced_when_cursor_is_inside_it() -> None:
    text, items = at("sys/na|me:string = x")
    item = next(i for i in items if i.label == "sys/name")
    assert text[item.start : item.end] == "sys/name"
    assert item.insert_text == "sys/name"  # the type is already there


def test_names_that_need_backquotes_get_them() -> None:
    schema = StaticSchema({"a b": FieldInfo("a b", ("int",))}, learned=True)
    _, items = at("|", schema)
    item = next(i for i in items if i.label == "a b")
    assert item.insert_text == "`a b`:int"


def test_known_type_comes_first() -> None:
    _, items = at("sys/tags:|")
    assert min(items, key=lambda i: i.sort_text or "").label == "stringSet"
    _, items = at("last(`metrics/acc`:|")
    assert min(items, key=lambda i: i.sort_text or "").label == "floatSeries"


def test_untyped_field_is_offered_its_type() -> None:
    _, items = at("sys/name |")
    typed = [i for i in items if i.kind == "type"]
    assert [i.insert_text for i in typed] == [":string"]


def test_aggregates_are_snippets() -> None:
    _, items = at("|")
    last = next(i for i in items if i.label == "last")
    assert last.kind == "aggregate" and last.snippet
    assert last.insert_text == "last(${1:field}:floatSeries)"
    assert last.detail == "last(field: floatSeries) -> float"


def test_inside_an_aggregate_only_series_are_offered() -> None:
    _, items = at("last(|", LEARNED)
    assert [i.insert_text for i in items] == ["metrics/acc:floatSeries"]


def test_common_values_from_runs() -> None:
    _, items = at("params/optimizer:string = |", LEARNED)
    values = {i.label: i for i in items}
    assert values["adam"].insert_text == '"adam"'
    assert values["sgd momentum"].insert_text == '"sgd momentum"'
    assert values["adam"].detail == "in 9 runs"


def test_open_quote_is_replaced_with_the_value() -> None:
    text, items = at('sys/creation_time:datetime > "-|')
    item = next(i for i in items if i.label == "-7d")
    assert item.insert_text == '"-7d"'
    assert text[item.start : item.end] == '"-'


def test_bool_values_insert_bare() -> None:
    _, items = at("sys/failed:bool = |")
    assert {i.insert_text for i in items} == {"true", "false"}
    assert all(i.kind == "value" for i in items)


def test_keywords_have_docs_and_kinds() -> None:
    _, items = at("sys/failed:bool = true |")
    and_ = next(i for i in items if i.label == "AND")
    assert and_.kind == "keyword" and "tighter" in and_.documentation


def test_late_in_a_long_query_matches_a_fresh_parse() -> None:
    long = " OR ".join(f"(`m{i}`:float >= {i})" for i in range(200))
    for tail, expect in ((" AND sys/fa", "sys/failed"), (" AND sys/failed:bool = ", "true")):
        text = long + tail
        got = [i.label for i in complete(analyze(text), len(text))]
        assert expect in got
        short = tail.removeprefix(" AND ")
        assert got == [i.label for i in complete(analyze(short), len(short))]


def test_renaming_an_aggregate_keeps_its_argument() -> None:
    _, items = at("ma|x(`m`:floatSeries) > 1")
    item = next(i for i in items if i.label == "max")
    assert (item.insert_text, item.snippet, item.start, item.end) == ("max", False, 0, 3)


def test_numbers_seen_in_runs() -> None:
    _, items = at("params/lr:float >= |", LEARNED)
    assert [(i.insert_text, i.detail) for i in items] == [("0.0001", "min seen in runs"), ("0.1", "max seen in runs")]
