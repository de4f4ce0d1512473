"""enum-value-in-transaction: ALTER TYPE … ADD VALUE in a transaction, and the new value's use."""

from __future__ import annotations

import attrs

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.sql.nodes import QualifiedName, strings, walk
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span

#: ADD VALUE runs inside a transaction block from this major version on
FIRST_IN_TRANSACTION = 12


@attrs.frozen
class _Added:
    type: Key
    value: str
    statement: Statement


def _shown(key: Key) -> str:
    return display_name(key)


class EnumValueInTransaction(Rule):
    """Flags `ALTER TYPE … ADD VALUE` in a transaction where PostgreSQL refuses it, and uses of
    the new value before the transaction commits.

    ## What it does
    Reports `ALTER TYPE … ADD VALUE` that runs inside a transaction block when the target is
    PostgreSQL 11 or older, and, on any version, a later statement of the same transaction that
    uses the new value: the value as a constant cast to the type, compared with or assigned to
    a column of the type. A type created in the same transaction is fine.

    ## Why is this bad?
    Before PostgreSQL 12, `ADD VALUE` fails with `ALTER TYPE ... ADD cannot run inside a
    transaction block`. From 12 on it runs, but the new value cannot be used until the
    transaction commits: `unsafe use of new value "…" of enum type …`. Migration tools that
    wrap each migration in a transaction (dbmate, goose, Flyway, Prisma, …) hit this when one
    migration adds a value and backfills or defaults to it.

    ## Lock
    `ADD VALUE` takes an ACCESS EXCLUSIVE lock on the type briefly; the table is not rewritten.

    ## Instead
    Add the value in a migration of its own (before PostgreSQL 12, one that runs without a
    transaction), and use it in a later migration.

    ## Example
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    ```
    Use instead:
    ```sql
    ALTER TYPE order_status ADD VALUE 'refunded';
    ```
    and, in the next migration:
    ```sql
    UPDATE orders SET status = 'refunded' WHERE refunded_at IS NOT NULL;
    ```
    """

    id = "enum-value-in-transaction"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = None
    summary = (
        "ALTER TYPE … ADD VALUE in a transaction (PG < 12), or the new value used before commit"
    )

    def begin_section(self, section: SectionContext) -> None:
        self._reset()

    def _reset(self) -> None:
        #: values added in the open transaction to types that existed before it, by value
        self._pending: dict[str, list[_Added]] = {}
        #: enum types created in the open transaction
        self._new_types: set[Key] = set()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        if not statement.in_transaction:
            # it runs on its own: whatever transaction came before has ended
            if self._pending or self._new_types:
                self._reset()
            if statement.kind != "TransactionStmt":
                return
        kind = statement.kind
        if kind == "TransactionStmt":
            if statement.body.get("kind") in (
                "TRANS_STMT_BEGIN",
                "TRANS_STMT_START",
                "TRANS_STMT_COMMIT",
                "TRANS_STMT_ROLLBACK",
            ):
                self._reset()
            return
        if kind == "CreateEnumStmt":
            self._new_types.add(self._type_key(strings(statement.body.get("typeName"))))
            return
        if kind == "AlterEnumStmt":
            self._add_value(statement, section)
            return
        if self._pending:
            self._check_uses(statement, section)

    def _type_key(self, parts: tuple[str, ...]) -> Key:
        name = QualifiedName.from_parts(parts)
        catalog = self.context.catalog
        return catalog.resolve(name.schema, name.name, catalog.types)  # type: ignore[arg-type]

    def _add_value(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        value = body.get("newVal")
        if not value or body.get("oldVal"):
            return  # RENAME VALUE
        key = self._type_key(strings(body.get("typeName")))
        if key in self._new_types:
            return
        pg_version = self.context.pg_version
        if pg_version < FIRST_IN_TRANSACTION:
            self.report(
                section,
                statement.span,
                f"`ALTER TYPE {_shown(key)} ADD VALUE` runs inside a transaction block here, and "
                f"PostgreSQL {pg_version} refuses it (`ALTER TYPE ... ADD cannot run inside a "
                "transaction block`; allowed from PostgreSQL 12). Give it a migration of its own "
                "that runs without a transaction",
                statement=statement,
            )
            return
        typedef = self.context.catalog.types.get(key)
        if typedef is not None and value in typedef.values and body.get("skipIfNewValExists"):
            return  # IF NOT EXISTS on a value that is already there: nothing new
        self._pending.setdefault(value, []).append(_Added(key, value, statement))

    def _check_uses(self, statement: Statement, section: SectionContext) -> None:
        pending = self._pending
        casts: dict[int, tuple[str, ...]] = {}
        constants: list[tuple[str, int | None, tuple[str, ...] | None]] = []
        # walk() gives a node before the nodes inside it: a cast before its constant
        for kind, node in walk(statement.node):
            if kind == "TypeCast":
                arg = (node.get("arg") or {}).get("A_Const")
                if arg is not None:
                    casts[id(arg)] = strings((node.get("typeName") or {}).get("names"))
            elif kind == "A_Const":
                value = (node.get("sval") or {}).get("sval")
                if value in pending:
                    constants.append((value, node.get("location"), casts.get(id(node))))
        if not constants:
            return
        text = section.file.text
        reported: set[str] = set()
        for value, location, cast in constants:
            if value in reported:
                continue
            for added in pending[value]:
                if cast is not None:
                    if not cast or cast[-1] != added.type[1]:
                        continue
                elif not self._uses_type(statement, added.type):
                    continue
                reported.add(value)
                line = text.count("\n", 0, added.statement.span.start) + 1
                span = name_span(statement, text, location) if location is not None else None
                self.report(
                    section,
                    span or statement.span,
                    f"`'{value}'` is added to `{_shown(added.type)}` on line {line}, in this same "
                    "transaction: PostgreSQL refuses to use a new enum value before the "
                    f'transaction commits (`unsafe use of new value "{value}" of enum type '
                    f"{added.type[1]}`). Use it in a later migration",
                    statement=statement,
                )
                break

    def _uses_type(self, statement: Statement, key: Key) -> bool:
        """Whether an uncast constant plausibly means the enum's value: the statement names the
        type, or works on a table with a column of that type, or on a table pgmig does not
        know."""
        relations = [statement.body.get("relation")]
        for kind, node in walk(statement.node):
            if kind == "TypeName" or (kind == "TypeCast" and node.get("typeName")):
                names = strings((node.get("typeName") or node).get("names"))
                if names and names[-1] == key[1]:
                    return True
            elif kind == "RangeVar":
                relations.append(node)
        context = self.context
        unknown = False
        for relation in relations:
            if not relation:
                continue
            table = context.table(relation)
            if table is None:
                unknown = True
                continue
            for column in table.columns.values():
                if column.type.removesuffix("[]").split(".")[-1] == key[1]:
                    return True
        return unknown
