"""Go to definition, find references and workspace symbols (`pgmig_lsp.editor.navigation`)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lsprotocol import types
from pygls.uris import from_fs_path

from pgmig_lsp.editor import navigation, objects
from pgmig_lsp.editor.navigation import Mention
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.lsp.server import PgmigServer, Place, Snapshot
from pgmig_lsp.migrations.model import Migration
from pgmig_lsp.source import Span

_KINDS = {
    "table": types.SymbolKind.Class,
    "view": types.SymbolKind.Interface,
    "materialized view": types.SymbolKind.Interface,
    "type": types.SymbolKind.TypeParameter,
    "function": types.SymbolKind.Function,
    "index": types.SymbolKind.Key,
    "sequence": types.SymbolKind.Number,
}


class _Files:
    """Locations in a history's files, in the text their spans were read from."""

    def __init__(self, ls: PgmigServer, migrations: Sequence[Migration]) -> None:
        self.ls = ls
        self.texts = {file.path: file.text for m in migrations for file in m.files}
        self.indexes: dict[Path, LineIndex] = {}

    def range(self, path: Path, span: Span) -> types.Range | None:
        index = self.indexes.get(path)
        if index is None:
            text = self.texts.get(path)
            if text is None:
                return None
            index = self.indexes[path] = self.ls.line_index(text)
        return index.range(span)

    def location(self, path: Path, span: Span) -> types.Location | None:
        found = self.range(path, span)
        return None if found is None else types.Location(uri=_uri(path), range=found)


def _uri(path: Path) -> str:
    return from_fs_path(str(path)) or path.as_uri()


def _found(ls: PgmigServer, snapshot: Snapshot, offset: int) -> tuple[Place, objects.Found] | None:
    """The document's place in its history and the object under the cursor (worker thread)."""
    place = snapshot.place(ls)
    if place is None:
        return None
    found = objects.object_at(place.migration, snapshot.path, offset, place.before)
    return None if found is None else (place, found)


# -- definition --------------------------------------------------------------------------------


def _definition(
    ls: PgmigServer, snapshot: Snapshot, offset: int, links: bool
) -> list[types.Location] | list[types.LocationLink] | None:
    found = _found(ls, snapshot, offset)
    if found is None:
        return None
    place, target = found
    migrations = place.migrations()
    mentions = navigation.definitions(target, migrations, ls.names)
    files = _Files(ls, migrations)
    if links:
        origin = ls.line_index(snapshot.text).range(target.span)
        return [
            types.LocationLink(
                target_uri=_uri(m.path),
                target_range=statement,
                target_selection_range=name,
                origin_selection_range=origin,
            )
            for m in mentions
            if (statement := files.range(m.path, m.statement)) is not None
            and (name := files.range(m.path, m.span)) is not None
        ]
    return [location for m in mentions if (location := files.location(m.path, m.span)) is not None]


async def definition(
    ls: PgmigServer, params: types.DefinitionParams
) -> list[types.Location] | list[types.LocationLink] | None:
    snapshot = ls.snapshot(params.text_document.uri)
    if snapshot is None:
        return None
    offset = ls.line_index(snapshot.text).offset(params.position)
    links = ls.client_supports("text_document.definition.link_support")
    return await ls.checker.run(_definition, ls, snapshot, offset, links)


# -- references --------------------------------------------------------------------------------


def _references(
    ls: PgmigServer, snapshot: Snapshot, offset: int, declaration: bool
) -> list[types.Location] | None:
    found = _found(ls, snapshot, offset)
    if found is None:
        return None
    place, target = found
    migrations = place.migrations()
    # what names stand for is decided by the latest schema: objects dropped since still count
    catalog = place.latest() or target.catalog
    mentions: list[Mention] = navigation.references(target.object, migrations, ls.names, catalog)
    files = _Files(ls, migrations)
    return [
        location
        for m in mentions
        if (declaration or not m.defines)
        and (location := files.location(m.path, m.span)) is not None
    ]


async def references(ls: PgmigServer, params: types.ReferenceParams) -> list[types.Location] | None:
    snapshot = ls.snapshot(params.text_document.uri)
    if snapshot is None:
        return None
    offset = ls.line_index(snapshot.text).offset(params.position)
    declaration = params.context.include_declaration
    return await ls.checker.run(_references, ls, snapshot, offset, declaration)


# -- workspace symbols ------------------------------------------------------------------------


def _workspace_symbols(ls: PgmigServer, query: str) -> list[types.SymbolInformation]:
    """The objects of the latest schema of every history, by fuzzy name (worker thread)."""
    symbols: list[types.SymbolInformation] = []
    for history in ls.histories.loaded():
        catalog = Place.end_of(history)
        if catalog is None:
            continue
        files = _Files(ls, history.migrations)
        for symbol in navigation.catalog_symbols(catalog, query):
            origin = symbol.origin
            location = files.location(origin.path, origin.span)
            if location is not None:
                symbols.append(
                    types.SymbolInformation(
                        name=symbol.name,
                        kind=_KINDS.get(symbol.kind, types.SymbolKind.Object),
                        location=location,
                        container_name=symbol.schema,
                    )
                )
    return symbols


async def workspace_symbol(
    ls: PgmigServer, params: types.WorkspaceSymbolParams
) -> list[types.SymbolInformation]:
    return await ls.checker.run(_workspace_symbols, ls, params.query)


def register(ls: PgmigServer) -> None:
    ls.feature(types.TEXT_DOCUMENT_DEFINITION)(definition)
    ls.feature(types.TEXT_DOCUMENT_REFERENCES)(references)
    ls.feature(types.WORKSPACE_SYMBOL)(workspace_symbol)
