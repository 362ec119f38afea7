"""Formatting as edits of the file a query stands in: a whole ``.nql`` file, or a string in Python code.

A query embedded in code is formatted only inside its literals: the change is split into small edits,
each written for the literal it lands in, and a query whose change cannot be written that way (it would
overwrite an f-string hole) is left as it is. A query in strings that cannot hold a line break as one is
kept on one line. The language server and ``nql-lsp --format`` both format through here.
"""

from __future__ import annotations

import difflib

from nql_lsp.diagnostics import Edit
from nql_lsp.features.printer import format_query
from nql_lsp.sources.query import QuerySource

#: The line width for a query that must stay on one line.
ONE_LINE = 1_000_000


def width_for(source: QuerySource, line_width: int) -> int:
    return line_width if source.multiline else ONE_LINE


def minimal_edit(old: str, new: str) -> tuple[int, int, str]:
    """The smallest replacement turning ``old`` into ``new``: the cursor outside it stays put."""
    n = min(len(old), len(new))
    head = 0
    while head < n and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < n - head and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]:
        tail += 1
    return head, len(old) - tail, new[head : len(new) - tail]


def fine_edits(old: str, new: str, offset: int = 0) -> list[Edit]:
    """The change as one edit per differing run, so edits keep clear of text that must not move."""
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        Edit(offset + i1, offset + i2, new[j1:j2]) for tag, i1, i2, j1, j2 in matcher.get_opcodes() if tag != "equal"
    ]


def query_edits(source: QuerySource, line_width: int) -> list[Edit]:
    """Edits (query offsets) that format one whole query; empty when it is formatted or broken."""
    new = format_query(source.text, width_for(source, line_width))
    return [] if new is None else edits_to(source, new)


def edits_to(source: QuerySource, new: str) -> list[Edit]:
    """Edits (query offsets) that turn the query into ``new``, its printed form."""
    if new == source.text:
        return []
    if source.in_code:  # small edits, each inside one literal
        old = source.text
        # The space around the query belongs to the code's layout: a triple-quoted string's indentation is
        # kept, and given to every line of the query.
        lead = old[: len(old) - len(old.lstrip())]
        indent = lead.rsplit("\n", 1)[1] if "\n" in lead else ""
        new = lead + new.strip().replace("\n", "\n" + indent) + old[len(old.rstrip()) :]
        return fine_edits(old, new) if new != old else []
    start, end, text = minimal_edit(source.text, new)
    return [Edit(start, end, text)]


def file_edits(source: QuerySource, edits: list[Edit]) -> list[Edit]:
    """Query edits as file edits, all or none: a query formatted halfway could mean something else."""
    out: list[Edit] = []
    for e in edits:
        mapped = source.file_edits(e)
        if mapped is None:
            return []
        out.extend(mapped)
    return out


def apply_edits(text: str, edits: list[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` (file offsets) applied."""
    out: list[str] = []
    at = 0
    for e in sorted(edits, key=lambda e: (e.start, e.end)):
        out.append(text[at : e.start])
        out.append(e.new_text)
        at = e.end
    out.append(text[at:])
    return "".join(out)
