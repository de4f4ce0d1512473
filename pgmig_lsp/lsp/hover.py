"""Hover: the object under the cursor, the statement's performance impact and the findings
there (`pgmig_lsp.editor.hover`)."""

from __future__ import annotations

from lsprotocol import types

from pgmig_lsp.lsp.server import PgmigServer, Snapshot


def _hover(ls: PgmigServer, snapshot: Snapshot, offset: int) -> types.Hover | None:
    """The hover (worker thread)."""
    from pgmig_lsp.editor.hover import hover as editor_hover

    place = snapshot.place(ls)
    if place is None:
        return None
    check = snapshot.check
    findings = check.findings if check is not None else ()
    settings = ls.resolver.for_file(snapshot.path)
    found = editor_hover(
        place.migration,
        snapshot.path,
        offset,
        settings,
        findings,
        place.before,  # kept by the history: no replay of earlier migrations here
        place.migrations(),
        ls.names,
    )
    if found is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=found.markdown),
        range=ls.line_index(snapshot.text).range(found.span),
    )


async def hover(ls: PgmigServer, params: types.HoverParams) -> types.Hover | None:
    snapshot = ls.snapshot(params.text_document.uri)
    if snapshot is None:
        return None
    offset = ls.line_index(snapshot.text).offset(params.position)
    return await ls.checker.run(_hover, ls, snapshot, offset)


def register(ls: PgmigServer) -> None:
    ls.feature(types.TEXT_DOCUMENT_HOVER)(hover)
