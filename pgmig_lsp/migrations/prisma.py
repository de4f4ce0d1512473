"""Prisma Migrate: ``prisma/migrations/<timestamp>_<name>/migration.sql``.

Up only. Each migration's script runs in a transaction (sent as one string); folders apply in
name order, and Prisma keys them by the whole folder name.
"""

from __future__ import annotations

import re
from pathlib import Path

from pgmig_lsp.migrations.files import FileReader, unreadable_migration, whole_file
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile

SCRIPT = "migration.sql"
LOCK_FILE = "migration_lock.toml"
_FOLDER = re.compile(r"^(\d+)_(.*)$")


def folder_version(name: str) -> tuple[str, str]:
    """(version, name) of a migration folder; the version is its leading timestamp."""
    match = _FOLDER.match(name)
    return (match.group(1), match.group(2)) if match else (name, name)


def parse(file: SourceFile, version: str, name: str) -> Migration:
    section = Section(
        kind=SectionKind.UP,
        file=file,
        span=whole_file(file),
        wrapped=True,
        delivery=Delivery.ONE_STRING,
    )
    return Migration(
        tool=Tool.PRISMA, version=version, name=name, files=(file,), sections=[section]
    )


def load_file(path: Path, reader: FileReader) -> Migration | None:
    if path.name != SCRIPT:
        return None
    version, name = folder_version(path.parent.name)
    file = reader.read(path)
    bad = unreadable_migration(Tool.PRISMA, version, name, file, reader)
    return bad if bad is not None else parse(file, version, name)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration folder of ``prisma/migrations``, in folder-name order."""
    migrations = []
    for folder in reader.listing(directory).dirs:
        if folder.startswith("."):
            continue
        if SCRIPT in reader.listing(directory / folder).files:
            migration = load_file(directory / folder / SCRIPT, reader)
            if migration is not None:
                migrations.append(migration)
    return migrations
