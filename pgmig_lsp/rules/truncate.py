"""truncate: `TRUNCATE` (and `TRUNCATE … CASCADE`) of tables that existed before the migration."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.drops import shown
from pgmig_lsp.sql.parse import Statement


class Truncate(Rule):
    """Flags `TRUNCATE` of a table that existed before this migration.

    ## What it does
    Reports `TRUNCATE` naming a table this migration did not create, and says so when `CASCADE`
    also empties the tables that reference it. Not reported in down sections, nor for tables
    created earlier in the same migration.

    ## Why is this bad?
    Every row is deleted, and a rollback cannot bring them back. `TRUNCATE … CASCADE` also
    empties every table with a foreign key to the truncated ones, and theirs, recursively —
    often far more than intended.

    ## Lock
    ACCESS EXCLUSIVE on every truncated table: reads and writes wait until the migration's
    transaction ends.

    ## Instead
    Keep data changes out of schema migrations; if rows must go, `DELETE` them in batches with a
    `WHERE` outside the migration. If the table really must be emptied, name each table instead
    of relying on `CASCADE`, and take a backup first.

    ## Example
    ```sql
    -- migrate:up
    TRUNCATE orders CASCADE;
    ```
    Use instead:
    ```sql
    -- migrate:up
    -- (nothing: delete the rows that must go in batches, outside the migration)
    ```
    """

    id = "truncate"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"TruncateStmt"})
    summary = "TRUNCATE deletes every row (with CASCADE, of referencing tables too)"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        body = statement.body
        context = self.context
        existing = [
            f"`{shown(context.table_key(relation))}`"
            for relation in body.get("relations", []) or []
            if context.existed_before(relation) and context.table_key(relation) is not None
        ]
        if not existing:
            return
        names = ", ".join(existing)
        message = (
            f"`TRUNCATE` deletes every row of {names} under an ACCESS EXCLUSIVE lock, and a "
            "rollback cannot bring them back"
        )
        if body.get("behavior") == "DROP_CASCADE":
            message += (
                "; `CASCADE` also empties every table with a foreign key to it, and theirs, "
                "recursively"
            )
        message += (
            ". Keep data deletion out of schema migrations (delete in batches with a `WHERE`), or "
            "name each table to empty explicitly, after a backup"
        )
        self.report(section, statement.span, message, statement=statement)
