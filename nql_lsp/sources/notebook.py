"""Finding the NQL queries in Jupyter notebooks.

A notebook is JSON; each code cell's ``source`` is a list of JSON strings (one per line) or one string.
Each code cell is read as Python (see :mod:`.python`), and every position is mapped twice: from the query
into the cell's Python text, then from the cell into the JSON strings of the ``.ipynb`` file. Diagnostics
are therefore reported at rows and columns of the notebook file itself, where a pull-request diff of the
notebook shows them, and fixes are written with both Python's and JSON's escaping.
"""

from __future__ import annotations

import json
import re

from nql_lsp.language.records import ValueRecord
from nql_lsp.sources.mapping import CharMap, Segment
from nql_lsp.sources.python import find_queries, syntax_note
from nql_lsp.sources.query import EmbeddedQuery, Extraction, QuerySource, Through

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null")
#: JSON's one-letter escapes that stand for another character (``\"``, ``\\`` and ``\/`` stand for their own).
_JSON_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_MAGIC_LINE = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)
#: Cell magics whose body is still Python.
_PYTHON_CELL_MAGICS = ("%%time", "%%timeit", "%%capture", "%%prun")


class NotebookError(ValueError):
    pass


class _JStr(ValueRecord):
    """A JSON string with the span of its literal (quotes included) in the file."""

    value: str
    start: int
    end: int

    __slots__ = ("end", "start", "value")

    def __init__(self, value: str, start: int, end: int) -> None:
        self.value = value
        self.start = start
        self.end = end


def _skip_ws(text: str, i: int) -> int:
    """The offset after the JSON whitespace at ``i`` (there may be none)."""
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _parse(text: str, i: int) -> tuple[object, int]:
    """A JSON value at ``i`` with every string as a :class:`_JStr`; ``json.loads`` has validated it."""
    i = _skip_ws(text, i)
    c = text[i]
    if c == '"':
        m = _STRING.match(text, i)
        if m is None:
            raise NotebookError("bad string")
        return _JStr(json.loads(m.group()), m.start(), m.end()), m.end()
    if c == "{":
        obj: dict[str, object] = {}
        i = _skip_ws(text, i + 1)
        if text[i] == "}":
            return obj, i + 1
        while True:
            key, i = _parse(text, i)
            i = _skip_ws(text, i)
            if not isinstance(key, _JStr) or text[i] != ":":
                raise NotebookError("bad object")
            value, i = _parse(text, i + 1)
            obj[key.value] = value
            i = _skip_ws(text, i)
            if text[i] == "}":
                return obj, i + 1
            if text[i] != ",":
                raise NotebookError("bad object")
            i += 1
    if c == "[":
        arr: list[object] = []
        i = _skip_ws(text, i + 1)
        if text[i] == "]":
            return arr, i + 1
        while True:
            value, i = _parse(text, i)
            arr.append(value)
            i = _skip_ws(text, i)
            if text[i] == "]":
                return arr, i + 1
            if text[i] != ",":
                raise NotebookError("bad array")
            i += 1
    m = _SCALAR.match(text, i)
    if m is None:
        raise NotebookError("bad value")
    return m.group(), m.end()


def _decode_json_string(text: str, s: _JStr, chars: list[str], starts: list[int], ends: list[int]) -> None:
    """Append the characters of one JSON string with the file span of each."""
    i, stop = s.start + 1, s.end - 1
    while i < stop:
        c = text[i]
        if c != "\\":
            chars.append(c)
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        nxt = text[i + 1]
        if nxt == "u":
            code = int(text[i + 2 : i + 6], 16)
            k = i + 6
            if 0xD800 <= code < 0xDC00 and text.startswith("\\u", k):
                low = int(text[k + 2 : k + 6], 16)
                if 0xDC00 <= low < 0xE000:
                    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    k += 6
            chars.append(chr(code))
        else:
            chars.append(_JSON_ESCAPES.get(nxt, nxt))
            k = i + 2
        starts.append(i)
        ends.append(k)
        i = k


def _json_encode(new_text: str, start: int, end: int) -> str:
    return json.dumps(new_text, ensure_ascii=False)[1:-1]


def _cell_python(source: str) -> str | None:
    """The cell as Python, IPython magics and shell lines turned into comments of the same length (None:
    the cell is in another language)."""
    if source.lstrip().startswith("%%"):
        first_end = source.find("\n")
        first = source if first_end < 0 else source[:first_end]
        if not first.strip().startswith(_PYTHON_CELL_MAGICS):
            return None
    return _MAGIC_LINE.sub(lambda m: re.sub(r"[%!]", "#", m.group(), count=1), source)


def _find(source: str, python: str) -> list[QuerySource]:
    """The cell's queries: read as it is when it is Python; else with its IPython lines as comments, keeping
    only queries whose text that rewriting did not touch (a string line starting with ``%`` is not a magic)."""
    if python == source:
        return find_queries(source)
    try:
        return find_queries(source)
    except SyntaxError:
        pass
    changed = [i for i, (a, b) in enumerate(zip(source, python, strict=True)) if a != b]
    out = []
    for q in find_queries(python):
        start, end = q.file_range(0, len(q.text))
        if not any(start <= i < end for i in changed):
            out.append(q)
    return out


def _through(cell: CharMap, q: QuerySource) -> QuerySource:
    """The cell query mapped on into the notebook file."""
    code = None if q.code_span is None else (cell.to_file(q.code_span[0]), cell.to_file_end(q.code_span[1]))
    return EmbeddedQuery(q.text, Through(cell, q), q.holes, q.multiline, code, about=q.about)


def extract_notebook(text: str) -> Extraction:
    """The extractor for ``.ipynb`` files: queries of every code cell, in the notebook file's offsets."""
    try:
        json.loads(text)
        doc, _ = _parse(text, 0)
    except json.JSONDecodeError as e:
        return Extraction([], [f"not a notebook: invalid JSON ({e.msg} at line {e.lineno}, column {e.colno})"])
    except (NotebookError, IndexError, ValueError, RecursionError) as e:
        return Extraction([], [f"not a notebook: {e}"])
    cells = doc.get("cells") if isinstance(doc, dict) else None
    if not isinstance(cells, list):
        return Extraction([], ["not a notebook: no list of cells"])
    queries: list[QuerySource] = []
    notes: list[str] = []
    for number, cell in enumerate(cells, 1):
        if not isinstance(cell, dict):
            continue
        kind = cell.get("cell_type")
        if not isinstance(kind, _JStr) or kind.value != "code":
            continue
        raw = cell.get("source")
        pieces = (
            [raw]
            if isinstance(raw, _JStr)
            else [p for p in raw if isinstance(p, _JStr)]
            if isinstance(raw, list)
            else []
        )
        source = "".join(p.value for p in pieces)
        python = _cell_python(source)
        if python is None:
            continue
        try:
            found = _find(source, python)
        except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
            notes.append(f"cell {number}: {syntax_note(e)}")
            continue
        if not found:
            continue
        chars: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        segs: list[int] = []
        for index, piece in enumerate(pieces):
            before = len(chars)
            _decode_json_string(text, piece, chars, starts, ends)
            segs.extend([index] * (len(chars) - before))
        if "".join(chars) != source:
            notes.append(f"cell {number}: its source could not be mapped; its queries were not checked")
            continue
        segments = [Segment(p.start + 1, p.end - 1, _json_encode) for p in pieces]
        cell_map = CharMap(text, source, starts, ends, segs, segments)
        queries.extend(_through(cell_map, q) for q in found)
    return Extraction(queries, notes)
