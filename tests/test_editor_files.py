"""The editor integrations under editors/ agree with the catalog and with each other.

The grammars of VS Code, Neovim and Emacs each spell NQL's keywords, types and aggregates in their own syntax;
these tests read the catalog and fail when a grammar misses a name or keeps one the catalog no longer has.
No editor is needed: the files are read as data (the editors themselves run in editors/test.sh).
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from nql_lsp.language import catalog
from nql_lsp.lsp.runs import EXPLAIN_COMMAND, PREVIEW_COMMAND
from nql_lsp.lsp.settings import SEVERITIES, Settings

ROOT = Path(__file__).resolve().parent.parent
EDITORS = ROOT / "editors"
VSCODE = EDITORS / "vscode"
NVIM = EDITORS / "nvim"
EMACS = EDITORS / "emacs"

CATALOG_TYPES = set(catalog.TYPES) | set(catalog.TYPE_SYNONYMS)


def _json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


PACKAGE = _json(VSCODE / "package.json")
GRAMMAR = _json(VSCODE / "syntaxes" / "nql.tmLanguage.json")


def _rule(name: str) -> dict[str, Any]:
    rule: dict[str, Any] = GRAMMAR["repository"][name]
    return rule


def _group(pattern: str, text: str) -> str:
    """The first group of pattern's first match in text; the test fails when there is none."""
    m = re.search(pattern, text)
    assert m, (pattern, text)
    return m.group(1)


def _fullmatch(pattern: str, text: str) -> re.Match[str] | None:
    # TextMate grammars are Oniguruma regexes; the ones used here are also valid Python regexes.
    return re.fullmatch(pattern, text)


# --- VS Code grammar against the catalog ----------------------------------------------------------------------


@pytest.mark.parametrize("word", sorted(catalog.KEYWORDS))
def test_grammar_scopes_every_keyword_in_any_case(word: str) -> None:
    rules = [_rule("keyword-logical"), _rule("keyword-operator")]
    for spelling in (word, word.lower(), word.capitalize()):
        scopes = [r["name"] for r in rules if _fullmatch(r["match"], spelling)]
        assert len(scopes) == 1 and scopes[0].startswith("keyword."), (spelling, scopes)


def test_grammar_keywords_are_the_catalog_keywords() -> None:
    words = set()
    for rule in (_rule("keyword-logical"), _rule("keyword-operator")):
        words |= set(_group(r"\(([A-Z|]+)\)", rule["match"]).split("|"))
    assert words == set(catalog.KEYWORDS)


def test_grammar_types_are_the_catalog_types() -> None:
    known = _rule("type-annotation")["patterns"][0]
    assert known["captures"]["2"]["name"] == "support.type.nql"
    for name in CATALOG_TYPES:
        m = _fullmatch(known["match"], f":{name}")
        assert m and m.group(2) == name, name
        assert _fullmatch(known["match"], f": {name}"), f"a space after ':' is allowed: {name}"
    listed = set(_group(r"\(([A-Za-z|]+)\)", known["match"]).split("|"))
    assert listed == CATALOG_TYPES


def test_grammar_marks_an_unknown_type_invalid() -> None:
    known, unknown = _rule("type-annotation")["patterns"]
    assert not _fullmatch(known["match"], ":flot")
    m = _fullmatch(unknown["match"], ":flot")
    assert m and unknown["captures"]["2"]["name"].startswith("invalid.")


def test_grammar_aggregates_are_the_catalog_aggregates() -> None:
    rule = _rule("aggregate")
    for name in catalog.AGGREGATES:
        m = re.match(rule["match"], f"{name}(`x`:floatSeries)")
        assert m and m.group(0) == name, name
    # A field that happens to be called `last` is no aggregate without its parenthesis.
    assert not re.match(rule["match"], "last = 1")
    listed = set(_group(r"\(([a-z|]+)\)", rule["match"]).split("|"))
    assert listed == set(catalog.AGGREGATES)


@pytest.mark.parametrize("unit", sorted(catalog.SIZE_UNITS))
def test_grammar_scopes_sizes(unit: str) -> None:
    rule = _rule("size")
    for text in (f"50{unit}", f"50{unit.upper()}", f"1.5{unit}"):
        assert _fullmatch(rule["match"], text), text
    assert not _fullmatch(_rule("number")["match"], f"50{unit.upper()}")


@pytest.mark.parametrize("unit", sorted(catalog.RELATIVE_UNITS))
def test_grammar_scopes_relative_times(unit: str) -> None:
    rule = _rule("relative-time")
    m = _fullmatch(rule["match"], f'"-7{unit}"')
    assert m and m.group(2) == f"-7{unit}"
    assert rule["captures"]["2"]["name"].startswith("constant.other.relative-time")


def test_grammar_scopes_values() -> None:
    for word in catalog.BOOLEANS:
        assert _fullmatch(_rule("boolean")["match"], word.capitalize())
    for state in catalog.RUN_STATES:
        assert _fullmatch(_rule("run-state")["match"], state)
    for number in ("0.85", "-3", "1e-6", ".5"):
        assert _fullmatch(_rule("number")["match"], number), number
    # A bare name holding digits stays a name.
    assert not _fullmatch(_rule("number")["match"], "f1")


def test_grammar_strings_and_names_know_their_escapes() -> None:
    string = _rule("string-double")
    escapes = [p["match"] for p in string["patterns"] if p["name"].startswith("constant.character.escape")]
    assert escapes and all(_fullmatch(escapes[0], e) for e in ('\\"', "\\\\"))
    assert not _fullmatch(escapes[0], "\\d"), 'only \\" and \\\\ are escapes in NQL strings'
    name = _rule("name-backquoted")
    assert name["begin"] == name["end"] == "`"
    assert _fullmatch(name["patterns"][0]["match"], "\\`")


def test_every_grammar_rule_is_used() -> None:
    included = {p["include"].lstrip("#") for p in GRAMMAR["patterns"]}
    assert included == set(GRAMMAR["repository"])


# --- VS Code manifest -----------------------------------------------------------------------------------------


def test_language_and_activation() -> None:
    (language,) = PACKAGE["contributes"]["languages"]
    assert language["id"] == "nql" and language["extensions"] == [".nql"]
    # NQL files, and Python files for the queries in their strings (the server serves both).
    assert PACKAGE["activationEvents"] == ["onLanguage:nql", "onLanguage:python"]
    (grammar,) = PACKAGE["contributes"]["grammars"]
    assert grammar["language"] == "nql" and grammar["scopeName"] == GRAMMAR["scopeName"]
    assert (VSCODE / grammar["path"]).is_file() and (VSCODE / language["configuration"]).is_file()


def test_language_configuration_pairs_quotes_and_backquotes() -> None:
    config = _json(VSCODE / "language-configuration.json")
    assert ["(", ")"] in config["brackets"]
    opens = {pair["open"]: pair["close"] for pair in config["autoClosingPairs"]}
    assert opens["`"] == "`" and opens['"'] == '"' and opens["("] == ")"


EXTENSION = (VSCODE / "src" / "extension.ts").read_text(encoding="utf-8")


def test_commands_are_contributed() -> None:
    # The server's commands are registered by the language client (the extension's middleware fills in their
    # arguments); the client-side ones by the extension.
    commands = {c["command"] for c in PACKAGE["contributes"]["commands"]}
    server = {PREVIEW_COMMAND, EXPLAIN_COMMAND}
    assert server <= commands
    assert re.search(r"QUERY_COMMANDS = new Set\(\['nql\.preview', 'nql\.explain'\]\)", EXTENSION)
    assert "middleware: { executeCommand: runQueryCommand }" in EXTENSION
    for command in commands - server:
        assert f"registerCommand('{command}'" in EXTENSION, command
    for command in server:
        assert f"registerCommand('{command}'" not in EXTENSION, f"{command} would clash with the client's"


def test_extension_uses_the_clients_public_api() -> None:
    # Replacing a feature's methods breaks with any change inside the client; `synchronize.configurationSection`
    # is deprecated for the pull model (the server asks with workspace/configuration when told of a change).
    assert "getFeature(" not in EXTENSION
    assert "configurationSection" not in EXTENSION
    assert "DidChangeConfigurationNotification.type, { settings: null }" in EXTENSION


#: Settings only the editor client reads: where the server is.
CLIENT_SETTINGS = {"server.path"}


def _server_settings() -> dict[str, dataclasses.Field[Any]]:
    return {f.metadata["key"]: f for f in dataclasses.fields(Settings)}


def test_package_json_settings_mirror_the_server_settings() -> None:
    properties = {
        key.removeprefix("nql."): value for key, value in PACKAGE["contributes"]["configuration"]["properties"].items()
    }
    server = _server_settings()
    assert set(server) <= set(properties), set(server) - set(properties)
    assert set(properties) - set(server) == CLIENT_SETTINGS
    for key, f in server.items():
        if f.default is not dataclasses.MISSING:
            default = f.default
        else:
            assert f.default_factory is not dataclasses.MISSING, key
            default = f.default_factory()
        if isinstance(default, tuple):  # JSON holds a sequence as a list
            default = list(default)
        assert properties[key]["default"] == default, key


def test_package_json_setting_types() -> None:
    properties = PACKAGE["contributes"]["configuration"]["properties"]
    assert properties["nql.python.enable"]["type"] == "boolean"
    assert properties["nql.lineWidth"]["type"] == "integer"
    assert properties["nql.runs"]["type"] == ["string", "boolean"]
    assert properties["nql.project"]["type"] == ["string", "array"]
    assert properties["nql.project"]["items"] == {"type": "string"}
    severity = properties["nql.severity"]
    assert severity["type"] == "object"
    assert tuple(severity["additionalProperties"]["enum"]) == SEVERITIES


def test_types_vscode_is_pinned_to_the_engine() -> None:
    engine = PACKAGE["engines"]["vscode"].lstrip("^~>=")
    assert PACKAGE["devDependencies"]["@types/vscode"] == engine


def test_lockfile_matches_the_manifest() -> None:
    lock = _json(VSCODE / "package-lock.json")
    root = lock["packages"][""]
    assert root.get("dependencies", {}) == PACKAGE["dependencies"]
    assert root.get("devDependencies", {}) == PACKAGE["devDependencies"]


def test_build_output_is_not_committed() -> None:
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert {"node_modules/", "*.vsix", "editors/vscode/dist/"} <= set(ignored)


# --- Neovim ---------------------------------------------------------------------------------------------------


def test_nvim_ftdetect_maps_nql_files() -> None:
    lua = (NVIM / "ftdetect" / "nql.lua").read_text(encoding="utf-8")
    assert re.search(r"vim\.filetype\.add\(\{\s*extension\s*=\s*\{\s*nql\s*=\s*'nql'", lua)
    assert "*.nql" in (NVIM / "ftdetect" / "nql.vim").read_text(encoding="utf-8")


def test_nvim_lsp_config_and_commands() -> None:
    config = (NVIM / "lsp" / "nql.lua").read_text(encoding="utf-8")
    assert "filetypes = { 'nql' }" in config
    init = (NVIM / "lua" / "nql" / "init.lua").read_text(encoding="utf-8")
    assert "'--stdio'" in init and "vim.lsp.start(" in init and "'FileType'" in init
    plugin = (NVIM / "plugin" / "nql.lua").read_text(encoding="utf-8")
    assert "'NqlPreview'" in plugin and "'NqlExplain'" in plugin
    assert "'nql.preview'" in init and "'nql.explain'" in init


def _vim_syntax_words(group: str) -> set[str]:
    text = (NVIM / "syntax" / "nql.vim").read_text(encoding="utf-8")
    words: set[str] = set()
    for line in text.splitlines():
        m = re.match(rf"syntax keyword {group}\s+(?:contained\s+)?(.*)", line)
        if m:
            words |= set(m.group(1).split())
    return words


def _vim_syntax_alternatives(group: str) -> set[str]:
    text = (NVIM / "syntax" / "nql.vim").read_text(encoding="utf-8")
    m = re.search(rf"syntax match {group} /(.*)/", text)
    assert m, group
    inner = _group(r"\\%?\((.*?)\\\)", m.group(1))
    return set(inner.split("\\|"))


def test_nvim_syntax_covers_the_catalog() -> None:
    assert _vim_syntax_words("nqlType") == CATALOG_TYPES
    assert _vim_syntax_words("nqlLogical") | _vim_syntax_alternatives("nqlOperatorWord") == set(catalog.KEYWORDS)
    assert _vim_syntax_alternatives("nqlAggregate") == set(catalog.AGGREGATES)
    assert _vim_syntax_words("nqlRunState") == set(catalog.RUN_STATES)
    assert _vim_syntax_words("nqlBoolean") == set(catalog.BOOLEANS)


# --- Emacs ----------------------------------------------------------------------------------------------------

EMACS_MODE = (EMACS / "nql-mode.el").read_text(encoding="utf-8")


def _elisp_list(name: str) -> set[str]:
    m = re.search(rf"\(defconst {name}\s+'\(([^)]*)\)", EMACS_MODE)
    assert m, name
    return set(re.findall(r'"([^"]+)"', m.group(1)))


def test_emacs_mode_covers_the_catalog() -> None:
    assert _elisp_list("nql-types") == CATALOG_TYPES
    assert _elisp_list("nql-keywords") | _elisp_list("nql-operator-words") == set(catalog.KEYWORDS)
    assert _elisp_list("nql-aggregates") == set(catalog.AGGREGATES)
    assert _elisp_list("nql-run-states") == set(catalog.RUN_STATES)


def test_emacs_associates_nql_files_and_registers_with_eglot() -> None:
    assert "(add-to-list 'auto-mode-alist '(\"\\\\.nql\\\\'\" . nql-mode))" in EMACS_MODE
    # Registered when nql-mode.el loads: an autoloaded form could run before the file is loaded.
    assert re.search(r"^\(nql-eglot-register\)$", EMACS_MODE, re.MULTILINE)
    assert "with-eval-after-load" not in EMACS_MODE
    assert '\'("nql-lsp" "--stdio")' in EMACS_MODE
    assert '"nql.preview"' in EMACS_MODE


# --- CI -------------------------------------------------------------------------------------------------------


def test_ci_runs_the_editor_tests_after_the_readme_command() -> None:
    lines = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    readme = lines.index('pip install -e ".[test]" && pytest')
    assert any("editors/test.sh" in line and not line.startswith("#") for line in lines[readme + 1 :])
