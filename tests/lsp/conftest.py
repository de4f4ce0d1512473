"""pytest-lsp clients connected to real server processes.

- ``client``: a fresh server per test; the test initializes it (its own capabilities, folder).
- ``shared``: one server per test module, initialized on a copy of the example shop (default
  capabilities); tests open what they need and close it again. Starting a server costs about a
  second (imports), so tests that need no special set-up share one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.lsp.support import SERVER, _recorders, attach, copy_shop, initialize

_shops: dict[int, Path] = {}
_results: dict[int, types.InitializeResult] = {}


async def _stop(client: LanguageClient) -> None:
    server = client._server
    if server is not None and server.returncode is None:  # a test may have stopped it
        await client.shutdown_session()
    _recorders.pop(id(client), None)
    _shops.pop(id(client), None)
    _results.pop(id(client), None)


@pytest_lsp.fixture(config=SERVER, loop_scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    attach(lsp_client)
    yield
    await _stop(lsp_client)


@pytest_lsp.fixture(config=SERVER, scope="module")
async def shared(
    lsp_client: LanguageClient, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[None]:
    attach(lsp_client)
    shop = _shops[id(lsp_client)] = copy_shop(tmp_path_factory.mktemp("shared"))
    _results[id(lsp_client)] = await initialize(lsp_client, shop)
    yield
    await _stop(lsp_client)


def initialize_result_of(client: LanguageClient) -> types.InitializeResult:
    """What the ``shared`` server answered to ``initialize``."""
    return _results[id(client)]


def shop_of(client: LanguageClient) -> Path:
    """The example shop the ``shared`` server was initialized on."""
    return _shops[id(client)]
