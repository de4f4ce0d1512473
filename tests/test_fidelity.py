"""Fidelity: the replayed catalog of examples/shop against what PostgreSQL builds from it.

The shop's migrations are applied to a real throwaway database as dbmate applies them, the
result is read back with catalog queries, and compared object by object with the replay of the
same migrations. Everything must match, except what the replay does not spell as the server
does yet: a column type written as an alias of the server's name for it (``timestamptz`` for
``timestamp with time zone``) and a default without the cast the server adds (``'pending'`` for
``'pending'::text``). Those two are tolerated only in exactly that form.
"""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest

from pgmig_lsp.analysis import replay_up
from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.compare import differences
from pgmig_lsp.catalog.introspect import introspect
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.shadow.apply import Applied, apply_up
from pgmig_lsp.shadow.server import ThrowawayPostgres

SHOP = Path(__file__).resolve().parents[1] / "examples" / "shop" / "db" / "migrations"

_TYPE = re.compile(r"^(?P<name>[^(\[]+)(?P<modifiers>\([^)]*\))?(?P<array>(\[\])*)$")


@attrs.frozen
class Shop:
    applied: Applied
    replayed: Catalog
    real: Catalog


@pytest.fixture(scope="module")
def shop(postgres: ThrowawayPostgres) -> Shop:
    migrations = load_directory(SHOP).migrations
    dsn = postgres.create_database("fidelity_shop")
    try:
        applied = apply_up(dsn, migrations)
        real = introspect(dsn)
    finally:
        postgres.drop_database("fidelity_shop")
    replayed = Catalog()
    for migration in applied.migrations:
        replay_up(migration, replayed)
    return Shop(applied, replayed, real)


def test_the_shop_applies_up_to_its_deliberately_failing_migration(shop: Shop) -> None:
    migrations = load_directory(SHOP).migrations
    assert [m.name for m in shop.applied.migrations] == [m.name for m in migrations[:14]]
    failure = shop.applied.failure
    assert failure is not None
    assert failure.migration.version == "20240410090000"
    assert "CREATE INDEX CONCURRENTLY cannot run inside a transaction block" in failure.message


def _server_spelling(written: str, server: str) -> bool:
    """Whether ``written`` is a built-in alias of the type the server calls ``server``."""
    match = _TYPE.match(written.replace(" ", "")) if written else None
    if match is None:
        return False
    canonical = builtins_for(15).canonical_type(match["name"])
    if canonical is None:
        return False
    return server == canonical + (match["modifiers"] or "") + match["array"]


def _with_server_spellings(replayed: Catalog, real: Catalog) -> Catalog:
    """A copy of ``replayed`` that takes the server's spelling where only the spelling differs."""
    fixed = replayed.fork()
    for key, table in real.tables.items():
        if key not in fixed.tables:
            continue
        writable = fixed.writable_table(key)
        assert writable is not None
        for name, column in writable.columns.items():
            server = table.columns.get(name)
            if server is None:
                continue
            if column.type != server.type and _server_spelling(column.type, server.type):
                column.type = server.type
            if (
                column.default is not None
                and server.default is not None
                and server.default.startswith(column.default + "::")
            ):
                column.default = server.default
    return fixed


def test_the_replay_matches_postgresql_object_by_object(shop: Shop) -> None:
    assert differences(_with_server_spellings(shop.replayed, shop.real), shop.real) == []


def test_spellings_are_the_only_differences_tolerated(shop: Shop) -> None:
    lines = differences(shop.replayed, shop.real)
    assert all(re.match(r"column \S+: (type|default) expected ", line) for line in lines)
    # the tolerance is narrow: another type, or another default, is still a difference
    assert _server_spelling("timestamptz", "timestamp with time zone")
    assert _server_spelling("varchar(255)", "character varying(255)")
    assert _server_spelling("int8[]", "bigint[]")
    assert not _server_spelling("timestamp", "timestamp with time zone")
    assert not _server_spelling("varchar(100)", "character varying(255)")
    assert not _server_spelling("task_status", "task_priority")
    broken = shop.replayed.fork()
    table = broken.writable_table(("public", "orders"))
    assert table is not None
    table.columns["status"].default = "'shipped'"
    table.columns["created_at"].type = "timestamp"
    assert differences(_with_server_spellings(broken, shop.real), shop.real) == [
        "column public.orders.status: default expected \"'shipped'\", found \"'pending'::text\"",
        "column public.orders.created_at: type expected 'timestamp', found"
        " 'timestamp with time zone'",
    ]


def test_the_real_schema_has_what_the_shop_creates(shop: Shop) -> None:
    # a few facts read straight from the server, independent of the replay
    real = shop.real
    assert real.schemas == {"public", "audit"}
    assert sorted(key[1] for key in real.tables) == [
        "app_user",
        "customers",
        "orders",
        "organizations",
        "products",
        "project_tasks",
        "projects",
        "user_actions",
        "user_sessions",
    ]
    fk = real.tables[("public", "user_sessions")].constraints["fk_user_sessions_user_id"]
    assert (fk.validated, fk.on_delete, fk.references) == (True, "CASCADE", ("public", "app_user"))
    partial = real.indexes[("public", "idx_orders_status_created_at")]
    assert partial.partial and partial.columns == ("status", "created_at")
    assert real.types[("public", "user_status")].values == [
        "active",
        "inactive",
        "suspended",
        "pending",
    ]


def test_an_empty_database_is_the_catalog_before_any_migration(database_dsn: str) -> None:
    assert differences(Catalog(), introspect(database_dsn)) == []
