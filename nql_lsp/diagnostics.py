"""What a diagnostic is, and the registry of every diagnostic code.

A diagnostic's range and its fixes' edits are offsets into the query text (code points); each surface
(CLI rows and columns, LSP positions in UTF-16, positions inside a Python string) converts them at the
edge. Codes are stable: tools and users suppress or re-rank them by code, so a code is never reused.
"""

from __future__ import annotations

from enum import StrEnum

from nql_lsp.language.records import FrozenRecord


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFORMATION = "information"
    HINT = "hint"


class Edit(FrozenRecord):
    """Replace ``text[start:end]`` with ``new_text``."""

    __slots__ = ("end", "new_text", "start")

    def __init__(self, start: int, end: int, new_text: str) -> None:
        self.start = start
        self.end = end
        self.new_text = new_text


class Fix(FrozenRecord):
    """A mechanical correction; a surface may apply it as one unit (a quick fix)."""

    __slots__ = ("edits", "message")

    def __init__(self, message: str, edits: tuple[Edit, ...]) -> None:
        self.message = message
        self.edits = edits


class Related(FrozenRecord):
    """Another place that explains the diagnostic, such as the ``(`` a missing ``)`` would close."""

    __slots__ = ("end", "message", "start")

    def __init__(self, start: int, end: int, message: str) -> None:
        self.start = start
        self.end = end
        self.message = message


class Diagnostic(FrozenRecord):
    __slots__ = ("code", "end", "fixes", "message", "related", "severity", "start")

    def __init__(
        self,
        code: str,
        severity: Severity,
        message: str,
        start: int,
        end: int,
        fixes: tuple[Fix, ...] = (),
        related: tuple[Related, ...] = (),
    ) -> None:
        self.code = code
        self.severity = severity
        self.message = message
        self.start = start
        self.end = end
        self.fixes = fixes
        self.related = related

    @property
    def rule(self) -> Rule:
        return RULES[self.code]


class Tag(StrEnum):
    """How an editor may render a diagnostic's range besides its severity."""

    DEPRECATED = "deprecated"  # struck through: accepted, but spelled in a discouraged way
    UNNECESSARY = "unnecessary"  # greyed out: text that does nothing


class Rule(FrozenRecord):
    """One diagnostic code. ``about_field``: the check depends on which field a name is, so it is blind
    where the name is not known (an f-string hole stands for it)."""

    __slots__ = ("about_field", "code", "name", "severity", "summary", "tags")

    def __init__(
        self,
        code: str,
        name: str,
        severity: Severity,
        summary: str,
        tags: frozenset[Tag] = frozenset(),
        about_field: bool = False,
    ) -> None:
        self.code = code
        self.name = name
        self.severity = severity
        self.summary = summary
        self.tags = tags
        self.about_field = about_field


_E, _W, _I, _H = Severity.ERROR, Severity.WARNING, Severity.INFORMATION, Severity.HINT
_STRUCK = frozenset({Tag.DEPRECATED})
_GREY = frozenset({Tag.UNNECESSARY})

# The order and grouping here is the order of docs/diagnostics.md.
_RULES: tuple[Rule, ...] = (
    # Syntax: reported by the parser.
    Rule("NQL001", "unexpected-token", _E, "A token that cannot stand here."),
    Rule("NQL002", "missing-token", _E, "Something required is missing: a value, an operator, a `)`."),
    Rule("NQL003", "unterminated", _E, "A string or backquoted name is not closed."),
    Rule("NQL004", "invalid-character", _E, "A character that is not part of NQL outside quotes."),
    Rule("NQL005", "query-too-long", _W, "Longer than the 250,000 characters Neptune's client accepts."),
    # Names and types.
    Rule("NQL101", "unknown-type", _E, "The word after `:` is not an NQL type."),
    Rule("NQL102", "type-case", _E, "A type spelled with the wrong case; types are camelCase."),
    Rule("NQL103", "non-queryable-type", _E, "A Neptune type that queries cannot filter on."),
    Rule("NQL104", "missing-type", _W, "A field without `:type`; the same path may hold different types."),
    Rule("NQL105", "type-synonym", _H, "An accepted synonym of a type, such as `integer` for `int`.", tags=_STRUCK),
    Rule("NQL106", "system-field-type", _E, "A `sys/` field written with a type it never has.", about_field=True),
    Rule("NQL107", "invalid-bare-name", _E, "A bare name with characters that need backquotes.", about_field=True),
    Rule("NQL108", "keyword-name", _E, "A keyword used as a bare name.", about_field=True),
    Rule("NQL109", "backquote-in-name", _W, "A backquoted name that holds an escaped backquote.", about_field=True),
    Rule("NQL110", "unknown-field", _W, "A field that no run has.", about_field=True),
    Rule(
        "NQL111",
        "field-type-mismatch",
        _W,
        "A field that runs hold with another type: the clause matches nothing.",
        about_field=True,
    ),
    # Operators and aggregates.
    Rule("NQL201", "operator-not-allowed", _E, "An operator the field's type does not support."),
    Rule("NQL202", "equals-on-string-set", _W, "`=` on a stringSet; membership is `CONTAINS`."),
    Rule(
        "NQL203", "series-without-aggregate", _H, "A floatSeries compared without an aggregate: it reads as `last(…)`."
    ),
    Rule("NQL204", "aggregate-on-non-series", _E, "An aggregate on a type that is not floatSeries."),
    Rule("NQL205", "unknown-aggregate", _E, "A function that is not one of the NQL aggregates."),
    Rule("NQL206", "aggregate-with-exists", _E, "`EXISTS` applies to the series itself, not to an aggregate."),
    # Values.
    Rule("NQL301", "invalid-value", _E, "A value that does not fit the field's type."),
    Rule("NQL302", "invalid-regex", _E, "A `MATCHES` pattern that is not valid RE2."),
    Rule("NQL303", "keyword-value", _E, "A keyword used as a bare value."),
    Rule(
        "NQL304", "single-quoted-string", _W, "A single-quoted string; NQL documents double quotes only.", tags=_STRUCK
    ),
    Rule("NQL305", "unknown-escape", _W, 'A backslash pair other than `\\"` and `\\\\`.'),
    Rule("NQL306", "datetime-without-offset", _W, "A datetime without a time zone offset, read as UTC."),
    Rule("NQL307", "date-only", _W, "A date without a time, read as midnight UTC."),
    Rule("NQL308", "undocumented-time-unit", _W, "A relative time unit other than the documented h, d, M."),
    Rule("NQL309", "value-needs-quotes", _W, "A bare value with characters that are safer quoted."),
    # Structure.
    Rule("NQL401", "mixed-and-or", _W, "AND and OR mixed at one level without parentheses."),
    # Logic: what the query can match, from NQL's matching rules alone.
    Rule("NQL501", "never-true", _W, "Clauses of one AND that no single run can satisfy together.", about_field=True),
    Rule(
        "NQL502",
        "query-never-matches",
        _W,
        "A query no run can match: every branch of its OR is impossible.",
        about_field=True,
    ),
    Rule(
        "NQL503",
        "redundant",
        _H,
        "A clause or branch that changes nothing: implied, implying or repeated.",
        tags=_GREY,
        about_field=True,
    ),
    Rule("NQL504", "double-negation", _H, "`NOT NOT`, which cancels out.", tags=_GREY),
    Rule("NQL505", "presence-only", _H, "A string test every string passes: the clause means `EXISTS`."),
    # Data: what the loaded runs say, from the statistics of their learned schema.
    Rule("NQL601", "matches-no-run", _I, "A clause that no loaded run satisfies.", about_field=True),
    Rule("NQL602", "matches-every-run", _I, "A query that every loaded run satisfies.", about_field=True),
    # Files: reported by `--check` about a file as a whole.
    Rule("NQL901", "not-utf-8", _E, "A file that is not UTF-8 text; its queries are not checked."),
)

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in _RULES}

REPOSITORY_URL = "https://github.com/neptune-ai/nql-lsp"
#: The page that explains every code, as the repository shows it: help links need no documentation site.
DOCS_URL = f"{REPOSITORY_URL}/blob/main/docs/diagnostics.md"


def rule_url(code: str) -> str:
    """Where a code is explained: the ``<a id="nql101">`` anchor above its heading on that page, which
    GitHub resolves as it does a heading's. The code alone names it, so a link kept in a SARIF log or an
    editor keeps working when a rule's name, severity or wording changes."""
    return f"{DOCS_URL}#{code.lower()}"


def make(
    code: str, message: str, start: int, end: int, fixes: tuple[Fix, ...] = (), related: tuple[Related, ...] = ()
) -> Diagnostic:
    """A diagnostic at the rule's default severity."""
    return Diagnostic(code, RULES[code].severity, message, start, end, fixes, related)


def code_span(text: str) -> str:
    """Query text quoted in a message as Markdown inline code, which may itself hold backquotes."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def fix(message: str, *edits: Edit) -> Fix:
    return Fix(message, tuple(edits))


class Collector:
    """Gathers diagnostics from one pass; rules append, the pass returns them sorted."""

    __slots__ = ("items",)

    def __init__(self, items: list[Diagnostic] | None = None) -> None:
        self.items: list[Diagnostic] = items if items is not None else []

    def add(
        self, code: str, message: str, start: int, end: int, *fixes: Fix, related: tuple[Related, ...] = ()
    ) -> None:
        self.items.append(make(code, message, start, end, fixes, related))

    def sorted(self) -> list[Diagnostic]:
        return sorted(self.items, key=lambda d: (d.start, d.end, d.code))
