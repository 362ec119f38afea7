"""What each terminal of ``grammar.lark`` is, for the passes that read tokens: one table, not one per pass.

Terminal names are the grammar's. Which of them are keywords comes from the catalog (its keywords are
exactly the grammar's keyword terminals; a test holds the two together), and how an operator of the
catalog is spelled in terminals is worked out from the grammar's own literal terminals, so neither
completion nor the parser keeps a copy of either.
"""

from __future__ import annotations

from functools import cache

from nql_lsp.language.catalog import KEYWORDS, OPERATOR_SYNONYMS, OPERATORS

#: Literal punctuation, by terminal name, as ``grammar.lark`` spells it.
PUNCTUATION: dict[str, str] = {
    "LPAR": "(",
    "RPAR": ")",
    "COLON": ":",
    "EQ": "=",
    "EQEQ": "==",
    "NE": "!=",
    "GT": ">",
    "GE": ">=",
    "LT": "<",
    "LE": "<=",
}

#: Closed quoted tokens, and the unterminated form of each with its quote character.
QUOTED: frozenset[str] = frozenset({"QNAME", "STRING", "SQ_STRING"})
OPEN_QUOTES: dict[str, str] = {"QNAME_OPEN": "`", "STRING_OPEN": '"', "SQ_STRING_OPEN": "'"}

#: Tokens that start a field name, and those that start a quoted value.
NAME_STARTS: frozenset[str] = frozenset({"QNAME", "QNAME_OPEN"})
VALUE_STARTS: frozenset[str] = frozenset({"STRING", "SQ_STRING", "STRING_OPEN", "SQ_STRING_OPEN"})
DOUBLE_QUOTED: frozenset[str] = frozenset({"STRING", "STRING_OPEN"})
SINGLE_QUOTED: frozenset[str] = frozenset({"SQ_STRING", "SQ_STRING_OPEN"})

#: A bare word, and a word directly followed by ``(``: an aggregate call.
WORD = "WORD"
FUNC = "FUNC"

#: The connectives, which the contextual lexer sees in every parser state.
CONNECTIVES: tuple[str, ...] = ("AND", "OR")
NOT = "NOT"


def keywords() -> frozenset[str]:
    """Keyword terminals: a keyword's terminal is named as the catalog spells the keyword."""
    return frozenset(KEYWORDS)


def words() -> frozenset[str]:
    """Tokens that are a word being typed: the cursor may stand at their end and complete them."""
    return keywords() | {WORD, FUNC} | frozenset(OPEN_QUOTES)


def relexable() -> frozenset[str]:
    """Tokens the root lexer may have classed as keyword or call where the parser only wants a word."""
    return keywords() | {FUNC}


@cache
def _terminal_of_spelling() -> dict[str, str]:
    return {spelling: name for name, spelling in PUNCTUATION.items()}


def operator_terminals(symbol: str) -> tuple[str, ...]:
    """The terminals that spell a catalog operator: ``NOT CONTAINS`` is (NOT, CONTAINS), ``>=`` is (GE,)."""
    return tuple(_terminal_of_spelling().get(word, word) for word in symbol.split())


def operator_starts() -> frozenset[str]:
    """Terminals that show an operator stands next, leaving out the ``NOT`` that may also start a clause."""
    symbols = [*OPERATORS, *OPERATOR_SYNONYMS]
    return frozenset(t for symbol in symbols for t in operator_terminals(symbol)) - {NOT}


def describe(kind: str) -> str:
    """A terminal as a message shows it: `(`, `AND`."""
    return f"`{PUNCTUATION.get(kind, kind)}`"
