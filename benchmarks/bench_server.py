"""Server latency against a bare pygls server, both measured in this run over stdio.

Figures: didChange -> publishDiagnostics p50/p95/p99 over 200 edits for a 5-clause and a generated
1,000-clause query; completion at the end of the 1,000-clause query; cold start (spawn to the
``initialize`` result). The bare server (bare_server.py) publishes one fixed diagnostic per change, so
the differences are what NQL analysis and the LSP layer add. Targets: typical p95 within 2 ms of bare,
1,000 clauses p95 < 30 ms, completion p95 < 20 ms, cold start within 1.2x bare.
Run: python benchmarks/bench_server.py [--edits N] [--starts N]
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
# Previews off: loading the sample runs in the background at start-up would disturb the first edits, and
# this benchmark measures editing (benchmarks/bench_evaluate.py measures previews).
SETTINGS = {"runs": False}
NQL = [sys.executable, "-m", "nql_lsp"]
BARE = [sys.executable, str(HERE / "bare_server.py")]


class Client:
    """A minimal JSON-RPC client: a reader thread queues every message the server sends."""

    def __init__(self, cmd: list[str]) -> None:
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=HERE.parent
        )
        self.inbox: queue.Queue[dict[str, Any]] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            length = 0
            while True:
                line = out.readline()
                if not line:
                    return
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
                elif line in (b"\r\n", b"\n"):
                    break
            self.inbox.put(json.loads(out.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
        self.proc.stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        rid = self.next_id
        self.send({"id": rid, "method": method, "params": params})
        return self.wait(lambda m: m.get("id") == rid and "method" not in m)

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def wait(self, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        while True:
            message = self.inbox.get(timeout=60)
            if "method" in message and "id" in message:  # a request from the server: answer it empty
                self.send(
                    {
                        "id": message["id"],
                        "result": [SETTINGS] if message["method"] == "workspace/configuration" else None,
                    }
                )
                continue
            if match(message):
                return message

    def initialize(self) -> float:
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": None,
                "capabilities": {
                    "textDocument": {
                        "publishDiagnostics": {"versionSupport": True},
                        "completion": {"completionItem": {"snippetSupport": True}},
                    },
                    "workspace": {"configuration": True},
                },
            },
        )
        elapsed = time.perf_counter() - self.started
        self.notify("initialized", {})
        return elapsed

    def close(self) -> None:
        try:
            self.request("shutdown", {})
            self.notify("exit", {})
            self.proc.wait(timeout=5)
        except Exception:
            self.proc.kill()


def published(uri: str, version: int) -> Callable[[dict[str, Any]], bool]:
    def match(m: dict[str, Any]) -> bool:
        p = m.get("params") or {}
        return (
            m.get("method") == "textDocument/publishDiagnostics" and p.get("uri") == uri and p.get("version") == version
        )

    return match


def query(n: int) -> str:
    return "\nAND ".join(f"(`metrics/acc_{i}`:float >= 0.{i % 97}5)" for i in range(n))


class EditRun:
    """One document being edited: each step replaces one digit inside a value, in clauses spread over
    the query, and times didChange until the diagnostics of that version arrive."""

    def __init__(self, client: Client, text: str) -> None:
        self.client = client
        self.uri = f"file:///bench/q{len(text)}.nql"
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": self.uri, "languageId": "nql", "version": 1, "text": text}}
        )
        client.wait(published(self.uri, 1))
        self.lines = text.split("\n")
        self.times: list[float] = []

    def step(self, k: int) -> None:
        line = (k * 37) % len(self.lines)
        col = self.lines[line].rindex(")") - 1  # the last digit of the value
        version = k + 2
        start = time.perf_counter()
        self.client.notify(
            "textDocument/didChange",
            {
                "textDocument": {"uri": self.uri, "version": version},
                "contentChanges": [
                    {
                        "range": {
                            "start": {"line": line, "character": col},
                            "end": {"line": line, "character": col + 1},
                        },
                        "text": str(k % 10),
                    }
                ],
            },
        )
        self.client.wait(published(self.uri, version))
        self.times.append((time.perf_counter() - start) * 1000)


def structural_latencies(client: Client, text: str, edits: int) -> list[float]:
    """Edits outside every group (a space added or removed at the end of the query): the whole query is
    analysed again, the worst case of typing."""
    uri = f"file:///bench/s{len(text)}.nql"
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "nql", "version": 1, "text": text}}
    )
    client.wait(published(uri, 1))
    lines = text.split("\n")
    line, col = len(lines) - 1, len(lines[-1])
    out = []
    for k in range(edits):
        version = k + 2
        change = (
            {"range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col}}, "text": " "}
            if k % 2 == 0
            else {
                "range": {"start": {"line": line, "character": col}, "end": {"line": line, "character": col + 1}},
                "text": "",
            }
        )
        start = time.perf_counter()
        client.notify(
            "textDocument/didChange", {"textDocument": {"uri": uri, "version": version}, "contentChanges": [change]}
        )
        client.wait(published(uri, version))
        out.append((time.perf_counter() - start) * 1000)
    return out


def completion_latencies(client: Client, text: str, requests: int) -> list[float]:
    uri = "file:///bench/completion.nql"
    text += "\nAND "
    client.notify(
        "textDocument/didOpen", {"textDocument": {"uri": uri, "languageId": "nql", "version": 1, "text": text}}
    )
    client.wait(published(uri, 1))
    line = text.count("\n")
    out = []
    for _ in range(requests):
        start = time.perf_counter()
        reply = client.request(
            "textDocument/completion", {"textDocument": {"uri": uri}, "position": {"line": line, "character": 4}}
        )
        out.append((time.perf_counter() - start) * 1000)
        assert "result" in reply, reply
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> tuple[float, float, float]:
    p50, p95, p99 = pct(values, 0.5), pct(values, 0.95), pct(values, 0.99)
    print(f"  {name:<34} p50 {p50:7.2f} ms   p95 {p95:7.2f} ms   p99 {p99:7.2f} ms")
    return p50, p95, p99


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=200)
    ap.add_argument("--starts", type=int, default=15)
    args = ap.parse_args()

    print("cold start (spawn to initialize result), median of", args.starts, "alternating starts")
    times: dict[str, list[float]] = {"bare": [], "nql-lsp": []}
    for _ in range(args.starts):
        for name, cmd in (("bare", BARE), ("nql-lsp", NQL)):
            c = Client(cmd)
            times[name].append(c.initialize() * 1000)
            c.close()
    starts = {name: statistics.median(values) for name, values in times.items()}
    for name, value in starts.items():
        print(f"  {name:<10} {value:7.1f} ms")
    print(f"  ratio      {starts['nql-lsp'] / starts['bare']:7.2f}x   (target <= 1.2x)")

    # Both servers run side by side and their edits alternate, so load on the machine hits both alike.
    clients = {"bare": Client(BARE), "nql-lsp": Client(NQL)}
    for c in clients.values():
        c.initialize()
    results: dict[tuple[str, int | str], tuple[float, float, float]] = {}
    for size in (5, 1000):
        runs = {name: EditRun(c, query(size)) for name, c in clients.items()}
        for k in range(args.edits):
            for run in runs.values():
                run.step(k)
        print(f"didChange -> publishDiagnostics, {size:,} clauses, {args.edits} edits (alternating)")
        for name, run in runs.items():
            results[name, size] = row(name, run.times)
    print("nql-lsp only")
    row("1,000 clauses, edits outside groups", structural_latencies(clients["nql-lsp"], query(1000), args.edits // 4))
    results["nql-lsp", "completion"] = row(
        "completion, end of 1,000 clauses", completion_latencies(clients["nql-lsp"], query(1000), args.edits)
    )
    for c in clients.values():
        c.close()

    print("comparison")
    for key, label in ((5, "5 clauses"), (1000, "1,000 clauses")):
        delta = results["nql-lsp", key][1] - results["bare", key][1]
        print(f"  {label:<14} p95 nql-lsp - bare = {delta:6.2f} ms")
    print(f"  5 clauses p95 within 2 ms of bare: {results['nql-lsp', 5][1] - results['bare', 5][1] <= 2}")
    print(f"  1,000 clauses p95 < 30 ms: {results['nql-lsp', 1000][1] < 30}")
    print(f"  completion p95 < 20 ms: {results['nql-lsp', 'completion'][1] < 20}")
    print(f"  cold start within 1.2x: {starts['nql-lsp'] <= 1.2 * starts['bare']}")


if __name__ == "__main__":
    main()
