"""Where queries come from: files on disk, standard input, and the queries inside them.

A ``.nql`` file is one query (newlines are whitespace). Other file kinds register an extractor that
finds the queries embedded in them and maps each query offset back to an offset in the file, so every
surface reports positions in the file's own coordinates.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Literal

from nql_lsp.language.records import ValueRecord
from nql_lsp.sources.query import Extraction, PlainQuery, QuerySource


class SourceFile(ValueRecord):
    path: str  # as given or found; "-" for standard input
    text: str
    queries: list[QuerySource]
    # Parts of the file whose queries could not be read (a Python syntax error, a notebook cell that is not
    # Python), one sentence each; surfaces show them but they are not diagnostics of a query.
    notes: list[str]

    __slots__ = ("notes", "path", "queries", "text")

    def __init__(
        self,
        path: str,
        text: str,
        queries: list[QuerySource] | None = None,
        notes: list[str] | None = None,
    ) -> None:
        self.path = path
        self.text = text
        self.queries = queries if queries is not None else []
        self.notes = notes if notes is not None else []


#: Finds the queries in a file: (path, text) -> what was found.
Extractor = Callable[[str, str], Extraction]


def _whole_file(path: str, text: str) -> Extraction:
    return Extraction([PlainQuery(text)])


def _python(path: str, text: str) -> Extraction:
    from nql_lsp.sources.python import extract_python  # loaded for Python files only: a quick cold check

    return extract_python(text)


def _notebook(path: str, text: str) -> Extraction:
    from nql_lsp.sources.notebook import extract_notebook  # loaded for notebooks only

    return extract_notebook(text)


#: File suffix -> how to find the queries in such a file. ``.nql`` files are one query each.
EXTRACTORS: dict[str, Extractor] = {".nql": _whole_file, ".py": _python, ".ipynb": _notebook}
#: The suffixes whose files hold queries among other code rather than being one query.
EMBEDDED_SUFFIXES = frozenset({".py", ".ipynb"})

_SKIP_DIRS = {".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv", "venv", ".tox", ".mypy_cache"}


class SourceError(Exception):
    """A path that cannot be read; the message names it and says why."""


class NotUTF8Error(SourceError):
    """A file that was read but is not UTF-8 text. Unlike a path that cannot be read, this is a fault of the
    file's content, so a checker reports it as a diagnostic of the file: ``text`` is the file with each
    undecodable sequence replaced by U+FFFD, and ``offset`` is where (in code points) the first one is."""

    def __init__(self, path: str, text: str, offset: int, byte_offset: int, byte: int) -> None:
        super().__init__(f"{path}: not UTF-8 text (invalid byte at offset {byte_offset})")
        self.path, self.text, self.offset, self.byte = path, text, offset, byte


def _os_error(path: str, e: OSError) -> SourceError:
    if isinstance(e, FileNotFoundError):
        return SourceError(f"{path}: no such file or directory")
    return SourceError(f"{path}: cannot read: {e.strerror or e}")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a special file"


def _not_regular(path: str, mode: int) -> SourceError:
    return SourceError(f"{path}: not a regular file ({_kind(mode)}); only files and directories are read")


def _walk(root: str, wanted: Collection[str]) -> Iterator[str | SourceError]:
    """The regular files under ``root`` with a wanted suffix, each directory's files (by name) before its
    subdirectories. Anything else is skipped: a FIFO named ``*.nql`` would block its read forever, and a
    link to a directory could loop. A directory that cannot be listed is yielded as its error."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError as e:
            yield _os_error(folder, e)
            continue
        subfolders = []
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in _SKIP_DIRS and not entry.name.startswith("."):
                        subfolders.append(entry.path)
                elif entry.is_file() and Path(entry.name).suffix in wanted:
                    yield entry.path
            except OSError as e:
                yield _os_error(entry.path, e)
        pending.extend(reversed(subfolders))


def path_kind(path: str) -> Literal["file", "directory"]:
    """Whether a named path is a regular file or a directory, found without opening it. Raises SourceError
    naming the path for anything else: missing, unreadable, a name too long for the system, or a FIFO or
    device, which a read would wait on forever."""
    if not path:
        raise SourceError("an empty path names no file")
    try:
        mode = os.stat(path).st_mode
    except OSError as e:
        raise _os_error(path, e) from None
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISREG(mode):
        return "file"
    raise _not_regular(path, mode)


def discover(paths: list[str], suffixes: Collection[str] | None = None) -> Iterator[str | SourceError]:
    """Files to check: named files as given, directories searched recursively for regular files with
    ``suffixes`` (by default every suffix with an extractor). A path that cannot be used is yielded as its
    error, in its place, so one bad path never hides the others."""
    wanted = EXTRACTORS.keys() if suffixes is None else suffixes
    for raw in paths:
        if raw == "-":
            yield raw
            continue
        try:
            kind = path_kind(raw)
        except SourceError as e:
            yield e
            continue
        if kind == "directory":
            yield from _walk(raw, wanted)
        else:
            yield raw


def _read_bytes(path: str) -> bytes:
    """The bytes of a regular file. The file is opened without blocking and checked before it is read, so a
    FIFO or device put in a file's place is refused rather than waited on."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if not stat.S_ISREG(mode):
            raise _not_regular(path, mode)
        return file.read()


def _decode(path: str, raw: bytes) -> str:
    """UTF-8 text, less a leading byte order mark; raises NotUTF8Error with where the first bad byte is."""
    bom = len(codecs.BOM_UTF8) if raw.startswith(codecs.BOM_UTF8) else 0
    body = raw[bom:]
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        offset = len(body[: e.start].decode("utf-8"))
        raise NotUTF8Error(path, body.decode("utf-8", "replace"), offset, bom + e.start, body[e.start]) from None


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
        raw = _read_bytes(path)
    except OSError as e:
        raise _os_error(path, e) from None
    text = _decode(path, raw)
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
    for path in discover(paths, suffixes):
        if isinstance(path, SourceError):
            yield path
            continue
        try:
            yield read_source(path, stdin_text, extract, stdin_name)
        except SourceError as e:
            yield e
