"""``nql-lsp --format``: the canonical printer applied to files, for editors without LSP and for CI.

Only whole ``.nql`` files (and standard input) are formatted: a query embedded in another file kind is
formatted through the language server, where the surrounding code is the editor's business.
"""

from __future__ import annotations

import difflib
import sys
from pathlib import Path

from .formatting import format_query
from .sources import EMBEDDED_SUFFIXES, SourceError, iter_sources

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
            print(f"nql-lsp: {path}: not formatted: queries inside code are formatted through the language server",
                  file=sys.stderr)
            continue
        new = format_query(text, line_width)
        if new is None:
            print(f"nql-lsp: {path}: not formatted: the query has syntax errors (see --check)", file=sys.stderr)
            failed = True
            continue
        if path == "-" and not (check or diff):
            sys.stdout.write(new)
            continue
        if new == text:
            continue
        changed = True
        if diff:
            name = "stdin" if path == "-" else path
            sys.stdout.writelines(difflib.unified_diff(
                text.splitlines(keepends=True), new.splitlines(keepends=True), f"a/{name}", f"b/{name}"))
        elif check:
            print(f"would reformat {path}")
        else:
            Path(path).write_text(new, encoding="utf-8")
            print(f"reformatted {path}", file=sys.stderr)
    if failed:
        return EXIT_USAGE
    return EXIT_CHANGES if changed and check else EXIT_OK
