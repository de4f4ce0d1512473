"""Typing, odd content, position encodings, handler errors, shutdown and a dying editor."""

from __future__ import annotations

import asyncio
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, make_test_lsp_client

from tests.lsp.conftest import shop_of
from tests.lsp.support import (
    MIGRATIONS,
    SERVER,
    capabilities,
    close_file,
    copy_shop,
    errors_logged,
    initialize,
    open_file,
    opened,
    recorder_of,
    rules_of,
    wait_until,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

#: how many prefixes of the example files are sent in all (every Nth prefix, N the same for all)
PREFIXES = 500


def _insert(
    client: LanguageClient, uri: str, line: int, character: int, text: str, version: int
) -> None:
    at = types.Position(line=line, character=character)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=text
                )
            ],
        )
    )


async def test_typing_every_example_file(shared: LanguageClient) -> None:
    """Every Nth prefix of each example file, typed into an empty buffer (half-typed SQL), gets
    its diagnostics; no error is logged, no result comes for a version already replaced."""
    client = shared
    shop = shop_of(shared)
    published = recorder_of(client).published
    files = sorted((shop / MIGRATIONS).glob("*.sql"))
    texts = [path.read_text(encoding="utf-8") for path in files]
    stride = max(1, -(-sum(map(len, texts)) // PREFIXES))
    for path, text in zip(files, texts, strict=True):
        uri = open_file(client, path, "")
        typed = ""
        version = 1
        while len(typed) < len(text):
            chunk = text[len(typed) : len(typed) + stride]
            lines = typed.split("\n")
            version += 1
            _insert(client, uri, len(lines) - 1, len(lines[-1]), chunk, version)
            typed += chunk
            await wait_until(
                lambda uri=uri, version=version: any(
                    p.uri == uri and p.version == version for p in published[-3:]
                ),
                what=f"{path.name} at version {version}",
            )
        versions = [p.version or 0 for p in published if p.uri == uri]
        assert versions == sorted(versions), "a result for an older version came after a newer one"
        client.text_document_did_close(
            types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
        )
    assert errors_logged(client) == []


async def test_binary_and_huge_content(shared: LanguageClient) -> None:
    client = shared
    shop = shop_of(shared)
    rng = random.Random(3)
    binary = bytes(rng.randrange(256) for _ in range(20_000)).decode("latin-1")
    uri = open_file(client, shop / MIGRATIONS / "20990101000000_binary.sql", binary)
    await wait_until(lambda: uri in client.diagnostics, what="diagnostics of binary content")
    huge = (
        "-- migrate:up\n/*"
        + "x" * 5_000_000
        + "*/\nALTER TABLE app_user ADD COLUMN x varchar(9);\n"
    )
    big = open_file(client, shop / MIGRATIONS / "20990101000001_huge.sql", huge)
    await wait_until(lambda: client.diagnostics.get(big), timeout=60, what="diagnostics of 5 MB")
    # the server still answers
    folds = await client.text_document_folding_range_async(
        types.FoldingRangeParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert folds is not None
    assert errors_logged(client) == []
    close_file(client, uri)
    close_file(client, big)


async def test_a_path_with_a_space_and_accents(shared: LanguageClient) -> None:
    path = shop_of(shared) / MIGRATIONS / "20990101000000_café au lait.sql"
    async with opened(
        shared, path, "-- migrate:up\nALTER TABLE app_user ADD COLUMN n varchar(9);\n"
    ) as (
        uri,
        _,
    ):
        assert "%20" in uri
        assert "prefer-text" in rules_of(shared.diagnostics[uri])


async def test_lines_split_as_lsp_counts_them(shared: LanguageClient) -> None:
    """A form feed and a U+2028 are not line breaks for LSP (they are for str.splitlines)."""
    client = shared
    shop = shop_of(shared)
    text = "-- migrate:up\n-- odd \x0c and \u2028 breaks\nCREATE TABLE t (id int);\n"
    uri = open_file(client, shop / MIGRATIONS / "20990101000000_odd.sql", text)
    await wait_until(lambda: uri in client.diagnostics, what="diagnostics")
    _insert(client, uri, 2, 0, "CREATE TABLE u (id int);\n", version=2)
    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    assert symbols is not None
    up = symbols[0]
    assert isinstance(up, types.DocumentSymbol)
    statements = [(c.name, c.range.start.line, c.range.start.character) for c in up.children or ()]
    assert statements == [("CREATE TABLE u", 2, 0), ("CREATE TABLE t", 3, 0)]
    close_file(client, uri)


@pytest.mark.parametrize(("encoding", "expected"), [(None, 9), ("utf-8", 11)])
async def test_columns_in_the_negotiated_encoding(
    client: LanguageClient, tmp_path: Path, encoding: str | None, expected: int
) -> None:
    shop = copy_shop(tmp_path)
    result = await initialize(
        client, shop, capabilities(encodings=[encoding] if encoding else None)
    )
    assert result.capabilities.position_encoding == (encoding or "utf-16")
    text = (
        "-- migrate:up\n/* \U0001f600 */ SELECT 1;\nALTER TABLE app_user ADD COLUMN x varchar(9);\n"
    )
    uri = open_file(client, shop / MIGRATIONS / "20990101000000_emoji.sql", text)
    await wait_until(lambda: uri in client.diagnostics, what="diagnostics")
    # `/* 😀 */ SELECT 1;` : the statement after the emoji, as a hover range
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=expected + 1),
        )
    )
    assert hover is not None and hover.range is not None
    assert hover.range.start == types.Position(line=1, character=expected)


async def test_handler_error_is_answered_and_logged(shared: LanguageClient) -> None:
    client = shared
    shop = shop_of(shared)
    with pytest.raises(Exception, match=r"pgmig\.nothing"):
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="pgmig.nothing")
        )
    await wait_until(lambda: errors_logged(client), what="the error in the log")
    async with opened(client, shop / MIGRATIONS / "20240312110000_add_user_profile_fields.sql"):
        pass  # diagnostics came after the error


async def test_shutdown_and_exit(client: LanguageClient, tmp_path: Path) -> None:
    await initialize(client, copy_shop(tmp_path))
    await client.shutdown_async(None)
    client.exit(None)
    server = client._server
    assert server is not None
    assert await asyncio.wait_for(server.wait(), 10) == 0


async def test_exits_when_the_editor_dies(tmp_path: Path) -> None:
    editor = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    lsp = make_test_lsp_client()
    await lsp.start_io(*SERVER.server_command, env=SERVER.server_env)
    try:
        await lsp.initialize_session(
            types.InitializeParams(
                capabilities=capabilities(), process_id=editor.pid, root_uri=tmp_path.as_uri()
            )
        )
        editor.kill()
        editor.wait()
        server = lsp._server
        assert server is not None
        await asyncio.wait_for(server.wait(), 15)
    finally:
        if editor.poll() is None:
            editor.kill()
        await lsp.stop()
    assert os.path.isdir(tmp_path)
