"""golang-migrate: ``<version>_<title>.up.sql`` and ``<version>_<title>.down.sql`` pairs.

golang-migrate (source/parse.go) pairs files by their numeric version and sends each file as one
query string without opening a transaction, so a file of several statements still runs in
PostgreSQL's implicit transaction; only a single-statement file runs outside one. A down file may
be empty (an irreversible step); a missing one is reported by ``missing-down``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pgmig_lsp.migrations.files import OTHER_ENGINES, FileReader, bad_input_problems, whole_file
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile

_FILE = re.compile(r"^(\d+)_(.*)\.(up|down)\.sql$")


def file_parts(name: str) -> tuple[str, str, SectionKind] | None:
    """(version, title, UP or DOWN) of a pair file name, None for other names (and for another
    engine's file of a multi-engine set: ``1_users.mysql.up.sql``)."""
    match = _FILE.match(name)
    if match is None or match.group(2).rpartition(".")[2].lower() in OTHER_ENGINES:
        return None
    kind = SectionKind.UP if match.group(3) == "up" else SectionKind.DOWN
    return match.group(1), match.group(2), kind


def _section(kind: SectionKind, file: SourceFile) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=whole_file(file),
        wrapped=False,
        delivery=Delivery.ONE_STRING,
    )


def build(
    version: str,
    title: str,
    up: SourceFile | None,
    down: SourceFile | None,
    reader: FileReader,
) -> Migration:
    """One migration from its up file and down file (either may be missing)."""
    files = tuple(file for file in (up, down) if file is not None)
    migration = Migration(tool=Tool.GOLANG_MIGRATE, version=version, name=title, files=files)
    migration.problems.extend(bad_input_problems(reader, files))
    for kind, file in ((SectionKind.UP, up), (SectionKind.DOWN, down)):
        if file is not None and reader.bad_input(file.path) is None:
            migration.sections.append(_section(kind, file))
    migration.down_expected = down is None
    return migration


def _group(names: tuple[str, ...]) -> dict[int, dict[SectionKind, list[tuple[str, str]]]]:
    """File names by numeric version, then by direction: (version as written, file name)."""
    groups: dict[int, dict[SectionKind, list[tuple[str, str]]]] = {}
    for name in names:
        parts = file_parts(name)
        if parts is None:
            continue
        version, _, kind = parts
        groups.setdefault(int(version), {}).setdefault(kind, []).append((version, name))
    return groups


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration of the directory, by numeric version, as golang-migrate applies them.

    A second up (or down) file with the same version becomes a migration of its own, so that
    the duplicate version is reported on it.
    """
    migrations = []
    listing = reader.listing(directory)
    groups = _group(listing.files)
    for number in sorted(groups):
        by_kind = groups[number]
        ups = by_kind.get(SectionKind.UP, [])
        downs = by_kind.get(SectionKind.DOWN, [])
        first_up = ups[0][1] if ups else None
        first_down = downs[0][1] if downs else None
        main = first_up or first_down
        assert main is not None
        parts = file_parts(main)
        assert parts is not None
        migration = build(
            parts[0],
            parts[1],
            reader.read(listing.path(first_up)) if first_up else None,
            reader.read(listing.path(first_down)) if first_down else None,
            reader,
        )
        if first_up is None:
            # a down file alone: nothing to expect, golang-migrate only fails when applying
            migration.down_expected = False
        migrations.append(migration)
        for _, extra in ups[1:] + downs[1:]:
            extra_parts = file_parts(extra)
            assert extra_parts is not None
            file = reader.read(listing.path(extra))
            is_up = extra_parts[2] is SectionKind.UP
            duplicate = build(
                extra_parts[0],
                extra_parts[1],
                file if is_up else None,
                None if is_up else file,
                reader,
            )
            duplicate.down_expected = False
            migrations.append(duplicate)
    return migrations


def load_file(path: Path, reader: FileReader) -> Migration | None:
    """The migration holding ``path`` (its pair file is read from the same directory)."""
    parts = file_parts(path.name)
    if parts is None:
        return None
    number = int(parts[0])
    by_kind = _group(reader.listing(path.parent).files).get(number, {})
    kind = parts[2]
    other_kind = SectionKind.DOWN if kind is SectionKind.UP else SectionKind.UP
    others = by_kind.get(other_kind, [])
    # pair with the sibling of the same title when there is one, else the first of that version
    other_name = next(
        (n for _, n in others if file_parts(n) == (parts[0], parts[1], other_kind)), None
    )
    if other_name is None and others:
        other_name = others[0][1]
    this = reader.read(path)
    other = reader.read(path.parent / other_name) if other_name else None
    up, down = (this, other) if kind is SectionKind.UP else (other, this)
    migration = build(parts[0], parts[1], up, down, reader)
    if up is None:
        migration.down_expected = False
    return migration
