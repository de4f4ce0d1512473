"""Plain SQL: every ``*.sql`` file of a directory, applied in file-name order.

Up only. Without a known tool pgmig assumes each file runs in a transaction, sent as one string;
the configuration can say otherwise (``wrapped=False``).

A file written for sql-migrate (``-- +migrate Up`` / ``-- +migrate Down`` lines) is read as
sql-migrate runs it: its down section is not part of the up, each section runs in a transaction
unless its marker line says ``notransaction``, and its statements are sent one by one. A tern
file (``---- create above / drop below ----``) likewise: the SQL below that line is its down
section, and ``---- tern: disable-tx ----`` turns its transaction off. A Liquibase formatted
SQL file (``--liquibase formatted sql``) runs changeset by changeset, statements one by one, each
changeset in a transaction unless it says ``runInTransaction:false`` (then pgmig takes the file
as running without one).
"""

from __future__ import annotations

import re
from pathlib import Path

from pgmig_lsp.migrations.files import (
    FileReader,
    leading_digits,
    unreadable_migration,
    whole_file,
)
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile, Span

# sql-migrate's sqlparse: a line starting with "-- +migrate " holds a command and its options
_SQL_MIGRATE = re.compile(r"^-- \+migrate (Up|Down)\b([^\n]*)$", re.MULTILINE)
_LIQUIBASE = re.compile(r"\A\s*--\s*liquibase\s+formatted\s+sql\b", re.IGNORECASE)
_LIQUIBASE_NO_TX = re.compile(
    r"^--\s*changeset\b[^\n]*\brunInTransaction:\s*false\b", re.IGNORECASE | re.MULTILINE
)
_TERN_SPLIT = re.compile(r"^---- create above / drop below ----[ \t\r]*$", re.MULTILINE)
_TERN_NO_TX = re.compile(r"^---- tern: disable-tx ----[ \t\r]*$", re.MULTILINE)


def parse(file: SourceFile, *, wrapped: bool = True) -> Migration:
    name = file.path.name[: -len(".sql")]
    sections = _sql_migrate_sections(file) if "-- +migrate " in file.text else None
    if not sections and "---- " in file.text:
        sections = _tern_sections(file)
    if not sections and _LIQUIBASE.match(file.text):
        opted_out = _LIQUIBASE_NO_TX.search(file.text) is not None
        sections = [
            Section(
                kind=SectionKind.UP,
                file=file,
                span=whole_file(file),
                wrapped=not opted_out,
                delivery=Delivery.PER_STATEMENT,
                opted_out=opted_out,
            )
        ]
    if not sections:
        sections = [
            Section(
                kind=SectionKind.UP,
                file=file,
                span=whole_file(file),
                wrapped=wrapped,
                delivery=Delivery.ONE_STRING,
                psql=True,
            )
        ]
    return Migration(
        tool=Tool.PLAIN,
        version=leading_digits(name),
        name=name,
        files=(file,),
        sections=sections,
    )


def _tern_sections(file: SourceFile) -> list[Section]:
    """The up and down sections of a tern file (none without its split line)."""
    text = file.text
    split = _TERN_SPLIT.search(text)
    if split is None:
        return []
    opted_out = _TERN_NO_TX.search(text) is not None
    down_start = min(split.end() + 1, len(text))
    return [
        Section(
            kind=kind,
            file=file,
            span=span,
            wrapped=not opted_out,
            # tern sends a section as one string: several statements share an implicit
            # transaction even with disable-tx
            delivery=Delivery.ONE_STRING,
            opted_out=opted_out,
            marker=marker,
        )
        for kind, span, marker in (
            (SectionKind.UP, Span(0, split.start()), None),
            (SectionKind.DOWN, Span(down_start, len(text)), Span(split.start(), split.end())),
        )
    ]


def _sql_migrate_sections(file: SourceFile) -> list[Section]:
    """The up and down sections of a sql-migrate file (none when it has no Up line)."""
    text = file.text
    markers = list(_SQL_MIGRATE.finditer(text))
    if not any(m.group(1) == "Up" for m in markers):
        return []
    sections = []
    for index, marker in enumerate(markers):
        body_start = min(marker.end() + 1, len(text))
        body_end = markers[index + 1].start() if index + 1 < len(markers) else len(text)
        opted_out = "notransaction" in marker.group(2).split()
        sections.append(
            Section(
                kind=SectionKind.UP if marker.group(1) == "Up" else SectionKind.DOWN,
                file=file,
                span=Span(body_start, max(body_start, body_end)),
                wrapped=not opted_out,
                delivery=Delivery.PER_STATEMENT,
                opted_out=opted_out,
                marker=Span(marker.start(), marker.end()),
            )
        )
    return sections


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
