"""``nql-lsp --convert filter|mlflow``: queries to neptune-query ``Filter`` code or MLflow searches, and back.

Meant to be called from the argument parser as::

    run_convert(args.convert, args.paths, reverse=args.reverse, runs=args.runs, project=args.project,
                stdin_filename=args.stdin_filename, output_format=args.output_format or "text")

``inputs`` are PATHs (``.nql`` files, Python files and notebooks, directories searched), ``-`` for stdin,
or a single QUERY written on the command line (an input that is neither an existing path nor ``-``).
Forward, every query found is converted; with ``reverse`` (``filter`` only) every ``Filter`` expression in
the Python inputs is converted to NQL. Problems are reported as ``--check`` reports diagnostics
(``path:row:column: CODE message`` on stderr), and the exit code follows it: 0 when everything converted,
1 when something could not be, 2 for unreadable inputs or bad usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nql_lsp.cli.exit_codes import ExitCode
from nql_lsp.cli.render import note
from nql_lsp.features.convert.from_filter import find_filters
from nql_lsp.features.convert.mlflow import to_mlflow
from nql_lsp.features.convert.problems import Problem, unconvertible
from nql_lsp.features.convert.to_filter import to_filter
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.sources.files import SourceError, iter_sources
from nql_lsp.sources.query import PlainQuery, QuerySource
from nql_lsp.syntax.text import LineIndex

MODES = ("filter", "mlflow")
OUTPUT_FORMATS = ("text", "json")


@dataclass(slots=True)
class _Item:
    """One converted query or expression, with its place in its file."""

    path: str
    row: int
    column: int
    source: str  # the query, or the Python expression
    result: dict[str, Any]
    problems: list[dict[str, Any]] = field(default_factory=list)

    @property
    def converted(self) -> bool:
        return all(p["severity"] != "error" for p in self.problems)


def run_convert(
    mode: str,
    inputs: list[str],
    *,
    reverse: bool = False,
    runs: str | None = None,
    project: str | None = None,
    name_prefix: str | None = None,
    stdin_filename: str | None = None,
    output_format: str = "text",
) -> ExitCode:
    """Convert every query (or, with ``reverse``, every Filter expression) the inputs hold; the exit code."""
    if mode not in MODES:
        note(f"--convert is one of {', '.join(MODES)}; got {mode!r}")
        return ExitCode.USAGE
    if reverse and mode != "filter":
        note("only --convert filter has a reverse (Python Filter code to NQL)")
        return ExitCode.USAGE
    if output_format not in OUTPUT_FORMATS:
        note(f"--output-format for --convert is one of {', '.join(OUTPUT_FORMATS)}")
        return ExitCode.USAGE
    schema: Schema = SYSTEM_SCHEMA
    if runs is not None:
        from nql_lsp.cli.preview import load_runs
        from nql_lsp.evaluation.engine import schema_of
        from nql_lsp.runs import RunsError

        try:
            schema = schema_of(load_runs(runs))
        except RunsError as e:
            note(str(e))
            return ExitCode.USAGE
    items: list[_Item] = []
    unreadable = False
    if len(inputs) == 1 and inputs[0] != "-" and not _names_a_path(inputs[0], Path.exists):
        # A query (or, reversed, Python code) written on the command line.
        text = inputs[0]
        if reverse:
            items += _reverse("<argument>", text)
        else:
            items.append(_forward(mode, "<argument>", text, PlainQuery(text), schema, project, name_prefix))
    else:
        stdin_text = sys.stdin.read() if "-" in inputs else None
        suffixes = {".py", ".ipynb"} if reverse else None
        stdin_name = stdin_filename or ("stdin.py" if reverse else None)
        for found in iter_sources(inputs or ["."], stdin_text, suffixes, extract=not reverse, stdin_name=stdin_name):
            if isinstance(found, SourceError):
                note(str(found))
                unreadable = True
                continue
            name = (stdin_filename or "-") if found.path == "-" else found.path
            if reverse:
                items += _reverse(name, found.text)
                continue
            for unread in found.notes:
                note(unread)
            for query in found.queries:
                items.append(_forward(mode, name, found.text, query, schema, project, name_prefix))
    _report(items, output_format, single=len(inputs) == 1 and not _names_a_path(inputs[0], Path.is_dir))
    if unreadable:
        return ExitCode.USAGE
    return ExitCode.OK if all(item.converted for item in items) else ExitCode.PROBLEMS


def _names_a_path(argument: str, test: Callable[[Path], bool]) -> bool:
    """``test(Path(argument))``, False where the argument cannot be a path at all: a query of more than
    255 characters written on the command line is a name too long for the system (ENAMETOOLONG), which
    ``Path.exists`` raises rather than answers."""
    try:
        return test(Path(argument))
    except (OSError, ValueError):  # ValueError: a NUL byte
        return False


def _problem(lines: LineIndex, path: str, p: Problem, where: tuple[int, int]) -> dict[str, Any]:
    row, column = lines.row_col(where[0])
    return {
        "path": path,
        "row": row,
        "column": column,
        "code": p.code,
        "severity": p.severity.value,
        "message": p.message,
    }


def _forward(
    mode: str,
    path: str,
    file_text: str,
    query: QuerySource,
    schema: Schema,
    project: str | None,
    name_prefix: str | None,
) -> _Item:
    lines = LineIndex(file_text)
    row, column = lines.row_col(query.file_offset(0))
    item = _Item(path, row, column, query.text, {})
    refused = unconvertible(query)
    if refused is not None:
        item.problems.append(_problem(lines, path, refused, query.file_range(refused.start, refused.end)))
        return item
    problems: tuple[Problem, ...]
    if mode == "filter":
        code = to_filter(query.text, schema)
        problems = code.problems
        item.result = {"code": code.code, "expression": code.expression, "imports": list(code.names)}
    else:
        search = to_mlflow(query.text, schema, project=project, name_prefix=name_prefix)
        problems = search.problems
        item.result = {"filter_string": search.filter_string, "snippet": search.snippet}
    item.problems = [_problem(lines, path, p, query.file_range(p.start, p.end)) for p in problems]
    return item


def _reverse(path: str, source: str) -> list[_Item]:
    lines = LineIndex(source)
    items = []
    for found in find_filters(source):
        row, column = lines.row_col(found.start)
        item = _Item(path, row, column, source[found.start : found.end], {"query": found.query})
        item.problems = [_problem(lines, path, p, (p.start, p.end)) for p in found.problems]
        items.append(item)
    return items


def _report(items: list[_Item], output_format: str, single: bool) -> None:
    for item in items:
        for p in item.problems:
            print(f"{p['path']}:{p['row']}:{p['column']}: {p['code']} {p['message']}", file=sys.stderr)
    if output_format == "json":
        rows = [
            {"path": i.path, "row": i.row, "column": i.column, "source": i.source, **i.result, "problems": i.problems}
            for i in items
        ]
        sys.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
        return
    blocks = []
    for item in items:
        text = item.result.get("code") or item.result.get("snippet") or item.result.get("query")
        if text is None:
            continue
        header = "" if single and len(items) == 1 else f"# {item.path}:{item.row}:{item.column}\n"
        blocks.append(header + text.rstrip("\n") + "\n")
    sys.stdout.write("\n".join(blocks))
