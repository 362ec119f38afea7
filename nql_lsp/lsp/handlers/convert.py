"""``nql.convert [uri, where, target, options]``: a conversion as a command, for editors without code-action menus.

``where`` is an LSP position (``{line, character}``), a range (``{start, end}``) or null (the document's only
query); ``target`` is ``filter`` (the query there as neptune-query ``Filter`` code), ``mlflow`` (as an MLflow
search over runs loaded by neptune-exporter) or ``nql`` (the ``Filter`` expression there, in a Python file, as
NQL); ``options`` may name the Neptune ``project`` (``workspace/project``) an MLflow search is limited to.

The answer is one JSON object, whatever happens:

- ``text`` (the converted code or query, ready to show) and ``language`` (``python`` or ``nql``: what the
  text is written in), or null with ``error`` saying why nothing was converted;
- ``edit``: a ``WorkspaceEdit`` that puts the conversion in place of its source, where it can stand there (a
  query string in Python code becomes the ``Filter`` expression, a ``Filter`` expression the NQL string), else
  null; the client applies it, or shows ``text``, as its user wants;
- ``problems``: what could not be said in the other language, or caveats, each ``{code, severity, message,
  range}`` (the range in the document), and ``message``: the same one a line as ``nql-lsp --convert``
  prints them (``row:column: CODE message``, 1-based code points);
- per target: ``expression`` and ``imports`` (filter), ``filterString`` (mlflow, when the query is exactly an
  MLflow filter), ``query`` (nql).

The conversions themselves are the pure functions of :mod:`nql_lsp.features.convert`; this module only finds
the query or expression at ``where`` and maps offsets to LSP positions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeGuard

from lsprotocol import types
from lsprotocol.converters import get_converter

from nql_lsp.diagnostics import Edit
from nql_lsp.features.convert.actions import filter_rewrite
from nql_lsp.features.convert.from_filter import from_filter
from nql_lsp.features.convert.mlflow import mlflow_of
from nql_lsp.features.convert.problems import Problem, unconvertible
from nql_lsp.features.convert.to_filter import filter_of
from nql_lsp.lsp.analyses import QueryAnalysis
from nql_lsp.lsp.context import Context
from nql_lsp.lsp.snapshot import DocumentSnapshot

if TYPE_CHECKING:
    from nql_lsp.syntax.text import LineIndex

COMMAND = "nql.convert"
TARGETS = ("filter", "mlflow", "nql")
USAGE = f"{COMMAND} takes [uri, position or range or null, target ({'|'.join(TARGETS)}), options]"

_converter = get_converter()


def no_document() -> dict[str, Any]:
    return _failure(
        f"{USAGE}; the URI must be of a document open in the editor (Python files while nql.python.enable is on)"
    )


def _failure(message: str, **extra: Any) -> dict[str, Any]:
    return {"text": None, "edit": None, "problems": [], "message": message, "error": message, **extra}


def handle(
    ctx: Context, snap: DocumentSnapshot, analyses: list[QueryAnalysis], args: tuple[Any, ...]
) -> dict[str, Any]:
    where = args[0] if args else None
    target = args[1] if len(args) > 1 else None
    options = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
    if target not in TARGETS:
        return _failure(f"{USAGE}; got target {target!r}")
    span = _span(snap, where)
    if span is None:
        return _failure(f"{USAGE}; got {where!r} where a position or a range was expected")
    if target == "nql":
        return _to_nql(snap, span)
    found = _query_at(snap, analyses, span)
    if isinstance(found, str):
        return _failure(found, target=target)
    project = options.get("project")
    if not (isinstance(project, str) and project):
        project = _narrowed_project(ctx) if target == "mlflow" else None
    return _from_query(snap, found, target, project)


def _narrowed_project(ctx: Context) -> str | None:
    """The one project ``nql.project`` narrowed the runs to, by its full name: a search of MLflow's experiments
    then asks for the runs the lenses count, as the CLI's ``--project`` does."""
    from nql_lsp.runs.narrowed import projects_of

    state = ctx.session.runs
    if not state.projects or state.runs is None:
        return None
    held = [p for p in projects_of(state.runs) if p]
    return held[0] if len(held) == 1 else None


# --- where: a position, a range, or the whole document ---------------------------------------------------


def _position(value: Any) -> types.Position | None:
    if not isinstance(value, dict):
        return None
    line, character = value.get("line"), value.get("character")
    if not (_count(line) and _count(character)):
        return None
    return types.Position(line=line, character=character)


def _count(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _span(snap: DocumentSnapshot, where: Any) -> tuple[int, int] | None:
    """File offsets (code points) of ``where``; the whole text for null."""
    if where is None:
        return 0, len(snap.text)
    positions = snap.positions
    if isinstance(where, dict) and "start" in where:
        start, end = _position(where.get("start")), _position(where.get("end"))
        if start is None or end is None:
            return None
        return positions.span(types.Range(start=start, end=end))
    at = _position(where)
    if at is None:
        return None
    offset = positions.offset(at)
    return offset, offset


def _query_at(snap: DocumentSnapshot, analyses: list[QueryAnalysis], span: tuple[int, int]) -> QueryAnalysis | str:
    """The query at ``span``: the one holding it (or whose literals it touches), else the only one on its lines;
    for the whole document, its only query. A string says why there is none."""
    if not analyses:
        return "the document holds no query"
    start, end = span
    if (start, end) == (0, len(snap.text)):
        if len(analyses) == 1:
            return analyses[0]
        return f"the document holds {len(analyses)} queries: place the cursor on the one to convert"
    for qa in analyses:
        region = qa.region
        code = region.source.code_span
        if region.contains(start) or (code is not None and code[0] <= end and start <= code[1]):
            return qa
    lines = snap.lines()
    first, last = lines.line_of(start), lines.line_of(end)
    near = [qa for qa in analyses if _lines_of(qa, lines) & set(range(first, last + 1))]
    if len(near) == 1:
        return near[0]
    row = first + 1
    return f"no query at line {row}" if not near else f"line {row} holds {len(near)} queries: place the cursor on one"


def _lines_of(qa: QueryAnalysis, lines: LineIndex) -> set[int]:
    code = qa.region.source.code_span
    start, end = code if code is not None else (qa.region.file_start, qa.region.file_end)
    return set(range(lines.line_of(start), lines.line_of(end) + 1))


# --- the conversions ---------------------------------------------------------------------------------------


def _from_query(snap: DocumentSnapshot, qa: QueryAnalysis, target: str, project: str | None) -> dict[str, Any]:
    region = qa.region
    source = region.source
    refused = unconvertible(source)
    if refused is not None:
        where = region.range_to_file(refused.start, refused.end)
        return _result(snap, target, None, None, [(refused, where)], language="python")

    def placed(problems: tuple[Problem, ...]) -> list[tuple[Problem, tuple[int, int]]]:
        return [(p, region.range_to_file(p.start, p.end)) for p in problems]

    if target == "filter":
        code = filter_of(qa.analysis)
        rewrite = filter_rewrite(snap.text, source, code)
        return _result(
            snap,
            target,
            code.code,
            list(rewrite.edits) if rewrite is not None else None,
            placed(code.problems),
            language="python",
            expression=code.expression,
            imports=list(code.names),
        )
    search = mlflow_of(qa.analysis, project=project)
    return _result(
        snap,
        target,
        search.snippet,
        None,
        placed(search.problems),
        language="python",
        filterString=search.filter_string,
    )


def _to_nql(snap: DocumentSnapshot, span: tuple[int, int]) -> dict[str, Any]:
    if snap.kind.language_id != "python":
        return _failure("a Filter expression converts to NQL in a Python file; this document is NQL already")
    whole = span == (0, len(snap.text))
    found = from_filter(snap.text, None if whole else span[0], None if whole else span[1])
    literal = found.python_literal
    edits = [Edit(found.start, found.end, literal)] if literal is not None else None
    placed = [(p, (p.start, p.end)) for p in found.problems]
    return _result(snap, "nql", found.query, edits, placed, language="nql", query=found.query)


# --- the answer --------------------------------------------------------------------------------------------


def _result(
    snap: DocumentSnapshot,
    target: str,
    text: str | None,
    edits: list[Edit] | None,
    problems: list[tuple[Problem, tuple[int, int]]],
    *,
    language: str,
    **extra: Any,
) -> dict[str, Any]:
    positions = snap.positions
    lines = snap.lines()
    listed = []
    said = []
    for p, (start, end) in problems:
        row, column = lines.row_col(start)
        said.append(f"{row}:{column}: {p.code} {p.message}")
        listed.append(
            {
                "code": p.code,
                "severity": p.severity.value,
                "message": p.message,
                "range": _converter.unstructure(positions.range(start, end)),
            }
        )
    result: dict[str, Any] = {
        "target": target,
        "text": text,
        "language": language,
        "edit": _workspace_edit(snap, edits) if text is not None and edits else None,
        "problems": listed,
        "message": "\n".join(said),
        **extra,
    }
    if text is None:
        result["error"] = "\n".join(said) or "nothing to convert here"
    return result


def _workspace_edit(snap: DocumentSnapshot, edits: list[Edit]) -> Any:
    positions = snap.positions
    text_edits = [types.TextEdit(range=positions.range(e.start, e.end), new_text=e.new_text) for e in edits]
    edit: types.WorkspaceEdit
    if snap.capabilities.document_changes:
        ident = types.OptionalVersionedTextDocumentIdentifier(uri=snap.uri, version=snap.version)
        edit = types.WorkspaceEdit(document_changes=[types.TextDocumentEdit(text_document=ident, edits=text_edits)])
    else:
        edit = types.WorkspaceEdit(changes={snap.uri: text_edits})
    return _converter.unstructure(edit)
