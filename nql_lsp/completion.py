"""Completion: what may be typed at the cursor, asked of the parser rather than guessed from the text.

The parser says which terminals may come at the start of the word being typed (``expected_at``, resumed
from the analysis's checkpoints so a late position in a long query costs about as much as an early one);
the checker's :class:`ClauseInfo` says the type of the clause being written. Together they decide the
family of items (fields, types, operators, values, connectives) and which members fit. Every item says
exactly which text it replaces, open quote included, so a surface can turn it into a text edit as is.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.language.catalog import (
    AGGREGATES,
    BOOLEANS,
    EXISTS,
    KEYWORDS,
    MATCHES,
    OPERATORS,
    RELATIVE_UNITS,
    RUN_STATES,
    SERIES_TYPE,
    TYPES,
    Allowed,
)
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, Schema
from nql_lsp.language.values import quote_name, quote_string
from nql_lsp.syntax import terminals
from nql_lsp.syntax.cursor import too_deep_gives
from nql_lsp.syntax.parser import expected_at
from nql_lsp.syntax.terminals import FUNC, NAME_STARTS, NOT, QUOTED, VALUE_STARTS, WORD
from nql_lsp.syntax.tree import Token

FIELD, TYPE, OPERATOR, VALUE, AGGREGATE, KEYWORD = "field", "type", "operator", "value", "aggregate", "keyword"


@dataclass(slots=True)
class CompletionItem:
    """One proposal. ``[start, end)`` is the text it replaces; ``insert_text`` is a snippet if ``snippet``."""

    label: str
    kind: str  # field, type, operator, value, aggregate or keyword
    detail: str
    documentation: str
    insert_text: str
    start: int
    end: int
    snippet: bool = False
    sort_text: str | None = None
    filter_text: str | None = None


_BARE_NAME = re.compile(r"[A-Za-z0-9_\-./]+")
_BARE_VALUE = re.compile(r"[A-Za-z0-9_.+\-/]+")
# Relative times offered for datetimes: one of each documented unit, and a week in days.
_RELATIVE_EXAMPLES = ("-1h", "-1d", "-7d", "-1M")


@too_deep_gives(list)
def complete(analysis: Analysis, offset: int, schema: Schema = SYSTEM_SCHEMA) -> list[CompletionItem]:
    """Items for the cursor at ``offset`` (code points). Never raises; an empty list when nothing fits."""
    text = analysis.text
    offset = max(0, min(offset, len(text)))
    word = _word_at(analysis.parsed.tokens, offset)
    start, end = (word.start, word.end) if word is not None else (offset, offset)
    typed = text[start:offset]
    accepts = expected_at(text, start, analysis.parsed)
    ctx = _Context(analysis, schema, start, end, typed, accepts)
    items = ctx.items()
    return [item for item in items if _fits(typed, item)]


def _word_at(tokens: list[Token], offset: int) -> Token | None:
    i = bisect_right([t.start for t in tokens], offset - 1) - 1
    if i < 0:
        return None
    tok = tokens[i]
    if tok.kind in terminals.words() and tok.start < offset <= tok.end:
        return tok
    if tok.kind in QUOTED and tok.start < offset < tok.end:
        return tok
    return None


def _fits(typed: str, item: CompletionItem) -> bool:
    """What is typed (quotes aside) appears in the item, ignoring case: `tags` finds `sys/tags`."""
    needle = typed.lstrip("`\"'").lower()
    hay = (item.filter_text or item.label).lstrip("`\"'").lower()
    return needle in hay


class _Context:
    def __init__(
        self, analysis: Analysis, schema: Schema, start: int, end: int, typed: str, accepts: frozenset[str]
    ) -> None:
        self.analysis = analysis
        self.schema = schema
        self.start = start
        self.end = end
        self.typed = typed
        self.accepts = accepts
        self.quote = typed[:1] if typed[:1] in ("`", '"', "'") else ""

    def item(
        self,
        label: str,
        kind: str,
        detail: str,
        doc: str,
        insert: str,
        sort: str | None = None,
        snippet: bool = False,
        filter_text: str | None = None,
    ) -> CompletionItem:
        return CompletionItem(label, kind, detail, doc, insert, self.start, self.end, snippet, sort, filter_text)

    def items(self) -> list[CompletionItem]:
        accepts = self.accepts
        out: list[CompletionItem] = []
        if accepts & NAME_STARTS:
            out += self.fields()
            if FUNC in accepts and not self.quote:
                out += self.aggregates()
            if not self.quote:
                out += self.clause_starts()
            return out
        if accepts == {WORD}:
            return self.types()
        if accepts & terminals.operator_starts():
            out += self.operators()
        if accepts & VALUE_STARTS:
            out += self.values()
        if not self.quote:
            out += self.connectives()
        return out

    # --- context ---------------------------------------------------------------------------------

    def clause(self) -> ClauseInfo | None:
        """The clause being written: the last one that starts before the word."""
        infos = self.analysis.clauses
        i = bisect_right([c.clause.start for c in infos], self.start - 1) - 1
        return infos[i] if i >= 0 else None

    def in_aggregate(self) -> bool:
        tokens = self.analysis.parsed.tokens
        i = bisect_right([t.start for t in tokens], self.start - 1) - 1
        return i >= 1 and tokens[i].kind == "LPAR" and tokens[i - 1].kind == FUNC

    def typed_after(self) -> bool:
        """A `:` already follows the word, so a field's type must not be inserted again."""
        rest = self.analysis.text[self.end :].lstrip()
        return rest.startswith(":")

    # --- families --------------------------------------------------------------------------------

    def fields(self) -> list[CompletionItem]:
        if self.quote in ('"', "'"):
            return []
        series_only = self.in_aggregate()
        append = not self.typed_after()
        out = []
        for info in self.schema.fields():
            types = info.types
            if series_only:
                if SERIES_TYPE not in types:
                    continue
                types = (SERIES_TYPE,)
            name = info.path
            if self.quote or not _BARE_NAME.fullmatch(name) or name.upper() in KEYWORDS:
                name = quote_name(name)
            insert = name + (":" + types[0] if append else "")
            group = "1" if info.system else "0"
            out.append(
                self.item(
                    info.path,
                    FIELD,
                    " | ".join(types),
                    _field_doc(info),
                    insert,
                    group + info.path,
                    filter_text=self.quote + info.path,
                )
            )
        return out

    def aggregates(self) -> list[CompletionItem]:
        # Renaming an existing call (`max|(…)`) keeps its argument: insert the name alone.
        renaming = self.analysis.text[self.end :].lstrip().startswith("(")
        return [
            self.item(
                a.name,
                AGGREGATE,
                signature(a.name),
                a.doc,
                a.name if renaming else f"{a.name}(${{1:field}}:{SERIES_TYPE})",
                "2" + a.name,
                snippet=not renaming,
            )
            for a in AGGREGATES.values()
        ]

    def clause_starts(self) -> list[CompletionItem]:
        out = []
        if NOT in self.accepts:
            out.append(self.item(NOT, KEYWORD, "negation", KEYWORDS[NOT], NOT + " ", "3" + NOT))
        if "LPAR" in self.accepts:
            out.append(self.item("(", KEYWORD, "group", "Parentheses group clauses.", "(", "3("))
        return out

    def types(self) -> list[CompletionItem]:
        clause = self.clause()
        known: str | None = None
        if self.in_aggregate() or (clause is not None and clause.clause.aggregate is not None):
            known = SERIES_TYPE
        elif clause is not None and clause.field is not None:
            known = clause.field.type
        out = []
        for name, info in TYPES.items():
            first = name == known
            out.append(
                self.item(
                    name, TYPE, "the field's type" if first else "type", info.doc, name, ("0" if first else "1") + name
                )
            )
        return out

    def operators(self) -> list[CompletionItem]:
        clause = self.clause()
        type_ = clause.type if clause is not None else None
        bare_series = type_ == SERIES_TYPE and clause is not None and clause.clause.aggregate is None
        out: list[CompletionItem] = []
        seen: set[str] = set()
        for n, (symbol, info) in enumerate(OPERATORS.items()):
            if type_ in TYPES and TYPES[type_].allows(symbol) is not Allowed.YES:
                continue
            if bare_series and info.family != EXISTS:
                continue
            if info.family == EXISTS and clause is not None and clause.clause.aggregate is not None:
                continue  # EXISTS tests the series itself, never an aggregate of it
            spelled = terminals.operator_terminals(symbol)
            label = symbol
            if spelled[0] not in self.accepts:
                if len(spelled) == 2 and spelled[1] in self.accepts and NOT not in self.accepts:
                    label = symbol.split()[1]  # after a typed NOT
                else:
                    continue
            if label in seen:
                continue
            seen.add(label)
            detail = f"{info.family} operator" + (f" on {type_}" if type_ else "")
            out.append(self.item(label, OPERATOR, detail, info.doc, label, f"{n:02d}"))
        clause = self.clause()
        if (
            "COLON" in self.accepts
            and clause is not None
            and not clause.type_written
            and clause.field is not None
            and not self.typed
        ):
            known = clause.field.type
            out.insert(
                0,
                self.item(
                    ":" + known, TYPE, "the field's type", TYPES[known].doc if known in TYPES else "", ":" + known, "!"
                ),
            )
        return out

    def values(self) -> list[CompletionItem]:
        clause = self.clause()
        if clause is None or clause.type not in TYPES:
            return []
        op = clause.op
        if op is not None and op in OPERATORS and OPERATORS[op].family in (EXISTS, MATCHES):
            return []
        kind = TYPES[clause.type].value_kind
        out: list[CompletionItem] = []
        if kind == "bool":
            out += [self.value(word, "bool", f"`{word}`", "0" + word) for word in BOOLEANS]
        elif kind == "state":
            for n, (state, meaning) in enumerate(RUN_STATES.items()):
                detail = "run state" if state == meaning else f"run state, same as `{meaning}`"
                out.append(self.value(state, detail, f"The run state `{state}`.", f"0{n}"))
        elif kind == "datetime":
            for n, rel in enumerate(_RELATIVE_EXAMPLES):
                amount, unit = int(rel[1:-1]), rel[-1]
                name = RELATIVE_UNITS[unit][0]
                ago = f"{amount} {name[:-1] if amount == 1 else name} ago"
                out.append(self.value(rel, ago, f"Relative time: the instant {ago}.", f"0{n}", quoted=True))
        info = clause.field
        stats = info.stats.get(clause.type) if info is not None else None
        if info is None or stats is None:
            return out
        if kind in ("number", "integer"):
            for label, seen in (("min", stats.minimum), ("max", stats.maximum), ("last", stats.last)):
                if seen is not None:
                    number = f"{seen:g}"
                    out.append(
                        self.value(
                            number,
                            f"{label} seen in runs",
                            f"The {label} value of `{info.path}` in the runs.",
                            f"2{label}",
                        )
                    )
        quoted = kind in ("string", "datetime")
        for n, (val, count) in enumerate(stats.common):
            out.append(
                self.value(val, f"in {count} runs", f"A common value of `{info.path}`.", f"1{n:04d}", quoted=quoted)
            )
        return out

    def value(self, text: str, detail: str, doc: str, sort: str, quoted: bool = False) -> CompletionItem:
        if self.quote == "'":
            quoted = True
        if quoted or self.quote or not _BARE_VALUE.fullmatch(text) or text.upper() in KEYWORDS:
            insert = quote_string(text)
        else:
            insert = text
        return self.item(text, VALUE, detail, doc, insert, sort, filter_text=self.quote + text)

    def connectives(self) -> list[CompletionItem]:
        out = []
        for n, kw in enumerate(terminals.CONNECTIVES):
            if kw in self.accepts:
                out.append(self.item(kw, KEYWORD, "connective", KEYWORDS[kw], kw, f"5{n}"))
        if "RPAR" in self.accepts:
            out.append(self.item(")", KEYWORD, "close the group", "Closes the parenthesised group.", ")", "52"))
        return out


def signature(aggregate: str) -> str:
    """``last(field: floatSeries) -> float``: how an aggregate is called and what it gives."""
    return f"{aggregate}(field: {SERIES_TYPE}) -> float"


def _field_doc(info: FieldInfo) -> str:
    types = ", ".join(f"`{t}`" for t in info.types)
    doc = f"`{info.path}`: {types}"
    if info.doc:
        doc += "\n\n" + info.doc
    return doc
