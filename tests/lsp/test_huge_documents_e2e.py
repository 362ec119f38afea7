"""A huge document never stalls the others, is said to be too large once, and its superseded analyses are
never published.

The bounds are generous (seconds) against what the huge document would cost if it held the server: a
10 MB query analysed in full takes minutes, and an analysis of the 3 MB Python file seconds.
"""

from __future__ import annotations

import time

import pytest
from lsprotocol import types

from nql_lsp.lsp.documents import MAX_DOCUMENT_SIZE

from .conftest import NqlClient, change, diagnostics, doc_id, new_uri, open_doc, pos, pulls

pytestmark = pytest.mark.asyncio(loop_scope="module")


def _ored(size: int) -> str:
    clause = '`sys/id`:string = "RUN-1" OR '
    return clause * (size // len(clause)) + '`sys/id`:string = "RUN-2"'


async def _hover(client: NqlClient, uri: str, line: int = 0, character: int = 2) -> types.Hover | None:
    return await client.text_document_hover_async(
        types.HoverParams(text_document=doc_id(uri), position=pos(line, character))
    )


async def test_a_hover_on_a_small_document_answers_while_a_10_mb_one_is_open(client: NqlClient):
    huge_text = _ored(10_000_000)
    assert len(huge_text) > MAX_DOCUMENT_SIZE
    told_before = len(client.messages)
    huge = open_doc(client, huge_text)
    small = open_doc(client, "`sys/failed`:bool = false")
    started = time.monotonic()
    answer = await _hover(client, small)
    assert answer is not None and "sys/failed" in str(answer.contents)
    assert time.monotonic() - started < 10
    # Typing in the huge document: still served at once, and the user is told once, not per keystroke.
    end = huge_text.count("\n")
    for version in (2, 3):
        change(client, huge, version, " ", types.Range(start=pos(end, len(huge_text)), end=pos(end, len(huge_text))))
    assert await _hover(client, huge) is None  # nothing is analysed in it, so nothing to say
    assert (await diagnostics(client, huge, None if pulls(client) else 3)) == []
    told = [m.message for m in client.messages[told_before:] if huge.rsplit("/", 1)[-1] in m.message]
    assert len(told) == 1 and "only its size is checked" in told[0]
    assert time.monotonic() - started < 20


async def test_an_analysis_superseded_by_a_change_is_never_published(client: NqlClient):
    # Under the document limit, and every query under the length limit, so analysed in full, for seconds:
    # 3,000 queries of 40 clauses in one Python file.
    query = " OR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(40))
    big_text = "".join(f"r{i} = project.fetch_runs_table(query='{query}')\n" for i in range(3_000))
    assert len(big_text) <= MAX_DOCUMENT_SIZE
    uri = open_doc(client, big_text, uri=new_uri(".py"), language_id="python")
    change(client, uri, 2, "r = project.fetch_runs_table(query='`x`:flot = 1')\n")
    found = await diagnostics(client, uri, None if pulls(client) else 2, timeout=20)
    assert [d.code for d in found] == ["NQL101"]
    if not pulls(client):
        assert [p.version for p in client.publishes if p.uri == uri] == [2]
