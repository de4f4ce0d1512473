"""Supabase CLI: ``supabase/migrations/<timestamp>_<name>.sql``, next to ``supabase/config.toml``.

Up only: the CLI has no down migrations, so the rollback rules stay off. The CLI sends a file's
statements as one pipeline, i.e. one implicit transaction, without opening one itself: modelled
as one query string that is not wrapped, so a ``CONCURRENTLY`` statement only works alone in its
file. Files whose name does not match ``^[0-9]+_.*\\.sql$`` are skipped by the CLI, except
``<timestamp>-<uuid>.sql``: Lovable writes its projects' migrations so and applies them itself,
in name order, and they are the history of thousands of Supabase projects.
"""

from __future__ import annotations

import re
from pathlib import Path

from pgmig_lsp.migrations.files import FileReader, unreadable_migration, whole_file
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile

_FILE = re.compile(r"^([0-9]+)[_-](.*)\.sql$")


def file_version(name: str) -> tuple[str, str] | None:
    match = _FILE.match(name)
    return (match.group(1), match.group(2)) if match else None


def parse(file: SourceFile, version: str | None, name: str) -> Migration:
    section = Section(
        kind=SectionKind.UP,
        file=file,
        span=whole_file(file),
        wrapped=False,
        delivery=Delivery.ONE_STRING,
    )
    return Migration(
        tool=Tool.SUPABASE, version=version, name=name, files=(file,), sections=[section]
    )


def load_file(path: Path, reader: FileReader) -> Migration | None:
    named = file_version(path.name)
    if named is None:
        return None
    file = reader.read(path)
    bad = unreadable_migration(Tool.SUPABASE, named[0], named[1], file, reader)
    return bad if bad is not None else parse(file, *named)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration of ``supabase/migrations``, in file-name order as the CLI applies them."""
    migrations = []
    listing = reader.listing(directory)
    for name in listing.files:
        migration = load_file(listing.path(name), reader)
        if migration is not None:
            migrations.append(migration)
    return migrations
