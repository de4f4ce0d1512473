"""A migration of its own for one statement that must not run in a transaction.

``CREATE INDEX CONCURRENTLY`` and its kin only work alone in a section that the tool runs
without a transaction block: this writes that migration, in the tool's own format, right after
the migration it comes from.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path

from pgmig_lsp.findings import Edit
from pgmig_lsp.migrations.model import Migration, Tool

_TIMESTAMP = re.compile(r"^\d{14}$")
_DIESEL_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}-\d{6}$")


def _next_timestamp(candidate: str, layout: str) -> str | None:
    try:
        stamp = dt.datetime.strptime(candidate, layout) + dt.timedelta(seconds=1)
    except ValueError:  # digits that are not a real date and time: count instead
        return None
    return stamp.strftime(layout)


def _next_version(version: str, taken: frozenset[str]) -> str:
    """The version right after ``version`` that no migration uses yet, in the same style."""
    candidate = version
    while True:
        following = None
        if _TIMESTAMP.match(candidate):
            following = _next_timestamp(candidate, "%Y%m%d%H%M%S")
        elif _DIESEL_STAMP.match(candidate):
            following = _next_timestamp(candidate, "%Y-%m-%d-%H%M%S")
        if following is not None:
            candidate = following
        elif candidate.isdigit():
            candidate = str(int(candidate) + 1).zfill(len(candidate))
        else:
            parts = candidate.split(".")
            candidate = (
                ".".join([*parts, "1"])
                if not parts[-1].isdigit()
                else ".".join([*parts[:-1], str(int(parts[-1]) + 1)])
            )
        if candidate not in taken:
            return candidate


def _taken_versions(directory: Path) -> frozenset[str]:
    try:
        stamp = directory.stat().st_mtime_ns
    except OSError:
        return frozenset()
    return _versions_in(directory, stamp)


@functools.lru_cache(maxsize=64)
def _versions_in(directory: Path, _mtime_ns: int) -> frozenset[str]:
    """Versions used by the files of a directory (cached until the directory changes)."""
    try:
        names = [p.name for p in directory.iterdir()]
    except OSError:
        return frozenset()
    return frozenset(v for v in map(migration_version, names) if v is not None)


_VERSION = re.compile(r"^[VU]?(\d[\d.\-_]*?\d|\d)(?:_|__)")


def migration_version(name: str) -> str | None:
    """The version a migration file or folder name starts with (``20240101000000_x.sql``,
    ``V2_1__x.sql``, ``2024-01-01-000000_x``), None for other names."""
    match = _VERSION.match(name)
    return match.group(1).replace("_", ".") if match else None


def standalone_migration(
    migration: Migration, name: str, up_sql: str, down_sql: str | None
) -> tuple[Edit, ...] | None:
    """Edits that create a migration holding only ``up_sql`` (and ``down_sql``), run without a
    transaction, placed right after ``migration``; None when the tool has no way to do that."""
    tool = migration.tool
    directory = migration.path.parent
    version = migration.version or "0"
    if tool in (Tool.DIESEL, Tool.PRISMA):
        directory = directory.parent
    new_version = _next_version(version, _taken_versions(directory))
    up = up_sql.rstrip().rstrip(";") + ";\n"
    down = (down_sql.rstrip().rstrip(";") + ";\n") if down_sql else ""
    irreversible = "" if down else "-- pgmig: irreversible\n"
    if tool is Tool.DBMATE:
        text = (
            f"-- migrate:up transaction:false\n{up}\n"
            f"-- migrate:down transaction:false\n{down or irreversible}"
        )
        return (Edit(directory / f"{new_version}_{name}.sql", None, text),)
    if tool is Tool.GOOSE:
        text = (
            f"-- +goose NO TRANSACTION\n-- +goose Up\n{up}\n-- +goose Down\n{down or irreversible}"
        )
        return (Edit(directory / f"{new_version}_{name}.sql", None, text),)
    if tool in (Tool.GOLANG_MIGRATE, Tool.SQLX):
        prefix = "-- no-transaction\n" if tool is Tool.SQLX else ""
        if tool is Tool.SQLX and not any(f.path.name.endswith(".up.sql") for f in migration.files):
            return (Edit(directory / f"{new_version}_{name}.sql", None, prefix + up),)
        return (
            Edit(directory / f"{new_version}_{name}.up.sql", None, prefix + up),
            Edit(
                directory / f"{new_version}_{name}.down.sql", None, prefix + (down or irreversible)
            ),
        )
    if tool is Tool.DIESEL:
        folder = directory / f"{new_version}_{name}"
        return (
            Edit(folder / "up.sql", None, up),
            Edit(folder / "down.sql", None, down or irreversible),
            Edit(folder / "metadata.toml", None, "run_in_transaction = false\n"),
        )
    if tool in (Tool.SUPABASE, Tool.PLAIN):
        return (Edit(directory / f"{new_version}_{name}.sql", None, up),)
    # Flyway's transactional advisory lock blocks CONCURRENTLY even alone (fixed in its config),
    # Prisma always wraps, sqitch needs its plan edited: no file fix.
    return None
