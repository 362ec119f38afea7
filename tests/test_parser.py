"""The parser: the shape of the tree, exact offsets, and recovery that reports one error per mistake."""

from __future__ import annotations

import pytest

from nql_lsp.language.records import fields_of
from nql_lsp.syntax.parser import _fast_attempt, _fast_parse, expected_at, parse
from nql_lsp.syntax.tree import Clause, Group, Logical, Not, Token

from .conftest import marked


def test_every_corpus_query_parses_without_syntax_errors(corpus: list[str]) -> None:
    assert len(corpus) > 100
    for query in corpus:
        result = parse(query)
        assert result.errors == [], (query, result.errors)
        assert result.tree.expr is not None


def test_empty_and_blank_queries_are_valid() -> None:
    for text in ("", "   ", "\n\t\n"):
        result = parse(text)
        assert result.errors == []
        assert result.tree.expr is None


def test_and_binds_tighter_than_or_and_chains_are_flattened() -> None:
    tree = parse("a:int = 1 OR b:int = 2 AND c:int = 3 AND d:int = 4").tree
    assert isinstance(tree.expr, Logical) and tree.expr.op == "OR"
    first, second = tree.expr.operands
    assert isinstance(first, Clause)
    assert isinstance(second, Logical) and second.op == "AND" and len(second.operands) == 3


def test_not_binds_tighter_than_and() -> None:
    tree = parse("NOT a:int = 1 AND b:int = 2").tree
    assert isinstance(tree.expr, Logical) and tree.expr.op == "AND"
    assert isinstance(tree.expr.operands[0], Not)


def test_not_negates_a_group() -> None:
    tree = parse("NOT (`sys/name`:string CONTAINS blobfish AND `sys/failed`:bool = True)").tree
    assert isinstance(tree.expr, Not) and isinstance(tree.expr.operand, Group)


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ("x:string NOT CONTAINS y", "NOT CONTAINS"),
        ("x:string not   matches y", "NOT MATCHES"),
        ("x:string NOT EXISTS", "NOT EXISTS"),
        ("x:string exists", "EXISTS"),
        ("x:int == 1", "="),
        ("x:int != 1", "!="),
        ("x:int >= 1", ">="),
        ("x:int<1", "<"),
    ],
)
def test_operators_are_canonicalised(text: str, op: str) -> None:
    clause = next(parse(text).tree.clauses())
    assert clause.operator.op == op


def test_keywords_are_case_insensitive_but_never_split_a_word() -> None:
    tree = parse("a:int = 1 and NOTE:int = 2 oR b:string = ANDROID").tree
    assert parse("a:int = 1 and NOTE:int = 2 oR b:string = ANDROID").errors == []
    clauses = list(tree.clauses())
    assert [c.field.name.path for c in clauses] == ["a", "NOTE", "b"]
    assert clauses[2].value is not None and clauses[2].value.token.text == "ANDROID"


def test_type_annotation_allows_spaces_around_the_colon() -> None:
    for text in ("x: float = 1", "x :float = 1", "x : float = 1"):
        clause = next(parse(text).tree.clauses())
        assert clause.field.type is not None and clause.field.type.text == "float", text


def test_offsets_of_nodes_and_tokens_are_exact() -> None:
    text = "(last(`metrics/acc`:floatSeries) >= 0.85)"
    tree = parse(text).tree
    group = tree.expr
    assert isinstance(group, Group) and (group.start, group.end) == (0, len(text))
    clause = group.expr
    assert isinstance(clause, Clause)
    assert text[clause.start : clause.end] == "last(`metrics/acc`:floatSeries) >= 0.85"
    agg = clause.aggregate
    assert agg is not None and text[agg.start : agg.end] == "last(`metrics/acc`:floatSeries)"
    assert text[agg.field.name.start : agg.field.name.end] == "`metrics/acc`"
    assert agg.field.name.path == "metrics/acc"


def test_offsets_count_code_points_after_non_ascii_text() -> None:
    text = '`名前/😀`:string = "日本語😀" AND x:int = '
    result = parse(text)
    names = [c.field.name for c in result.tree.clauses()]
    assert names[0].path == "名前/😀"
    (error,) = result.errors
    assert error.code == "NQL002"
    assert error.start == len(text.rstrip())  # right after the last `=`


def test_backquoted_name_escapes() -> None:
    clause = next(parse(r"`a\\b`:string = 1").tree.clauses())
    assert clause.field.name.path == "a\\b"


def test_quoted_tokens_end_at_the_first_unescaped_quote() -> None:
    # Names and strings with escaped quotes and backslashes, the escape at the very end included.
    text = r'`a\`b\\`:string = "x\"y\\" AND `c`:string != ' + "'it\\'s'"
    fast = _fast_parse(text)
    assert fast is not None
    assert [(t.kind, t.text) for t in fast.tokens] == [
        ("QNAME", r"`a\`b\\`"),
        ("COLON", ":"),
        ("WORD", "string"),
        ("EQ", "="),
        ("STRING", r'"x\"y\\"'),
        ("AND", "AND"),
        ("QNAME", "`c`"),
        ("COLON", ":"),
        ("WORD", "string"),
        ("NE", "!="),
        ("SQ_STRING", r"'it\'s'"),
    ]
    assert [(t.start, t.end) for t in fast.tokens][:5] == [(0, 8), (8, 9), (9, 15), (16, 17), (18, 26)]


@pytest.mark.parametrize("text", [r'a:string = "x\"', r"`a\`:int = 1", r"a:string = 'x\'"])
def test_a_quote_left_open_by_an_escape_is_no_token_of_the_fast_path(text: str) -> None:
    assert _fast_parse(text) is None
    assert [e.code for e in parse(text).errors] == ["NQL003"]


def test_a_token_has_the_four_fields_the_fast_path_sets() -> None:
    # The fast path fills a Token's slots without calling its __init__: a new field must be set there too.
    assert fields_of(Token("WORD", "x", 0, 1)) == ("kind", "text", "start", "end")
    tok = _fast_parse("x:int = 1").tokens[0]  # type: ignore[union-attr]
    assert (tok.kind, tok.text, tok.start, tok.end) == ("WORD", "x", 0, 1)


# Each case: the text with «the reported range» and the expected code. One mistake, one error.
RECOVERY = [
    ("a:int = 1 «b»:int = 2", "NQL002"),  # missing AND/OR: repaired by insertion, `b` is flagged
    ("a:int = 1 AND «AND» b:int = 2", "NQL001"),
    ("a:int = «)»", "NQL001"),
    ("(a:int = «)» AND b:int = 1", "NQL002"),
    ("a:int = 1«)»", "NQL001"),
    ("a:int = 1 AND«»", "NQL002"),
    ("(a:int = 1«»", "NQL002"),
    ("x:float«»", "NQL002"),
    ("x: «=» 1", "NQL002"),
    ('a:string = «"abc»', "NQL003"),
    ("«`abc»", "NQL003"),
    ("a:string «!» b", "NQL004"),
    ("x:string = foo «bar»", "NQL001"),
    ("x:string = «AND»", "NQL001"),
    ("((((«»", "NQL002"),
    ("`sys/name`:string NOT«»", "NQL002"),  # a dangling NOT after a field: only CONTAINS/MATCHES/EXISTS fit
    ("((x:string NOT«»", "NQL002"),
]


@pytest.mark.parametrize(("text", "code"), RECOVERY)
def test_one_mistake_gives_one_error_at_the_right_place(text: str, code: str) -> None:
    query, start, end = marked(text)
    errors = parse(query).errors
    assert [(e.code, e.start, e.end) for e in errors] == [(code, start, end)], errors


def test_two_broken_clauses_report_both() -> None:
    errors = parse("(a:int = ) OR (b:int = )").errors
    assert [(e.code, e.start) for e in errors] == [("NQL002", 9), ("NQL002", 23)]


def test_missing_paren_points_back_at_the_open_one() -> None:
    (error,) = parse("x:int = 1 AND (y:int = 2").errors
    assert error.message == "missing `)` to close this `(`"
    assert error.related[0].start == 14
    assert error.fixes[0].edits[0].new_text == ")"


def test_messages_say_what_was_expected() -> None:
    assert parse("a:int = 1 AND").errors[0].message == "expected a clause after `AND`"
    assert parse("x:float").errors[0].message == "expected an operator after `float`"
    assert parse("x").errors[0].message == "expected an operator or `:type` after `x`"
    assert parse("x:int >").errors[0].message == "expected a value after `>`"


def test_value_with_spaces_offers_to_quote_it() -> None:
    (error,) = parse("x:string = foo bar baz AND y:int = 1").errors
    (edit,) = error.fixes[0].edits
    assert (edit.start, edit.end, edit.new_text) == (11, 22, '"foo bar baz"')


def test_recovered_tree_still_has_every_clause() -> None:
    result = parse("(a:int = ) OR (b:int = 2)")
    clauses = list(result.tree.clauses())
    assert [c.field.name.path for c in clauses] == ["a", "b"]
    assert clauses[0].value is not None and clauses[0].value.missing


def test_long_query_warns_over_the_client_limit() -> None:
    text = " OR ".join(f"x:int = {i}" for i in range(25_000))
    assert len(text) > 250_000
    codes = [e.code for e in parse(text).errors]
    assert codes == ["NQL005"]
    under = text[: text.rindex(" OR ", 0, 250_000)]
    assert len(under) <= 250_000 and parse(under).errors == []


@pytest.mark.parametrize(
    ("text", "must", "must_not"),
    [
        ("", {"LPAR", "NOT", "WORD", "QNAME", "FUNC", "$END"}, {"AND", "EQ"}),
        ("x", {"COLON", "EQ", "CONTAINS", "EXISTS", "NOT"}, {"AND", "$END"}),
        ("x:int =", {"WORD", "STRING"}, {"AND", "$END"}),
        ("x:int = 1", {"AND", "OR", "$END"}, {"RPAR", "WORD"}),
        ("(x:int = 1", {"AND", "OR", "RPAR"}, {"$END"}),
        ("last(", {"WORD", "QNAME"}, {"LPAR", "NOT"}),
    ],
)
def test_expected_at_tells_which_tokens_may_come(text: str, must: set[str], must_not: set[str]) -> None:
    accepts = expected_at(text, len(text))
    assert must <= accepts, accepts
    assert not (must_not & accepts), accepts


def test_expected_at_resumes_from_checkpoints_of_a_well_formed_parse() -> None:
    text = " AND ".join(f"(`m/{i}`:float >= {i}) OR `s/{i}`:string CONTAINS x" for i in range(60))
    parsed = parse(text)
    assert parsed.errors == [] and len(parsed.checkpoints) > 10
    for offset in range(0, len(text) + 1, 37):
        assert expected_at(text, offset, parsed) == expected_at(text, offset), offset


def test_a_query_of_the_usual_length_takes_no_checkpoints_and_a_long_one_one_every_16_tokens() -> None:
    short = '(`sys/tags`:stringSet CONTAINS "prod") AND (last(`metrics/acc`:floatSeries) >= 0.85)'
    parsed = parse(short)
    assert parsed.errors == [] and len(parsed.tokens) == 18 and parsed.checkpoints == []
    for offset in range(len(short) + 1):  # completion then parses from the start, with the same answer
        assert expected_at(short, offset, parsed) == expected_at(short, offset)
    long = " OR ".join(f"`m/{i}`:float >= {i}" for i in range(20))  # 20 clauses of 5 tokens, 19 ORs
    # Token by token, a checkpoint every 16 tokens from the 48th.
    assert [c.index for c in _fast_attempt(long, clauses=False).checkpoints] == [48, 64, 80, 96, 112]
    # A clause taken whole is never cut by one: a checkpoint falling due inside it is taken at the `OR` after
    # it. The 48th token is an `OR` (8 clauses and 8 `OR`s); 16 later falls in the third clause after it
    # (tokens 61-65), so the next is the `OR` at 66, and so on.
    assert [c.index for c in parse(long).checkpoints] == [48, 66, 84, 102]
