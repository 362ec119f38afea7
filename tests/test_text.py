"""Offsets, rows/columns and LSP positions, counted by hand over non-ASCII text and every line break."""

from __future__ import annotations

import pytest

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
