"""Helpers shared by the migration-format tests (no tests of its own)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pgmig_lsp.migrations.model import Migration, Section, SectionKind
from pgmig_lsp.migrations.transactions import mark_transactions
from pgmig_lsp.sql.parse import Statement, parse_sql

FIXTURES = Path(__file__).parent / "fixtures" / "formats"


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write ``files`` (relative path -> text or bytes) under ``root``; returns ``root``."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def section(migration: Migration, kind: SectionKind = SectionKind.UP) -> Section:
    found = migration.section(kind)
    assert found is not None, f"{migration.path.name} has no {kind.value} section"
    return found


def statements(
    migration: Migration, kind: SectionKind = SectionKind.UP, pg_major: int = 16
) -> list[Statement]:
    """The section's statements, parsed with file offsets and marked by the tool's rules."""
    found = section(migration, kind)
    parsed = parse_sql(found.text, found.span.start)
    assert not parsed.errors, parsed.errors
    mark_transactions(migration, found, parsed.statements, pg_major=pg_major)
    return parsed.statements


def in_transaction(
    migration: Migration, kind: SectionKind = SectionKind.UP, pg_major: int = 16
) -> list[bool]:
    return [s.in_transaction for s in statements(migration, kind, pg_major)]


def texts_of(migration: Migration) -> dict[str, str]:
    """Each section's SQL by kind, stripped."""
    return {s.kind.value: s.text.strip() for s in migration.sections}


def messages(migration: Migration) -> list[str]:
    return [p.message for p in migration.problems]
