"""Hover, document symbols and folding ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import shop_of
from tests.lsp.support import MIGRATIONS, capabilities, copy_shop, initialize, opened

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD = "20240312110000_add_user_profile_fields.sql"


def _position(text: str, needle: str, shift: int = 0) -> types.Position:
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


async def test_hover_shows_the_statement_impact_and_its_findings(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / BAD) as (uri, text):
        await _hover(shared, uri, text)


async def _hover(client: LanguageClient, uri: str, text: str) -> None:
    identifier = types.TextDocumentIdentifier(uri=uri)
    result = await client.text_document_hover_async(
        types.HoverParams(
            text_document=identifier, position=_position(text, "ALTER TABLE app_user", 3)
        )
    )
    assert result is not None
    assert isinstance(result.contents, types.MarkupContent)
    assert result.contents.kind == types.MarkupKind.Markdown
    markdown = result.contents.value
    assert "ACCESS EXCLUSIVE" in markdown and "`app_user`" in markdown
    assert "blocks reads and writes" in markdown
    assert "Safe alternative" in markdown
    assert result.range is not None and result.range.start == _position(
        text, "ALTER TABLE app_user"
    )
    # on a finding: its rule, linked to the rule's page
    on_finding = await client.text_document_hover_async(
        types.HoverParams(
            text_document=identifier, position=_position(text, "avatar_url varchar(255)", 13)
        )
    )
    assert on_finding is not None and isinstance(on_finding.contents, types.MarkupContent)
    assert "docs/rules/prefer-text.md" in on_finding.contents.value
    nothing = await client.text_document_hover_async(
        types.HoverParams(text_document=identifier, position=_position(text, "-- DELIBERATELY", 5))
    )
    assert nothing is None


async def test_document_symbols_are_sections_and_statements(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / BAD) as (uri, text):
        await _symbols(shared, uri, text)


async def _symbols(client: LanguageClient, uri: str, text: str) -> None:
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    sections = [s for s in symbols if isinstance(s, types.DocumentSymbol)]
    assert [s.name for s in sections] == ["up", "down"]
    up = sections[0]
    assert up.kind == types.SymbolKind.Namespace
    children = [(c.name.split(":")[0], c.kind) for c in up.children or ()]
    assert children == [
        ("ALTER TABLE app_user", types.SymbolKind.Class),
        ("CREATE FUNCTION update_profile_timestamp", types.SymbolKind.Function),
        ("CREATE TRIGGER tr_app_user_profile_updated ON app_user", types.SymbolKind.Event),
    ]
    trigger = (up.children or [])[2]
    assert trigger.range.start == _position(text, "CREATE TRIGGER")


async def test_flat_symbols_for_clients_without_hierarchy(
    client: LanguageClient, tmp_path: Path
) -> None:
    caps = capabilities()
    assert caps.text_document is not None
    caps.text_document.document_symbol = None
    shop = copy_shop(tmp_path)
    await initialize(client, shop, caps)
    async with opened(client, shop / MIGRATIONS / BAD) as (uri, _):
        await _flat(client, uri)


async def _flat(client: LanguageClient, uri: str) -> None:
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols and all(isinstance(s, types.SymbolInformation) for s in symbols)
    function = next(s for s in symbols if s.name.startswith("CREATE FUNCTION"))
    assert isinstance(function, types.SymbolInformation) and function.container_name == "up"


async def test_folding_ranges_cover_sections_and_long_statements(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / BAD) as (uri, text):
        await _folds(shared, uri, text)


async def _folds(client: LanguageClient, uri: str, text: str) -> None:
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert folds
    spans = {(f.start_line, f.end_line) for f in folds}
    function_line = _position(text, "CREATE FUNCTION").line
    assert any(start == function_line and end > start for start, end in spans)
    assert any(start == 0 for start, _ in spans), "the up section folds"
