"""Runs from JSON (a list of run objects, or ``{"runs": [...]}``) and JSONL (one run object a line).

A run object maps attribute paths to values; the type comes from the value's shape (docs/runs.md):
number -> ``int`` (no fraction) or ``float``, bool -> ``bool``, string -> ``string``, list of strings ->
``stringSet``, list of numbers -> ``floatSeries``, ``null`` -> absent. A nested object without a
``"type"`` key is a namespace (``{"train": {"loss": [...]}}`` is ``train/loss``); ``{"type": T, "value": V}``
gives the type outright. ``sys/`` paths take their known type (a string in ``sys/creation_time`` is a
datetime). A string ``sys/project`` names the run's project (a runs file may hold several, as an export does).
Files may be gzip-compressed (``.gz``).

Every problem is reported as a :class:`RunsError` naming the file, the line, and what is wrong.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from nql_lsp.language.catalog import TYPES
from nql_lsp.language.schema import SYSTEM_SCHEMA
from nql_lsp.language.shapes import Mismatch, shape_of, type_for_json
from nql_lsp.runs.model import Progress, Run, RunsError, RunSet

#: The attribute a JSON run names its project with (an export holds it in its ``project_id`` column).
PROJECT_PATH = "sys/project"


class _Problem(Exception):
    pass


def read_json_runs(path: Path, label: str | None = None, progress: Progress | None = None) -> RunSet:
    name = label or str(path)
    try:
        _sniff(path, name)
        raw = path.read_bytes()
        if path.suffix == ".gz" or raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        text = raw.decode("utf-8")
    except FileNotFoundError:
        raise RunsError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise RunsError(f"{name}: a directory, but no parquet files in it") from None
    except (OSError, EOFError, zlib.error) as e:
        raise RunsError(f"{name}: cannot read: {getattr(e, 'strerror', None) or e}") from None
    except UnicodeDecodeError as e:
        raise RunsError(f"{name}: not UTF-8 text (byte {e.start})") from None
    if not text.strip():
        raise RunsError(f"{name}: the file is empty; expected runs as JSON or JSONL (docs/runs.md)")
    lines = path.name.removesuffix(".gz").endswith((".jsonl", ".ndjson"))
    try:
        objects = _jsonl_objects(text, name) if lines else _json_objects(text, name)
        return runs_from_objects(objects, name, progress)
    except RecursionError:
        raise RunsError(f"{name}: objects nested too deeply to read") from None


#: How much of a file is looked at before it is read whole.
_SNIFF_BYTES = 64 * 1024


def _sniff(path: Path, name: str) -> None:
    """Refuse a file that cannot be runs from its first bytes, before reading it whole: a 1 GB file of
    NUL bytes (or any large file that is not JSON) would otherwise be read, decoded and copied, gigabytes
    of memory, only to fail on its first character. A gzip file is judged once decompressed."""
    with path.open("rb") as file:
        head = file.read(_SNIFF_BYTES)
    if head[:2] == b"\x1f\x8b":
        return
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        if not (len(head) == _SNIFF_BYTES and e.reason == "unexpected end of data"):  # not a cut character
            raise RunsError(f"{name}: not UTF-8 text (byte {e.start})") from None
    first = head.lstrip(b" \t\r\n")[:1]
    if first and first not in b"[{":
        raise RunsError(f"{name}:1: not JSON (it starts with {first!r}); expected runs as JSON or JSONL (docs/runs.md)")


def runs_from_objects(
    objects: list[tuple[int, Any]] | list[Any], name: str = "runs", progress: Progress | None = None
) -> RunSet:
    """Runs from decoded JSON objects, each alone or as (line, object); errors name ``name`` and the line."""
    runs: list[Run] = []
    for n, item in enumerate(objects, 1):
        line, obj = item if isinstance(item, tuple) else (n, item)
        if progress is not None and n % 10_000 == 0:
            progress(f"read {n:,} runs from {name}")
        if not isinstance(obj, dict):
            raise RunsError(f"{name}:{line}: a run must be a JSON object of attribute paths, not {_kind(obj)}")
        attributes: dict[str, tuple[str, Any]] = {}
        try:
            _collect(obj, "", attributes)
        except _Problem as problem:
            raise RunsError(f"{name}:{line}: {problem}") from None
        project = attributes.get(PROJECT_PATH)
        runs.append(
            Run(attributes, f"#{n}", project=project[1] if project is not None and project[0] == "string" else "")
        )
    return RunSet(runs, name)


def _jsonl_objects(text: str, name: str) -> list[tuple[int, Any]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            out.append((number, json.loads(line)))
        except json.JSONDecodeError as e:
            raise RunsError(f"{name}:{number}:{e.colno}: invalid JSON: {e.msg}") from None
    return out


def _json_objects(text: str, name: str) -> list[tuple[int, Any]]:
    """Each run with the line it starts on, read element by element so errors can name the line."""
    decoder = json.JSONDecoder()
    i = _skip(text, 0)
    try:
        if text.startswith("{", i):
            top, _ = decoder.raw_decode(text, i)
            if not isinstance(top, dict) or not isinstance(top.get("runs"), list):
                raise RunsError(f'{name}:1: expected a list of runs, or an object with a "runs" list')
            i = _skip(text, text.index('"runs"', i) + 6)
            i = _skip(text, i + 1)  # past ':'
        if not text.startswith("[", i):
            line = text.count("\n", 0, i) + 1
            raise RunsError(f"{name}:{line}: expected a list of runs (`[`), or JSONL with a .jsonl name")
        out: list[tuple[int, Any]] = []
        i = _skip(text, i + 1)
        if text.startswith("]", i):
            return out
        line, counted = 1, 0  # counted incrementally: counting from the start each time is quadratic
        while True:
            line += text.count("\n", counted, i)
            counted = i
            obj, i = decoder.raw_decode(text, i)
            out.append((line, obj))
            i = _skip(text, i)
            if text.startswith(",", i):
                i = _skip(text, i + 1)
                continue
            if text.startswith("]", i):
                return out
            raise json.JSONDecodeError("expected `,` or `]` after a run", text, i)
    except json.JSONDecodeError as e:
        raise RunsError(f"{name}:{e.lineno}:{e.colno}: invalid JSON: {e.msg}") from None


def _skip(text: str, i: int) -> int:
    n = len(text)
    while i < n and text[i] in " \t\r\n":
        i += 1
    return i


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _collect(obj: dict[str, Any], prefix: str, out: dict[str, tuple[str, Any]]) -> None:
    for key, value in obj.items():
        path = prefix + key
        if value is None:
            continue
        if isinstance(value, dict) and "type" not in value:
            _collect(value, path + "/", out)
            continue
        out[path] = typed(path, value)


def typed(path: str, value: Any) -> tuple[str, Any]:
    """A JSON value as (NQL type, value)."""
    if isinstance(value, dict):
        type_ = value.get("type")
        if not isinstance(type_, str) or type_ not in TYPES:
            raise _Problem(f"`{path}`: unknown type {type_!r}; NQL types are {', '.join(TYPES)}")
        if "value" not in value:
            raise _Problem(f'`{path}`: a typed value needs a "value"')
        return type_, convert(path, type_, value["value"])
    kind = _json_kind(value)
    inferred = type_for_json(kind) if kind is not None else None
    system = SYSTEM_SCHEMA.field(path)
    if system is not None:  # a sys/ field has a known type: read the value as that type
        want = inferred if inferred in system.types else system.type
        return want, convert(path, want, value)
    if inferred is not None:
        return inferred, convert(path, inferred, value)
    if isinstance(value, list):
        raise _Problem(f"`{path}`: a list must hold only strings (stringSet) or only numbers (floatSeries)")
    raise _Problem(f"`{path}`: cannot read {_kind(value)} as a value")


def _json_kind(value: Any) -> str | None:
    """Which of ``shapes.JSON_KINDS`` an untyped value is, or None."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "whole"
    if isinstance(value, float):
        return "fraction"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        kinds = set(map(type, value))
        if kinds <= {str}:
            return "strings"
        if kinds <= {int, float}:
            return "numbers"
    return None


def convert(path: str, type_: str, value: Any) -> Any:
    """``value`` as ``type_`` holds it; raises with a message naming the path."""
    try:
        return shape_of(type_).convert(value)
    except Mismatch as what:
        article = "an" if type_[0] in "aeiou" else "a"
        raise _Problem(f"`{path}`: {what} for {article} {type_}, got {json.dumps(value)[:60]}") from None
