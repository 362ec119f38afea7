"""``nql-lsp --format``: the canonical printer applied to files, for editors without LSP and for CI.

Directories are searched for ``.nql`` files, each one query. A Python file or notebook named on the
command line has its query strings formatted, inside the strings only (as the language server does):
the code around them is left to the code's own formatter, and a query whose change cannot be written
in its literals is left as it is.
"""

from __future__ import annotations

import codecs
import difflib
import sys
from pathlib import Path

from nql_lsp.cli.exit_codes import ExitCode
from nql_lsp.cli.render import note
from nql_lsp.diagnostics import Edit
from nql_lsp.features.edits import apply_edits, edits_to, file_edits, width_for
from nql_lsp.features.printer import format_query
from nql_lsp.sources.files import EMBEDDED_SUFFIXES, EXTRACTORS, SourceError, SourceFile, iter_sources
from nql_lsp.syntax.text import LineIndex


def run_format(paths: list[str], check: bool = False, diff: bool = False, line_width: int = 80) -> ExitCode:
    """Format, check (exit 1 when a file would change) or diff each path; returns the exit code."""
    if line_width < 20:
        note(f"--line-width must be at least 20; got {line_width}")
        return ExitCode.USAGE
    changed = failed = False
    paths = paths or ["."]
    stdin_text = sys.stdin.read() if "-" in paths else None
    for source in iter_sources(paths, stdin_text, suffixes={".nql"}, extract=False):
        if isinstance(source, SourceError):
            note(str(source))
            failed = True
            continue
        path, text = source.path, source.text
        if Path(path).suffix in EMBEDDED_SUFFIXES:
            new, broken = _format_embedded(source, line_width)
            failed = failed or broken
        else:
            formatted = format_query(text, line_width)
            if formatted is None:
                note(f"{path}: not formatted: the query has syntax errors (see --check)")
                failed = True
                continue
            new = formatted
        if path == "-" and not (check or diff):
            sys.stdout.write(new)
            continue
        if new == text:
            continue
        changed = True
        if diff:
            name = "stdin" if path == "-" else path
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"
                )
            )
        elif check:
            print(f"would reformat {path}")
        else:
            try:
                _rewrite(path, new)
            except OSError as e:
                note(f"{path}: cannot write: {e.strerror or e}")
                failed = True
                continue
            print(f"reformatted {path}", file=sys.stderr)
    if failed:
        return ExitCode.USAGE
    return ExitCode.PROBLEMS if changed and check else ExitCode.OK


def _rewrite(path: str, text: str) -> None:
    """Replace the file's text, keeping a byte order mark if it had one (as it was read)."""
    with open(path, "rb") as file:
        bom = "\ufeff" if file.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8 else ""
    Path(path).write_text(bom + text, encoding="utf-8", newline="")


def _format_embedded(source: SourceFile, line_width: int) -> tuple[str, bool]:
    """The file with each of its well-formed queries formatted in place, and whether any query was left
    unformatted for its syntax errors (each is named on stderr, with its line and column)."""
    queries = EXTRACTORS[Path(source.path).suffix](source.path, source.text)
    for message in getattr(queries, "notes", []):
        note(f"{source.path}: {message}")
    edits: list[Edit] = []
    broken = False
    lines = LineIndex(source.text)
    for query in queries:
        formatted = format_query(query.text, width_for(query, line_width))
        if formatted is None:
            row, col = lines.row_col(query.file_offset(0))
            note(f"{source.path}:{row}:{col}: query not formatted: it has syntax errors (see --check)")
            broken = True
            continue
        edits += file_edits(query, edits_to(query, formatted))
    return apply_edits(source.text, edits), broken
