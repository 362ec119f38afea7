"""Writes a two-project export in neptune-exporter's layout for the explorer's browser test.

Usage, from the repository root (it reuses the tests' exporter shapes):
``PYTHONPATH=. python explorer/test/two_projects.py DIR``.

team/vision holds RUN-1, RUN-2, RUN-3 (last train/acc 0.9, 0.4, 0.8); team/speech holds its own RUN-1 and
RUN-4 (0.7, 0.3): two projects sharing a run id, as real exports do.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tests.neptune_exporter_shapes import neptune2_run, write_run

RUNS = {
    "team/vision": {"RUN-1": 0.9, "RUN-2": 0.4, "RUN-3": 0.8},
    "team/speech": {"RUN-1": 0.7, "RUN-4": 0.3},
}


def main(root: Path) -> None:
    for project, runs in RUNS.items():
        for run, last in runs.items():
            name = f"{project.split('/')[1]}-{run.lower()}"
            write_run(root, project, run, neptune2_run(project, run, name, [0.1, last / 2, last]))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
