"""A findings cache, like ruff's: a migration whose inputs did not change is not checked again.

The key of a migration is a hash of everything its findings depend on: the text of each of its
files, the tool's settings, the pgmig version and the settings that change findings. One JSON file
per settings fingerprint holds every entry, so a warm run reads one file.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import orjson

from pgmig_lsp import __version__
from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.source import Span

CACHE_DIR_NAME = ".pgmig_cache"


def migration_key(parts: list[str | bytes]) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        data = part.encode("utf-8", "surrogatepass") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def _span(data: list[int] | None) -> Span | None:
    return Span(data[0], data[1]) if data else None


def finding_to_data(finding: Finding) -> dict[str, Any]:
    data: dict[str, Any] = {
        "r": finding.rule,
        "s": finding.severity.value,
        "m": finding.message,
        "p": str(finding.path),
        "a": [finding.span.start, finding.span.end],
    }
    if finding.statement is not None:
        data["t"] = [finding.statement.start, finding.statement.end]
    if finding.section is not None:
        data["x"] = finding.section
    if finding.fix is not None:
        data["f"] = {
            "title": finding.fix.title,
            "safe": finding.fix.safe,
            "edits": [
                [str(e.path), [e.span.start, e.span.end] if e.span else None, e.text]
                for e in finding.fix.edits
            ],
        }
    return data


@functools.lru_cache(maxsize=65536)
def _path(text: str) -> Path:
    """One Path per path text: a warm run rebuilds thousands of findings on few files."""
    return Path(text)


def finding_from_data(data: dict[str, Any]) -> Finding:
    fix = None
    if "f" in data:
        raw = data["f"]
        fix = Fix(
            raw["title"],
            tuple(Edit(_path(path), _span(span), text) for path, span, text in raw["edits"]),
            raw["safe"],
        )
    span = _span(data["a"])
    assert span is not None
    return Finding(
        rule=data["r"],
        severity=Severity(data["s"]),
        message=data["m"],
        path=_path(data["p"]),
        span=span,
        statement=_span(data.get("t")),
        section=data.get("x"),
        fix=fix,
    )


@functools.cache
def code_fingerprint() -> str:
    """The installed pgmig's code: its version and every module's and data file's size and
    modification time (a development checkout changes rules without changing the version)."""
    package = Path(__file__).resolve().parent
    parts: list[str | bytes] = [__version__]
    for path in sorted(package.rglob("*")):
        if path.suffix in (".py", ".json") and "__pycache__" not in path.parts:
            stat = path.stat()
            parts.append(f"{path.relative_to(package)}:{stat.st_size}:{stat.st_mtime_ns}")
    return migration_key(parts)


class FindingsCache:
    """Cached findings for one settings fingerprint, stored under ``directory``."""

    def __init__(self, directory: Path, fingerprint: str) -> None:
        name = migration_key([code_fingerprint(), fingerprint])
        self.path = directory / CACHE_DIR_NAME / f"{name}.json"
        self._entries: dict[str, list[dict[str, Any]]] = {}
        self._used: set[str] = set()
        self._dirty = False
        with contextlib.suppress(OSError, ValueError):
            loaded = orjson.loads(self.path.read_bytes())
            if isinstance(loaded, dict):
                self._entries = loaded

    def get(self, key: str) -> list[Finding] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._used.add(key)
        return [finding_from_data(item) for item in entry]

    def put(self, key: str, findings: list[Finding]) -> None:
        self._entries[key] = [finding_to_data(f) for f in findings]
        self._used.add(key)
        self._dirty = True

    def save(self) -> None:
        """Write the entries used by this run (stale ones are dropped); never fails the run."""
        if not self._dirty and len(self._used) == len(self._entries):
            return
        entries = {key: self._entries[key] for key in self._used if key in self._entries}
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            gitignore = self.path.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("# created by pgmig\n*\n", encoding="utf-8")
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as out:
                out.write(orjson.dumps(entries))
            os.replace(tmp, self.path)
