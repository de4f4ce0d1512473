"""Plain SQL: every ``*.sql`` file of a directory, applied in file-name order.

Up only. Without a known tool pgmig assumes each file runs in a transaction, sent as one string;
the configuration can say otherwise (``wrapped=False``).
"""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.migrations.files import (
    FileReader,
    leading_digits,
    unreadable_migration,
    whole_file,
)
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile


def parse(file: SourceFile, *, wrapped: bool = True) -> Migration:
    name = file.path.name[: -len(".sql")]
    section = Section(
        kind=SectionKind.UP,
        file=file,
        span=whole_file(file),
        wrapped=wrapped,
        delivery=Delivery.ONE_STRING,
        psql=True,
    )
    return Migration(
        tool=Tool.PLAIN,
        version=leading_digits(name),
        name=name,
        files=(file,),
        sections=[section],
    )


def load_file(path: Path, reader: FileReader, *, wrapped: bool = True) -> Migration | None:
    if not path.name.endswith(".sql"):
        return None
    file = reader.read(path)
    name = path.name[: -len(".sql")]
    bad = unreadable_migration(Tool.PLAIN, leading_digits(name), name, file, reader)
    return bad if bad is not None else parse(file, wrapped=wrapped)


def load(directory: Path, reader: FileReader, *, wrapped: bool = True) -> list[Migration]:
    migrations = []
    listing = reader.listing(directory)
    for name in listing.sql_files():
        migration = load_file(listing.path(name), reader, wrapped=wrapped)
        if migration is not None:
            migrations.append(migration)
    return migrations
