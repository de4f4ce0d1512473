"""Go to definition, find references and workspace symbols over a directory's migrations.

Every statement of every migration is read for names once per file text (`NameIndex`); a
references request then looks at the statements that hold the object's name as a word, and
keeps the names that stand for the object (`objects.identify`, against the latest schema, so
that objects dropped since still count).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import attrs

from pgmig_lsp.catalog.model import Catalog, Origin, Table
from pgmig_lsp.editor import objects
from pgmig_lsp.editor.names import StatementNames, section_names
from pgmig_lsp.editor.objects import Found, ObjectId, identify
from pgmig_lsp.migrations.model import Migration, Section
from pgmig_lsp.source import SourceFile, Span


@attrs.frozen
class Mention:
    """A name in a migration that stands for an object."""

    path: Path
    #: the name as written
    span: Span
    #: its statement
    statement: Span
    #: the statement creates the object there
    defines: bool = False


@attrs.define(eq=False)
class FileText:
    """A file's text, lower-cased once (to skip files that cannot name an object)."""

    text: str
    lowered: str

    def may_name(self, name: str) -> bool:
        """Whether the identifier ``name`` may be written in the text (unquoted or quoted)."""
        written = name.replace('"', '""')
        return written in self.text or (written == written.lower() and written in self.lowered)


@attrs.define(eq=False)
class FileNames:
    """The names of one file's statements, and where each word is used."""

    text: str
    sections: tuple[Span, ...]
    statements: list[StatementNames]
    #: identifier → the indexes of the statements that hold it
    words: dict[str, list[int]]


class NameIndex:
    """The names of the statements of migration files, read once per file text.

    Not thread-safe: the language server uses it from its one worker thread.
    """

    def __init__(self) -> None:
        self._files: dict[Path, FileNames] = {}
        self._texts: dict[Path, FileText] = {}

    def text(self, file: SourceFile) -> FileText:
        known = self._texts.get(file.path)
        if known is None or known.text != file.text:
            known = self._texts[file.path] = FileText(file.text, file.text.lower())
        return known

    def file(self, file: SourceFile, sections: Sequence[Section]) -> FileNames:
        """The names of ``file``'s sections (read again only when the text changed)."""
        spans = tuple(section.span for section in sections)
        known = self._files.get(file.path)
        if known is not None and known.sections == spans and known.text == file.text:
            return known
        statements: list[StatementNames] = []
        for span in spans:
            statements.extend(section_names(file.text, span))
        words: dict[str, list[int]] = {}
        for number, statement in enumerate(statements):
            for word in {part for name in statement.names for part in name.parts}:
                words.setdefault(word, []).append(number)
        names = self._files[file.path] = FileNames(file.text, spans, statements, words)
        return names

    def migration(self, migration: Migration, word: str = "") -> Iterator[tuple[Path, FileNames]]:
        """The names of each file of ``migration`` (only of those that may hold ``word``)."""
        for file in migration.files:
            if word and not self.text(file).may_name(word):
                continue
            sections = [s for s in migration.sections if s.file.path == file.path]
            yield file.path, self.file(file, sections)

    def forget(self, keep: set[Path]) -> None:
        """Drop the files not in ``keep`` (deleted, or of a history no longer open)."""
        for space in (self._files, self._texts):
            for path in [p for p in space if p not in keep]:
                del space[path]


def references(
    target: ObjectId, migrations: Sequence[Migration], index: NameIndex, catalog: Catalog
) -> list[Mention]:
    """Every name in ``migrations`` that stands for ``target``, in file order.

    ``catalog`` decides what names stand for (the latest schema of the history): unqualified
    names follow its search path; a column named alone belongs to the first relation in scope
    that has it.
    """
    found: list[Mention] = []
    for migration in migrations:
        for path, names in index.migration(migration, target.name):
            found.extend(_mentions(target, path, names, catalog))
    return found


def _mentions(target: ObjectId, path: Path, names: FileNames, catalog: Catalog) -> list[Mention]:
    found = []
    for number in names.words.get(target.name, ()):
        statement = names.statements[number]
        for name in statement.names:
            for part, word in enumerate(name.parts):
                if word == target.name and identify(name, part, catalog, strict=False) == target:
                    found.append(Mention(path, name.spans[part], statement.span, name.defines))
    return found


def definitions(found: Found, migrations: Sequence[Migration], index: NameIndex) -> list[Mention]:
    """Where the object under the cursor was created: its origin statement, the name in it.

    Objects the catalog keeps no origin for (schemas, extensions) are found by the statement
    that creates them.
    """
    target = found.object
    by_path = _files_by_path(migrations)
    result = []
    for origin in objects.origins(target, found.catalog):
        result.append(_definition(target, origin, by_path, index, found.catalog))
    if not result and target.kind in (objects.SCHEMA, objects.EXTENSION):
        mentions = references(target, migrations, index, found.catalog)
        result = [m for m in mentions if m.defines][:1]
    return result


def _files_by_path(migrations: Sequence[Migration]) -> dict[Path, tuple[SourceFile, Migration]]:
    return {file.path: (file, migration) for migration in migrations for file in migration.files}


def _statement_names(
    origin: Origin,
    by_path: dict[Path, tuple[SourceFile, Migration]],
    index: NameIndex,
) -> StatementNames | None:
    """The names of the statement an origin points at."""
    known = by_path.get(origin.path)
    if known is None:
        return None
    file, migration = known
    names = index.file(file, [s for s in migration.sections if s.file.path == file.path])
    for statement in names.statements:
        if statement.span.start <= origin.span.start <= statement.span.end:
            return statement
    return None


def _definition(
    target: ObjectId,
    origin: Origin,
    by_path: dict[Path, tuple[SourceFile, Migration]],
    index: NameIndex,
    catalog: Catalog,
) -> Mention:
    """The origin statement, and the object's name in it where it is written."""
    statement = _statement_names(origin, by_path, index)
    if statement is not None:
        for name in statement.names:
            for part, word in enumerate(name.parts):
                if word == target.name and identify(name, part, catalog, strict=False) == target:
                    return Mention(origin.path, name.spans[part], origin.span, True)
    return Mention(origin.path, origin.span, origin.span, True)


def views_reading(
    table: ObjectId, catalog: Catalog, migrations: Sequence[Migration], index: NameIndex
) -> list[Table]:
    """The views and materialized views whose creating statement names ``table``."""
    views = [view for view in catalog.views() if view.origin is not None]
    if not views:
        return []
    by_path = _files_by_path(migrations)
    return [
        view
        for view in views
        if table.key in {t.key for t in _reads(view, catalog, by_path, index)}
    ]


def relations_read(
    view: ObjectId, catalog: Catalog, migrations: Sequence[Migration], index: NameIndex
) -> list[Table]:
    """The tables and views a view's creating statement names (what it reads)."""
    found = catalog.tables.get(view.key)
    if found is None or found.kind == "table":
        return []
    return _reads(found, catalog, _files_by_path(migrations), index)


def _reads(
    view: Table,
    catalog: Catalog,
    by_path: dict[Path, tuple[SourceFile, Migration]],
    index: NameIndex,
) -> list[Table]:
    statement = _statement_names(view.origin, by_path, index) if view.origin else None
    if statement is None:
        return []
    found: dict[tuple[str, str], Table] = {}
    for name in statement.names:
        if name.defines:
            continue
        for part in range(len(name.parts)):
            obj = identify(name, part, catalog)
            table = catalog.tables.get(obj.key) if obj is not None and obj.kind == "table" else None
            if table is not None and table.key != view.key:
                found.setdefault(table.key, table)
    return list(found.values())


# -- workspace symbols ----------------------------------------------------------------------------


@attrs.frozen
class CatalogSymbol:
    """A schema object with the statement that created it."""

    name: str
    #: ``table``, ``view``, ``materialized view``, ``type``, ``function``, ``index``,
    #: ``sequence``
    kind: str
    schema: str
    origin: Origin


def catalog_symbols(catalog: Catalog, query: str, limit: int = 1000) -> list[CatalogSymbol]:
    """The objects of ``catalog`` whose name matches ``query``, as a fuzzy search does (its
    characters in order, case ignored), best matches first."""
    matcher = _matcher(query)
    found: list[tuple[tuple[int, int, str], CatalogSymbol]] = []

    def add(name: str, kind: str, schema: str, origin: Origin | None) -> None:
        if origin is None:
            return
        rank = matcher(name)
        if rank is not None:
            found.append(((rank, len(name), name), CatalogSymbol(name, kind, schema, origin)))

    kinds = {"table": "table", "view": "view", "matview": "materialized view"}
    for table in catalog.tables.values():
        add(table.name, kinds.get(table.kind, "table"), table.schema, table.origin)
    for typedef in catalog.types.values():
        add(typedef.name, "type", typedef.schema, typedef.origin)
    for overloads in catalog.functions.values():
        for function in overloads:
            add(function.name, "function", function.schema, function.origin)
    for index in catalog.indexes.values():
        add(index.name, "index", index.schema, index.origin)
    for sequence in catalog.sequences.values():
        add(sequence.name, "sequence", sequence.schema, sequence.origin)
    found.sort(key=lambda item: item[0])
    return [symbol for _, symbol in found[:limit]]


def _matcher(query: str) -> Callable[[str], int | None]:
    """A function giving how well a name matches ``query`` (lower is better), or None."""
    wanted = query.lower()
    pattern = re.compile(".*?".join(re.escape(c) for c in wanted)) if wanted else None

    def rank(name: str) -> int | None:
        lowered = name.lower()
        if not wanted:
            return 2
        if lowered.startswith(wanted):
            return 0
        if wanted in lowered:
            return 1
        return 2 if pattern is not None and pattern.search(lowered) else None

    return rank
