"""Where queries come from: files on disk, standard input, and the queries inside them.

A ``.nql`` file is one query (newlines are whitespace). Other file kinds register an extractor that
finds the queries embedded in them and maps each query offset back to an offset in the file, so every
surface reports positions in the file's own coordinates.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from nql_lsp.sources.notebook import extract_notebook
from nql_lsp.sources.python import extract_python
from nql_lsp.sources.query import Extraction, PlainQuery, QuerySource


@dataclass(slots=True)
class SourceFile:
    path: str  # as given or found; "-" for standard input
    text: str
    queries: list[QuerySource] = field(default_factory=list)
    # Parts of the file whose queries could not be read (a Python syntax error, a notebook cell that is not
    # Python), one sentence each; surfaces show them but they are not diagnostics of a query.
    notes: list[str] = field(default_factory=list)


#: Finds the queries in a file: (path, text) -> what was found.
Extractor = Callable[[str, str], Extraction]


def _whole_file(path: str, text: str) -> Extraction:
    return Extraction([PlainQuery(text)])


def _python(path: str, text: str) -> Extraction:
    return extract_python(text)


def _notebook(path: str, text: str) -> Extraction:
    return extract_notebook(text)


#: File suffix -> how to find the queries in such a file. ``.nql`` files are one query each.
EXTRACTORS: dict[str, Extractor] = {".nql": _whole_file, ".py": _python, ".ipynb": _notebook}
#: The suffixes whose files hold queries among other code rather than being one query.
EMBEDDED_SUFFIXES = frozenset({".py", ".ipynb"})

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}


class SourceError(Exception):
    """A path that cannot be read; the message names it and says why."""


def discover(paths: list[str], suffixes: Collection[str] | None = None) -> Iterator[str]:
    """Files to check: named files as given, directories searched recursively for ``suffixes`` (by
    default every suffix with an extractor)."""
    wanted = EXTRACTORS.keys() if suffixes is None else suffixes
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
                    if Path(name).suffix in wanted:
                        found.append(os.path.join(root, name))
            yield from found
        elif path.exists():
            yield raw
        else:
            raise SourceError(f"{raw}: no such file or directory")


def read_source(
    path: str, stdin_text: str | None = None, extract: bool = True, stdin_name: str | None = None
) -> SourceFile:
    """Read one file (or standard input for ``-``) and, unless ``extract`` is off, find its queries.

    Standard input is one query, unless ``stdin_name`` names a file kind with embedded queries (an editor
    piping a Python buffer with ``--stdin-filename report.py``)."""
    if path == "-":
        text = stdin_text if stdin_text is not None else ""
        suffix = Path(stdin_name).suffix if stdin_name else ""
        if extract and suffix in EMBEDDED_SUFFIXES:
            found = EXTRACTORS[suffix](stdin_name or path, text)
            return SourceFile(path, text, list(found), [f"{stdin_name}: {n}" for n in getattr(found, "notes", [])])
        return SourceFile(path, text, [PlainQuery(text)])
    try:
        raw = Path(path).read_bytes()
    except OSError as e:
        raise SourceError(f"{path}: cannot read: {e.strerror or e}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise SourceError(f"{path}: not UTF-8 text (invalid byte at offset {e.start})") from None
    if not extract:
        return SourceFile(path, text)
    found = EXTRACTORS.get(Path(path).suffix, _whole_file)(path, text)
    return SourceFile(path, text, list(found), [f"{path}: {note}" for note in getattr(found, "notes", [])])


def iter_sources(
    paths: list[str],
    stdin_text: str | None = None,
    suffixes: Collection[str] | None = None,
    extract: bool = True,
    stdin_name: str | None = None,
) -> Iterator[SourceFile | SourceError]:
    """Every file the paths name or hold, read; a path that cannot be read yields its error instead, so
    one bad path never hides the others."""
    for raw in paths:
        try:
            files = list(discover([raw], suffixes))
        except SourceError as e:
            yield e
            continue
        for path in files:
            try:
                yield read_source(path, stdin_text, extract, stdin_name)
            except SourceError as e:
                yield e
