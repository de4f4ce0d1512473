"""matview-concurrent-refresh-without-unique-index: a concurrent refresh PostgreSQL refuses."""

from __future__ import annotations

import re

from pgmig_lsp.catalog.model import Table
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.plpgsql import function_statements

_CONCURRENTLY = re.compile(r"\bconcurrently\b", re.IGNORECASE)


def _shown(table: Table) -> str:
    return display_name((table.schema, table.name))


class MatviewConcurrentRefreshWithoutUniqueIndex(Rule):
    """Flags `REFRESH MATERIALIZED VIEW CONCURRENTLY` that PostgreSQL will refuse.

    ## What it does
    Reports `REFRESH MATERIALIZED VIEW CONCURRENTLY` (in the migration, in a `DO` block, or in
    a function body) on a materialized view that has no unique index on plain columns without
    a `WHERE` clause, or on a view created `WITH NO DATA` and not refreshed since. Views pgmig
    does not know are left alone. For a function, the indexes that exist when the function is
    created count.

    ## Why is this bad?
    A concurrent refresh compares the new contents with the old row by row, through a unique
    index: without one PostgreSQL fails with `cannot refresh materialized view concurrently`.
    An expression index or a partial index does not count. A view that was never populated has
    nothing to compare with, and fails with `CONCURRENTLY cannot be used when the materialized
    view is not populated`. In a function, the failure waits for the first call — often a
    scheduled job, at night.

    ## Lock
    `REFRESH … CONCURRENTLY` takes EXCLUSIVE on the view (reads go on); without
    `CONCURRENTLY`, ACCESS EXCLUSIVE (reads wait for the whole refresh).

    ## Instead
    Create a unique index on one or more plain columns of the view, without `WHERE`, before
    the first concurrent refresh; populate a `WITH NO DATA` view once with a plain
    `REFRESH MATERIALIZED VIEW`.

    ## Example
    ```sql
    CREATE MATERIALIZED VIEW daily_sales AS
      SELECT created_at::date AS day, sum(total) AS total FROM orders GROUP BY 1;
    REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;
    ```
    Use instead:
    ```sql
    CREATE MATERIALIZED VIEW daily_sales AS
      SELECT created_at::date AS day, sum(total) AS total FROM orders GROUP BY 1;
    CREATE UNIQUE INDEX daily_sales_day_key ON daily_sales (day);
    REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;
    ```
    """

    id = "matview-concurrent-refresh-without-unique-index"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = frozenset({"RefreshMatViewStmt", "CreateFunctionStmt", "DoStmt"})
    summary = "REFRESH MATERIALIZED VIEW CONCURRENTLY without a usable unique index"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.kind == "RefreshMatViewStmt":
            self._check_refresh(statement, statement, section, later_call=False)
            return
        text = section.file.text
        # the common case (no concurrent refresh in the body) costs one regular expression
        if not _CONCURRENTLY.search(text, statement.span.start, statement.span.end):
            return
        later_call = statement.kind == "CreateFunctionStmt"
        for nested in function_statements(statement, text):
            if nested.kind == "RefreshMatViewStmt":
                self._check_refresh(nested, statement, section, later_call=later_call)

    def _check_refresh(
        self, refresh: Statement, anchor: Statement, section: SectionContext, *, later_call: bool
    ) -> None:
        body = refresh.body
        if not body.get("concurrent"):
            return
        table = self.context.table(body.get("relation"))
        if table is None or table.kind != "matview":
            return
        name = _shown(table)
        where = " (when the function runs)" if later_call else ""
        if table.unpopulated and not later_call:
            # a function may well run after a plain refresh has populated the view
            self.report(
                section,
                refresh.span,
                f"`{name}` was created `WITH NO DATA` and not refreshed since: PostgreSQL fails "
                "with `CONCURRENTLY cannot be used when the materialized view is not "
                "populated`. Populate it once with a plain `REFRESH MATERIALIZED VIEW "
                f"{name}`",
                statement=anchor,
            )
            return
        usable = any(
            index.unique and not index.partial and index.columns and None not in index.columns
            for index in self.context.catalog.indexes_on(table.key)
        )
        if usable:
            return
        self.report(
            section,
            refresh.span,
            f"`{name}` has no unique index on plain columns without a `WHERE` clause: "
            f"PostgreSQL fails{where} with `cannot refresh materialized view "
            f'"{table.schema}.{table.name}" concurrently`. Create one first, e.g. '
            f"`CREATE UNIQUE INDEX ON {name} (…)` on the view's key columns",
            statement=anchor,
        )
