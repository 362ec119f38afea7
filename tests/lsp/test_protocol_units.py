"""The protocol's own pieces, in process: an answer that cannot be serialised, and widths of text holding
lone surrogates (which a client's JSON may carry: ``"\\ud800"``)."""

from __future__ import annotations

import json
from typing import Any

from nql_lsp.lsp.positions import Positions
from nql_lsp.server import create_server
from nql_lsp.syntax.text import LineIndex


class _Writer:
    def __init__(self) -> None:
        self.written: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.written.append(data)

    def close(self) -> None:
        pass


def _bodies(writer: _Writer) -> list[dict[str, Any]]:
    out = []
    for chunk in writer.written:
        head, _, body = chunk.partition(b"\r\n\r\n")
        assert int(head.split(b"\r\n")[0].split(b":")[1]) == len(body)
        out.append(json.loads(body))
    return out


def test_an_answer_too_deep_to_serialise_is_an_internal_error():
    """pygls logged the failure and sent nothing: the client waited for ever."""
    protocol = create_server().protocol
    writer = _Writer()
    protocol.set_writer(writer)
    deep: list[Any] = []
    for _ in range(100_000):
        deep = [deep]
    protocol._send_response(7, deep)
    protocol._send_response(8, {"fine": True})
    first, second = _bodies(writer)
    assert first["id"] == 7 and first["error"]["code"] == -32603
    assert second == {"id": 8, "jsonrpc": "2.0", "result": {"fine": True}}


def test_widths_count_a_lone_surrogate_as_one_unit():
    text = '`sys/\ud800x`:string = "\udfff"'
    lines = LineIndex(text)
    assert Positions(lines, "utf-16").width(0, len(text)) == len(text)  # each surrogate is one UTF-16 unit
    assert Positions(lines, "utf-8").width(0, len(text)) == len(text) + 4  # three bytes each, surrogatepass
    assert Positions(lines, "utf-32").width(0, len(text)) == len(text)
