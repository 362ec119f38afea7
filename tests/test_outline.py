"""Semantic tokens, folding, selection ranges, document symbols and signature help."""

from __future__ import annotations

from nql_lsp.analysis.analyze import analyze
from nql_lsp.features.outline import (
    TOKEN_MODIFIERS,
    TOKEN_TYPES,
    document_symbols,
    folding_ranges,
    selection_ranges,
    semantic_tokens,
    signature_help,
)

TEXT = (
    '(a:int == 1 AND\n  b:string MATCHES "x+")\n'
    "OR NOT (last(`m`:floatSeries) > 0.5 OR sys/tags:stringSet CONTAINS '日本😀')"
)


def test_semantic_tokens_classify_each_word() -> None:
    got = [(TEXT[t.start : t.end], t.type, t.modifiers) for t in semantic_tokens(analyze(TEXT))]
    assert got == [
        ("a", "property", ()),
        ("int", "type", ()),
        ("==", "operator", ("deprecated",)),
        ("1", "number", ()),
        ("AND", "keyword", ()),
        ("b", "property", ()),
        ("string", "type", ()),
        ("MATCHES", "operator", ()),
        ('"x+"', "regexp", ()),
        ("OR", "keyword", ()),
        ("NOT", "keyword", ()),
        ("last", "function", ("defaultLibrary",)),
        ("`m`", "property", ()),
        ("floatSeries", "type", ()),
        (">", "operator", ()),
        ("0.5", "number", ()),
        ("OR", "keyword", ()),
        ("sys/tags", "property", ("defaultLibrary",)),
        ("stringSet", "type", ()),
        ("CONTAINS", "operator", ()),
        ("'日本😀'", "string", ("deprecated",)),
    ]
    assert all(
        t.type in TOKEN_TYPES and set(t.modifiers) <= set(TOKEN_MODIFIERS) for t in semantic_tokens(analyze(TEXT))
    )


def test_values_by_kind() -> None:
    text = "s:experimentState = idle OR f:bool = True OR n:string = VGG"
    kinds = {text[t.start : t.end]: t.type for t in semantic_tokens(analyze(text))}
    assert (kinds["idle"], kinds["True"], kinds["VGG"]) == ("enumMember", "enumMember", "string")


def test_folding_only_multi_line_groups() -> None:
    assert folding_ranges(analyze(TEXT)) == [(0, 40)]
    assert folding_ranges(analyze("(a:int = 1) OR (b:int = 2)")) == []


def test_selection_ranges_grow_outwards() -> None:
    offset = TEXT.index("MATCHES") + 2
    got = [TEXT[s:e] for s, e in selection_ranges(analyze(TEXT), offset)]
    assert got == [
        "MATCHES",
        'b:string MATCHES "x+"',
        'a:int == 1 AND\n  b:string MATCHES "x+"',
        '(a:int == 1 AND\n  b:string MATCHES "x+")',
        TEXT,
    ]


def test_selection_ranges_on_a_name_include_the_field() -> None:
    text = 'x:string = "日本語😀" AND last(`m`:floatSeries) > 1'
    got = [text[s:e] for s, e in selection_ranges(analyze(text), text.index("`m`") + 1)]
    assert got[:4] == ["`m`", "`m`:floatSeries", "last(`m`:floatSeries)", "last(`m`:floatSeries) > 1"]


def test_document_symbols_one_per_top_level_clause() -> None:
    symbols = document_symbols(analyze(TEXT))
    assert [(s.name, s.kind) for s in symbols] == [("(AND of 2)", "struct"), ("NOT (OR of 2)", "operator")]
    assert [c.name for c in symbols[0].children] == ["a", "b"]
    assert [c.name for c in symbols[1].children[0].children] == ["last(m)", "sys/tags"]
    flat = document_symbols(analyze('x:string = "日本語😀" AND sys/failed:bool = true'))
    assert [(s.name, s.detail, s.selection_start, s.selection_end) for s in flat] == [
        ("x", '`x`:string = "日本語😀"', 0, 1),
        ("sys/failed", "`sys/failed`:bool = true", 22, 32),
    ]


def test_signature_help_inside_aggregates_only() -> None:
    text = "日本 = 1 OR max(`m`:floatSeries) > 1"
    help_ = signature_help(analyze(text), text.index("`m`"))
    assert help_ is not None
    assert help_.label == "max(field: floatSeries) -> float"
    assert help_.label[slice(*help_.parameters[0])] == "field: floatSeries"
    assert help_.active_parameter == 0
    assert "largest" in help_.documentation
    assert signature_help(analyze(text), text.index(">")) is None
    assert signature_help(analyze("last("), 5) is not None


def test_a_parenthesised_clause_is_still_a_clause_symbol() -> None:
    text = "(sys/failed:bool = true) OR (x:int = 1)"
    symbols = document_symbols(analyze(text))
    assert [(s.name, s.kind, s.start, s.end) for s in symbols] == [
        ("sys/failed", "field", 0, 24),
        ("x", "field", 28, 39),
    ]
