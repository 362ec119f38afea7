"""Held values as neptune-client 1.x put them in a runs table.

``Table.to_pandas`` of neptune-client 1.x gave: a number, bool or string as itself; a float or string
series as its last value; a string set as its values joined with ``,``; a datetime as a naive
``datetime`` in UTC; a run state as ``"Active"``/``"Inactive"``; an artifact as its hash; a file as no
value. A value a run does not have is left out of its row, so pandas shows NaN there.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from nql_lsp.language.shapes import Moment, Reference, State, shape_of
from nql_lsp.runs.model import display, plain

#: The run states the evaluator holds, as neptune-client's ``RunState`` spelled them.
CLIENT_STATES = {"running": "Active", "idle": "Inactive"}


def cell(type_: str, value: Any) -> Any:
    """The value of a runs-table cell; None when the client showed none."""
    if value is None:
        return None
    shape = shape_of(type_)
    if isinstance(shape, Reference):
        return None
    if isinstance(shape, Moment):
        return value.astimezone(UTC).replace(tzinfo=None)
    if isinstance(shape, State):
        return CLIENT_STATES.get(value, value)
    if shape.is_set:
        return display(type_, value)
    return plain(type_, value)


def column_order(path: str) -> tuple[int, str]:
    """``sys/`` columns first, ``monitoring/`` last, each group by name (as ``Table.to_pandas`` ordered)."""
    domain = path.split("/", 1)[0]
    return (0 if domain == "sys" else 2 if domain == "monitoring" else 1), path
