"""Driving the real server process (``python -m pgmig_lsp serve``) with pytest-lsp's client."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import Any, Union

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop"
MIGRATIONS = Path("db") / "migrations"

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "pgmig_lsp", "serve"],
    # pytest-lsp replaces the whole environment
    server_env={**os.environ, "PYTHONUNBUFFERED": "1"},
)


def copy_shop(tmp_path: Path) -> Path:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    return shop


def capabilities(
    *,
    pull: bool = False,
    document_changes: bool = True,
    progress: bool = True,
    dynamic_watch: bool = True,
    configuration: bool = True,
    encodings: Sequence[str] | None = None,
) -> types.ClientCapabilities:
    """A client's capabilities, with the features the server adapts to switched on or off."""
    operations = [types.ResourceOperationKind.Create] if document_changes else None
    return types.ClientCapabilities(
        workspace=types.WorkspaceClientCapabilities(
            apply_edit=True,
            configuration=configuration,
            workspace_edit=types.WorkspaceEditClientCapabilities(
                document_changes=document_changes, resource_operations=operations
            ),
            did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                dynamic_registration=dynamic_watch
            ),
            did_change_configuration=types.DidChangeConfigurationClientCapabilities(
                dynamic_registration=dynamic_watch
            ),
            diagnostics=types.DiagnosticWorkspaceClientCapabilities(refresh_support=pull),
        ),
        text_document=types.TextDocumentClientCapabilities(
            synchronization=types.TextDocumentSyncClientCapabilities(did_save=True),
            diagnostic=types.DiagnosticClientCapabilities() if pull else None,
            publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                version_support=True, code_description_support=True, data_support=True
            ),
            code_action=types.CodeActionClientCapabilities(
                code_action_literal_support=types.ClientCodeActionLiteralOptions(
                    code_action_kind=types.ClientCodeActionKindOptions(
                        value_set=[types.CodeActionKind.QuickFix, types.CodeActionKind.Source]
                    )
                ),
                is_preferred_support=True,
                data_support=True,
            ),
            hover=types.HoverClientCapabilities(
                content_format=[types.MarkupKind.Markdown, types.MarkupKind.PlainText]
            ),
            document_symbol=types.DocumentSymbolClientCapabilities(
                hierarchical_document_symbol_support=True
            ),
        ),
        window=types.WindowClientCapabilities(
            work_done_progress=progress,
            show_document=types.ShowDocumentClientCapabilities(support=True),
        ),
        general=types.GeneralClientCapabilities(position_encodings=encodings)
        if encodings
        else None,
    )


class Recorder:
    """What the server sent the client beyond what pytest-lsp keeps."""

    def __init__(self) -> None:
        self.registrations: list[types.Registration] = []
        self.applied: list[types.WorkspaceEdit] = []
        #: every ``publishDiagnostics``, in order (pytest-lsp keeps the last per URI)
        self.published: list[types.PublishDiagnosticsParams] = []


_recorders: dict[int, Recorder] = {}


def recorder_of(client: LanguageClient) -> Recorder:
    """The registrations, applied edits and published diagnostics the server sent ``client``."""
    return _recorders[id(client)]


def attach(client: LanguageClient) -> Recorder:
    """Answer ``client/registerCapability`` and ``workspace/applyEdit`` (pytest-lsp does not)
    and record every ``publishDiagnostics``."""
    recorder = Recorder()
    features = client.protocol.fm.features
    keep = features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS]

    def published(params: types.PublishDiagnosticsParams) -> None:
        recorder.published.append(params)
        keep(params)

    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = published
    _recorders[id(client)] = recorder

    # lsprotocol reads any code action holding a `command` as a bare Command (its hook tests
    # for the key, not for a string); clients tell them apart by the value's type
    converter = client.protocol._converter

    def code_action_or_command(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(
        Union[types.Command, types.CodeAction],  # noqa: UP007 - the hook is keyed on this form
        code_action_or_command,
    )

    @client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams) -> None:
        recorder.registrations.extend(params.registrations)

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        recorder.applied.append(params.edit)
        return types.ApplyWorkspaceEditResult(applied=True)

    return recorder


async def initialize(
    client: LanguageClient,
    root: Path,
    caps: types.ClientCapabilities | None = None,
    options: Any = None,
) -> types.InitializeResult:
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=caps or capabilities(),
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            initialization_options=options,
        )
    )


async def wait_until(
    condition: Callable[[], Any], timeout: float = 15.0, what: str = "condition"
) -> Any:
    """Poll ``condition`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = condition()
        if value:
            return value
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


def open_file(client: LanguageClient, path: Path, text: str | None = None, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri,
                language_id="sql",
                version=version,
                text=path.read_text(encoding="utf-8") if text is None else text,
            )
        )
    )
    return uri


def replace_all(client: LanguageClient, uri: str, old: str, new: str, version: int) -> None:
    """Send ``new`` as one incremental change replacing the whole ``old`` text."""
    lines = old.split("\n")
    end = types.Position(line=len(lines) - 1, character=len(lines[-1]))
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=types.Position(line=0, character=0), end=end),
                    text=new,
                )
            ],
        )
    )


def rules_of(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


def errors_logged(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.type == types.MessageType.Error]


def _offset(text: str, position: types.Position) -> int:
    """A UTF-16 LSP position as an offset into ``text`` (lines end at \\n)."""
    lines = text.split("\n")
    if position.line >= len(lines):
        return len(text)
    start = sum(len(line) + 1 for line in lines[: position.line])
    line = lines[position.line]
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return start + index
        units += 2 if ord(char) > 0xFFFF else 1
    return start + len(line)


def apply_text_edits(text: str, edits: Sequence[types.TextEdit]) -> str:
    spans = sorted(
        ((_offset(text, e.range.start), _offset(text, e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def apply_workspace_edit(files: dict[str, str], edit: types.WorkspaceEdit) -> dict[str, str]:
    """The texts (by URI) after the edit, as a client applies it; created files start empty."""
    out = dict(files)
    for uri, edits in (edit.changes or {}).items():
        out[uri] = apply_text_edits(out[uri], edits)
    for change in edit.document_changes or ():
        if isinstance(change, types.CreateFile):
            assert change.uri not in out, f"{change.uri} exists already"
            out[change.uri] = ""
        elif isinstance(change, types.TextDocumentEdit):
            text_edits = [e for e in change.edits if isinstance(e, types.TextEdit)]
            out[change.text_document.uri] = apply_text_edits(
                out[change.text_document.uri], text_edits
            )
        else:
            raise AssertionError(f"unexpected change {change!r}")
    return out


def close_file(client: LanguageClient, uri: str) -> None:
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


@contextlib.asynccontextmanager
async def opened(
    client: LanguageClient, path: Path, text: str | None = None
) -> AsyncIterator[tuple[str, str]]:
    """Open ``path`` (its text on disk unless given), wait for its first diagnostics, yield
    (uri, text); close it afterwards."""
    published = recorder_of(client).published
    seen = len(published)
    text = path.read_text(encoding="utf-8") if text is None else text
    uri = open_file(client, path, text)
    await wait_until(
        lambda: any(p.uri == uri and p.version == 1 for p in published[seen:]),
        what=f"diagnostics of {path.name}",
    )
    try:
        yield uri, text
    finally:
        close_file(client, uri)
