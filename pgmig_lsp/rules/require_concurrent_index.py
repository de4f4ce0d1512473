"""require-concurrent-index: building an index without CONCURRENTLY on an existing table."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.standalone import standalone_migration
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import keyword_span, removal, statement_text
from pgmig_lsp.sql.parse import Statement


class RequireConcurrentIndex(Rule):
    """Flags `CREATE INDEX` without `CONCURRENTLY` on a table that existed before the migration.

    ## What it does
    Reports a plain `CREATE INDEX` (or `CREATE UNIQUE INDEX`) on a table that this migration did
    not create. Not reported for `CREATE INDEX … ON ONLY` (a partitioned table's parent index,
    which builds nothing) or for `IF NOT EXISTS` when the index is already there.

    ## Why is this bad?
    A plain index build takes a SHARE lock on the table for the whole build: every `INSERT`,
    `UPDATE` and `DELETE` waits until the index is built, which on a large table means minutes.

    ## Lock
    SHARE on the table (blocks writes; reads go on). `CREATE INDEX CONCURRENTLY` takes SHARE
    UPDATE EXCLUSIVE instead, which lets writes go on.

    ## Instead
    Build the index with `CREATE INDEX CONCURRENTLY`, in a migration of its own whose section holds
    only that statement and runs without a transaction (dbmate `transaction:false`, goose
    `NO TRANSACTION`, …). Adding the keyword in place breaks the migration wherever the statement
    runs in a transaction block. The fix does the move. On a table created in the same migration
    a plain build is right: the table is empty.

    ## Example
    ```sql
    -- migrate:up
    CREATE INDEX idx_orders_created_at ON orders (created_at);
    ```
    Use instead:
    ```sql
    -- migrate:up transaction:false
    CREATE INDEX CONCURRENTLY idx_orders_created_at ON orders (created_at);
    ```
    """

    id = "require-concurrent-index"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"IndexStmt"})
    summary = "CREATE INDEX without CONCURRENTLY blocks writes for the whole build"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("concurrent") or statement.in_function:
            return
        relation = body.get("relation")
        context = self.context
        if not context.existed_before(relation):
            return
        if relation and not relation.get("inh", False):
            # ON ONLY a partitioned table: an invalid parent index, no partition is built (and
            # CONCURRENTLY is not allowed there); the partitions' indexes are attached later
            return
        table = context.table_key(relation)
        name = body.get("idxname")
        if (
            body.get("if_not_exists")
            and table is not None
            and (table[0], name) in context.catalog.indexes
        ):
            return  # the index is there already: the statement does nothing
        table_name = display_name(table) if table else "?"
        self.report(
            section,
            statement.span,
            f"`CREATE INDEX` takes a SHARE lock on `{table_name}`: every write to the table waits "
            "for the whole index build. Build it with `CREATE INDEX CONCURRENTLY` in a migration "
            "of its own that runs without a transaction",
            statement=statement,
            fix=self._fix(statement, section),
        )

    def _fix(self, statement: Statement, section: SectionContext) -> Fix | None:
        file = section.file
        migration = self.context.migration
        index_kw = keyword_span(file, statement.span, "INDEX")
        if index_kw is None:
            return None
        original = statement_text(file, statement)
        offset = index_kw.end - statement.span.start
        concurrent = original[:offset] + " CONCURRENTLY" + original[offset:]
        name = statement.body.get("idxname")
        down = f"DROP INDEX CONCURRENTLY IF EXISTS {name}" if name else None
        if name and statement.body.get("relation", {}).get("schemaname"):
            down = (
                f"DROP INDEX CONCURRENTLY IF EXISTS "
                f"{statement.body['relation']['schemaname']}.{name}"
            )
        slug = re.sub(r"[^a-z0-9]+", "_", (name or "index").lower()).strip("_")
        created = standalone_migration(migration, f"create_{slug}", concurrent, down)
        if created is None:
            return None
        return Fix(
            title="Build the index CONCURRENTLY in a migration of its own",
            edits=(removal(file, statement), *created),
            safe=True,
        )
