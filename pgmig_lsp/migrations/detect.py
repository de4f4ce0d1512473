"""Which migration tool a directory belongs to (FORMATS.md, "Detection").

First match wins: the configuration; content markers (``-- migrate:up``, ``-- +goose Up``; when
both appear, the tool more files use); marker files (``sqitch.plan``, ``supabase/config.toml``,
``prisma/migrations/migration_lock.toml``, folders holding ``up.sql``, ``diesel.toml``,
``flyway.conf``/``flyway.toml``, a ``Cargo.toml`` depending on sqlx — the last three may sit in
an ancestor up to the repository root); file-name patterns (``V1__x.sql``, ``NNN_x.up.sql``);
plain. The markers of any other tool found in the directory itself are reported as conflicts
(rule ``mixed-formats``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import attrs

from pgmig_lsp.migrations import dbmate, diesel, flyway, golang_migrate, goose, prisma, sqitch
from pgmig_lsp.migrations.files import FileReader, Listing, find_upwards
from pgmig_lsp.migrations.model import Tool

_SQLX_DEPENDENCY = re.compile(
    r"""^\s*(?:sqlx\s*=|sqlx\s*\.|\[(?:[\w.'"-]+\.)?dependencies\.sqlx\])""", re.MULTILINE
)
_SQLX_FILE = re.compile(r"^\d+_.*\.sql$")


@attrs.frozen
class Marker:
    """Evidence of a tool in a directory."""

    tool: Tool
    #: the file (or folder) that shows it
    path: Path
    #: what was seen, for messages (e.g. "a `-- +goose Up` annotation")
    what: str


@attrs.frozen
class Detection:
    """The tool of a migration directory, and other tools' markers seen there."""

    tool: Tool
    #: other tools whose markers the directory also holds (rule ``mixed-formats``)
    conflicts: tuple[Tool, ...] = ()
    #: why this tool was chosen, for messages and ``pgmig`` output
    reason: str = ""
    #: the first marker of each conflicting tool
    markers: tuple[Marker, ...] = ()
    #: where the migrations live when it differs from the directory asked about (a project
    #: root holding ``supabase/migrations`` or ``prisma/migrations``); None when the same
    directory: Path | None = None


# content markers per file, keyed by path and validated by (mtime, size): the editor asks about
# one directory on every keystroke, and the siblings rarely change
_CONTENT_CACHE: dict[str, tuple[int, int, Tool | None]] = {}
_CACHE_LIMIT = 50_000


def content_tool(text: str) -> Tool | None:
    """The tool whose marker the text holds: dbmate's ``-- migrate:up`` or goose's Up."""
    if dbmate.has_up_marker(text):
        return Tool.DBMATE
    if goose.has_up_marker(text):
        return Tool.GOOSE
    return None


def _file_content_tool(
    listing: Listing, name: str, reader: FileReader, use_cache: bool
) -> Tool | None:
    if not use_cache:
        return content_tool(reader.read(listing.path(name)).text)
    # the editor's path: string keys and a stat, no Path objects for the unchanged siblings
    key = listing.key(name)
    override = reader.overridden(key)
    if override is not None:
        return content_tool(override)
    try:
        stat = os.stat(key)
    except OSError:
        return None
    cached = _CONTENT_CACHE.get(key)
    if cached is not None and cached[0] == stat.st_mtime_ns and cached[1] == stat.st_size:
        return cached[2]
    tool = content_tool(reader.read(listing.path(name)).text)
    if len(_CONTENT_CACHE) >= _CACHE_LIMIT:
        _CONTENT_CACHE.clear()
    _CONTENT_CACHE[key] = (stat.st_mtime_ns, stat.st_size, tool)
    return tool


def _name_tool(name: str) -> Tool | None:
    """The tool a file name alone points to (Flyway scripts, up/down pairs)."""
    if flyway.file_parts(name) is not None:
        return Tool.FLYWAY
    if golang_migrate.file_parts(name) is not None:
        return Tool.GOLANG_MIGRATE
    return None


def _has_sqlx(cargo: Path, reader: FileReader) -> bool:
    text = reader.config_text(cargo)
    return text is not None and _SQLX_DEPENDENCY.search(text) is not None


def _subfolders_holding(
    directory: Path, listing: Listing, name: str, reader: FileReader
) -> Path | None:
    for folder in listing.dirs:
        if not folder.startswith(".") and name in reader.listing(directory / folder).files:
            return directory / folder
    return None


def _local_markers(
    directory: Path, listing: Listing, reader: FileReader
) -> list[tuple[Marker, Path | None]]:
    """Marker files of the directory itself: (marker, migrations folder if elsewhere)."""
    found: list[tuple[Marker, Path | None]] = []
    if sqitch.PLAN in listing.files:
        found.append((Marker(Tool.SQITCH, directory / sqitch.PLAN, "a sqitch.plan"), None))
    elif sqitch.CONF in listing.files and reader.is_file(sqitch.layout(directory, reader).plan):
        found.append((Marker(Tool.SQITCH, directory / sqitch.CONF, "a sqitch.conf"), None))
    if directory.name == "migrations" and directory.parent.name == "supabase":
        config = directory.parent / "config.toml"
        if reader.is_file(config):
            found.append((Marker(Tool.SUPABASE, config, "a supabase/config.toml"), None))
    if "supabase" in listing.dirs and reader.is_file(directory / "supabase" / "config.toml"):
        found.append(
            (
                Marker(
                    Tool.SUPABASE, directory / "supabase" / "config.toml", "a supabase/config.toml"
                ),
                directory / "supabase" / "migrations",
            )
        )
    if prisma.LOCK_FILE in listing.files:
        found.append(
            (Marker(Tool.PRISMA, directory / prisma.LOCK_FILE, "a Prisma lock file"), None)
        )
    for sub in (Path("prisma") / "migrations", Path("migrations")):
        if reader.is_file(directory / sub / prisma.LOCK_FILE):
            found.append(
                (
                    Marker(Tool.PRISMA, directory / sub / prisma.LOCK_FILE, "a Prisma lock file"),
                    directory / sub,
                )
            )
            break
    folder = _subfolders_holding(directory, listing, diesel.UP, reader)
    if folder is not None:
        found.append((Marker(Tool.DIESEL, folder / diesel.UP, "a folder holding up.sql"), None))
    return found


def _ancestor_marker(directory: Path, listing: Listing, reader: FileReader) -> Marker | None:
    """diesel.toml, flyway.conf/flyway.toml or a sqlx Cargo.toml, here or in an ancestor, when
    the directory's file names fit that tool."""
    sql_files = listing.sql_files()
    config = find_upwards(directory, ("diesel.toml",), reader)
    if config is not None and not sql_files:
        return Marker(Tool.DIESEL, config, "a diesel.toml")
    config = find_upwards(directory, flyway.CONFIG_NAMES, reader)
    if config is not None and (
        not sql_files or any(flyway.file_parts(name) is not None for name in sql_files)
    ):
        return Marker(Tool.FLYWAY, config, f"a {config.name}")
    cargo = find_upwards(directory, ("Cargo.toml",), reader)
    while cargo is not None:
        if _has_sqlx(cargo, reader):
            if all(_SQLX_FILE.match(name) for name in sql_files):
                return Marker(Tool.SQLX, cargo, "a Cargo.toml depending on sqlx")
            return None
        # a crate inside a workspace: the workspace's Cargo.toml may hold the dependency
        parent = cargo.parent.parent
        if parent == cargo.parent or (cargo.parent / ".git").exists():
            break
        cargo = find_upwards(parent, ("Cargo.toml",), reader)
    return None


def detect_tool(
    directory: Path,
    forced: Tool | None = None,
    *,
    texts: Mapping[Path, str] | None = None,
    reader: FileReader | None = None,
    cache: bool = True,
    conflicts: bool = True,
) -> Detection:
    """The migration tool of ``directory`` and any other tool's markers found there.

    ``forced`` is the configured tool (no detection, no conflicts). ``texts`` are unsaved
    editor texts that replace files on disk; ``reader`` shares reads with a caller that loads
    the files next (then ``cache=False``: no point remembering markers of files read anyway).
    ``conflicts=False`` skips looking for other tools' markers (the editor's one-file path).
    """
    reader = reader or FileReader(texts)
    listing = reader.listing(directory)
    if forced is not None:
        # a project root given for Supabase or Prisma: the migrations sit below it
        redirect = next(
            (
                where
                for marker, where in _local_markers(directory, listing, reader)
                if marker.tool is forced and where is not None
            ),
            None,
        )
        return Detection(forced, reason="set in the configuration", directory=redirect)

    # file name -> tool, for the files that carry a content marker
    content: dict[str, Tool] = {}
    for name in listing.sql_files():
        found = _file_content_tool(listing, name, reader, cache)
        if found is not None:
            content[name] = found
    local = _local_markers(directory, listing, reader)

    tool: Tool
    reason: str
    elsewhere: Path | None = None
    if content:
        counts = {t: sum(1 for v in content.values() if v is t) for t in (Tool.DBMATE, Tool.GOOSE)}
        first = next(iter(content.values()))
        tool = max(counts, key=lambda t: (counts[t], t is first))
        marker = "`-- migrate:up` lines" if tool is Tool.DBMATE else "`-- +goose Up` annotations"
        reason = f"{counts[tool]} file(s) with {marker}"
    elif local:
        marker_, elsewhere = local[0]
        tool, reason = marker_.tool, f"{marker_.what} ({marker_.path.name})"
    elif directory.name == "migrations" and directory.parent.name == "supabase":
        # no config.toml (kept out of the repository): the folder's place is the Supabase CLI's
        # own convention; a weak marker, so it conflicts with no other tool's
        tool, reason = Tool.SUPABASE, "a supabase/migrations folder"
    else:
        ancestor = _ancestor_marker(directory, listing, reader)
        if ancestor is not None:
            tool, reason = ancestor.tool, f"{ancestor.what} ({ancestor.path})"
        else:
            tool, reason = _by_names(directory, listing, reader)

    markers = _conflicts(tool, listing, content, local) if conflicts else []
    return Detection(
        tool=tool,
        conflicts=tuple(m.tool for m in markers),
        reason=reason,
        markers=tuple(markers),
        directory=elsewhere,
    )


def _by_names(directory: Path, listing: Listing, reader: FileReader) -> tuple[Tool, str]:
    names = listing.sql_files()
    flyway_names = [n for n in names if flyway.file_parts(n) is not None]
    pair_names = [n for n in names if golang_migrate.file_parts(n) is not None]
    if flyway_names and len(flyway_names) >= len(pair_names):
        return Tool.FLYWAY, f"Flyway file names ({flyway_names[0]})"
    if pair_names:
        return Tool.GOLANG_MIGRATE, f"up/down file pairs ({pair_names[0]})"
    folder = _subfolders_holding(directory, listing, prisma.SCRIPT, reader)
    if folder is not None:
        return Tool.PRISMA, f"folders holding migration.sql ({folder.name})"
    return Tool.PLAIN, "no migration tool's marker"


def _conflicts(
    tool: Tool,
    listing: Listing,
    content: Mapping[str, Tool],
    local: list[tuple[Marker, Path | None]],
) -> list[Marker]:
    """The first marker of each other tool seen in the directory itself."""
    seen: dict[Tool, Marker] = {}
    for name, found in content.items():
        what = "a `-- migrate:up` line" if found is Tool.DBMATE else "a `-- +goose Up` annotation"
        seen.setdefault(found, Marker(found, listing.path(name), what))
    for marker, _ in local:
        seen.setdefault(marker.tool, marker)
    for name in listing.sql_files():
        if content.get(name) is tool:
            continue
        by_name = _name_tool(name)
        if by_name is Tool.GOLANG_MIGRATE and tool is Tool.SQLX:
            continue
        if by_name is not None and by_name not in seen:
            seen[by_name] = Marker(by_name, listing.path(name), f"the file name {name}")
    return [marker for found, marker in seen.items() if found is not tool]
