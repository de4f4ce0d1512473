"""Hover, document symbols and folding ranges."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import MIGRATIONS, capabilities, copy_shop, initialize, open_file, wait_until

pytestmark = pytest.mark.asyncio

BAD = "20240312110000_add_user_profile_fields.sql"


async def _open(
    client: LanguageClient, tmp_path: Path, caps: types.ClientCapabilities | None = None
) -> tuple[str, str]:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, caps)
    path = shop / MIGRATIONS / BAD
    text = path.read_text(encoding="utf-8")
    uri = open_file(client, path, text)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    return uri, text


def _position(text: str, needle: str, shift: int = 0) -> types.Position:
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


async def test_hover_shows_the_statement_impact_and_its_findings(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri, text = await _open(client, tmp_path)
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


async def test_document_symbols_are_sections_and_statements(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri, text = await _open(client, tmp_path)
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
    uri, _ = await _open(client, tmp_path, caps)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols and all(isinstance(s, types.SymbolInformation) for s in symbols)
    function = next(s for s in symbols if s.name.startswith("CREATE FUNCTION"))
    assert isinstance(function, types.SymbolInformation) and function.container_name == "up"


async def test_folding_ranges_cover_sections_and_long_statements(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri, text = await _open(client, tmp_path)
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert folds
    spans = {(f.start_line, f.end_line) for f in folds}
    function_line = _position(text, "CREATE FUNCTION").line
    assert any(start == function_line and end > start for start, end in spans)
    assert any(start == 0 for start, _ in spans), "the up section folds"
