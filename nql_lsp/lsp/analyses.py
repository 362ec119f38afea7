"""A query's analysis at one text and schema, and the plan that computes a document's off the event loop.

A full analysis may take tens of milliseconds on a long query, so the server runs it on a worker thread:
a plan (taken on the event loop) captures the regions and the schema, :meth:`AnalysisPlan.run` (on any
thread) analyses them, and the document keeps the result only if its text and schema are still those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from nql_lsp.lsp.regions import Region

if TYPE_CHECKING:
    from nql_lsp.analysis.analyze import Analysis
    from nql_lsp.language.schema import Schema


@dataclass(frozen=True, slots=True)
class QueryAnalysis:
    """A region's analysis at one text and one schema: what every feature reads."""

    region: Region
    analysis: Analysis


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """What a full analysis of a document needs, captured at one moment; :meth:`run` is thread-safe."""

    regions: list[Region]
    schema: Schema
    generation: int

    def run(self, wanted: Callable[[], bool] = lambda: True) -> list[QueryAnalysis] | None:
        """The analyses, or None when ``wanted()`` says, before starting, that the text has moved on."""
        from nql_lsp.analysis.analyze import analyze, schema_for

        if not wanted():
            return None
        return [QueryAnalysis(r, analyze(r.text, schema_for(r.source, self.schema))) for r in self.regions]
