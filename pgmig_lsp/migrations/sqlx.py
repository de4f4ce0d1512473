"""sqlx (Rust): ``<version>_<description>.sql``, or ``.up.sql`` / ``.down.sql`` pairs.

Mirrors sqlx-core's migrate/source.rs: the name is split at its first ``_``, the part before must
be an integer version, and a file whose text starts with ``-- no-transaction`` runs outside
sqlx's transaction. The file is still sent as one query string (``conn.execute(sql)``), so a file
of several statements runs in PostgreSQL's implicit transaction anyway. A simple ``.sql``
migration is irreversible by design: no down is expected; an ``.up.sql`` expects its
``.down.sql``.
"""

from __future__ import annotations

import re
from pathlib import Path

from pgmig_lsp.migrations.files import (
    FileReader,
    bad_input_problems,
    line_bounds,
    problem,
    whole_file,
)
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile, Span

NO_TRANSACTION = "-- no-transaction"
_SUFFIX = re.compile(r"\.(up|down)\.sql$")


def file_parts(name: str) -> tuple[str, str, SectionKind | None] | None:
    """(version, description, UP/DOWN or None for a simple migration) of a file name sqlx
    reads; None when sqlx ignores the file. The version may be non-numeric (sqlx refuses it)."""
    if not name.endswith(".sql") or "_" not in name:
        return None
    version, rest = name.split("_", 1)
    suffix = _SUFFIX.search(rest)
    if suffix is None:
        return version, rest[: -len(".sql")].replace("_", " "), None
    kind = SectionKind.UP if suffix.group(1) == "up" else SectionKind.DOWN
    return version, rest[: suffix.start()].replace("_", " "), kind


def _section(kind: SectionKind, file: SourceFile) -> Section:
    text = file.text
    if text.startswith(NO_TRANSACTION):
        start, end, body = line_bounds(text, 0)
        return Section(
            kind=kind,
            file=file,
            span=Span(body, len(text)),
            wrapped=False,
            delivery=Delivery.ONE_STRING,
            opted_out=True,
            marker=Span(start, end),
        )
    return Section(
        kind=kind, file=file, span=whole_file(file), wrapped=True, delivery=Delivery.ONE_STRING
    )


def build(
    version: str,
    description: str,
    up: SourceFile | None,
    down: SourceFile | None,
    reader: FileReader,
    *,
    reversible: bool,
) -> Migration:
    files = tuple(file for file in (up, down) if file is not None)
    migration = Migration(tool=Tool.SQLX, version=version, name=description, files=files)
    migration.problems.extend(bad_input_problems(reader, files))
    for kind, file in ((SectionKind.UP, up), (SectionKind.DOWN, down)):
        if file is not None and reader.bad_input(file.path) is None:
            migration.sections.append(_section(kind, file))
    migration.down_expected = reversible and up is not None and down is None
    if not version.isdigit():
        migration.problems.append(
            problem(
                files[0],
                Span(0, line_bounds(files[0].text, 0)[1]),
                f"sqlx refuses to run this directory: `{files[0].path.name}` has no integer "
                "version before its first `_` (e.g. `20240101120000_add_users.sql`)",
            )
        )
    return migration


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), version) if version.isdigit() else (-1, version)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration of a sqlx directory, by version, as sqlx applies them."""
    simple: list[tuple[str, str, str]] = []
    pairs: dict[str, dict[SectionKind, tuple[str, str]]] = {}
    listing = reader.listing(directory)
    for name in listing.files:
        parts = file_parts(name)
        if parts is None:
            continue
        version, description, kind = parts
        if kind is None:
            simple.append((version, description, name))
        else:
            pairs.setdefault(version, {}).setdefault(kind, (description, name))
    migrations = []
    for version, description, name in simple:
        file = reader.read(listing.path(name))
        migrations.append(build(version, description, file, None, reader, reversible=False))
    for version, by_kind in pairs.items():
        up = by_kind.get(SectionKind.UP)
        down = by_kind.get(SectionKind.DOWN)
        description = (up or down or ("", ""))[0]
        migrations.append(
            build(
                version,
                description,
                reader.read(listing.path(up[1])) if up else None,
                reader.read(listing.path(down[1])) if down else None,
                reader,
                reversible=True,
            )
        )
    migrations.sort(key=lambda m: (_version_key(m.version or ""), m.path.name))
    return migrations


def load_file(path: Path, reader: FileReader) -> Migration | None:
    """The migration holding ``path`` (with its pair file, for reversible migrations)."""
    parts = file_parts(path.name)
    if parts is None:
        return None
    version, description, kind = parts
    this = reader.read(path)
    if kind is None:
        return build(version, description, this, None, reader, reversible=False)
    other_kind = SectionKind.DOWN if kind is SectionKind.UP else SectionKind.UP
    other_name = next(
        (
            name
            for name in reader.listing(path.parent).files
            if (found := file_parts(name)) is not None
            and found[0] == version
            and found[2] is other_kind
        ),
        None,
    )
    other = reader.read(path.parent / other_name) if other_name else None
    up, down = (this, other) if kind is SectionKind.UP else (other, this)
    return build(version, description, up, down, reader, reversible=True)
