"""The page's "copy as" menu: the query as neptune-query ``Filter`` code or as an MLflow search.

The conversions are :mod:`nql_lsp.features.convert`'s, analysed against the explorer's own runs, so a
field the query leaves untyped gets the type the export holds (as the editor's checker does). What cannot
be said in the other library comes back as problems with their codes and the part of the query they
speak of, for the page to show beside the code rather than hide: an error means there is no code.
"""

from __future__ import annotations

from typing import Any

from nql_lsp.evaluation.engine import schema_of
from nql_lsp.features.convert.mlflow import to_mlflow
from nql_lsp.features.convert.problems import Problem
from nql_lsp.features.convert.to_filter import to_filter
from nql_lsp.runs import RunsSource

TARGETS = ("filter", "mlflow")
MAX_QUERY = 20_000  # as a table query: longer ones are refused


class Unknown(ValueError):
    """A conversion the page asked for that does not exist; the message lists the ones that do."""


def convert(runs: RunsSource, query: str, to: str, project: str | None = None) -> dict[str, Any]:
    """``text`` (the code, or None when a problem stops it), ``exact`` and ``problems``.

    For MLflow, ``exact`` says the query is one ``filter_string`` (then also given on its own); otherwise
    ``text`` is the ``search_runs`` snippet with a pandas post-filter. ``project`` limits that snippet to
    the project's experiments, as the page's project picker limits the table."""
    if to not in TARGETS:
        raise Unknown(f"`to` to be one of {', '.join(TARGETS)}")
    if len(query) > MAX_QUERY:
        raise Unknown(f"a query of at most {MAX_QUERY:,} characters")
    schema = schema_of(runs)
    if to == "filter":
        code = to_filter(query, schema)
        return {
            "to": to,
            "text": code.code,
            "exact": code.code is not None,
            "problems": _problems(query, code.problems),
        }
    search = to_mlflow(query, schema, project=project or None)
    return {
        "to": to,
        "text": search.filter_string if search.exact else search.snippet,
        "filter_string": search.filter_string,
        "exact": search.exact,
        "problems": _problems(query, search.problems),
    }


def _problems(query: str, problems: tuple[Problem, ...]) -> list[dict[str, Any]]:
    return [
        {
            "code": p.code,
            "severity": p.severity.value,
            "message": p.message,
            "start": p.start,
            "end": p.end,
            "text": query[p.start : p.end],
        }
        for p in problems
    ]
