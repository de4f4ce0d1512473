"""unbatched-backfill: a whole-table UPDATE/DELETE inside the migration's transaction."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import Effect, statement_locks
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.sql.nodes import const_value
from pgmig_lsp.sql.parse import Statement


class UnbatchedBackfill(Rule):
    """Flags a whole-table `UPDATE`/`DELETE` of an existing table in the migration's transaction.

    ## What it does
    Reports an `UPDATE` or `DELETE` with no `WHERE` clause (or `WHERE true`) on a table that
    existed before the migration, when the statement runs inside a transaction.

    ## Why is this bad?
    The statement writes every row in one transaction: every row stays locked until the whole
    migration commits (concurrent updates of any row wait), each updated row leaves a dead
    version behind (the table can double in size until vacuum), replicas fall behind, and one
    failure rolls everything back. Any ACCESS EXCLUSIVE lock the migration took earlier is held
    for the whole backfill too.

    ## Lock
    ROW EXCLUSIVE on the table and a row lock on every row, held until the transaction ends.

    ## Instead
    Keep the migration to schema changes. Backfill outside it, in batches that each commit
    (a job or a script that updates a few thousand rows at a time by key range).

    ## Example
    ```sql
    -- migrate:up
    UPDATE app_user SET status = 'active';
    ```
    Use instead:
    ```sql
    -- run outside the migration, repeated until no row is left:
    UPDATE app_user SET status = 'active'
    WHERE id IN (SELECT id FROM app_user WHERE status IS NULL LIMIT 5000);
    ```
    """

    id = "unbatched-backfill"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"UpdateStmt", "DeleteStmt"})
    summary = "UPDATE/DELETE of a whole existing table inside the migration's transaction"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function or not statement.in_transaction:
            return
        where = statement.body.get("whereClause")
        if where is not None and const_value(where) is not True:
            return
        locks = statement_locks(statement, self.context)
        if not locks or locks[0].effect is not Effect.ALL_ROWS or locks[0].new_table:
            return
        lock = locks[0]
        if statement.kind == "UpdateStmt":
            what = f"writes a new version of every row of {lock.target}"
            after = "the table can double in size until vacuum, "
        else:
            what = f"deletes every row of {lock.target}"
            after = ""
        message = (
            f"`{'UPDATE' if statement.kind == 'UpdateStmt' else 'DELETE'}` without `WHERE` {what} "
            "inside the migration's transaction: every row stays locked until the migration "
            f"commits (concurrent writes to them wait), {after}and one failure rolls it all back. "
            "Keep the migration to schema changes and run the backfill outside it, in batches "
            "that each commit"
        )
        self.report(section, statement.span, message, statement=statement)
