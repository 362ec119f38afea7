"""``nql-lsp --preview QUERY``: the runs a query returns, as a table, JSON or CSV.

Columns are the run id, its name and every field the query uses (a series shows its last value), unless
``--columns`` names them. The last line says how many runs matched out of how many were considered.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from nql_lsp.cli.exit_codes import ExitCode
from nql_lsp.cli.render import note
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.runs import Run, RunsError, RunsSource, open_runs
from nql_lsp.runs.model import display, plain
from nql_lsp.runs.narrowed import projects_of
from nql_lsp.sources.files import SourceError, path_kind
from nql_lsp.syntax.text import display_width

FORMATS = ("table", "json", "csv")
DEFAULT_COLUMNS = ("sys/id", "sys/name")
PROGRESS_AFTER = 0.5  # seconds of loading before progress is shown


def stderr_progress(stream: TextIO | None = None, after: float = PROGRESS_AFTER) -> Callable[[str], None]:
    """A progress callback that stays quiet unless loading takes more than a moment."""
    started = time.monotonic()
    out = stream or sys.stderr

    def report(message: str) -> None:
        if time.monotonic() - started >= after:
            print(f"nql-lsp: {message}", file=out, flush=True)

    return report


def load_runs(path: str | None, projects: Sequence[str] = ()) -> RunsSource:
    """Open runs for the CLI (only ``projects``' runs, if named); raises RunsError with a message ready to print.

    The path is looked at before any reader opens it, so that a name the system cannot hold is one line
    rather than a traceback, and a FIFO is refused rather than waited on."""
    if path is not None:
        try:
            path_kind(path)
        except SourceError as e:
            raise RunsError(str(e)) from None
    progress = stderr_progress()
    started = time.monotonic()
    runs = open_runs(path, progress=progress, projects=projects)
    if time.monotonic() - started >= PROGRESS_AFTER:
        progress(f"loaded {len(runs):,} runs from {runs.label}")
    for warning in runs.warnings:  # what an export left out
        note(f"warning: {warning}")
    return runs


PROJECT_COLUMN = "project"


def run_preview(
    query: str,
    runs_path: str | None,
    *,
    trashed: bool = False,
    columns: str | None = None,
    output_format: str = "table",
    out: TextIO | None = None,
    projects: Sequence[str] = (),
) -> ExitCode:
    from nql_lsp.evaluation.evaluate import preview

    out = out or sys.stdout
    try:
        runs = load_runs(runs_path, projects)
    except RunsError as e:
        note(str(e))
        return ExitCode.USAGE
    result = preview(query, runs, include_trashed=trashed)
    if result.error is not None:
        note(f"the query has a syntax error at {result.error}")
        return ExitCode.PROBLEMS
    if columns:
        names = [c.strip() for c in columns.split(",") if c.strip()]
        for name in names:
            if schema_of(runs).field(name) is None:
                from nql_lsp.analysis.checker import did_you_mean

                guess = did_you_mean(name, [f.path for f in schema_of(runs).fields()])
                hint = f"; did you mean `{guess}`?" if guess else ""
                note(f"no run has `{name}`{hint}")
    else:
        names = list(dict.fromkeys([*DEFAULT_COLUMNS, *result.fields]))
    if len(projects_of(runs)) > 1:  # two projects may hold runs of the same id
        names = [PROJECT_COLUMN, *(n for n in names if n != PROJECT_COLUMN)]
    summary = f"{len(result.matches):,} of {result.total:,} runs" + (" (trashed included)" if trashed else "")
    if output_format == "json":
        rows = [{name: _plain(run, name) for name in names} for run in result.matches]
        json.dump(
            {"runs": rows, "matched": len(rows), "total": result.total, "source": runs.label},
            out,
            ensure_ascii=False,
            indent=2,
        )
        out.write("\n")
    elif output_format == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        for run in result.matches:
            writer.writerow([_cell(run, name) for name in names])
    else:
        out.write(table(names, [[_cell(run, name) for name in names] for run in result.matches]))
        out.write(f"{summary} ({runs.label})\n")
    return ExitCode.OK


def _cell(run: Run, path: str) -> str:
    if path == PROJECT_COLUMN and run.get(path) is None:
        return run.project
    if path == "sys/id":
        return run.id  # a run without one is named by its position, `#3`
    held = run.get(path)
    return "" if held is None else display(*held)


def _plain(run: Run, path: str) -> Any:
    if path == PROJECT_COLUMN and run.get(path) is None:
        return run.project
    held = run.get(path)
    return None if held is None else plain(*held)


def table(names: Sequence[str], rows: Sequence[Sequence[str]], max_width: int = 40) -> str:
    """A plain text table; cells longer than ``max_width`` are cut with an ellipsis."""

    def cut(cell: str) -> str:
        cell = cell.replace("\n", " ")
        return cell if display_width(cell) <= max_width else cell[: max_width - 1] + "…"

    cells = [[cut(c) for c in names], *[[cut(c) for c in row] for row in rows]]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(names))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"
