"""drop-table, drop-column, drop-schema, drop-database, cascade-drop: removing what clients use.

Also the helpers the other breaking rules share: which columns and schemas this migration
created before a given statement (a column added earlier in the same migration breaks nobody).
"""

from __future__ import annotations

from collections.abc import Iterator

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, drop_object_names, quote_identifier
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

# -- shared helpers ------------------------------------------------------------------------


def shown(key: Key | tuple[str, ...] | None) -> str:
    """A name as a message shows it: ``orders``, or ``audit.user_actions`` outside ``public``."""
    if not key:
        return "?"
    return display_name(key)


def alter_table_commands(body: Node) -> Iterator[tuple[int, Node]]:
    """``(index, AlterTableCmd fields)`` of an ``ALTER TABLE``; the index matches
    ``subcommand_spans``."""
    for index, item in enumerate(body.get("cmds", []) or []):
        if isinstance(item, dict) and "AlterTableCmd" in item:
            yield index, item["AlterTableCmd"]


def is_table_alter(body: Node) -> bool:
    """An ``ALTER TABLE`` on a table (not ``ALTER TYPE … DROP ATTRIBUTE`` and the like)."""
    return bool(body.get("objtype", "OBJECT_TABLE") == "OBJECT_TABLE")


def subcommand_span(statement: Statement, section: SectionContext, index: int) -> Span:
    """The span of sub-command ``index`` of an ``ALTER TABLE`` (the statement as a fallback)."""
    spans = subcommand_spans(statement, section.file.text)
    if len(spans) == len(statement.body.get("cmds", []) or []) and 0 <= index < len(spans):
        return spans[index]
    return statement.span


def _earlier(section: SectionContext, statement: Statement) -> list[Statement]:
    statements = section.statements
    index = statement.index
    if 0 <= index < len(statements) and statements[index] is statement:
        return statements[:index]
    for position, candidate in enumerate(statements):
        if candidate is statement:
            return statements[:position]
    return []


def new_columns(
    context: MigrationContext, section: SectionContext, statement: Statement, table: Key
) -> set[str]:
    """Columns of ``table`` this migration added before ``statement`` (following renames).

    Works for tables the catalog does not know (added by ``ALTER TABLE … ADD COLUMN`` on a table
    from an earlier migration) as well as known ones (the column's origin is this migration).
    """
    added: set[str] = set()
    known = context.catalog.tables.get(table)
    if known is not None:
        migration = str(context.migration.path)
        added.update(
            name
            for name, column in known.columns.items()
            if column.origin is not None and column.origin.migration == migration
        )
    for earlier in _earlier(section, statement):
        kind = earlier.kind
        if kind == "AlterTableStmt":
            body = earlier.body
            if not is_table_alter(body) or context.table_key(body.get("relation")) != table:
                continue
            for _, cmd in alter_table_commands(body):
                subtype = cmd.get("subtype")
                if subtype == "AT_AddColumn":
                    coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
                    if coldef.get("colname"):
                        added.add(coldef["colname"])
                elif subtype == "AT_DropColumn":
                    added.discard(cmd.get("name", ""))
        elif kind == "RenameStmt":
            body = earlier.body
            if (
                body.get("renameType") == "OBJECT_COLUMN"
                and context.table_key(body.get("relation")) == table
                and body.get("subname") in added
            ):
                added.discard(body["subname"])
                added.add(body.get("newname", ""))
    return added


def existing_column_commands(
    context: MigrationContext, section: SectionContext, statement: Statement, subtype: str
) -> tuple[Key, list[tuple[int, str]]] | None:
    """The ``ALTER TABLE`` sub-commands of ``subtype`` that touch columns that existed before
    this migration, as (sub-command index, column name), with the table's key.

    None when the statement is not an ``ALTER TABLE`` of a table that existed before, or has no
    such sub-command. Columns added earlier in this migration (following renames) are left out.
    """
    body = statement.body
    if statement.in_function or not is_table_alter(body):
        return None
    commands = [
        (index, cmd.get("name", ""))
        for index, cmd in alter_table_commands(body)
        if cmd.get("subtype") == subtype
    ]
    if not commands:
        return None
    relation = body.get("relation")
    if not context.existed_before(relation):
        return None
    table = context.table_key(relation)
    if table is None:
        return None
    added = new_columns(context, section, statement, table)
    kept = [(index, column) for index, column in commands if column and column not in added]
    return (table, kept) if kept else None


def created_earlier(section: SectionContext, statement: Statement, kind: str, name: str) -> bool:
    """Whether a ``CreateSchemaStmt``/``CreatedbStmt`` earlier in the section created ``name``."""
    field = "schemaname" if kind == "CreateSchemaStmt" else "dbname"
    return any(
        earlier.kind == kind and earlier.body.get(field) == name
        for earlier in _earlier(section, statement)
    )


# -- rules ---------------------------------------------------------------------------------


class DropTable(Rule):
    """Flags `DROP TABLE` of a table that existed before this migration.

    ## What it does
    Reports `DROP TABLE` of a table this migration did not create. Not reported in down
    sections (dropping what the up section created is their point), nor for a table created
    earlier in the same migration.

    ## Why is this bad?
    Every running instance of the application that still reads or writes the table fails with
    `relation "…" does not exist` the moment the migration commits, and the rows are gone: a
    rollback can re-create the table, not its data.

    ## Lock
    ACCESS EXCLUSIVE on the table (and on tables whose foreign keys reference it), briefly.

    ## Instead
    Expand/contract: deploy code that no longer uses the table first, keep a backup (rename the
    table to `…_old`, or dump it), and drop it in a later migration once nothing reads it.

    ## Example
    ```sql
    -- migrate:up
    DROP TABLE legacy_orders;
    ```
    Use instead:
    ```sql
    -- migrate:up (after the code stopped using the table)
    ALTER TABLE legacy_orders RENAME TO legacy_orders_old;
    -- a later migration, once nothing broke: DROP TABLE legacy_orders_old;
    ```
    """

    id = "drop-table"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"DropStmt"})
    summary = "DROP TABLE of an existing table: running code breaks and the rows are lost"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("removeType") != "OBJECT_TABLE" or statement.in_function:
            return
        context = self.context
        existing = [
            context.table_key(QualifiedName.from_parts(parts))
            for parts in drop_object_names(body)
            if context.existed_before(QualifiedName.from_parts(parts))
        ]
        names = [f"`{shown(key)}`" for key in existing if key]
        if not names:
            return
        subject = names[0] if len(names) == 1 else ", ".join(names)
        self.report(
            section,
            statement.span,
            f"`DROP TABLE` deletes {subject} and every row in it: running code that still reads or "
            "writes it fails as soon as this commits, and a rollback cannot bring the data back. "
            "Deploy code that no longer uses the table first, keep a backup (rename it to "
            "`…_old` or dump it), and drop it in a later migration",
            statement=statement,
        )


class DropColumn(Rule):
    """Flags `ALTER TABLE … DROP COLUMN` on a column that existed before this migration.

    ## What it does
    Reports each `DROP COLUMN` sub-command on a table this migration did not create, unless the
    column itself was added earlier in the same migration. Not reported in down sections.

    ## Why is this bad?
    Running code that still selects, inserts or updates the column fails as soon as the
    migration commits (ORMs that list every mapped column do so on every query), and the
    column's data is gone: a rollback can add the column back, empty.

    ## Lock
    ACCESS EXCLUSIVE on the table, briefly (the column is only marked dropped, no rewrite).

    ## Instead
    Expand/contract: deploy code that no longer uses the column (tell the ORM to ignore it),
    back up its data if you may need it, then drop it in a later migration.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user DROP COLUMN active;
    ```
    Use instead:
    ```sql
    -- migrate:up (a release after the code stopped reading and writing `active`)
    ALTER TABLE app_user DROP COLUMN active;
    -- keep a copy if the data may be needed:
    -- CREATE TABLE app_user_active AS SELECT id, active FROM app_user;
    ```
    """

    id = "drop-column"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "DROP COLUMN: running code that uses the column breaks, its data is lost"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        found = existing_column_commands(self.context, section, statement, "AT_DropColumn")
        if found is None:
            return
        table, drops = found
        for index, name in drops:
            column = quote_identifier(name)
            self.report(
                section,
                subcommand_span(statement, section, index),
                f"`DROP COLUMN {column}` removes `{shown(table)}.{column}` and its data: running "
                "code that still reads or writes the column fails as soon as this commits, and a "
                "rollback can only add it back empty. Deploy code that no longer uses the column "
                "first, back up the data if you may need it, and drop it in a later migration",
                statement=statement,
            )


class DropSchema(Rule):
    """Flags `DROP SCHEMA` of a schema this migration did not create.

    ## What it does
    Reports `DROP SCHEMA` outside down sections, unless the schema was created earlier in the
    same migration.

    ## Why is this bad?
    Every query of running code on an object in the schema fails. With `CASCADE`, every table
    in it goes too, with its data.

    ## Lock
    ACCESS EXCLUSIVE on every object dropped with it.

    ## Instead
    Move or drop the objects one by one, in migrations that follow code deploys that stopped
    using them; drop the empty schema last, without `CASCADE`.

    ## Example
    ```sql
    -- migrate:up
    DROP SCHEMA reporting CASCADE;
    ```
    Use instead:
    ```sql
    -- migrate:up (after the code stopped using reporting.*)
    DROP VIEW reporting.daily_totals;
    DROP SCHEMA reporting;
    ```
    """

    id = "drop-schema"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"DropStmt"})
    summary = "DROP SCHEMA: everything in it becomes unreachable (or is dropped with CASCADE)"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("removeType") != "OBJECT_SCHEMA" or statement.in_function:
            return
        names = [
            parts[-1]
            for parts in drop_object_names(body)
            if not created_earlier(section, statement, "CreateSchemaStmt", parts[-1])
        ]
        if not names:
            return
        listed = ", ".join(f"`{name}`" for name in names)
        cascade = body.get("behavior") == "DROP_CASCADE"
        self.report(
            section,
            statement.span,
            f"`DROP SCHEMA` removes {listed}: running code that uses any object in it fails"
            + (
                ", and `CASCADE` drops every table in it with its data"
                if cascade
                else " (and the statement fails while the schema still holds objects)"
            )
            + ". Drop or move its objects one by one after the code stopped using them, then drop "
            "the empty schema",
            statement=statement,
        )


class DropDatabase(Rule):
    """Flags `DROP DATABASE` in a migration.

    ## What it does
    Reports `DROP DATABASE` outside down sections (unless the database was created earlier in
    the same migration).

    ## Why is this bad?
    It deletes a whole database and all its data, irreversibly; it also cannot run inside a
    transaction block, so in most tools the migration fails anyway.

    ## Lock
    Exclusive use of the database: it fails while anything is connected to it.

    ## Instead
    Drop databases by hand, with a backup, outside schema migrations.

    ## Example
    ```sql
    -- migrate:up
    DROP DATABASE analytics_old;
    ```
    Use instead:
    ```sql
    -- migrate:up
    -- (nothing: drop the database by hand once it is backed up)
    ```
    """

    id = "drop-database"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"DropdbStmt"})
    summary = "DROP DATABASE deletes a whole database"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        name = statement.body.get("dbname", "")
        if statement.in_function or created_earlier(section, statement, "CreatedbStmt", name):
            return
        self.report(
            section,
            statement.span,
            f"`DROP DATABASE {name}` deletes the whole database and its data, irreversibly (and it "
            "cannot run inside a transaction block). Drop databases by hand, after a backup, "
            "outside schema migrations",
            statement=statement,
        )


_DROP_WHAT = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_INDEX": "index",
    "OBJECT_TYPE": "type",
    "OBJECT_DOMAIN": "domain",
    "OBJECT_FUNCTION": "function",
    "OBJECT_PROCEDURE": "procedure",
    "OBJECT_ROUTINE": "routine",
    "OBJECT_SCHEMA": "schema",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_EXTENSION": "extension",
    "OBJECT_TRIGGER": "trigger",
    "OBJECT_POLICY": "policy",
}


class CascadeDrop(Rule):
    """Flags any `DROP … CASCADE`, also in down sections and whoever created the object.

    ## What it does
    Reports `DROP … CASCADE` (tables, schemas, types, functions, extensions, …),
    `ALTER TABLE … DROP COLUMN/CONSTRAINT … CASCADE` and `DROP OWNED … CASCADE`, in every
    section, down sections included. Not for a foreign key or check constraint (known as one, or
    named as PostgreSQL names them, `…_fkey`, `…_check`): nothing can depend on it.

    ## Why is this bad?
    `CASCADE` silently drops every object that depends on the target: views, foreign keys,
    columns of a dropped type, everything in a dropped schema — including objects that later
    migrations or people added, which this migration never heard of. Nothing lists what went.

    ## Lock
    ACCESS EXCLUSIVE on every object dropped along with the target.

    ## Instead
    Drop the dependants explicitly first, then the object without `CASCADE`: a dependant you
    did not know about then makes the migration fail instead of vanishing.

    ## Example
    ```sql
    -- migrate:down
    DROP SCHEMA IF EXISTS audit CASCADE;
    ```
    Use instead:
    ```sql
    -- migrate:down
    DROP TABLE IF EXISTS audit.user_actions;
    DROP SCHEMA IF EXISTS audit;
    ```
    """

    id = "cascade-drop"
    group = Group.BREAKING
    severity = Severity.WARNING
    kinds = frozenset({"DropStmt", "AlterTableStmt", "DropOwnedStmt"})
    summary = "DROP … CASCADE silently drops every dependent object"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        body = statement.body
        kind = statement.kind
        if kind == "AlterTableStmt":
            self._check_alter(statement, section)
            return
        if body.get("behavior") != "DROP_CASCADE":
            return
        if kind == "DropOwnedStmt":
            message = (
                "`DROP OWNED … CASCADE` also drops every object of other roles that depends on "
                "the dropped objects, without listing them. Drop or reassign the objects "
                "explicitly (`REASSIGN OWNED`) instead"
            )
        else:
            what = _DROP_WHAT.get(body.get("removeType", ""), "object")
            names = ", ".join(f"`{shown(parts)}`" for parts in drop_object_names(body)) or "it"
            if body.get("removeType") == "OBJECT_SCHEMA":
                dependants = "everything else that lives in the schema, and everything elsewhere "
                dependants += "that depends on it"
            else:
                dependants = "every object that depends on it (views, foreign keys, columns, …)"
            message = (
                f"`CASCADE` drops the {what} {names} and silently takes {dependants} along — "
                "including objects that later migrations or people added. Drop the dependants "
                "explicitly, then drop it without `CASCADE`, so an unexpected dependant makes the "
                "migration fail instead of disappearing"
            )
        self.report(section, statement.span, message, statement=statement)

    def _nothing_depends_on(self, table: Key | None, name: str) -> bool:
        """A foreign key or check constraint: no object can depend on it, CASCADE is a no-op."""
        known = self.context.catalog.tables.get(table) if table is not None else None
        constraint = known.constraints.get(name) if known is not None else None
        if constraint is not None:
            return constraint.type in ("f", "c")
        # not known here: PostgreSQL's own names for foreign keys and checks tell the kind
        return name.endswith(("_fkey", "_check"))

    def _check_alter(self, statement: Statement, section: SectionContext) -> None:
        table = self.context.table_key(statement.body.get("relation"))
        for index, cmd in alter_table_commands(statement.body):
            subtype = cmd.get("subtype")
            if cmd.get("behavior") != "DROP_CASCADE":
                continue
            if subtype not in ("AT_DropColumn", "AT_DropConstraint"):
                continue
            if subtype == "AT_DropConstraint":
                if self._nothing_depends_on(table, cmd.get("name", "")):
                    continue
                target = "constraint"
            else:
                target = "column" if is_table_alter(statement.body) else "attribute"
            name = cmd.get("name", "")
            self.report(
                section,
                subcommand_span(statement, section, index),
                f"`CASCADE` drops the {target} `{shown(table)}.{name}` and silently takes every "
                "object that depends on it along (views, foreign keys of other tables, …). Drop "
                "the dependants explicitly, then drop it without `CASCADE`",
                statement=statement,
            )
