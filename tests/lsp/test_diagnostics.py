"""Diagnostics pushed on open, change, save and close; pulled by clients that pull."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import (
    MIGRATIONS,
    copy_shop,
    initialize,
    open_file,
    rules_of,
    wait_until,
)

pytestmark = pytest.mark.asyncio

BAD = "20240312110000_add_user_profile_fields.sql"


async def test_open_publishes_findings_with_rule_code_and_doc_link(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop)
    uri = open_file(client, shop / MIGRATIONS / BAD)
    diagnostics = await wait_until(lambda: client.diagnostics.get(uri), what="diagnostics")
    assert "missing-lock-timeout" in rules_of(diagnostics)
    first = diagnostics[0]
    assert first.source == "pgmig"
    assert first.code_description is not None
    assert first.code_description.href.endswith(f"/{first.code}.md")
    assert first.severity in (
        types.DiagnosticSeverity.Warning,
        types.DiagnosticSeverity.Error,
        types.DiagnosticSeverity.Information,
    )
