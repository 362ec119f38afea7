"""RE2, the regex engine Neptune runs ``MATCHES`` with: whether a pattern compiles, and compiling it.

The checker reports a pattern RE2 refuses, and every evaluator searches with RE2, so the two cannot
disagree on what a pattern means.

RE2 itself is loaded by the first pattern compiled, not by importing this module: the checker imports
:func:`regex_error` with the rest of its catalog reads, and a check of a query without ``MATCHES`` never
needs the engine. (An import inside the checker's function instead cost each ``MATCHES`` clause of every
analysis a few microseconds, the import system's way of finding a module it has already loaded.)
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

_ENGINE: tuple[Any, Any] | None = None  # the re2 module and the options every pattern is compiled with


def _engine() -> tuple[Any, Any]:
    global _ENGINE
    if _ENGINE is None:
        import re2

        options = re2.Options()
        options.log_errors = False  # otherwise every bad pattern is also printed to stderr
        _ENGINE = (re2, options)
    return _ENGINE


@lru_cache(maxsize=1024)
def regex_error(pattern: str) -> str | None:
    """RE2's complaint about ``pattern``, or None when it compiles."""
    re2, options = _engine()
    try:
        re2.compile(pattern, options)
    except re2.error as e:
        detail = e.args[0] if e.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return str(detail) or "the pattern does not compile"
    return None


def compile_regex(pattern: str) -> Any:
    """The compiled pattern (raises ``re2.error`` when it does not compile: check with :func:`regex_error`)."""
    re2, options = _engine()
    return re2.compile(pattern, options)
