"""Runs of some projects only: ``--project`` and ``nql.project`` narrow a source that holds several.

A run is its project and its id, and an export of a workspace (or of several ``-p``) holds many projects.
Narrowing keeps the runs of the projects named, and everything that reads the source sees only those:
counts, the learned schema, queries, a run by id.

Names are matched as the export holds them, ``workspace/project`` (neptune-exporter's ``project_id``). A bare
``project`` also matches, when exactly one held project is ``<some workspace>/project``; when several
workspaces hold a project of that name, the bare name is refused with the full names to choose from. A name
the source does not hold is refused with the names it does hold.

A parquet export is narrowed without reading it again: its summary tables (cached once per export) are
left as they are, and the narrowed source queries views over them that keep the chosen projects' runs, in a
schema of their own that a cursor of its own puts first on its search path. The SQL of every reader
(:mod:`nql_lsp.evaluation.pushdown`, the learned schema, ``fetch``) then names the same tables and sees only
those runs.
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Iterable, Sequence

from nql_lsp.runs.model import RunsError, RunSet, RunsSource
from nql_lsp.runs.parquet import ParquetRunSet

__all__ = ["choose_projects", "narrow", "narrowed_label", "projects_of"]

#: The summary tables a query reads; a narrowed export has a filtered view of each.
_NARROWED_TABLES = ("nql_runs", "nql_scalars", "nql_series")
_schemas = itertools.count(1)


def projects_of(runs: RunsSource) -> list[str]:
    """The projects a source holds, sorted ("" for runs that name none)."""
    if isinstance(runs, ParquetRunSet):
        return list(runs.projects)
    return sorted({run.project for run in runs})


def choose_projects(held: Sequence[str], asked: Iterable[str], label: str) -> list[str]:
    """The held project names that ``asked`` names (in held order); raises :class:`RunsError` otherwise."""
    named = [p for p in held if p]
    chosen: set[str] = set()
    for name in asked:
        want = name.strip()
        if want in named:
            chosen.add(want)
            continue
        bare = [p for p in named if "/" not in want and p.rsplit("/", 1)[-1] == want]
        if len(bare) == 1:
            chosen.add(bare[0])
            continue
        if bare:
            raise RunsError(f"{label}: project {want!r} is held by several workspaces: {_listed(bare)}; name one")
        if not named:
            raise RunsError(f"{label}: holds no named projects, so cannot be narrowed to {want!r}")
        raise RunsError(f"{label}: no project {want!r}; it holds {_listed(named)}")
    return [p for p in held if p in chosen]


def _listed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:10])
    return shown + (f", … ({len(names):,} in all)" if len(names) > 10 else "")


def narrowed_label(label: str, projects: Sequence[str]) -> str:
    word = "project" if len(projects) == 1 else "projects"
    return f"{label}, {word} {', '.join(projects)}"


def narrow(runs: RunsSource, asked: Sequence[str]) -> RunsSource:
    """``runs`` with only the runs of the projects ``asked`` names (all of them for none)."""
    if not asked:
        return runs
    chosen = choose_projects(projects_of(runs), asked, runs.label)
    if isinstance(runs, ParquetRunSet):
        return _narrow_export(runs, chosen)
    keep = set(chosen)
    return RunSet([run for run in runs if run.project in keep], narrowed_label(runs.label, chosen), list(runs.warnings))


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _narrow_export(source: ParquetRunSet, projects: list[str]) -> ParquetRunSet:
    """The export seen through views keeping ``projects``' runs; the summary and its cache stay untouched.

    The copy shares the export's database (its tables, or the cached summary attached read-only) through a
    cursor of its own, whose search path finds the views first."""
    schema = f"nql_narrow_{next(_schemas)}"
    wanted = ", ".join(_quoted(p) for p in projects)
    # A run's key starts with its project and chr(31) (RUN_KEY_SQL): testing that prefix costs less than
    # joining every row with the chosen runs.
    keys = " OR ".join(f"starts_with(run_id, {_quoted(p)} || chr(31))" for p in projects)
    # A cursor of its own for the views, too: the export's connection may be answering a query on another
    # thread (an editor narrowing what it previews meanwhile), and a connection serves one caller at once.
    ddl = source.con.cursor()
    try:
        ddl.execute(f"CREATE SCHEMA {schema}")
        ddl.execute(f"CREATE VIEW {schema}.nql_runs AS SELECT * FROM main.nql_runs WHERE project IN ({wanted})")
        for table in _NARROWED_TABLES[1:]:
            ddl.execute(f"CREATE VIEW {schema}.{table} AS SELECT * FROM main.{table} WHERE {keys}")
    finally:
        ddl.close()
    cursor = source.con.cursor()
    cursor.execute("SET TimeZone = 'UTC'")
    cursor.execute(f"SET search_path = '{schema},main'")
    narrowed = copy.copy(source)
    narrowed.con = cursor
    narrowed.label = narrowed_label(source.label, projects)
    narrowed.projects = list(projects)
    narrowed._loaded = None
    narrowed._count = cursor.execute("SELECT count(*) FROM nql_runs").fetchone()[0]
    narrowed.warnings = list(source.warnings)
    return narrowed
