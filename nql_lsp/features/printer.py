"""The canonical printer: one way to write every query, used by the CLI's ``--format`` and the server.

The printer works from the syntax tree, never from the text, so it cannot change meaning by accident:
parentheses in the source are dropped and put back exactly where the canonical form wants them (around
each operand of a multi-operand AND/OR and after ``NOT``), which keeps the tree's grouping because the
tree already encodes precedence. Names are backquoted, strings double-quoted, keywords upper case,
aggregates lower case, ``==`` written ``=``. A query longer than the line width is broken before each
``AND``/``OR``, indented by nesting.

Text with syntax errors is left alone: printing a tree that recovery invented would put words in the
user's mouth.
"""

from __future__ import annotations

from nql_lsp.analysis.checker import value_text
from nql_lsp.diagnostics import Edit, Severity
from nql_lsp.language.values import quote_name, quote_string
from nql_lsp.syntax.cursor import too_deep_gives
from nql_lsp.syntax.parser import ParseResult, parse
from nql_lsp.syntax.terminals import WORD
from nql_lsp.syntax.tree import Aggregate, Clause, Expr, Field, Group, Logical, Not, sub_exprs

INDENT = 2


@too_deep_gives(lambda: None)
def format_query(text: str, line_width: int = 80) -> str | None:
    """The canonical form of ``text``, or None when it has syntax errors. A final newline is kept."""
    parsed = parse(text)
    if _broken(parsed):
        return None
    expr = parsed.tree.expr
    body = "\n".join(_layout(expr, 0, line_width)) if expr is not None else ""
    return body + ("\n" if text.endswith("\n") and body else "")


@too_deep_gives(list)
def format_range(text: str, start: int, end: int, line_width: int = 80) -> list[Edit]:
    """Edits that format the smallest complete expression(s) enclosing ``[start, end)``.

    Inside an AND/OR chain only the operands the range touches are formatted, each on its own, so the
    text around the selection stays as the user wrote it. No edits when the text has syntax errors.
    """
    parsed = parse(text)
    expr = parsed.tree.expr
    if _broken(parsed) or expr is None:
        return []
    start, end = max(0, min(start, end)), min(len(text), max(start, end))
    node: Expr = expr
    while True:
        inner = next((c for c in sub_exprs(node) if c.start <= start and end <= c.end), None)
        if inner is None:
            break
        node = inner
    targets: list[Expr] = [node]
    if isinstance(node, Logical):
        touched = [o for o in node.operands if o.start < end and start < o.end]
        if 0 < len(touched) < len(node.operands):
            targets = touched
    edits = []
    for target in targets:
        line_start = text.rfind("\n", 0, target.start) + 1
        indent = target.start - line_start
        lines = _layout_in_place(target, indent, line_width)
        new = "\n".join([lines[0][indent:], *lines[1:]])
        if new != text[target.start : target.end]:
            edits.append(Edit(target.start, target.end, new))
    return edits


def _broken(parsed: ParseResult) -> bool:
    return bool(parsed.skipped) or any(d.severity is Severity.ERROR for d in parsed.errors)


def _bare(node: Expr) -> Expr:
    """The expression inside any number of redundant parentheses."""
    while isinstance(node, Group):
        node = node.expr
    return node


# --- flat text -------------------------------------------------------------------------------------


def flat(node: Expr) -> str:
    """``node`` canonically printed on one line (groups dropped, parentheses where canonical)."""
    node = _bare(node)
    if isinstance(node, Clause):
        return clause_text(node)
    if isinstance(node, Not):
        return "NOT (" + flat(node.operand) + ")"
    assert isinstance(node, Logical)
    return f" {node.op} ".join("(" + flat(o) + ")" for o in node.operands)


def field_text(fld: Field) -> str:
    text = quote_name(fld.name.path)
    if fld.type is not None and not fld.type.missing:
        text += ":" + fld.type.text
    return text


def clause_text(clause: Clause) -> str:
    lhs = clause.lhs
    left = f"{lhs.name}({field_text(lhs.field)})" if isinstance(lhs, Aggregate) else field_text(lhs)
    parts = [left, clause.operator.op]
    value = clause.value
    if value is not None and not value.missing:
        kind = value.token.kind
        parts.append(value.token.text if kind == WORD else quote_string(value_text(value)))
    return " ".join(parts)


# --- layout ----------------------------------------------------------------------------------------


def _layout(node: Expr, indent: int, width: int) -> list[str]:
    """Lines (with their indentation) that print ``node`` starting at column ``indent``."""
    node = _bare(node)
    pad = " " * indent
    one = flat(node)
    if isinstance(node, Clause) or indent + len(one) <= width:
        return [pad + one]
    if isinstance(node, Not):
        return [pad + "NOT (", *_layout(node.operand, indent + INDENT, width), pad + ")"]
    assert isinstance(node, Logical)
    lines: list[str] = []
    for i, operand in enumerate(node.operands):
        prefix = "" if i == 0 else node.op + " "
        inner = _bare(operand)
        single = pad + prefix + "(" + flat(inner) + ")"
        if isinstance(inner, Clause) or len(single) <= width:
            lines.append(single)
        else:
            lines += [pad + prefix + "(", *_layout(inner, indent + INDENT, width), pad + ")"]
    return lines


def _layout_in_place(node: Expr, indent: int, width: int) -> list[str]:
    """Like :func:`_layout`, but a group keeps its own parentheses, as its context relies on them."""
    if not isinstance(node, Group):
        return _layout(node, indent, width)
    pad = " " * indent
    one = pad + "(" + flat(node.expr) + ")"
    if len(one) <= width or isinstance(_bare(node.expr), Clause):
        return [one]
    return [pad + "(", *_layout(node.expr, indent + INDENT, width), pad + ")"]
