"""Document symbols (sections and their statements) and folding ranges
(`pgmig_lsp.editor.outline`)."""

from __future__ import annotations

from lsprotocol import types

from pgmig_lsp.editor.outline import Symbol, document_symbols, folding_ranges
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.lsp.server import PgmigServer, Snapshot

_KINDS = {
    "section": types.SymbolKind.Namespace,
    "table": types.SymbolKind.Class,
    "index": types.SymbolKind.Key,
    "view": types.SymbolKind.Interface,
    "function": types.SymbolKind.Function,
    "type": types.SymbolKind.TypeParameter,
    "trigger": types.SymbolKind.Event,
    "policy": types.SymbolKind.Property,
    "schema": types.SymbolKind.Module,
    "extension": types.SymbolKind.Package,
    "sequence": types.SymbolKind.Number,
    "statement": types.SymbolKind.Operator,
}


def _document_symbol(symbol: Symbol, index: LineIndex) -> types.DocumentSymbol:
    return types.DocumentSymbol(
        name=symbol.name,
        detail=symbol.detail or None,
        kind=_KINDS.get(symbol.kind, types.SymbolKind.Operator),
        range=index.range(symbol.span),
        selection_range=index.range(symbol.selection),
        children=[_document_symbol(child, index) for child in symbol.children],
    )


def _flat(
    symbols: list[Symbol], index: LineIndex, uri: str, container: str | None = None
) -> list[types.SymbolInformation]:
    out = []
    for symbol in symbols:
        out.append(
            types.SymbolInformation(
                name=symbol.name,
                kind=_KINDS.get(symbol.kind, types.SymbolKind.Operator),
                location=types.Location(uri=uri, range=index.range(symbol.span)),
                container_name=container,
            )
        )
        out.extend(_flat(list(symbol.children), index, uri, symbol.name))
    return out


def _symbols(ls: PgmigServer, snapshot: Snapshot) -> list[Symbol]:
    migration = snapshot.migration(ls)
    return document_symbols(migration, snapshot.path) if migration is not None else []


def _folds(ls: PgmigServer, snapshot: Snapshot) -> list[types.FoldingRange]:
    migration = snapshot.migration(ls)
    if migration is None:
        return []
    return [
        types.FoldingRange(
            start_line=fold.start_line,
            end_line=fold.end_line,
            kind=types.FoldingRangeKind.Comment
            if fold.kind == "comment"
            else types.FoldingRangeKind.Region,
        )
        for fold in folding_ranges(migration, snapshot.path)
    ]


async def document_symbol(
    ls: PgmigServer, params: types.DocumentSymbolParams
) -> list[types.DocumentSymbol] | list[types.SymbolInformation]:
    uri = params.text_document.uri
    snapshot = ls.snapshot(uri)
    if snapshot is None:
        return []
    symbols = await ls.checker.run(_symbols, ls, snapshot)
    index = ls.line_index(snapshot.text)
    if ls.client_supports("text_document.document_symbol.hierarchical_document_symbol_support"):
        return [_document_symbol(symbol, index) for symbol in symbols]
    return _flat(symbols, index, uri)


async def folding_range(
    ls: PgmigServer, params: types.FoldingRangeParams
) -> list[types.FoldingRange]:
    snapshot = ls.snapshot(params.text_document.uri)
    if snapshot is None:
        return []
    return await ls.checker.run(_folds, ls, snapshot)


def register(ls: PgmigServer) -> None:
    ls.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)(document_symbol)
    ls.feature(types.TEXT_DOCUMENT_FOLDING_RANGE)(folding_range)
