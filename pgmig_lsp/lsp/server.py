"""``pgmig serve``: the pygls language server and the state its handlers share.

Handlers live in one module per feature area (`diagnostics`, `actions`, `hover`, `symbols`,
`navigation`, `completion`, `commands`, `workspace`); each registers itself on the server
`create_server` builds. All core
work (loading, replaying, analyzing) runs on the `Checker`'s one worker thread, so the event loop
keeps reading messages and a newer edit can supersede an older one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import attrs
from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from pgmig_lsp import __version__
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.editor.completion import Completer
from pgmig_lsp.editor.navigation import NameIndex
from pgmig_lsp.history import DocumentCheck, Histories, History
from pgmig_lsp.lsp.checking import Checker
from pgmig_lsp.lsp.configuration import SettingsResolver
from pgmig_lsp.lsp.diagnostics import wire_converter
from pgmig_lsp.lsp.positions import LineIndex, LspWorkspace
from pgmig_lsp.migrations.discover import history_directory, load_file
from pgmig_lsp.migrations.model import Migration
from pgmig_lsp.runtime import INTERACTIVE, tune_collector

#: how often the server checks that the editor that started it still runs (seconds)
PARENT_POLL = 1.0

logger = logging.getLogger("pgmig.lsp")


@attrs.frozen
class Snapshot:
    """An open document at one version, with its check when that is for this version."""

    path: Path
    text: str
    version: int | None
    check: DocumentCheck | None
    #: the document's last check, whatever version it is for (its history and position still
    #: hold while the user types)
    last: DocumentCheck | None = None

    def migration(self, ls: PgmigServer) -> Migration | None:
        """The document's migration (worker thread)."""
        if self.check is not None:
            return self.check.migration
        from pgmig_lsp.lsp.configuration import configured_tool

        settings = ls.resolver.for_file(self.path)
        return load_file(self.path, text=self.text, tool=configured_tool(settings))

    def place(self, ls: PgmigServer) -> Place | None:
        """The document's migration, its history and the schema before it (worker thread).

        From the document's last check when there is one; the schema is None while the history
        is not replayed that far (`History.before`).
        """
        migration = self.migration(ls)
        if migration is None:
            return None
        last = self.last
        if last is not None and last.history is not None and last.position is not None:
            return Place(migration, last.history, last.position, last.history.before(last.position))
        from pgmig_lsp.lsp.configuration import configured_tool

        tool = configured_tool(ls.resolver.for_file(self.path))
        history = ls.histories.get(history_directory(migration), tool, ls.open_texts())
        position = history.position(self.path)
        if position is None:
            # a new file the history has not read yet: it will run after the others
            return Place(migration, history, None, Place.end_of(history))
        return Place(migration, history, position, history.before(position))


@attrs.frozen
class Place:
    """Where an open document stands in its directory's history."""

    migration: Migration
    history: History | None
    position: int | None
    #: the schema before the migration (None: not known yet)
    before: Catalog | None

    def migrations(self) -> list[Migration]:
        """The directory's migrations, this document's as the editor has it."""
        if self.history is None:
            return [self.migration]
        found = list(self.history.migrations)
        if self.position is None:
            found.append(self.migration)
        elif self.position < len(found):
            found[self.position] = self.migration
        return found

    def latest(self) -> Catalog | None:
        """The schema after the whole history (replayed now if it has to be)."""
        return None if self.history is None else Place.end_of(self.history)

    @staticmethod
    def end_of(history: History) -> Catalog | None:
        end = len(history.migrations)
        return history.before(end, budget=end)


class PgmigServer(LanguageServer):
    """The language server, holding what the handlers share."""

    def __init__(self) -> None:
        super().__init__(
            "pgmig",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            converter_factory=wire_converter,
        )
        self.resolver = SettingsResolver()
        self.histories = Histories()
        #: the names in every statement of the histories' migrations (find references)
        self.names = NameIndex()
        #: completion, keeping the schema before the statement being typed
        self.completer = Completer()
        self.checker = Checker(self)
        #: raw ``initializationOptions`` were read (the editor's values apply from the start)
        self.initialized = False

    # -- client capabilities -------------------------------------------------------------------

    def client_supports(self, path: str) -> bool:
        """Whether a dotted client capability (snake_case attributes) is set and truthy."""
        value: Any = self.client_capabilities
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return False
        return bool(value)

    @property
    def pull_diagnostics(self) -> bool:
        """The client pulls diagnostics: pushing them too would show each one twice."""
        return self.client_supports("text_document.diagnostic")

    # -- messages to the user -----------------------------------------------------------------

    def log(self, message: str, kind: types.MessageType = types.MessageType.Log) -> None:
        """A line in the editor's log (the output channel)."""
        try:
            self.window_log_message(types.LogMessageParams(type=kind, message=message))
        except Exception:  # the client went away: nothing to tell
            logger.warning("cannot log to the client: %s", message)

    def show(self, message: str, kind: types.MessageType = types.MessageType.Warning) -> None:
        """A message the user sees (and the log gets too)."""
        self.log(message, kind)
        try:
            self.window_show_message(types.ShowMessageParams(type=kind, message=message))
        except Exception:
            logger.warning("cannot show a message: %s", message)

    def log_exception(self, what: str, error: BaseException) -> None:
        """Log an unexpected error with its traceback; the server goes on."""
        trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        self.log(f"pgmig: {what} failed: {error!r}\n{trace}", types.MessageType.Error)

    def report_server_error(self, error: Exception, source: Any) -> None:
        """pygls calls this for a handler's exception (a request is also answered with it)."""
        self.log_exception(getattr(source, "__name__", "a handler"), error)

    # -- documents and paths ------------------------------------------------------------------

    def document(self, uri: str) -> TextDocument | None:
        """The open document ``uri`` (pygls keys documents by the unquoted URI)."""
        found: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return found

    def line_index(self, text: str) -> LineIndex:
        return LineIndex(text, self.workspace.position_codec)

    def snapshot(self, uri: str) -> Snapshot | None:
        """An open document's path, text, version and last check (None: not open, not a file)."""
        document = self.document(uri)
        path = uri_path(uri)
        if document is None or path is None:
            return None
        state = self.checker.documents.get(uri)
        last = state.check if state is not None else None
        check = last if state is not None and state.version == document.version else None
        return Snapshot(path, document.source, document.version, check, last)

    def open_document(self, path: Path) -> TextDocument | None:
        """The open document of ``path`` (URIs of one file may be spelled differently)."""
        for uri, document in self.workspace.text_documents.items():
            if uri_path(uri) == path:
                found: TextDocument = document
                return found
        return None

    def open_texts(self) -> dict[Path, str]:
        """The unsaved texts of every open document, by path."""
        texts = {}
        for uri, document in self.workspace.text_documents.items():
            path = uri_path(uri)
            if path is not None:
                texts[path] = document.source
        return texts

    def use_lsp_lines(self) -> None:
        """Give the workspace documents that split lines as LSP does (see `positions`)."""
        old = self.workspace
        self.protocol._workspace = LspWorkspace(  # pygls builds it in initialize
            old.root_uri,
            types.TextDocumentSyncKind.Incremental,
            list(old.folders.values()),
            old.position_encoding,
        )


def uri_path(uri: str) -> Path | None:
    """The file system path of a ``file:`` URI (None for other schemes)."""
    if not uri.startswith("file:"):
        return None
    path = to_fs_path(uri)
    return Path(path) if path else None


async def watch_parent(ls: PgmigServer, pid: int) -> None:
    """Exit when the editor process that started the server is gone."""
    while True:
        await asyncio.sleep(PARENT_POLL)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            logger.warning("the editor (process %s) is gone: exiting", pid)
            ls.checker.stop()
            os._exit(0)
        except PermissionError:  # alive, owned by another user
            pass


def create_server() -> PgmigServer:
    """The server with every feature registered."""
    from pgmig_lsp.lsp import (
        actions,
        commands,
        completion,
        diagnostics,
        hover,
        navigation,
        symbols,
        workspace,
    )

    ls = PgmigServer()
    features = (workspace, diagnostics, actions, hover, symbols, navigation, completion, commands)
    for feature in features:
        feature.register(ls)
    return ls


def serve(tcp: tuple[str, int] | None = None) -> int:
    """Run the server on stdio, or on a TCP port (for debugging)."""
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="pgmig: %(message)s")
    ls = create_server()
    # a full sweep over a large replayed history stalled edits by tens of milliseconds
    tune_collector(INTERACTIVE)
    try:
        if tcp is not None:
            ls.start_tcp(*tcp)
        else:
            ls.start_io()
    finally:
        ls.checker.stop()
    # LSP: exit status 1 when the client sent `exit` (or went away) without `shutdown`
    return 0 if getattr(ls.protocol, "_shutdown", False) else 1
