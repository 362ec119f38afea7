"""Settings parsing: every shape clients send, and a message naming each refused value."""

from __future__ import annotations

from nql_lsp.lsp.settings import Settings, parse_settings


def test_defaults():
    assert parse_settings(None) == (Settings(), [])
    assert parse_settings({}) == (Settings(), [])


def test_nested_dotted_and_bare_sections():
    expected = Settings(line_width=100, severity={"NQL301": "warning"})
    assert parse_settings({"nql": {"lineWidth": 100, "severity": {"NQL301": "warning"}}}) == (expected, [])
    assert parse_settings({"nql.lineWidth": 100, "nql.severity": {"NQL301": "warning"}}) == (expected, [])
    assert parse_settings({"lineWidth": 100, "severity": {"NQL301": "warning"}}) == (expected, [])


def test_rule_names_and_case_are_accepted():
    settings, problems = parse_settings({"nql": {"severity": {"mixed-and-or": "OFF", "nql101": "hint"}}})
    assert problems == []
    assert settings.severity == {"NQL401": "off", "NQL101": "hint"}


def test_bad_values_keep_defaults_and_are_named():
    settings, problems = parse_settings({"nql": {"lineWidth": "wide"}})
    assert settings.line_width == 80
    assert problems == ["nql.lineWidth: expected a whole number from 20 to 1000; got 'wide', using the default"]
    settings, problems = parse_settings({"nql": {"lineWidth": True}})
    assert settings.line_width == 80 and len(problems) == 1
    settings, problems = parse_settings({"nql": {"lineWidth": 5}})
    assert settings.line_width == 80 and len(problems) == 1


def test_bad_severity_entries_are_dropped_good_ones_kept():
    settings, problems = parse_settings(
        {"nql": {"severity": {"NQL999": "error", "NQL301": "loud", "NQL302": "warning"}}}
    )
    assert settings.severity == {"NQL302": "warning"}
    [problem] = problems
    assert "NQL999" in problem and "NQL301: 'loud'" in problem


def test_not_an_object():
    settings, problems = parse_settings(["lineWidth", 100])
    assert settings == Settings()
    assert problems == ["nql settings should be an object; got list, using the defaults"]
    settings, problems = parse_settings({"nql": {"severity": "all"}})
    assert settings.severity == {} and "nql.severity" in problems[0]


def test_snippets_become_plain_text_for_clients_without_them():
    from nql_lsp.lsp.completion import plain

    assert plain("last(${1:field}:floatSeries)") == "last(field:floatSeries)"
    assert plain("x$0") == "x"


def test_a_nested_setting_is_one_field(monkeypatch):
    """What another module does to add a setting: one field with its key and validator."""
    import dataclasses

    from nql_lsp.lsp import settings as module

    def _bool(raw):
        if not isinstance(raw, bool):
            raise module.SettingError("true or false")
        return raw

    extended = dataclasses.make_dataclass(
        "Settings",
        [("python_enable", bool, dataclasses.field(default=False, metadata=module.setting("python.enable", _bool)))],
        bases=(module.Settings,),
        frozen=True,
        slots=True,
    )
    monkeypatch.setattr(module, "Settings", extended)
    assert module.parse_settings({"nql": {"python": {"enable": True}}})[0].python_enable is True
    assert module.parse_settings({"nql.python.enable": True})[0].python_enable is True
    settings, problems = module.parse_settings({"nql": {"python": {"enable": "yes"}}})
    assert settings.python_enable is False
    assert problems == ["nql.python.enable: expected true or false; got 'yes', using the default"]


def test_runs_is_a_path_the_sample_or_off():
    assert parse_settings({"nql": {"runs": " exports/proj "}})[0].runs == "exports/proj"
    assert parse_settings({"nql": {"runs": ""}})[0].runs == ""  # the workspace's export, else the sample
    assert parse_settings({"nql": {"runs": False}})[0].runs is None  # no previews
    assert parse_settings({"nql": {"runs": " sample "}})[0].runs == "sample"  # the sample, even beside an export
    settings, problems = parse_settings({"nql": {"runs": 42}})
    assert settings.runs == ""
    assert problems == [
        'nql.runs: expected a path to a runs file or parquet export, "" for an export found in the workspace '
        '(else the bundled sample), "sample" for the bundled sample, or false; got 42, using the default'
    ]


def test_project_is_a_name_or_a_list_of_names():
    assert parse_settings({})[0].project == ()
    assert parse_settings({"nql": {"project": " team/one "}})[0].project == ("team/one",)
    assert parse_settings({"nql": {"project": ""}})[0].project == ()  # every project
    assert parse_settings({"nql.project": ["team/one", "two", "team/one", " "]})[0].project == ("team/one", "two")
    settings, problems = parse_settings({"nql": {"project": ["team/one", 3]}})
    assert settings.project == ()
    assert problems == [
        'nql.project: expected a project name ("workspace/project"), a list of them, or "" for every project; '
        "got ['team/one', 3], using the default"
    ]


def test_workspace_folders_are_where_an_export_is_looked_for():
    from lsprotocol import types

    from nql_lsp.lsp.handlers.initialize import workspace_folders

    caps = types.ClientCapabilities()
    folders = [
        types.WorkspaceFolder(uri="file:///work/a", name="a"),
        types.WorkspaceFolder(uri="untitled:scratch", name="scratch"),  # not on disk: no search there
        types.WorkspaceFolder(uri="file:///work/b%20c", name="b c"),
    ]
    params = types.InitializeParams(capabilities=caps, workspace_folders=folders)
    assert workspace_folders(params, "/work/root") == ["/work/a", "/work/b c"]
    assert workspace_folders(types.InitializeParams(capabilities=caps), "/work/root") == ["/work/root"]
    assert workspace_folders(types.InitializeParams(capabilities=caps), None) == []
