"""Migrations for the editor tests, built from text as the editor hands it over."""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.migrations.discover import load_file
from pgmig_lsp.migrations.model import Migration, Tool
from pgmig_lsp.source import SourceFile

DBMATE_NAME = "db/migrations/20240101000000_change.sql"


def load(directory: Path, files: dict[str, str], tool: Tool, main: str | None = None) -> Migration:
    """Write ``files`` under ``directory`` and load the migration of ``main`` (the first file)."""
    for name, text in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    name = main or next(iter(files))
    migration = load_file(directory / name, files[name], tool)
    assert migration is not None, f"no migration loaded from {name}"
    return migration


def dbmate(directory: Path, text: str) -> tuple[Migration, Path]:
    """A dbmate migration from one file's text, and the file's path."""
    migration = load(directory, {DBMATE_NAME: text}, Tool.DBMATE)
    return migration, directory / DBMATE_NAME


def file_of(migration: Migration, path: Path) -> SourceFile:
    file = migration.file_for(path)
    assert file is not None
    return file


def at(text: str, needle: str, delta: int = 0) -> int:
    """The offset of the first ``needle`` in ``text`` (plus ``delta``); fails when absent."""
    offset = text.index(needle)
    return offset + delta
