"""A runs file that cannot be JSON is refused from its first bytes: a 1 GB sparse file (NUL bytes) was
read, decoded and copied whole, over 2 GB of memory, before failing on its first character."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from nql_lsp.runs import RunsError, open_runs


def _never_read_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path) -> bytes:
        raise AssertionError(f"{self} was read whole")

    monkeypatch.setattr(Path, "read_bytes", refuse)


@pytest.mark.parametrize("name", ["sparse.json", "sparse.jsonl"])
def test_a_sparse_gigabyte_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str):
    path = tmp_path / name
    with path.open("wb") as out:
        out.truncate(1 << 30)
    _never_read_whole(monkeypatch)
    with pytest.raises(RunsError, match=rf"{name}:1: not JSON \(it starts with b'\\x00'\)"):
        open_runs(path)


def test_bytes_that_are_not_utf8_are_named_from_the_first_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'[{"sys/id": "caf\xe9"}]')
    _never_read_whole(monkeypatch)
    with pytest.raises(RunsError, match=r"latin1\.json: not UTF-8 text \(byte 16\)"):
        open_runs(path)


def test_json_and_gzip_still_read(tmp_path: Path):
    plain = tmp_path / "runs.json"
    plain.write_text('\n  [{"sys/id": "A-1"}]')
    packed = tmp_path / "runs.jsonl.gz"
    packed.write_bytes(gzip.compress(b'{"sys/id": "B-1"}\n'))
    assert [r.id for r in open_runs(plain)] == ["A-1"]
    assert [r.id for r in open_runs(packed)] == ["B-1"]
