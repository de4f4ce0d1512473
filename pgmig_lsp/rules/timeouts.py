"""missing-statement-timeout: a slow, blocking step with no `statement_timeout` to bound it."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import Effect, TableLock, statement_locks
from pgmig_lsp.migrations.model import Delivery
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.sql.nodes import Node, const_value, strings, walk
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

_ZERO = re.compile(r"\s*0+(?:\.0*)?\s*(?:us|ms|s|min|h|d)?\s*", re.IGNORECASE)


def _nonzero(value: object) -> bool:
    """A ``statement_timeout`` value that sets a limit (``0`` switches it off)."""
    if isinstance(value, (int, float)):
        return value != 0
    if isinstance(value, str):
        return not _ZERO.fullmatch(value)
    return False


def timeout_change(statement: Statement, setting: str) -> bool | None:
    """How ``statement`` changes ``setting``: True (sets a limit), False (removes it: ``0``,
    ``DEFAULT``, ``RESET``), None (does not touch it).

    Knows ``SET [LOCAL]``, ``RESET`` and ``SELECT set_config('…', '…', …)``.
    """
    body = statement.body
    if statement.kind == "VariableSetStmt":
        name = body.get("name")
        kind = body.get("kind")
        if kind == "VAR_RESET_ALL":
            return False
        if name != setting:
            return None
        if kind != "VAR_SET_VALUE":
            return False
        args = body.get("args") or []
        return bool(args) and _nonzero(const_value(args[0]))
    if statement.kind == "SelectStmt":
        for kind, node in walk(body.get("targetList")):
            if kind != "FuncCall" or strings(node.get("funcname"))[-1:] != ("set_config",):
                continue
            call: list[Node] = node.get("args") or []
            if len(call) >= 2 and const_value(call[0]) == setting:
                return _nonzero(const_value(call[1]))
    return None


def _blocking_slow(lock: TableLock) -> bool:
    """Work proportional to an existing table's size while others wait on it."""
    if not lock.slow or lock.concurrent:
        return False
    return lock.blocks_writes or lock.effect is Effect.ALL_ROWS


class MissingStatementTimeout(Rule):
    """Flags a rewrite or full scan of an existing table with no `statement_timeout` set.

    ## What it does
    Reports, once per section, the first statement that rewrites, scans or builds an index over
    a table that existed before the migration while blocking writes (or locking every row), when
    no `SET statement_timeout` (or `set_config('statement_timeout', …)`) with a non-zero value
    comes before it in the section. `CONCURRENTLY` operations are left alone. It is off by
    default: many teams set the timeout on the migration role or connection instead.

    ## Why is this bad?
    How long a rewrite or scan takes depends on the table's size in production, not in
    development. Without a limit, a step that was instant on a test database holds its lock for
    minutes or hours, and every query on the table queues behind it. A `statement_timeout`
    turns that outage into a failed (rolled back) migration you can plan again.

    ## Lock
    That of the slow statement (ACCESS EXCLUSIVE for rewrites and `SET NOT NULL`, SHARE for
    `CREATE INDEX`, SHARE ROW EXCLUSIVE for a new foreign key, row locks for a whole-table
    `UPDATE`), held for the whole step.

    ## Instead
    Bound the step: `SET LOCAL statement_timeout = '5min';` at the start of a section that runs in
    a transaction (with `SET LOCAL lock_timeout` too), or set it for the migration's
    connection (`PGOPTIONS='-c statement_timeout=5min'`) or role when the section runs without
    one. Better still, use the non-blocking alternative the locking rules suggest.

    ## Example
    ```sql
    ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
    ```
    Use instead:
    ```sql
    SET LOCAL statement_timeout = '5min';
    ALTER TABLE orders ALTER COLUMN status SET NOT NULL;
    ```
    """

    id = "missing-statement-timeout"
    group = Group.DESIGN
    severity = Severity.INFO
    enabled_by_default = False
    kinds = None
    summary = "a rewrite or full scan with no `statement_timeout`"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._limited = False
        self._reported = False

    def begin_section(self, section: SectionContext) -> None:
        self._limited = False
        self._reported = False

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if self._reported or statement.in_function:
            return
        change = timeout_change(statement, "statement_timeout")
        if change is not None:
            self._limited = change
            return
        if self._limited:
            return
        lock = next(
            (lock for lock in statement_locks(statement, self.context) if _blocking_slow(lock)),
            None,
        )
        if lock is None:
            return
        self._reported = True
        span = statement.span
        if lock.subcommand is not None and statement.kind == "AlterTableStmt":
            spans = subcommand_spans(statement, section.file.text)
            if len(spans) == len(statement.body.get("cmds") or []):
                span = spans[lock.subcommand]
        waiting = f"{lock.blocked} wait" if lock.blocks_writes else "writes to any of its rows wait"
        self.report(
            section,
            span,
            f"this step {lock.effect.description} ({lock.target}) while holding "
            f"{lock.mode.pg_name} ({waiting}), and no `statement_timeout` is set: on a big "
            "table it runs as long as it takes while queries queue behind it. "
            f"{self._advice(statement, section)}",
            statement=statement,
        )

    @staticmethod
    def _advice(statement: Statement, section: SectionContext) -> str:
        if statement.in_transaction:
            return "Start the section with `SET LOCAL statement_timeout = '…'`"
        if section.section.delivery is Delivery.PER_STATEMENT:
            return "Add `SET statement_timeout = '…';` before it"
        return (
            "Set `statement_timeout` for the migration's connection "
            "(`PGOPTIONS='-c statement_timeout=…'`) or role: another statement in this section "
            "would put it in an implicit transaction"
        )
