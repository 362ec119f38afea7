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

from nql_lsp.features.edits import apply_edits, edits_to, file_edits, width_for
from nql_lsp.features.printer import format_query
from nql_lsp.sources.files import EMBEDDED_SUFFIXES, EXTRACTORS, SourceError, SourceFile, iter_sources
from nql_lsp.syntax.text import LineIndex

EXIT_OK, EXIT_CHANGES, EXIT_USAGE = 0, 1, 2


def run_format(paths: list[str], check: bool = False, diff: bool = False, line_width: int = 80) -> int:
    """Format, check (exit 1 when a file would change) or diff each path; returns the exit code."""
    if line_width < 20:
        print(f"nql-lsp: --line-width must be at least 20; got {line_width}", file=sys.stderr)
        return EXIT_USAGE
    changed = failed = False
    paths = paths or ["."]
    stdin_text = sys.stdin.read() if "-" in paths else None
    for source in iter_sources(paths, stdin_text, suffixes={".nql"}, extract=False):
        if isinstance(source, SourceError):
            print(f"nql-lsp: {source}", file=sys.stderr)
            failed = True
            continue
        path, text = source.path, source.text
        if Path(path).suffix in EMBEDDED_SUFFIXES:
            new, broken = _format_embedded(source, line_width)
            failed = failed or broken
        else:
            formatted = format_query(text, line_width)
            if formatted is None:
                print(f"nql-lsp: {path}: not formatted: the query has syntax errors (see --check)", file=sys.stderr)
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
            target = Path(path)
            bom = "\ufeff" if target.read_bytes().startswith(codecs.BOM_UTF8) else ""  # kept, as it was read
            target.write_text(bom + new, encoding="utf-8", newline="")
            print(f"reformatted {path}", file=sys.stderr)
    if failed:
        return EXIT_USAGE
    return EXIT_CHANGES if changed and check else EXIT_OK


def _format_embedded(source: SourceFile, line_width: int) -> tuple[str, bool]:
    """The file with each of its well-formed queries formatted in place, and whether any query was left
    unformatted for its syntax errors (each is named on stderr, with its line and column)."""
    queries = EXTRACTORS[Path(source.path).suffix](source.path, source.text)
    for note in getattr(queries, "notes", []):
        print(f"nql-lsp: {source.path}: {note}", file=sys.stderr)
    edits = []
    broken = False
    lines = LineIndex(source.text)
    for query in queries:
        formatted = format_query(query.text, width_for(query, line_width))
        if formatted is None:
            row, col = lines.row_col(query.file_offset(0))
            print(
                f"nql-lsp: {source.path}:{row}:{col}: query not formatted: it has syntax errors (see --check)",
                file=sys.stderr,
            )
            broken = True
            continue
        edits += file_edits(query, edits_to(query, formatted))
    return apply_edits(source.text, edits), broken
