"""Where queries come from: files on disk, standard input, and the queries inside them.

A ``.nql`` file is one query (newlines are whitespace). Other file kinds register an extractor that
finds the queries embedded in them and maps each query offset back to an offset in the file, so every
surface reports positions in the file's own coordinates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from .diagnostics import Diagnostic, Edit, Fix, Related


@dataclass(slots=True)
class QuerySource:
    """One query inside a file. ``start`` is where the query text begins in the file."""

    text: str
    start: int = 0
    # Maps an offset in ``text`` to an offset in the file; the default is a plain shift by ``start``.
    to_file: Callable[[int], int] | None = None
    # Turns replacement text for the query into replacement text for the file (e.g. re-escaping it for
    # a Python string literal); None when the file holds the query verbatim.
    encode: Callable[[str], str] | None = None

    def file_offset(self, offset: int) -> int:
        return self.to_file(offset) if self.to_file is not None else self.start + offset

    def map_diagnostic(self, d: Diagnostic) -> Diagnostic:
        """The diagnostic in file offsets, its fixes' replacement text encoded for the file."""
        at = self.file_offset
        enc = self.encode or (lambda s: s)
        fixes = tuple(
            Fix(f.message, tuple(Edit(at(e.start), at(e.end), enc(e.new_text)) for e in f.edits))
            for f in d.fixes
        )
        related = tuple(Related(at(r.start), at(r.end), r.message) for r in d.related)
        return replace(d, start=at(d.start), end=at(d.end), fixes=fixes, related=related)


@dataclass(slots=True)
class SourceFile:
    path: str  # as given or found; "-" for standard input
    text: str
    queries: list[QuerySource] = field(default_factory=list)


Extractor = Callable[[str, str], list[QuerySource]]


def _whole_file(path: str, text: str) -> list[QuerySource]:
    return [QuerySource(text)]


#: File suffix -> how to find the queries in such a file. ``.nql`` files are one query each.
EXTRACTORS: dict[str, Extractor] = {".nql": _whole_file}

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}


class SourceError(Exception):
    """A path that cannot be read; the message names it and says why."""


def discover(paths: list[str]) -> Iterator[str]:
    """Files to check: named files as given, directories searched recursively for known suffixes."""
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        path = Path(raw)
        if path.is_dir():
            found: list[str] = []
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
                for name in sorted(files):
                    if Path(name).suffix in EXTRACTORS:
                        found.append(os.path.join(root, name))
            yield from found
        elif path.exists():
            yield raw
        else:
            raise SourceError(f"{raw}: no such file or directory")


def read_source(path: str, stdin_text: str | None = None) -> SourceFile:
    """Read one file (or standard input for ``-``) and find its queries."""
    if path == "-":
        text = stdin_text if stdin_text is not None else ""
        return SourceFile(path, text, [QuerySource(text)])
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SourceError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not UTF-8 text (invalid byte at offset {e.start})") from None
    extract = EXTRACTORS.get(Path(path).suffix, _whole_file)
    return SourceFile(path, text, extract(path, text))
