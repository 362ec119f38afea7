"""What ``fetch_runs_table`` and ``fetch_series`` return: plain rows, and a DataFrame when pandas is there.

pandas is an optional extra; it is imported by ``to_pandas`` alone, so that the rest of the API works (and
imports quickly) without it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from nql_lsp.api.cells import column_order

if TYPE_CHECKING:
    import pandas  # type: ignore[import-untyped]  # pandas publishes no types; stubs are not in the extras

__all__ = ["SERIES_COLUMNS", "RunsTable", "SeriesTable"]

#: The columns of the long table of series points.
SERIES_COLUMNS = ("run_id", "path", "step", "value")

PANDAS_MISSING = "to_pandas() needs pandas, an optional extra: pip install 'nql-lsp[pandas]'"


def _pandas() -> Any:
    try:
        import pandas
    except ImportError as error:
        raise ImportError(PANDAS_MISSING) from error
    return pandas


@dataclass(slots=True)
class RunsTable:
    """The matched runs in order, one dict per run (path -> value, only the values it has)."""

    rows: list[dict[str, Any]]
    total: int  # the runs the query was evaluated against (trashed ones as ``trashed`` asked)
    source: str  # the runs source's label

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.rows)

    @property
    def columns(self) -> list[str]:
        """Every path some row holds, in neptune-client's column order."""
        return sorted({path for row in self.rows for path in row}, key=column_order)

    def to_rows(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self.rows]

    def to_pandas(self) -> pandas.DataFrame:
        """One row per run (index 0..n-1), one column per path; NaN where a run lacks a value."""
        pd = _pandas()
        frame = pd.DataFrame.from_dict(dict(enumerate(self.rows)), orient="index")
        return frame.reindex(columns=self.columns)


@dataclass(slots=True)
class SeriesTable:
    """Float series points in long form: one ``(run_id, path, step, value)`` tuple per point."""

    points: list[tuple[str, str, float, float]]
    source: str

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[tuple[str, str, float, float]]:
        return iter(self.points)

    def to_pandas(self) -> pandas.DataFrame:
        pd = _pandas()
        frame = pd.DataFrame(self.points, columns=list(SERIES_COLUMNS))
        return frame.astype({"run_id": "object", "path": "object", "step": "float64", "value": "float64"})
