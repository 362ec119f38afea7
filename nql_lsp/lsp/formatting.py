"""Document and range formatting through the core printer; no edits while a query has syntax errors.

A query embedded in code (a Python string) is formatted only inside its literals: the change is split
into small edits, each written for the literal it lands in, and a query whose change cannot be written
that way (it would overwrite an f-string hole) is left as it is. A query in strings that cannot hold a
line break as one is kept on one line.
"""

from __future__ import annotations

import difflib

from lsprotocol import types

from ..diagnostics import Edit
from ..formatting import format_query, format_range
from .documents import Document, Region
from .positions import Positions


def _minimal(old: str, new: str) -> tuple[int, int, str]:
    """The smallest replacement turning ``old`` into ``new``: the cursor outside it stays put."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return head, len(old) - tail, new[head:len(new) - tail]


#: The line width for a query that must stay on one line.
ONE_LINE = 1_000_000


def _fine(old: str, new: str, offset: int = 0) -> list[Edit]:
    """The change as one edit per differing run, so edits keep clear of text that must not move."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [Edit(offset + i1, offset + i2, new[j1:j2])
            for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"]


def file_edits(region: Region, edits: list[Edit]) -> list[Edit]:
    """Query edits as file edits, all or none: a query formatted halfway could mean something else."""
    out: list[Edit] = []
    for e in edits:
        mapped = region.edits_to_file(e)
        if mapped is None:
            return []
        out.extend(mapped)
    return out


def _file_edit(e: Edit, pos: Positions) -> types.TextEdit:
    return types.TextEdit(range=pos.range(e.start, e.end), new_text=e.new_text)


def width_for(region: Region, line_width: int) -> int:
    return line_width if region.source.multiline else ONE_LINE


def query_edits(region: Region, line_width: int) -> list[Edit]:
    """Edits (query offsets) that format one whole query; empty when it is formatted or broken."""
    new = format_query(region.text, width_for(region, line_width))
    if new is None or new == region.text:
        return []
    if region.source.map_edit is not None:  # embedded in code: small edits, each inside one literal
        old = region.text
        # The space around the query belongs to the code's layout: a triple-quoted string's indentation is
        # kept, and given to every line of the query.
        lead = old[:len(old) - len(old.lstrip())]
        indent = lead.rsplit("\n", 1)[1] if "\n" in lead else ""
        new = lead + new.strip().replace("\n", "\n" + indent) + old[len(old.rstrip()):]
        return _fine(old, new) if new != old else []
    start, end, text = _minimal(region.text, new)
    return [Edit(start, end, text)]


def format_document(doc: Document, pos: Positions, line_width: int) -> list[types.TextEdit]:
    return [_file_edit(e, pos) for r in doc.regions for e in file_edits(r, query_edits(r, line_width))]


def format_document_range(doc: Document, rng: types.Range, pos: Positions, line_width: int) -> list[types.TextEdit]:
    start, end = pos.span(rng)
    out = []
    for region in doc.regions:
        if region.file_end < start or end < region.file_start:
            continue
        qs, qe = region.from_file(start), region.from_file(end)
        edits = format_range(region.text, qs, qe, width_for(region, line_width))
        if region.source.map_edit is not None:
            edits = [f for e in edits for f in _fine(region.text[e.start:e.end], e.new_text, e.start)]
        out += [_file_edit(e, pos) for e in file_edits(region, edits)]
    return out
