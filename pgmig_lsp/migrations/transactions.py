"""Whether each statement runs inside a transaction block, by the migration tool's own rules.

Three things decide it (RULES.md, "How rules see a migration"):

- the tool's wrap: dbmate, goose, Flyway, Prisma, diesel, sqlx and plain open a transaction
  around the section unless it opts out; golang-migrate, Supabase and sqitch never do;
- how the SQL reaches the server: a section sent as one query string with several statements
  runs in PostgreSQL's implicit transaction (nothing in it is "top level", so ``CREATE INDEX
  CONCURRENTLY`` fails there even without BEGIN); goose, Flyway and sqitch (psql) send the
  statements one by one;
- explicit ``BEGIN``/``COMMIT`` in the script, when the statements go one by one unwrapped.

Flyway adds its own rule: its parser spots statements that cannot run in a transaction and then
runs the whole script without one (`flyway_non_transactional`).
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from pgmig_lsp.migrations import goose
from pgmig_lsp.migrations.model import Delivery, FlywaySettings, Migration, Section, Tool
from pgmig_lsp.sql.parse import Statement

#: PostgreSQL major version assumed when none is given (RULES.md)
DEFAULT_PG_MAJOR = 16

_OPENS = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_ENDS = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"})
_FLYWAY_ALWAYS = frozenset(
    {
        "CreatedbStmt",
        "DropdbStmt",
        "CreateTableSpaceStmt",
        "DropTableSpaceStmt",
        "CreateSubscriptionStmt",
        "DropSubscriptionStmt",
        "AlterSystemStmt",
    }
)


@attrs.frozen
class TransactionPlan:
    """How the tool runs one section."""

    #: the tool runs the section inside a transaction block it opens
    wrapped: bool
    #: how the SQL is sent (for Flyway and goose: statement by statement)
    delivery: Delivery
    #: the tool's rule in words, for messages ("dbmate runs each section in a transaction")
    reason: str
    #: Flyway refuses the script: transactional and non-transactional statements mixed while
    #: ``mixed`` is false
    refused: bool = False


def flyway_non_transactional(statement: Statement, *, pg_major: int = DEFAULT_PG_MAJOR) -> bool:
    """Whether Flyway's PostgreSQL parser marks the statement as unable to run in a transaction.

    Mirrors ``PostgreSQLParser.detectCanExecuteInTransaction``: ``CREATE/DROP DATABASE``,
    ``TABLESPACE`` and ``SUBSCRIPTION``, ``ALTER SYSTEM``, ``CREATE/DROP INDEX CONCURRENTLY``,
    ``REINDEX SCHEMA/DATABASE/SYSTEM``, ``VACUUM``, ``DISCARD ALL``, and ``ALTER TYPE … ADD
    VALUE`` only before PostgreSQL 12. Flyway does not spot ``REINDEX TABLE/INDEX …
    CONCURRENTLY`` or ``DETACH PARTITION … CONCURRENTLY``: those run inside its transaction
    and fail there.
    """
    kind = statement.kind
    body = statement.body
    if kind in _FLYWAY_ALWAYS:
        return True
    if kind == "IndexStmt":
        return bool(body.get("concurrent"))
    if kind == "DropStmt":
        return bool(body.get("concurrent")) and body.get("removeType") == "OBJECT_INDEX"
    if kind == "ReindexStmt":
        return body.get("kind") in (
            "REINDEX_OBJECT_SCHEMA",
            "REINDEX_OBJECT_DATABASE",
            "REINDEX_OBJECT_SYSTEM",
        )
    if kind == "VacuumStmt":
        return bool(body.get("is_vacuumcmd"))
    if kind == "DiscardStmt":
        return body.get("target") == "DISCARD_ALL"
    if kind == "AlterEnumStmt":
        return pg_major < 12 and "newVal" in body and "oldVal" not in body
    return False


def _top_level(statements: Sequence[Statement]) -> list[Statement]:
    return [statement for statement in statements if not statement.in_function]


_REASONS = {
    Tool.DBMATE: "dbmate runs each section in a transaction and sends it as one query string",
    Tool.GOOSE: "goose runs the migration in a transaction and sends statements one by one",
    Tool.GOLANG_MIGRATE: (
        "golang-migrate opens no transaction but sends the file as one query string"
    ),
    Tool.SQITCH: "sqitch runs the script through psql, statement by statement, with no "
    "transaction unless the script opens one",
    Tool.SUPABASE: "the Supabase CLI opens no transaction but sends the file as one pipeline",
    Tool.PRISMA: "Prisma runs each migration in a transaction, sent as one query string",
    Tool.DIESEL: "diesel runs each file in a transaction and sends it as one query string",
    Tool.SQLX: "sqlx runs each file in a transaction and sends it as one query string",
    Tool.PLAIN: "plain SQL files are assumed to run in a transaction, as one query string",
}

_OPT_OUT_REASONS = {
    Tool.DBMATE: "`transaction:false` turns dbmate's transaction off, but dbmate still sends the "
    "section as one query string",
    Tool.GOOSE: "`-- +goose NO TRANSACTION` turns goose's transaction off; goose sends the "
    "statements one by one",
    Tool.DIESEL: "`run_in_transaction = false` turns diesel's transaction off, but diesel still "
    "sends the file as one query string",
    Tool.SQLX: "`-- no-transaction` turns sqlx's transaction off, but sqlx still sends the file "
    "as one query string",
    Tool.PLAIN: "the configuration says these files run without a transaction, as one query string",
}


def transaction_plan(
    migration: Migration,
    section: Section,
    statements: Sequence[Statement],
    *,
    pg_major: int = DEFAULT_PG_MAJOR,
) -> TransactionPlan:
    """How the tool runs ``section`` once its statements are known (Flyway looks at them)."""
    tool = migration.tool
    if tool is Tool.FLYWAY:
        return _flyway_plan(migration.flyway or FlywaySettings(), section, statements, pg_major)
    if section.wrapped:
        return TransactionPlan(True, section.delivery, _REASONS.get(tool, ""))
    reason = _OPT_OUT_REASONS.get(tool) if section.opted_out else None
    return TransactionPlan(False, section.delivery, reason or _REASONS.get(tool, ""))


def _flyway_plan(
    settings: FlywaySettings,
    section: Section,
    statements: Sequence[Statement],
    pg_major: int,
) -> TransactionPlan:
    top = _top_level(statements)
    special = [s for s in top if flyway_non_transactional(s, pg_major=pg_major)]
    # section.wrapped holds the script's executeInTransaction (its .sql.conf)
    if not section.wrapped:
        return TransactionPlan(
            False,
            Delivery.PER_STATEMENT,
            "`executeInTransaction=false`: Flyway runs this script without a transaction, "
            "statement by statement",
        )
    if special:
        refused = not settings.mixed and len(special) < len(top)
        reason = (
            "Flyway finds a statement that cannot run in a transaction and runs the whole script "
            "without one, statement by statement"
        )
        if refused:
            reason += (
                "; with `mixed=false` (the default) it refuses a script that also holds "
                "transactional statements"
            )
        return TransactionPlan(False, Delivery.PER_STATEMENT, reason, refused=refused)
    return TransactionPlan(
        True,
        Delivery.PER_STATEMENT,
        "Flyway runs each script in a transaction, statement by statement",
    )


def section_in_transaction(
    migration: Migration,
    section: Section,
    statements: Sequence[Statement],
    *,
    pg_major: int = DEFAULT_PG_MAJOR,
) -> bool:
    """Whether the whole section runs inside one transaction block: the tool's, or the implicit
    one of a multi-statement query string. False when statements run on their own (explicit
    ``BEGIN``/``COMMIT`` inside then shows on each statement's ``in_transaction``)."""
    plan = transaction_plan(migration, section, statements, pg_major=pg_major)
    if plan.wrapped:
        return True
    return plan.delivery is Delivery.ONE_STRING and len(_top_level(statements)) > 1


def _mark_explicit(statements: Sequence[Statement]) -> None:
    """Statements sent one by one outside a tool transaction: only ``BEGIN … COMMIT`` blocks."""
    open_block = False
    for statement in statements:
        statement.in_transaction = open_block
        if statement.kind != "TransactionStmt":
            continue
        kind = statement.body.get("kind")
        if kind in _OPENS:
            # a BEGIN inside an open block shows as in a transaction (nesting)
            open_block = True
        elif kind in _ENDS and not statement.body.get("chain"):
            open_block = False


def mark_transactions(
    migration: Migration,
    section: Section,
    statements: list[Statement],
    *,
    pg_major: int = DEFAULT_PG_MAJOR,
) -> None:
    """Set ``in_transaction`` on every statement of ``section`` by the tool's rules.

    Statements of function bodies (``in_function``) always count as in a transaction: they run
    inside the statement that calls them.
    """
    for statement in statements:
        # (a statement kept from an earlier parse is marked again)
        statement.in_transaction = statement.in_function
    top = _top_level(statements)
    plan = transaction_plan(migration, section, statements, pg_major=pg_major)
    if plan.wrapped:
        for statement in top:
            statement.in_transaction = True
        return
    if plan.delivery is Delivery.ONE_STRING:
        # several statements in one query string: PostgreSQL's implicit transaction
        implicit = len(top) > 1
        for statement in top:
            statement.in_transaction = implicit
        return
    _mark_explicit(top)
    if migration.tool is Tool.GOOSE:
        _mark_goose_batches(section, top)


def _mark_goose_batches(section: Section, statements: Sequence[Statement]) -> None:
    """goose sends each ``;``-terminated piece (or StatementBegin block) as one query string: a
    piece holding several statements runs in an implicit transaction."""
    batches = goose.statement_batches(section)
    if not batches:
        return
    index = 0
    for batch in batches:
        members = []
        while index < len(statements) and statements[index].span.start < batch.end:
            if statements[index].span.start >= batch.start:
                members.append(statements[index])
            index += 1
        if len(members) > 1:
            for statement in members:
                statement.in_transaction = True
