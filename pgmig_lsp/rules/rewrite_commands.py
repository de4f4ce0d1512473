"""table-rewrite-command: commands whose whole job is to rewrite a table under ACCESS EXCLUSIVE."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name, vacuum_full
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.lock_timeout import join_names
from pgmig_lsp.sql.nodes import Node
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

#: ALTER TABLE sub-commands that rewrite the table: what happens, and what to do instead
_ALTER_REWRITES = {
    "AT_SetLogged": (
        "SET LOGGED",
        "writes all of {} to the WAL",
        "create the table logged from the start, or build a logged copy and swap it in",
    ),
    "AT_SetUnLogged": (
        "SET UNLOGGED",
        "rewrites all of {} (and the table is then emptied after a crash and not replicated)",
        "avoid it on a live table",
    ),
    "AT_SetAccessMethod": (
        "SET ACCESS METHOD",
        "rewrites all of {} into the new access method",
        "build a new table with the access method, copy the rows in batches and swap it in",
    ),
    "AT_SetTableSpace": (
        "SET TABLESPACE",
        "copies all of {} to the new tablespace",
        "move it online with pg_repack (`--tablespace`)",
    ),
}


class TableRewriteCommand(Rule):
    """Flags `VACUUM FULL`, `CLUSTER`, `SET LOGGED/UNLOGGED`, `SET ACCESS METHOD`, `SET TABLESPACE`.

    ## What it does
    Reports commands that rewrite a table that existed before the migration: `VACUUM FULL`,
    `CLUSTER`, and `ALTER TABLE … SET LOGGED`, `SET UNLOGGED`, `SET ACCESS METHOD`,
    `SET TABLESPACE` (also `ALTER INDEX`/`ALTER MATERIALIZED VIEW … SET TABLESPACE`).

    ## Why is this bad?
    Each writes a complete new copy of the table (and its indexes) while holding an ACCESS
    EXCLUSIVE lock: every read and write of the table waits for the whole copy, which takes
    minutes to hours on a large table, and needs the table's size again in free disk.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole rewrite.

    ## Instead
    For bloat, plain `VACUUM` (no lock against reads or writes) or pg_repack / pg_squeeze, which
    rebuild online. For `CLUSTER`, `pg_repack --order-by`. For tablespace moves,
    `pg_repack --tablespace`. Avoid persistence and access method changes on live tables.

    ## Example
    ```sql
    -- migrate:up
    VACUUM FULL orders;
    ```
    Use instead:
    ```sql
    -- outside the migration:
    -- pg_repack --table=orders
    VACUUM orders;
    ```
    """

    id = "table-rewrite-command"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"VacuumStmt", "ClusterStmt", "AlterTableStmt"})
    summary = "VACUUM FULL, CLUSTER and persistence/tablespace changes rewrite the table"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        kind = statement.kind
        if kind == "VacuumStmt":
            self._vacuum(statement, section)
        elif kind == "ClusterStmt":
            self._cluster(statement, section)
        else:
            self._alter(statement, section)

    def _existing(self, relations: list[Node]) -> list[str]:
        context = self.context
        names = []
        for relation in relations:
            key = context.table_key(relation)
            if key is not None and context.existed_before(relation):
                names.append(f"`{display_name(key)}`")
        return names

    def _vacuum(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if not vacuum_full(body):
            return
        rels = [
            item.get("VacuumRelation", {}).get("relation") or {} for item in body.get("rels") or []
        ]
        if rels:
            names = self._existing(rels)
            if not names:
                return
            what = join_names(names)
        else:
            what = "every table of the database"
        message = (
            f"`VACUUM FULL` rewrites {what} and their indexes under an ACCESS EXCLUSIVE lock: "
            "every read and write waits for the whole copy. Plain `VACUUM` makes the space "
            "reusable without blocking; to shrink a table online use pg_repack or pg_squeeze"
        )
        if len(rels) == 1:
            message = message.replace(" and their indexes", " and its indexes")
        self.report(section, statement.span, message, statement=statement)

    def _cluster(self, statement: Statement, section: SectionContext) -> None:
        relation = statement.body.get("relation")
        if relation:
            names = self._existing([relation])
            if not names:
                return
            what = names[0]
        else:
            what = "every table clustered before"
        message = (
            f"`CLUSTER` rewrites {what} in index order under an ACCESS EXCLUSIVE lock: every read "
            "and write waits for the whole copy. Use `pg_repack --order-by` to reorder it online"
        )
        self.report(section, statement.span, message, statement=statement)

    def _alter(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        objtype = body.get("objtype", "OBJECT_TABLE")
        commands = body.get("cmds") or []
        found = [
            (index, cmd.get("AlterTableCmd", {}))
            for index, cmd in enumerate(commands)
            if cmd.get("AlterTableCmd", {}).get("subtype") in _ALTER_REWRITES
        ]
        if not found:
            return
        relation = body.get("relation") or {}
        if objtype == "OBJECT_INDEX":
            what = self._index(relation)
            if what is None:
                return
        elif objtype in ("OBJECT_TABLE", "OBJECT_MATVIEW"):
            names = self._existing([relation])
            if not names:
                return
            what = names[0]
        else:
            return
        spans = subcommand_spans(statement, section.file.text)
        for index, cmd in found:
            words, work, instead = _ALTER_REWRITES[cmd.get("subtype", "")]
            message = (
                f"`{words}` {work.format(what)} under an ACCESS EXCLUSIVE lock: every read and "
                f"write waits for the whole copy. Instead: {instead}"
            )
            span = spans[index] if index < len(spans) else statement.span
            self.report(section, span, message, statement=statement)

    def _index(self, relation: Node) -> str | None:
        """The moved index, in words, unless it (or its table) is new in this migration."""
        catalog = self.context.catalog
        name = relation.get("relname")
        if not name:
            return None
        index = catalog.index(relation.get("schemaname"), name)
        if index is not None:
            if index.origin is not None and index.origin.migration == str(
                self.context.migration.path
            ):
                return None
            if index.table in self.context.created_tables:
                return None
            return f"index `{display_name((index.schema, index.name))}` (queries on `" + (
                display_name(index.table) + "` wait for it)"
            )
        return f"index `{display_name((relation.get('schemaname') or '', name))}`"
