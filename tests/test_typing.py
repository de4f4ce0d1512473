"""Simulated typing: every prefix of every example file gives findings without raising."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.analysis import analyze_migration, select_rules
from pgmig_lsp.config import Settings
from pgmig_lsp.migrations.discover import load_file

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").rglob("*.sql")) + sorted(
    (ROOT / "tests" / "fixtures" / "seed").glob("*.sql")
)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_every_prefix_is_checked_without_error(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    settings = Settings()
    selection = select_rules(settings)
    for end in range(len(text) + 1):
        migration = load_file(path, text[:end])
        if migration is None:
            continue
        findings = analyze_migration(migration, settings, selection=selection)
        for finding in findings:
            assert 0 <= finding.span.start <= finding.span.end <= end, (end, finding)
