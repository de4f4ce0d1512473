"""long-lock-window: a slow step while the transaction already holds ACCESS EXCLUSIVE."""

from __future__ import annotations

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import Effect, LockMode, TableLock, command_name, statement_locks
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

_WORK = {
    Effect.SCAN: "scans all of {}",
    Effect.INDEX_BUILD: "builds an index over all of {}",
    Effect.ALL_ROWS: "writes every row of {}",
    Effect.REWRITE: "rewrites all of {}",
}

#: transaction control: the locks held so far are released (or a new transaction starts)
_BOUNDARIES = frozenset(
    {
        "TRANS_STMT_BEGIN",
        "TRANS_STMT_START",
        "TRANS_STMT_COMMIT",
        "TRANS_STMT_ROLLBACK",
        "TRANS_STMT_PREPARE",
    }
)


def _slow(lock: TableLock) -> bool:
    # a CONCURRENTLY build cannot run in a transaction at all (concurrently-in-transaction)
    return lock.slow and not (lock.concurrent and lock.effect is Effect.INDEX_BUILD)


class LongLockWindow(Rule):
    """Flags a slow step that runs while the transaction holds an ACCESS EXCLUSIVE lock.

    ## What it does
    Reports, once per section, the first slow statement (a table rewrite, a full scan, a
    whole-table `UPDATE`/`DELETE`, a non-concurrent index build, a constraint validation) that
    runs in the same transaction after an earlier statement took an ACCESS EXCLUSIVE lock on a
    table that existed before the migration. A slow step that takes ACCESS EXCLUSIVE on that
    table itself (two type changes of one table in a row) is not reported: splitting would not
    shorten that table's lock.

    ## Why is this bad?
    Locks are held until the transaction ends. A quick `ALTER TABLE … ADD COLUMN` followed by a
    backfill in the same transaction keeps the table locked against every read and write for the
    whole backfill, not for the millisecond the `ALTER TABLE` needed.

    ## Lock
    ACCESS EXCLUSIVE on the table, taken by the earlier statement and held to the end of the
    transaction, across the slow step.

    ## Instead
    Split the migration: commit the statement that takes the ACCESS EXCLUSIVE lock first, then
    run the slow step in its own transaction (or, for a backfill, outside the migration in
    batches).

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN status text;
    UPDATE app_user SET status = CASE WHEN active THEN 'active' ELSE 'inactive' END;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN status text;
    -- and, in a later migration or a batched job:
    -- UPDATE app_user SET status = … WHERE id BETWEEN … AND …;
    ```
    """

    id = "long-lock-window"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = None
    summary = "a slow step runs while the transaction holds an ACCESS EXCLUSIVE lock"

    def begin_section(self, section: SectionContext) -> None:
        #: ACCESS EXCLUSIVE locks the current transaction holds: table -> (lock, statement)
        self._held: dict[Key, tuple[TableLock, Statement]] = {}
        self._reported = False

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if self._reported or statement.in_function:
            return
        if statement.kind == "TransactionStmt":
            if statement.body.get("kind") in _BOUNDARIES:
                self._held.clear()
            return
        if not statement.in_transaction:
            # autocommit: whatever an earlier statement locked was released when it ended
            self._held.clear()
            return
        locks = statement_locks(statement, self.context)
        # a table this statement locks ACCESS EXCLUSIVE itself is blocked for the whole step
        # anyway: committing the earlier lock first would not free it
        own = {lock.table for lock in locks if lock.mode is LockMode.ACCESS_EXCLUSIVE}
        if any(table not in own for table in self._held):
            slow = [lock for lock in locks if _slow(lock)]
            if slow:
                self._reported = True
                self._report(statement, section, slow[0], own)
                return
        for lock in locks:
            if lock.mode is LockMode.ACCESS_EXCLUSIVE and not lock.new_table:
                self._held.setdefault(lock.table, (lock, statement))

    def _report(
        self, statement: Statement, section: SectionContext, slow: TableLock, own: set[Key]
    ) -> None:
        blocked = {table: held for table, held in self._held.items() if table not in own}
        held, holder = blocked.get(slow.table) or next(iter(blocked.values()))
        line = section.file.position(holder.span.start)[0] + 1
        work = _WORK.get(slow.effect, "works through all of {}").format(slow.target)
        if held.table == slow.table or not held.table_known:
            waiting = f"reads and writes of {held.target} wait"
        else:
            waiting = (
                f"reads and writes of {held.target} wait (it is not the table being worked on)"
            )
        message = (
            f"`{command_name(statement)}` {work} while this transaction still holds the ACCESS "
            f"EXCLUSIVE lock `{command_name(holder)}` took on {held.target} on line {line}: "
            f"{waiting} for the whole step, until the transaction commits. Split the migration: "
            f"commit the `{command_name(holder)}` first and run this step in its own transaction"
        )
        if slow.effect is Effect.ALL_ROWS:
            message += " (or batch it outside the migration)"
        self.report(section, self._span(statement, section, slow), message, statement=statement)

    @staticmethod
    def _span(statement: Statement, section: SectionContext, lock: TableLock) -> Span:
        if statement.kind == "AlterTableStmt" and lock.subcommand is not None:
            spans = subcommand_spans(statement, section.file.text)
            if lock.subcommand < len(spans):
                return spans[lock.subcommand]
        return statement.span
