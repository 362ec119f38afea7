"""Finding the NQL queries in Python source.

A string is a query when the code says so, never by guessing from its content:

- the ``query=`` argument of a method that takes raw NQL (:data:`QUERY_METHODS`), and
- a string marked by a ``# nql`` comment on its own line (marking the next statement's first string) or
  at the end of a line the string covers (queries kept in constants).

Only literals are read: a query built at run time (a variable, ``+`` of non-literals, ``%`` or
``.format``) is skipped. f-string holes become placeholders (see :mod:`.holes`).
"""

from __future__ import annotations

import ast
import bisect
import re
import warnings
from collections.abc import Iterator

from nql_lsp.language.records import ValueRecord
from nql_lsp.sources.holes import WORD_PLACEHOLDER, placeholder
from nql_lsp.sources.literals import Decoded, Literal, LiteralError, decode, encode, scan_literal, scan_literals
from nql_lsp.sources.mapping import CharMap, Encoder, Segment
from nql_lsp.sources.query import MODEL_VERSIONS, MODELS, RUNS, EmbeddedQuery, Extraction, QuerySource

#: Methods whose ``query=`` argument is raw NQL, with what it filters: neptune-client's tables and
#: neptune-fetcher's read-only project. neptune-query's ``fetch_*`` functions take regexes and ``Filter``
#: objects instead. A string a ``# nql`` comment marks is taken for a runs query.
QUERY_METHODS: dict[str, str] = {
    "fetch_runs_table": RUNS,
    "fetch_models_table": MODELS,
    "fetch_model_versions_table": MODEL_VERSIONS,
    "fetch_runs_df": RUNS,
    "fetch_experiments_df": RUNS,
}

_MARKER = re.compile(r"#[ \t]*nql(?![\w-])", re.IGNORECASE)
_METHOD = re.compile("|".join(sorted(QUERY_METHODS)))
_PREFILTER = re.compile("|".join(sorted(QUERY_METHODS)) + r"|#[ \t]*nql", re.IGNORECASE)

StrNode = ast.Constant | ast.JoinedStr


class _Lines:
    """Line starts of the source, to turn ``ast``'s (line, UTF-8 byte column) into code-point offsets."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0]
        for m in re.finditer(r"\r\n|\r|\n", text):
            self.starts.append(m.end())

    def offset(self, line: int, byte_col: int) -> int:
        start = self.starts[line - 1]
        if byte_col == 0:
            return start
        chunk = self.text[start : start + byte_col]
        if chunk.isascii():
            return start + byte_col
        return start + len(chunk.encode("utf-8")[:byte_col].decode("utf-8", "ignore"))

    def line_text(self, line: int) -> str:
        start = self.starts[line - 1]
        end = self.starts[line] if line < len(self.starts) else len(self.text)
        return self.text[start:end]


class _Found(ValueRecord):
    """What one walk over the tree collects."""

    arguments: list[tuple[ast.expr, str]]  # query= of the NQL-taking methods, with what each filters
    strings: list[StrNode]  # every string expression, outermost only
    statements: dict[int, ast.stmt]  # the outermost statement starting per line

    __slots__ = ("arguments", "statements", "strings")

    def __init__(
        self,
        arguments: list[tuple[ast.expr, str]] | None = None,
        strings: list[StrNode] | None = None,
        statements: dict[int, ast.stmt] | None = None,
    ) -> None:
        self.arguments = arguments if arguments is not None else []
        self.strings = strings if strings is not None else []
        self.statements = statements if statements is not None else {}


def _walk(tree: ast.AST, hot: list[int], whole: set[int]) -> _Found:
    """One pass over the parts of the tree that can hold a query: nodes whose lines include a ``hot`` line
    (a method name, a line a ``# nql`` comment ends), and all of a statement starting on a ``whole`` line
    (the one after a ``# nql`` comment on its own line). Walking, not parsing, is most of the finding time,
    and most statements are skipped this way."""
    found = _Found()
    strings: list[StrNode] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, full = stack.pop()
        line = getattr(node, "lineno", None)
        if line is not None and not full:
            i = bisect.bisect_left(hot, line)
            if i == len(hot) or hot[i] > (node.end_lineno or line):  # type: ignore[attr-defined]
                continue
            full = line in whole and isinstance(node, ast.stmt)
        kind = type(node)
        if kind is ast.Call:
            func = node.func  # type: ignore[attr-defined]
            name = func.attr if type(func) is ast.Attribute else func.id if type(func) is ast.Name else None
            about = QUERY_METHODS.get(name) if name is not None else None
            if about is not None:
                found.arguments.extend((kw.value, about) for kw in node.keywords if kw.arg == "query")  # type: ignore[attr-defined]
        elif kind is ast.JoinedStr or (kind is ast.Constant and type(node.value) is str):  # type: ignore[attr-defined]
            strings.append(node)  # type: ignore[arg-type]
        elif isinstance(node, ast.stmt):
            found.statements.setdefault(node.lineno, node)
        stack.extend((child, full) for child in reversed(list(ast.iter_child_nodes(node))))
    # Parts and hole contents of an f-string lie inside it (Python 3.11 gives parts the f-string's own span,
    # so an f-string sorts before anything starting where it starts).
    strings.sort(key=lambda n: (n.lineno, n.col_offset, type(n) is not ast.JoinedStr))
    end = (0, -1)
    for node in strings:
        if (node.lineno, node.col_offset) < end:
            continue
        found.strings.append(node)
        if type(node) is ast.JoinedStr:
            end = (node.end_lineno or node.lineno, node.end_col_offset or 0)
    return found


class _Marker(ValueRecord):
    offset: int
    line: int
    trailing: bool  # after code on its line (marks a string covering the line), else on its own line
    next_line: int | None  # for a marker on its own line: the next line with code

    __slots__ = ("line", "next_line", "offset", "trailing")

    def __init__(self, offset: int, line: int, trailing: bool, next_line: int | None) -> None:
        self.offset = offset
        self.line = line
        self.trailing = trailing
        self.next_line = next_line


def _markers(text: str, lines: _Lines) -> list[_Marker]:
    out = []
    for m in _MARKER.finditer(text):
        line = _line_of(lines, m.start())
        trailing = bool(text[lines.starts[line - 1] : m.start()].strip())
        out.append(_Marker(m.start(), line, trailing, None if trailing else _next_code_line(lines, line)))
    return out


def _marked(found: _Found, text: str, lines: _Lines, markers: list[_Marker]) -> Iterator[StrNode]:
    """The strings that ``# nql`` comments mark."""
    nodes, statements = found.strings, found.statements
    spans = [
        (lines.offset(n.lineno, n.col_offset), lines.offset(n.end_lineno or n.lineno, n.end_col_offset or 0))
        for n in nodes
    ]

    def in_string(offset: int) -> bool:
        return any(a <= offset < b and _in_literal(text, a, b, offset) for a, b in spans)

    for marker in markers:
        if in_string(marker.offset):
            continue  # inside a string: not a comment
        line = marker.line
        line_start = lines.starts[line - 1]
        if any(text[i] == "#" and not in_string(i) for i in range(line_start, marker.offset)):
            continue  # `# nql` mentioned inside another comment: only a comment that is `# nql` marks
        if marker.trailing:
            hits = [n for n in nodes if n.lineno <= line <= (n.end_lineno or n.lineno)]
        else:
            nxt = marker.next_line
            stmt = statements.get(nxt) if nxt else None
            last = (stmt.end_lineno or stmt.lineno) if stmt is not None else nxt
            hits = [n for n in nodes if nxt and nxt <= n.lineno <= (last or nxt)]
        if hits:
            yield hits[0]


def _in_literal(text: str, start: int, end: int, offset: int) -> bool:
    """Whether ``offset`` is inside one of the literals of the string expression ``text[start:end]`` (and
    not in a comment between them)."""
    try:
        return any(lit.start <= offset < lit.end for lit in scan_literals(text, start, end))
    except LiteralError:
        return True


def _line_of(lines: _Lines, offset: int) -> int:
    return bisect.bisect_right(lines.starts, offset)


def _next_code_line(lines: _Lines, line: int) -> int | None:
    for n in range(line + 1, len(lines.starts) + 1):
        stripped = lines.line_text(n).strip()
        if stripped and not stripped.startswith("#"):
            return n
    return None


def _matches(node: StrNode, d: Decoded) -> bool:
    """Whether our reading agrees with Python's: anything else is skipped rather than mis-mapped."""
    if isinstance(node, ast.Constant):
        return not d.holes and "".join(d.chars) == node.value
    expected = [v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else None for v in node.values]
    return d.parts() == expected


def _encoder(text: str, lit: Literal) -> Encoder:
    """Encodes replacement text for ``lit`` and checks the literal still reads as one token after the edit
    (a raw literal's backslash pairs, for one, depend on their neighbours)."""

    def enc(new_text: str, start: int, end: int) -> str | None:
        out = encode(new_text, lit)
        if out is None:
            return None
        before = text[max(lit.content_start, start - 3) : start]
        if out and not lit.raw and out[0] in "01234567" and re.search(r"(?<!\\)\\[0-7]{1,2}$", before):
            out = f"\\x{ord(out[0]):02x}" + out[1:]  # a digit after a short octal escape would extend it
        rebuilt = text[lit.start : start] + out + text[end : lit.end]
        try:
            if scan_literal(rebuilt, 0).end != len(rebuilt):
                return None
        except LiteralError:
            return None
        if not lit.triple and len(rebuilt) == len(lit.prefix) + 2 and text.startswith(lit.quote, lit.end):
            return None  # emptied right before a literal with the same quote: `""` + `"..."` opens a `"""`
        return out

    return enc


def build_query(text: str, d: Decoded, about: str = RUNS) -> QuerySource:
    """The query with placeholders in its holes, mapped back onto ``text``."""
    chars, starts, ends, segs = [], [], [], []
    holes: list[tuple[int, int]] = []
    pos = 0
    hole_list = d.holes
    for k, hole in enumerate([*hole_list, None]):
        at = len(d.chars) if hole is None else hole.at
        chars.extend(d.chars[pos:at])
        starts.extend(d.starts[pos:at])
        ends.extend(d.ends[pos:at])
        segs.extend(d.lits[pos:at])
        pos = at
        if hole is None:
            break
        nxt = hole_list[k + 1].at if k + 1 < len(hole_list) else len(d.chars)
        after = "".join(d.chars[at:nxt])
        if not after and k + 1 < len(hole_list):
            after = WORD_PLACEHOLDER  # another hole follows at once: they are parts of one thing
        stand_in = placeholder("".join(chars), after)
        holes.append((len(chars), len(chars) + len(stand_in)))
        chars.extend(stand_in)
        starts.extend([hole.start] * len(stand_in))
        ends.extend([hole.end] * len(stand_in))
        segs.extend([hole.literal] * len(stand_in))
    segments = [Segment(lit.content_start, lit.content_end, _encoder(text, lit)) for lit in d.literals]
    query = "".join(chars)
    cmap = CharMap(text, query, starts, ends, segs, segments, tuple(holes))
    code = (d.literals[0].start, d.literals[-1].end)
    multiline = all(lit.triple for lit in d.literals)
    return EmbeddedQuery(query, cmap, tuple(holes), multiline=multiline, code_span=code, about=about)


def read_string(text: str, lines: _Lines, node: StrNode, about: str = RUNS) -> QuerySource | None:
    """The query a string expression spells, or None when it is not a plain (non-bytes) literal we can map."""
    start = lines.offset(node.lineno, node.col_offset)
    end = lines.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
    try:
        literals = scan_literals(text, start, end)
        if any(lit.is_bytes for lit in literals):
            return None
        decoded = decode(text, literals)
    except (LiteralError, IndexError, ValueError):
        return None
    if not _matches(node, decoded):
        return None
    return build_query(text, decoded, about)


def parse_python(text: str) -> ast.Module:
    """``ast.parse`` without its warnings about invalid escapes (a query's ``\\d`` is the user's business)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ast.parse(text)


def find_queries(text: str) -> list[QuerySource]:
    """The queries in a Python source text; raises SyntaxError (or ValueError) when it is not Python."""
    if not _PREFILTER.search(text):
        return []
    tree = parse_python(text)
    lines = _Lines(text)
    markers = _markers(text, lines) if _MARKER.search(text) else []
    hot = {_line_of(lines, m.start()) for m in _METHOD.finditer(text)}
    hot.update(m.line for m in markers if m.trailing)
    hot.update(m.next_line for m in markers if not m.trailing and m.next_line)
    found = _walk(tree, sorted(hot), {m.next_line for m in markers if m.next_line})
    chosen: dict[int, tuple[StrNode, str]] = {}
    for arg, about in found.arguments:
        if isinstance(arg, ast.JoinedStr | ast.Constant):
            chosen.setdefault(id(arg), (arg, about))
    if markers:
        for node in _marked(found, text, lines, markers):
            chosen.setdefault(id(node), (node, RUNS))
    ordered = sorted(chosen.values(), key=lambda pair: (pair[0].lineno, pair[0].col_offset))
    read = [read_string(text, lines, node, about) for node, about in ordered]
    return [q for q in read if q is not None]


def find_queries_tolerant(text: str, attempts: int = 8) -> list[QuerySource]:
    """The queries of a file that may be half-typed: the lines Python stops at are blanked (same length, so
    every offset stays) and the rest is read again, a few times at most. For editors, where a syntax error
    on one line should not hide the queries on all the others."""
    for _ in range(attempts):
        try:
            return find_queries(text)
        except SyntaxError as e:
            if not e.lineno:
                return []
            text = blank_lines(text, e.lineno, max(e.lineno, e.end_lineno or e.lineno))
        except (ValueError, RecursionError, MemoryError):
            return []
    return []


def blank_lines(text: str, first: int, last: int) -> str:
    lines = _Lines(text)
    start = lines.starts[first - 1]
    end = lines.starts[last] if last < len(lines.starts) else len(text)
    return text[:start] + re.sub(r"[^\r\n]", " ", text[start:end]) + text[end:]


def syntax_note(e: Exception) -> str:
    if isinstance(e, SyntaxError):
        where = f" at line {e.lineno}" + (f", column {e.offset}" if e.offset else "") if e.lineno else ""
        return f"not valid Python ({e.msg}{where}); its queries were not checked"
    return f"not valid Python ({e}); its queries were not checked"


def extract_python(text: str) -> Extraction:
    """The extractor for ``.py`` files: the queries, or a note when the file is not valid Python."""
    try:
        return Extraction(find_queries(text))
    except (SyntaxError, ValueError, RecursionError, MemoryError) as e:
        return Extraction([], [syntax_note(e)])
