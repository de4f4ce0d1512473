"""irreversible-data-loss: the up section destroys data that the down section cannot bring back."""

from __future__ import annotations

import attrs

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.catalog.replay import TypeText, type_text, type_text_parts
from pgmig_lsp.findings import Severity
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.drops import (
    alter_table_commands,
    is_table_alter,
    new_columns,
    shown,
    subcommand_span,
)
from pgmig_lsp.rules.rollback import marked_irreversible
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, drop_object_names, type_ref, walk
from pgmig_lsp.sql.parse import Statement

_INTEGERS = frozenset({"smallint", "integer", "bigint"})
_FRACTIONAL = frozenset({"numeric", "real", "double precision"})
_TIMESTAMPS = frozenset({"timestamp without time zone", "timestamp with time zone"})
_PRECISION_TYPES = frozenset(
    {*_TIMESTAMPS, "time without time zone", "time with time zone", "interval"}
)
_BOUNDED_STRINGS = frozenset({"character varying", "character"})


@attrs.define
class _Loss:
    """A statement of the up section that destroys data, waiting for the down section's verdict."""

    section: SectionContext
    statement: Statement
    span: Span
    table: Key
    #: None when the whole table is dropped
    column: str | None
    #: for a type change: the new type, the old one if the catalog knows it, a USING clause
    new_type: str | None = None
    old_type: str | None = None
    using: bool = False


def _int(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


def _scale(mods: tuple[str, ...]) -> int | None:
    """Decimal places of ``numeric(p, s)``; None when unconstrained."""
    if not mods:
        return None
    return _int(mods[1]) if len(mods) >= 2 else 0


def narrowing(old: TypeText, old_name: str, new: TypeText, new_name: str, using: bool) -> str:
    """What a type change destroys, as a phrase; empty when it keeps every value.

    Only changes that succeed and lose information count: a narrowing PostgreSQL refuses for
    values that do not fit (``bigint`` to ``integer``, ``varchar(255)`` to ``varchar(50)``
    without ``USING``) fails instead of losing data.
    """
    if old.array != new.array:
        return ""
    if new_name in _INTEGERS and old_name in _FRACTIONAL:
        return "rounds every value to a whole number"
    if new_name == "numeric" and old_name in _FRACTIONAL:
        new_scale = _scale(new.modifiers)
        old_scale = _scale(old.modifiers) if old_name == "numeric" else None
        if new_scale is not None and (old_scale is None or new_scale < old_scale):
            return f"rounds every value to {new_scale} decimal places"
    if new_name == "real" and old_name == "double precision":
        return "keeps about 6 significant digits of each value instead of 15"
    if new_name == "date" and old_name in _TIMESTAMPS:
        return "drops the time of day from every value"
    if new_name in _PRECISION_TYPES and (
        old_name == new_name or (new_name in _TIMESTAMPS and old_name in _TIMESTAMPS)
    ):
        new_precision = _int(new.modifiers[-1]) if new.modifiers else 6
        old_precision = _int(old.modifiers[-1]) if old.modifiers else 6
        if (
            new_precision is not None
            and old_precision is not None
            and new_precision < old_precision
        ):
            return f"rounds every value to {new_precision} fractional digits of a second"
    if using and new_name in _BOUNDED_STRINGS and new.modifiers:
        new_length = _int(new.modifiers[0])
        if old_name in ("text", *_BOUNDED_STRINGS):
            old_length = _int(old.modifiers[0]) if old.modifiers else None
            if new_length is not None and (old_length is None or new_length < old_length):
                return f"cuts values to {new_length} characters (the `USING` expression)"
    return ""


def _into(body: Node) -> Node:
    """The ``IntoClause`` of a ``CREATE TABLE … AS``."""
    into = body.get("into") or {}
    inner = into.get("IntoClause")
    return inner if isinstance(inner, dict) else into


def _reads_data(node: Node | None) -> bool:
    """An expression that reads stored data (a column or a subquery), not a constant."""
    return any(kind in ("ColumnRef", "SubLink") for kind, _ in walk(node or {}))


class IrreversibleDataLoss(Rule):
    """Flags up statements that destroy data the down section cannot bring back.

    ## What it does
    Reports, in the up section, `DROP TABLE` of a table and `DROP COLUMN` of a column that
    existed before the migration (so hold data), and `ALTER COLUMN … TYPE` changes that succeed
    but lose information (to an integer from a fractional type, fewer decimal places, `real`
    from `double precision`, `date` from a timestamp, less sub-second precision, a `USING`
    clause that cuts text to a shorter length) — when the down section does not restore the data:
    it re-creates the column or table (or changes the type back) but nothing fills it from other
    data (no `UPDATE … SET column = <expression reading data>`, no `INSERT … SELECT`, no rename
    of a backup). Not reported without a down section (`missing-down`), with an empty one
    (`empty-down`), or when the migration is marked `-- pgmig: irreversible`. A narrowing that
    PostgreSQL refuses for values that do not fit (`bigint` to `integer`, a shorter `varchar`
    without `USING`) fails rather than losing data, and is not reported.

    ## Why is this bad?
    The rollback looks complete — the column is back, with its type — but every row holds
    `NULL` (or the default, or rounded values): the previous release runs against silently
    wrong data.

    ## Lock
    None by itself (see `drop-column`, `column-type-change`).

    ## Instead
    Keep the data where the down section can reach it (a backup table or column, or a column the
    up section derived from it) and copy it back in the down section; or mark the migration
    `-- pgmig: irreversible` so nobody counts on the rollback.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user DROP COLUMN nickname;

    -- migrate:down
    ALTER TABLE app_user ADD COLUMN nickname text;
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE app_user_nickname_backup AS SELECT id, nickname FROM app_user;
    ALTER TABLE app_user DROP COLUMN nickname;

    -- migrate:down
    ALTER TABLE app_user ADD COLUMN nickname text;
    UPDATE app_user SET nickname = b.nickname
      FROM app_user_nickname_backup b WHERE b.id = app_user.id;
    ```
    """

    id = "irreversible-data-loss"
    group = Group.ROLLBACK
    severity = Severity.WARNING
    kinds = frozenset({"DropStmt", "AlterTableStmt"})
    summary = "up destroys data (drop, lossy type change) that down cannot bring back"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._losses: list[_Loss] = []

    def begin_section(self, section: SectionContext) -> None:
        if section.kind is SectionKind.UP and self._losses:
            self._losses = []

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if section.kind is not SectionKind.UP or statement.in_function:
            return
        migration = self.context.migration
        if migration.section(SectionKind.DOWN) is None:
            return
        if statement.kind == "DropStmt":
            self._check_drop(statement, section)
        else:
            self._check_alter(statement, section)

    def _check_drop(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("removeType") != "OBJECT_TABLE":
            return
        context = self.context
        for parts in drop_object_names(body):
            name = QualifiedName.from_parts(parts)
            key = context.table_key(name)
            if key is not None and context.existed_before(name):
                self._losses.append(_Loss(section, statement, statement.span, key, None))

    def _check_alter(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if not is_table_alter(body):
            return
        context = self.context
        relation = body.get("relation")
        key = context.table_key(relation)
        if key is None or not context.existed_before(relation):
            return
        wanted = ("AT_DropColumn", "AT_AlterColumnType")
        commands = [(i, c) for i, c in alter_table_commands(body) if c.get("subtype") in wanted]
        if not commands:
            return
        added = new_columns(context, section, statement, key)
        table = context.catalog.tables.get(key)
        for index, cmd in commands:
            column = cmd.get("name", "")
            if not column or column in added:
                continue
            span = subcommand_span(statement, section, index)
            if cmd.get("subtype") == "AT_DropColumn":
                self._losses.append(_Loss(section, statement, span, key, column))
                continue
            coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
            known = table.columns.get(column) if table is not None else None
            self._losses.append(
                _Loss(
                    section,
                    statement,
                    span,
                    key,
                    column,
                    new_type=type_text(type_ref(coldef.get("typeName"))),
                    old_type=known.type if known is not None else None,
                    using=coldef.get("raw_default") is not None,
                )
            )

    def end_migration(self) -> None:
        losses, self._losses = self._losses, []
        if not losses:
            return
        context = self.context
        down = context.migration.section(SectionKind.DOWN)
        statements = context.statements.get(id(down), []) if down is not None else []
        if not statements or marked_irreversible(context.migration):
            return
        for loss in losses:
            self._judge(loss, statements)

    # -- judging one loss against the down section ---------------------------------------

    def _judge(self, loss: _Loss, down: list[Statement]) -> None:
        if self._restored(loss, down):
            return
        table = shown(loss.table)
        keep = (
            "Keep the data where the down section can reach it (a backup table or column) and copy "
            "it back there, or mark the migration `-- pgmig: irreversible`"
        )
        if loss.column is None:
            again = self._recreates_table(loss.table, down)
            message = (
                f"`DROP TABLE` deletes every row of `{table}`, and the down section "
                + ("re-creates the table empty" if again else "does not re-create it")
                + f": a rollback cannot bring the data back. {keep}"
            )
        elif loss.new_type is None:
            again = self._recreates_column(loss.table, loss.column, down)
            message = (
                f"`DROP COLUMN {loss.column}` deletes the data of `{table}.{loss.column}`, and the "
                "down section "
                + ("adds the column back but nothing fills it" if again else "does not add it back")
                + f": a rollback cannot bring the data back. {keep}"
            )
        else:
            old_type = loss.old_type or self._type_in_down(loss.table, loss.column, down)
            if old_type is None:
                return
            builtins = self.context.builtins
            old, new = type_text_parts(old_type), type_text_parts(loss.new_type)
            old_name = (builtins.canonical_type(old.names) if len(old.names) == 1 else None) or ""
            new_name = (builtins.canonical_type(new.names) if len(new.names) == 1 else None) or ""
            lost = narrowing(old, old_name, new, new_name, loss.using)
            if not lost:
                return
            message = (
                f"Changing `{table}.{loss.column}` from `{old_type}` to `{loss.new_type}` {lost}, "
                "and the down section cannot give the lost part back: changing the type back "
                f"restores the type, not the data. {keep}"
            )
        self.report(loss.section, loss.span, message, statement=loss.statement)

    def _key(self, relation: Node | None) -> Key | None:
        return self.context.table_key(relation)

    def _restored(self, loss: _Loss, down: list[Statement]) -> bool:
        """The down section fills the column (or table) again from data it can read."""
        for statement in down:
            kind = statement.kind
            body = statement.body
            if kind == "UpdateStmt" and loss.column is not None:
                if self._key(body.get("relation")) != loss.table:
                    continue
                for target in body.get("targetList", []) or []:
                    res = target.get("ResTarget") or {}
                    if res.get("name") == loss.column and _reads_data(res.get("val")):
                        return True
            elif kind == "InsertStmt" and loss.column is None:
                select = (body.get("selectStmt") or {}).get("SelectStmt") or {}
                if self._key(body.get("relation")) == loss.table and select.get("fromClause"):
                    return True
            elif kind == "CreateTableAsStmt" and loss.column is None:
                into = _into(body)
                if self._key(into.get("rel")) == loss.table and not into.get("skipData"):
                    return True
            elif kind == "RenameStmt":
                rename = body.get("renameType")
                if loss.column is None and rename == "OBJECT_TABLE":
                    # ALTER TABLE backup RENAME TO <dropped>: same schema as the backup
                    key = self._key(body.get("relation"))
                    if key is not None and (key[0], body.get("newname")) == loss.table:
                        return True
                elif (
                    loss.column is not None
                    and rename == "OBJECT_COLUMN"
                    and body.get("newname") == loss.column
                    and self._key(body.get("relation")) == loss.table
                ):
                    return True
            elif (
                kind == "CopyStmt"
                and body.get("is_from")
                and self._key(body.get("relation")) == loss.table
            ):
                return True
        return False

    def _recreates_table(self, table: Key, down: list[Statement]) -> bool:
        return any(
            statement.kind in ("CreateStmt", "CreateTableAsStmt")
            and self._key(statement.body.get("relation") or _into(statement.body).get("rel"))
            == table
            for statement in down
        )

    def _recreates_column(self, table: Key, column: str, down: list[Statement]) -> bool:
        for statement in down:
            if statement.kind != "AlterTableStmt":
                continue
            if self._key(statement.body.get("relation")) != table:
                continue
            for _, cmd in alter_table_commands(statement.body):
                coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
                if cmd.get("subtype") == "AT_AddColumn" and coldef.get("colname") == column:
                    return True
        return False

    def _type_in_down(self, table: Key, column: str, down: list[Statement]) -> str | None:
        """The type the down section changes the column back to: the type it had before."""
        for statement in down:
            if statement.kind != "AlterTableStmt":
                continue
            if self._key(statement.body.get("relation")) != table:
                continue
            for _, cmd in alter_table_commands(statement.body):
                if cmd.get("subtype") == "AT_AlterColumnType" and cmd.get("name") == column:
                    coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
                    return type_text(type_ref(coldef.get("typeName")))
        return None
