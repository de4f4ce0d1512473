"""Runs a rule on migration text written to a temporary directory: the rule tests' engine."""

from __future__ import annotations

from pathlib import Path

import attrs

from pgmig_lsp.analysis import analyze_migration
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding
from pgmig_lsp.fixes import chosen_fixes, fixed_texts
from pgmig_lsp.migrations.discover import load_file


@attrs.frozen
class Outcome:
    findings: list[Finding]
    main: Path
    texts: dict[Path, str]

    def lines(self, rule: str) -> list[int]:
        """1-based first lines of the rule's findings in the main file."""
        text = self.texts[self.main]
        return sorted(
            text.count("\n", 0, f.span.start) + 1
            for f in self.findings
            if f.rule == rule and f.path == self.main
        )

    def fixed(self, rule: str, unsafe: bool = True) -> dict[Path, str]:
        fixes = chosen_fixes([f for f in self.findings if f.rule == rule], unsafe)
        return fixed_texts(fixes, self.texts)


def dbmate_text(up: str, down: str | None) -> str:
    text = "-- migrate:up\n" + up.rstrip("\n") + "\n"
    if down is not None:
        text += "\n-- migrate:down\n" + down.rstrip("\n") + "\n"
    return text


def run(
    directory: Path,
    files: dict[str, str],
    *,
    main: str | None = None,
    select: list[str] | None = None,
    pg_version: int = 16,
    tool: str | None = None,
    naming: dict[str, str] | None = None,
) -> Outcome:
    """Write ``files`` under ``directory``, load the migration of ``main`` and analyze it."""
    texts: dict[Path, str] = {}
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        texts[path] = text
    main_path = directory / (main or next(iter(files)))
    settings = Settings(pg_version=pg_version, select=select or [], tool=tool, naming=naming or {})
    from pgmig_lsp.migrations.model import Tool

    migration = load_file(main_path, texts[main_path], Tool(tool) if tool else None)
    assert migration is not None, f"no migration loaded from {main_path}"
    findings = analyze_migration(migration, settings)
    return Outcome(findings, main_path, texts)
