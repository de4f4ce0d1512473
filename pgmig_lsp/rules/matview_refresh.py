"""blocking-matview-refresh: REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks reads."""

from __future__ import annotations

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import keyword_span
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement


class BlockingMatviewRefresh(Rule):
    """Flags `REFRESH MATERIALIZED VIEW` without `CONCURRENTLY` on an existing view.

    ## What it does
    Reports a plain `REFRESH MATERIALIZED VIEW` of a materialized view that existed before the
    migration. A view created in this migration (notably one created `WITH NO DATA`, whose first
    refresh cannot be concurrent) is not reported, nor is a refresh `WITH NO DATA`.

    ## Why is this bad?
    A plain refresh takes an ACCESS EXCLUSIVE lock on the view while it runs the view's whole
    query: every read of the view waits, for as long as the query takes.

    ## Lock
    ACCESS EXCLUSIVE on the view. `CONCURRENTLY` takes EXCLUSIVE instead: reads go on while the
    new contents are computed and merged.

    ## Instead
    `REFRESH MATERIALIZED VIEW CONCURRENTLY`. It needs a unique index on plain columns of the
    view, without a `WHERE` clause, and a view that has been populated once.

    ## Example
    ```sql
    -- migrate:up
    REFRESH MATERIALIZED VIEW daily_sales_summary;
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE UNIQUE INDEX CONCURRENTLY idx_daily_sales_summary_date
      ON daily_sales_summary (sale_date);  -- once, in a migration of its own
    REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales_summary;
    ```
    """

    id = "blocking-matview-refresh"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"RefreshMatViewStmt"})
    summary = "REFRESH MATERIALIZED VIEW without CONCURRENTLY blocks every read of the view"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("concurrent") or body.get("skipData") or statement.in_function:
            return
        relation = body.get("relation")
        context = self.context
        if not context.existed_before(relation):
            return
        key = context.table_key(relation)
        view = context.table(relation)
        if key is None or (view is not None and view.unpopulated):
            return  # its first refresh cannot be concurrent
        has_index = self._unique_index(key)
        name = display_name(key)
        message = (
            f"`REFRESH MATERIALIZED VIEW` takes an ACCESS EXCLUSIVE lock on `{name}` while it "
            "runs the view's whole query: every read of the view waits. Use `REFRESH MATERIALIZED "
            "VIEW CONCURRENTLY`"
        )
        fix = None
        if has_index:
            message += " (the view has the unique index it needs)"
            keyword = keyword_span(section.file, statement.span, "MATERIALIZED VIEW")
            if keyword is not None:
                fix = Fix(
                    title="Refresh CONCURRENTLY",
                    edits=(
                        Edit(section.file.path, Span(keyword.end, keyword.end), " CONCURRENTLY"),
                    ),
                    safe=True,
                )
        else:
            message += ", which needs a unique index on plain columns of the view, without `WHERE`"
        self.report(section, statement.span, message, statement=statement, fix=fix)

    def _unique_index(self, key: Key) -> bool:
        """The catalog knows a unique index that `CONCURRENTLY` can use."""
        return any(
            index.unique and not index.partial and index.columns and None not in index.columns
            for index in self.context.catalog.indexes_on(key)
        )
