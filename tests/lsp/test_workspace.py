"""Indexing with progress, file watchers, re-checks after changes, settings from everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import (
    MIGRATIONS,
    capabilities,
    copy_shop,
    initialize,
    open_file,
    recorder_of,
    rules_of,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD = "20240312110000_add_user_profile_fields.sql"

EMPTY = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"
ACCOUNTS = "-- migrate:up\nCREATE TABLE accounts (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE IF EXISTS accounts;\n"


def _history(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A dbmate project of two migrations; the second creates a table the first may create."""
    root = tmp_path / "project"
    migrations = root / "db" / "migrations"
    migrations.mkdir(parents=True)
    (root / "pgmig.toml").write_text('migration_dirs = ["db/migrations"]\n')
    first = migrations / "20240101000000_first.sql"
    first.write_text(EMPTY)
    second = migrations / "20240102000000_second.sql"
    second.write_text(ACCOUNTS)
    return root, first, second


async def test_indexing_reports_progress_and_registers_watchers(shared: LanguageClient) -> None:
    client = shared
    await wait_until(
        lambda: any(
            m.message.startswith("pgmig: indexed 15 migration") for m in client.log_messages
        ),
        what="indexing",
    )
    reports = next(iter(client.progress_reports.values()))
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    registrations = {r.method: r for r in recorder_of(client).registrations}
    watched = registrations[types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    globs = {w["globPattern"] for w in watched.register_options["watchers"]}  # type: ignore[index]
    assert {"**/*.sql", "**/sqitch.plan", "**/pgmig.toml", "**/pyproject.toml"} <= globs
    assert types.WORKSPACE_DID_CHANGE_CONFIGURATION in registrations


async def test_no_progress_or_registration_when_the_client_cannot(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, capabilities(progress=False, dynamic_watch=False))
    uri = open_file(client, shop / MIGRATIONS / BAD)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    await wait_until(
        lambda: any("indexed" in m.message for m in client.log_messages), what="indexing"
    )
    assert client.progress_reports == {}
    assert recorder_of(client).registrations == []


async def test_changed_earlier_migration_rechecks_the_open_later_one(
    client: LanguageClient, tmp_path: Path
) -> None:
    root, first, second = _history(tmp_path)
    await initialize(client, root)
    uri = open_file(client, second)
    await wait_until(lambda: uri in client.diagnostics, what="diagnostics")
    assert "duplicate-object" not in rules_of(client.diagnostics[uri])
    first.write_text(ACCOUNTS)
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=first.as_uri(), type=types.FileChangeType.Changed)]
        )
    )
    await wait_until(
        lambda: "duplicate-object" in rules_of(client.diagnostics[uri]),
        what="the later migration to see the table the earlier one creates now",
    )


async def test_a_flyway_setting_in_spring_boot_config_rechecks_the_open_migrations(
    client: LanguageClient, tmp_path: Path
) -> None:
    root = tmp_path / "service"
    migrations = root / "src" / "main" / "resources" / "db" / "migration"
    migrations.mkdir(parents=True)
    migration = migrations / "V2__orders_index.sql"
    migration.write_text(
        "CREATE TABLE orders (id bigint PRIMARY KEY, placed_at timestamptz);\n"
        "CREATE INDEX CONCURRENTLY orders_placed_at_idx ON orders (placed_at);\n"
    )
    await initialize(client, root)
    uri = open_file(client, migration)

    def refused() -> bool:
        return any("Flyway refuses" in d.message for d in client.diagnostics.get(uri, []))

    await wait_until(refused, what="Flyway refusing a mixed script")
    properties = root / "src" / "main" / "resources" / "application.properties"
    properties.write_text("spring.flyway.mixed=true\n")
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=properties.as_uri(), type=types.FileChangeType.Created)]
        )
    )
    await wait_until(lambda: not refused(), what="the re-check under spring.flyway.mixed=true")


async def test_unsaved_edit_of_an_earlier_migration_rechecks_the_later_one(
    client: LanguageClient, tmp_path: Path
) -> None:
    root, first, second = _history(tmp_path)
    await initialize(client, root)
    later = open_file(client, second)
    earlier = open_file(client, first)
    await wait_until(
        lambda: later in client.diagnostics and earlier in client.diagnostics, what="diagnostics"
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=earlier, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=ACCOUNTS)],
        )
    )
    await wait_until(
        lambda: "duplicate-object" in rules_of(client.diagnostics[later]), what="re-check"
    )
    # closing the earlier one without saving: the disk's text counts again
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=earlier))
    )
    await wait_until(
        lambda: "duplicate-object" not in rules_of(client.diagnostics[later]), what="re-check"
    )


async def test_initialization_options_and_configuration_changes(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, options={"pgmig": {"ignore": ["prefer-text"]}})
    uri = open_file(client, shop / MIGRATIONS / BAD)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    assert "prefer-text" not in rules_of(client.diagnostics[uri])
    assert "missing-lock-timeout" in rules_of(client.diagnostics[uri])
    # workspace/configuration wins over initializationOptions; null keeps the value before it
    client.set_configuration(
        {"ignore": ["missing-lock-timeout"], "pgVersion": None}, section="pgmig"
    )
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(
        lambda: (
            "missing-lock-timeout" not in rules_of(client.diagnostics[uri])
            and "prefer-text" in rules_of(client.diagnostics[uri])
        ),
        what="the new settings",
    )
    # without `ignore`, initializationOptions' value is back; an empty list overrides it
    client.set_configuration({"ignore": [], "severity": {"prefer-text": "error"}}, section="pgmig")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(
        lambda: any(
            d.code == "prefer-text" and d.severity == types.DiagnosticSeverity.Error
            for d in client.diagnostics[uri]
        ),
        what="the severity setting",
    )
    assert client.messages == []


async def test_invalid_setting_is_reported_and_the_server_goes_on(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, options={"pgVersion": "sixteen", "ignore": ["prefer-text"]})
    client.set_configuration({"tool": "liquibase", "select": "all"}, section="pgmig")
    uri = open_file(client, shop / MIGRATIONS / BAD)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    await wait_until(lambda: len(client.messages) >= 3, what="messages")
    shown = "\n".join(m.message for m in client.messages)
    assert all(m.type == types.MessageType.Warning for m in client.messages)
    assert "`pgVersion`" in shown and "`tool`" in shown and "`select`" in shown
    # the valid setting next to the invalid one still applies
    assert "prefer-text" not in rules_of(client.diagnostics[uri])
    assert "missing-lock-timeout" in rules_of(client.diagnostics[uri])


async def test_empty_settings_from_a_lua_client_are_no_settings(
    client: LanguageClient, tmp_path: Path
) -> None:
    # Neovim encodes `settings = { pgmig = {} }` as an empty JSON array
    shop = copy_shop(tmp_path)
    await initialize(client, shop, options=[])
    client.set_configuration([], section="pgmig")
    uri = open_file(client, shop / MIGRATIONS / BAD)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    assert client.messages == []


async def test_config_file_change_applies_and_a_broken_one_is_reported(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop)
    uri = open_file(client, shop / MIGRATIONS / BAD)
    await wait_until(
        lambda: "prefer-text" in rules_of(client.diagnostics.get(uri, [])), what="diagnostics"
    )
    config = shop / "pgmig.toml"
    config.write_text(config.read_text() + 'ignore = ["prefer-text"]\n')
    event = types.DidChangeWatchedFilesParams(
        changes=[types.FileEvent(uri=config.as_uri(), type=types.FileChangeType.Changed)]
    )
    client.workspace_did_change_watched_files(event)
    await wait_until(
        lambda: "prefer-text" not in rules_of(client.diagnostics[uri]), what="the config file"
    )
    config.write_text("pg_version = [\n")
    client.workspace_did_change_watched_files(event)
    await wait_until(lambda: client.messages, what="a message about the config file")
    assert "not valid TOML" in client.messages[0].message
    await wait_until(
        lambda: "prefer-text" in rules_of(client.diagnostics[uri]), what="the defaults"
    )


async def test_a_duplicate_version_is_reported_on_the_later_file(
    client: LanguageClient, tmp_path: Path
) -> None:
    root, first, _ = _history(tmp_path)
    again = first.with_name("20240101000000_then.sql")
    again.write_text(EMPTY)
    await initialize(client, root)
    uri = open_file(client, again)
    await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    assert "migration-order" in rules_of(client.diagnostics[uri])
