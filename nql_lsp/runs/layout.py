"""Which files of a neptune-exporter export are runs, which runs are incomplete, which are not runs at all.

The exporter (``storage/parquet_writer.py``) writes ``<data>/<project folder>/<run>_part_<N>.parquet``,
the project folder being the sanitised project id with a ``-<16 hex digits>`` digest. It writes each part as
``.parquet.tmp`` and renames them highest first, ``part_0`` last: a run is exported once its
``_part_0.parquet`` exists. Its ``export-models`` command writes model registry entities with the same
writer one folder deeper, ``<project folder>/models/`` and ``<project folder>/model_versions/``: they are not
runs (``fetch_runs_table`` never listed them), so they are counted and left out of the runs. A project
folder always carries the digest, so a folder named ``models`` is never a project folder.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

#: A part file's name: ``<run>_part_<N>.parquet``.
PART_NAME = re.compile(r"(?P<run>.+)_part_(?P<n>\d+)\.parquet")
#: The folders ``export-models`` writes inside a project folder, and what each holds.
REGISTRY_SCOPES = {"models": "model", "model_versions": "model version"}
_PROJECT_FOLDER = re.compile(r".+-[0-9a-f]{16}")
_FIRST = "_part_0.parquet"


@dataclass
class ExportLayout:
    """The files to read as runs, and what was found but is not read as runs (named for the warnings)."""

    files: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)
    #: scope ("models", "model_versions") -> how many complete entities of it were left out
    registry: dict[str, int] = field(default_factory=dict)

    def registry_note(self) -> str | None:
        """One line saying which model registry entities were left out, or None when there were none."""
        held = [
            f"{n:,} {noun}{'s' if n != 1 else ''}"
            for scope, noun in REGISTRY_SCOPES.items()
            if (n := self.registry.get(scope, 0))
        ]
        if not held:
            return None
        return (
            f"{' and '.join(held)} left out: model registry entities written by export-models are not runs "
            "(fetch_runs_table never listed them)"
        )


def registry_scope(folder: str) -> str | None:
    """The model registry scope ``folder`` holds (``models``/``model_versions``), or None for a runs folder."""
    head, name = os.path.split(folder.rstrip(os.sep))
    if name in REGISTRY_SCOPES and _PROJECT_FOLDER.fullmatch(os.path.basename(head)):
        return name
    return None


def export_layout(path: Path, scope: str | None = None) -> ExportLayout:
    """The parquet files of the complete runs under ``path`` (searched recursively), and what was left out.

    ``scope`` (``models``, ``model_versions``): that scope's model registry entities instead of the runs.
    Files not named like parts are read as runs only when the folder holds no parts at all (a hand-made
    export)."""
    if not path.is_dir():
        return ExportLayout(files=[str(path)] if scope is None else [])
    parts: dict[tuple[str, str], list[tuple[int, str]]] = {}
    others: list[str] = []
    registry: dict[str, set[str]] = {}
    # One walk over names, no Path per file: an export holds tens of thousands of parts.
    for folder, _, names in os.walk(path):
        prefix = folder + os.sep
        held = registry_scope(folder)
        wanted = held == scope
        for name in names:
            if wanted and name.endswith(_FIRST) and len(name) > len(_FIRST):  # the usual part: no regex
                parts.setdefault((folder, name[: -len(_FIRST)]), []).append((0, prefix + name))
            elif name.endswith(".parquet"):
                m = PART_NAME.fullmatch(name)
                if m is None:
                    if held is None:
                        others.append(prefix + name)
                elif wanted:
                    parts.setdefault((folder, m["run"]), []).append((int(m["n"]), prefix + name))
                elif held is not None and m["n"] == "0":
                    registry.setdefault(held, set()).add(m["run"])
            elif name.endswith(".parquet.tmp") and wanted:  # still being written: never read, but counted
                m = PART_NAME.fullmatch(name.removesuffix(".tmp"))
                if m is not None:
                    parts.setdefault((folder, m["run"]), [])
    counts = {held: len(names) for held, names in registry.items()}
    if not parts:
        return ExportLayout(files=sorted(others) if scope is None else [], registry=counts)
    layout = ExportLayout(registry=counts)
    # Sorted as (folder, run) pairs would be, by one string each: comparing tuples costs more than the walk.
    for (folder, run), found in sorted(parts.items(), key=lambda item: f"{item[0][0]}\0{item[0][1]}"):
        if len(found) == 1 and found[0][0] == 0:  # the usual run: one part
            layout.files.append(found[0][1])
        elif any(n == 0 for n, _ in found):
            layout.files += [f for _, f in sorted(found)]
        else:
            layout.incomplete.append(os.path.join(folder, run))
    return layout


def export_files(path: Path) -> tuple[list[str], list[str]]:
    """The parquet files of the complete runs under ``path``, and the runs left out as incomplete."""
    layout = export_layout(path)
    return layout.files, layout.incomplete
