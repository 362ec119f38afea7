"""NQL to an MLflow search over runs that neptune-exporter's MLflow loader wrote.

What the loader keeps decides what can be asked (``loaders/mlflow_loader.py`` in neptune-exporter):

- float series become metrics, and MLflow filters a metric by its latest value (``last``), NaN points
  dropped; other aggregates are gone;
- float, int, string, bool, datetime and string-set attributes, ``sys/*`` included, become parameters
  holding ``str()`` of the value: ints as ``"64.0"``, bools ``"True"``, datetimes
  ``"2024-03-01 09:00:00+00:00"``, sets comma-joined;
- string series, files and histograms become artifacts, which no search reads; ``sys/state`` is not kept;
- keys are sanitised: characters outside letters, digits, ``_-./`` and whitespace become ``_``, and a
  key is cut at 250 characters.

MLflow's ``filter_string`` is a conjunction only (no OR, NOT or parentheses), compares parameters as
strings (``= != LIKE ILIKE``) and metrics as numbers, and has no escapes in string literals nor in
``LIKE``. So a query gets a ``filter_string`` when it is exactly one; otherwise a Python snippet that
searches with whatever part of the query MLflow can take and filters the rest in pandas (numbers and
datetimes parsed back from parameters, ``|`` for OR, ``~`` for NOT); and a problem for what the exported
data cannot answer.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from nql_lsp.analysis.analyze import Analysis, analyze
from nql_lsp.analysis.checker import ClauseInfo
from nql_lsp.diagnostics import Severity
from nql_lsp.features.convert.problems import Problem, query_errors
from nql_lsp.language.catalog import RELATIVE_UNITS, SERIES_TYPE, TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA, Schema
from nql_lsp.language.shapes import shape_of
from nql_lsp.language.values import ValueProblem, read_bool, read_datetime, read_number
from nql_lsp.syntax.tree import Clause, Expr, Group, Logical, Not


def stored_as() -> dict[str, str | None]:
    """Where the loader puts each NQL type: a parameter, a metric, or nowhere a search can read (None)."""
    return {name: info.mlflow for name, info in TYPES.items()}


_UNSANITARY = re.compile(r"[^a-zA-Z0-9_\-\.\s/]")  # the loader's own pattern
MAX_KEY_LENGTH = 250
_MLFLOW_KEY = re.compile(r"^[/\w.\- :]*$")  # MLflow's check of parameter and metric names

_ORDER = (">", ">=", "<", "<=")
_PANDAS_OPS = {"=": "==", "!=": "!=", ">": ">", ">=": ">=", "<": "<", "<=": "<="}


def exported_key(path: str) -> str:
    """The key neptune-exporter's loader gives an attribute path."""
    return _UNSANITARY.sub("_", path)[:MAX_KEY_LENGTH]


@dataclass(frozen=True, slots=True)
class MlflowSearch:
    """``filter_string`` when the query is exactly an MLflow filter; ``snippet`` whenever it converts."""

    filter_string: str | None
    snippet: str | None
    problems: tuple[Problem, ...] = field(default=())

    @property
    def exact(self) -> bool:
        return self.filter_string is not None


@dataclass(frozen=True, slots=True)
class _Form:
    """One clause: its MLflow filter (None when it has none) and its pandas mask over ``runs``."""

    filter: str | None
    mask: str
    uses_re: bool = False
    uses_now: bool = False


def to_mlflow(
    text: str,
    schema: Schema = SYSTEM_SCHEMA,
    *,
    project: str | None = None,
    name_prefix: str | None = None,
    now: datetime | None = None,
) -> MlflowSearch:
    """The MLflow search for the query ``text``. Never raises.

    ``project`` (``workspace/project``) limits the snippet to that project's experiments, which the loader
    names ``[name_prefix/]project/<sys/name>``; without it every experiment is searched. ``now`` fixes what
    relative times (``"-7d"``) are counted from; by default the snippet reads the clock when it runs.
    """
    return mlflow_of(analyze(text, schema), project=project, name_prefix=name_prefix, now=now)


def mlflow_of(
    analysis: Analysis,
    *,
    project: str | None = None,
    name_prefix: str | None = None,
    now: datetime | None = None,
) -> MlflowSearch:
    """As :func:`to_mlflow`, for a query already analysed."""
    errors = query_errors(analysis)
    if errors:
        return MlflowSearch(None, None, tuple(errors))
    converter = _Converter(analysis)
    expr = analysis.tree.expr
    conjuncts: list[Expr] = []
    if expr is not None:
        inner = _ungrouped(expr)
        conjuncts = list(inner.operands) if isinstance(inner, Logical) and inner.op == "AND" else [inner]
    filters: list[str] = []
    rest: list[str] = []
    for conjunct in conjuncts:
        bare = _ungrouped(conjunct)
        if isinstance(bare, Clause):
            form = converter.clause(bare)
            if form is not None and form.filter is not None:
                filters.append(form.filter)
            elif form is not None:
                rest.append(form.mask)
        else:
            rest.append(converter.mask(bare))
    problems = tuple(converter.problems)
    if any(p.blocking for p in problems):
        return MlflowSearch(None, None, problems)
    filter_string = " AND ".join(filters)
    snippet = _snippet(filter_string, rest, converter, project, name_prefix, now)
    return MlflowSearch(filter_string if not rest else None, snippet, problems)


def _ungrouped(expr: Expr) -> Expr:
    while isinstance(expr, Group):
        expr = expr.expr
    return expr


class _Converter:
    def __init__(self, analysis: Analysis) -> None:
        self.analysis = analysis
        self.problems: list[Problem] = []
        self.uses_re = False
        self.uses_now = False

    def problem(self, code: str, message: str, clause: Clause, severity: Severity = Severity.ERROR) -> None:
        self.problems.append(Problem(code, severity, message, clause.start, clause.end))

    def mask(self, expr: Expr) -> str:
        if isinstance(expr, Group):
            return self.mask(expr.expr)
        if isinstance(expr, Not):
            return f"~({self.mask(expr.operand)})"
        if isinstance(expr, Logical):
            joiner = " & " if expr.op == "AND" else " | "
            return joiner.join(f"({self.mask(o)})" for o in expr.operands)
        form = self.clause(expr)
        return form.mask if form is not None else "False"

    def clause(self, clause: Clause) -> _Form | None:
        info = self.analysis.clause_info(clause)
        if info is None or info.op is None:
            self.problem("CNV001", "the clause is incomplete", clause)
            return None
        type_ = info.type
        if type_ is None:
            self.problem(
                "CNV303",
                f"`{info.path}` has no type: write one (`:float`, `:floatSeries`, ...) so the search knows "
                "whether it is a parameter or a metric",
                clause,
            )
            return None
        where = TYPES[type_].mlflow if type_ in TYPES else None
        if where is None:
            # The exporter writes no value of a type it has no spelling for; the loader keeps the rest as artifacts.
            exported = type_ in TYPES and bool(TYPES[type_].exporter)
            what = "is exported as an artifact, which no search reads" if exported else "is not exported"
            self.problem("CNV301", f"`{info.path}` ({type_}) {what}", clause)
            return None
        if type_ == SERIES_TYPE and info.aggregate not in (None, "last") and clause.aggregate is not None:
            self.problem(
                "CNV302", f"`{info.aggregate}(...)` has no equivalent: MLflow keeps a metric's latest value", clause
            )
            return None
        key = self.key(clause, info.path)
        if key is None:
            return None
        form = _clause_form(f"{where}.{key}", type_, info, clause, self)
        if form is not None:
            self.uses_re = self.uses_re or form.uses_re
            self.uses_now = self.uses_now or form.uses_now
        return form

    def key(self, clause: Clause, path: str) -> str | None:
        key = exported_key(path)
        if not _MLFLOW_KEY.match(key) or _path_not_unique(key):
            self.problem(
                "CNV305", f"MLflow refuses the key {key!r}, so neptune-exporter cannot have loaded `{path}`", clause
            )
            return None
        if key != path:
            self.problem(
                "CNV304",
                f"neptune-exporter stores `{path}` as `{key}`; another attribute may share that key",
                clause,
                Severity.WARNING,
            )
        return key


def _path_not_unique(name: str) -> bool:
    """MLflow's refusal of names that would resolve to another path (``a//b``, ``./a``, ``/a``)."""
    norm = posixpath.normpath(name)
    return norm != name or norm == "." or norm.startswith("..") or norm.startswith("/")


def _clause_form(column: str, type_: str, info: ClauseInfo, clause: Clause, conv: _Converter) -> _Form | None:
    op = info.op or ""
    negated = op.startswith("NOT ")
    positive = op[4:] if negated else op
    where, _, key = column.partition(".")
    quoted_key = f"{where}.`{key}`"
    col = _py(column)
    if positive == "EXISTS":
        mask = f"values({col}).notna()"
        return _Form(None, f"~({mask})" if negated else mask)
    value = info.value or ""
    kind = TYPES[type_].value_kind
    form: _Form | None
    if type_ == SERIES_TYPE or kind in ("number", "integer"):
        form = _numeric(column, quoted_key, type_ == SERIES_TYPE, op, value, clause, conv)
    elif kind == "bool":
        form = _boolean(quoted_key, col, op, value)
    elif kind == "datetime":
        form = _moment(col, op, value, clause, conv)
    elif shape_of(type_).is_set:
        form = _tag_set(col, positive, value, clause, conv)
    else:
        form = _string(quoted_key, col, positive, value, clause, conv)
    if form is None or not negated:
        return form
    return _Form(None, f"~({form.mask})", form.uses_re, form.uses_now)


def _numeric(
    column: str, quoted_key: str, metric: bool, op: str, text: str, clause: Clause, conv: _Converter
) -> _Form | None:
    try:
        number = read_number(text)
    except ValueProblem as problem:
        conv.problem("CNV001", problem.message, clause)
        return None
    literal = _py_number(number)
    series = f"number({_py(column)})"
    comparison = f"{series} {_PANDAS_OPS[op]} {literal}"
    mask = f"{series}.notna() & ({comparison})" if op == "!=" else comparison
    mlflow_number = _mlflow_number(number)
    filter_ = f"{quoted_key} {op} {mlflow_number}" if metric and mlflow_number is not None else None
    return _Form(filter_, mask)


def _boolean(quoted_key: str, col: str, op: str, text: str) -> _Form:
    stored = str(read_bool(text))  # the loader writes str(True)
    if op == "=":
        return _Form(f"{quoted_key} = '{stored}'", f"values({col}).eq({_py(stored)})")
    return _Form(f"{quoted_key} != '{stored}'", f"values({col}).notna() & values({col}).ne({_py(stored)})")


def _moment(col: str, op: str, text: str, clause: Clause, conv: _Converter) -> _Form | None:
    try:
        value = read_datetime(text)
    except ValueProblem as problem:
        conv.problem("CNV001", problem.message, clause)
        return None
    if value.relative is not None:
        name = RELATIVE_UNITS[value.relative.unit][0]
        amount = value.relative.amount
        if name in ("months", "years"):
            offset = f"pd.DateOffset(months={amount * (12 if name == 'years' else 1)})"
        else:
            offset = f"pd.Timedelta({name}={amount})"
        moment, uses_now = f"(now - {offset})", True
    else:
        assert value.instant is not None
        moment, uses_now = f"pd.Timestamp({value.instant.astimezone(UTC).isoformat()!r})", False
    series = f"moment({col})"
    comparison = f"{series} {_PANDAS_OPS[op]} {moment}"
    mask = f"{series}.notna() & ({comparison})" if op == "!=" else comparison
    return _Form(None, mask, uses_now=uses_now)


def _tag_set(col: str, op: str, text: str, clause: Clause, conv: _Converter) -> _Form | None:
    if "," in text and op != "MATCHES":
        conv.problem(
            "CNV307",
            "the exporter joins tags with commas, so a tag holding a comma is read back as several",
            clause,
            Severity.WARNING,
        )
    if op == "CONTAINS":
        return _Form(None, f"test({col}, lambda v: {_py(text)} in tag_set(v))")
    if op == "MATCHES":
        pattern = _py_pattern(text, clause, conv)
        if pattern is None:
            return None
        mask = f"test({col}, lambda v: any(re.search({pattern}, tag) for tag in tag_set(v)))"
        return _Form(None, mask, uses_re=True)
    compare = "==" if op == "=" else "!="
    return _Form(None, f"test({col}, lambda v: tag_set(v) {compare} {{{_py(text)}}})")


def _string(quoted_key: str, col: str, op: str, text: str, clause: Clause, conv: _Converter) -> _Form | None:
    literal = _mlflow_string(text)
    if op in ("=", "!="):
        filter_ = f"{quoted_key} {op} {literal}" if literal is not None else None
        if op == "=":
            return _Form(filter_, f"values({col}).eq({_py(text)})")
        return _Form(filter_, f"values({col}).notna() & values({col}).ne({_py(text)})")
    if op == "CONTAINS":
        like = _mlflow_string(f"%{text}%") if "%" not in text and "_" not in text else None
        return _Form(
            f"{quoted_key} LIKE {like}" if like is not None else None, f"test({col}, lambda v: {_py(text)} in v)"
        )
    if op == "MATCHES":
        pattern = _py_pattern(text, clause, conv)
        if pattern is None:
            return None
        return _Form(None, f"test({col}, lambda v: re.search({pattern}, v) is not None)", uses_re=True)
    return _Form(None, f"test({col}, lambda v: v {op} {_py(text)})")


def _py_pattern(pattern: str, clause: Clause, conv: _Converter) -> str | None:
    try:
        re.compile(pattern)
    except re.error as error:
        conv.problem("CNV306", f"Python's re cannot read the pattern: {error}", clause)
        return None
    return _py(pattern)


def _mlflow_string(value: str) -> str | None:
    """A string literal MLflow reads back as ``value``: it has no escapes, so a backslash or both quotes
    cannot be written."""
    if "\\" in value:
        return None
    if "'" not in value:
        return f"'{value}'"
    if '"' not in value:
        return f'"{value}"'
    return None


def _mlflow_number(value: float) -> str | None:
    """A positional decimal MLflow's tokenizer reads as one number that parses back to ``value``."""
    if not math.isfinite(value):
        return None
    text = format(Decimal(repr(float(value))), "f")
    return text


def _py_number(value: float) -> str:
    if math.isnan(value):
        return 'float("nan")'
    if math.isinf(value):
        return 'float("inf")' if value > 0 else 'float("-inf")'
    return repr(float(value))


def _py(value: str) -> str:
    """A Python string literal: raw when it holds backslashes (a regex reads best so), else ``repr``."""
    if "\\" in value and '"' not in value and not value.endswith("\\") and value.isprintable():
        return 'r"' + value + '"'
    r = repr(value)
    if r.startswith("'") and '"' not in value and "'" not in value:
        return '"' + r[1:-1] + '"'
    return r


_HELPERS = '''

# The columns hold what MLflow stores: parameters as text, the latest value of each metric.
def values(key):
    """The column as Python values, None where a run lacks it."""
    if key not in runs:
        return pd.Series([None] * len(runs), index=runs.index, dtype=object)
    column = runs[key].astype(object)
    return column.where(column.notna(), None)


def test(key, predicate):
    return values(key).map(lambda v: v is not None and bool(predicate(v))).astype(bool)


def number(key):
    """A parameter holds str() of a number ("64.0"); a metric is a number already."""
    return pd.to_numeric(values(key), errors="coerce").astype(float)


def moment(key):
    """A parameter holds str() of a datetime ("2024-03-01 09:00:00+00:00")."""
    return pd.to_datetime(values(key), utc=True, errors="coerce", format="ISO8601")


def tag_set(value):
    """A string set is stored comma-joined."""
    return set(value.split(",")) if value else set()
'''


def _snippet(
    filter_string: str,
    rest: list[str],
    conv: _Converter,
    project: str | None,
    name_prefix: str | None,
    now: datetime | None,
) -> str:
    imports = ["import re"] if conv.uses_re else []
    imports.append("import mlflow")
    if rest or project is not None:
        imports.append("import pandas as pd")
    lines = [*imports, ""]
    args = ["experiment_ids=experiment_ids"] if project is not None else ["search_all_experiments=True"]
    if filter_string:
        args.append(f"filter_string={_py(filter_string)}")
    call = ["mlflow.search_runs(", *(f"    {a}," for a in args), ")"]
    if project is not None:
        prefix = f"{name_prefix}/{project}/" if name_prefix else f"{project}/"
        lines += [
            "# neptune-exporter names each experiment <project>/<sys/name>.",
            "experiment_ids = [",
            f"    e.experiment_id for e in mlflow.search_experiments() if e.name.startswith({_py(prefix)})",
            "]",
            "# No experiments must find no runs (an empty list would search the default experiment).",
            "runs = pd.DataFrame()",
            "if experiment_ids:",
            f"    runs = {call[0]}",
            *(f"    {line}" for line in call[1:]),
        ]
    else:
        lines += [f"runs = {call[0]}", *call[1:]]
    if not rest:
        return "\n".join(lines) + "\n"
    lines += [_HELPERS.rstrip("\n"), "", ""]
    if conv.uses_now:
        clock = (
            f"pd.Timestamp({now.astimezone(UTC).isoformat()!r})" if now is not None else 'pd.Timestamp.now(tz="UTC")'
        )
        lines.append(f"now = {clock}")
    if len(rest) == 1:
        lines.append(f"keep = {rest[0]}")
    else:
        lines += ["keep = (", *(f"    {'& ' if i else ''}({m})" for i, m in enumerate(rest)), ")"]
    lines.append("runs = runs[keep]")
    return "\n".join(lines) + "\n"
