"""A neptune-query ``Filter`` expression in Python source to the NQL it renders to.

The user's code is read with :mod:`ast`, never imported or run: only literals, ``Filter``/``Attribute``
calls, ``&``, ``|``, ``~`` and names bound to such expressions by a plain assignment are understood.
The rendering follows neptune-query's own (``Filter.__str__``): values always quoted strings (``"0.5"``,
``"True"``), ``==`` for equality, each child of AND/OR in parentheses, ``NOT (...)``, and ``matches``
patterns split by its extended-regex mini-language (``a & !b | c``). The result is then canonicalised
by the formatter, so it reads as any other query in the project.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timezone

from nql_lsp.analysis.analyze import analyze
from nql_lsp.diagnostics import Severity
from nql_lsp.features.convert.problems import Problem
from nql_lsp.features.printer import format_query
from nql_lsp.language.catalog import NEPTUNE_QUERY_NON_QUERYABLE, TYPES
from nql_lsp.language.values import quote_string
from nql_lsp.sources.python import parse_python


def rendered_types() -> dict[str, str]:
    """neptune-query's Python type names and the NQL type each renders as (``Attribute.type``)."""
    named = {info.neptune_query: name for name, info in TYPES.items() if info.neptune_query is not None}
    return {**named, **NEPTUNE_QUERY_NON_QUERYABLE}


_COMPARISONS = {"eq": "==", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}
_FILTER_METHODS = frozenset({*_COMPARISONS, "matches", "contains_all", "contains_none", "exists", "name"})

# neptune-query's extended-regex syntax (internal/pattern.py): whitespace-surrounded `|` and `&`, a leading `!`.
_WS = r"[ \t\r\n]"
_OR_SPLIT = re.compile(rf"{_WS}+\|{_WS}+")
_AND_SPLIT = re.compile(rf"{_WS}+&{_WS}+")
_NOT_PREFIX = re.compile(rf"!{_WS}*")
_UNESCAPES = {r"\x20": " ", r"\x21": "!"}

_MAX_DEPTH = 200


@dataclass(frozen=True, slots=True)
class NqlText:
    """The NQL a Filter expression renders to (canonical, and as neptune-query writes it), or problems.

    ``start``/``end`` are the expression's offsets in the source (code points), for a surface that
    replaces it.
    """

    query: str | None
    rendered: str | None = None
    start: int = 0
    end: int = 0
    problems: tuple[Problem, ...] = field(default=())

    @property
    def python_literal(self) -> str | None:
        """The query as a Python string literal, to replace the expression with (triple-quoted when long)."""
        if self.query is None:
            return None
        if "\n" not in self.query:
            return repr(self.query)  # single quotes when the query holds double ones
        body = self.query.replace("\\", "\\\\")
        if "'" not in body:
            return "'''" + body + "'''"
        return '"""' + body.replace('"', '\\"') + '"""'


@dataclass(frozen=True, slots=True)
class _Node:
    """A rendered filter: a clause's text, or AND/OR of children, or NOT of one."""

    op: str  # "AND", "OR", "NOT", or "" for a clause
    children: tuple[_Node, ...] = ()
    text: str = ""

    def exact(self) -> str:
        """As neptune-query writes it: every child of AND/OR and NOT in parentheses."""
        if not self.op:
            return self.text
        if self.op == "NOT":
            return f"NOT ({self.children[0].exact()})"
        return f" {self.op} ".join(f"({c.exact()})" for c in self.children)

    def simple(self) -> str:
        """The same query with one-child chains dropped and nested chains of one operator merged."""
        node = self.collapsed()
        if not node.op:
            return node.text
        if node.op == "NOT":
            return f"NOT ({node.children[0].simple()})"
        flat: list[_Node] = []
        stack = [c.collapsed() for c in reversed(node.children)]
        while stack:
            child = stack.pop()
            if child.op == node.op:
                stack.extend(c.collapsed() for c in reversed(child.children))
            else:
                flat.append(child)
        return f" {node.op} ".join(f"({c.simple()})" for c in flat)

    def collapsed(self) -> _Node:
        node = self
        while node.op in ("AND", "OR") and len(node.children) == 1:
            node = node.children[0]
        return node


class _Unreadable(Exception):
    def __init__(self, code: str, message: str, node: ast.AST | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.node = node


def from_filter(source: str, start: int | None = None, end: int | None = None) -> NqlText:
    """The NQL of the Filter expression in ``source`` enclosing ``[start, end)`` (code points).

    Without a range the source is one expression, or code whose last statement holds one (``x = ...``
    or a bare expression). Of the Filter expressions enclosing the range the outermost is taken, so a
    range inside ``a & b`` converts the whole chain. Never raises.
    """
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError) as error:
        offset = _syntax_offset(source, error)
        return NqlText(
            None, problems=(Problem("CNV201", Severity.ERROR, f"not valid Python: {error}", offset, offset),)
        )
    lines = _LineOffsets(source)
    reader = _Reader(tree, lines)
    node = reader.locate(start, end)
    if node is None:
        where = (start or 0, end if end is not None else len(source))
        return NqlText(None, problems=(Problem("CNV202", Severity.ERROR, "no Filter expression here", *where),))
    span = lines.span(node)
    try:
        tree_ = reader.filter(node, 0)
    except _Unreadable as why:
        at = lines.span(why.node) if why.node is not None else span
        return NqlText(None, None, *span, problems=(Problem(why.code, Severity.ERROR, why.message, *at),))
    except RecursionError:
        message = "the expression nests too deeply to read"
        return NqlText(None, None, *span, problems=(Problem("CNV203", Severity.ERROR, message, *span),))
    rendered = tree_.exact()
    canonical = format_query(tree_.simple())
    problems = [
        Problem("CNV205", Severity.WARNING, f"{d.code}: {d.message}", *span)
        for d in analyze(rendered).diagnostics
        if d.severity is Severity.ERROR
    ]
    return NqlText(canonical if canonical is not None else rendered, rendered, *span, problems=tuple(problems))


def find_filters(source: str) -> list[NqlText]:
    """Every outermost Filter expression written in ``source`` (not names bound to one), converted.

    For a whole-file conversion; a Python syntax error is one problem, as from :func:`from_filter`.
    """
    try:
        tree = parse_python(source)
    except (SyntaxError, ValueError):
        return [from_filter(source, 0)]
    lines = _LineOffsets(source)
    reader = _Reader(tree, lines)
    spans: list[tuple[int, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and not isinstance(node, ast.Name) and reader.is_filter(node):
            lo, hi = lines.span(node)
            spans.append((lo, hi))
    outermost = [s for s in spans if not any(o != s and o[0] <= s[0] and s[1] <= o[1] for o in spans)]
    return [from_filter(source, lo, hi) for lo, hi in sorted(set(outermost))]


def _syntax_offset(source: str, error: Exception) -> int:
    if isinstance(error, SyntaxError) and error.lineno is not None:
        return _LineOffsets(source).offset(error.lineno, max(0, (error.offset or 1) - 1), chars=True)
    return 0


class _LineOffsets:
    """ast positions (1-based lines, UTF-8 byte columns) to code-point offsets into the source."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True) or [""]
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def offset(self, lineno: int, col: int, chars: bool = False) -> int:
        index = min(max(lineno - 1, 0), len(self.lines) - 1)
        line = self.lines[index]
        column = col if chars else len(line.encode("utf-8")[:col].decode("utf-8", errors="ignore"))
        return self.starts[index] + column

    def span(self, node: ast.AST) -> tuple[int, int]:
        line: int = getattr(node, "lineno", 1)
        start = self.offset(line, getattr(node, "col_offset", 0))
        end_line: int = getattr(node, "end_lineno", None) or line
        end_col: int | None = getattr(node, "end_col_offset", None)
        end = self.offset(end_line, end_col) if end_col is not None else start
        return start, end


def _dotted_tail(node: ast.expr) -> str:
    """``Filter`` for ``Filter``, ``filters.Filter`` and ``nq.filters.Filter`` alike."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _filter_method(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and _dotted_tail(node.func.value) == "Filter"
        and node.func.attr in _FILTER_METHODS
    ):
        return node.func.attr
    return None


class _Reader:
    def __init__(self, tree: ast.Module, lines: _LineOffsets) -> None:
        self.tree = tree
        self.lines = lines
        # Plain assignments `name = expr`, in source order: a name reads as its last binding before use.
        self.bindings: dict[str, list[ast.Assign]] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                self.bindings.setdefault(node.targets[0].id, []).append(node)
        for assigns in self.bindings.values():
            assigns.sort(key=lambda a: (a.lineno, a.col_offset))

    # --- finding the expression -------------------------------------------------------------------

    def is_filter(self, node: ast.AST, depth: int = 0) -> bool:
        if depth > _MAX_DEPTH:
            return False
        if _filter_method(node) is not None:
            return True
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.BitOr):
            return self.is_filter(node.left, depth + 1) or self.is_filter(node.right, depth + 1)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return self.is_filter(node.operand, depth + 1)
        if isinstance(node, ast.Name):
            bound = self.binding(node)
            return bound is not None and self.is_filter(bound, depth + 1)
        return False

    def locate(self, start: int | None, end: int | None) -> ast.expr | None:
        if start is None:
            body = self.tree.body
            if not body:
                return None
            last = body[-1]
            value = last.value if isinstance(last, ast.Expr | ast.Assign) else None
            return value if value is not None and self.is_filter(value) else None
        stop = start if end is None else end
        best: ast.expr | None = None
        best_size = -1
        for node in ast.walk(self.tree):
            if not isinstance(node, ast.expr) or (isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load)):
                continue
            lo, hi = self.lines.span(node)
            if lo <= start and stop <= hi and hi - lo > best_size and self.is_filter(node):
                best, best_size = node, hi - lo
        return best

    def binding(self, name: ast.Name) -> ast.expr | None:
        position = (name.lineno, name.col_offset)
        before = [a for a in self.bindings.get(name.id, []) if (a.lineno, a.col_offset) < position]
        return before[-1].value if before else None

    # --- rendering, as neptune-query does ---------------------------------------------------------

    def filter(self, node: ast.expr, depth: int) -> _Node:
        if depth > _MAX_DEPTH:
            raise _Unreadable("CNV203", "the expression nests too deeply to read", node)
        if isinstance(node, ast.Name):
            bound = self.binding(node)
            if bound is None:
                raise _Unreadable("CNV203", f"`{node.id}` is not bound to a Filter by an assignment above", node)
            return self.filter(bound, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.BitOr):
            keyword = "AND" if isinstance(node.op, ast.BitAnd) else "OR"
            left, right = self.filter(node.left, depth + 1), self.filter(node.right, depth + 1)
            return _Node(keyword, (left, right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Invert):
            return _Node("NOT", (self.filter(node.operand, depth + 1),))
        method = _filter_method(node)
        if method is None or not isinstance(node, ast.Call):
            raise _Unreadable("CNV203", "not a Filter expression that can be read without running the code", node)
        return self.call(method, node, depth)

    def arguments(self, call: ast.Call, names: tuple[str, ...]) -> list[ast.expr]:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise _Unreadable("CNV203", "`*` and `**` arguments cannot be read without running the code", call)
        given: dict[str, ast.expr] = dict(zip(names, call.args, strict=False))
        if len(call.args) > len(names):
            raise _Unreadable("CNV204", "too many arguments", call)
        for keyword in call.keywords:
            if keyword.arg not in names or keyword.arg in given:
                raise _Unreadable("CNV204", f"unexpected argument `{keyword.arg}`", keyword.value)
            given[keyword.arg] = keyword.value
        missing = [n for n in names if n not in given]
        if missing:
            raise _Unreadable("CNV204", f"missing argument `{missing[0]}`", call)
        return [given[n] for n in names]

    def call(self, method: str, call: ast.Call, depth: int) -> _Node:
        if method == "name":
            (names,) = self.arguments(call, ("name",))
            value = self.literal(names, depth)
            attribute = "`sys/name`:string"
            if isinstance(value, str):
                return _matches(attribute, value)
            strings = self.string_list(value, names)
            if not strings:
                raise _Unreadable("CNV204", "neptune-query refuses an empty list of names", names)
            return _Node("OR", tuple(_clause(f"{attribute} == {_quoted(n)}") for n in strings))
        if method == "exists":
            (attr,) = self.arguments(call, ("attribute",))
            return _clause(f"{self.attribute(attr, depth)} EXISTS")
        if method in _COMPARISONS:
            attr, value_node = self.arguments(call, ("attribute", "value"))
            value = self.literal(value_node, depth)
            if value is None or isinstance(value, list):
                raise _Unreadable(
                    "CNV204", "a comparison takes one value: a number, string, bool or datetime", value_node
                )
            return _clause(f"{self.attribute(attr, depth)} {_COMPARISONS[method]} {_quoted(value)}")
        if method == "matches":
            attr, pattern_node = self.arguments(call, ("attribute", "pattern"))
            pattern = self.literal(pattern_node, depth)
            if not isinstance(pattern, str):
                raise _Unreadable("CNV204", "a pattern is a string", pattern_node)
            return _matches(self.attribute(attr, depth), pattern)
        # contains_all / contains_none
        attr, values_node = self.arguments(call, ("attribute", "values"))
        values = self.literal(values_node, depth)
        strings = [values] if isinstance(values, str) else self.string_list(values, values_node)
        if not strings:
            raise _Unreadable("CNV204", f"neptune-query refuses `{method}` with an empty list", values_node)
        operator = "CONTAINS" if method == "contains_all" else "NOT CONTAINS"
        rendered = self.attribute(attr, depth)
        return _Node("AND", tuple(_clause(f"{rendered} {operator} {_quoted(v)}") for v in strings))

    def string_list(self, value: object, node: ast.expr) -> list[str]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return [v for v in value if isinstance(v, str)]
        raise _Unreadable("CNV204", "expected a string or a list of strings", node)

    def attribute(self, node: ast.expr, depth: int) -> str:
        if isinstance(node, ast.Name):
            bound = self.binding(node)
            if bound is not None:
                return self.attribute(bound, depth + 1)
        if isinstance(node, ast.Call) and _dotted_tail(node.func) == "Attribute":
            name_node, type_node = self.arguments_optional(node)
            assert name_node is not None  # arguments_optional requires it
            name = self.literal(name_node, depth)
            if not isinstance(name, str):
                raise _Unreadable("CNV204", "an attribute name is a string", name_node)
            type_ = self.literal(type_node, depth) if type_node is not None else None
            if type_ is None:
                return f"`{name}`"
            rendered = rendered_types()
            if not isinstance(type_, str) or type_ not in rendered:
                raise _Unreadable("CNV204", f"neptune-query has no attribute type {type_!r}", type_node)
            return f"`{name}`:{rendered[type_]}"
        name = self.literal(node, depth)
        if not isinstance(name, str):
            raise _Unreadable("CNV204", "an attribute is a name (a string) or an Attribute(...)", node)
        return f"`{name}`"

    def arguments_optional(self, call: ast.Call) -> tuple[ast.expr | None, ast.expr | None]:
        if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
            raise _Unreadable("CNV203", "`*` and `**` arguments cannot be read without running the code", call)
        names = ("name", "type")
        if len(call.args) > len(names):
            raise _Unreadable("CNV204", "too many arguments", call)
        given: dict[str, ast.expr] = dict(zip(names, call.args, strict=False))
        for keyword in call.keywords:
            if keyword.arg not in names or keyword.arg in given:
                raise _Unreadable("CNV204", f"unexpected argument `{keyword.arg}`", keyword.value)
            given[keyword.arg] = keyword.value
        if "name" not in given:
            raise _Unreadable("CNV204", "missing argument `name`", call)
        return given["name"], given.get("type")

    def literal(self, node: ast.expr, depth: int) -> object:
        """A constant, a list of constants, a negative number or a ``datetime(...)`` with a UTC zone."""
        if depth > _MAX_DEPTH:
            raise _Unreadable("CNV203", "the expression nests too deeply to read", node)
        if isinstance(node, ast.Constant) and (node.value is None or isinstance(node.value, str | int | float)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = self.literal(node.operand, depth + 1)
            if isinstance(inner, int | float) and not isinstance(inner, bool):
                return -inner if isinstance(node.op, ast.USub) else +inner
        if isinstance(node, ast.List | ast.Tuple):
            return [self.literal(e, depth + 1) for e in node.elts]
        if isinstance(node, ast.Name):
            bound = self.binding(node)
            if bound is not None:
                return self.literal(bound, depth + 1)
        if isinstance(node, ast.Call) and _dotted_tail(node.func) == "datetime":
            return self.moment(node, depth)
        raise _Unreadable("CNV203", "not a literal value that can be read without running the code", node)

    def moment(self, call: ast.Call, depth: int) -> datetime:
        parts = ("year", "month", "day", "hour", "minute", "second", "microsecond")
        values: dict[str, int] = {}
        zone: timezone | None = None
        for name, arg in zip(parts, call.args, strict=False):
            value = self.literal(arg, depth + 1)
            if not isinstance(value, int) or isinstance(value, bool):
                raise _Unreadable("CNV203", "datetime(...) parts must be whole numbers", arg)
            values[name] = value
        for keyword in call.keywords:
            if keyword.arg == "tzinfo":
                zone = _utc(keyword.value)
                if zone is None:
                    raise _Unreadable(
                        "CNV203", "only a UTC time zone can be read without running the code", keyword.value
                    )
                continue
            value = self.literal(keyword.value, depth + 1)
            if keyword.arg not in parts or not isinstance(value, int) or isinstance(value, bool):
                raise _Unreadable("CNV203", f"unexpected datetime argument `{keyword.arg}`", keyword.value)
            values[keyword.arg] = value
        if zone is None:
            message = "a datetime without a time zone renders in the local time of the machine that runs it"
            raise _Unreadable("CNV203", message, call)
        try:
            return datetime(**values, tzinfo=zone)
        except (TypeError, ValueError, OverflowError) as error:
            raise _Unreadable("CNV204", f"not a datetime: {error}", call) from None


def _utc(node: ast.expr) -> timezone | None:
    """``timezone.utc``, ``UTC`` and their dotted spellings; ``timezone(timedelta(0))`` is not read."""
    tail = _dotted_tail(node)
    if tail in ("utc", "UTC"):
        return UTC
    return None


def _quoted(value: object) -> str:
    """A value as neptune-query writes it: ``str()`` of it, quoted; a datetime as ISO 8601."""
    if isinstance(value, datetime):
        # neptune-query writes `astimezone().isoformat()`, the same instant in the local zone; UTC here.
        return f'"{value.astimezone(UTC).isoformat()}"'
    return quote_string(str(value))


def _clause(text: str) -> _Node:
    return _Node("", text=text)


def _matches(attribute: str, pattern: str) -> _Node:
    """``Filter.matches``: OR of conjunctions of MATCHES / NOT MATCHES, as neptune-query splits the pattern."""

    def unescape(part: str) -> str:
        for old, new in _UNESCAPES.items():
            part = part.replace(old, new)
        return part

    alternatives: list[_Node] = []
    for alternative in _OR_SPLIT.split(pattern.strip()):
        positive: list[str] = []
        negative: list[str] = []
        for part in _AND_SPLIT.split(alternative):
            if _NOT_PREFIX.match(part):
                negative.append(unescape(_NOT_PREFIX.sub("", part, count=1)))
            else:
                positive.append(unescape(part))
        clauses = [_clause(f"{attribute} MATCHES {_quoted(p)}") for p in positive]
        clauses += [_clause(f"{attribute} NOT MATCHES {_quoted(p)}") for p in negative]
        alternatives.append(_Node("AND", tuple(clauses)))
    return _Node("OR", tuple(alternatives))
