"""The parser's hold on Lark: every internal it touches is present, and the grammar agrees with the tables
that describe its terminals."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from lark.lexer import PatternRE, PatternStr

from nql_lsp.language.catalog import KEYWORDS, OPERATOR_SYNONYMS, OPERATORS
from nql_lsp.syntax import lark_internals, terminals
from nql_lsp.syntax.parser import _lark


def test_this_lark_release_has_every_internal_the_parser_uses() -> None:
    lark_internals.verify(_lark())


def test_a_changed_internal_is_named() -> None:
    class Moved:
        """A Lark whose frontend no longer nests the LALR parser where the parser looks for it."""

        parser = SimpleNamespace(parser=SimpleNamespace())

        def parse_interactive(self, text: str) -> object:
            return _lark().parse_interactive(text)

    with pytest.raises(RuntimeError, match=r"Lark\.parser\.parser\.parser\.parse_table"):
        lark_internals.verify(Moved())  # type: ignore[arg-type]  # a stand-in for a changed Lark


def test_punctuation_is_spelled_as_the_grammar_spells_it() -> None:
    literal = {t.name: t.pattern.value for t in _lark().terminals if isinstance(t.pattern, PatternStr)}
    assert literal == terminals.PUNCTUATION


def test_the_catalog_keywords_are_the_grammar_keyword_terminals() -> None:
    keyword_terminals = {
        t.name
        for t in _lark().terminals
        if isinstance(t.pattern, PatternRE) and t.pattern.value.lower().startswith(t.name.lower() + "(?!")
    }
    assert keyword_terminals == set(KEYWORDS)


def test_every_operator_is_spelled_in_terminals_the_grammar_has() -> None:
    names = {t.name for t in _lark().terminals}
    for symbol in [*OPERATORS, *OPERATOR_SYNONYMS]:
        spelled = terminals.operator_terminals(symbol)
        assert spelled and set(spelled) <= names, symbol
    assert terminals.operator_terminals("NOT CONTAINS") == ("NOT", "CONTAINS")
    assert terminals.operator_terminals(">=") == ("GE",)
    assert terminals.operator_starts() == {"EQ", "EQEQ", "NE", "GT", "GE", "LT", "LE", "CONTAINS", "MATCHES", "EXISTS"}
