"""Giving freed memory back to the system once documents are closed.

Python frees a closed document's text, trees and analyses, but glibc keeps the freed heap pages mapped
for the next allocation: after a 10 MB document, or a thousand documents, was served and closed, the
server's resident size stayed at its high-water mark for the rest of the editor session. ``malloc_trim``
returns the free pages; it is asked for when a large document closes or the last one does, not on every
close (it walks the heap).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable
from functools import cache

#: A document at least this long is worth trimming after: its text and analyses took megabytes.
LARGE_DOCUMENT = 1_000_000


@cache
def _trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where there is none (macOS, musl, Windows)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_freed() -> bool:
    """Return the heap's free pages to the system; True when the C library could be asked."""
    trim = _trim()
    if trim is None:
        return False
    trim(0)
    return True
