"""The server on Python documents: features inside query strings only, edits that keep the Python valid.

Positions below were counted by hand (0-based lines; characters in code points, the UTF-8 column adds one
for the é before the error).
"""

from __future__ import annotations

import ast

import pytest
from lsprotocol import types

from nql_lsp.sources.python import find_queries
from nql_lsp.syntax.text import Encoding, LineIndex

from .conftest import diagnostics, doc_id, encoding, new_uri, open_doc, pos, reconfigured
from .narrow import text_edit

pytestmark = pytest.mark.asyncio(loop_scope="module")

SOURCE = "\n".join(
    [
        "import neptune",
        "",
        "project = neptune.init_project()",
        "# é 日本",
        'runs = project.fetch_runs_table(query="sys/name:string = \\"é\\" AND `f1`:flot > 0.5")',
        'fq = project.fetch_runs_table(query=f"`acc`:float > {threshold} AND sys/failed:bool = fals")',
        'other = call(query="`a`:flot > 1")',
        "",
    ]
)


def apply(text: str, edits: list[types.TextEdit], enc: Encoding) -> str:
    lines = LineIndex(text)
    spans = [
        (
            lines.offset(e.range.start.line, e.range.start.character, enc),
            lines.offset(e.range.end.line, e.range.end.character, enc),
            e.new_text,
        )
        for e in edits
    ]
    for start, end, new in sorted(spans, reverse=True):
        text = text[:start] + new + text[end:]
    return text


def open_py(client, text: str) -> str:
    return open_doc(client, text, uri=new_uri(".py"), language_id="python")


async def test_diagnostics_at_the_characters_of_the_python_file(client):
    uri = open_py(client, SOURCE)
    found = sorted(await diagnostics(client, uri), key=lambda d: d.range.start.line)
    utf8 = encoding(client) == "utf-8"
    assert [(d.code, d.range) for d in found] == [
        ("NQL101", types.Range(start=pos(4, 73 if utf8 else 72), end=pos(4, 77 if utf8 else 76))),
        ("NQL301", types.Range(start=pos(5, 86), end=pos(5, 90))),
    ]  # nothing for the hole {threshold}, nothing for query= of an unrelated call


async def test_quick_fix_keeps_valid_python(client):
    uri = open_py(client, SOURCE)
    found = await diagnostics(client, uri)
    [flot] = [d for d in found if d.code == "NQL101"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=flot.range,
            context=types.CodeActionContext(diagnostics=[flot], only=[types.CodeActionKind.QuickFix]),
        )
    )
    [action] = [a for a in actions if a.title == "Change to `float`"]
    changes = action.edit.changes[uri] if action.edit.changes else action.edit.document_changes[0].edits
    fixed = apply(SOURCE, list(changes), encoding(client))
    ast.parse(fixed)
    assert fixed == SOURCE.replace("`f1`:flot", "`f1`:float")


async def test_hover_inside_strings_only(client):
    uri = open_py(client, SOURCE)
    hover = await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(4, 42)))
    assert hover is not None and "sys/name" in hover.contents.value
    assert hover.range == types.Range(start=pos(4, 39), end=pos(4, 47))  # `sys/name`, before the `:`
    for outside in (pos(0, 3), pos(4, 10), pos(5, 56), pos(6, 24)):  # code, code, the {threshold} hole, unmarked
        assert (
            await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=outside))
            is None
        )


async def test_completion_before_the_closing_quote(client):
    text = 'rows = project.fetch_runs_table(query="sys/fa")\n'
    uri = open_py(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(0, 45))
    )
    items = {i.label: i for i in (result.items if isinstance(result, types.CompletionList) else result)}
    item = items["sys/failed"]
    assert text_edit(item).range == types.Range(start=pos(0, 39), end=pos(0, 45))
    assert text_edit(item).new_text == "sys/failed:bool"


async def test_completion_text_is_escaped_for_the_string(client):
    text = 'rows = project.fetch_runs_table(query="sys/state:experimentState = ")\n'
    uri = open_py(client, text)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(0, 67))
    )
    items = list(result.items if isinstance(result, types.CompletionList) else result)
    assert items
    for item in items:
        edited = apply(text, [text_edit(item)], encoding(client))
        ast.parse(edited)  # whatever is chosen, the file stays Python


@pytest.mark.parametrize(
    "source",
    [
        "rows = project.fetch_runs_table(query='sys/failed:bool=true and `f1`:float>0.5')\n",
        'rows = project.fetch_runs_table(query=f"sys/failed:bool=true and `f1`:float>{limit}")\n',
        'rows = project.fetch_runs_table(query=("sys/failed:bool=true "  # why\n    "and `f1`:float>0.5"))\n',
        'rows = project.fetch_runs_table(query="""\n  sys/failed:bool=true and `f1`:float>0.5\n""")\n',
    ],
)
async def test_formatting_touches_only_the_query_strings(client, source: str):
    uri = open_py(client, source)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc_id(uri), options=types.FormattingOptions(tab_size=4, insert_spaces=True)
        )
    )
    assert edits
    formatted = apply(source, list(edits), encoding(client))
    ast.parse(formatted)
    (query,) = find_queries(formatted)
    assert "(`sys/failed`:bool = true) AND (`f1`:float > " in query.text
    assert formatted.startswith("rows = project.fetch_runs_table(query=")
    assert "{limit}" in formatted or "{limit}" not in source
    assert "# why" in formatted or "# why" not in source
    if '"""' not in source:
        assert "\n" not in query.text  # a one-line string keeps its query on one line
    else:
        assert query.text.startswith("\n  (`sys/failed`")  # the string's own indentation stays
    again = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=doc_id(open_py(client, formatted)),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert not again


async def test_python_can_be_turned_off(client):
    uri = open_py(client, SOURCE)
    assert await diagnostics(client, uri)

    def send(enable: bool) -> None:
        client.workspace_did_change_configuration(
            types.DidChangeConfigurationParams(settings={"nql": {"python": {"enable": enable}}})
        )

    try:
        assert await reconfigured(client, uri, lambda: send(False), lambda ds: ds == []) == []
        assert (
            await client.text_document_hover_async(types.HoverParams(text_document=doc_id(uri), position=pos(4, 42)))
            is None
        )
    finally:
        # Waited for, so that the republish it causes lands here and not in the next test.
        assert await reconfigured(client, uri, lambda: send(True), lambda ds: ds != [])


async def test_semantic_tokens_cover_query_text_only(client):
    uri = open_py(client, SOURCE)
    result = await client.text_document_semantic_tokens_full_async(
        types.SemanticTokensParams(text_document=doc_id(uri))
    )
    line = char = 0
    spans = []
    data = result.data
    for i in range(0, len(data), 5):
        line = line + data[i]
        char = data[i + 1] if data[i] else char + data[i + 1]
        spans.append((line, char, char + data[i + 2]))
    assert spans
    assert {s[0] for s in spans} == {4, 5}  # the two query strings; nothing on the unmarked call
    assert all(start > 38 and end <= 86 for line_, start, end in spans if line_ == 4)
    assert not [s for s in spans if s[0] == 5 and s[1] < 63 and s[2] > 52]  # nothing over {threshold}


async def test_nothing_is_offered_between_concatenated_literals(client):
    text = 'rows = project.fetch_runs_table(query=("sys/failed:bool = true "  "AND sys/fa"))\n'
    uri = open_py(client, text)
    # Column 64 is the space between the two literals; 77 is the end of `sys/fa` inside the second one.
    between = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(0, 64))
    )
    assert not (between.items if isinstance(between, types.CompletionList) else between)
    inside = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc_id(uri), position=pos(0, 77))
    )
    items = {i.label: i for i in (inside.items if isinstance(inside, types.CompletionList) else inside)}
    assert text_edit(items["sys/failed"]).range == types.Range(start=pos(0, 71), end=pos(0, 77))


async def test_a_line_being_typed_does_not_hide_the_other_queries(client):
    text = 'a = project.fetch_runs_table(query="a:flot = 1")\nb = project.fetch_runs_table(query="b:int = \n'
    uri = open_py(client, text)
    found = await diagnostics(client, uri)
    assert [(d.code, d.range) for d in found] == [("NQL101", types.Range(start=pos(0, 38), end=pos(0, 42)))]


async def _rewrites(client, uri: str, line: int, character: int) -> list[types.CodeAction]:
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc_id(uri),
            range=types.Range(start=pos(line, character), end=pos(line, character)),
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.RefactorRewrite]),
        )
    )
    return [a for a in actions or [] if isinstance(a, types.CodeAction)]


def _edits(action: types.CodeAction, uri: str) -> list[types.TextEdit]:
    assert action.edit is not None
    if action.edit.changes:
        return list(action.edit.changes[uri])
    assert action.edit.document_changes
    [change] = action.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit)
    return [e for e in change.edits if isinstance(e, types.TextEdit)]


async def test_a_query_string_converts_to_filter_code_and_back(client):
    text = 'from __future__ import annotations\n\nruns = project.fetch_runs_table(query="`sys/failed`:bool = true")\n'
    uri = open_py(client, text)
    [action] = await _rewrites(client, uri, 2, 45)  # inside the string
    assert action.title == "Convert to neptune-query Filter"
    converted = apply(text, _edits(action, uri), encoding(client))
    # Worked out by hand: neptune-query spells bool attributes "bool" and takes the value as a Python bool.
    assert converted == (
        "from __future__ import annotations\n"
        "from neptune_query.filters import Attribute, Filter\n"
        "\n"
        'runs = project.fetch_runs_table(query=Filter.eq(Attribute("sys/failed", type="bool"), True))\n'
    )
    ast.parse(converted)
    back_uri = open_py(client, converted)
    [back] = [a for a in await _rewrites(client, back_uri, 3, 50) if a.title == "Convert to an NQL string"]
    restored = apply(converted, _edits(back, back_uri), encoding(client))
    # neptune-query writes every value as a quoted string ("True"), and the canonical NQL keeps it so.
    assert restored.endswith("""runs = project.fetch_runs_table(query='`sys/failed`:bool = "True"')\n""")


async def test_no_conversion_for_a_query_with_an_f_string_hole_or_outside_strings(client):
    text = 'flag = "true"\nruns = project.fetch_runs_table(query=f"`sys/failed`:bool = {flag}")\n'
    uri = open_py(client, text)
    assert not await _rewrites(client, uri, 1, 50)  # a hole: the value is known only at run time
    assert not await _rewrites(client, uri, 0, 2)  # plain code
