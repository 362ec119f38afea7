"""Offsets, rows/columns and LSP positions, counted by hand over non-ASCII text and every line break."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nql_lsp.syntax.text import LineIndex

# "é" is 1 code point, 1 UTF-16 unit, 2 UTF-8 bytes; "😀" is 1 code point, 2 UTF-16 units, 4 UTF-8 bytes.
TEXT = "é😀x\r\nab\rc\nd"


@pytest.mark.parametrize(
    ("offset", "utf8", "utf16", "utf32"),
    [
        (0, (0, 0), (0, 0), (0, 0)),
        (1, (0, 2), (0, 1), (0, 1)),
        (2, (0, 6), (0, 3), (0, 2)),
        (3, (0, 7), (0, 4), (0, 3)),
        (4, (0, 7), (0, 4), (0, 3)),  # between \r and \n: the end of the line, LSP has no position inside a break
        (5, (1, 0), (1, 0), (1, 0)),
        (7, (1, 2), (1, 2), (1, 2)),
        (8, (2, 0), (2, 0), (2, 0)),  # a lone \r ends a line too
        (10, (3, 0), (3, 0), (3, 0)),
        (11, (3, 1), (3, 1), (3, 1)),
    ],
)
def test_positions_in_each_encoding(offset, utf8, utf16, utf32):
    lines = LineIndex(TEXT)
    assert lines.position(offset, "utf-8") == utf8
    assert lines.position(offset, "utf-16") == utf16
    assert lines.position(offset, "utf-32") == utf32


def test_positions_map_back_to_offsets_and_past_the_end_of_a_line_is_its_end():
    lines = LineIndex(TEXT)
    assert lines.offset(0, 3, "utf-16") == 2
    assert lines.offset(0, 6, "utf-8") == 2
    assert lines.offset(0, 99, "utf-16") == 3
    assert lines.offset(9, 0, "utf-16") == len(TEXT)


def test_cli_rows_and_columns_are_one_based_code_points():
    lines = LineIndex(TEXT)
    assert lines.row_col(2) == (1, 3)
    assert lines.row_col(7) == (2, 3)


def _units_reference(ch: str, encoding: str) -> int:
    """A character's code units, from the Unicode definitions: the reference the index is held to."""
    code = ord(ch)
    if encoding == "utf-32":
        return 1
    if encoding == "utf-16":
        return 2 if code > 0xFFFF else 1
    return 1 if code < 0x80 else 2 if code < 0x800 else 3 if code < 0x10000 else 4


_TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", "\n", "\r", "é", "中", "😀", "\ud800", "\U0010ffff", "\x7f", "߿"]),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_TEXT, st.data())
def test_positions_and_offsets_agree_with_counting_each_character(text, data):
    """Measured at C speed (by encoding), positions and offsets are what counting character by character
    gives, lone surrogates and positions inside a pair or a multi-byte sequence included."""
    index = LineIndex(text)
    encoding = data.draw(st.sampled_from(["utf-8", "utf-16", "utf-32"]))
    offset = data.draw(st.integers(0, len(text)))
    line, character = index.position(offset, encoding)
    start = index.line_start(line)
    assert character == sum(_units_reference(ch, encoding) for ch in text[start : min(offset, index.line_end(line))])
    asked = data.draw(st.integers(-2, 130))
    back = index.offset(line, asked, encoding)
    end = index.line_end(line)
    assert start <= back <= end
    taken = sum(_units_reference(ch, encoding) for ch in text[start:back])
    assert taken <= max(asked, 0)  # never past the asked position
    if back < end:  # and as far as it goes: the next character would pass it
        assert taken + _units_reference(text[back], encoding) > asked


def test_offsets_on_a_long_non_ascii_line():
    line = "é😀" * 50_000  # 100,000 code points, 150,000 UTF-16 units
    index = LineIndex(line)
    assert index.position(len(line), "utf-16") == (0, 150_000)
    assert index.position(len(line), "utf-8") == (0, 50_000 * 6)
    assert index.offset(0, 149_999, "utf-16") == 99_999  # inside the last pair: before it
    assert index.offset(0, 3, "utf-16") == 2
    assert index.offset(0, 4, "utf-16") == 3
