"""``pgmig new NAME``: a new, correctly named migration in the directory's format."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from pgmig_lsp.migrations.model import Migration, Tool

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """``Add user emails`` → ``add_user_emails``."""
    return _SLUG.sub("_", name.lower()).strip("_") or "migration"


def _next_sequence(existing: list[Migration], default_width: int = 6) -> str | None:
    """The next number when existing versions are sequence numbers, not timestamps."""
    numbers = [m.version for m in existing if m.version and m.version.isdigit()]
    if not numbers or any(len(n) >= 12 for n in numbers):
        return None
    width = max(len(n) for n in numbers) if numbers else default_width
    return str(max(int(n) for n in numbers) + 1).zfill(width)


def new_migration_files(
    directory: Path,
    tool: Tool,
    name: str,
    existing: list[Migration],
    now: dt.datetime | None = None,
) -> dict[Path, str]:
    """The files (path → text) of a new migration named ``name``; nothing is written."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y%m%d%H%M%S")
    name = slug(name)
    sequence = _next_sequence(existing)
    if tool is Tool.DBMATE:
        return {directory / f"{stamp}_{name}.sql": "-- migrate:up\n\n\n-- migrate:down\n\n"}
    if tool is Tool.GOOSE:
        version = sequence or stamp
        return {
            directory / f"{version}_{name}.sql": (
                "-- +goose Up\n-- +goose StatementBegin\n\n-- +goose StatementEnd\n\n"
                "-- +goose Down\n-- +goose StatementBegin\n\n-- +goose StatementEnd\n"
            )
        }
    if tool is Tool.GOLANG_MIGRATE:
        version = sequence or stamp
        return {
            directory / f"{version}_{name}.up.sql": "",
            directory / f"{version}_{name}.down.sql": "",
        }
    if tool is Tool.SQLX:
        paired = any(f.path.name.endswith(".up.sql") for m in existing for f in m.files)
        if paired or not existing:
            return {
                directory / f"{stamp}_{name}.up.sql": "",
                directory / f"{stamp}_{name}.down.sql": "",
            }
        return {directory / f"{stamp}_{name}.sql": ""}
    if tool is Tool.FLYWAY:
        versions = [m.version for m in existing if m.version]
        numeric = [int(v.split(".")[0]) for v in versions if v.split(".")[0].isdigit()]
        version = str(max(numeric) + 1) if numeric else "1"
        return {directory / f"V{version}__{name}.sql": ""}
    if tool is Tool.SUPABASE:
        return {directory / f"{stamp}_{name}.sql": ""}
    if tool is Tool.PRISMA:
        return {directory / f"{stamp}_{name}" / "migration.sql": ""}
    if tool is Tool.DIESEL:
        folder = directory / f"{now.strftime('%Y-%m-%d-%H%M%S')}_{name}"
        return {folder / "up.sql": "", folder / "down.sql": ""}
    if tool is Tool.SQITCH:
        root = directory
        return {
            root / "deploy" / f"{name}.sql": f"-- Deploy {name}\n\nBEGIN;\n\nCOMMIT;\n",
            root / "revert" / f"{name}.sql": f"-- Revert {name}\n\nBEGIN;\n\nCOMMIT;\n",
            root / "verify" / f"{name}.sql": f"-- Verify {name}\n\nBEGIN;\n\nROLLBACK;\n",
        }
    version = sequence or stamp
    return {directory / f"{version}_{name}.sql": ""}


def sqitch_plan_line(name: str, now: dt.datetime | None = None) -> str:
    """The line ``sqitch add`` appends to ``sqitch.plan`` for a change."""
    now = now or dt.datetime.now(dt.UTC)
    return f"{name} {now.strftime('%Y-%m-%dT%H:%M:%SZ')} pgmig <pgmig@localhost> # {name}\n"


def create_migration(
    directory: Path,
    tool: Tool,
    name: str,
    existing: list[Migration],
    now: dt.datetime | None = None,
) -> list[Path]:
    """Write a new migration named ``name`` (``pgmig new``); returns the paths written.

    Raises `FileExistsError` (nothing written) when one of its files exists already. A sqitch
    change is also appended to ``sqitch.plan``.
    """
    files = new_migration_files(directory, tool, name, existing, now)
    for path in files:
        if path.exists():
            raise FileExistsError(f"{path} already exists")
    written = []
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    if tool is Tool.SQITCH:
        plan = directory / "sqitch.plan"
        with plan.open("a", encoding="utf-8") as out:
            out.write(sqitch_plan_line(slug(name), now))
        written.append(plan)
    return written
