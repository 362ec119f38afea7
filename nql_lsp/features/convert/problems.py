"""What a conversion reports when it cannot say a query in the other language, with stable codes.

Conversion problems are kept apart from the checker's diagnostics: they speak of another library's
limits, not of mistakes in the query, and a query with no NQL diagnostic may still have no equivalent
``Filter`` or MLflow search. Offsets are into the converted text (the query, or the Python source), so a
surface places them as it places any diagnostic.
"""

from __future__ import annotations

from dataclasses import dataclass

from nql_lsp.analysis.analyze import Analysis
from nql_lsp.diagnostics import Severity
from nql_lsp.sources.query import RUNS, QuerySource

#: Every code and what it means. A code is never reused; docs/convert.md lists them.
CODES: dict[str, str] = {
    # Common to every conversion.
    "CNV001": "The query has errors; it is not converted.",
    "CNV002": "The query is empty; it matches every run, so pass no filter at all.",
    "CNV003": "The query holds f-string holes, whose values are known only when the code runs.",
    "CNV004": "The query filters models or model versions (`fetch_models_table`): neptune-query and MLflow's "
    "search filter runs.",
    # NQL -> neptune-query Filter.
    "CNV101": "An aggregate other than `last`: neptune-query's public `Attribute` has no aggregation.",
    "CNV102": "A type that neptune-query's `Attribute` cannot name (`experimentState`, `artifact`).",
    "CNV103": "A name neptune-query would write unescaped inside backquotes, changing it.",
    "CNV104": "A `MATCHES` pattern that neptune-query's extended-regex syntax would read differently.",
    "CNV105": "`last(...)` is written as the bare series, which the service compares by its last value.",
    # Python Filter expression -> NQL.
    "CNV201": "The Python source does not parse.",
    "CNV202": "No neptune-query `Filter` expression at that place.",
    "CNV203": "Part of the expression is not a literal or a `Filter`/`Attribute` call that can be read "
    "without running the code.",
    "CNV204": "A call neptune-query refuses when it runs (an empty list, an unknown type).",
    "CNV205": "The NQL the expression renders to has an error.",
    # NQL -> MLflow search over runs loaded by neptune-exporter.
    "CNV301": "A type neptune-exporter does not store as a searchable value (series of strings, files, "
    "artifacts, run state).",
    "CNV302": "An aggregate other than `last`: MLflow keeps only a metric's latest value.",
    "CNV303": "A field without a known type: MLflow needs to know whether it is a metric or a parameter.",
    "CNV304": "A name neptune-exporter changes when it loads it (characters replaced by `_`, or cut at 250).",
    "CNV305": "A name MLflow refuses as a key, so the exporter could not have loaded it.",
    "CNV306": "A `MATCHES` pattern Python's `re` cannot compile: the post-filter cannot test it.",
    "CNV307": "A tag set is stored comma-joined: a tag holding a comma cannot be told apart.",
}


@dataclass(frozen=True, slots=True)
class Problem:
    """Why (part of) a query has no equivalent, or a caveat about the equivalent given."""

    code: str
    severity: Severity
    message: str
    start: int
    end: int

    @property
    def blocking(self) -> bool:
        """An error means no conversion was produced; other severities come with one."""
        return self.severity is Severity.ERROR


def query_errors(analysis: Analysis) -> list[Problem]:
    """The query's own errors as one problem each; a broken query is never converted."""
    return [
        Problem("CNV001", Severity.ERROR, f"{d.code}: {d.message}", d.start, d.end)
        for d in analysis.diagnostics
        if d.severity is Severity.ERROR
    ]


def unconvertible(source: QuerySource) -> Problem | None:
    """Why a query standing in code cannot be converted at all, whatever it says (query offsets): an
    f-string hole, whose value is known only when the code runs, or a query that does not filter runs."""
    if source.holes:
        start, end = source.holes[0]
        message = "the query holds f-string holes, known only when the code runs; it is not converted"
        return Problem("CNV003", Severity.ERROR, message, start, end)
    if source.about != RUNS:
        message = f"the query filters {source.about}, and neptune-query and MLflow search runs; it is not converted"
        return Problem("CNV004", Severity.ERROR, message, 0, len(source.text))
    return None
