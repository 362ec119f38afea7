"""The checker: a pass over the syntax tree that resolves each clause and reports what is wrong with it.

Each check is a small method that reads the catalog (never its own table) and reports a coded
diagnostic, with a fix as text edits wherever the correction is mechanical. Clause resolution (which
type a field has, which aggregate, which operator) is kept in :class:`ClauseInfo` so completion, hover
and the evaluator reuse it instead of resolving again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cache, lru_cache
from typing import Any

from nql_lsp.diagnostics import Collector, Diagnostic, Edit, Fix, fix
from nql_lsp.language import catalog
from nql_lsp.language.catalog import AGGREGATES, KEYWORDS, NON_QUERYABLE_TYPES, OPERATORS, TYPE_SYNONYMS, TYPES, Allowed
from nql_lsp.language.regex import regex_error  # RE2 itself is loaded only for a query that matches
from nql_lsp.language.schema import SYSTEM_SCHEMA, FieldInfo, Schema
from nql_lsp.language.values import ValueProblem, decode_quoted, quote_name, quote_string, read_value
from nql_lsp.syntax.records import ValueRecord
from nql_lsp.syntax.terminals import DOUBLE_QUOTED, OPEN_QUOTES, SINGLE_QUOTED, VALUE_STARTS, WORD
from nql_lsp.syntax.tree import Aggregate, Clause, Field, Group, Logical, Name, Query, Token, Value


@cache
def _lower_types(generation: int) -> dict[str, str]:
    """Type names by their lower-case spelling, for this state of the catalog (it may be extended)."""
    return {name.lower(): name for name in TYPES}


_LOWER_NON_QUERYABLE = {name.lower(): name for name in NON_QUERYABLE_TYPES}
_BARE_VALUE_EXTRA = "_.+-/"


class ClauseInfo(ValueRecord):
    """A clause as the checker understood it: ``type`` is the canonical type the clause compares as (None
    when it cannot be known), ``type_written`` whether it came from the text (else from the schema, or
    unknown), ``aggregate`` the canonical aggregate when valid, ``op`` the canonical operator (None when
    missing), ``value`` the value's text with quotes and escapes resolved (None when absent)."""

    __slots__ = ("aggregate", "clause", "field", "op", "path", "type", "type_written", "value")

    def __init__(
        self,
        clause: Clause,
        path: str,
        type: str | None,
        type_written: bool,
        field: FieldInfo | None,
        aggregate: str | None,
        op: str | None,
        value: str | None,
    ) -> None:
        self.clause = clause
        self.path = path
        self.type = type
        self.type_written = type_written
        self.field = field
        self.aggregate = aggregate
        self.op = op
        self.value = value


class CheckResult(ValueRecord):
    __slots__ = ("clauses", "diagnostics")

    def __init__(self, diagnostics: list[Diagnostic], clauses: list[ClauseInfo]) -> None:
        self.diagnostics = diagnostics
        self.clauses = clauses


def did_you_mean(word: str, candidates: Iterable[str]) -> str | None:
    import difflib  # only for a misspelling: kept off the start-up of a check

    matches = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return matches[0] if matches else None


@lru_cache(maxsize=4096)
def _closest_path(path: str, known: tuple[str, ...]) -> str | None:
    """:func:`did_you_mean` for a field path among a schema's paths, remembered: a query naming a thousand
    fields no run has is re-analysed on edits, and each guess is a fuzzy match against every known path."""
    return did_you_mean(path, known)


def value_text(value: Value) -> str:
    """What a value token stands for: quotes and escapes resolved, bare words as written."""
    tok = value.token
    if tok.kind in DOUBLE_QUOTED:
        return decode_quoted(tok.text, '"').value
    if tok.kind in SINGLE_QUOTED:
        return decode_quoted(tok.text, "'").value
    return tok.text


def _only(extra: str) -> Callable[[str], bool]:
    """A test that a text holds only alphanumerics (as ``str.isalnum`` says) and the characters of
    ``extra``: the extra characters are dropped and the rest asked at once, at C speed."""
    drop = str.maketrans("", "", extra)

    def test(text: str) -> bool:
        rest = text.translate(drop)
        return rest.isalnum() or not rest

    return test


_bare_name_ok = _only(catalog.BARE_NAME_EXTRA)
_bare_value_ok = _only(_BARE_VALUE_EXTRA)


class _Checker:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.out = Collector()
        self.known_paths: tuple[str, ...] | None = None  # the schema's paths, listed once a guess needs them

    # --- clause resolution -----------------------------------------------------------------------

    def clause(self, clause: Clause) -> ClauseInfo:
        # The field and aggregate are read once here and handed to each check: every check asks for them.
        lhs = clause.lhs
        if isinstance(lhs, Aggregate):
            agg: Aggregate | None = lhs
            fld = lhs.field
        else:
            agg = None
            fld = lhs
        name_token = fld.name.token
        if name_token.start == name_token.end:  # invented by recovery: the syntax error already says so
            return ClauseInfo(clause, "", None, False, None, None, None, None)
        path, info = self.check_name(fld.name)
        written, type_ = self.resolve_type(fld, agg, info)
        operator = clause.operator
        op = operator.op or None  # spelled "" exactly when recovery invented every token of it
        aggregate = self.check_aggregate(clause, agg, type_, op) if agg is not None else None
        if type_ is not None and op is not None:
            self.check_operator(clause, fld, agg, type_, op)
        if info is not None and info.note and (op not in (None, "EXISTS", "NOT EXISTS") or not info.note_on_values):
            self.out.add("NQL110", info.note, name_token.start, name_token.end)
        value = None
        written_value = clause.value
        if written_value is not None and written_value.token.start != written_value.token.end:
            value = self.check_value(written_value, type_, op)
        return ClauseInfo(clause, path, type_, written, info, aggregate, op, value)

    def check_name(self, name: Name) -> tuple[str, FieldInfo | None]:
        tok = name.token
        if not name.quoted:
            path = tok.text
            if path.upper() in KEYWORDS:
                self.out.add(
                    "NQL108",
                    f"`{tok.text}` is a keyword; backquote it to use it as a field name",
                    tok.start,
                    tok.end,
                    fix("Backquote the name", Edit(tok.start, tok.end, quote_name(path))),
                )
            elif not _bare_name_ok(path):
                self.out.add(
                    "NQL107",
                    f"the name `{tok.text}` needs backquotes: bare names hold only letters, digits and `_ - . /`",
                    tok.start,
                    tok.end,
                    fix("Backquote the name", Edit(tok.start, tok.end, quote_name(path))),
                )
        elif tok.kind == "QNAME" and "\\" not in tok.text:  # closed, no escapes: the usual name, at once
            path = tok.text[1:-1]
        else:
            decoded = decode_quoted(tok.text, "`")
            path = decoded.value
            if "`" in path:
                self.out.add(
                    "NQL109",
                    "this name holds a backquote; Neptune's clients never escape names, so it may not match",
                    tok.start,
                    tok.end,
                )
            self.unknown_escapes(tok, decoded.unknown_escapes, "`")
        info = self.schema.field(path)
        if info is None and (self.schema.learned or path.startswith("sys/")):
            if self.known_paths is None:
                self.known_paths = tuple(f.path for f in self.schema.fields())
            guess = _closest_path(path, self.known_paths)
            where = "system field" if path.startswith("sys/") else "field"
            message = f"unknown {where} `{path}`"
            fixes: tuple[Fix, ...] = ()
            if guess is not None:
                message += f"; did you mean `{guess}`?"
                fixes = (fix(f"Change to `{guess}`", Edit(tok.start, tok.end, quote_name(guess))),)
            elif not path.startswith("sys/"):
                message += ": no run has it"
            self.out.add("NQL110", message, tok.start, tok.end, *fixes)
        return path, info

    def resolve_type(self, fld: Field, agg: Aggregate | None, info: FieldInfo | None) -> tuple[bool, str | None]:
        tok = fld.type
        if tok is None:
            known = info.type if info is not None else None
            if known is None and agg is not None:
                known = catalog.SERIES_TYPE
            fixes: tuple[Fix, ...] = ()
            if known is not None:
                fixes = (fix(f"Add `:{known}`", Edit(fld.name.end, fld.name.end, ":" + known)),)
            self.out.add(
                "NQL104",
                f"`{fld.name.path}` has no type; write `:{known or 'type'}` after the name, "
                "since runs may hold the same path with different types",
                fld.name.start,
                fld.name.end,
                *fixes,
            )
            return False, known
        if tok.missing:
            return False, None
        written = tok.text
        if written in TYPES:
            type_: str | None = written
        elif written in TYPE_SYNONYMS:
            type_ = TYPE_SYNONYMS[written]
            self.out.add(
                "NQL105",
                f"`{written}` is accepted as `{type_}`; write `{type_}`",
                tok.start,
                tok.end,
                fix(f"Change to `{type_}`", Edit(tok.start, tok.end, type_)),
            )
        elif written.lower() in (lower_types := _lower_types(catalog.generation())):
            type_ = lower_types[written.lower()]
            self.out.add(
                "NQL102",
                f"types are case-sensitive: write `{type_}`, not `{written}`",
                tok.start,
                tok.end,
                fix(f"Change to `{type_}`", Edit(tok.start, tok.end, type_)),
            )
        elif written.lower() in _LOWER_NON_QUERYABLE:
            self.out.add(
                "NQL103",
                f"`{_LOWER_NON_QUERYABLE[written.lower()]}` fields cannot be queried; "
                f"queryable types are {_listing(TYPES)}",
                tok.start,
                tok.end,
            )
            return True, None
        else:
            guess = did_you_mean(written, list(TYPES) + list(TYPE_SYNONYMS))
            guess = TYPE_SYNONYMS.get(guess, guess) if guess else None
            if guess is None:
                lower_types = _lower_types(catalog.generation())
                guess = did_you_mean(written.lower(), lower_types)
                guess = lower_types[guess] if guess else None
            if guess is not None:
                self.out.add(
                    "NQL101",
                    f"unknown type `{written}`; did you mean `{guess}`?",
                    tok.start,
                    tok.end,
                    fix(f"Change to `{guess}`", Edit(tok.start, tok.end, guess)),
                )
            else:
                self.out.add("NQL101", f"unknown type `{written}`; NQL types are {_listing(TYPES)}", tok.start, tok.end)
            return True, None
        if info is not None and type_ is not None and type_ not in info.types:
            self.report_type_mismatch(tok, type_, info)
        return True, type_

    def report_type_mismatch(self, tok: Token, written: str, info: FieldInfo) -> None:
        actual = info.type
        change = fix(f"Change to `{actual}`", Edit(tok.start, tok.end, actual))
        if info.system:
            self.out.add(
                "NQL106", f"`{info.path}` is a `{actual}`, so `:{written}` matches no run", tok.start, tok.end, change
            )
            return
        stats = info.stats.get(actual)
        held = f" in {stats.runs:,} run{'s' if stats.runs != 1 else ''}" if stats is not None and stats.runs else ""
        self.out.add(
            "NQL111",
            f"this clause can match no run: `{info.path}` is {_a(actual)}{held}, not {_a(written)}",
            tok.start,
            tok.end,
            change,
        )

    def check_aggregate(self, clause: Clause, agg: Aggregate, type_: str | None, op: str | None) -> str | None:
        func = agg.function
        name = func.text.lower()
        valid = name in AGGREGATES
        if not valid:
            guess = did_you_mean(name, AGGREGATES)
            fixes = (fix(f"Change to `{guess}`", Edit(func.start, func.end, guess)),) if guess else ()
            hint = f"did you mean `{guess}`?" if guess else f"use one of {_listing(AGGREGATES)}"
            self.out.add("NQL205", f"unknown aggregate `{func.text}`; {hint}", func.start, func.end, *fixes)
        if type_ is not None and type_ != catalog.SERIES_TYPE:
            self.out.add("NQL204", f"aggregates apply to `floatSeries` only, not to `{type_}`", func.start, agg.end)
        op_info = OPERATORS.get(op) if op is not None else None
        if op_info is not None and op_info.family == catalog.EXISTS:
            self.out.add(
                "NQL206",
                f"`{op}` tests the series itself; drop the aggregate `{name}`",
                agg.start,
                agg.end,
                fix("Remove the aggregate", Edit(agg.start, agg.end, _field_text(clause))),
            )
        return name if valid else None

    def check_operator(self, clause: Clause, fld: Field, agg: Aggregate | None, type_: str, op: str) -> None:
        info = TYPES[type_]
        op_info = OPERATORS[op]
        span = clause.operator
        if type_ == catalog.SERIES_TYPE and agg is None and op_info.family in (catalog.EQUALITY, catalog.ORDER):
            self.out.add(
                "NQL203",
                "this floatSeries is compared as `last(…)`, its last value: write `last(…)` to say so, "
                f"or another aggregate ({_listing([a for a in AGGREGATES if a != 'last'], ' or ')})",
                fld.start,
                fld.end,
                fix("Write `last(…)`", Edit(fld.start, fld.start, "last("), Edit(fld.end, fld.end, ")")),
            )
            return
        allowed = info.allows(op)
        if allowed is Allowed.NO:
            self.out.add(
                "NQL201",
                f"`{op}` does not apply to `{type_}`; it allows {_listing(info.allowed_operators())}",
                span.start,
                span.end,
            )
        elif allowed is Allowed.WARN:
            better = "NOT CONTAINS" if op == "!=" else "CONTAINS"
            self.out.add(
                "NQL202",
                f"`{op}` on a stringSet compares the whole set; to test for one tag use `{better}`",
                span.start,
                span.end,
                fix(f"Change to `{better}`", Edit(span.start, span.end, better)),
            )

    def check_value(self, value: Value, type_: str | None, op: str | None) -> str:
        tok = value.token
        if tok.kind in VALUE_STARTS and tok.kind not in OPEN_QUOTES:
            quote = tok.text[0]
            if "\\" in tok.text:
                decoded = decode_quoted(tok.text, quote)
                text = decoded.value
                self.unknown_escapes(tok, decoded.unknown_escapes, quote)
            else:  # a closed string without escapes: its content as written
                text = tok.text[1:-1]
            if quote == "'":
                self.out.add(
                    "NQL304",
                    "single-quoted strings are not documented NQL; use double quotes",
                    tok.start,
                    tok.end,
                    fix("Use double quotes", Edit(tok.start, tok.end, quote_string(text))),
                )
        else:
            text = value_text(value)
        if tok.kind == WORD:
            if text.upper() in KEYWORDS:
                self.out.add(
                    "NQL303",
                    f"`{text}` is a keyword; double-quote it to use it as a value",
                    tok.start,
                    tok.end,
                    _requote(tok, text),
                )
                return text
            if not _bare_value_ok(text):
                self.out.add(
                    "NQL309",
                    f"`{text}` holds characters that are safer inside double quotes",
                    tok.start,
                    tok.end,
                    _requote(tok, text),
                )
        family = OPERATORS[op].family if op in OPERATORS else None
        if family == catalog.MATCHES:
            self.check_regex(value, text)
            return text
        if type_ is None or family in (catalog.CONTAINS, catalog.EXISTS):
            return text
        try:
            read = read_value(TYPES[type_].value_kind, text)
        except ValueProblem as problem:
            self.out.add(problem.code, problem.message, tok.start, tok.end)
            return text
        for warning in getattr(read, "warnings", ()):
            self.out.add(warning.code, warning.message, tok.start, tok.end, *_datetime_fixes(warning.code, tok, text))
        return text

    def check_regex(self, value: Value, pattern: str) -> None:
        error = regex_error(pattern)
        if error is not None:
            self.out.add("NQL302", f"invalid RE2 regex: {error}", value.start, value.end)

    def unknown_escapes(self, tok: Token, spans: tuple[tuple[int, int], ...], quote: str) -> None:
        for start, end in spans:
            pair = tok.text[start:end]
            self.out.add(
                "NQL305",
                f"unknown escape `{pair}`: kept as both characters; write `\\{pair}` to "
                f"say so, since only `\\{quote}` and `\\\\` are escapes",
                tok.start + start,
                tok.start + end,
                fix("Escape the backslash", Edit(tok.start + start, tok.start + start + 1, "\\\\")),
            )

    # --- structure -------------------------------------------------------------------------------

    def structure(self, node: Logical) -> None:
        if node.op != "OR":
            return
        for operand in node.operands:
            if isinstance(operand, Logical) and operand.op == "AND":
                self.out.add(
                    "NQL401",
                    "`AND` binds tighter than `OR`: parenthesise this `AND` group to make the precedence explicit",
                    operand.start,
                    operand.end,
                    fix(
                        "Add parentheses",
                        Edit(operand.start, operand.start, "("),
                        Edit(operand.end, operand.end, ")"),
                    ),
                )


def _requote(tok: Token, text: str) -> Fix:
    """The fix that writes a bare value as a double-quoted string."""
    return fix("Double-quote the value", Edit(tok.start, tok.end, quote_string(text)))


def _a(type_: str) -> str:
    """The type with its article: `an int`, `a float`."""
    return ("an " if type_[0] in "aeiou" else "a ") + type_


def _field_text(clause: Clause) -> str:
    """The source-independent text of a clause's field, rebuilt from the tree."""
    fld = clause.field
    text = fld.name.token.text
    if fld.type is not None and not fld.type.missing:
        text += ":" + fld.type.text
    return text


def _datetime_fixes(code: str, tok: Token, text: str) -> tuple[Fix, ...]:
    if code == "NQL306":
        return (fix("Make UTC explicit", Edit(tok.start, tok.end, quote_string(text.strip() + "Z"))),)
    if code == "NQL307":
        return (fix("Add midnight UTC", Edit(tok.start, tok.end, quote_string(text.strip() + "T00:00:00Z"))),)
    return ()


def _listing(names: Iterable[str], last: str = " and ") -> str:
    items = [f"`{n}`" for n in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + last + items[-1]


def check(tree: Query, schema: Schema = SYSTEM_SCHEMA) -> CheckResult:
    """Check a parsed query; syntax errors are the parser's and are not repeated here."""
    checker = _Checker(schema)
    infos: list[ClauseInfo] = []
    add = infos.append
    # One walk in pre-order (as iter_exprs, without its generator): clauses in order, and the AND-in-OR
    # structure. Iterative, so that 10,000 OR-ed clauses never near the recursion limit.
    stack: list[Any] = [tree.expr] if tree.expr is not None else []
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        kind = type(node)
        if kind is Clause:
            add(checker.clause(node))
        elif kind is Logical:
            checker.structure(node)
            extend(reversed(node.operands))
        elif kind is Group:
            push(node.expr)
        else:
            push(node.operand)
    return CheckResult(checker.out.sorted(), infos)
