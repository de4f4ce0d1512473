"""A pytest-lsp client connected to a fresh server process; each test initializes it."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest_lsp
from pytest_lsp import LanguageClient

from tests.lsp.support import SERVER, Recorder, attach

_recorders: dict[int, Recorder] = {}


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    _recorders[id(lsp_client)] = attach(lsp_client)
    yield
    await lsp_client.shutdown_session()
    del _recorders[id(lsp_client)]


def recorder_of(client: LanguageClient) -> Recorder:
    """The registrations, applied edits and published diagnostics the server sent ``client``."""
    return _recorders[id(client)]
