"""drop-not-null: `ALTER COLUMN … DROP NOT NULL` on a column code may assume is never NULL."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.drops import existing_column_commands, shown, subcommand_span
from pgmig_lsp.sql.parse import Statement


class DropNotNull(Rule):
    """Flags `ALTER COLUMN … DROP NOT NULL` on a column that existed before this migration.

    ## What it does
    Reports `DROP NOT NULL` on a column of a table this migration did not create, unless the
    column was added earlier in the same migration. Not reported in down sections.

    ## Why is this bad?
    Code, reports, other services and typed clients (ORM models, generated types) were written
    for a column that always has a value. The first `NULL` written breaks them: null pointer
    errors, wrong totals, failed deserialization.

    ## Lock
    ACCESS EXCLUSIVE on the table, briefly (no scan).

    ## Instead
    Deploy readers that handle `NULL` first, then drop the constraint; or keep `NOT NULL` and
    give the column a default.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL;
    ```
    Use instead:
    ```sql
    -- migrate:up (after every reader handles a NULL customer_id)
    ALTER TABLE orders ALTER COLUMN customer_id DROP NOT NULL;
    ```
    """

    id = "drop-not-null"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "DROP NOT NULL breaks code that assumes the column always has a value"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        found = existing_column_commands(self.context, section, statement, "AT_DropNotNull")
        if found is None:
            return
        table, drops = found
        for index, column in drops:
            self.report(
                section,
                subcommand_span(statement, section, index),
                f"`DROP NOT NULL` lets `{shown(table)}.{column}` hold NULL: running code, reports "
                "and typed clients written for a column that always has a value break on the "
                "first NULL. Deploy readers that handle NULL first, or keep `NOT NULL` and give "
                "the column a default",
                statement=statement,
            )
