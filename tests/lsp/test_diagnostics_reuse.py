"""Diagnostics pushed again after an edit reuse what was sent for those the edit left as they were."""

from __future__ import annotations

from lsprotocol import types

from nql_lsp.lsp.capabilities import ResolvedCapabilities
from nql_lsp.lsp.diagnostics import lsp_diagnostics
from nql_lsp.lsp.documents import Documents
from nql_lsp.lsp.positions import Positions

# Three clauses, each with a type NQL does not know: three NQL101 errors on one line.
TEXT = "`a`:flot = 1 AND `b`:flot = 2 AND `c`:flot = 3"


def _push(documents: Documents, uri: str, text: str) -> list[types.Diagnostic]:
    doc = documents.get(uri)
    assert doc is not None
    doc.update(text, None)
    pos = Positions(lambda: doc.lines, "utf-16")
    return lsp_diagnostics(documents, doc, pos, {}, ResolvedCapabilities(), None, doc.sent)


def test_unchanged_diagnostics_are_sent_as_they_were_and_moved_ones_made_anew() -> None:
    documents = Documents()
    uri = "file:///w/q.nql"
    assert documents.open(uri, "nql", 1, TEXT) is not None
    first = _push(documents, uri, TEXT)
    assert [(d.code, d.range.start.character) for d in first] == [("NQL101", 4), ("NQL101", 21), ("NQL101", 38)]
    # The last value changes length: the diagnostics before it stand where they stood.
    second = _push(documents, uri, TEXT[:-1] + "30")
    assert second[0] is first[0] and second[1] is first[1] and second[2] is first[2]
    # A longer second value moves the last diagnostic only: it is made again, at its new place.
    moved = _push(documents, uri, TEXT.replace("= 2", "= 22"))
    assert moved[0] is first[0] and moved[1] is first[1] and moved[2] is not first[2]
    assert [d.range.start.character for d in moved] == [4, 21, 39]
    doc = documents.get(uri)
    assert doc is not None
    fresh = lsp_diagnostics(documents, doc, Positions(lambda: doc.lines, "utf-16"), {}, ResolvedCapabilities())
    assert moved == fresh  # reuse changes nothing that is sent
