"""The `nql-lsp` command: check, format, preview and serve, each a thin layer over the core."""

from nql_lsp.cli.app import main

__all__ = ["main"]
