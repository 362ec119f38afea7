"""Arguments that are paths, or might be: the CLI answers each with a message or a result, never a
traceback."""

from __future__ import annotations

import pytest

from nql_lsp.cli.app import main


def test_a_query_longer_than_a_file_name_converts_from_the_command_line(capsys: pytest.CaptureFixture[str]):
    """``--convert`` asks whether its one argument is a path; a query over 255 characters made
    ``Path.exists`` raise ENAMETOOLONG, a traceback, exit 1."""
    query = " OR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(12))
    assert len(query) > 255
    assert main(["--convert", "filter", query]) == 0
    out = capsys.readouterr().out
    assert '    Filter.eq(Attribute("sys/id", type="string"), "RUN-0")\n' in out
    assert '    | Filter.eq(Attribute("sys/id", type="string"), "RUN-11")\n)\n' in out


@pytest.mark.parametrize("argument", ["x" * 300 + ".nql", "x" * 300 + "/a.nql"])
def test_a_name_too_long_for_a_path_is_read_as_a_query(argument: str, capsys: pytest.CaptureFixture[str]):
    assert main(["--convert", "filter", argument]) == 1  # a query that does not convert: a problem, exit 1
    err = capsys.readouterr().err
    assert err.startswith("<argument>:1:") and "Traceback" not in err
