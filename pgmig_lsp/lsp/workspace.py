"""The workspace: initialization, settings, migration directories, watched files, progress.

On ``initialized`` the server reads the editor's settings, registers its file watchers (when the
client allows dynamic registration), finds the migration directories of each workspace folder
and replays their histories, reporting ``$/progress``.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from pgmig_lsp.config import CONFIG_FILES
from pgmig_lsp.history import History
from pgmig_lsp.lsp.checking import REPLAY_STEP
from pgmig_lsp.lsp.configuration import EditorSettings, configured_tool, read_editor_settings
from pgmig_lsp.runtime import settle_heap
from pgmig_lsp.workspace import configured_dirs

if TYPE_CHECKING:
    from pgmig_lsp.lsp.server import PgmigServer

SECTION = "pgmig"
#: files of the migration tools that change how their migrations run (Flyway's settings, in
#: its own files or Spring Boot's; diesel's and Supabase's markers)
TOOL_CONFIG_NAMES = frozenset(
    {
        "flyway.conf",
        "flyway.toml",
        "application.properties",
        "application.yml",
        "application.yaml",
        "diesel.toml",
        "config.toml",
    }
)

#: what the server watches (migrations, sqitch plans, config files, the tools' settings)
WATCHED = (
    "**/*.sql",
    "**/sqitch.plan",
    "**/pgmig.toml",
    "**/pyproject.toml",
    *(f"**/{name}" for name in sorted(TOOL_CONFIG_NAMES)),
)

_tokens = itertools.count(1)


def _options(value: Any) -> Any:
    """``initializationOptions`` may hold the settings, or ``{"pgmig": settings}``."""
    if isinstance(value, dict) and isinstance(value.get(SECTION), dict):
        return value[SECTION]
    return value


def initialize(ls: PgmigServer, params: types.InitializeParams) -> None:
    from pgmig_lsp.lsp.server import uri_path, watch_parent

    ls.use_lsp_lines()
    settings, messages = read_editor_settings(
        _options(params.initialization_options), "initializationOptions"
    )
    ls.resolver.initialization = settings
    ls.resolver.pending.extend(messages)
    folders = [uri_path(folder.uri) for folder in params.workspace_folders or ()]
    if not folders and params.root_uri:
        folders = [uri_path(params.root_uri)]
    ls.resolver.set_folders([folder for folder in folders if folder is not None])
    if params.process_id:
        ls.checker.spawn(watch_parent(ls, params.process_id), "watching the editor process")


def exit_server(ls: PgmigServer, params: None) -> None:
    """``exit``: stop the worker; over TCP also stop listening (pygls only ends the connection)."""
    ls.checker.stop()
    if ls._server is not None:  # the TCP server
        ls.shutdown()  # type: ignore[no-untyped-call]


async def initialized(ls: PgmigServer, params: types.InitializedParams) -> None:
    try:
        await read_configuration(ls)
    finally:
        ls.checker.configured.set()
    ls.checker.show_messages(await ls.checker.run(ls.resolver.take_messages))
    await register_watchers(ls)
    ls.checker.spawn(index(ls, list(ls.resolver.folders)), "indexing the workspace")


async def read_configuration(ls: PgmigServer) -> None:
    """Ask the client for the ``pgmig`` section, per workspace folder."""
    if not ls.client_supports("workspace.configuration"):
        return
    scopes: list[Path | None] = [*ls.resolver.folders] or [None]
    items = [
        types.ConfigurationItem(section=SECTION, scope_uri=scope.as_uri() if scope else None)
        for scope in scopes
    ]
    try:
        answers = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as exc:
        ls.log(f"pgmig: the editor did not send its settings: {exc!r}", types.MessageType.Warning)
        return
    editor: dict[Path | None, EditorSettings] = {}
    messages: list[str] = []
    for scope, answer in zip(scopes, answers or (), strict=False):
        settings, problems = read_editor_settings(answer, "settings")
        editor[scope] = settings
        messages.extend(problems)
    await ls.checker.run(_set_editor_settings, ls, editor, messages)


def _set_editor_settings(
    ls: PgmigServer, editor: dict[Path | None, EditorSettings], messages: list[str]
) -> None:
    """Replace the editor's settings (worker thread: checks read them there)."""
    ls.resolver.editor = editor
    ls.resolver.invalidate()
    ls.resolver.pending.extend(messages)


async def register_watchers(ls: PgmigServer) -> None:
    registrations = []
    if ls.client_supports("workspace.did_change_watched_files.dynamic_registration"):
        watchers = [types.FileSystemWatcher(glob_pattern=glob) for glob in WATCHED]
        registrations.append(
            types.Registration(
                id="pgmig-watched-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
        )
    if ls.client_supports("workspace.did_change_configuration.dynamic_registration"):
        registrations.append(
            types.Registration(
                id="pgmig-configuration",
                method=types.WORKSPACE_DID_CHANGE_CONFIGURATION,
                register_options=types.DidChangeConfigurationRegistrationOptions(section=SECTION),
            )
        )
    if not registrations:
        return
    try:
        await ls.client_register_capability_async(
            types.RegistrationParams(registrations=registrations)
        )
    except Exception as exc:
        ls.log(f"pgmig: could not register file watchers: {exc!r}", types.MessageType.Warning)


# -- progress -------------------------------------------------------------------------------------


class Progress:
    """``$/progress`` reports of one piece of work (nothing when the client cannot show them)."""

    def __init__(self, ls: PgmigServer, title: str) -> None:
        self.ls = ls
        self.title = title
        self.token: str | None = None
        self._percentage = -1

    async def begin(self, message: str = "") -> None:
        if not self.ls.client_supports("window.work_done_progress"):
            return
        token = f"pgmig-{next(_tokens)}"
        try:
            await self.ls.work_done_progress.create_async(token)
        except Exception:
            return
        self.token = token
        self.ls.work_done_progress.begin(
            token,
            types.WorkDoneProgressBegin(title=self.title, message=message, percentage=0),
        )

    def report(self, done: int, total: int, message: str) -> None:
        percentage = min(100, done * 100 // total) if total else 100
        if self.token is None or percentage == self._percentage:
            return
        self._percentage = percentage
        self.ls.work_done_progress.report(
            self.token, types.WorkDoneProgressReport(message=message, percentage=percentage)
        )

    def end(self, message: str) -> None:
        if self.token is not None:
            self.ls.work_done_progress.end(self.token, types.WorkDoneProgressEnd(message=message))
            self.token = None


# -- migration directories ------------------------------------------------------------------------


def migration_directories(ls: PgmigServer, folders: list[Path]) -> list[tuple[Path, Any]]:
    """Each folder's migration directories with their tool (worker thread)."""
    found: list[tuple[Path, Any]] = []
    for folder in folders:
        for directory in configured_dirs(ls.resolver.for_directory(folder), folder):
            if directory.is_dir() and all(directory != d for d, _ in found):
                found.append((directory, configured_tool(ls.resolver.for_directory(directory))))
    return found


async def load_histories(ls: PgmigServer, folders: list[Path]) -> list[History]:
    directories = await ls.checker.run(migration_directories, ls, folders)
    texts = ls.open_texts()
    return [
        await ls.checker.run(ls.histories.get, directory, tool, texts)
        for directory, tool in directories
    ]


async def index(ls: PgmigServer, folders: list[Path]) -> None:
    """Find the folders' migration directories and replay their histories, with progress."""
    progress = Progress(ls, "pgmig: indexing migrations")
    await progress.begin("finding migration directories")
    try:
        histories = await load_histories(ls, folders)
        total = sum(len(h.migrations) for h in histories)
        done = 0
        for history in histories:
            start = history.replayed
            while not await ls.checker.run(history.advance, len(history.migrations), REPLAY_STEP):
                progress.report(done + history.replayed - start, total, history.directory.name)
            done += len(history.migrations)
    finally:
        progress.end("indexed")
    settle_heap()
    ls.log(f"pgmig: indexed {total} migration(s) in {len(histories)} directory(ies)")
    ls.checker.show_messages(await ls.checker.run(ls.resolver.take_messages))


# -- changes -------------------------------------------------------------------------------------


async def settings_changed(ls: PgmigServer) -> None:
    """Config files or editor values changed: resolve again and check every open document."""
    await ls.checker.run(ls.resolver.invalidate)
    ls.checker.show_messages(await ls.checker.run(ls.resolver.take_messages))
    ls.checker.recheck_all()


async def did_change_configuration(
    ls: PgmigServer, params: types.DidChangeConfigurationParams
) -> None:
    if ls.client_supports("workspace.configuration"):
        await read_configuration(ls)
    else:
        settings, messages = read_editor_settings(_options(params.settings), "settings")
        await ls.checker.run(_set_editor_settings, ls, {None: settings}, messages)
    await settings_changed(ls)


async def did_change_watched_files(
    ls: PgmigServer, params: types.DidChangeWatchedFilesParams
) -> None:
    from pgmig_lsp.lsp.server import uri_path

    paths = [path for change in params.changes if (path := uri_path(change.uri)) is not None]
    if any(path.name in CONFIG_FILES for path in paths):
        await settings_changed(ls)
    histories: dict[int, History] = {}
    if any(path.name in TOOL_CONFIG_NAMES for path in paths):
        # a tool's settings may apply to any directory below them: read every history again
        histories = {id(h): h for h in ls.histories.loaded()}
    for path in paths:
        for history in await ls.checker.run(ls.histories.containing, path):
            histories[id(history)] = history
    texts = ls.open_texts()
    for history in histories.values():
        changed = await ls.checker.run(history.reload, texts)
        if changed is not None:
            ls.checker.recheck_after(history, changed)


async def did_change_workspace_folders(
    ls: PgmigServer, params: types.DidChangeWorkspaceFoldersParams
) -> None:
    from pgmig_lsp.lsp.server import uri_path

    removed = {uri_path(folder.uri) for folder in params.event.removed}
    added = [p for folder in params.event.added if (p := uri_path(folder.uri)) is not None]
    folders = [f for f in ls.resolver.folders if f not in removed] + added
    await ls.checker.run(ls.resolver.set_folders, folders)
    await read_configuration(ls)
    await settings_changed(ls)
    ls.checker.spawn(index(ls, added), "indexing added folders")


def register(ls: PgmigServer) -> None:
    handlers: list[tuple[str, Callable[..., Awaitable[None] | None]]] = [
        (types.INITIALIZE, initialize),
        (types.INITIALIZED, initialized),
        (types.EXIT, exit_server),
        (types.WORKSPACE_DID_CHANGE_CONFIGURATION, did_change_configuration),
        (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, did_change_watched_files),
        (types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS, did_change_workspace_folders),
    ]
    for method, handler in handlers:
        ls.feature(method)(handler)
