"""``workspace/executeCommand``: pgmig.newMigration and pgmig.checkWorkspace."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import initialize_result_of, shop_of
from tests.lsp.support import MIGRATIONS, wait_until

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def _command(client: LanguageClient, command: str, *arguments: object) -> object:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


async def test_new_migration(shared: LanguageClient, tmp_path: Path) -> None:
    client = shared
    shop = shop_of(shared)
    provider = initialize_result_of(shared).capabilities.execute_command_provider
    assert provider is not None and {"pgmig.newMigration", "pgmig.checkWorkspace"} <= set(
        provider.commands
    )
    directory = shop / MIGRATIONS
    before = set(directory.iterdir())
    uri = await _command(client, "pgmig.newMigration", "Add orders note")
    assert isinstance(uri, str) and uri.endswith("_add_orders_note.sql")
    created = set(directory.iterdir()) - before
    assert [p.as_uri() for p in created] == [uri]
    assert created.pop().read_text() == "-- migrate:up\n\n\n-- migrate:down\n\n"
    # in a directory given by URI
    other = tmp_path / "other"
    other.mkdir()
    uri = await _command(client, "pgmig.newMigration", "first", other.as_uri())
    assert isinstance(uri, str) and uri.startswith(other.as_uri())
    assert await _command(client, "pgmig.newMigration", "") is None
    await wait_until(lambda: client.messages, what="the message about the missing name")


async def test_check_workspace_publishes_what_pgmig_check_reports(shared: LanguageClient) -> None:
    client = shared
    shop = shop_of(shared)
    cli = subprocess.run(
        [sys.executable, "-m", "pgmig_lsp", "check", "--no-cache", "--format", "json"],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
    )
    summary = json.loads(cli.stdout)["summary"]
    result = await _command(client, "pgmig.checkWorkspace")
    assert result == {"files": summary["files"], "findings": summary["findings"]}
    published = sum(len(d) for d in client.diagnostics.values())
    assert published == summary["findings"]
    assert len(client.diagnostics) == summary["files"]
    progress = [
        reports
        for reports in client.progress_reports.values()
        if reports[0].title == "pgmig: checking the workspace"
    ]  # type: ignore[union-attr]
    assert progress and isinstance(progress[0][-1], types.WorkDoneProgressEnd)
    assert any(isinstance(r, types.WorkDoneProgressReport) for r in progress[0])
