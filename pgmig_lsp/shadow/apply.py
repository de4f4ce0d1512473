"""Apply migrations to a real database the way their tool does, stopping at the first failure.

Each up section is sent as its tool sends it (`Delivery`): dbmate and others send the whole
section as one query string (several statements then share PostgreSQL's implicit transaction),
goose and Flyway one statement at a time; a section the tool wraps runs inside
``BEGIN`` ... ``COMMIT``. Meant for throwaway databases (`pgmig_lsp.shadow.server`): it writes.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs
import psycopg

from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind
from pgmig_lsp.sql.parse import parse_sql


@attrs.frozen
class Failure:
    """The section that failed, and what the server said."""

    migration: Migration
    section: Section
    message: str
    sqlstate: str | None


@attrs.frozen
class Applied:
    """What `apply_up` did: the migrations that applied, in order, and the failure if any."""

    migrations: tuple[Migration, ...]
    failure: Failure | None


def _batches(section: Section) -> list[str]:
    """The query strings the tool sends for ``section``."""
    if section.delivery is Delivery.ONE_STRING:
        return [section.text]
    text = section.file.text
    return [
        text[statement.span.start : statement.span.end]
        for statement in parse_sql(section.text, section.span.start).statements
    ]


def apply_up(dsn: str, migrations: Iterable[Migration]) -> Applied:
    """Run the up sections of ``migrations`` in order on the database at ``dsn``."""
    done: list[Migration] = []
    with psycopg.connect(dsn, autocommit=True) as conn:
        for migration in migrations:
            for section in migration.sections:
                if section.kind is not SectionKind.UP:
                    continue
                try:
                    if section.wrapped:
                        with conn.transaction():
                            for batch in _batches(section):
                                conn.execute(batch.encode())
                    else:
                        for batch in _batches(section):
                            conn.execute(batch.encode())
                except psycopg.Error as error:
                    message = str(error).strip()
                    failure = Failure(migration, section, message, error.sqlstate)
                    return Applied(tuple(done), failure)
            done.append(migration)
    return Applied(tuple(done), None)
