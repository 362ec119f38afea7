"""The schema learned from runs, and what the checker, completion and hover make of it."""

from __future__ import annotations

from nql_lsp.analysis.analyze import analyze
from nql_lsp.analysis.lints import LINT_CODES
from nql_lsp.completion import complete
from nql_lsp.evaluation.engine import schema_of
from nql_lsp.features.hover import hover
from nql_lsp.language.schema import FieldInfo, Schema
from nql_lsp.runs.learned import typical_shape

from .runs_fixtures import small_runs


def known(schema: Schema, path: str) -> FieldInfo:
    """The schema's field at ``path``, which the test expects it to know."""
    info = schema.field(path)
    assert info is not None, path
    return info


def test_types_counts_and_stats() -> None:
    schema = schema_of(small_runs())
    assert schema.learned
    acc = known(schema, "acc")
    assert acc.types == ("float", "string")  # float in A, C, D; string in B
    stats = acc.stats["float"]
    assert (stats.runs, stats.minimum, stats.maximum, stats.last) == (3, 0.5, 0.95, 0.95)
    assert acc.stats["string"].common == [("0.95", 1)]
    tags = known(schema, "sys/tags")
    assert tags.system and tags.doc  # sys/ fields keep their documentation
    assert tags.stats["stringSet"].common == [("prod", 2), ("x", 1)]
    loss = known(schema, "loss").stats["floatSeries"]
    assert (loss.runs, loss.minimum, loss.maximum, loss.last) == (3, 1, 3, 1)  # last: B's, D's is empty
    # 24 points: A's [3, 1, 2] gives eight of each, B's [1, 1] all ones; the mean of the two
    assert loss.shape == [2.0] * 8 + [1.0] * 8 + [1.5] * 8
    assert schema.field("sys/stage") is not None  # known without runs holding it
    assert schema.field("nope") is None
    paths = [f.path for f in schema.fields()]
    assert len(paths) == len(set(paths)) and "sys/model_id" in paths and "created" in paths


def test_typical_shape_averages_resampled_series() -> None:
    assert typical_shape([[0, 2], [2, 4]], size=2) == [1, 3]
    assert typical_shape([[5]], size=3) == [5, 5, 5]
    assert typical_shape([]) == []


def test_checker_warns_on_unknown_paths_and_impossible_types() -> None:
    schema = schema_of(small_runs())
    diags = analyze("lost:floatSeries EXISTS", schema).diagnostics
    assert [(d.code, d.message) for d in diags] == [("NQL110", "unknown field `lost`; did you mean `loss`?")]
    diags = analyze("n:float = 5", schema).diagnostics
    assert [(d.code, d.message, d.start, d.end) for d in diags] == [
        ("NQL111", "this clause can match no run: `n` is an int in 1 run, not a float", 2, 7)
    ]
    # both types are held (that one run cannot hold both at once is the lints' to say)
    found = analyze("acc:string = x AND acc:float > 1", schema).diagnostics
    assert [d for d in found if d.code not in LINT_CODES] == []


def test_completion_offers_learned_paths_tags_and_values() -> None:
    runs = small_runs()
    labels = [i.label for i in complete(analyze("", schema_of(runs)), 0, schema_of(runs))]
    assert "loss" in labels and "acc" in labels and "sys/tags" in labels
    text = "sys/tags:stringSet CONTAINS "
    values = [i.label for i in complete(analyze(text, schema_of(runs)), len(text), schema_of(runs))]
    assert values[:2] == ["prod", "x"]
    text = "acc:float > "
    items = {(i.label, i.detail) for i in complete(analyze(text, schema_of(runs)), len(text), schema_of(runs))}
    assert {
        ("0.5", "min seen in runs"),
        ("0.95", "max seen in runs"),
        ("0.95", "last seen in runs"),
        ("0.9", "in 1 runs"),
    } <= items


def test_hover_shows_statistics_and_a_sparkline() -> None:
    runs = small_runs()
    text = "last(loss:floatSeries) > 1"
    info = hover(analyze(text, schema_of(runs)), text.index("loss") + 1, schema_of(runs))
    assert info is not None
    assert "As `floatSeries` in 3 runs:" in info.markdown
    assert "- min 1, max 3, last 1" in info.markdown
    shape_line = next(line for line in info.markdown.splitlines() if line.startswith("- shape: "))
    spark = shape_line.removeprefix("- shape: ")
    assert len(spark) == 24 and spark[0] == "█" and set(spark) <= set("▁▂▃▄▅▆▇█")


def test_a_tie_between_types_goes_to_the_catalog_order_not_to_the_run_order() -> None:
    from nql_lsp.runs.learned import learn
    from nql_lsp.runs.model import Run

    as_int, as_float = Run({"x": ("int", 0)}), Run({"x": ("float", 2.0)})
    for runs in ([as_int, as_float], [as_float, as_int]):
        info = learn(runs).field("x")
        assert info is not None and info.types == ("float", "int")
