"""Commands (``workspace/executeCommand``).

- ``pgmig.newMigration [name]`` or ``[name, directoryUri]``: a new migration, as ``pgmig new``
  writes it, in the given (or the workspace's first) migration directory; returns its URI.
- ``pgmig.checkWorkspace``: checks every migration of the workspace as ``pgmig check`` does,
  publishes the findings with progress, returns ``{"files": n, "findings": m}``.
- ``pgmig.showDocumentation [url]``: opens a rule's documentation (the code action uses it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lsprotocol import types

from pgmig_lsp.findings import Finding
from pgmig_lsp.history import History
from pgmig_lsp.lsp.diagnostics import to_diagnostic
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.lsp.server import PgmigServer, uri_path
from pgmig_lsp.lsp.workspace import Progress, load_histories, migration_directories
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.migrations.scaffold import create_migration
from pgmig_lsp.workspace import problem_findings

NEW_MIGRATION = "pgmig.newMigration"
CHECK_WORKSPACE = "pgmig.checkWorkspace"
SHOW_DOCUMENTATION = "pgmig.showDocumentation"
#: migrations checked per step of ``pgmig.checkWorkspace`` (edits are checked between steps)
CHECK_STEP = 8


class CommandError(Exception):
    """A command the user gave that cannot run (shown to them; not a server error)."""


# -- pgmig.newMigration ---------------------------------------------------------------------------


def _new_migration(
    ls: PgmigServer, name: str, directory: Path | None, texts: dict[Path, str]
) -> Path:
    """Write the migration (worker thread); the path of its first file."""
    from pgmig_lsp.lsp.configuration import configured_tool

    if directory is None:
        found = migration_directories(ls, ls.resolver.folders)
        if not found:
            raise CommandError("no migration directory in the workspace: pass one")
        directory = found[0][0]
    tool = configured_tool(ls.resolver.for_directory(directory))
    migration_set = load_directory(directory, tool)
    try:
        written = create_migration(directory, migration_set.tool, name, migration_set.migrations)
    except (FileExistsError, OSError) as exc:
        raise CommandError(str(exc)) from None
    for history in ls.histories.containing(written[0]):
        history.reload(texts)
    return written[0]


async def new_migration(ls: PgmigServer, *args: Any) -> str | None:
    name = args[0] if args else None
    if not isinstance(name, str) or not name.strip():
        ls.show("pgmig.newMigration: give the migration a name")
        return None
    directory = uri_path(args[1]) if len(args) > 1 and isinstance(args[1], str) else None
    try:
        path = await ls.checker.run(_new_migration, ls, name, directory, ls.open_texts())
    except CommandError as exc:
        ls.show(f"pgmig.newMigration: {exc}")
        return None
    return path.as_uri()


# -- pgmig.checkWorkspace -------------------------------------------------------------------------


class _DirectoryCheck:
    """Checking one history in steps (worker thread)."""

    def __init__(self, ls: PgmigServer, history: History) -> None:
        settings = ls.resolver.for_directory(history.directory)
        selection = ls.checker.selection(settings)
        self.problems: dict[Path, list[Finding]] = {}
        for finding in problem_findings(history.migration_set.problems, selection):
            self.problems.setdefault(finding.path, []).append(finding)
        self.migrations: Iterator[Any] = history.check_each(settings, selection)
        self.ls = ls
        self.errors: list[str] = []

    def step(self, count: int) -> tuple[list[tuple[Path, list[types.Diagnostic], int]], int] | None:
        """Check up to ``count`` migrations: (path, diagnostics, findings) per file and how many
        migrations were checked; None at the end."""
        out = []
        checked = 0
        for _ in range(count):
            item = next(self.migrations, None)
            if item is None:
                break
            checked += 1
            migration, findings, errors = item
            self.errors.extend(errors)
            for file in migration.files:
                mine = [f for f in findings if f.path == file.path]
                mine += self.problems.get(file.path, [])
                index = LineIndex(file.text, self.ls.workspace.position_codec)
                diagnostics = [to_diagnostic(f, index, None) for f in mine]
                out.append((file.path, diagnostics, len(mine)))
        return (out, checked) if checked else None


async def check_workspace(ls: PgmigServer, *args: Any) -> dict[str, int]:
    progress = Progress(ls, "pgmig: checking the workspace")
    await progress.begin("finding migrations")
    files = findings = done = 0
    try:
        histories = await load_histories(ls, list(ls.resolver.folders))
        total = sum(len(history.migrations) for history in histories)
        for history in histories:
            run = await ls.checker.run(_DirectoryCheck, ls, history)
            while (step := await ls.checker.run(run.step, CHECK_STEP)) is not None:
                checked, migrations = step
                for path, diagnostics, count in checked:
                    files += 1
                    findings += count
                    if ls.open_document(path) is None:
                        # an open document's own check is newer (its unsaved text)
                        ls.checker.publish(path.as_uri(), diagnostics, None)
                done += migrations
                progress.report(done, total, history.directory.name)
            for error in run.errors:
                ls.log(f"pgmig: {error}", types.MessageType.Error)
    finally:
        progress.end(f"{findings} finding(s) in {files} file(s)")
    return {"files": files, "findings": findings}


# -- pgmig.showDocumentation ---------------------------------------------------------------------


async def show_documentation(ls: PgmigServer, *args: Any) -> None:
    url = args[0] if args and isinstance(args[0], str) else None
    if url is None:
        return
    if ls.client_supports("window.show_document.support"):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=url, external=True))
    else:
        ls.show(f"pgmig: the rule's documentation is at {url}", types.MessageType.Info)


def register(ls: PgmigServer) -> None:
    ls.command(NEW_MIGRATION)(new_migration)
    ls.command(CHECK_WORKSPACE)(check_workspace)
    ls.command(SHOW_DOCUMENTATION)(show_documentation)
