"""NQL to neptune-query ``Filter`` code: the Python expression that renders to the same query.

neptune-query renders a ``Filter`` to NQL itself (``str(filter)``), so the code produced here is judged by
what it renders to: every value goes to the service as a quoted string, every child of ``&``/``|`` in
parentheses, ``Filter.matches`` through neptune-query's extended-regex mini-language. The conversion
refuses, with a :class:`~nql_lsp.features.convert.problems.Problem`, what the public API cannot say rather
than emitting a filter that means something else: aggregates other than ``last``, and the types
``Attribute`` has no name for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nql_lsp.analysis.analyze import Analysis, analyze
from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.diagnostics import Severity
from nql_lsp.features.convert.problems import Problem, query_errors
from nql_lsp.language.catalog import SERIES_TYPE, TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.language.values import ValueProblem, decode_quoted, read_bool, read_integer, read_number, size_in_bytes
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not


def filter_types() -> dict[str, str]:
    """neptune-query's name (``Attribute(type=...)``) for each NQL type it can name; the others it cannot."""
    return {name: info.neptune_query for name, info in TYPES.items() if info.neptune_query is not None}


#: The comparison each ``Filter`` static method makes (NOT CONTAINS is ``contains_none``).
_METHODS: dict[str, str] = {
    "=": "eq",
    "!=": "ne",
    ">": "gt",
    ">=": "ge",
    "<": "lt",
    "<=": "le",
    "CONTAINS": "contains_all",
    "NOT CONTAINS": "contains_none",
    "MATCHES": "matches",
    "NOT MATCHES": "matches",
    "EXISTS": "exists",
    "NOT EXISTS": "exists",
}

#: Characters neptune-query's extended-regex parser splits or strips on.
_REGEX_SPACE = " \t\r\n"

IMPORT_LINE = "from neptune_query.filters import {names}"


@dataclass(frozen=True, slots=True)
class FilterCode:
    """The converted expression and what it needs, or the problems that stopped it."""

    expression: str | None
    names: tuple[str, ...] = ()  # the names to import from neptune_query.filters
    problems: tuple[Problem, ...] = field(default=())

    @property
    def import_line(self) -> str:
        return IMPORT_LINE.format(names=", ".join(self.names)) if self.names else ""

    @property
    def code(self) -> str | None:
        """A self-contained snippet: the import and the expression bound to ``query``."""
        if self.expression is None:
            return None
        return f"{self.import_line}\n\nquery = {self.expression}\n"


# --- a small Python expression tree, for precedence and line breaking ------------------------------

# Python precedence, loosest first: `|` < `&` < `~` < a call.
_OR, _AND, _INVERT, _ATOM = 0, 1, 2, 3


@dataclass(slots=True)
class _Py:
    level: int
    text: str = ""  # a call (or ~call); empty for a chain
    op: str = ""  # "&" or "|" for a chain, "~" for an inversion of a chain
    parts: list[_Py] = field(default_factory=list)

    def flat(self) -> str:
        if self.text:
            return self.text
        if self.op == "~":
            return "~" + self.parts[0].wrapped()
        return f" {self.op} ".join(p.inside(self.level) for p in self.parts)

    def wrapped(self) -> str:
        return self.flat() if self.level >= _INVERT else f"({self.flat()})"

    def inside(self, level: int) -> str:
        # An `&` chain inside `|` needs no parentheses in Python; they are written for the reader.
        return self.flat() if self.level >= _INVERT else f"({self.flat()})"


def _layout(node: _Py, indent: int, width: int, prefix: str = "", parens: bool = False) -> list[str]:
    """Lines of ``prefix + node``; a chain too long for one line puts each operand on a line of its own."""
    pad = " " * indent
    one = f"({node.flat()})" if parens else node.flat()
    if not node.parts or len(pad) + len(prefix) + len(one) <= width:
        return [pad + prefix + one]
    if node.op == "~":
        return _layout(node.parts[0], indent, width, prefix + "~", parens=True)
    lines = [pad + prefix + "("]
    for i, part in enumerate(node.parts):
        inner_parens = part.level < _INVERT
        lines += _layout(part, indent + 4, width, "" if i == 0 else f"{node.op} ", inner_parens)
    lines.append(pad + ")")
    return lines


# --- conversion ------------------------------------------------------------------------------------


def to_filter(text: str, schema: Schema = SYSTEM_SCHEMA, *, width: int = 88) -> FilterCode:
    """The neptune-query ``Filter`` expression for the query ``text``. Never raises."""
    return filter_of(analyze(text, schema), width=width)


def filter_of(analysis: Analysis, *, width: int = 88) -> FilterCode:
    """As :func:`to_filter`, for a query already analysed."""
    errors = query_errors(analysis)
    if errors:
        return FilterCode(None, problems=tuple(errors))
    expr = analysis.tree.expr
    if expr is None:
        message = "an empty query matches every run; neptune-query has no filter for that: pass none"
        return FilterCode(None, problems=(Problem("CNV002", Severity.ERROR, message, 0, len(analysis.text)),))
    converter = _Converter(analysis)
    node = converter.expr(expr)
    problems = tuple(converter.problems)
    if any(p.blocking for p in problems):
        return FilterCode(None, problems=problems)
    lines = _layout(node, 0, width - len("query = "))
    names = tuple(n for n in ("Attribute", "Filter") if n in converter.names)
    return FilterCode("\n".join(lines), names, problems)


class _Converter:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.problems: list[Problem] = []
        self.names: set[str] = {"Filter"}

    def expr(self, node: Expr) -> _Py:
        if isinstance(node, Group):
            return self.expr(node.expr)
        if isinstance(node, Not):
            inner = self.expr(node.operand)
            if inner.text:
                return _Py(_INVERT, "~" + inner.wrapped())
            return _Py(_INVERT, op="~", parts=[inner])
        if isinstance(node, Logical):
            parts = [self.expr(o) for o in node.operands]
            return _Py(_AND if node.op == "AND" else _OR, op="&" if node.op == "AND" else "|", parts=parts)
        return self.clause(node)

    def problem(self, code: str, message: str, node: Clause, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(code, severity, message, node.start, node.end))

    def clause(self, clause: Clause) -> _Py:
        info = self.analysis.clause_info(clause)
        placeholder = _Py(_ATOM, "...")
        if info is None or info.op is None:
            self.problem("CNV001", "the clause is incomplete", clause)
            return placeholder
        attribute = self.attribute(clause, info)
        if attribute is None:
            return placeholder
        op = info.op
        method = _METHODS[op]
        if op in ("EXISTS", "NOT EXISTS"):
            call = f"Filter.exists({attribute})"
        else:
            value = self.value(clause, info)
            if value is None:
                return placeholder
            call = f"Filter.{method}({attribute}, {value})"
        negated = op in ("NOT MATCHES", "NOT EXISTS")
        return _Py(_INVERT, "~" + call) if negated else _Py(_ATOM, call)

    def attribute(self, clause: Clause, info: ClauseInfo) -> str | None:
        path = info.path
        rendered = decode_quoted("`" + path + "`", "`")
        if "`" in path or not rendered.closed or rendered.value != path:
            self.problem(
                "CNV103",
                f"neptune-query writes names inside backquotes without escaping: `{path}` would change",
                clause,
            )
            return None
        aggregate = clause.aggregate
        type_: str | None = None
        if aggregate is not None:
            if info.aggregate != "last":
                self.problem(
                    "CNV101",
                    f"`{aggregate.name}(...)` has no equivalent: neptune-query's Attribute has no aggregation",
                    clause,
                )
                return None
            self.problem(
                "CNV105",
                "`last(...)` is written as the bare series; the service compares a bare series by its last value",
                clause,
                Severity.INFORMATION,
            )
            type_ = SERIES_TYPE
        elif info.type_written:
            type_ = info.type
        if type_ is None:
            return _py_string(path)
        known = TYPES.get(type_)
        name = known.neptune_query if known is not None else None
        if name is None:
            self.problem("CNV102", f"neptune-query's Attribute has no type for `{type_}`", clause)
            return None
        self.names.add("Attribute")
        return f"Attribute({_py_string(path)}, type={_py_string(name)})"

    def value(self, clause: Clause, info: ClauseInfo) -> str | None:
        text = info.value
        if text is None:
            self.problem("CNV001", "the clause has no value", clause)
            return None
        op = info.op or ""
        if op in ("MATCHES", "NOT MATCHES"):
            protected = protect_pattern(text)
            if protected is None:
                self.problem(
                    "CNV104",
                    "the pattern holds `\\Q`, inside which neptune-query's extended-regex rewriting changes it",
                    clause,
                )
                return None
            return _py_string(protected)
        if op in ("CONTAINS", "NOT CONTAINS") or info.type is None:
            return _py_string(text)
        return _typed_literal(TYPES[info.type].value_kind, text)


def _typed_literal(kind: str, text: str) -> str:
    """A Python literal that neptune-query renders to a value NQL reads as ``text`` reads."""
    try:
        if kind == "number" and size_in_bytes(text) is None:
            number = read_number(text)
            return repr(int(number)) if text.strip().lstrip("+-").isdigit() else repr(number)
        if kind == "integer" and size_in_bytes(text) is None:
            return repr(read_integer(text))
        if kind == "bool":
            return repr(read_bool(text))
    except ValueProblem:
        pass
    return _py_string(text)


def protect_pattern(pattern: str) -> str | None:
    r"""``pattern`` rewritten so that ``Filter.matches`` passes it to NQL as one equivalent RE2 regex.

    neptune-query splits a pattern on whitespace-surrounded ``|`` and ``&``, reads a leading ``!`` as
    negation, strips surrounding whitespace, then turns ``\x20`` and ``\x21`` back into `` `` and ``!``.
    Writing every whitespace character as a hex escape leaves it nothing to split or strip; a literal
    backslash is written ``\x5c`` so that no ``\\x20`` can be mistaken for an escape. Inside ``\Q...\E``
    escapes are not read, so such a pattern cannot be protected (None).
    """
    if "\\Q" in pattern:
        return None
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            if nxt == "\\":
                out.append("\\x5c")
            elif nxt in _REGEX_SPACE:
                out.append(f"\\x{ord(nxt):02x}")
            else:
                out.append(ch + nxt)
            i += 2
            continue
        if ch in _REGEX_SPACE:
            out.append(f"\\x{ord(ch):02x}")
        elif ch == "!" and i == 0:
            out.append("\\x21")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _py_string(value: str) -> str:
    """A Python string literal: raw when it holds backslashes, double-quoted where that costs no escapes."""
    if "\\" in value and '"' not in value and not value.endswith("\\") and value.isprintable():
        return 'r"' + value + '"'  # a regex reads best raw
    r = repr(value)
    if r.startswith("'") and '"' not in value and "'" not in value:
        return '"' + r[1:-1] + '"'
    return r
