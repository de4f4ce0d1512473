"""Code actions: built from the diagnostics' data (never by checking again; see `lsp.data`),
plus the source action ``source.fixAll.pgmig`` from the document's last findings.

An edit whose span is None creates a file; that needs ``documentChanges`` with resource
operations, so an action creating files is offered only to clients that support them.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from pgmig_lsp.findings import Edit
from pgmig_lsp.lsp.data import data_finding
from pgmig_lsp.lsp.server import PgmigServer, uri_path
from pgmig_lsp.source import SourceFile

if TYPE_CHECKING:
    from pgmig_lsp.editor.actions import Action

FIX_ALL_KIND = "source.fixAll.pgmig"


def _wanted(kind: str, only: Sequence[str] | None) -> bool:
    """Whether ``kind`` is one of the kinds asked for (kinds are dot-separated hierarchies)."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


class _EditBuilder:
    """Turns pgmig edits into one `WorkspaceEdit` (texts of open documents, else from disk)."""

    def __init__(self, ls: PgmigServer) -> None:
        self.ls = ls
        self.document_changes = ls.client_supports("workspace.workspace_edit.document_changes")
        operations = getattr(
            getattr(getattr(ls.client_capabilities, "workspace", None), "workspace_edit", None),
            "resource_operations",
            None,
        )
        self.can_create = self.document_changes and types.ResourceOperationKind.Create in (
            operations or ()
        )

    def _document(self, path: Path) -> tuple[str, str, int | None] | None:
        """The URI, text and version of ``path``: the open document's, else the file's
        (version None)."""
        document = self.ls.open_document(path)
        if document is not None:
            return document.uri, document.source, document.version
        try:
            return path.as_uri(), path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError):
            return None

    def build(self, edits: Sequence[Edit]) -> types.WorkspaceEdit | None:
        """The workspace edit, or None when the client cannot apply it."""
        creates = [edit for edit in edits if edit.span is None]
        if creates and not self.can_create:
            return None
        by_path: dict[Path, list[Edit]] = {}
        for edit in edits:
            if edit.span is not None:
                by_path.setdefault(edit.path, []).append(edit)
        text_edits: dict[str, tuple[list[types.TextEdit], int | None]] = {}
        for path, path_edits in by_path.items():
            found = self._document(path)
            if found is None:
                return None
            uri, text, version = found
            index = self.ls.line_index(text)
            text_edits[uri] = (
                [
                    types.TextEdit(range=index.range(e.span), new_text=e.text)
                    for e in path_edits
                    if e.span
                ],
                version,
            )
        if not self.document_changes:
            return types.WorkspaceEdit(
                changes={uri: lsp_edits for uri, (lsp_edits, _) in text_edits.items()}
            )
        changes: list[types.TextDocumentEdit | types.CreateFile] = []
        for edit in creates:
            uri = edit.path.as_uri()
            # no options: the client refuses the edit if the file exists meanwhile
            changes.append(types.CreateFile(uri=uri))
            start = types.Position(line=0, character=0)
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri),
                    edits=[
                        types.TextEdit(
                            range=types.Range(start=start, end=start), new_text=edit.text
                        )
                    ],
                )
            )
        for uri, (lsp_edits, version) in text_edits.items():
            changes.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=version
                    ),
                    edits=list(lsp_edits),
                )
            )
        return types.WorkspaceEdit(document_changes=changes)


def to_code_action(
    builder: _EditBuilder, action: Action, diagnostics: list[types.Diagnostic]
) -> types.CodeAction | None:
    from pgmig_lsp.lsp.commands import SHOW_DOCUMENTATION

    if action.url is not None:
        return types.CodeAction(
            title=action.title,
            kind=types.CodeActionKind.QuickFix,
            diagnostics=diagnostics,
            command=types.Command(
                title=action.title, command=SHOW_DOCUMENTATION, arguments=[action.url]
            ),
        )
    edit = builder.build(action.edits)
    if edit is None:
        return None
    return types.CodeAction(
        title=action.title,
        kind=action.kind,
        diagnostics=diagnostics or None,
        is_preferred=action.preferred or None,
        edit=edit,
    )


def code_action(ls: PgmigServer, params: types.CodeActionParams) -> list[types.CodeAction]:
    uri = params.text_document.uri
    document = ls.document(uri)
    if document is None:
        return []
    path = uri_path(uri)
    if path is None:
        return []
    only = params.context.only
    builder = _EditBuilder(ls)
    out: list[types.CodeAction] = []
    if _wanted(types.CodeActionKind.QuickFix, only):
        from pgmig_lsp.editor.actions import finding_actions

        file = SourceFile(path, document.source)
        index = ls.line_index(document.source)
        for diagnostic in params.context.diagnostics:
            finding = data_finding(diagnostic, path, index, document.version)
            if finding is None:
                continue
            for action in finding_actions(file, finding):
                code_action = to_code_action(builder, action, [diagnostic])
                if code_action is not None:
                    out.append(code_action)
    state = ls.checker.documents.get(uri)
    if (
        _wanted(FIX_ALL_KIND, only)
        and state is not None
        and state.check is not None
        and state.version == document.version
    ):
        from pgmig_lsp.editor.actions import fix_all

        fix = fix_all(state.check.file, state.check.findings)
        if fix is not None:
            code_action = to_code_action(builder, fix, [])
            if code_action is not None:
                out.append(code_action)
    return out


def register(ls: PgmigServer) -> None:
    ls.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, FIX_ALL_KIND],
            resolve_provider=False,
        ),
    )(code_action)
