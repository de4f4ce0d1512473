"""Diagnostics pushed on open, change, save and close; pulled by clients that pull."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.conftest import shop_of
from tests.lsp.support import (
    MIGRATIONS,
    capabilities,
    copy_shop,
    initialize,
    open_file,
    opened,
    recorder_of,
    replace_all,
    rules_of,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

BAD = "20240312110000_add_user_profile_fields.sql"


async def test_open_publishes_findings_with_rule_code_and_doc_link(shared: LanguageClient) -> None:
    async with opened(shared, shop_of(shared) / MIGRATIONS / BAD) as (uri, _):
        _check_open(shared.diagnostics[uri])


def _check_open(diagnostics: Sequence[types.Diagnostic]) -> None:
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


async def test_change_updates_and_close_clears(shared: LanguageClient) -> None:
    client = shared
    published = recorder_of(client).published
    async with opened(client, shop_of(shared) / MIGRATIONS / BAD) as (uri, text):
        assert "missing-lock-timeout" in rules_of(client.diagnostics[uri])
        clean = "-- migrate:up\nCREATE TABLE notes (id bigint PRIMARY KEY);\n\n-- migrate:down\nDROP TABLE IF EXISTS notes;\n"
        replace_all(client, uri, text, clean, version=2)
        await wait_until(
            lambda: published[-1].uri == uri and published[-1].version == 2, what="version 2"
        )
        assert "missing-lock-timeout" not in rules_of(client.diagnostics[uri])
    await wait_until(
        lambda: published[-1].uri == uri and not published[-1].diagnostics,
        what="cleared diagnostics",
    )


async def test_pull_client_gets_no_push(client: LanguageClient, tmp_path: Path) -> None:
    shop = copy_shop(tmp_path)
    await initialize(client, shop, capabilities(pull=True))
    path = shop / MIGRATIONS / BAD
    text = path.read_text(encoding="utf-8")
    uri = open_file(client, path, text)
    identifier = types.TextDocumentIdentifier(uri=uri)
    report = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier)
    )
    assert isinstance(report, types.RelatedFullDocumentDiagnosticReport)
    assert "missing-lock-timeout" in rules_of(report.items)
    unchanged = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=identifier, previous_result_id=report.result_id
        )
    )
    assert isinstance(unchanged, types.RelatedUnchangedDocumentDiagnosticReport)
    replace_all(client, uri, text, "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n", 2)
    after = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=identifier, previous_result_id=report.result_id
        )
    )
    assert isinstance(after, types.RelatedFullDocumentDiagnosticReport)
    assert "missing-lock-timeout" not in rules_of(after.items)
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=identifier))
    await asyncio.sleep(0.3)
    assert uri not in client.diagnostics, "a pull client must not get pushed diagnostics"
    # a result the client did not ask for (new settings): it is told to pull again
    replace_all(client, uri, "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n", text, 3)
    before = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(text_document=identifier)
    )
    assert isinstance(before, types.RelatedFullDocumentDiagnosticReport)
    assert "prefer-text" in rules_of(before.items)
    client.set_configuration({"ignore": ["prefer-text"]}, section="pgmig")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_until(lambda: client.diagnostic_refresh_count > 0, what="a refresh request")
    again = await client.text_document_diagnostic_async(
        types.DocumentDiagnosticParams(
            text_document=identifier, previous_result_id=before.result_id
        )
    )
    assert isinstance(again, types.RelatedFullDocumentDiagnosticReport)
    assert "prefer-text" not in rules_of(again.items)


def _cli_findings(shop: Path, files: list[Path]) -> dict[str, list[tuple[Any, ...]]]:
    """What `pgmig check --format json` reports for each file (checked one by one)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pgmig_lsp",
            "check",
            "--no-cache",
            "--format",
            "json",
            *map(str, files),
        ],
        cwd=shop,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(result.stdout)
    out: dict[str, list[tuple[Any, ...]]] = {file.as_uri(): [] for file in files}
    severities = {"error": 1, "warning": 2, "info": 3}
    for d in report["diagnostics"]:
        uri = (shop / d["path"]).as_uri()
        out[uri].append(
            (
                d["rule"],
                d["line"] - 1,
                d["column"] - 1,
                d["end_line"] - 1,
                d["end_column"] - 1,
                severities[d["severity"]],
                d["message"],
            )
        )
    return {uri: sorted(items) for uri, items in out.items()}


def _lsp_findings(diagnostics: list[types.Diagnostic]) -> list[tuple[Any, ...]]:
    return sorted(
        (
            d.code,
            d.range.start.line,
            d.range.start.character,
            d.range.end.line,
            d.range.end.character,
            int(d.severity or 0),
            d.message,
        )
        for d in diagnostics
    )


async def test_after_save_the_findings_are_pgmig_checks(
    client: LanguageClient, tmp_path: Path
) -> None:
    shop = copy_shop(tmp_path)
    # columns in code points, as the JSON report counts them
    await initialize(client, shop, capabilities(encodings=["utf-32"]))
    files = sorted((shop / MIGRATIONS).glob("*.sql"))
    expected = _cli_findings(shop, files)
    assert sum(map(len, expected.values())) > 5, "the example has findings on purpose"
    for file in files:
        uri = open_file(client, file)
        client.text_document_did_save(
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    for file in files:
        uri = file.as_uri()
        try:
            await wait_until(
                lambda uri=uri: (
                    _lsp_findings(client.diagnostics.get(uri, [None])) == expected[uri]  # type: ignore[list-item]
                    if uri in client.diagnostics
                    else False
                ),
                timeout=20,
                what=file.name,
            )
        except AssertionError:
            assert _lsp_findings(list(client.diagnostics.get(uri, []))) == expected[uri], file.name
