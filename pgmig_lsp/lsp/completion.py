"""Completion of schema, table, column, type and function names (`pgmig_lsp.editor.completion`).

Cheap by design: the schema before the migration is the one the history keeps for the
document's last check (even while the user types past it); this file's statements before the
cursor are replayed once, not again while the user types inside one statement
(`editor.completion.Completer`).
"""

from __future__ import annotations

from lsprotocol import types

from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.editor.completion import Candidate
from pgmig_lsp.lsp.server import PgmigServer, Snapshot

_KINDS = {
    "schema": types.CompletionItemKind.Module,
    "table": types.CompletionItemKind.Class,
    "view": types.CompletionItemKind.Interface,
    "materialized view": types.CompletionItemKind.Interface,
    "column": types.CompletionItemKind.Field,
    "type": types.CompletionItemKind.TypeParameter,
    "function": types.CompletionItemKind.Function,
    "index": types.CompletionItemKind.Reference,
    "sequence": types.CompletionItemKind.Value,
    "constraint": types.CompletionItemKind.Property,
}


def _item(candidate: Candidate) -> types.CompletionItem:
    return types.CompletionItem(
        label=candidate.label,
        kind=_KINDS.get(candidate.kind, types.CompletionItemKind.Text),
        detail=f"{candidate.kind}: {candidate.detail}" if candidate.detail else candidate.kind,
        sort_text=f"{candidate.rank:03d}{candidate.label}",
    )


def _complete(ls: PgmigServer, snapshot: Snapshot, offset: int) -> list[types.CompletionItem]:
    """The completions at ``offset`` (worker thread)."""
    place = snapshot.place(ls)
    if place is None:
        return []
    builtins = builtins_for(ls.resolver.for_file(snapshot.path).pg_version)
    found = ls.completer.complete(place.migration, snapshot.path, offset, place.before, builtins)
    return [_item(candidate) for candidate in found]


async def completion(ls: PgmigServer, params: types.CompletionParams) -> types.CompletionList:
    snapshot = ls.snapshot(params.text_document.uri)
    items: list[types.CompletionItem] = []
    if snapshot is not None:
        offset = ls.line_index(snapshot.text).offset(params.position)
        items = await ls.checker.run(_complete, ls, snapshot, offset)
    return types.CompletionList(is_incomplete=False, items=items)


def register(ls: PgmigServer) -> None:
    options = types.CompletionOptions(trigger_characters=["."])
    ls.feature(types.TEXT_DOCUMENT_COMPLETION, options)(completion)
