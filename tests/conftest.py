"""Fixtures shared by every test: a throwaway PostgreSQL and fresh databases on it.

Tests that need PostgreSQL fail when none can be started (a missing server must not pass
silently in CI); set ``PGMIG_SKIP_POSTGRES=1`` to skip them instead.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest

from pgmig_lsp.shadow.server import PostgresUnavailable, ThrowawayPostgres, start

_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres() -> Iterator[ThrowawayPostgres]:
    """One throwaway cluster per test session (per xdist worker)."""
    if os.environ.get("PGMIG_SKIP_POSTGRES") == "1":
        pytest.skip("PGMIG_SKIP_POSTGRES=1")
    try:
        server = start()
    except PostgresUnavailable as error:
        pytest.fail(
            f"{error}\n(set PGMIG_SKIP_POSTGRES=1 to skip the tests that need PostgreSQL)",
            pytrace=False,
        )
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def database_dsn(postgres: ThrowawayPostgres) -> Iterator[str]:
    """Conninfo of an empty database of its own for one test, dropped afterwards."""
    name = f"test_{next(_numbers)}"
    yield postgres.create_database(name)
    postgres.drop_database(name)
