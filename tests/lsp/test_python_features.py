"""Every server feature on Python documents, in process: never a crash, and no edit outside a query string.

Random Python-like text (and the fixture with random cursors) goes through the feature modules exactly as
the server calls them. Every edit any feature returns, applied to the file, must leave Python whose code
is the same once the text of its strings is set aside: an edit can only change what a string says.
"""

from __future__ import annotations

import ast
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from lsprotocol import types

from nql_lsp.lsp import python as python_kind
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.code_actions import code_actions
from nql_lsp.lsp.completion import completion
from nql_lsp.lsp.diagnostics import file_diagnostics
from nql_lsp.lsp.documents import Document, Documents
from nql_lsp.lsp.formatting import format_document
from nql_lsp.lsp.hover import hover
from nql_lsp.lsp.positions import Positions
from nql_lsp.lsp.semantic_tokens import semantic_tokens
from nql_lsp.sources.python import blank_lines, parse_python

from .narrow import text_edit, workspace_edits


def opened(doc: Document | None) -> Document:
    """An opened document (``open`` gives None for a kind the server does not serve)."""
    assert doc is not None
    return doc


FIXTURE = (Path(__file__).parents[1] / "fixtures" / "python" / "queries.py").read_text(encoding="utf-8")
_PIECES = st.sampled_from(
    [
        'p.fetch_runs_table(query="',
        "f'",
        '"',
        "'",
        "{x}",
        "{{",
        "\\",
        "\\n",
        "# nql\n",
        "\n",
        " ",
        "sys/",
        "`a`:flot",
        " = ",
        "AND ",
        "(",
        ")",
        '"""',
        "r",
        "é",
        "😀",
        "Q = ",
        "1",
    ]
)


class _Blank(ast.NodeTransformer):
    """The code without what its strings say: string constants emptied, f-strings reduced to their holes."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.AST:
        node.values = [self.visit(v) for v in node.values if isinstance(v, ast.FormattedValue)]
        return node


def _code(text: str) -> str:
    return ast.dump(_Blank().visit(parse_python(text)))


def _readable(text: str) -> str:
    """The text as the server reads a half-typed file: the lines Python stops at blanked, offsets kept."""
    for _ in range(8):
        try:
            parse_python(text)
            return text
        except SyntaxError as e:
            text = blank_lines(text, e.lineno or 1, max(e.lineno or 1, e.end_lineno or 1))
    return text


def _check_edits(text: str, edits: list[tuple[int, int, str]]) -> None:
    """Applied together, the edits keep the file valid Python with the same code (for a half-typed file,
    the part the server could read)."""
    if not edits:
        return
    text = _readable(text)
    new = text
    for start, end, new_text in sorted(edits, reverse=True):
        new = new[:start] + new_text + new[end:]
    assert _code(new) == _code(text), (text, edits)


def _check_still_python(text: str, edits: list[tuple[int, int, str]]) -> None:
    """A conversion replaces code with code: the file must still be Python."""
    new = _readable(text)
    for start, end, new_text in sorted(edits, reverse=True):
        new = new[:start] + new_text + new[end:]
    parse_python(new)


def _exercise(text: str, cursor_fraction: float) -> None:
    documents = Documents()
    python_kind.configure(documents, True)
    doc = opened(documents.open("file:///w/m.py", "python", 1, text))
    assert doc is not None
    pos = Positions(doc.lines, "utf-16")
    flags = ResolvedCapabilities()
    offset = int(len(text) * cursor_fraction)
    position = pos.position(offset)

    def lsp_edits(edits: list[types.TextEdit]) -> list[tuple[int, int, str]]:
        return [(pos.offset(e.range.start), pos.offset(e.range.end), e.new_text) for e in edits]

    for d in file_diagnostics(documents, doc):
        assert 0 <= d.start <= d.end <= len(text)
        for fix in d.fixes:
            _check_edits(text, [(e.start, e.end, e.new_text) for e in fix.edits])
    hover(documents, doc, position, pos, flags)
    for item in completion(documents, doc, position, pos, flags).items:
        _check_edits(text, lsp_edits([text_edit(item)]))
    _check_edits(text, lsp_edits(format_document(doc, pos, 40)))
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=doc.uri),
        range=types.Range(start=pos.position(0), end=pos.position(len(text))),
        context=types.CodeActionContext(diagnostics=[]),
    )
    for action in code_actions(documents, doc, params, pos, {}, 40, flags):
        edits = lsp_edits(workspace_edits(action.edit, doc.uri))
        if action.kind == types.CodeActionKind.RefactorRewrite:
            _check_still_python(text, edits)  # a conversion rewrites code on purpose
        else:
            _check_edits(text, edits)
    semantic_tokens(documents, doc, pos, flags)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_PIECES, max_size=25).map("".join), st.floats(0, 1))
# Removing the `)` would leave `""` right before `""`: together an unterminated `"""`.
@example('")"""# nql\n', 0.0)
def test_features_on_python_like_text(text: str, cursor: float) -> None:
    _exercise(text, cursor)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.floats(0, 1))
def test_features_on_the_fixture_at_any_cursor(cursor: float) -> None:
    _exercise(FIXTURE, cursor)


_NQL = st.sampled_from(
    [
        "sys/",
        "`a`",
        ":flot",
        ":float",
        ":string",
        " = ",
        " > ",
        "AND ",
        "OR ",
        "NOT ",
        "(",
        ")",
        '"x"',
        "'y'",
        "1",
        "é",
        "😀",
        " ",
        "\\",
        "last(",
        "CONTAINS ",
        "fals",
        "\n",
        "{",
    ]
)


@st.composite
def python_with_query(draw: st.DrawFn) -> str:
    """A call whose query= is NQL-like text, spelled as one or two literals, with f-string holes."""
    parts = draw(st.lists(st.one_of(_NQL, st.none()), max_size=12))  # None: a hole
    fstring = None in parts
    triple = draw(st.booleans())

    def spell(part: str | None) -> str:
        if part is None:
            return "{v}"
        out = part.replace("\\", "\\\\").replace('"', '\\"')
        if not triple:
            out = out.replace("\n", "\\n")
        return out.replace("{", "{{").replace("}", "}}") if fstring else out

    quote = '"""' if triple else '"'
    prefix = "f" if fstring else ""
    cut = draw(st.integers(0, len(parts)))
    pieces = [parts[:cut], parts[cut:]] if draw(st.booleans()) else [parts]
    literal = "\n    ".join(prefix + quote + "".join(spell(p) for p in piece) + quote for piece in pieces)
    return f"import x\n# é\nrows = p.fetch_runs_table(\n    query=({literal}),\n)\n"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(python_with_query(), st.floats(0, 1))
def test_features_on_generated_queries(text: str, cursor: float) -> None:
    _exercise(text, cursor)


def test_no_filter_rewrite_is_offered_for_a_models_query() -> None:
    """neptune-query's ``Filter`` filters runs: a ``fetch_models_table`` query is left as it is."""
    from nql_lsp.lsp.code_actions import conversions

    text = (
        'models = project.fetch_models_table(query="`sys/owner`:string = \\"ann\\"")\n'
        'runs = project.fetch_runs_table(query="`sys/owner`:string = \\"ann\\"")\n'
    )
    documents = Documents()
    python_kind.configure(documents, True)
    doc = opened(documents.open("file:///w/registry.py", "python", 1, text))
    second = text.index("\n") + 1
    assert conversions(doc, 0, second - 1) == []
    [rewrite] = conversions(doc, second, len(text))
    assert "Filter.eq(" in rewrite.edits[-1].new_text
