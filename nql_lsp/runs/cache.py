"""Summaries of large runs sources kept between runs of nql-lsp, so a parquet export is read once.

Reading a large export takes tens of seconds; the summary it leaves (one row per run and attribute) answers
every later query. The summary is stored under the user's cache directory, never beside the user's files,
named by a fingerprint of everything it depends on: each file's path, size and modification time, and the
code that summarises them. Any change gives a new name, so a stale summary is never read; the oldest are
pruned. ``NQL_LSP_CACHE_DIR`` moves the cache, and set to an empty string turns it off.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

CACHE_ENV = "NQL_LSP_CACHE_DIR"
KEEP = 8  # summaries kept per kind; each export a user works with is typically one


def cache_dir() -> Path | None:
    """The cache directory, or None when caching is turned off."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None:
        return Path(configured).expanduser() if configured.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "nql-lsp"


def fingerprint(files: Iterable[str], *parts: str) -> str | None:
    """A name for what ``files`` (and ``parts``, the code reading them) summarise; None if a file is gone."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(os.getcwd().encode("utf-8", "surrogatepass"))  # relative names are relative to it
    for name in files:
        try:
            st = os.stat(name)
        except OSError:
            return None
        digest.update(f"{name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def entry(kind: str, key: str | None, suffix: str) -> Path | None:
    """Where the summary named ``key`` is (or would be) kept; None when there is no cache to use."""
    root = cache_dir()
    if root is None or key is None:
        return None
    return root / kind / f"{key}{suffix}"


def beside(summary: Path, name: str) -> Path:
    """A file kept with a summary (its learned schema): named after it, pruned with it."""
    return summary.with_name(f"{summary.stem}.{name}")


def used(path: Path) -> None:
    """Mark a summary as just used, so pruning keeps it."""
    with suppress(OSError):
        os.utime(path)


def prune(directory: Path, suffix: str, keep: int = KEEP) -> None:
    """Drop all but the ``keep`` most recently used summaries in ``directory``, and the files kept beside them."""
    with suppress(OSError):
        found = sorted(directory.glob(f"*{suffix}"), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in found[keep:]:
            with suppress(OSError):
                old.unlink()
        kept = {p.stem for p in found[:keep]}
        for file in directory.iterdir():
            if not file.name.endswith(suffix) and file.name.split(".", 1)[0] not in kept:
                if ".partial" in file.name:  # being written by another nql-lsp, or left by one that stopped
                    continue
                with suppress(OSError):
                    file.unlink()
