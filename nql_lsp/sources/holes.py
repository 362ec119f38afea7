"""f-string holes: what stands in for a ``{...}`` in the query text.

A hole is an opaque value known only at run time. The checker needs text, so each hole becomes a
placeholder chosen from what surrounds it: a whole clause where a clause stands, a type where a type
stands, a plain word elsewhere. What the placeholder provokes is dropped by the analysis
(:mod:`nql_lsp.analysis.holes`).
"""

from __future__ import annotations

import re

from nql_lsp.language.catalog import EXISTS, OPERATORS
from nql_lsp.syntax.terminals import CONNECTIVES, NOT, PUNCTUATION

#: A clause that is valid for every table and schema, for a hole that stands for a whole condition.
CLAUSE_PLACEHOLDER = "sys/id:string EXISTS"
TYPE_PLACEHOLDER = "string"
WORD_PLACEHOLDER = "x"


def _words(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# What ends right before a value: an operator that takes one (its last word or symbol).
_VALUE_OPERATORS = sorted({s.split()[-1] for s, op in OPERATORS.items() if op.family != EXISTS})
_VALUE_BEFORE = re.compile(
    r"(?:[" + re.escape("".join(sorted({s[-1] for s in _VALUE_OPERATORS if not s.isalpha()}))) + r"]"
    r"|\b(?i:" + _words([s for s in _VALUE_OPERATORS if s.isalpha()]) + r"))\s*$"
)
_CLAUSE_WORDS = _words([*CONNECTIVES, NOT])
_CLAUSE_BEFORE = re.compile(r"(?:^|" + re.escape(PUNCTUATION["LPAR"]) + r"|\b(?i:" + _CLAUSE_WORDS + r"))\s*$")
_CLAUSE_AFTER = re.compile(r"^\s*(?:$|" + re.escape(PUNCTUATION["RPAR"]) + r"|(?i:" + _words([*CONNECTIVES]) + r")\b)")
_FUNCTION_BEFORE = re.compile(r"(?<![\w/.-])(?!(?i:" + _CLAUSE_WORDS + r")\b)[A-Za-z_]\w*\s*\(\s*$")


def _inside_quotes(prefix: str) -> bool:
    """Whether the query text ``prefix`` ends inside a string or a backquoted name."""
    open_quote = ""
    i, n = 0, len(prefix)
    while i < n:
        c = prefix[i]
        if open_quote:
            if c == "\\":
                i += 2
                continue
            if c == open_quote:
                open_quote = ""
        elif c in "\"'`":
            open_quote = c
        i += 1
    return bool(open_quote)


def placeholder(before: str, after: str) -> str:
    """The text standing in for a hole between query text ``before`` and ``after``."""
    if _inside_quotes(before):
        return WORD_PLACEHOLDER
    stripped = before.rstrip()
    if stripped.endswith(":"):
        return TYPE_PLACEHOLDER
    if _VALUE_BEFORE.search(stripped):
        return WORD_PLACEHOLDER
    if _CLAUSE_BEFORE.search(stripped) and not _FUNCTION_BEFORE.search(stripped) and _CLAUSE_AFTER.match(after):
        return CLAUSE_PLACEHOLDER
    return WORD_PLACEHOLDER
