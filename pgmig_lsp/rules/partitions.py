"""detach-partition-blocking: DETACH PARTITION without CONCURRENTLY (PostgreSQL 14+)."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.index_maintenance import concurrently_fix
from pgmig_lsp.rules.rewrite import statement_text
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans


class DetachPartitionBlocking(Rule):
    """Flags `ALTER TABLE … DETACH PARTITION` without `CONCURRENTLY` on PostgreSQL 14+.

    ## What it does
    Reports `DETACH PARTITION` without `CONCURRENTLY` on a partitioned table that existed before
    the migration, when the target PostgreSQL is 14 or later (older versions have no concurrent
    form).

    ## Why is this bad?
    A plain detach takes an ACCESS EXCLUSIVE lock on the partitioned table and on the partition:
    every read and write of the whole partitioned table waits, and while the detach waits for
    running queries, every later query queues behind it.

    ## Lock
    ACCESS EXCLUSIVE on the partitioned table and the partition. `DETACH PARTITION …
    CONCURRENTLY` takes SHARE UPDATE EXCLUSIVE on both: reads and writes go on.

    ## Instead
    `ALTER TABLE … DETACH PARTITION … CONCURRENTLY`, alone in a migration that runs without a
    transaction. It cannot be used when the table has a default partition.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE measurements DETACH PARTITION measurements_2023;
    ```
    Use instead:
    ```sql
    -- migrate:up transaction:false
    ALTER TABLE measurements DETACH PARTITION measurements_2023 CONCURRENTLY;
    ```
    """

    id = "detach-partition-blocking"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "DETACH PARTITION without CONCURRENTLY locks the whole partitioned table"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if self.context.pg_version < 14 or statement.in_function:
            return
        commands = body.get("cmds") or []
        found = [
            (index, cmd["AlterTableCmd"].get("def", {}).get("PartitionCmd", {}))
            for index, cmd in enumerate(commands)
            if cmd.get("AlterTableCmd", {}).get("subtype") == "AT_DetachPartition"
            and not cmd["AlterTableCmd"].get("def", {}).get("PartitionCmd", {}).get("concurrent")
        ]
        relation = body.get("relation")
        context = self.context
        if not found or not context.existed_before(relation):
            return
        parent = context.table_key(relation)
        spans = subcommand_spans(statement, section.file.text)
        for index, partition_cmd in found:
            partition = context.table_key(partition_cmd.get("name"))
            names = " and ".join(
                f"`{display_name(key)}`" for key in (parent, partition) if key is not None
            )
            message = (
                f"`DETACH PARTITION` takes an ACCESS EXCLUSIVE lock on {names}: every read and "
                "write of the partitioned table waits, and queues behind it while it waits for "
                "running queries. Use `DETACH PARTITION … CONCURRENTLY`"
            )
            if statement.in_transaction:
                message += ", alone in a migration that runs without a transaction"
            message += " (not possible while the table has a default partition)"
            span = spans[index] if index < len(spans) else statement.span
            fix = None
            if len(commands) == 1 and span != statement.span:
                fix = self._fix(statement, section, span, partition_cmd)
            self.report(section, span, message, statement=statement, fix=fix)

    def _fix(
        self,
        statement: Statement,
        section: SectionContext,
        span: Span,
        partition_cmd: Node,
    ) -> Fix | None:
        original = statement_text(section.file, statement)
        offset = span.end - statement.span.start
        concurrent = original[:offset] + " CONCURRENTLY" + original[offset:]
        label = (partition_cmd.get("name") or {}).get("relname") or "partition"
        slug = re.sub(r"[^a-z0-9]+", "_", str(label).lower()).strip("_") or "partition"
        # the partition's bound is not known here, so the new migration's down cannot attach
        # it again: leave that to the original migration's down, and never apply it unasked
        return concurrently_fix(
            self,
            statement,
            section,
            (Span(span.end, span.end), concurrent),
            f"detach_{slug}",
            title="Detach the partition CONCURRENTLY",
            moved_safe=False,
        )
