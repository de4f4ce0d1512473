"""concurrently-in-transaction: statements PostgreSQL refuses to run inside a transaction block."""

from __future__ import annotations

import re

from pglast import parser as pg

from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.model import Delivery, SectionKind, Tool
from pgmig_lsp.migrations.standalone import standalone_migration
from pgmig_lsp.migrations.transactions import (
    TransactionPlan,
    flyway_non_transactional,
    transaction_plan,
)
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import statement_text
from pgmig_lsp.rules.transaction_nesting import section_removal
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.plpgsql import function_statements

#: how to run a section without the tool's transaction, per tool
_OPT_OUT = {
    Tool.DBMATE: "`transaction:false` on its `-- migrate:up` line",
    Tool.GOOSE: "`-- +goose NO TRANSACTION`",
    Tool.DIESEL: "`run_in_transaction = false` in its `metadata.toml`",
    Tool.SQLX: "`-- no-transaction` as its first line",
    Tool.FLYWAY: "`executeInTransaction=false` in its `.sql.conf`",
    Tool.GOLANG_MIGRATE: "nothing else in the file (golang-migrate opens no transaction)",
    Tool.SUPABASE: "nothing else in the file",
    Tool.SQITCH: "no `BEGIN`/`COMMIT` around it",
    Tool.PLAIN: "the configuration saying it runs without a transaction",
}

#: cheap test before parsing a function body
_BODY_HINT = re.compile(
    r"\b(concurrently|vacuum|reindex|database|tablespace|alter\s+system|discard)\b", re.IGNORECASE
)

_REINDEX_WHOLE = frozenset(
    {"REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE", "REINDEX_OBJECT_SYSTEM"}
)


def refusing_command(statement: Statement) -> str | None:
    """The command's name if PostgreSQL refuses to run ``statement`` in a transaction block."""
    kind = statement.kind
    body = statement.body
    if kind == "IndexStmt":
        return "CREATE INDEX CONCURRENTLY" if body.get("concurrent") else None
    if kind == "DropStmt":
        if body.get("concurrent") and body.get("removeType") == "OBJECT_INDEX":
            return "DROP INDEX CONCURRENTLY"
        return None
    if kind == "ReindexStmt":
        if _reindex_concurrently(body):
            return "REINDEX … CONCURRENTLY"
        if body.get("kind") in _REINDEX_WHOLE:
            what = str(body.get("kind", "")).rsplit("_", 1)[-1]
            return f"REINDEX {what}"
        return None
    if kind == "AlterTableStmt":
        for item in body.get("cmds", []) or []:
            cmd = item.get("AlterTableCmd") or {}
            if cmd.get("subtype") == "AT_DetachPartition" and (
                (cmd.get("def") or {}).get("PartitionCmd") or {}
            ).get("concurrent"):
                return "DETACH PARTITION … CONCURRENTLY"
        return None
    if kind == "VacuumStmt":
        return "VACUUM" if body.get("is_vacuumcmd") else None
    if kind == "DiscardStmt":
        return "DISCARD ALL" if body.get("target") == "DISCARD_ALL" else None
    return _ALWAYS.get(kind)


_ALWAYS = {
    "CreatedbStmt": "CREATE DATABASE",
    "DropdbStmt": "DROP DATABASE",
    "AlterSystemStmt": "ALTER SYSTEM",
    "CreateTableSpaceStmt": "CREATE TABLESPACE",
    "DropTableSpaceStmt": "DROP TABLESPACE",
}


def _reindex_concurrently(body: Node) -> bool:
    return any(
        (param.get("DefElem") or {}).get("defname") == "concurrently"
        for param in body.get("params", []) or []
    )


def _concurrently_token(file_text: str, statement: Statement) -> Span | None:
    """The ``CONCURRENTLY`` keyword with the blank after it (or before it, at the end), for
    deleting it; None where deleting it would break the statement (``REINDEX (CONCURRENTLY)``)."""
    start = statement.span.start
    chunk = file_text[start : statement.span.end]
    try:
        tokens = list(pg.scan(chunk))
    except pg.ParseError:
        return None
    for index, token in enumerate(tokens):
        if token.name != "CONCURRENTLY":
            continue
        if index and tokens[index - 1].name in ("ASCII_40", "ASCII_44"):
            return None
        begin, end = token.start, token.end + 1
        if index + 1 < len(tokens):
            end = tokens[index + 1].start
            if "\n" in chunk[token.end + 1 : end]:
                # keep the line break: delete only the keyword and the blanks before it
                end = token.end + 1
                while begin > 0 and chunk[begin - 1] in " \t":
                    begin -= 1
        else:
            while begin > 0 and chunk[begin - 1] in " \t":
                begin -= 1
        return Span(start + begin, start + end)
    return None


def _line_of(file_text: str, offset: int) -> int:
    return file_text.count("\n", 0, offset) + 1


class ConcurrentlyInTransaction(Rule):
    """Flags statements that cannot run in a transaction block but will run in one.

    ## What it does
    Reports `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`
    (and `REINDEX SCHEMA/DATABASE/SYSTEM`), `ALTER TABLE … DETACH PARTITION … CONCURRENTLY`,
    `VACUUM`, `CREATE/DROP DATABASE`, `CREATE/DROP TABLESPACE`, `ALTER SYSTEM` and
    `DISCARD ALL` where they run inside a transaction block: the migration tool's transaction,
    an explicit `BEGIN`, or the implicit transaction PostgreSQL gives a query string holding
    several statements. With Flyway, it also reports a script that mixes such a statement with
    transactional ones (refused while `mixed=false`, the default), and a lone
    `CREATE INDEX CONCURRENTLY` that Flyway's transactional advisory lock makes wait forever.
    Inside a function body or `DO` block these statements always fail.

    ## Why is this bad?
    PostgreSQL refuses them with `cannot run inside a transaction block` (or `cannot be
    executed from a function`): the migration fails. Turning the tool's transaction off is not
    enough where the tool sends the whole section as one query string (dbmate, golang-migrate,
    diesel, sqlx, Supabase): while other statements share the string, PostgreSQL still runs it
    as one implicit transaction.

    ## Lock
    None: the statement fails before it starts. Run properly, `CREATE INDEX CONCURRENTLY` takes
    SHARE UPDATE EXCLUSIVE, which lets reads and writes go on.

    ## Instead
    Give the statement a migration of its own whose section holds only that statement, with
    the tool's opt-out (dbmate `transaction:false`, goose `NO TRANSACTION`, …); with Flyway set
    `postgresql.transactional.lock=false`. On a table created in the same migration a plain
    `CREATE INDEX` is right (the table is empty): drop `CONCURRENTLY`. The fix does either.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    CREATE INDEX CONCURRENTLY idx_orders_shipped_at ON orders (shipped_at);
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN shipped_at timestamptz;
    ```
    and in the next migration, alone:
    ```sql
    -- migrate:up transaction:false
    CREATE INDEX CONCURRENTLY idx_orders_shipped_at ON orders (shipped_at);
    ```
    """

    id = "concurrently-in-transaction"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = frozenset(
        {
            "IndexStmt",
            "DropStmt",
            "ReindexStmt",
            "AlterTableStmt",
            "VacuumStmt",
            "DiscardStmt",
            "CreateFunctionStmt",
            "DoStmt",
            *_ALWAYS,
        }
    )
    summary = "CONCURRENTLY, VACUUM, CREATE DATABASE… inside a transaction block"

    def begin_section(self, section: SectionContext) -> None:
        self._plan: TransactionPlan | None = None
        #: what the checks read of the whole section, by statement (see `resume`)
        self._counted: dict[int, int] = {}
        self._mentions: dict[tuple[int, str], bool] = {}

    def resume(self, section: SectionContext, position: int) -> bool:
        if position == 0:
            return True
        if self._plan is not None and self._plan != self._whole_plan(section):
            return False
        statements = section.statements
        if any(
            self._count_others(statements[index], section) != count
            for index, count in self._counted.items()
        ):
            return False
        return all(
            self._later_mention(statements[index], section, name) == found
            for (index, name), found in self._mentions.items()
        )

    def _whole_plan(self, section: SectionContext) -> TransactionPlan:
        return transaction_plan(
            self.context.migration,
            section.section,
            section.statements,
            pg_major=self.context.pg_version,
        )

    def _plan_of(self, section: SectionContext) -> TransactionPlan:
        if self._plan is None:
            self._plan = self._whole_plan(section)
        return self._plan

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.kind in ("CreateFunctionStmt", "DoStmt"):
            self._check_body(statement, section)
            return
        command = refusing_command(statement)
        if command is None:
            return
        if self.context.tool is Tool.FLYWAY and not statement.in_transaction:
            self._check_flyway(statement, section, command)
            return
        if not statement.in_transaction:
            return
        self._report_in_transaction(statement, section, command)

    # -- the usual case: a transaction block ---------------------------------------------

    def _open_begin(self, statement: Statement, section: SectionContext) -> Statement | None:
        """The explicit ``BEGIN`` whose block holds ``statement``, if any."""
        opened: Statement | None = None
        for earlier in section.statements[: statement.index]:
            if earlier.kind != "TransactionStmt" or earlier.in_function:
                continue
            kind = earlier.body.get("kind")
            if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START"):
                opened = opened or earlier
            elif kind in ("TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK") and not earlier.body.get(
                "chain"
            ):
                opened = None
        return opened

    def _others(self, statement: Statement, section: SectionContext) -> int:
        count = self._counted[statement.index] = self._count_others(statement, section)
        return count

    @staticmethod
    def _count_others(statement: Statement, section: SectionContext) -> int:
        return sum(1 for s in section.statements if s is not statement and not s.in_function)

    def _report_in_transaction(
        self, statement: Statement, section: SectionContext, command: str
    ) -> None:
        plan = self._plan_of(section)
        tool = self.context.tool
        text = section.file.text
        opened = self._open_begin(statement, section)
        others = self._others(statement, section)
        if opened is not None and not plan.wrapped:
            why = f"it sits in the `BEGIN` block opened on line {_line_of(text, opened.span.start)}"
        elif plan.wrapped:
            why = plan.reason or f"{tool.value} runs this section in a transaction"
        else:
            implicit = (
                "PostgreSQL runs a query string of several statements as one implicit transaction"
            )
            why = f"{plan.reason}, and {implicit}" if plan.reason else implicit
        message = f"`{command}` cannot run inside a transaction block, and here it does: {why}"
        new_table = self._on_new_table(statement)
        keyword = _concurrently_token(text, statement) if new_table else None
        if keyword is not None:
            message += (
                f". `{new_table}` is created in this migration, so it is empty: build it without "
                "`CONCURRENTLY`"
            )
            fix: Fix | None = Fix(
                "Drop `CONCURRENTLY` (the table is new and empty)",
                (Edit(section.file.path, keyword, ""),),
                safe=True,
            )
        else:
            opt_out = _OPT_OUT.get(tool)
            if opt_out and tool is Tool.DBMATE and section.kind is SectionKind.DOWN:
                opt_out = opt_out.replace("migrate:up", "migrate:down")
            message += ". Give it a migration of its own whose section holds only this statement"
            if opt_out:
                message += f", with {opt_out}"
            if plan.wrapped and plan.delivery is Delivery.ONE_STRING and others and opt_out:
                message += (
                    f" — turning the transaction off here would not help while the section "
                    f"holds {others} other statement{'s' if others > 1 else ''}: sent as one "
                    "query string, they share PostgreSQL's implicit transaction"
                )
            fix = self._move_fix(statement, section)
        self.report(section, statement.span, message, statement=statement, fix=fix)

    def _on_new_table(self, statement: Statement) -> str | None:
        """The new table's name when the statement works on a table created in this migration
        (so ``CONCURRENTLY`` can simply go)."""
        context = self.context
        body = statement.body
        kind = statement.kind
        relation: Node | None = None
        if kind == "ReindexStmt" and body.get("kind") == "REINDEX_OBJECT_INDEX":
            index = body.get("relation") or {}
            return self._index_table(
                QualifiedName(index.get("schemaname"), index.get("relname", ""))
            )
        if kind in ("IndexStmt", "ReindexStmt", "AlterTableStmt"):
            relation = body.get("relation")
        elif kind == "DropStmt":
            names = [
                strings((obj.get("List") or {}).get("items"))
                for obj in body.get("objects", []) or []
            ]
            if len(names) != 1 or not names[0]:
                return None
            return self._index_table(QualifiedName.from_parts(names[0]))
        if relation is None or not context.is_new_table(relation):
            return None
        key = context.table_key(relation)
        return None if key is None else display_name(key)

    def _index_table(self, name: QualifiedName | None) -> str | None:
        if name is None or not name.name:
            return None
        catalog = self.context.catalog
        index = catalog.index(name.schema, name.name)
        if index is None or index.table not in self.context.created_tables:
            return None
        if index.table not in catalog.tables:
            return None
        return display_name(index.table)

    def _move_fix(self, statement: Statement, section: SectionContext) -> Fix | None:
        """A migration of its own for the statement, removed from this one (up sections only:
        in a down section the new migration's roles would invert)."""
        if section.kind is not SectionKind.UP:
            return None
        kind = statement.kind
        body = statement.body
        if kind not in ("IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt", "VacuumStmt"):
            return None
        file = section.file
        up = statement_text(file, statement)
        down: str | None = None
        name = "maintenance"
        if kind == "IndexStmt":
            index = body.get("idxname")
            if not index:
                return None  # an unnamed index cannot be dropped by name in the down section
            schema = (body.get("relation") or {}).get("schemaname")
            qualified = f"{schema}.{index}" if schema else index
            down = f"DROP INDEX CONCURRENTLY IF EXISTS {qualified}"
            name = f"create_{index}"
            mentioned = index
        elif kind == "DropStmt":
            objects = [strings((o.get("List") or {}).get("items")) for o in body.get("objects", [])]
            if len(objects) != 1 or not objects[0]:
                return None
            mentioned = objects[0][-1]
            name = f"drop_{mentioned}"
        elif kind == "AlterTableStmt":
            relation = body.get("relation") or {}
            mentioned = relation.get("relname", "")
            name = f"detach_partition_{mentioned}"
            if len(body.get("cmds", []) or []) != 1:
                return None
        else:
            relation = body.get("relation") or {}
            mentioned = relation.get("relname") or body.get("name") or ""
            name = f"{'reindex' if kind == 'ReindexStmt' else 'vacuum'}_{mentioned}".rstrip("_")
        if mentioned and self._mentioned_later(statement, section, mentioned):
            return None
        slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "maintenance"
        created = standalone_migration(self.context.migration, slug, up, down)
        if created is None:
            return None
        return Fix(
            "Move the statement to a migration of its own that runs without a transaction",
            (section_removal(section, statement), *created),
            safe=True,
        )

    def _mentioned_later(self, statement: Statement, section: SectionContext, name: str) -> bool:
        """Whether a later statement of the section names ``name``: moving the statement after
        them would change what they see."""
        found = self._mentions[(statement.index, name)] = self._later_mention(
            statement, section, name
        )
        return found

    @staticmethod
    def _later_mention(statement: Statement, section: SectionContext, name: str) -> bool:
        pattern = re.compile(rf"(?<![\w$]){re.escape(name)}(?![\w$])", re.IGNORECASE)
        text = section.file.text
        return any(
            pattern.search(text, later.span.start, later.span.end)
            for later in section.statements[statement.index + 1 :]
        )

    # -- Flyway --------------------------------------------------------------------------

    def _check_flyway(self, statement: Statement, section: SectionContext, command: str) -> None:
        migration = self.context.migration
        settings = migration.flyway
        plan = self._plan_of(section)
        if plan.refused and flyway_non_transactional(statement, pg_major=self.context.pg_version):
            others = self._others(statement, section)
            self.report(
                section,
                statement.span,
                f"Flyway refuses this script: `{command}` cannot run in a transaction, and the "
                f"script also holds {others} transactional statement{'s' if others > 1 else ''}; "
                "with `mixed=false` (the default) Flyway stops with `Detected both transactional "
                "and non-transactional statements`. Give the statement a migration of its own "
                "(or set `flyway.mixed=true`, which runs the whole script without a transaction)",
                statement=statement,
            )
            return
        waits = statement.kind == "IndexStmt" or (
            statement.kind == "ReindexStmt" and _reindex_concurrently(statement.body)
        )
        if waits and (settings is None or settings.transactional_lock):
            self.report(
                section,
                statement.span,
                f"`{command}` waits for every transaction older than its snapshot, including "
                "the one in which Flyway holds its advisory lock (`postgresql.transactional."
                "lock=true`, the default since Flyway 9.1.2): the migration waits forever. Set "
                "`flyway.postgresql.transactional.lock=false` in `flyway.conf` (or "
                "`[flyway.postgresql.transactional] lock = false` in `flyway.toml`)",
                statement=statement,
            )

    # -- function bodies and DO blocks ---------------------------------------------------

    def _check_body(self, statement: Statement, section: SectionContext) -> None:
        text = section.file.text
        if not _BODY_HINT.search(text, statement.span.start, statement.span.end):
            return
        where = "a `DO` block" if statement.kind == "DoStmt" else "a function body"
        when = "fails here" if statement.kind == "DoStmt" else "fails whenever the function runs"
        for nested in function_statements(statement, text):
            command = refusing_command(nested)
            if command is None:
                continue
            self.report(
                section,
                nested.span,
                f"`{command}` cannot run inside {where}: PostgreSQL refuses it with `cannot be "
                f"executed from a function`, so this {when}. Run it as a statement of its own "
                "in a migration without a transaction",
                statement=statement,
            )
