"""Finding a neptune-exporter export inside a workspace, for an editor given no ``nql.runs``.

neptune-exporter writes ``<data>/<project folder>/<run>_part_<N>.parquet``, and a run is complete once its
``_part_0.parquet`` exists; the export to open is ``<data>``, the folder holding the project folders. The
search is bounded, because a workspace may be a home directory or a monorepo: breadth first (the
shallowest export wins), at most :data:`MAX_DEPTH` folders down and :data:`MAX_ENTRIES` directory entries
looked at in all, never into hidden folders (``.git``, ``.venv``, ...), ``node_modules`` or virtualenvs, and
never through symbolic links to folders (which could lead out of the workspace or round in a circle).
Model registry entities (``export-models``' ``models``/``model_versions`` folders) are not runs: a part
among them does not make an export.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from nql_lsp.runs.layout import registry_scope

MAX_DEPTH = 4  # folders below a workspace folder: <workspace>/exports/data/<project>/ is depth 3
MAX_ENTRIES = 20_000  # directory entries looked at, over every workspace folder
SKIPPED = frozenset({"node_modules", "__pycache__", "site-packages", "venv", "env", "build", "dist"})
PART_0 = "_part_0.parquet"


def find_export(folders: Sequence[str | os.PathLike[str]]) -> Path | None:
    """The export in the first of ``folders`` that holds one (shallowest first), or None."""
    budget = [MAX_ENTRIES]
    for folder in folders:
        found = _search(Path(folder), budget)
        if found is not None:
            return found
        if budget[0] <= 0:
            break
    return None


def _search(root: Path, budget: list[int]) -> Path | None:
    queue: deque[tuple[Path, int]] = deque([(root, 0)])
    while queue:
        folder, depth = queue.popleft()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    budget[0] -= 1
                    if budget[0] < 0:
                        return None
                    name = entry.name
                    try:
                        if entry.is_file(follow_symlinks=False):
                            if name.endswith(PART_0) and registry_scope(str(folder)) is None:
                                return _export_of(folder, root)
                        elif (
                            entry.is_dir(follow_symlinks=False)
                            and depth < MAX_DEPTH
                            and not name.startswith(".")
                            and name not in SKIPPED
                        ):
                            queue.append((Path(entry.path), depth + 1))
                    except OSError:
                        continue
        except OSError:  # unreadable, or gone meanwhile: not an export
            continue
    return None


def _export_of(project_folder: Path, root: Path) -> Path:
    """The folder holding the project folders; a part directly in the workspace folder: that folder."""
    return project_folder if project_folder == root else project_folder.parent


def describe(path: str | os.PathLike[str], folders: Sequence[str | os.PathLike[str]]) -> str:
    """``path`` as the user knows it: relative to the workspace folder holding it, else in full."""
    p = Path(path)
    for folder in folders:
        try:
            relative = p.relative_to(Path(folder))
        except ValueError:
            continue
        return relative.as_posix() if relative.parts else "."
    return str(p)
