"""NQL to neptune-query Filter code and back, checked against the real neptune-query.

Equivalence is by evaluation: the generated code is run to build the library's Filter, the library
renders it to NQL, and the rendered query must return exactly the runs the original returns. In the
other direction, the NQL read from Python source must be the very text the library renders.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nql_lsp.diagnostics import Severity
from nql_lsp.evaluation.evaluate import preview
from nql_lsp.features.convert.from_filter import from_filter, rendered_types
from nql_lsp.features.convert.to_filter import filter_types, protect_pattern, to_filter
from nql_lsp.language.catalog import TYPES
from nql_lsp.runs.model import FloatSeries, Run, RunSet

NOW = datetime(2024, 3, 8, 12, 0, tzinfo=UTC)

NAMES = ["exp a", "a b", "a | b", "!x", " lead", "a\\x20b", "a & b", "tab\there", "plain", "Plain", 'q"uote', "b"]
TAGS = ["prod", "x", "p2", "a b"]


def generate_runs(count: int = 60, seed: int = 3) -> RunSet:
    rng = random.Random(seed)
    runs = []
    for i in range(count):
        attrs: dict[str, tuple[str, Any]] = {
            "sys/id": ("string", f"R-{i}"),
            "sys/name": ("string", rng.choice(NAMES)),
            "sys/tags": ("stringSet", frozenset(rng.sample(TAGS, rng.randrange(0, 3)))),
            "sys/state": ("experimentState", rng.choice(["running", "idle"])),
            "sys/failed": ("bool", rng.random() < 0.4),
            "created": ("datetime", datetime(2024, 2, 6, tzinfo=UTC) + timedelta(days=rng.randrange(-10, 10))),
            "odd name": ("string", rng.choice(['q"uote', "plain"])),
            "back\\slash": ("float", rng.choice([-1.0, 0.0, 2.0])),
        }
        if rng.random() < 0.8:
            attrs["f1"] = ("float", rng.choice([0.25, 0.5, 0.75, 2000.0]))
        if rng.random() < 0.8:
            attrs["n"] = ("int", rng.choice([1, 3, 5, 10]))
        if rng.random() < 0.8:
            attrs["ok"] = ("bool", rng.random() < 0.5)
        if rng.random() < 0.8:
            attrs["acc"] = ("floatSeries", FloatSeries.of(rng.choice([0.25, 0.5, 0.75]) for _ in range(3)))
        if rng.random() < 0.7:
            attrs["log"] = ("stringSeries", (rng.choice(["ok", "error: boom", "fine"]),))
        if rng.random() < 0.5:
            attrs["model"] = ("fileRef", "model.pt")
        runs.append(Run(attrs))
    return RunSet(runs, "generated")


RUNS = generate_runs()

CLAUSES = [
    'sys/name = "exp a"',
    'sys/name != "plain"',
    'sys/name MATCHES "a | b"',
    'sys/name MATCHES "a & b"',
    'sys/name MATCHES "!x"',
    'sys/name MATCHES "^!x"',
    'sys/name NOT MATCHES " lead"',
    'sys/name MATCHES "a\\\\x20b"',
    'sys/name MATCHES "a\\\\\\\\x20b"',
    'sys/name MATCHES "tab\\\\t"',
    'sys/name MATCHES "\\\\ lead"',
    'sys/name MATCHES "(?i)^plain$"',
    'sys/name MATCHES ""',
    'sys/name CONTAINS "a"',
    'sys/name NOT CONTAINS "b"',
    'sys/name > "m"',
    'sys/name <= "b"',
    'sys/name = "q\\"uote"',
    'sys/tags CONTAINS "prod"',
    'sys/tags NOT CONTAINS "x"',
    'sys/tags CONTAINS "a b"',
    'sys/tags:stringSet = "prod"',
    'sys/tags MATCHES "^p"',
    "sys/tags EXISTS",
    "f1:float >= 0.5",
    "f1:float = 0.25",
    "f1:float != 0.25",
    "f1:float > 1KB",
    "f1:float < 2e3",
    "f1:float NOT EXISTS",
    "n:int = 5",
    "n:integer > 3",
    "n:int <= 007",
    "n:int != +3",
    "ok:bool = TRUE",
    "ok:bool != false",
    'ok:bool = "true"',
    'created:datetime > "2024-02-01T00:00:00Z"',
    'created:datetime < "-30d"',
    'created:datetime >= "2024-02-06"',
    'created:datetime = "2024-02-06T09:00:00+09:00"',
    "last(acc:floatSeries) > 0.5",
    "acc:floatSeries <= 0.5",
    "acc:floatSeries EXISTS",
    "acc:floatSeries NOT EXISTS",
    'log:stringSeries CONTAINS "error"',
    'log:stringSeries MATCHES "^ok"',
    "model:fileRef EXISTS",
    "sys/state = running",
    "sys/failed = true",
    '`odd name`:string = "q\\"uote"',
    "`back\\\\slash`:float > -0.5",
]

COMBINED = [
    'sys/name = "exp a" AND f1:float > 0.3',
    'sys/name = "exp a" OR NOT (n:int > 3 AND ok:bool = true)',
    "NOT NOT acc:floatSeries EXISTS",
    'NOT (sys/tags CONTAINS "prod" OR sys/tags CONTAINS "x") AND sys/failed = false',
    "(f1:float > 0.3 OR n:int = 1) AND (ok:bool = true OR last(acc:floatSeries) >= 0.5) AND sys/state = idle",
]


def random_query(rng: random.Random, depth: int = 0) -> str:
    if depth >= 3 or rng.random() < 0.3:
        return rng.choice(CLAUSES)
    roll = rng.random()
    if roll < 0.2:
        return f"NOT {random_query(rng, depth + 1)}" if rng.random() < 0.5 else f"NOT ({random_query(rng, depth + 1)})"
    op = "AND" if roll < 0.6 else "OR"
    return f" {op} ".join(f"({random_query(rng, depth + 1)})" for _ in range(rng.randrange(2, 4)))


GENERATED = [random_query(random.Random(seed)) for seed in range(80)]


def ids(query: str) -> list[str]:
    result = preview(query, RUNS, now=NOW)
    assert result.error is None, (query, result.error)
    return [r.id for r in result.matches]


def build(code: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(code, "<converted>", "exec"), namespace)
    return namespace["query"]


@pytest.mark.parametrize("query", CLAUSES + COMBINED + GENERATED)
def test_the_filter_renders_to_a_query_with_the_same_runs(query: str) -> None:
    converted = to_filter(query)
    assert converted.code is not None, converted.problems
    rendered = str(build(converted.code))
    assert ids(rendered) == ids(query)
    # Read back from the code, the expression renders as the library renders it.
    back = from_filter(converted.code)
    assert back.rendered == rendered, back.problems
    assert back.query is not None and ids(back.query) == ids(query)


def test_the_clauses_discriminate() -> None:
    sizes = [len(ids(q)) for q in CLAUSES]
    assert sum(0 < s < len(RUNS) for s in sizes) >= len(CLAUSES) - 2  # EXISTS on sys/tags, MATCHES ""


def test_the_code_reads_as_neptune_query_code() -> None:
    converted = to_filter('`f1`:float >= 0.85 AND (sys/tags CONTAINS "prod" OR NOT model:fileRef EXISTS)')
    assert converted.code == (
        "from neptune_query.filters import Attribute, Filter\n\n"
        "query = (\n"
        '    Filter.ge(Attribute("f1", type="float"), 0.85)\n'
        "    & (\n"
        '        Filter.contains_all("sys/tags", "prod")\n'
        '        | ~Filter.exists(Attribute("model", type="file"))\n'
        "    )\n"
        ")\n"
    )


def test_short_queries_fit_one_line() -> None:
    converted = to_filter('sys/name = "x"')
    assert converted.expression == 'Filter.eq("sys/name", "x")'
    assert converted.names == ("Filter",)


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("min(acc:floatSeries) > 1", "CNV101"),
        ("average(acc:floatSeries) > 1", "CNV101"),
        ("variance(acc:floatSeries) < 1", "CNV101"),
        ("sys/state:experimentState = idle", "CNV102"),
        ('dataset:artifact = "abc"', "CNV102"),
        ("`a\\`b`:float > 1", "CNV103"),
        ('sys/name MATCHES "\\\\Qa b\\\\E"', "CNV104"),
        ("", "CNV002"),
        ("n:int = abc", "CNV001"),
        ("(f1:float > 1", "CNV001"),
    ],
)
def test_what_the_public_api_cannot_say_is_an_error(query: str, code: str) -> None:
    converted = to_filter(query)
    assert converted.code is None
    assert code in {p.code for p in converted.problems if p.severity is Severity.ERROR}


def test_last_becomes_the_bare_series_with_a_note() -> None:
    converted = to_filter("last(acc:floatSeries) > 0.5")
    assert converted.expression == 'Filter.gt(Attribute("acc", type="float_series"), 0.5)'
    (note,) = converted.problems
    assert note.code == "CNV105" and note.severity is Severity.INFORMATION


def test_every_catalog_type_is_named_or_refused() -> None:
    refused = {t for t in TYPES if t not in filter_types()}
    assert refused == {"experimentState", "artifact"}
    assert all(rendered_types()[name] == nql for nql, name in filter_types().items())


@pytest.mark.parametrize("pattern", ["a | b", "!x", " x ", "a & !b | c", "\\\\x20", "a\\ b", "\t", "[ !]"])
def test_a_protected_pattern_reaches_nql_whole(pattern: str) -> None:
    from neptune_query.filters import Filter

    rendered = str(Filter.matches("s", protect_pattern(pattern) or ""))
    assert rendered.count("MATCHES") == 1 and "NOT" not in rendered


# --- Python to NQL ---------------------------------------------------------------------------------


@pytest.fixture
def utc_clock() -> Iterator[None]:
    """neptune-query writes datetimes in the local zone; the conversion writes UTC."""
    previous = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if previous is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = previous
    time.tzset()


SOURCES = [
    'Filter.eq("sys/owner", "sigurd")',
    'Filter.eq(Attribute("config/batch_size", type="int"), 64)',
    'Filter.ne(Attribute(name="x", type="float"), 0.5)',
    'Filter.gt("x", -3) & Filter.lt("x", 1e3)',
    'Filter.ge("flag", True) | Filter.le("flag", False)',
    'Filter.matches("sys/name", "a & !b | c")',
    'Filter.matches("sys/name", "  !  spaced   &  x\\\\x20y | z\\\\x21")',
    'Filter.matches(Attribute("sys/name", type="string"), r"^exp-\\d+$")',
    'Filter.contains_all("sys/tags", ["fly", "swim", "nest"])',
    'Filter.contains_none("sys/tags", "bad")',
    'Filter.contains_none("sys/tags", ["a", "b"])',
    'Filter.exists("dataset_version")',
    '~Filter.exists(Attribute("model", type="file"))',
    'Filter.name("exp.*")',
    'Filter.name(["a", "b", "c"])',
    'Filter.eq("q", "say \\"hi\\" \\\\ back")',
    '~(Filter.eq("a", 1) & ~Filter.eq("b", 2)) | Filter.eq("c", 3)',
    'Filter.gt("t", datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc))',
    'Filter.gt("t", datetime(2024, 1, 2, microsecond=7, tzinfo=UTC))',
    'Filter.eq(Attribute("s", type="string_series"), "x") & Filter.exists(Attribute("h", type="float_series"))',
    'filters.Filter.eq("x", "y") & nq.filters.Filter.eq("z", 1.5)',
]

PRELUDE = (
    "from datetime import UTC, datetime, timezone\n"
    "import neptune_query as nq\n"
    "from neptune_query import filters\n"
    "from neptune_query.filters import Attribute, Filter\n"
)


@pytest.mark.parametrize("expression", SOURCES)
def test_python_renders_as_the_library_renders(expression: str, utc_clock: None) -> None:
    source = f"{PRELUDE}query = {expression}\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    converted = from_filter(source)
    assert converted.rendered == str(namespace["query"]), converted.problems
    assert converted.query is not None
    assert ids(converted.query) == ids(converted.rendered)
    assert source[converted.start : converted.end] == expression


def random_filter(rng: random.Random, depth: int = 0) -> str:
    if depth >= 3 or rng.random() < 0.35:
        return rng.choice(ATOMS)
    roll = rng.random()
    if roll < 0.2:
        return f"~({random_filter(rng, depth + 1)})"
    op = "&" if roll < 0.6 else "|"
    return f"({random_filter(rng, depth + 1)} {op} {random_filter(rng, depth + 1)})"


ATOMS = [
    'Filter.eq("sys/name", "exp a")',
    'Filter.matches("sys/name", "a | b & !x")',
    'Filter.matches("sys/name", "^p")',
    'Filter.contains_all("sys/tags", ["prod", "x"])',
    'Filter.contains_none("sys/tags", "x")',
    'Filter.gt(Attribute("f1", type="float"), 0.3)',
    'Filter.le(Attribute("n", type="int"), 3)',
    'Filter.eq(Attribute("ok", type="bool"), True)',
    'Filter.exists(Attribute("acc", type="float_series"))',
    'Filter.lt(Attribute("acc", type="float_series"), 0.6)',
    'Filter.name(["plain", "b"])',
    'Filter.gt(Attribute("created", type="datetime"), "2024-02-10T00:00:00Z")',
]


@pytest.mark.parametrize("seed", range(40))
def test_generated_filters_render_as_the_library_renders(seed: int) -> None:
    expression = random_filter(random.Random(seed))
    source = f"{PRELUDE}query = {expression}\n"
    namespace: dict[str, Any] = {}
    exec(source, namespace)
    rendered = str(namespace["query"])
    converted = from_filter(source)
    assert converted.rendered == rendered
    assert converted.query is not None and ids(converted.query) == ids(rendered)
    # And back again: the canonical NQL converts to a Filter that returns the same runs.
    again = to_filter(converted.query)
    assert again.code is not None and ids(str(build(again.code))) == ids(rendered)


def test_names_bound_above_are_followed() -> None:
    source = (
        "from neptune_query.filters import Filter\n"
        'owned = Filter.eq("sys/owner", "sigurd")\n'
        'loss = Filter.lt("validation/loss", 0.1)\n'
        'interesting = owned & Filter.exists("dataset_version") & loss\n'
        "nq.list_experiments(experiments=interesting)\n"
    )
    at = source.index("experiments=interesting") + len("experiments=")
    converted = from_filter(source, at, at + 3)
    assert converted.query == (
        '(`sys/owner` = "sigurd")\nAND (`dataset_version` EXISTS)\nAND (`validation/loss` < "0.1")'
    )
    assert source[converted.start : converted.end] == "interesting"


def test_a_range_inside_a_chain_converts_the_whole_chain() -> None:
    source = 'é = 1; q = Filter.eq("a", "é") & Filter.gt("b", 2)\n'
    at = source.index("Filter.gt") + 8
    converted = from_filter(source, at)
    assert source[converted.start : converted.end] == 'Filter.eq("a", "é") & Filter.gt("b", 2)'
    assert converted.query == '(`a` = "é") AND (`b` > "2")'


@pytest.mark.parametrize(
    ("source", "code"),
    [
        ("Filter.eq(", "CNV201"),
        ("x = 1 + 2", "CNV202"),
        ("Filter.eq(name, 1)", "CNV203"),
        ("Filter.eq('a', value)", "CNV203"),
        ("Filter.eq(*args)", "CNV203"),
        ("Filter.gt('t', datetime(2024, 1, 1))", "CNV203"),
        ("Filter.contains_all('tags', [])", "CNV204"),
        ("Filter.name([])", "CNV204"),
        ("Filter.eq(Attribute('a', type='floatSeries'), 1)", "CNV204"),
        ("Filter.eq('a', None)", "CNV204"),
        ("Filter.eq('a', 1, 2)", "CNV204"),
    ],
)
def test_what_cannot_be_read_is_an_error(source: str, code: str) -> None:
    converted = from_filter(source)
    assert converted.query is None
    assert code in {p.code for p in converted.problems}


def test_a_rendered_query_with_an_nql_error_is_flagged() -> None:
    converted = from_filter("Filter.exists(Attribute('h', type='histogram_series'))")
    assert converted.rendered == "`h`:histogramSeries EXISTS"
    assert [p.code for p in converted.problems] == ["CNV205"]
