"""Hover: what the token under the cursor means, in Markdown, from the catalog, the schema and the values.

Explanations come from :mod:`catalog` (types, operators, aggregates, keywords) and the schema (a field's
types, description and the statistics learned from runs); values are read by :mod:`values`, so hover shows
exactly what the checker and evaluator understand: a datetime as its UTC instant, a relative time as the
instant it means now, a size as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.analysis.checker import ClauseInfo, value_text
from nql_lsp.completion import signature
from nql_lsp.language.catalog import (
    AGGREGATES,
    KEYWORDS,
    NON_QUERYABLE_TYPES,
    OPERATOR_SYNONYMS,
    OPERATORS,
    RUN_STATES,
    TYPE_SYNONYMS,
    TYPES,
    Allowed,
)
from nql_lsp.language.regex import regex_error
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, FieldStats, Schema
from nql_lsp.language.values import ValueProblem, read_bool, read_datetime, read_number, size_in_bytes
from nql_lsp.syntax import cursor
from nql_lsp.syntax.cursor import too_deep_gives
from nql_lsp.syntax.tree import Clause

SPARK = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True, slots=True)
class HoverInfo:
    markdown: str
    start: int
    end: int


@too_deep_gives(lambda: None)
def hover(
    analysis: Analysis, offset: int, schema: Schema = SYSTEM_SCHEMA, now: datetime | None = None
) -> HoverInfo | None:
    """The explanation of the token at ``offset``, or None where there is nothing to explain."""
    offset = max(0, min(offset, len(analysis.text)))
    role = cursor.role_at(analysis.tree, analysis.parsed.tokens, offset)
    if role is None:
        return None
    tok = role.token
    start, end = tok.start, tok.end
    node = role.node
    info = analysis.clause_info(node) if isinstance(node, Clause) else None
    kind = role.role
    if kind == cursor.NAME:
        path = info.path if info is not None else tok.text
        text = _field(path, schema.field(path), info)
    elif kind == cursor.TYPE:
        text = _type(tok.text)
    elif kind == cursor.COLON:
        text = (
            "`:` gives the field's type, which the clause compares as. Runs may hold one path with "
            "different types, so the type is part of what the clause matches."
        )
    elif kind in (cursor.FUNCTION, cursor.AGG_LPAR, cursor.AGG_RPAR):
        assert isinstance(node, Clause) and node.aggregate is not None
        agg = node.aggregate
        start, end = agg.start, agg.end
        text = _aggregate(agg.name)
    elif kind == cursor.OPERATOR:
        assert isinstance(node, Clause)
        start, end = node.operator.start, node.operator.end
        text = _operator(node.operator.op, info)
    elif kind == cursor.VALUE:
        assert isinstance(node, Clause) and node.value is not None
        text = _value(node, info, now or datetime.now(UTC))
    elif kind in (cursor.LOGICAL, cursor.NOT):
        word = tok.text.upper()
        text = f"**`{word}`** (keyword)\n\n{KEYWORDS[word]}"
    else:
        text = "**`( … )`** groups what it encloses, so that it is combined as one operand."
    return HoverInfo(text, start, end)


def _field(path: str, info: FieldInfo | None, clause: ClauseInfo | None) -> str:
    if info is None:
        written = f": `{clause.type}` as written" if clause is not None and clause.type else ""
        return f"**`{path}`** (field){written}\n\nNot in the schema: no known run has this field."
    lines = [f"**`{path}`** (field): " + ", ".join(f"`{t}`" for t in info.types)]
    if info.doc:
        lines += ["", info.doc]
    for type_, stats in info.stats.items():
        lines += ["", *_stats(type_, stats)]
    return "\n".join(lines)


def _stats(type_: str, stats: FieldStats) -> list[str]:
    out = [f"As `{type_}`" + (f" in {stats.runs:,} runs" if stats.runs else "") + ":"]
    numbers = [
        (label, v)
        for label, v in (("min", stats.minimum), ("max", stats.maximum), ("last", stats.last))
        if v is not None
    ]
    if numbers:
        out.append("- " + ", ".join(f"{label} {_num(v)}" for label, v in numbers))
    if stats.common:
        out.append("- common: " + ", ".join(f"`{v}` ({n:,})" for v, n in stats.common[:8]))
    if stats.shape:
        out.append("- shape: " + sparkline(stats.shape))
    return out


def sparkline(values: list[float]) -> str:
    """Values drawn with ▁▂▃▄▅▆▇█, lowest to highest; a flat series is drawn at mid height."""
    finite = [v for v in values if v == v and abs(v) != float("inf")]
    if not finite:
        return ""
    low, high = min(finite), max(finite)
    span = high - low
    out = []
    for v in finite:
        level = 3 if span == 0 else round((v - low) / span * (len(SPARK) - 1))
        out.append(SPARK[level])
    return "".join(out)


def _num(v: float) -> str:
    return f"{v:g}"


def _type(word: str) -> str:
    if word in TYPES:
        t = TYPES[word]
        ops = ", ".join(f"`{o}`" for o in t.allowed_operators())
        return f"**`{word}`** (type)\n\n{t.doc}\n\nOperators: {ops}\n\nExample: `` {t.example} ``"
    if word in TYPE_SYNONYMS:
        return f"**`{word}`**: accepted as `{TYPE_SYNONYMS[word]}`; write `{TYPE_SYNONYMS[word]}`."
    lower = {n.lower(): n for n in TYPES}
    if word.lower() in lower:
        return f"**`{word}`**: types are case-sensitive; write `{lower[word.lower()]}`."
    if word in NON_QUERYABLE_TYPES:
        return f"**`{word}`**: a Neptune type that queries cannot filter on."
    return f"**`{word}`**: not an NQL type. Types: " + ", ".join(f"`{t}`" for t in TYPES)


def _aggregate(name: str) -> str:
    if name not in AGGREGATES:
        return f"**`{name}`**: not an aggregate. Aggregates: " + ", ".join(f"`{a}`" for a in AGGREGATES)
    return f"**`{name}`** (aggregate)\n\n```\n{signature(name)}\n```\n\n{AGGREGATES[name].doc}"


def _operator(op: str, info: ClauseInfo | None) -> str:
    canonical = OPERATOR_SYNONYMS.get(op, op)
    if canonical not in OPERATORS:
        return f"**`{op}`**"
    doc = OPERATORS[canonical].doc
    types = [name for name, t in TYPES.items() if t.allows(canonical) is Allowed.YES]
    text = f"**`{canonical}`** (operator)\n\n{doc}\n\nApplies to: " + ", ".join(f"`{t}`" for t in types)
    if info is not None and info.type in TYPES and TYPES[info.type].allows(canonical) is Allowed.NO:
        text += f"\n\nNot allowed on `{info.type}`."
    return text


def _value(clause: Clause, info: ClauseInfo | None, now: datetime) -> str:
    assert clause.value is not None
    raw = value_text(clause.value)
    head = f"**`{raw}`** (value)"
    type_ = info.type if info is not None else None
    op = info.op if info is not None else None
    lines = [head]
    if op in ("MATCHES", "NOT MATCHES"):
        error = regex_error(raw)
        lines.append(
            "RE2 regular expression, searched anywhere in the string."
            if error is None
            else f"Invalid RE2 regex: {error}"
        )
        return "\n\n".join(lines)
    kind = TYPES[type_].value_kind if type_ in TYPES else None
    try:
        if kind == "datetime":
            value = read_datetime(raw)
            if value.relative is not None:
                moment = value.relative.resolve(now.astimezone(UTC))
                lines.append(f"{value.relative.describe()}: now that is {_utc(moment)}")
            elif value.instant is not None:
                lines.append(f"The instant {_utc(value.instant)}")
            lines += [w.message for w in value.warnings]
        elif kind in ("number", "integer"):
            size = size_in_bytes(raw)
            if size is not None:
                lines.append(f"{size:,.0f} bytes (decimal units: 1 KB = 1,000 bytes, 1 MB = 1,000,000 bytes)")
            else:
                lines.append(f"The number {_num(read_number(raw))}")
        elif kind == "bool":
            lines.append(f"The boolean `{str(read_bool(raw)).lower()}`")
        elif kind == "state":
            state = RUN_STATES.get(raw.strip().lower())
            lines.append(
                f"The run state `{state}`"
                if state
                else "Not a run state: use " + ", ".join(f"`{s}`" for s in RUN_STATES)
            )
        elif type_ is not None:
            lines.append(f"A `{type_}` value")
    except ValueProblem as problem:
        lines.append(problem.message)
    return "\n\n".join(lines)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
