"""The query's shape for an editor: semantic tokens, folding, selection ranges, symbols, signature help.

All are read off the syntax tree (through :mod:`cursor`'s token roles), in code-point offsets; a surface
converts them to lines and UTF-16 columns. Token types and modifiers use names from the standard LSP
legend so any client colours them without configuration.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.completion import signature
from nql_lsp.features.printer import flat
from nql_lsp.features.tokens import TOKEN_MODIFIERS, TOKEN_TYPES
from nql_lsp.language.catalog import AGGREGATES, MATCHES, OPERATORS, RUN_STATES, SERIES_TYPE, TYPE_SYNONYMS
from nql_lsp.language.values import ValueProblem, read_bool, read_number
from nql_lsp.syntax import cursor
from nql_lsp.syntax.cursor import too_deep_gives
from nql_lsp.syntax.terminals import SINGLE_QUOTED, WORD
from nql_lsp.syntax.tree import Aggregate, Clause, Expr, Group, Logical, Not, sub_exprs

__all__ = [
    "TOKEN_MODIFIERS",
    "TOKEN_TYPES",
    "SemanticToken",
    "SignatureInfo",
    "Symbol",
    "document_symbols",
    "folding_ranges",
    "selection_ranges",
    "semantic_tokens",
    "signature_help",
]


@dataclass(frozen=True, slots=True)
class SemanticToken:
    start: int
    end: int
    type: str  # one of TOKEN_TYPES
    modifiers: tuple[str, ...] = ()  # from TOKEN_MODIFIERS


@dataclass(slots=True)
class Symbol:
    """A document symbol; ``kind`` is a lower-case LSP SymbolKind name (``field``, ``struct``, ``operator``)."""

    name: str
    detail: str
    kind: str
    start: int
    end: int
    selection_start: int
    selection_end: int
    children: list[Symbol] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SignatureInfo:
    """``label`` such as ``last(field: floatSeries) -> float``; ``parameters`` are label offsets."""

    label: str
    documentation: str
    parameters: tuple[tuple[int, int], ...]
    active_parameter: int | None


@too_deep_gives(list)
def semantic_tokens(analysis: Analysis) -> list[SemanticToken]:
    """One token per real token the tree places, sorted; parentheses and `:` carry no colour."""
    out = []
    for role in cursor.all_roles(analysis.tree):
        made = _classify(analysis, role)
        if made is not None:
            out.append(made)
    out.sort(key=lambda t: t.start)
    return out


def _classify(analysis: Analysis, role: cursor.Role) -> SemanticToken | None:
    tok, kind, node = role.token, role.role, role.node
    mods: tuple[str, ...] = ()
    if kind in (cursor.LOGICAL, cursor.NOT):
        type_ = "keyword"
    elif kind == cursor.OPERATOR:
        type_ = "operator"
        mods = ("deprecated",) if tok.text == "==" else ()
    elif kind == cursor.NAME:
        type_ = "property"
        path = tok.text.strip("`")
        mods = ("defaultLibrary",) if path.startswith("sys/") else ()
    elif kind == cursor.TYPE:
        type_ = "type"
        mods = ("deprecated",) if tok.text in TYPE_SYNONYMS else ()
    elif kind == cursor.FUNCTION:
        type_ = "function"
        mods = ("defaultLibrary",) if tok.text.lower() in AGGREGATES else ()
    elif kind == cursor.VALUE:
        assert isinstance(node, Clause)
        type_, mods = _value_kind(analysis, node, tok.kind, tok.text)
    else:
        return None
    return SemanticToken(tok.start, tok.end, type_, mods)


def _value_kind(analysis: Analysis, clause: Clause, kind: str, text: str) -> tuple[str, tuple[str, ...]]:
    op = clause.operator.op if not clause.operator.missing else None
    if op in OPERATORS and OPERATORS[op].family == MATCHES:
        return "regexp", ()
    if kind in SINGLE_QUOTED:
        return "string", ("deprecated",)
    if kind != WORD:
        return "string", ()
    try:
        read_number(text)
        return "number", ()
    except ValueProblem:
        pass
    try:
        read_bool(text)
        return "enumMember", ()
    except ValueProblem:
        pass
    if text.lower() in RUN_STATES:
        return "enumMember", ()
    return "string", ()


@too_deep_gives(list)
def folding_ranges(analysis: Analysis) -> list[tuple[int, int]]:
    """``(start, end)`` of every group and ``NOT (…)`` that spans lines, outermost first."""
    text = analysis.text
    out = []
    stack: list[Expr] = [analysis.tree.expr] if analysis.tree.expr is not None else []
    while stack:
        node = stack.pop()
        if isinstance(node, Group) and "\n" in text[node.start : node.end] and not node.rpar.missing:
            out.append((node.start, node.end))
        stack.extend(reversed(sub_exprs(node)))
    return out


#: The most ranges around one offset: the innermost ones, then the whole query. Nobody expands a selection
#: by hand through thousands of ``NOT`` s, and an editor is sent the chain as nested objects.
SELECTION_DEPTH = 100


@too_deep_gives(list)
def selection_ranges(analysis: Analysis, offset: int) -> list[tuple[int, int]]:
    """Ranges around ``offset``, innermost first: token, field/operator part, clause, groups, query
    (at most :data:`SELECTION_DEPTH`)."""
    text = analysis.text
    offset = max(0, min(offset, len(text)))
    ranges: list[tuple[int, int]] = []
    tree = analysis.tree
    tok = cursor.token_at(analysis.parsed.tokens, offset)
    if tok is not None:
        ranges.append((tok.start, tok.end))
    pos = tok.start if tok is not None else offset
    path = cursor.expr_path(tree, pos)
    for node in reversed(path):
        if len(ranges) >= SELECTION_DEPTH:
            break
        if isinstance(node, Clause):
            for part in (node.field, node.lhs):
                if part.start <= pos < part.end:
                    ranges.append((part.start, part.end))
        ranges.append((node.start, node.end))
    ranges = ranges[: SELECTION_DEPTH - 1]
    ranges.append((0, len(text)))
    out: list[tuple[int, int]] = []
    for r in ranges:
        if (not out or r != out[-1]) and (not out or (r[0] <= out[-1][0] and out[-1][1] <= r[1])):
            out.append(r)
    return out


@too_deep_gives(list)
def document_symbols(analysis: Analysis) -> list[Symbol]:
    """One symbol per top-level clause (an operand of the outermost AND/OR), groups with children."""
    expr = analysis.tree.expr
    if expr is None:
        return []
    operands = expr.operands if isinstance(expr, Logical) else [expr]
    return [_symbol(o) for o in operands]


def _symbol(node: Expr) -> Symbol:
    if isinstance(node, Clause):
        fld = node.field
        name = fld.name.path or fld.name.token.text
        agg = node.aggregate
        if isinstance(agg, Aggregate):
            name = f"{agg.name}({name})"
        detail = flat(node)
        return Symbol(name, detail, "field", node.start, node.end, fld.name.start, fld.name.end)
    if isinstance(node, Not):
        inner = _symbol(node.operand)
        return Symbol(
            "NOT " + inner.name,
            inner.detail,
            "operator",
            node.start,
            node.end,
            node.keyword.start,
            node.keyword.end,
            [inner],
        )
    if isinstance(node, Group) and isinstance(node.expr, (Clause, Group)):
        # `(a = 1)` at the top level is still one clause: name it, but cover the parentheses.
        inner = _symbol(node.expr)
        inner.start, inner.end = node.start, node.end
        return inner
    if isinstance(node, Group):
        inner_expr = node.expr
        operands = inner_expr.operands if isinstance(inner_expr, Logical) else [inner_expr]
        children = [_symbol(o) for o in operands]
        label = f"{inner_expr.op} of {len(operands)}" if isinstance(inner_expr, Logical) else "NOT"
        return Symbol(
            f"({label})", _short(flat(node)), "struct", node.start, node.end, node.lpar.start, node.lpar.end, children
        )
    assert isinstance(node, Logical)
    children = [_symbol(o) for o in node.operands]
    kw = node.keywords[0] if node.keywords else None
    sel = (kw.start, kw.end) if kw is not None else (node.start, node.start)
    return Symbol(node.op, _short(flat(node)), "struct", node.start, node.end, sel[0], sel[1], children)


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


@too_deep_gives(lambda: None)
def signature_help(analysis: Analysis, offset: int) -> SignatureInfo | None:
    """Inside an aggregate's parentheses: its signature, with the one parameter active."""
    offset = max(0, min(offset, len(analysis.text)))
    for clause in analysis.tree.clauses():
        agg = clause.aggregate
        if agg is None or agg.lpar.missing:
            continue
        close = agg.rpar.start if not agg.rpar.missing else max(agg.field.end, agg.lpar.end)
        if agg.lpar.end <= offset <= close:
            name = agg.name
            label = signature(name) if name in AGGREGATES else f"{name}(field: {SERIES_TYPE}) -> float"
            doc = AGGREGATES[name].doc if name in AGGREGATES else "Not an NQL aggregate."
            param_start = label.index("(") + 1
            return SignatureInfo(label, doc, ((param_start, label.index(")")),), 0)
        if agg.start > offset:
            break
    return None
