"""``nql.convert`` answers any text, any place and any arguments with one object whose ranges lie in the text."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nql_lsp.lsp import python
from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.documents import Documents
from nql_lsp.lsp.handlers import convert
from nql_lsp.lsp.runs import RunsState
from nql_lsp.lsp.settings import Settings
from nql_lsp.lsp.snapshot import DocumentSnapshot
from nql_lsp.syntax.text import LineIndex

PIECES = st.sampled_from(
    [
        *"`\"'\\():=!<> \n\t-_./&|~",
        'fetch_runs_table(query="',
        "query=f'",
        "{x}",
        "Filter.eq(",
        "Filter.matches(",
        "Attribute(",
        'type="float"',
        '"sys/name"',
        "AND",
        "NOT",
        "min(",
        "last(",
        "`a`:float > 1",
        "sys/state = running",
        "é",
        "😀",
        "\r\n",
        "0.5",
        "True",
        "[]",
    ]
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)
PLACES = st.one_of(
    st.none(),
    st.builds(dict, line=st.integers(0, 4), character=st.integers(0, 90)),
    st.builds(
        dict,
        start=st.builds(dict, line=st.integers(0, 4), character=st.integers(0, 90)),
        end=st.builds(dict, line=st.integers(0, 4), character=st.integers(0, 90)),
    ),
    st.sampled_from(["here", 3, {"line": "0"}, {"start": {}}, [], {"line": True, "character": 0}]),
)
TARGETS = st.sampled_from([*convert.TARGETS, "sql", None, 1])
OPTIONS = st.sampled_from([None, {}, {"project": "ws/p"}, {"project": 5}, "x"])


def _within(rng: dict[str, Any], lines: LineIndex, encoding: str) -> None:
    for end in ("start", "end"):
        p = rng[end]
        assert 0 <= p["line"] < lines.line_count
        text = lines.line_text(p["line"])
        width = len(text.encode("utf-16-le", "surrogatepass")) // 2 if encoding == "utf-16" else len(text)
        if encoding == "utf-8":
            width = len(text.encode("utf-8", "surrogatepass"))
        assert 0 <= p["character"] <= width


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    TEXTS,
    st.sampled_from(["python", "nql"]),
    PLACES,
    TARGETS,
    OPTIONS,
    st.sampled_from(["utf-8", "utf-16", "utf-32"]),
    st.booleans(),
)
def test_convert_always_answers(text, language, where, target, options, encoding, document_changes):
    docs = Documents()
    docs.serve_kind(python.ENABLED)
    uri = f"file:///p.{'py' if language == 'python' else 'nql'}"
    doc = docs.open(uri, language, 1, text)
    assert doc is not None
    caps = ResolvedCapabilities(document_changes=document_changes)
    snap = DocumentSnapshot(uri, 1, text, doc.kind, encoding, Settings(), caps, doc, docs)
    args = (where, target) if options is None else (where, target, options)
    # A context with no runs loaded: the handler asks it only which project the runs are narrowed to.
    ctx = SimpleNamespace(session=SimpleNamespace(runs=RunsState()))
    result = convert.handle(ctx, snap, docs.snapshots(doc), args)  # type: ignore[arg-type]
    assert set(result) >= {"text", "edit", "problems", "message"}
    assert (result["text"] is None) == ("error" in result)
    lines = doc.lines
    for problem in result["problems"]:
        _within(problem["range"], lines, encoding)
        assert problem["code"].startswith("CNV")
    if result["edit"] is not None:
        assert result["text"] is not None
        edits = result["edit"]["documentChanges"][0]["edits"] if document_changes else result["edit"]["changes"][uri]
        for edit in edits:
            _within(edit["range"], lines, encoding)
