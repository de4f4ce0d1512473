"""The catalog in the editor: hover on names, definition, references, workspace symbols and
completion, on a copy of the example shop (the real server, over stdio)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize_result_of, shop_of
from tests.lsp.support import (
    MIGRATIONS,
    capabilities,
    copy_shop,
    initialize,
    opened,
    replace_all,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

SHOP_TABLES = "20240301090100_create_shop_tables.sql"
INDEX = "20240320090000_add_orders_customer_created_at_index.sql"
LAST = "20240410090000_add_orders_customer_product_index.sql"


def _position(text: str, needle: str, shift: int = 0) -> types.Position:
    offset = text.index(needle) + shift
    line = text.count("\n", 0, offset)
    return types.Position(line=line, character=offset - (text.rfind("\n", 0, offset) + 1))


def _line(path: Path, line: int) -> str:
    return path.read_text(encoding="utf-8").split("\n")[line]


def _document(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


async def test_the_server_advertises_the_catalog_features(shared: LanguageClient) -> None:
    capabilities = initialize_result_of(shared).capabilities
    assert capabilities.definition_provider
    assert capabilities.references_provider
    assert capabilities.workspace_symbol_provider
    assert capabilities.completion_provider is not None
    assert list(capabilities.completion_provider.trigger_characters or ()) == ["."]


async def test_hover_on_a_table_created_earlier_shows_its_columns_and_origin(
    shared: LanguageClient,
) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / LAST) as (uri, text):
        position = _position(text, "ON orders", 3)
        result = await shared.text_document_hover_async(
            types.HoverParams(text_document=_document(uri), position=position)
        )
    assert result is not None and isinstance(result.contents, types.MarkupContent)
    markdown = result.contents.value
    about, _, impact = markdown.partition("\n\n---\n\n")
    assert about.startswith("**table** `orders`")
    assert (
        f"Created by `{SHOP_TABLES}`. Changed by `{INDEX}`, "
        "`20240320090100_add_orders_open_status_index.sql`."
    ) in about
    assert "- `status` text NOT NULL DEFAULT 'pending'" in about
    assert "- `id` bigint NOT NULL GENERATED ALWAYS AS IDENTITY" in about
    assert "- `total_amount` numeric(12,2) NOT NULL" in about
    # its indexes (some made by later migrations), foreign keys, policies
    assert "`idx_orders_customer_id_created_at` (customer_id, created_at)" in about
    assert "`customers` (customer_id → id) via `orders_customer_id_fkey`" in about
    assert "Policies: `orders_isolation`; row level security enabled" in about
    # the index this very statement creates is not there yet
    assert "idx_orders_customer_id_product_id" not in about
    # the statement's impact follows; the range is the name
    assert "performance impact" in impact
    assert result.range == types.Range(
        start=_position(text, "ON orders", 3), end=_position(text, "ON orders", 9)
    )


async def test_definition_jumps_to_the_create_table(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / INDEX) as (uri, text):
        result = await shared.text_document_definition_async(
            types.DefinitionParams(
                text_document=_document(uri), position=_position(text, "ON orders", 5)
            )
        )
    assert isinstance(result, list) and len(result) == 1
    location = result[0]
    assert isinstance(location, types.Location)
    assert location.uri.endswith(SHOP_TABLES)
    target = shop_of(shared) / MIGRATIONS / SHOP_TABLES
    line = _line(target, location.range.start.line)
    assert line == "CREATE TABLE orders ("
    assert line[location.range.start.character : location.range.end.character] == "orders"


async def test_definition_of_a_column_in_a_foreign_key(shared: LanguageClient) -> None:
    path = shop_of(shared) / MIGRATIONS / SHOP_TABLES
    async with opened(shared, path) as (uri, text):
        result = await shared.text_document_definition_async(
            types.DefinitionParams(
                text_document=_document(uri),
                position=_position(text, "REFERENCES customers (id)", 22),
            )
        )
    assert isinstance(result, list) and len(result) == 1
    location = result[0]
    assert isinstance(location, types.Location) and location.uri.endswith(SHOP_TABLES)
    line = _line(path, location.range.start.line)
    assert line.strip().startswith("id uuid PRIMARY KEY")
    assert line[location.range.start.character : location.range.end.character] == "id"
    # the customers table's own id, not the products' or the organizations'
    assert location.range.start.line < text[: text.index("CREATE TABLE products")].count("\n")
    assert location.range.start.line > text[: text.index("CREATE TABLE customers")].count("\n")


async def test_references_list_the_statements_of_several_migrations(
    shared: LanguageClient,
) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / INDEX) as (uri, text):
        position = _position(text, "ON orders", 4)
        result = await shared.text_document_references_async(
            types.ReferenceParams(
                text_document=_document(uri),
                position=position,
                context=types.ReferenceContext(include_declaration=True),
            )
        )
        without = await shared.text_document_references_async(
            types.ReferenceParams(
                text_document=_document(uri),
                position=position,
                context=types.ReferenceContext(include_declaration=False),
            )
        )
    assert result is not None and without is not None
    files = {location.uri.rsplit("/", 1)[-1] for location in result}
    assert files == {
        SHOP_TABLES,
        INDEX,
        "20240320090100_add_orders_open_status_index.sql",
        LAST,
    }
    migrations = shop_of(shared) / MIGRATIONS
    for location in result:
        line = _line(migrations / location.uri.rsplit("/", 1)[-1], location.range.start.line)
        assert line[location.range.start.character : location.range.end.character] == "orders"
    # CREATE TABLE orders, its indexes, policy, RLS, ANALYZE, DROP TABLE; ANALYZE in the last
    assert len(result) >= 10
    assert len(without) == len(result) - 1


async def test_references_of_a_column(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / INDEX) as (uri, text):
        result = await shared.text_document_references_async(
            types.ReferenceParams(
                text_document=_document(uri),
                position=_position(text, "(customer_id, created_at", 2),
                context=types.ReferenceContext(include_declaration=True),
            )
        )
    assert result is not None
    files = sorted(location.uri.rsplit("/", 1)[-1] for location in result)
    # its definition, the index of the same migration, this index, and the last migration's
    assert files == [SHOP_TABLES, SHOP_TABLES, INDEX, LAST]


async def test_workspace_symbols_find_orders(shared: LanguageClient) -> None:
    path = shop_of(shared) / MIGRATIONS / INDEX
    async with opened(shared, path):
        symbols = await shared.workspace_symbol_async(types.WorkspaceSymbolParams(query="orders"))
    assert symbols is not None
    named = {(s.name, s.kind) for s in symbols if isinstance(s, types.SymbolInformation)}
    assert ("orders", types.SymbolKind.Class) in named
    assert ("idx_orders_customer_id_created_at", types.SymbolKind.Key) in named
    orders = next(s for s in symbols if s.name == "orders")
    assert isinstance(orders, types.SymbolInformation)
    assert orders.location.uri.endswith(SHOP_TABLES) and orders.container_name == "public"
    line = _line(shop_of(shared) / MIGRATIONS / SHOP_TABLES, orders.location.range.start.line)
    assert line == "CREATE TABLE orders ("
    everything = await shared.workspace_symbol_async(types.WorkspaceSymbolParams(query=""))
    assert everything is not None and len(everything) > len(symbols)
    assert {"task_priority", "update_timestamp"} <= {s.name for s in everything}


async def _complete(
    client: LanguageClient, uri: str, text: str, needle: str
) -> tuple[list[types.CompletionItem], float]:
    start = time.perf_counter()
    result = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=_document(uri), position=_position(text, needle, len(needle))
        )
    )
    elapsed = time.perf_counter() - start
    assert isinstance(result, types.CompletionList)
    return result.items, elapsed


async def test_completion_offers_columns_and_tables_while_typing(shared: LanguageClient) -> None:
    path = shop_of(shared) / MIGRATIONS / LAST
    async with opened(shared, path) as (uri, text):
        typed = text.replace(
            "-- migrate:up transaction:false\n",
            "-- migrate:up transaction:false\nALTER TABLE orders ALTER COLUMN \nCREATE INDEX ON \n",
            1,
        )
        # asked right after the edit: the check of this version may still be running
        replace_all(shared, uri, text, typed, 2)
        columns, elapsed = await _complete(shared, uri, typed, "ALTER COLUMN ")
        tables, _ = await _complete(shared, uri, typed, "CREATE INDEX ON ")
        replace_all(shared, uri, typed, text, 3)
    labels = {item.label: item for item in columns}
    assert set(labels) == {
        "id",
        "organization_id",
        "customer_id",
        "product_id",
        "status",
        "total_amount",
        "created_at",
    }
    assert labels["status"].kind == types.CompletionItemKind.Field
    assert labels["status"].detail == "column: text NOT NULL"
    named = {item.label: item.kind for item in tables}
    assert named["orders"] == types.CompletionItemKind.Class
    assert {"customers", "app_user", "project_tasks", "audit.user_actions"} <= set(named)
    assert named["audit"] == types.CompletionItemKind.Module
    assert "status" not in named
    assert elapsed < 5.0


async def test_completion_after_a_qualifier(shared: LanguageClient) -> None:
    path = shop_of(shared) / MIGRATIONS / LAST
    async with opened(shared, path) as (uri, text):
        typed = text.replace("ANALYZE orders;", "ANALYZE audit.;\nSELECT o. FROM orders o;", 1)
        replace_all(shared, uri, text, typed, 2)
        in_schema, _ = await _complete(shared, uri, typed, "ANALYZE audit.")
        of_alias, _ = await _complete(shared, uri, typed, "SELECT o.")
        replace_all(shared, uri, typed, text, 3)
    assert [item.label for item in in_schema] == ["user_actions"]
    assert "total_amount" in {item.label for item in of_alias}


async def test_a_new_migration_the_history_has_not_read(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    caps = capabilities()
    assert caps.text_document is not None
    caps.text_document.definition = types.DefinitionClientCapabilities(link_support=True)
    await initialize(client, shop, caps)
    path = shop / MIGRATIONS / "20240501090000_new.sql"
    text = "-- migrate:up\nALTER TABLE app_user ALTER COLUMN \n-- migrate:down\n"
    path.write_text(text, encoding="utf-8")  # no watched-file event: the history does not know it
    async with opened(client, path) as (uri, _):
        columns, _ = await _complete(client, uri, text, "ALTER COLUMN ")
        links = await client.text_document_definition_async(
            types.DefinitionParams(
                text_document=_document(uri), position=_position(text, "app_user", 2)
            )
        )
    # every migration of the directory runs before it
    assert {"email", "status", "avatar_url", "email_verified"} <= {item.label for item in columns}
    # a client that takes links gets the whole statement and the name in it
    assert isinstance(links, list) and len(links) == 1
    link = links[0]
    assert isinstance(link, types.LocationLink)
    assert link.target_uri.endswith("20240301090000_create_tenancy_base.sql")
    assert link.origin_selection_range == types.Range(
        start=_position(text, "app_user"), end=_position(text, "app_user", 8)
    )
    target = (shop / MIGRATIONS / "20240301090000_create_tenancy_base.sql").read_text()
    assert link.target_range.start == _position(target, "CREATE TABLE app_user")
    assert link.target_selection_range.start == _position(target, "CREATE TABLE app_user", 13)
