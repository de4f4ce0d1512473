"""require-concurrent-index-drop and require-concurrent-reindex: index maintenance that blocks."""

from __future__ import annotations

import re

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import TableLock, display_name, reindex_concurrently, statement_locks
from pgmig_lsp.migrations.standalone import standalone_migration
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.lock_timeout import join_names
from pgmig_lsp.rules.rewrite import keyword_span, removal, statement_text
from pgmig_lsp.source import SourceFile, Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, strings
from pgmig_lsp.sql.parse import Statement


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "index"


def _with_concurrently(
    file: SourceFile, statement: Statement, keyword: str, after: Span | None = None
) -> tuple[Span, str] | None:
    """Where `` CONCURRENTLY`` goes (right after ``keyword``) and the rewritten statement."""
    found = after or keyword_span(file, statement.span, keyword)
    if found is None:
        return None
    original = statement_text(file, statement)
    offset = found.end - statement.span.start
    return Span(found.end, found.end), original[:offset] + " CONCURRENTLY" + original[offset:]


def concurrently_fix(
    rule: Rule,
    statement: Statement,
    section: SectionContext,
    at: tuple[Span, str],
    name: str,
    *,
    title: str,
    down: str | None = None,
    moved_safe: bool = True,
) -> Fix | None:
    """Add ``CONCURRENTLY`` in place where the statement runs outside a transaction; else move the
    statement, with ``CONCURRENTLY``, to a migration of its own that runs without one."""
    insert_at, concurrent = at
    file = section.file
    if not statement.in_transaction:
        return Fix(title=title, edits=(Edit(file.path, insert_at, " CONCURRENTLY"),), safe=True)
    created = standalone_migration(rule.context.migration, name, concurrent, down)
    if created is None:
        return None
    return Fix(
        title=title + " in a migration of its own",
        edits=(removal(file, statement), *created),
        safe=moved_safe,
    )


def _transaction_advice(statement: Statement, command: str) -> str:
    if statement.in_transaction:
        return (
            f", alone in a migration that runs without a transaction (`{command}` cannot run "
            "inside one)"
        )
    return ""


class RequireConcurrentIndexDrop(Rule):
    """Flags `DROP INDEX` without `CONCURRENTLY` on an index that existed before the migration.

    ## What it does
    Reports a plain `DROP INDEX` (also with `IF EXISTS`) of an index this migration did not
    create, on a table this migration did not create.

    ## Why is this bad?
    `DROP INDEX` takes an ACCESS EXCLUSIVE lock on the index's table. It first waits for every
    running transaction that uses the table, and while it waits every later read and write of the
    table queues behind it.

    ## Lock
    ACCESS EXCLUSIVE on the table and the index. `DROP INDEX CONCURRENTLY` takes SHARE UPDATE
    EXCLUSIVE and waits for running transactions without blocking anyone.

    ## Instead
    `DROP INDEX CONCURRENTLY`, one index per statement, without `CASCADE`, in a section that runs
    without a transaction (a migration of its own with the tool's opt-out). The fix adds the
    keyword where the statement already runs outside a transaction, and otherwise moves the
    statement to a new migration.

    ## Example
    ```sql
    -- migrate:up
    DROP INDEX idx_app_user_active;
    ```
    Use instead:
    ```sql
    -- migrate:up transaction:false
    DROP INDEX CONCURRENTLY idx_app_user_active;
    ```
    """

    id = "require-concurrent-index-drop"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"DropStmt"})
    summary = "DROP INDEX without CONCURRENTLY locks the table against reads and writes"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("removeType") != "OBJECT_INDEX" or body.get("concurrent"):
            return
        if statement.in_function:
            return
        names = [parts for parts in _object_names(body) if not self._created_here(parts)]
        if not names:
            return
        locks = [lock for lock in statement_locks(statement, self.context) if not lock.new_table]
        if not locks:
            return
        indexes = join_names([f"`{display_name(parts)}`" for parts in names])
        tables = [lock.target if lock.table_known else "its table" for lock in locks]
        message = (
            f"`DROP INDEX` of {indexes} takes an ACCESS EXCLUSIVE lock on {join_names(tables)}: "
            "it waits for every running transaction that uses the table, and every later read "
            "and write queues behind it. Use `DROP INDEX CONCURRENTLY`"
            + _transaction_advice(statement, "DROP INDEX CONCURRENTLY")
        )
        fix = None
        if len(names) > 1 or body.get("behavior") == "DROP_CASCADE":
            message += "; it drops one index per statement and cannot `CASCADE`"
        else:
            fix = self._fix(statement, section, names[0])
        self.report(section, statement.span, message, statement=statement, fix=fix)

    def _created_here(self, parts: tuple[str, ...]) -> bool:
        """The index, or its table, was created by this migration."""
        catalog = self.context.catalog
        name = QualifiedName.from_parts(parts)
        index = catalog.index(name.schema, name.name)
        if index is None:
            return False
        if index.origin is not None and index.origin.migration == str(self.context.migration.path):
            return True
        return index.table in self.context.created_tables and index.table in catalog.tables

    def _fix(
        self, statement: Statement, section: SectionContext, parts: tuple[str, ...]
    ) -> Fix | None:
        at = _with_concurrently(section.file, statement, "INDEX")
        if at is None:
            return None
        # the down of the new migration cannot rebuild the index exactly: leave it to the
        # original migration's down section, and do not apply the move unasked
        return concurrently_fix(
            self,
            statement,
            section,
            at,
            f"drop_{_slug(parts[-1])}",
            title="Drop the index CONCURRENTLY",
            moved_safe=False,
        )


def _object_names(body: Node) -> list[tuple[str, ...]]:
    out = []
    for obj in body.get("objects") or []:
        if "List" in obj:
            parts = strings(obj["List"].get("items"))
            if parts:
                out.append(parts)
    return out


def _targets(locks: list[TableLock]) -> str:
    return join_names([lock.target for lock in locks])


_REINDEX_KEYWORDS = {
    "REINDEX_OBJECT_INDEX": "INDEX",
    "REINDEX_OBJECT_TABLE": "TABLE",
    "REINDEX_OBJECT_SCHEMA": "SCHEMA",
    "REINDEX_OBJECT_DATABASE": "DATABASE",
}


class RequireConcurrentReindex(Rule):
    """Flags `REINDEX` without `CONCURRENTLY` on indexes that existed before the migration.

    ## What it does
    Reports `REINDEX INDEX`, `REINDEX TABLE`, `REINDEX SCHEMA` and `REINDEX DATABASE` without
    `CONCURRENTLY`, unless the index or table was created by this migration.

    ## Why is this bad?
    `REINDEX` blocks writes to the table for the whole rebuild, and holds an ACCESS EXCLUSIVE
    lock on the index being rebuilt. The planner opens every index of a table for every query,
    so in practice reads of the table wait too.

    ## Lock
    SHARE on the table, ACCESS EXCLUSIVE on each index while it is rebuilt.
    `REINDEX … CONCURRENTLY` (PostgreSQL 12+) takes SHARE UPDATE EXCLUSIVE: reads and writes go
    on.

    ## Instead
    `REINDEX INDEX CONCURRENTLY` / `REINDEX TABLE CONCURRENTLY`, in a section that runs without a
    transaction. Before PostgreSQL 12 there is no concurrent form: build a replacement with
    `CREATE INDEX CONCURRENTLY`, then `DROP INDEX CONCURRENTLY` the old one.

    ## Example
    ```sql
    -- migrate:up
    REINDEX INDEX idx_orders_created_at;
    ```
    Use instead:
    ```sql
    -- migrate:up transaction:false
    REINDEX INDEX CONCURRENTLY idx_orders_created_at;
    ```
    """

    id = "require-concurrent-reindex"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"ReindexStmt"})
    summary = "REINDEX without CONCURRENTLY blocks writes (and, through the index, reads)"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        keyword = _REINDEX_KEYWORDS.get(body.get("kind", ""))
        if keyword is None or statement.in_function or reindex_concurrently(body):
            return
        if keyword == "INDEX" and self._index_created_here(body.get("relation") or {}):
            return
        if keyword == "TABLE" and not self.context.existed_before(body.get("relation")):
            return
        locks = [lock for lock in statement_locks(statement, self.context) if not lock.new_table]
        if keyword in ("INDEX", "TABLE"):
            if not locks:
                return
            what = _targets(locks)
        elif keyword == "SCHEMA":
            what = f"every table of schema `{display_name((body.get('name') or '',))}`"
        else:
            what = "every table of the database"
        message = (
            f"`REINDEX {keyword}` blocks writes to {what} for the whole rebuild, and its ACCESS "
            "EXCLUSIVE lock on each index being rebuilt stops every query the planner would "
            "consider it for (in practice, reads too). "
        )
        fix = None
        if self.context.pg_version >= 12:
            message += "Use `REINDEX … CONCURRENTLY`" + _transaction_advice(
                statement, "REINDEX CONCURRENTLY"
            )
            at = _with_concurrently(section.file, statement, keyword)
            if at is not None:
                fix = concurrently_fix(
                    self,
                    statement,
                    section,
                    at,
                    f"reindex_{_slug(_reindex_target(body))}",
                    title="Rebuild CONCURRENTLY",
                )
        else:
            message += (
                f"PostgreSQL {self.context.pg_version} has no `REINDEX CONCURRENTLY` (it came in "
                "12): build a replacement index with `CREATE INDEX CONCURRENTLY`, then drop the "
                "old one with `DROP INDEX CONCURRENTLY`"
            )
        self.report(section, statement.span, message, statement=statement, fix=fix)

    def _index_created_here(self, relation: Node) -> bool:
        catalog = self.context.catalog
        name = relation.get("relname")
        if not name:
            return False
        index = catalog.index(relation.get("schemaname"), name)
        if index is None:
            return False
        if index.origin is not None and index.origin.migration == str(self.context.migration.path):
            return True
        key: Key = index.table
        return key in self.context.created_tables and key in catalog.tables


def _reindex_target(body: Node) -> str:
    relation = body.get("relation") or {}
    if relation.get("relname"):
        return str(relation["relname"])
    return str(body.get("name") or "database")
