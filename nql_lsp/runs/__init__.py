"""Runs to evaluate queries against: the bundled sample, JSON/JSONL files, and Neptune parquet exports.

:func:`open_runs` picks the reader from the path: none -> the bundled sample project; a directory or a
``.parquet`` file -> a Neptune exporter parquet export (needs the ``parquet`` extra); anything else -> JSON
or JSONL (docs/runs.md). ``projects`` narrows a source holding several projects to some of them
(:mod:`nql_lsp.runs.narrowed`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from nql_lsp.runs.jsonfile import read_json_runs
from nql_lsp.runs.layout import REGISTRY_SCOPES
from nql_lsp.runs.model import FloatSeries, Progress, RegistryOnlyError, Run, RunsError, RunSet, RunsSource
from nql_lsp.runs.narrowed import narrow
from nql_lsp.runs.parquet import open_parquet

__all__ = ["FloatSeries", "RegistryOnlyError", "Run", "RunSet", "RunsError", "RunsSource", "open_runs"]

SAMPLE_LABEL = "bundled sample"
SAMPLE_RESOURCE = "sample_runs.json.gz"


def open_runs(
    path: str | os.PathLike[str] | None,
    *,
    progress: Progress | None = None,
    projects: Sequence[str] = (),
    scope: str | None = None,
) -> RunsSource:
    """The runs at ``path`` (None: the bundled sample); with ``projects``, only those projects' runs.

    ``scope`` (``models``, ``model_versions``): instead of runs, the model registry entities of that scope
    an export holds (:mod:`nql_lsp.runs.layout`); only exports hold them.

    Raises :class:`RunsError` naming file and line/row, or the projects the source holds when ``projects``
    names one it does not (names match as in :func:`nql_lsp.runs.narrowed.choose_projects`)."""
    return narrow(_open(path, progress, scope), projects)


def _open(path: str | os.PathLike[str] | None, progress: Progress | None, scope: str | None) -> RunsSource:
    p = None if path is None else Path(path)
    if scope is not None and (p is None or not (p.is_dir() or p.suffix == ".parquet")):
        raise RunsError(f"{path or SAMPLE_LABEL}: only an export folder holds {REGISTRY_SCOPES[scope]}s")
    if p is None:
        return _sample(progress)
    if p.is_dir() or p.suffix == ".parquet":
        return open_parquet(p, progress=progress, scope=scope)
    return read_json_runs(p, progress=progress)


_sample_cache: RunSet | None = None


def _sample(progress: Progress | None) -> RunSet:
    global _sample_cache
    if _sample_cache is None:
        resource = resources.files("nql_lsp") / "data" / SAMPLE_RESOURCE
        with resources.as_file(resource) as file:
            _sample_cache = read_json_runs(Path(file), SAMPLE_LABEL, progress)
    return _sample_cache
