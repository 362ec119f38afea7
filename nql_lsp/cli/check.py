"""``nql-lsp --check``: the queries in files checked and reported in one of the output formats.

A file that cannot be read at all is named on stderr and makes the run exit 2; a file that is read but is
not UTF-8 is a problem in the file, so it is reported as a diagnostic (NQL901) in whichever format was
asked for, and the other files are checked as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from nql_lsp.analysis.analyze import analyze, schema_for
from nql_lsp.analysis.holes import file_diagnostics
from nql_lsp.cli.exit_codes import ExitCode
from nql_lsp.cli.render import FORMATTERS, FileReport, note
from nql_lsp.diagnostics import Severity, make
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.sources.files import NotUTF8Error, SourceError, SourceFile, iter_sources
from nql_lsp.syntax.text import LineIndex


def run_check(
    paths: list[str],
    *,
    output_format: str = "full",
    runs_path: str | None = None,
    projects: Sequence[str] = (),
    stdin_filename: str | None = None,
    warnings_as_errors: bool = False,
    exit_zero: bool = False,
) -> ExitCode:
    """Check each path (``-`` is stdin), against the names and types of the runs at ``runs_path`` if given,
    (only ``projects``' runs, if named), and print the report; returns the exit code."""
    schema: Schema = SYSTEM_SCHEMA
    if runs_path is not None:
        from nql_lsp.cli.preview import load_runs
        from nql_lsp.evaluation.engine import schema_of
        from nql_lsp.runs import RunsError

        try:
            schema = schema_of(load_runs(runs_path, projects))
        except RunsError as e:
            note(str(e))
            return ExitCode.USAGE
    paths = paths or ["."]
    stdin_text = sys.stdin.read() if "-" in paths else None
    reports: list[FileReport] = []
    unreadable = False
    for source in iter_sources(paths, stdin_text, stdin_name=stdin_filename):
        if isinstance(source, NotUTF8Error):
            reports.append(_not_utf8_report(source))
        elif isinstance(source, SourceError):
            note(str(source))
            unreadable = True
        else:
            reports.append(_report(source, schema, stdin_filename))
    sys.stdout.write(FORMATTERS[output_format](reports))
    failing = {Severity.ERROR, Severity.WARNING} if warnings_as_errors else {Severity.ERROR}
    found = any(d.severity in failing for r in reports for d in r.diagnostics)
    if unreadable:
        return ExitCode.USAGE
    if exit_zero or not found:
        return ExitCode.OK
    return ExitCode.PROBLEMS


def _report(source: SourceFile, schema: Schema, stdin_filename: str | None) -> FileReport:
    for message in source.notes:
        note(message)
    diagnostics = [d for q in source.queries for d in file_diagnostics(q, analyze(q.text, schema_for(q, schema)))]
    diagnostics.sort(key=lambda d: (d.start, d.end, d.code))
    name = (stdin_filename or "-") if source.path == "-" else source.path
    return FileReport(name, LineIndex(source.text), diagnostics)


def _not_utf8_report(error: NotUTF8Error) -> FileReport:
    """The file as one NQL901 at its first undecodable byte, shown (as U+FFFD) in the file's own lines."""
    message = f"not UTF-8 text (invalid byte 0x{error.byte:02X}); the file's queries are not checked"
    diagnostic = make("NQL901", message, error.offset, error.offset + 1)
    return FileReport(error.path, LineIndex(error.text), [diagnostic])
