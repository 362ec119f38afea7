"""What the command prints: diagnostics for people and machines (full, concise, json, github and sarif),
and the one-line notes on stderr about everything that is not a diagnostic.

Every format takes the same input, diagnostics in file offsets grouped by file, and turns offsets into
1-based rows and code-point columns (``end_location`` exclusive). Formats are pure functions returning
text, which keeps them easy to golden-test.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from nql_lsp import __version__
from nql_lsp.diagnostics import REPOSITORY_URL, RULES, Diagnostic, Severity, rule_url
from nql_lsp.syntax.records import ValueRecord
from nql_lsp.syntax.text import LineIndex, display_width

FORMATS = ("full", "concise", "json", "github", "sarif")


def note(message: str) -> None:
    """``nql-lsp: message`` on stderr: how every mode reports a path it cannot use or a part it skipped,
    keeping stdout for the output itself."""
    print(f"nql-lsp: {message}", file=sys.stderr)


class FileReport(ValueRecord):
    __slots__ = ("diagnostics", "lines", "path")

    def __init__(self, path: str, lines: LineIndex, diagnostics: list[Diagnostic]) -> None:
        self.path = path
        self.lines = lines
        self.diagnostics = diagnostics


def _location(lines: LineIndex, offset: int) -> dict[str, int]:
    row, column = lines.row_col(offset)
    return {"row": row, "column": column}


def _header(report: FileReport, d: Diagnostic) -> str:
    row, col = report.lines.row_col(d.start)
    return f"{report.path}:{row}:{col}: {d.code} {d.message}"


def _counts(reports: list[FileReport]) -> tuple[int, int]:
    errors = sum(d.severity is Severity.ERROR for r in reports for d in r.diagnostics)
    warnings = sum(d.severity is Severity.WARNING for r in reports for d in r.diagnostics)
    return errors, warnings


def summary(reports: list[FileReport]) -> str:
    errors, warnings = _counts(reports)
    return f"Found {errors} error{'' if errors == 1 else 's'}, {warnings} warning{'' if warnings == 1 else 's'}."


# A source line longer than this is shown as a window around the diagnostic: a generated query may be one
# line of megabytes, which neither a terminal nor a log wants whole (nor ``display_width`` to measure).
_LONG_LINE = 1_000
_BEFORE, _AFTER = 60, 140


def _snippet(lines: LineIndex, d: Diagnostic) -> list[str]:
    """The source line under the header, with ``^`` under the diagnostic's range (its first line)."""
    line = lines.line_of(d.start)
    start = lines.line_start(line)
    end = min(d.end, lines.line_end(line))
    stop = lines.line_end(line)
    lead = tail = ""
    if stop - start > _LONG_LINE:
        shown = max(start, d.start - _BEFORE)
        lead = "…" if shown > start else ""
        tail = "…" if shown + _BEFORE + _AFTER < stop else ""
        start, stop = shown, min(stop, shown + _BEFORE + _AFTER)
        end = min(end, stop)
    text = lines.text[start:stop]
    pad = display_width(lead) + display_width(text[: d.start - start].expandtabs(1))
    width = max(1, display_width(text[d.start - start : end - start]))
    gutter = f"{line + 1} | "
    return [f"{gutter}{lead}{text.expandtabs(1)}{tail}", " " * (len(gutter) + pad) + "^" * width]


def format_full(reports: list[FileReport]) -> str:
    out: list[str] = []
    for report in reports:
        for d in report.diagnostics:
            out.append(_header(report, d))
            out.extend(_snippet(report.lines, d))
            if d.fixes:
                out.append(f"  = fix: {d.fixes[0].message}")
            out.append("")
    out.append(summary(reports))
    return "\n".join(out) + "\n"


def format_concise(reports: list[FileReport]) -> str:
    out = [_header(report, d) for report in reports for d in report.diagnostics]
    out.append(summary(reports))
    return "\n".join(out) + "\n"


def format_json(reports: list[FileReport]) -> str:
    items = []
    for report in reports:
        for d in report.diagnostics:
            fix = None
            if d.fixes:
                first = d.fixes[0]
                fix = {
                    "message": first.message,
                    "edits": [
                        {
                            "content": e.new_text,
                            "location": _location(report.lines, e.start),
                            "end_location": _location(report.lines, e.end),
                        }
                        for e in first.edits
                    ],
                }
            items.append(
                {
                    "filename": report.path,
                    "code": d.code,
                    "severity": d.severity.value,
                    "message": d.message,
                    "location": _location(report.lines, d.start),
                    "end_location": _location(report.lines, d.end),
                    "fix": fix,
                }
            )
    import json  # for the machine formats only

    return json.dumps(items, indent=2, ensure_ascii=False) + "\n"


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(reports: list[FileReport]) -> str:
    """GitHub Actions workflow commands; information and hints become notices."""
    out = []
    for report in reports:
        for d in report.diagnostics:
            level = {"error": "error", "warning": "warning"}.get(d.severity.value, "notice")
            row, col = report.lines.row_col(d.start)
            end_row, end_col = report.lines.row_col(d.end)
            props = (
                f"file={_gh_property(report.path)},line={row},col={col},endLine={end_row},"
                f"endColumn={end_col},title={_gh_property(f'nql ({d.code})')}"
            )
            out.append(f"::{level} {props}::{_gh_data(d.message)}")
    return "".join(line + "\n" for line in out)


_SARIF_LEVEL = {"error": "error", "warning": "warning", "information": "note", "hint": "note"}


def format_sarif(reports: list[FileReport]) -> str:
    used = sorted({d.code for r in reports for d in r.diagnostics})
    index = {code: i for i, code in enumerate(used)}
    rules = [
        {
            "id": code,
            "name": RULES[code].name,
            "shortDescription": {"text": RULES[code].summary},
            "helpUri": rule_url(code),
            "defaultConfiguration": {"level": _SARIF_LEVEL[RULES[code].severity.value]},
        }
        for code in used
    ]
    results = []
    for report in reports:
        for d in report.diagnostics:
            row, col = report.lines.row_col(d.start)
            end_row, end_col = report.lines.row_col(d.end)
            result = {
                "ruleId": d.code,
                "ruleIndex": index[d.code],
                "level": _SARIF_LEVEL[d.severity.value],
                "message": {"text": d.message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": report.path.replace("\\", "/")},
                            "region": {"startLine": row, "startColumn": col, "endLine": end_row, "endColumn": end_col},
                        }
                    }
                ],
            }
            if d.fixes:
                fix = d.fixes[0]
                result["fixes"] = [
                    {
                        "description": {"text": fix.message},
                        "artifactChanges": [
                            {
                                "artifactLocation": {"uri": report.path.replace("\\", "/")},
                                "replacements": [
                                    {
                                        "deletedRegion": dict(
                                            zip(
                                                ("startLine", "startColumn", "endLine", "endColumn"),
                                                (*report.lines.row_col(e.start), *report.lines.row_col(e.end)),
                                                strict=True,
                                            )
                                        ),
                                        "insertedContent": {"text": e.new_text},
                                    }
                                    for e in fix.edits
                                ],
                            }
                        ],
                    }
                ]
            results.append(result)
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "nql-lsp",
                        "version": __version__,
                        "informationUri": REPOSITORY_URL,
                        "rules": rules,
                    }
                },
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    import json

    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


FORMATTERS: dict[str, Callable[[list[FileReport]], str]] = {
    "full": format_full,
    "concise": format_concise,
    "json": format_json,
    "github": format_github,
    "sarif": format_sarif,
}
