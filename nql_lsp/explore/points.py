"""A float series thinned to a chart's width: the rule the parquet export's query follows, for runs held in
memory.

A chart is a few hundred to a few thousand pixels wide; a series of a million points sent whole would
spend seconds in JSON and in the browser to draw the same picture. Of each pixel's share of the points the
first, the last, the lowest and the highest are kept (the "M4" rule), so the line drawn from them has
every spike and gap edge the whole series would show. :meth:`ExportPoints.series_lines` does the same in
SQL; a test holds the two to the same answers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from nql_lsp.runs.parquet_points import PER_PIXEL


def thin_line(
    steps: Sequence[float], values: Sequence[float | None], width: int
) -> tuple[list[float], list[float | None]]:
    """The points of a series (in step order) a chart ``width`` pixels wide draws; non-finite values
    become None (gaps). A series of at most ``PER_PIXEL * width`` points is kept whole."""
    clean = [v if v is not None and math.isfinite(v) else None for v in values]
    n = len(steps)
    if n <= PER_PIXEL * width:
        return list(steps), clean
    kept: list[int] = []
    start = 0
    while start < n:
        bucket = start * width // n
        end = start
        while end < n and end * width // n == bucket:
            end += 1
        low = high = start  # a share of gaps alone: its first point
        lowest: float | None = None
        highest: float | None = None
        for i in range(start, end):  # the first of equal values, as the SQL's ORDER BY value, step
            v = clean[i]
            if v is None:
                continue
            if lowest is None or v < lowest:
                low, lowest = i, v
            if highest is None or v > highest:
                high, highest = i, v
        kept += sorted({start, end - 1, low, high})
        start = end
    return [steps[i] for i in kept], [clean[i] for i in kept]
