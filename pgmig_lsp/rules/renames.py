"""rename-table, rename-column: renames break every running client that uses the old name."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.drops import new_columns, shown
from pgmig_lsp.sql.nodes import quote_identifier
from pgmig_lsp.sql.parse import Statement

_RELATIONS = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
}


class RenameTable(Rule):
    """Flags renaming a table (or view) that existed before this migration.

    ## What it does
    Reports `ALTER TABLE … RENAME TO …` (and `ALTER VIEW`/`ALTER MATERIALIZED VIEW`/`ALTER FOREIGN
    TABLE … RENAME TO`) of a relation this migration did not create. Not reported in down
    sections.

    ## Why is this bad?
    Code that is running while the migration commits still uses the old name: every one of its
    queries fails with `relation "…" does not exist` until the new code is deployed everywhere.

    ## Lock
    ACCESS EXCLUSIVE on the table, briefly.

    ## Instead
    Rename and, in the same transaction, create a view with the old name
    (`CREATE VIEW old_name AS SELECT * FROM new_name`; a simple view is updatable), deploy code
    that uses the new name, and drop the view in a later migration. Or keep the old name.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE customers RENAME TO clients;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE customers RENAME TO clients;
    CREATE VIEW customers AS SELECT * FROM clients;
    -- a later migration, once no code uses `customers`: DROP VIEW customers;
    ```
    """

    id = "rename-table"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"RenameStmt"})
    summary = "renaming a table breaks running clients that use the old name"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        what = _RELATIONS.get(body.get("renameType", ""))
        if what is None or statement.in_function:
            return
        relation = body.get("relation")
        context = self.context
        if not context.existed_before(relation):
            return
        old = shown(context.table_key(relation))
        new = body.get("newname", "")
        self.report(
            section,
            statement.span,
            f"Renaming the {what} `{old}` to `{new}` breaks every running client that still uses "
            f"`{old}`: its queries fail until new code is deployed everywhere. Create a view with "
            f"the old name in the same transaction (`CREATE VIEW {old} AS SELECT * FROM {new}`) "
            "and drop it in a later migration once no code uses it",
            statement=statement,
        )


class RenameColumn(Rule):
    """Flags renaming a column that existed before this migration.

    ## What it does
    Reports `ALTER TABLE … RENAME COLUMN … TO …` (also on views) of a column of a table this
    migration did not create, unless the column was added earlier in the same migration. Not
    reported in down sections.

    ## Why is this bad?
    Code that is running while the migration commits still selects, inserts and updates the old
    column name: those queries fail with `column "…" does not exist` until the new code is
    deployed everywhere.

    ## Lock
    ACCESS EXCLUSIVE on the table, briefly.

    ## Instead
    Expand/contract: add the new column, write both (a trigger or the code), backfill, switch the
    readers, then drop the old column in a later migration. Or keep the old name and rename it
    in the code only (ORMs map column names).

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user RENAME COLUMN name TO full_name;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN full_name text;
    -- write both columns from the code, backfill full_name in batches, switch the readers;
    -- a later migration: ALTER TABLE app_user DROP COLUMN name;
    ```
    """

    id = "rename-column"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"RenameStmt"})
    summary = "renaming a column breaks running clients that use the old name"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("renameType") != "OBJECT_COLUMN" or statement.in_function:
            return
        relation = body.get("relation")
        context = self.context
        if not context.existed_before(relation):
            return
        table = context.table_key(relation)
        old = body.get("subname", "")
        if table is None or not old or old in new_columns(context, section, statement, table):
            return
        old, new = quote_identifier(old), quote_identifier(body.get("newname", ""))
        self.report(
            section,
            statement.span,
            f"Renaming `{shown(table)}.{old}` to `{new}` breaks every running client that still "
            f"uses `{old}`: its queries fail until new code is deployed everywhere. Add `{new}` "
            f"as a new column, write both, backfill, switch the readers, and drop `{old}` in a "
            "later migration",
            statement=statement,
        )
