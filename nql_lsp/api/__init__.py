"""NQL from Python: open runs and fetch tables of them, as neptune-client 1.x's project did.

    import nql_lsp.api
    project = nql_lsp.api.open("exports/data")  # or a JSON/JSONL runs file; None: the bundled sample
    df = project.fetch_runs_table(query="`sys/tags`:stringSet CONTAINS \"prod\"").to_pandas()

pandas is imported only by ``to_pandas`` (install the ``pandas`` extra). See docs/python-api.md.
"""

from __future__ import annotations

from nql_lsp.api.errors import NQLError
from nql_lsp.api.project import Model, Project, open
from nql_lsp.api.tables import RunsTable, SeriesTable

__all__ = ["Model", "NQLError", "Project", "RunsTable", "SeriesTable", "open"]
