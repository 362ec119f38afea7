"""``nql-lsp``'s arguments and which mode they select: serve LSP (the default), check, format or preview.

Each mode lives in its own module and is imported only when chosen, so start-up stays light: the check
path never imports pygls or lsprotocol, which only the server needs.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from nql_lsp import __version__
from nql_lsp.cli.exit_codes import ExitCode

DEFAULT_LINE_WIDTH = 80


class _Formatter(argparse.HelpFormatter):
    """argparse's help formatter, told the terminal's width as ``shutil.get_terminal_size`` would say it.

    argparse makes a formatter for every ``add_argument`` and, not told a width, imports shutil (and with
    it bz2, lzma and fnmatch) to ask for one: milliseconds on every cold ``--check`` of a pre-commit hook."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None):
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)


def _columns() -> int:
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80  # type: ignore[union-attr]
    except (AttributeError, ValueError, OSError):
        return 80


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nql-lsp",
        formatter_class=_Formatter,
        description="Language server and checker for the Neptune Query Language (NQL). "
        "With no mode flag, serves LSP over stdio.",
    )
    p.add_argument("--version", action="version", version=f"nql-lsp {__version__}")
    mode = p.add_argument_group("modes")
    mode.add_argument(
        "--check",
        action="store_true",
        help="check PATHs (.nql, .py and .ipynb files; directories searched recursively; - for stdin)",
    )
    mode.add_argument(
        "--format",
        action="store_true",
        help="format PATHs in place (- prints to stdout); with --check, only report which "
        "would change; with --diff, print a unified diff",
    )
    mode.add_argument("--diff", action="store_true", help="with --format: print a diff, change nothing")
    mode.add_argument(
        "--line-width", type=int, default=DEFAULT_LINE_WIDTH, metavar="N", help="with --format: line width"
    )
    convert = p.add_argument_group("converting")
    convert.add_argument(
        "--convert",
        choices=("filter", "mlflow"),
        help="convert the queries of PATHs (or a QUERY given as the argument) to neptune-query Filter code "
        "or to an MLflow search over runs neptune-exporter loaded",
    )
    convert.add_argument(
        "--reverse", action="store_true", help="with --convert filter: Python Filter expressions to NQL"
    )
    convert.add_argument(
        "--project",
        action="append",
        metavar="NAME",
        help="only the runs of project NAME (workspace/project, or project alone when one workspace holds it; "
        "repeatable) with --preview, --check --runs and explore; with --convert mlflow: the Neptune project "
        "of the runs (once)",
    )
    convert.add_argument(
        "--name-prefix", metavar="PREFIX", help="with --convert mlflow: the prefix of the MLflow experiment names"
    )
    preview = p.add_argument_group("previewing")
    preview.add_argument(
        "--preview", metavar="QUERY", help="print the runs QUERY returns (from --runs, or the bundled sample project)"
    )
    preview.add_argument(
        "--runs",
        metavar="PATH",
        help="runs to preview against and to check names and types against: a JSON/JSONL "
        "file or a Neptune parquet export directory",
    )
    preview.add_argument("--trashed", action="store_true", help="with --preview: include trashed runs")
    preview.add_argument("--columns", metavar="A,B", help="with --preview: the attribute paths to show")
    serve = p.add_argument_group("serving")
    serve.add_argument("--stdio", action="store_true", help="serve LSP over stdio (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="serve LSP over TCP")
    serve.add_argument("--ws", metavar="HOST:PORT", help="serve LSP over WebSocket")
    check = p.add_argument_group("checking")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - reads stdin")
    check.add_argument(
        "--output-format",
        metavar="FORMAT",
        help="--check: full (default), concise, json, github or sarif; --preview: table (default), json or csv",
    )
    check.add_argument("--warnings-as-errors", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found")
    check.add_argument(
        "--stdin-filename",
        metavar="NAME",
        help="the name to report for stdin; a .py or .ipynb name reads stdin as that kind of file",
    )
    return p


def _explore_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nql-lsp explore",
        formatter_class=_Formatter,
        description="Open a local runs explorer in the browser: an NQL editor on the language server, the runs "
        "table, a run's attributes and charts of its series. Prints the page's URL (with its access token).",
    )
    p.add_argument(
        "path", nargs="?", metavar="PATH", help="an export folder or a JSON/JSONL runs file (default: the sample)"
    )
    p.add_argument(
        "--host", default="127.0.0.1", help="the address to listen on (default: 127.0.0.1, this machine only)"
    )
    p.add_argument("--port", type=int, default=0, help="the port to listen on (default: any free port)")
    p.add_argument("--no-browser", action="store_true", help="print the URL without opening a browser")
    p.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="NAME",
        help="only the runs of project NAME (workspace/project, or project alone; repeatable)",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["explore"]:
        return _explore(argv[1:])
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _run(parser, args)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except Exception as e:
        if not _stopped(e):
            raise
        return ExitCode.INTERRUPTED


def _stopped(error: Exception) -> bool:
    """A duckdb statement Ctrl-C stopped (any mode may run one: a preview's query, a page of its runs):
    the end Ctrl-C anywhere else has. Looked up only on the way out, so start-up never imports the readers."""
    from nql_lsp.runs.query_progress import stopped_by_ctrl_c

    return stopped_by_ctrl_c(error)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if "" in args.paths or args.runs == "":
        parser.error("an empty PATH names no file (use . for the current directory)")
    if any(not name.strip() for name in args.project or ()):
        parser.error("an empty --project names no project (leave it out for every project)")
    if (args.diff or args.line_width != DEFAULT_LINE_WIDTH) and not args.format:
        parser.error("--diff and --line-width are only taken with --format")
    if args.convert is not None:
        return _convert(parser, args)
    if args.reverse or args.name_prefix is not None:
        parser.error("--reverse and --name-prefix are only taken with --convert")
    if args.preview is not None:
        return _preview(parser, args)
    if args.trashed or args.columns:
        parser.error("--trashed and --columns are only taken with --preview")
    if args.project and not (args.check and args.runs is not None and not args.format):
        parser.error("--project is only taken with --preview, --check --runs, explore or --convert mlflow")
    if args.format:
        from nql_lsp.cli.format import run_format

        return run_format(args.paths, check=args.check, diff=args.diff, line_width=args.line_width)
    if args.check:
        return _check(parser, args)
    if args.paths:
        parser.error("paths are only taken with a mode such as --check")
    if args.runs is not None:
        parser.error("--runs is only taken with --preview or --check")
    return _serve(parser, args)


def _explore(argv: list[str]) -> int:
    args = _explore_parser().parse_args(argv)
    if args.path == "":
        _explore_parser().error("an empty PATH names no file")
    if any(not name.strip() for name in args.project):
        _explore_parser().error("an empty --project names no project (leave it out for every project)")
    from nql_lsp.cli.explore import run_explore

    try:
        return run_explore(
            args.path, args.host, args.port, open_browser=not args.no_browser, projects=tuple(args.project)
        )
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED


def _preview(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from nql_lsp.cli.preview import FORMATS, run_preview

    fmt = args.output_format or "table"
    if fmt not in FORMATS:
        parser.error(f"--output-format for --preview is one of {', '.join(FORMATS)}; got {fmt!r}")
    if args.check or args.format or args.paths:
        parser.error("--preview takes its query as its argument, and no other mode or PATH")
    return run_preview(
        args.preview,
        args.runs,
        trashed=args.trashed,
        columns=args.columns,
        output_format=fmt,
        projects=tuple(args.project or ()),
    )


def _convert(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from nql_lsp.cli.convert import run_convert

    if args.check or args.format or args.preview is not None:
        parser.error("--convert takes PATHs or a QUERY, and no other mode")
    projects = args.project or []
    if projects and args.convert != "mlflow":
        parser.error("--project is taken by --convert mlflow, not --convert filter")
    if len(projects) > 1:
        parser.error("--convert mlflow takes one --project: the project its runs were loaded from")
    return run_convert(
        args.convert,
        args.paths,
        reverse=args.reverse,
        runs=args.runs,
        project=projects[0] if projects else None,
        name_prefix=args.name_prefix,
        stdin_filename=args.stdin_filename,
        output_format=args.output_format or "text",
    )


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from nql_lsp.cli.check import run_check
    from nql_lsp.cli.render import FORMATS

    fmt = args.output_format or "full"
    if fmt not in FORMATS:
        parser.error(f"--output-format for --check is one of {', '.join(FORMATS)}; got {fmt!r}")
    return run_check(
        args.paths,
        output_format=fmt,
        runs_path=args.runs,
        projects=tuple(args.project or ()),
        stdin_filename=args.stdin_filename,
        warnings_as_errors=args.warnings_as_errors,
        exit_zero=args.exit_zero,
    )


def _serve(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.tcp and args.ws:
        parser.error("--tcp and --ws are exclusive")
    transport, address = ("tcp", args.tcp) if args.tcp else ("ws", args.ws) if args.ws else ("stdio", None)
    host, port = "127.0.0.1", 0
    if address is not None:
        host, _, raw_port = address.rpartition(":")
        if not host or not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
            parser.error(f"--{transport} takes HOST:PORT, such as 127.0.0.1:2087; got {address!r}")
        host, port = host.strip("[]"), int(raw_port)
    if transport == "ws":
        try:
            import websockets  # noqa: F401
        except ImportError:
            from nql_lsp.cli.render import note

            note("--ws needs the ws extra: pip install 'nql-lsp[ws]'")
            return ExitCode.USAGE
    from nql_lsp.server import serve

    serve(transport, host, port)
    return ExitCode.OK
