"""Generated exporter-shaped exports answer every generated query as the reference reader's runs do.

The exports mix what the exporter writes (``neptune_exporter_shapes``): Neptune 2 and 3 parameters, the
null rows Neptune 3's melt leaves, NaN and infinite points, parts, interrupted runs, two projects sharing
run ids, trashed runs, a path held with two types, types not read, model registry entities. The queries
combine clauses of every type, with and without types written, under AND, OR and NOT. Each query is
answered by the duckdb pushdown over the export's summary and, in Python, over the runs
:func:`tests.export_reference.reference_runs` reads from the rows themselves: the two must be the same runs.
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.evaluation.evaluate import preview
from nql_lsp.runs import open_runs

from .export_reference import reference_runs
from .neptune_exporter_shapes import T0, Q, param, row, write_run

PROJECTS = ("acme/legacy", "acme/new")
FLOATS = st.sampled_from([-1.0, 0.0, 0.25, 0.5, 1.0, 2.0, math.nan, math.inf])
# 0.1 and 0.3 have no exact sum: an average of them is where a sum kept as it goes and an exact one part.
POINTS = st.sampled_from([-1.0, 0.0, 0.1, 0.3, 0.5, 1.0, 2.0, None, math.nan, math.inf, -math.inf])
WORDS = st.sampled_from(["alpha", "beta", "Alpha", "ab", ""])

# Every exporter value column a run may hold a parameter in; None: a null row (Neptune 3's melt).
PARAMETERS: dict[str, tuple[str, st.SearchStrategy[Any]]] = {
    "a": ("int", st.integers(-2, 3)),
    "b": ("float", FLOATS),
    "s": ("string", WORDS),
    "flag": ("bool", st.booleans()),
    "when": ("datetime", st.integers(-2, 2).map(lambda d: T0 + timedelta(days=d))),
    "tags": ("string_set", st.lists(WORDS, max_size=3, unique=True)),
}


@st.composite
def a_run(draw: st.DrawFn, project: str, run: str) -> tuple[list[dict[str, Any]], int, bool]:
    rows = [param(project, run, "sys/id", "string", run)]
    if draw(st.integers(0, 5)) == 0:
        rows.append(param(project, run, "sys/trashed", "bool", True))
    for path, (type_, values) in PARAMETERS.items():
        choice = draw(st.integers(0, 3))
        if choice == 1:
            rows.append(param(project, run, path, type_, None))  # the melt's null row: not held
        elif choice >= 2:
            rows.append(param(project, run, path, type_, draw(values)))
    # One path, two types across runs.
    if draw(st.booleans()):
        rows.append(param(project, run, "x", draw(st.sampled_from(["int", "float"])), draw(st.integers(-1, 2))))
    points = draw(st.lists(POINTS, max_size=4))
    steps = draw(st.permutations(range(len(points))))  # rows are not always in step order
    rows += [
        row(project, run, "m", "float_series", step=Decimal(s).quantize(Q), timestamp=T0, float_value=p)
        for s, p in zip(steps, points, strict=True)
    ]
    texts = draw(st.lists(WORDS, max_size=3))
    rows += [
        row(project, run, "msg", "string_series", step=Decimal(i).quantize(Q), timestamp=T0, string_value=t)
        for i, t in enumerate(texts)
    ]
    if draw(st.booleans()):
        rows.append(row(project, run, "weights", "file", file_value={"path": f"{run}/weights"}))
    if draw(st.booleans()):
        rows.append(row(project, run, "data", "artifact", file_value={"path": f"{run}/data/files_list.json"}))
    if draw(st.booleans()):
        rows.append(row(project, run, "code", "file_set", file_value={"path": f"{run}/code"}))
    parts = draw(st.integers(1, 3))
    finished = draw(st.integers(0, 6)) > 0
    return rows, parts, finished


#: What is written: (project, run, rows, parts, finished, model registry scope or None) per run.
Written = list[tuple[str, str, list[dict[str, Any]], int, bool, str | None]]


@st.composite
def an_export(draw: st.DrawFn) -> Written:
    written: Written = []
    for project in draw(st.lists(st.sampled_from(PROJECTS), min_size=1, max_size=2, unique=True)):
        for run in draw(st.lists(st.sampled_from(["R-1", "R-2", "R-3", "R-4"]), min_size=1, max_size=4, unique=True)):
            rows, parts, finished = draw(a_run(project, run))
            written.append((project, run, rows, parts, finished, None))
    if draw(st.booleans()):
        project = PROJECTS[0]
        written.append((project, "R-MOD", [param(project, "R-MOD", "sys/id", "string", "R-MOD")], 1, True, "models"))
    return written


NUMBER = ["-1", "0", "0.1", "0.25", "0.3", "0.5", "1", "1.5", "2"]
# (fields, operators, values): every field is asked with every operator, each time with a drawn value.
FIELD_CLAUSES: list[tuple[list[str], list[str], list[str]]] = [
    (["a:int", "a", "x:int", "x:float", "x"], ["=", "!=", ">", "<="], NUMBER),
    (["b:float", "b"], ["=", "!=", ">=", "<"], NUMBER),
    (
        ["s:string", "s", "msg:stringSeries"],
        ["=", "!=", ">", "CONTAINS", "NOT CONTAINS", "MATCHES"],
        ['"alpha"', '"a"', '"^A"', '""'],
    ),
    (["flag:bool"], ["=", "!="], ["true", "false"]),
    (
        ["when:datetime"],
        [">", "<=", "="],
        ['"2025-03-01T12:00:00Z"', '"2025-03-02"', '"2025-03-01T13:00:00+02:00"'],
    ),
    (["tags:stringSet", "tags"], ["CONTAINS", "NOT CONTAINS", "MATCHES", "="], ['"alpha"', '"b"', '""']),
    (
        [*(f"{a}(m:floatSeries)" for a in ("last", "min", "max", "average", "variance")), "m:floatSeries", "last(m)"],
        [">", ">=", "<", "=", "!="],
        NUMBER,
    ),
]
EXISTENCE = [
    *("a:int", "b:float", "s:string", "tags:stringSet", "m:floatSeries", "msg:stringSeries", "when:datetime"),
    *("weights:fileRef", "data:artifact", "x:int", "x:float", "flag:bool"),
]
CLAUSE = st.one_of(
    *[st.tuples(st.sampled_from(f), st.sampled_from(o), st.sampled_from(v)).map(" ".join) for f, o, v in FIELD_CLAUSES],
    st.tuples(st.sampled_from(EXISTENCE), st.sampled_from(["EXISTS", "NOT EXISTS"])).map(" ".join),
)


@st.composite
def every_clause(draw: st.DrawFn) -> list[str]:
    """Each field with each operator once (its value drawn), and each existence test."""
    clauses = [
        f"{field} {op} {draw(st.sampled_from(values))}"
        for fields, ops, values in FIELD_CLAUSES
        for field in fields
        for op in ops
    ]
    return clauses + [f"{field} {test}" for field in EXISTENCE for test in ("EXISTS", "NOT EXISTS")]


QUERY = st.recursive(
    CLAUSE,
    lambda inner: st.one_of(
        st.tuples(inner, st.sampled_from(["AND", "OR"]), inner).map(lambda t: f"({t[0]}) {t[1]} ({t[2]})"),
        inner.map(lambda q: f"NOT ({q})"),
    ),
    max_leaves=4,
)


def _write(root: Path, export: Written) -> None:
    for project, run, rows, parts, finished, scope in export:
        write_run(root, project, run, rows, parts=parts, finished=finished, entity_scope=scope)


def _matches(query: str, runs: Any, trashed: bool) -> list[tuple[str, str]]:
    found = preview(query, runs, include_trashed=trashed)
    assert found.error is None, (query, found.error)
    return sorted((r.project, r.id) for r in found.matches)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(an_export(), every_clause(), st.lists(QUERY, min_size=1, max_size=6), st.booleans())
def test_the_pushdown_answers_as_the_rows_say(
    tmp_path_factory: pytest.TempPathFactory,
    export: Written,
    clauses: list[str],
    compound: list[str],
    trashed: bool,
) -> None:
    queries = clauses + compound
    root = tmp_path_factory.mktemp("export")
    _write(root, export)
    reference = reference_runs(str(root))
    if not len(reference):
        return  # every run interrupted: refused, as test_exporter_shapes checks
    runs = open_runs(root)
    assert sorted((r.project, r.id) for r in runs) == sorted((r.project, r.id) for r in reference)
    for query in queries:
        assert _matches(query, runs, trashed) == _matches(query, reference, trashed), query


def test_the_reference_reader_reads_what_was_written(tmp_path: Path) -> None:
    # The oracle itself, checked by hand on one run of each kind of row.
    p = PROJECTS[0]
    rows = [
        param(p, "R-1", "sys/id", "string", "R-1"),
        param(p, "R-1", "b", "float", None),
        param(p, "R-1", "tags", "string_set", []),
        *[
            row(p, "R-1", "m", "float_series", step=Decimal(s).quantize(Q), timestamp=T0, float_value=v)
            for s, v in ((2, 1.0), (0, 3.0), (1, None))
        ],
        row(p, "R-1", "code", "file_set", file_value={"path": "c"}),
    ]
    write_run(tmp_path, p, "R-1", rows, parts=2)
    write_run(tmp_path, p, "R-2", [param(p, "R-2", "sys/id", "string", "R-2")], finished=False)
    [run] = reference_runs(str(tmp_path))
    assert (run.project, run.id) == (p, "R-1")
    assert sorted(run.attributes) == ["m", "sys/id", "tags"]
    assert run.value("tags", "stringSet") == frozenset()
    series = run.value("m", "floatSeries")
    assert (series.count, series.last, series.minimum, series.average) == (2, 1.0, 1.0, 2.0)
