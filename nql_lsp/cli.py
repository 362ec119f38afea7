"""The ``nql-lsp`` command: serve LSP (the default) or check queries for CI.

Start-up stays light: the check path never imports pygls or lsprotocol, which only the server needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__

EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="nql-lsp",
        description="Language server and checker for the Neptune Query Language (NQL). "
                    "With no mode flag, serves LSP over stdio.",
    )
    p.add_argument("--version", action="version", version=f"nql-lsp {__version__}")
    mode = p.add_argument_group("modes")
    mode.add_argument("--check", action="store_true",
                      help="check PATHs (.nql files, directories searched recursively, - for stdin)")
    mode.add_argument("--format", action="store_true",
                      help="format PATHs in place (- prints to stdout); with --check, only report which "
                           "would change; with --diff, print a unified diff")
    mode.add_argument("--diff", action="store_true", help="with --format: print a diff, change nothing")
    mode.add_argument("--line-width", type=int, default=80, metavar="N", help="with --format: line width")
    serve = p.add_argument_group("serving")
    serve.add_argument("--stdio", action="store_true", help="serve LSP over stdio (the default)")
    serve.add_argument("--tcp", metavar="HOST:PORT", help="serve LSP over TCP")
    serve.add_argument("--ws", metavar="HOST:PORT", help="serve LSP over WebSocket")
    check = p.add_argument_group("checking")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or directories; - reads stdin")
    check.add_argument("--output-format", metavar="FORMAT",
                       help="full (default), concise, json, github or sarif")
    check.add_argument("--warnings-as-errors", action="store_true", help="exit 1 on warnings too")
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even when errors are found")
    check.add_argument("--stdin-filename", metavar="NAME", help="the name to report for stdin")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if (args.diff or args.line_width != 80) and not args.format:
            parser.error("--diff and --line-width are only taken with --format")
        if args.format:
            from .format_command import run_format

            return run_format(args.paths, check=args.check, diff=args.diff, line_width=args.line_width)
        if args.check:
            return _check(parser, args)
        if args.paths:
            parser.error("paths are only taken with a mode such as --check")
        return _serve(parser, args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return EXIT_OK


def _check(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    from .analysis import analyze
    from .diagnostics import Severity
    from .reporting import FORMATS, FORMATTERS, FileReport
    from .sources import SourceError, discover, read_source
    from .text import LineIndex

    fmt = args.output_format or "full"
    if fmt not in FORMATS:
        parser.error(f"--output-format for --check is one of {', '.join(FORMATS)}; got {fmt!r}")
    paths = args.paths or ["."]
    stdin_text = sys.stdin.read() if "-" in paths else None
    reports: list[FileReport] = []
    unreadable = False
    for raw in paths:
        try:
            files = list(discover([raw]))
        except SourceError as e:
            print(f"nql-lsp: {e}", file=sys.stderr)
            unreadable = True
            continue
        for path in files:
            try:
                source = read_source(path, stdin_text)
            except SourceError as e:
                print(f"nql-lsp: {e}", file=sys.stderr)
                unreadable = True
                continue
            diagnostics = [q.map_diagnostic(d) for q in source.queries for d in analyze(q.text).diagnostics]
            diagnostics.sort(key=lambda d: (d.start, d.end, d.code))
            name = (args.stdin_filename or "-") if path == "-" else path
            reports.append(FileReport(name, LineIndex(source.text), diagnostics))
    sys.stdout.write(FORMATTERS[fmt](reports))
    failing = {Severity.ERROR, Severity.WARNING} if args.warnings_as_errors else {Severity.ERROR}
    found = any(d.severity in failing for r in reports for d in r.diagnostics)
    if unreadable:
        return EXIT_USAGE
    if args.exit_zero:
        return EXIT_OK
    return EXIT_ERRORS if found else EXIT_OK


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
            print("nql-lsp: --ws needs the ws extra: pip install 'nql-lsp[ws]'", file=sys.stderr)
            return EXIT_USAGE
    from .server import serve

    serve(transport, host, port)
    return EXIT_OK
