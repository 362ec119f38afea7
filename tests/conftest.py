"""Shared test helpers: queries with marked ranges, and the corpus of real queries."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw the same examples on every run, so a run never fails on a case drawn for the first
# time; `pytest --hypothesis-profile=explore` draws fresh ones, and each bug found that way is kept as an
# @example on its test.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("repeatable")

#: Real queries from Neptune's own clients, kept in the repository so every checkout tests the same ones.
CORPUS_FILE = Path(__file__).parent / "data" / "corpus.txt"


def corpus_queries() -> list[str]:
    """Real queries from Neptune's clients: one per line, '#' lines are comments."""
    lines = CORPUS_FILE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def marked(text: str) -> tuple[str, int, int]:
    """Strip one «…» marker pair and return (text, start, end) of what it enclosed, in code points."""
    start = text.index("«")
    end = text.index("»") - 1
    return text.replace("«", "").replace("»", ""), start, end


@pytest.fixture(scope="session")
def corpus() -> list[str]:
    return corpus_queries()


def pytest_configure(config: pytest.Config) -> None:
    """Summaries of runs sources are cached in a directory of the session's own, which the servers the
    end-to-end tests start inherit: a test run never writes into the user's cache."""
    import os
    import tempfile

    from nql_lsp.runs.cache import CACHE_ENV

    os.environ[CACHE_ENV] = tempfile.mkdtemp(prefix="nql-lsp-test-cache-")


def pytest_unconfigure(config: pytest.Config) -> None:
    import os
    import shutil

    from nql_lsp.runs.cache import CACHE_ENV

    if directory := os.environ.pop(CACHE_ENV, None):
        shutil.rmtree(directory, ignore_errors=True)
