"""The server's settings (``nql.*``), read from initializationOptions and workspace configuration.

Each setting is one dataclass field whose metadata names its key (dotted for nested settings, such as
``python.enable``) and its validator, so adding a setting is one field plus one function. A bad value
never stops the server: it is reported (as a message naming the key, the value and what is expected) and
the setting keeps its default.

:class:`SettingsStore` holds the settings in force; a feature that follows a setting subscribes to it
rather than being called by whoever changed it.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SECTION = "nql"
SEVERITIES = ("error", "warning", "information", "hint", "off")
#: What ``nql.logLevel`` takes, quietest first; the server's log (stderr, and errors to the client's log).
LOG_LEVELS = ("error", "warning", "info", "debug")


class SettingError(ValueError):
    """A value a validator refuses; the message says what is expected."""


def setting(key: str, validate: Callable[[Any], Any]) -> dict[str, Any]:
    """Field metadata: ``key`` under ``nql.``, and the function that checks and converts a raw value."""
    return {"key": key, "validate": validate}


def _line_width(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 20 <= raw <= 1000:
        raise SettingError("a whole number from 20 to 1000")
    return raw


def _severity(raw: Any) -> dict[str, str]:
    from nql_lsp.diagnostics import RULES, RULES_BY_NAME

    if not isinstance(raw, Mapping):
        raise SettingError('an object such as {"NQL301": "warning"}')
    out: dict[str, str] = {}
    bad: list[str] = []
    for key, level in raw.items():
        rule = RULES.get(str(key).upper()) or RULES_BY_NAME.get(str(key))
        if rule is None or not isinstance(level, str) or level.lower() not in SEVERITIES:
            bad.append(f"{key}: {level!r}")
            continue
        out[rule.code] = level.lower()
    if bad:
        # Keep the good entries; name the bad ones.
        raise PartialSetting(
            out, f"diagnostic codes (or rule names) mapped to one of {', '.join(SEVERITIES)}; ignored {', '.join(bad)}"
        )
    return out


#: The ``nql.runs`` value that asks for the bundled sample even where the workspace holds an export (a file
#: or folder named so is ``./sample``).
SAMPLE_RUNS = "sample"


def _runs(raw: Any) -> str | None:
    if raw is False:
        return None
    if not isinstance(raw, str):
        raise SettingError(
            'a path to a runs file or parquet export, "" for an export found in the workspace '
            f'(else the bundled sample), "{SAMPLE_RUNS}" for the bundled sample, or false'
        )
    return raw.strip()


def _projects(raw: Any) -> tuple[str, ...]:
    if isinstance(raw, str):
        return (raw.strip(),) if raw.strip() else ()
    if isinstance(raw, list | tuple) and all(isinstance(p, str) for p in raw):
        return tuple(dict.fromkeys(p.strip() for p in raw if p.strip()))
    raise SettingError('a project name ("workspace/project"), a list of them, or "" for every project')


def _log_level(raw: Any) -> str:
    if not isinstance(raw, str) or raw.lower() not in LOG_LEVELS:
        raise SettingError(f"one of {', '.join(LOG_LEVELS)}")
    return raw.lower()


def _bool(raw: Any) -> bool:
    if not isinstance(raw, bool):
        raise SettingError("true or false")
    return raw


class PartialSetting(SettingError):
    """Some entries of a mapping were bad: ``value`` holds the good ones, which are used."""

    def __init__(self, value: Any, message: str) -> None:
        super().__init__(message)
        self.value = value


@dataclass(frozen=True, slots=True)
class Settings:
    line_width: int = field(default=80, metadata=setting("lineWidth", _line_width))
    severity: Mapping[str, str] = field(default_factory=dict, metadata=setting("severity", _severity))
    # Where previews come from: a path, "" for the workspace's export or the bundled sample, SAMPLE_RUNS for
    # the bundled sample, or None (false) for no previews.
    runs: str | None = field(default="", metadata=setting("runs", _runs))
    # Only the runs of these projects (of a source holding several); none: every project.
    project: tuple[str, ...] = field(default=(), metadata=setting("project", _projects))
    # Queries inside Python strings (``query=`` of the NQL-taking methods, ``# nql`` strings).
    python_enable: bool = field(default=True, metadata=setting("python.enable", _bool))
    # How much the server logs: errors (with their tracebacks) always; "debug" adds each message handled.
    log_level: str = field(default="warning", metadata=setting("logLevel", _log_level))


def section_of(raw: Any) -> dict[str, Any]:
    """The ``nql`` section of what a client sent, whether nested (``{"nql": {...}}``), dotted
    (``{"nql.lineWidth": 100}``) or already the section itself."""
    if not isinstance(raw, Mapping):
        return {}
    out: dict[str, Any] = {}
    nested = raw.get(SECTION)
    for key, value in raw.items():
        if isinstance(key, str) and key.startswith(SECTION + "."):
            out[key[len(SECTION) + 1 :]] = value
        elif key != SECTION:
            out[key] = value
    if isinstance(nested, Mapping):
        out.update(nested)
    return out


def _lookup(section: Mapping[str, Any], key: str) -> Any:
    """A dotted key (``python.enable``) given dotted or as nested objects (``{"python": {"enable": ...}}``)."""
    if key in section:
        return section[key]
    value: Any = section
    for part in key.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def parse_settings(raw: Any) -> tuple[Settings, list[str]]:
    """Settings from a client's raw object, and one message per refused value (its default is used)."""
    section = section_of(raw)
    values: dict[str, Any] = {}
    problems: list[str] = []
    if raw is not None and not isinstance(raw, Mapping):
        problems.append(f"nql settings should be an object; got {type(raw).__name__}, using the defaults")
    for f in dataclasses.fields(Settings):
        key = f.metadata["key"]
        raw_value = _lookup(section, key)
        if raw_value is None:
            continue
        try:
            values[f.name] = f.metadata["validate"](raw_value)
        except PartialSetting as e:
            values[f.name] = e.value
            problems.append(f"nql.{key}: expected {e}")
        except SettingError as e:
            problems.append(f"nql.{key}: expected {e}; got {raw_value!r}, using the default")
    return Settings(**values), problems


#: A subscriber is told the settings before and after a change.
Subscriber = Callable[[Settings, Settings], None]

log = logging.getLogger("nql_lsp")


class SettingsStore:
    """The settings in force: ``initializationOptions``, under whatever the client's configuration says.

    Subscribers are called on every change (``at_start`` ones also once at ``initialize``, for settings
    that shape how documents are read); ``generation`` counts changes, so answers computed under older
    settings (a pulled diagnostics report) can be told apart.
    """

    __slots__ = ("_initial", "_subscribers", "current", "generation")

    def __init__(self) -> None:
        self.current = Settings()
        self.generation = 0
        self._initial: Any = None
        self._subscribers: list[tuple[Subscriber, bool]] = []

    def subscribe(self, subscriber: Subscriber, *, at_start: bool = False) -> None:
        self._subscribers.append((subscriber, at_start))

    def start(self, initialization_options: Any) -> list[str]:
        """The settings given at ``initialize``; the problems found in them, to be shown once the client
        can take messages."""
        self._initial = initialization_options
        settings, problems = parse_settings(initialization_options)
        before, self.current = self.current, settings
        for subscriber, at_start in list(self._subscribers):
            if at_start:
                subscriber(before, settings)
        return problems

    def update(self, raw: Any) -> list[str]:
        """Settings from the client's configuration over those given at ``initialize``; the problems."""
        if raw is not None and not isinstance(raw, Mapping):
            settings, problems = parse_settings(raw)
        else:
            settings, problems = parse_settings({**section_of(self._initial), **section_of(raw)})
        if settings != self.current:
            before, self.current = self.current, settings
            self.generation += 1
            for subscriber, _ in list(self._subscribers):
                subscriber(before, settings)
        return problems


def apply_log_level(before: Settings, after: Settings) -> None:
    """Follow ``nql.logLevel``: the level of the ``nql_lsp`` logger (and of pygls's, one step quieter, so
    "info" is the server's own account and "debug" also shows the protocol)."""
    level = logging.getLevelName(after.log_level.upper())
    log.setLevel(level)
    logging.getLogger("pygls").setLevel(level if after.log_level == "debug" else max(level, logging.WARNING))
