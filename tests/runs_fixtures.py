"""Five small runs whose every value is chosen so that each NQL.md §7 rule has a checkable answer."""

from __future__ import annotations

from typing import Any

from nql_lsp.runs import RunSet
from nql_lsp.runs.jsonfile import runs_from_objects

T = {"type": "datetime"}

OBJECTS: list[dict[str, Any]] = [
    {
        "sys/id": "A",
        "sys/name": "hello_0",
        "sys/tags": ["prod", "x"],
        "acc": 0.9,
        "n": 5,
        "loss": [3, 1, 2],
        "created": {**T, "value": "2024-02-06T05:00:00+09:00"},
        "log": {"type": "stringSeries", "value": ["start", "error: boom"]},
        "sys/state": "running",
        "sys/failed": False,
    },
    {
        "sys/id": "B",
        "sys/name": "world",
        "sys/tags": ["prod"],
        "acc": "0.95",
        "loss": [1, 1],
        "created": {**T, "value": "2024-02-05T21:00:00Z"},
        "log": {"type": "stringSeries", "value": ["ok"]},
        "sys/state": "idle",
    },
    {"sys/id": "C", "sys/tags": [], "acc": 0.5, "sys/trashed": True, "created": {**T, "value": "2024-01-01T00:00:00Z"}},
    {
        "sys/id": "D",
        "sys/name": "Hello",
        "acc": 0.95,
        "loss": {"type": "floatSeries", "value": []},
        "created": {**T, "value": "2024-02-05T20:00:00Z"},
    },
    {"sys/id": "E", "created": {**T, "value": "2023-12-31T23:00:00-01:00"}},
]


def small_runs() -> RunSet:
    return runs_from_objects(OBJECTS, "small")
