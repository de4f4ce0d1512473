"""Reading migration files: text that never raises, directory listings, and shared helpers.

Every format module reads through one `FileReader`, so the editor's unsaved text replaces a file's
disk content everywhere (detection, sibling files, the file itself), and a binary, non-UTF-8 or
unreadable file becomes a finding instead of an exception.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from pgmig_lsp.migrations.model import FormatProblem, Migration, Tool
from pgmig_lsp.source import SourceFile, Span

INVALID = "invalid-migration"

#: folders that never hold a project's own migrations (version control, dependencies, builds)
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        "target",
        "venv",
        ".venv",
        "__pycache__",
        "dist",
        "build",
        "vendor",
    }
)

#: other database engines: a folder named so (``migrations/mysql``), or a file whose name ends
#: with one before ``.up.sql`` (ory's ``…_identities.mysql.up.sql``), is that engine's version of
#: the migrations, not PostgreSQL's
OTHER_ENGINES = frozenset(
    {
        "mysql",
        "mariadb",
        "sqlite",
        "sqlite3",
        "mssql",
        "sqlserver",
        "oracle",
        "h2",
        "hsqldb",
        "derby",
        "db2",
        "clickhouse",
        "spanner",
        "tidb",
        "snowflake",
        "bigquery",
    }
)

_BOM = "\ufeff"


class Listing:
    """The entries of one directory, sorted by name (hidden entries included)."""

    __slots__ = ("_children", "_keys", "_prefix", "directory", "dirs", "files")

    def __init__(
        self,
        directory: Path,
        files: tuple[str, ...] = (),
        dirs: tuple[str, ...] = (),
        keys: dict[int, str] | None = None,
    ) -> None:
        self.directory = directory
        self.files = files
        self.dirs = dirs
        self._children: dict[str, Path] = {}
        self._keys = keys if keys is not None else {}
        self._prefix = os.path.join(os.fspath(directory), "")

    def sql_files(self) -> tuple[str, ...]:
        return tuple(name for name in self.files if name.endswith(".sql"))

    def key(self, name: str) -> str:
        """The string path of ``name`` in this directory, without building a `Path`."""
        return self._prefix + name

    def path(self, name: str) -> Path:
        """``directory / name``, built once; its string form is recorded for the reader, since
        pathlib builds paths and their strings slowly in bulk."""
        child = self._children.get(name)
        if child is None:
            child = self._children[name] = self.directory / name
            self._keys[id(child)] = self._prefix + name
        return child


class FileReader:
    """Reads files once per load, with the editor's unsaved texts taking precedence."""

    def __init__(self, overrides: Mapping[Path, str] | None = None) -> None:
        # keyed by str(path): hashing a str is cached, hashing a PurePath is not
        self._overrides = {os.fspath(path): text for path, text in (overrides or {}).items()}
        self._override_paths = tuple((overrides or {}).keys())
        self._files: dict[str, SourceFile] = {}
        self._bad: dict[str, str] = {}
        self._listings: dict[str, Listing] = {}
        # str forms of the paths the listings built (the paths stay alive in the listings)
        self._keys: dict[int, str] = {}

    def _key(self, path: Path) -> str:
        return self._keys.get(id(path)) or os.fspath(path)

    def read(self, path: Path) -> SourceFile:
        """The file's text; "" (and a `bad_input` message) when it is binary, not UTF-8 or
        unreadable."""
        key = self._key(path)
        cached = self._files.get(key)
        if cached is not None:
            return cached
        override = self._overrides.get(key)
        if override is not None:
            text = override[1:] if override.startswith(_BOM) else override
        else:
            text, problem = _decode(key)
            if problem is not None:
                self._bad[key] = problem
        source = SourceFile(path, text)
        self._files[key] = source
        return source

    def bad_input(self, path: Path) -> str | None:
        """Why the file could not be read as SQL text, or None."""
        key = self._key(path)
        if key not in self._files:
            self.read(path)
        return self._bad.get(key) if self._bad else None

    def overridden(self, path: Path | str) -> str | None:
        """The editor's text for ``path`` (a path or its string form), if it has one."""
        if not self._overrides:
            return None
        return self._overrides.get(path if isinstance(path, str) else self._key(path))

    def is_file(self, path: Path) -> bool:
        return os.fspath(path) in self._overrides or os.path.isfile(path)

    def config_text(self, path: Path) -> str | None:
        """A small configuration file's text, None when missing or unreadable."""
        override = self._overrides.get(os.fspath(path))
        if override is not None:
            return override
        try:
            with open(path, encoding="utf-8-sig") as handle:
                return handle.read()
        except (OSError, UnicodeDecodeError):
            return None

    def listing(self, directory: Path) -> Listing:
        """Files and sub-directories of ``directory`` (empty if it cannot be listed); unsaved
        files the editor knows of count as present."""
        key = os.fspath(directory)
        cached = self._listings.get(key)
        if cached is not None:
            return cached
        files: list[str] = []
        dirs: list[str] = []
        try:
            with os.scandir(key) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir():
                            dirs.append(entry.name)
                        else:
                            files.append(entry.name)
                    except OSError:
                        continue
        except OSError:
            pass
        for path in self._override_paths:
            if path.parent == directory and path.name not in files:
                files.append(path.name)
        listing = Listing(directory, tuple(sorted(files)), tuple(sorted(dirs)), self._keys)
        self._listings[key] = listing
        return listing


def _decode(path: str) -> tuple[str, str | None]:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        reason = exc.strerror or exc.__class__.__name__
        return "", f"cannot read this file ({reason}): the migration tool cannot run it either"
    if b"\x00" in data:
        return "", (
            "this is a binary file (it holds NUL bytes), not SQL text: the migration tool "
            "cannot run it"
        )
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        # plain "utf-8" decodes in C; "utf-8-sig" goes through a Python-level codec
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        return "", (
            f"this file is not valid UTF-8 (byte 0x{byte:02X} on line {line}): "
            "save it as UTF-8; PostgreSQL would reject or garble its text"
        )


def bad_input_problems(reader: FileReader, files: Iterable[SourceFile]) -> list[FormatProblem]:
    """An ``invalid-migration`` problem for each file that could not be read as SQL text."""
    problems = []
    for file in files:
        message = reader.bad_input(file.path)
        if message is not None:
            problems.append(FormatProblem(INVALID, message, file, Span(0, 0)))
    return problems


def unreadable_migration(
    tool: Tool, version: str | None, name: str, file: SourceFile, reader: FileReader
) -> Migration | None:
    """A migration with no sections when its main file is not SQL text, else None."""
    if reader.bad_input(file.path) is None:
        return None
    problems = bad_input_problems(reader, [file])
    return Migration(tool=tool, version=version, name=name, files=(file,), problems=problems)


def whole_file(file: SourceFile) -> Span:
    return Span(0, len(file.text))


def is_blank(text: str) -> bool:
    return not text or text.isspace()


def line_bounds(text: str, offset: int) -> tuple[int, int, int]:
    """(start, end without newline, start of the next line) of the line holding ``offset``."""
    start = text.rfind("\n", 0, offset) + 1
    newline = text.find("\n", offset)
    if newline == -1:
        return start, len(text), len(text)
    end = newline - 1 if newline > start and text[newline - 1] == "\r" else newline
    return start, end, newline + 1


def first_line(file: SourceFile) -> Span:
    """The first line of a file, for findings about the file as a whole."""
    start, end, _ = line_bounds(file.text, 0)
    return Span(start, end)


def problem(file: SourceFile, span: Span, message: str, rule: str = INVALID) -> FormatProblem:
    return FormatProblem(rule, message, file, span)


_LEADING_DIGITS = re.compile(r"(\d+)")


def leading_digits(name: str) -> str | None:
    match = _LEADING_DIGITS.match(name)
    return match.group(1) if match else None


def find_upwards(start: Path, names: tuple[str, ...], reader: FileReader) -> Path | None:
    """The nearest file named one of ``names`` in ``start`` or an ancestor, stopping at the
    repository root (the folder holding ``.git``)."""
    for directory in (start, *start.parents):
        for name in names:
            if reader.is_file(directory / name):
                return directory / name
        if (directory / ".git").exists():
            return None
    return None
