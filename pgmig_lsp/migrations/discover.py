"""Finding migration directories and loading them: the entry points of the format layer.

- `find_migration_dirs` walks a workspace (a monorepo may hold several directories of several
  tools) and returns each migration directory once.
- `load_directory` turns one directory into a `MigrationSet`: its tool, its migrations in the
  order the tool applies them, and the problems that belong to the set (``mixed-formats``,
  duplicate versions).
- `load_file` gives the one migration holding a file, with the editor's unsaved text, reading
  the sibling files a multi-file format needs (golang-migrate and sqlx pairs, diesel folders,
  sqitch deploy/revert/verify, Flyway undo scripts).

Loading reads files and scans their lines for the tools' markers; it never parses SQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Mapping
from pathlib import Path

import attrs

from pgmig_lsp.migrations import (
    dbmate,
    diesel,
    flyway,
    golang_migrate,
    goose,
    plain,
    prisma,
    sqitch,
    sqlx,
    supabase,
)
from pgmig_lsp.migrations.detect import Detection, detect_tool
from pgmig_lsp.migrations.files import (
    OTHER_ENGINES,
    SKIPPED_DIRS,
    FileReader,
    first_line,
    problem,
)
from pgmig_lsp.migrations.model import FormatProblem, Migration, Tool

MIXED_FORMATS = "mixed-formats"
MIGRATION_ORDER = "migration-order"


@attrs.define(eq=False)
class MigrationSet:
    """The migrations of one directory, as its tool sees them."""

    directory: Path
    tool: Tool
    #: in the order the tool applies them
    migrations: list[Migration]
    #: problems about the set rather than one migration's text (mixed formats, duplicate
    #: versions); each is attached to the file it should be shown on
    problems: list[FormatProblem]
    detection: Detection

    def migration_for(self, path: Path) -> Migration | None:
        """The migration one of whose files is ``path``."""
        for migration in self.migrations:
            if migration.file_for(path) is not None:
                return migration
        return None


def _load_dir(
    tool: Tool, directory: Path, reader: FileReader, plain_wrapped: bool
) -> list[Migration]:
    match tool:
        case Tool.DBMATE:
            return dbmate.load(directory, reader)
        case Tool.GOOSE:
            return goose.load(directory, reader)
        case Tool.GOLANG_MIGRATE:
            return golang_migrate.load(directory, reader)
        case Tool.FLYWAY:
            return flyway.load(directory, reader)
        case Tool.SQITCH:
            return sqitch.load(directory, reader)
        case Tool.SUPABASE:
            return supabase.load(directory, reader)
        case Tool.PRISMA:
            return prisma.load(directory, reader)
        case Tool.DIESEL:
            return diesel.load(directory, reader)
        case Tool.SQLX:
            return sqlx.load(directory, reader)
        case Tool.PLAIN:
            return plain.load(directory, reader, wrapped=plain_wrapped)


def _load_one(tool: Tool, path: Path, reader: FileReader, plain_wrapped: bool) -> Migration | None:
    match tool:
        case Tool.DBMATE:
            return dbmate.load_file(path, reader)
        case Tool.GOOSE:
            return goose.load_file(path, reader)
        case Tool.GOLANG_MIGRATE:
            return golang_migrate.load_file(path, reader)
        case Tool.FLYWAY:
            return flyway.load_file(path, reader)
        case Tool.SQITCH:
            return sqitch.load_file(path, reader)
        case Tool.SUPABASE:
            return supabase.load_file(path, reader)
        case Tool.PRISMA:
            return prisma.load_file(path, reader)
        case Tool.DIESEL:
            return diesel.load_file(path, reader)
        case Tool.SQLX:
            return sqlx.load_file(path, reader)
        case Tool.PLAIN:
            return plain.load_file(path, reader, wrapped=plain_wrapped)


def _numeric(version: str) -> Hashable:
    return int(version) if version.isdigit() else version


#: how each tool compares versions when it looks for duplicates; None: it does not key on them
_VERSION_KEYS: dict[Tool, Callable[[str], Hashable] | None] = {
    Tool.DBMATE: str,
    Tool.GOOSE: _numeric,
    Tool.GOLANG_MIGRATE: _numeric,
    Tool.FLYWAY: flyway.version_key,
    Tool.SQITCH: str,
    Tool.SUPABASE: str,
    # Prisma keys migrations by folder name, which the file system keeps unique
    Tool.PRISMA: None,
    Tool.DIESEL: str,
    Tool.SQLX: _numeric,
    Tool.PLAIN: None,
}


def _duplicates(migrations: list[Migration]) -> list[FormatProblem]:
    """A ``migration-order`` error on each later migration that reuses an earlier version."""
    problems = []
    seen: dict[Hashable, Migration] = {}
    for migration in migrations:
        key_of = _VERSION_KEYS[migration.tool]
        if key_of is None or migration.version is None:
            continue
        key = key_of(migration.version)
        first = seen.get(key)
        if first is None:
            seen[key] = migration
            continue
        problems.append(
            problem(
                migration.files[0],
                first_line(migration.files[0]),
                f"version {migration.version} is already used by {first.path.name}: "
                f"{migration.tool.value} cannot apply both migrations. Give this one a new "
                "version",
                rule=MIGRATION_ORDER,
            )
        )
    return problems


def _mixed(detection: Detection, migrations: list[Migration]) -> list[FormatProblem]:
    if not detection.markers or not migrations:
        return []
    seen = ", ".join(
        f"{marker.what} of {marker.tool.value} ({marker.path.name})" for marker in detection.markers
    )
    file = migrations[0].files[0]
    return [
        problem(
            file,
            first_line(file),
            f"this directory mixes migration tools: it is read as {detection.tool.value} "
            f"({detection.reason}) but also holds {seen}. Keep one tool's migrations per "
            "directory, or set the tool in the configuration",
            rule=MIXED_FORMATS,
        )
    ]


#: tools whose migrations are folders (the migration directory is the folder's parent)
FOLDER_TOOLS = frozenset({Tool.DIESEL, Tool.PRISMA, Tool.SQITCH})


def history_directory(migration: Migration) -> Path:
    """The migration directory whose history holds ``migration``."""
    path = migration.path
    return path.parent.parent if migration.tool in FOLDER_TOOLS else path.parent


def load_directory(
    directory: Path,
    tool: Tool | None = None,
    *,
    texts: Mapping[Path, str] | None = None,
    plain_wrapped: bool = True,
) -> MigrationSet:
    """Every migration of ``directory``, in the order its tool applies them.

    ``tool`` is the configured tool (None: detect it). ``texts`` are unsaved editor texts that
    replace files on disk. ``plain_wrapped`` is whether plain SQL files run in a transaction.
    """
    reader = FileReader(texts)
    detection = detect_tool(directory, tool, reader=reader, cache=False)
    folder = detection.directory or directory
    migrations = _load_dir(detection.tool, folder, reader, plain_wrapped)
    problems = _mixed(detection, migrations) + _duplicates(migrations)
    return MigrationSet(
        directory=folder,
        tool=detection.tool,
        migrations=migrations,
        problems=problems,
        detection=detection,
    )


def load_file(
    path: Path,
    text: str | None = None,
    tool: Tool | None = None,
    *,
    plain_wrapped: bool = True,
) -> Migration | None:
    """The migration that holds ``path``, with ``text`` (the editor's) instead of the disk's.

    The tool is ``tool`` or detected from the file's directory; sibling files of multi-file
    formats are read from disk. None when the file is not SQL or its tool would not run it
    (e.g. ``schema.sql`` in a dbmate directory).
    """
    reader = FileReader({path: text} if text is not None else None)
    if tool in (None, Tool.SQITCH):
        found = sqitch.load_file(path, reader)
        if found is not None or tool is Tool.SQITCH:
            return found
    if not path.name.endswith(".sql"):
        return None
    is_diesel_file = path.name in (diesel.UP, diesel.DOWN)
    if tool is None and is_diesel_file and diesel.UP in reader.listing(path.parent).files:
        return diesel.load_file(path, reader)
    if tool is None and path.name == prisma.SCRIPT:
        return prisma.load_file(path, reader)
    if tool is None and {diesel.UP, prisma.SCRIPT} & set(reader.listing(path.parent).files):
        # another file in a diesel or Prisma migration folder: the tool never runs it
        return None
    if tool in (Tool.DIESEL, Tool.PRISMA):
        return _load_one(tool, path, reader, plain_wrapped)
    detection = detect_tool(path.parent, tool, reader=reader, conflicts=False)
    return _load_one(detection.tool, path, reader, plain_wrapped)


_VERSIONED_NAME = re.compile(r"^\d")


def _holds_migrations(name: str, sql_files: list[str]) -> bool:
    """Whether a folder's own .sql files look like migrations (not a schema dump or queries)."""
    if any(_VERSIONED_NAME.match(f) or flyway.file_parts(f) is not None for f in sql_files):
        return True
    return bool(sql_files) and "migrat" in name.lower()


@attrs.frozen
class _Visit:
    found: list[Path]
    #: the folder is one migration of a per-folder format (diesel up.sql, Prisma migration.sql)
    migration_folder: bool = False
    #: the folder holds Flyway scripts itself
    flyway: bool = False


def _visit(directory: Path) -> _Visit:
    files: list[str] = []
    dirs: list[str] = []
    try:
        with os.scandir(directory) as entries:
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if (
                            not entry.name.startswith(".")
                            and entry.name not in SKIPPED_DIRS
                            and entry.name.lower() not in OTHER_ENGINES
                        ):
                            dirs.append(entry.name)
                    elif entry.name.endswith((".sql", ".plan")):
                        files.append(entry.name)
                except OSError:
                    continue
    except OSError:
        return _Visit([])
    dirs.sort()

    if sqitch.PLAN in files:
        # a sqitch project: its script folders are part of it
        lay = sqitch.layout(directory, FileReader())
        scripts = {folder for _, folder in lay.script_dirs()}
        found = [directory]
        for name in dirs:
            if directory / name not in scripts:
                found.extend(_visit(directory / name).found)
        return _Visit(found)

    migration_folder = diesel.UP in files or prisma.SCRIPT in files
    sql_files = [f for f in files if f.endswith(".sql")]
    own = _holds_migrations(directory.name, sql_files) and not migration_folder
    flyway_dir = any(flyway.file_parts(f) is not None for f in sql_files)
    found = []
    holds_folders = False
    for name in dirs:
        child = _visit(directory / name)
        if child.migration_folder:
            # one migration of this directory's set (diesel, Prisma), not a set of its own
            holds_folders = True
        elif flyway_dir and child.flyway:
            # Flyway scans its location recursively: the sub-folder's scripts are this set's
            found.extend(p for p in child.found if p != directory / name)
        else:
            found.extend(child.found)
    if own or holds_folders:
        found.insert(0, directory)
    return _Visit(found, migration_folder, flyway_dir)


def find_migration_dirs(root: Path) -> list[Path]:
    """Every directory under ``root`` (itself included) that holds migrations, sorted.

    Version control, dependency, build, virtualenv and hidden folders are skipped, and so are
    folders named after another database engine (``mysql``, ``sqlite``, …). A folder is
    returned once with its whole set: the per-migration folders of diesel and Prisma, a sqitch
    project's deploy/revert/verify folders and a Flyway location's sub-folders are not returned
    on their own.
    """
    return sorted(_visit(root).found)
