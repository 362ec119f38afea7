"""``run_explore``: the one URL on stdout with its token, refusals before serving, and the loopback rule."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from nql_lsp.cli.explore import run_explore
from nql_lsp.explore.security import Guard, is_loopback

SERVE = "import sys; from nql_lsp.cli.explore import run_explore; sys.exit(run_explore(None, '127.0.0.1', 0, False))"


def test_it_prints_one_url_whose_token_opens_the_explorer(tmp_path: Path) -> None:
    env = {"PATH": "", "XDG_CONFIG_HOME": str(tmp_path), "NQL_LSP_EXPLORE_TOKEN": "fixed-token"}
    with subprocess.Popen(
        [sys.executable, "-c", SERVE], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True
    ) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            assert url.startswith("http://127.0.0.1:") and url.endswith("/?token=fixed-token")
            base = url.split("/?")[0]
            request = urllib.request.Request(base + "/api/info", headers={"X-NQL-Token": "fixed-token"})
            with urllib.request.urlopen(request, timeout=20) as answer:
                assert json.load(answer)["version"]
            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(base + "/api/info", timeout=20)
            assert refused.value.code == 403
        finally:
            process.terminate()
            process.wait(timeout=20)


def test_a_missing_source_or_a_bad_port_is_refused_before_serving(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    assert run_explore(str(tmp_path / "nothing.jsonl"), "127.0.0.1", 0, False, out=out, err=err) == 2
    assert "no such file" in err.getvalue() and out.getvalue() == ""
    err = io.StringIO()
    assert run_explore(None, "127.0.0.1", 70000, False, out=out, err=err) == 2
    assert "--port" in err.getvalue() and out.getvalue() == ""


def test_loopback_names_and_hosts() -> None:
    assert all(is_loopback(h) for h in ("localhost", "127.0.0.1", "127.8.9.1", "::1", "[::1]"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "10.0.0.1", "example.com", ""))
    guard = Guard("t", port=8000)
    assert guard.host_ok("localhost:8000") and guard.host_ok("[::1]:8000") and guard.host_ok("127.0.0.1")
    assert not guard.host_ok("localhost:8001") and not guard.host_ok("localhost.evil.com:8000")
    assert not guard.host_ok("[bad") and not guard.host_ok(None)
    assert guard.origin_ok(None, "127.0.0.1:8000")
    assert guard.origin_ok("http://127.0.0.1:8000", "127.0.0.1:8000")
    assert not guard.origin_ok("http://localhost:8000", "127.0.0.1:8000")  # another origin, even on loopback
    assert not guard.origin_ok("null", "127.0.0.1:8000")
    assert not guard.token_ok(None) and not guard.token_ok("T") and guard.token_ok("t")
