"""Benchmark: the language server's latency, with its own minimal JSON-RPC client.

    python bench/lsp_latency.py [--runs N] [--history M] [--no-squawk]

Measures, for `pgmig serve` (and squawk's server on the same files, as the reference, when it
is installed):

- open -> diagnostics and edit (append a line) -> diagnostics, median and p95 over N runs, on a
  small migration and on a 33 KB, 1,264-line one (generated, like the largest real file); on the
  large one also an edit in its middle (a space typed at the start of its middle line);
- initialize -> first diagnostics for a migration at the end of a history of M migrations;
- the server's peak memory (VmHWM).

Each server runs as a real process over stdio, with the default settings a user gets, and may
write byte code (as after a normal ``pip install``; ``PYTHONDONTWRITEBYTECODE`` is not passed on).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from queue import Empty, Queue
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.corpus import large_migration, write_corpus

SMALL = """-- migrate:up
ALTER TABLE orders ADD COLUMN note varchar(255);
CREATE INDEX orders_note_idx ON orders (note);

-- migrate:down
DROP INDEX orders_note_idx;
ALTER TABLE orders DROP COLUMN note;
"""


class Client:
    """A language client that speaks JSON-RPC over a server's stdin/stdout."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self.messages: Queue[dict[str, Any]] = Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = 0
            while True:
                line = stream.readline()
                if not line:
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            message = json.loads(stream.read(length))
            if "id" in message and "method" in message:
                # a request from the server (configuration, progress, registration): answer it
                result: Any = None
                if message["method"] == "workspace/configuration":
                    result = [None for _ in message["params"].get("items", [])]
                self._send({"jsonrpc": "2.0", "id": message["id"], "result": result})
                continue
            self.messages.put(message)

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        stream = self.process.stdin
        assert stream is not None
        stream.write(f"Content-Length: {len(body)}\r\n\r\n".encode("ascii") + body)
        stream.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 60) -> Any:
        self.next_id += 1
        self._send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        found = self.wait(lambda m: m.get("id") == self.next_id, timeout)
        return found.get("result")

    def wait(self, match: Callable[[dict[str, Any]], bool], timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no matching message from the server")
            try:
                message = self.messages.get(timeout=remaining)
            except Empty:
                continue
            if match(message):
                return message

    def diagnostics(self, uri: str, version: int | None = None, timeout: float = 60) -> list[Any]:
        """Wait for diagnostics of ``uri`` (of ``version`` when the server says which)."""

        def match(message: dict[str, Any]) -> bool:
            if message.get("method") != "textDocument/publishDiagnostics":
                return False
            params = message["params"]
            if params.get("uri") != uri:
                return False
            return version is None or params.get("version") in (None, version)

        return list(self.wait(match, timeout)["params"]["diagnostics"])

    def initialize(self, root: Path, pull: bool = False) -> bool:
        """Initialize; True when diagnostics are pulled (the client offers it, the server can)."""
        text_document: dict[str, Any] = {"publishDiagnostics": {"versionSupport": True}}
        if pull:
            text_document["diagnostic"] = {"dynamicRegistration": False}
        result = self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": root.as_uri(),
                "workspaceFolders": [{"uri": root.as_uri(), "name": root.name}],
                "capabilities": {
                    "textDocument": text_document,
                    "workspace": {"configuration": True},
                },
            },
        )
        self.notify("initialized", {})
        return pull and "diagnosticProvider" in (result or {}).get("capabilities", {})

    def pull(self, uri: str, timeout: float = 60) -> list[Any]:
        result = self.request(
            "textDocument/diagnostic", {"textDocument": {"uri": uri}}, timeout=timeout
        )
        return list((result or {}).get("items", []))

    def diagnostics_after(self, uri: str, version: int, pulled: bool) -> list[Any]:
        return self.pull(uri) if pulled else self.diagnostics(uri, version)

    def drain(self, seconds: float) -> None:
        """Let pending publications arrive and drop them."""
        time.sleep(seconds)
        while True:
            try:
                self.messages.get_nowait()
            except Empty:
                return

    def peak_memory_kib(self) -> int:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        except OSError:
            pass
        return 0

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except (TimeoutError, OSError, subprocess.TimeoutExpired):
            self.process.kill()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def edit_latency(
    command: list[str], root: Path, path: Path, runs: int, pull: bool, middle: bool = False
) -> dict[str, float]:
    """open -> diagnostics and append-a-line (``middle``: type a space at the start of the middle
    line) -> diagnostics, in milliseconds."""
    text = path.read_text(encoding="utf-8")
    uri = path.as_uri()
    client = Client(command, root)
    opens: list[float] = []
    edits: list[float] = []
    try:
        pulled = client.initialize(root, pull)
        client.drain(1.0)
        version = 0
        for _ in range(runs):
            version += 1
            start = time.perf_counter()
            client.notify(
                "textDocument/didOpen",
                {
                    "textDocument": {
                        "uri": uri,
                        "languageId": "sql",
                        "version": version,
                        "text": text,
                    }
                },
            )
            client.diagnostics_after(uri, version, pulled)
            opens.append((time.perf_counter() - start) * 1000)
            client.drain(0.2)  # later (history-aware) publications of the open
            lines = text.count("\n")
            line, typed = (lines // 2, " ") if middle else (lines, "-- edited\n")
            version += 1
            start = time.perf_counter()
            client.notify(
                "textDocument/didChange",
                {
                    "textDocument": {"uri": uri, "version": version},
                    "contentChanges": [
                        {
                            "range": {
                                "start": {"line": line, "character": 0},
                                "end": {"line": line, "character": 0},
                            },
                            "text": typed,
                        }
                    ],
                },
            )
            client.diagnostics_after(uri, version, pulled)
            edits.append((time.perf_counter() - start) * 1000)
            client.drain(0.1)
            client.notify("textDocument/didClose", {"textDocument": {"uri": uri}})
            client.drain(0.1)
        peak = client.peak_memory_kib()
    finally:
        client.close()
    return {
        "open_median_ms": statistics.median(opens),
        "open_p95_ms": percentile(opens, 0.95),
        "edit_median_ms": statistics.median(edits),
        "edit_p95_ms": percentile(edits, 0.95),
        "peak_mib": peak / 1024,
    }


def first_diagnostics(command: list[str], root: Path, path: Path, pull: bool) -> dict[str, float]:
    """Seconds from starting the server to the first diagnostics of ``path``."""
    start = time.perf_counter()
    client = Client(command, root)
    try:
        pulled = client.initialize(root, pull)
        uri = path.as_uri()
        client.notify(
            "textDocument/didOpen",
            {
                "textDocument": {
                    "uri": uri,
                    "languageId": "sql",
                    "version": 1,
                    "text": path.read_text(encoding="utf-8"),
                }
            },
        )
        client.diagnostics_after(uri, 1, pulled)
        first = time.perf_counter() - start
        client.drain(3.0)
        peak = client.peak_memory_kib()
    finally:
        client.close()
    return {"first_diagnostics_s": first, "peak_mib": peak / 1024}


def main() -> int:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--runs", type=int, default=20)
    args.add_argument("--history", type=int, default=700)
    args.add_argument("--no-squawk", action="store_true")
    options = args.parse_args()
    pgmig = [sys.executable, "-m", "pgmig_lsp", "serve"]
    squawk_binary = shutil.which("squawk") or str(Path(sys.executable).parent / "squawk")
    # (command, pull): pull as VS Code does, push as Neovim does; squawk's server only pulls
    servers = {"pgmig pull": (pgmig, True), "pgmig push": (pgmig, False)}
    if not options.no_squawk and Path(squawk_binary).exists():
        servers["squawk pull"] = ([squawk_binary, "server"], True)
    tmp = Path(tempfile.mkdtemp(prefix="pgmig-lsp-bench-"))
    try:
        project = tmp / "project"
        migrations = project / "db" / "migrations"
        migrations.mkdir(parents=True)
        (project / "pgmig.toml").write_text("", encoding="utf-8")
        small = migrations / "20240101000000_small.sql"
        small.write_text(SMALL, encoding="utf-8")
        large = migrations / "20240101000100_large.sql"
        large.write_text(large_migration(), encoding="utf-8")
        history = tmp / "history"
        paths = write_corpus(history / "db" / "migrations", options.history)
        (history / "pgmig.toml").write_text("", encoding="utf-8")
        print(
            f"large file: {large.stat().st_size / 1000:.0f} KB, "
            f"{large.read_text().count(chr(10))} lines; history: {len(paths)} migrations"
        )
        results: dict[str, Any] = {}
        for name, (command, pull) in servers.items():
            for label, path, middle in (
                ("small", small, False),
                ("large", large, False),
                ("large middle", large, True),
            ):
                print(f"{name} {label}...", file=sys.stderr)
                results[f"{name} {label}"] = edit_latency(
                    command, project, path, options.runs, pull, middle
                )
            print(f"{name} history...", file=sys.stderr)
            results[f"{name} history"] = first_diagnostics(command, history, paths[-1], pull)
        for label, figures in results.items():
            shown = "  ".join(f"{k} {v:.1f}" for k, v in figures.items())
            print(f"{label:<20} {shown}")
        print(json.dumps(results))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
