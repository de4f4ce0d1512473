"""The safe way to do what a risky statement does, in one sentence (for the hover).

Follows RULES.md's "safe alternative" column; the rules' documentation pages hold the details.
"""

from __future__ import annotations

from pgmig_lsp.locks import Effect, TableLock, reindex_concurrently, vacuum_full
from pgmig_lsp.sql.nodes import Node, strings
from pgmig_lsp.sql.parse import Statement

INDEX = (
    "`CREATE INDEX CONCURRENTLY` in a migration of its own, alone in its section and outside a "
    "transaction: writes go on while it builds"
)
DROP_INDEX = "`DROP INDEX CONCURRENTLY`, alone in a migration of its own outside a transaction"
REINDEX = "`REINDEX … CONCURRENTLY` (PostgreSQL 12+), outside a transaction"
REFRESH = (
    "`REFRESH MATERIALIZED VIEW CONCURRENTLY` (the view needs a unique index on plain columns): "
    "reads go on"
)
REPACK = "avoid it on a live table, or rebuild the table online with pg_repack"
BATCHES = (
    "keep the migration to schema changes and backfill outside it, in batches that each commit"
)
TYPE_CHANGE = (
    "add a new column of the new type, write to both, backfill in batches, then switch reads "
    "and drop the old column"
)
NOT_NULL = (
    "`ADD CONSTRAINT … CHECK (column IS NOT NULL) NOT VALID`; in a later migration `VALIDATE "
    "CONSTRAINT`, then `SET NOT NULL` (PostgreSQL 12+ uses the valid check and skips the scan), "
    "then drop the check"
)
NOT_VALID = (
    "add the constraint `NOT VALID` (brief), then `VALIDATE CONSTRAINT` in a later transaction "
    "(SHARE UPDATE EXCLUSIVE: reads and writes go on)"
)
UNIQUE = (
    "`CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own, then `ADD CONSTRAINT … "
    "USING INDEX` (with the columns already `NOT NULL`)"
)
EXCLUSION = "there is no online way: build a new table and copy the rows"
VOLATILE_DEFAULT = (
    "add the column without a default, then `SET DEFAULT` (applies to new rows only), then "
    "backfill the existing rows in batches"
)
NEW_COLUMN_REWRITE = (
    "add a nullable plain column and backfill it in batches, or copy to a new table"
)
DETACH = "`DETACH PARTITION … CONCURRENTLY` (PostgreSQL 14+), outside a transaction"
ATTACH = (
    "first add a `CHECK` constraint matching the partition bound (`NOT VALID`, then `VALIDATE`): "
    "`ATTACH PARTITION` then skips the scan"
)
LOCK_TIMEOUT = (
    "the lock is brief once granted, but it waits behind running queries and every later query "
    "waits behind it: set `lock_timeout` (e.g. `SET LOCAL lock_timeout = '2s'`) before it"
)


def safe_alternative(statement: Statement, lock: TableLock) -> str | None:
    """The safe way to do it when ``lock`` makes ``statement`` risky; None when it is not, or
    when pgmig knows no better way."""
    if lock.new_table:
        return None
    kind = statement.kind
    body = statement.body
    if kind == "IndexStmt":
        return None if body.get("concurrent") or lock.effect is Effect.NONE else INDEX
    if kind == "DropStmt" and body.get("removeType") == "OBJECT_INDEX":
        return None if body.get("concurrent") else DROP_INDEX
    if kind == "ReindexStmt":
        return None if reindex_concurrently(body) else REINDEX
    if kind == "RefreshMatViewStmt":
        return None if body.get("concurrent") else REFRESH
    if (kind == "VacuumStmt" and vacuum_full(body)) or kind == "ClusterStmt":
        return REPACK
    if kind in ("UpdateStmt", "DeleteStmt"):
        return BATCHES if lock.effect is Effect.ALL_ROWS else None
    if kind == "AlterTableStmt" and lock.subcommand is not None:
        commands = body.get("cmds") or []
        if 0 <= lock.subcommand < len(commands):
            found = _alter_table(commands[lock.subcommand].get("AlterTableCmd", {}), lock)
            if found is not None:
                return found
    if lock.effect is Effect.REWRITE:
        return REPACK
    return None


def _alter_table(cmd: Node, lock: TableLock) -> str | None:
    subtype = cmd.get("subtype", "")
    effect = lock.effect
    if subtype == "AT_AlterColumnType" and effect is Effect.REWRITE:
        return TYPE_CHANGE
    if subtype == "AT_SetNotNull" and effect is Effect.SCAN:
        return NOT_NULL
    if subtype == "AT_AddConstraint":
        constraint = (cmd.get("def") or {}).get("Constraint", {})
        contype = constraint.get("contype")
        if contype == "CONSTR_EXCLUSION":
            return EXCLUSION
        if contype in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and effect is not Effect.NONE:
            return UNIQUE
        if contype in ("CONSTR_CHECK", "CONSTR_FOREIGN") and effect is Effect.SCAN:
            return NOT_VALID
    if subtype == "AT_AddColumn":
        if effect is Effect.REWRITE:
            column = (cmd.get("def") or {}).get("ColumnDef", {})
            return NEW_COLUMN_REWRITE if _serial_or_generated(column) else VOLATILE_DEFAULT
        if effect is Effect.SCAN:
            return NOT_VALID
    if subtype == "AT_DetachPartition" and not lock.concurrent:
        return DETACH
    if subtype == "AT_AttachPartition" and effect is Effect.SCAN:
        return ATTACH
    return None


_SERIAL = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})


def _serial_or_generated(column: Node) -> bool:
    """A ``serial``, identity or ``GENERATED … STORED`` column (rewrites whatever its default)."""
    contypes = {
        (item.get("Constraint") or {}).get("contype") for item in column.get("constraints") or []
    }
    if contypes & {"CONSTR_IDENTITY", "CONSTR_GENERATED"}:
        return True
    names = strings((column.get("typeName") or {}).get("names"))
    return bool(names) and names[-1] in _SERIAL
