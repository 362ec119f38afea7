"""Server latency against a bare pygls server, both measured in this run over stdio.

Figures, three times: with the default settings (the bundled sample runs loaded for previews, timed only
once their load has ended), with runs off, and with a runs file named (its learned schema, with run
counts, informs every analysis). didChange -> publishDiagnostics p50/p95/p99 for a 5-clause query and a
generated 1,000-clause AND of groups (incremental sync, a digit typed inside a group); for
the 1,000 OR-ed clauses `` `sys/id`:string = "RUN-i" `` (full-document sync, the last value edited);
for edits outside every group (a space added or removed at the end); completion at the end of the
1,000-clause query; cold start (spawn to the ``initialize`` result). The bare server (bare_server.py)
publishes one fixed diagnostic per change, so the differences are what NQL analysis and the LSP layer
add. Targets: typical p95 within 2 ms of bare, every 1,000-clause p95 <= 30 ms, completion p95 < 20 ms,
cold start within 1.2x bare.
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
#: A runs file as a user names one: its schema is learned, with run counts, and informs every analysis
#: (the bundled sample, named by its path; by default it only feeds previews).
RUNS_FILE = HERE.parent / "nql_lsp" / "data" / "sample_runs.json.gz"
#: The settings each pass runs under: the defaults (the bundled sample runs on), runs off, and a runs file.
MODES: dict[str, dict[str, Any]] = {
    "default settings (sample runs on)": {},
    "runs off": {"runs": False},
    "a runs file (learned schema with counts)": {"runs": str(RUNS_FILE)},
}
NQL = [sys.executable, "-m", "nql_lsp"]
BARE = [sys.executable, str(HERE / "bare_server.py")]


class Client:
    """A minimal JSON-RPC client: a reader thread queues every message the server sends."""

    def __init__(self, cmd: list[str], settings: dict[str, Any] | None = None) -> None:
        self.settings = settings or {}
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
                        "result": [self.settings] if message["method"] == "workspace/configuration" else None,
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
                    "window": {"workDoneProgress": True},
                },
            },
        )
        elapsed = time.perf_counter() - self.started
        self.notify("initialized", {})
        return elapsed

    def runs_loaded(self) -> None:
        """Wait until the runs load reports its end (work-done progress), so it does not disturb timing."""
        self.wait(lambda m: m.get("method") == "$/progress" and (m["params"].get("value") or {}).get("kind") == "end")

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


def ored(n: int) -> str:
    """The query of the issue: ``n`` clauses on one field, OR-ed, no groups."""
    return "\nOR ".join(f'`sys/id`:string = "RUN-{i}"' for i in range(n))


class FullSyncRun:
    """One document sent whole on every change (full-document sync), its last value edited each time:
    ``"RUN-999"`` becomes ``"RUN-9990"``, ``"RUN-9991"``, ... and back, as typing at the end of a query."""

    def __init__(self, client: Client, text: str) -> None:
        self.client = client
        self.uri = f"file:///bench/full{len(text)}.nql"
        self.text = text
        client.notify(
            "textDocument/didOpen", {"textDocument": {"uri": self.uri, "languageId": "nql", "version": 1, "text": text}}
        )
        client.wait(published(self.uri, 1))
        self.times: list[float] = []

    def step(self, k: int) -> None:
        cut = self.text.rindex('"')
        text = self.text[:cut] + (str(k % 10) if k % 2 == 0 else "") + self.text[cut:]
        version = k + 2
        start = time.perf_counter()
        self.client.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": self.uri, "version": version}, "contentChanges": [{"text": text}]},
        )
        self.client.wait(published(self.uri, version))
        self.times.append((time.perf_counter() - start) * 1000)


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
    """Edits outside every group (a space added or removed at the end of the query): only the top-level
    operands the edit touches are analysed again, where a group's inside is not enough."""
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


def edits(mode: str, settings: dict[str, Any], n: int) -> dict[tuple[str, str], tuple[float, float, float]]:
    """Every editing figure under ``settings``, nql-lsp and bare alternating so load hits both alike."""
    print(f"== {mode}")
    clients = {"bare": Client(BARE), "nql-lsp": Client(NQL, settings)}
    for c in clients.values():
        c.initialize()
    if settings.get("runs", "") is not False:
        clients["nql-lsp"].runs_loaded()
    results: dict[tuple[str, str], tuple[float, float, float]] = {}
    cases: list[tuple[str, Callable[[Client], EditRun | FullSyncRun]]] = [
        ("5 clauses", lambda c: EditRun(c, query(5))),
        ("1,000 clauses, inside groups", lambda c: EditRun(c, query(1000))),
        ("1,000 OR-ed, full sync, at end", lambda c: FullSyncRun(c, ored(1000))),
    ]
    for label, make in cases:
        runs = {name: make(c) for name, c in clients.items()}
        for k in range(n):
            for run in runs.values():
                run.step(k)
        print(f"didChange -> publishDiagnostics, {label}, {n} edits (alternating)")
        for name, run in runs.items():
            results[name, label] = row(name, run.times)
    print("nql-lsp only")
    results["nql-lsp", "outside groups"] = row(
        "1,000 clauses, edits outside groups", structural_latencies(clients["nql-lsp"], query(1000), n // 2)
    )
    results["nql-lsp", "completion"] = row(
        "completion, end of 1,000 clauses", completion_latencies(clients["nql-lsp"], query(1000), n)
    )
    for c in clients.values():
        c.close()
    p95 = {key: value[1] for key, value in results.items()}
    typical = p95["nql-lsp", "5 clauses"] - p95["bare", "5 clauses"]
    worst = max(p95["nql-lsp", label] for label in ("1,000 clauses, inside groups", "1,000 OR-ed, full sync, at end"))
    worst = max(worst, p95["nql-lsp", "outside groups"])
    print(f"  5 clauses p95 nql-lsp - bare = {typical:6.2f} ms; within 2 ms: {typical <= 2}")
    print(f"  worst 1,000-clause p95 {worst:7.2f} ms; <= 30 ms: {worst <= 30}")
    print(f"  completion p95 < 20 ms: {p95['nql-lsp', 'completion'] < 20}")
    return results


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
    for mode, settings in MODES.items():
        edits(mode, settings, args.edits)


if __name__ == "__main__":
    main()
