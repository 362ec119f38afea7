"""Conversions as rewrites of the file a query stands in: what an editor's code action applies.

A query in a Python string becomes the neptune-query ``Filter`` expression in place of its literals, with
the import it needs; a ``Filter`` expression becomes the NQL string it renders to. Offsets are the file's
(code points); a surface turns them into its own positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from nql_lsp.diagnostics import Edit
from nql_lsp.features.convert.from_filter import find_filters
from nql_lsp.features.convert.problems import unconvertible
from nql_lsp.features.convert.to_filter import FilterCode, to_filter
from nql_lsp.sources.query import QuerySource

TO_FILTER = "Convert to neptune-query Filter"
TO_NQL = "Convert to an NQL string"

# The future imports a module's first statements may be; an added import goes after them.
_FUTURE = re.compile(r"^from __future__ import [^\n]*\n", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Rewrite:
    title: str
    edits: tuple[Edit, ...]


def query_to_filter(file_text: str, source: QuerySource) -> Rewrite | None:
    """The query's literals replaced by its ``Filter`` expression; None when it is not written in code, cannot
    be converted at all (:func:`~.problems.unconvertible`), or says what the Filter API cannot."""
    if source.code_span is None or unconvertible(source) is not None:
        return None
    return filter_rewrite(file_text, source, to_filter(source.text))


def filter_rewrite(file_text: str, source: QuerySource, code: FilterCode) -> Rewrite | None:
    """The query's literals replaced by ``code`` (its conversion, made with whatever schema the caller
    analysed it with); None when the query is not written in code or did not convert."""
    if source.code_span is None or source.holes or code.expression is None:
        return None
    start, end = source.code_span
    edits = [Edit(start, end, code.expression)]
    if code.import_line and code.import_line not in file_text:
        at = max((m.end() for m in _FUTURE.finditer(file_text)), default=0)
        edits.insert(0, Edit(at, at, code.import_line + "\n"))
    return Rewrite(TO_FILTER, tuple(edits))


def filters_to_nql(file_text: str, start: int, end: int) -> list[Rewrite]:
    """Each ``Filter`` expression touching ``[start, end]`` replaced by the NQL string it renders to."""
    out = []
    for found in find_filters(file_text):
        literal = found.python_literal
        if literal is not None and found.start <= end and start <= found.end:
            out.append(Rewrite(TO_NQL, (Edit(found.start, found.end, literal),)))
    return out
