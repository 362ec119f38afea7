"""RE2, the regex engine Neptune runs ``MATCHES`` with: whether a pattern compiles, and compiling it.

The checker reports a pattern RE2 refuses, and every evaluator searches with RE2, so the two cannot
disagree on what a pattern means.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # otherwise every bad pattern is also printed to stderr


@lru_cache(maxsize=1024)
def regex_error(pattern: str) -> str | None:
    """RE2's complaint about ``pattern``, or None when it compiles."""
    try:
        re2.compile(pattern, _OPTIONS)
    except re2.error as e:
        detail = e.args[0] if e.args else ""
        if isinstance(detail, bytes):
            detail = detail.decode("utf-8", "replace")
        return str(detail) or "the pattern does not compile"
    return None


def compile_regex(pattern: str) -> Any:
    """The compiled pattern (raises ``re2.error`` when it does not compile: check with :func:`regex_error`)."""
    return re2.compile(pattern, _OPTIONS)
