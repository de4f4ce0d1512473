"""missing-lock-timeout: a strong lock requested with no lock_timeout: everyone queues behind it."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import LockMode, TableLock, command_name, statement_locks
from pgmig_lsp.migrations.model import Delivery
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import insert_before
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, const_value, strings, walk
from pgmig_lsp.sql.parse import Statement

#: what the fix inserts
SET_LOCK_TIMEOUT = "SET LOCAL lock_timeout = '2s';"

_ZERO = re.compile(r"^\s*0+(\.0*)?\s*(us|ms|s|min|h|d)?\s*$", re.IGNORECASE)
_ENDS = frozenset(
    {
        "TRANS_STMT_COMMIT",
        "TRANS_STMT_ROLLBACK",
        "TRANS_STMT_PREPARE",
        "TRANS_STMT_COMMIT_PREPARED",
        "TRANS_STMT_ROLLBACK_PREPARED",
    }
)


def _enables(value: object) -> bool:
    """A ``lock_timeout`` value that sets a limit (``0`` turns the limit off)."""
    if value is None:
        return True  # an expression or parameter: assume it sets a limit
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return value != 0
    return not _ZERO.match(str(value))


def join_names(names: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def lock_phrase(locks: list[TableLock]) -> str:
    """``an ACCESS EXCLUSIVE lock on `a` and a SHARE ROW EXCLUSIVE lock on `b```."""
    parts = []
    for mode in sorted({lock.mode for lock in locks}, reverse=True):
        names = [lock.target for lock in locks if lock.mode is mode]
        article = "an" if mode.pg_name[0] in "AEIOU" else "a"
        parts.append(f"{article} {mode.pg_name} lock on {join_names(names)}")
    return join_names(parts)


def _insert_set(section: SectionContext, statement: Statement) -> Edit:
    """``SET LOCAL lock_timeout`` on a line of its own before the statement, indented like it."""
    text = section.file.text
    line_start = text.rfind("\n", 0, statement.span.start) + 1
    indent = text[line_start : statement.span.start]
    if indent and not indent.strip():
        at = statement.span.start
        return Edit(section.file.path, Span(at, at), SET_LOCK_TIMEOUT + "\n" + indent)
    return insert_before(section.file, statement, SET_LOCK_TIMEOUT + "\n")


class MissingLockTimeout(Rule):
    """Flags the first strong lock of a section requested with no `lock_timeout` set.

    ## What it does
    Reports, once per section, the first statement that takes an ACCESS EXCLUSIVE, EXCLUSIVE,
    SHARE ROW EXCLUSIVE or SHARE lock on a table that existed before the migration (including
    the table a new foreign key references) when no `lock_timeout` was set earlier in the
    section (`SET [LOCAL] lock_timeout`, or `set_config('lock_timeout', …)`).

    ## Why is this bad?
    A lock request waits for every transaction that holds a conflicting lock, such as a long
    report reading the table. While it waits, it sits in the lock queue, and every later query
    on the table that conflicts with it, often every read and write, queues behind it. A
    migration that would hold its lock for a millisecond can so stop the application for as
    long as the slowest running query. `lock_timeout` makes the migration give up instead, so it
    can be retried.

    ## Lock
    The statement's own lock (ACCESS EXCLUSIVE for most `ALTER TABLE` forms, SHARE ROW
    EXCLUSIVE for triggers and foreign keys, SHARE for `CREATE INDEX`), on each table it
    touches.

    ## Instead
    Start the transaction with `SET LOCAL lock_timeout = '2s';` and retry the migration when it
    times out. A section that runs without a transaction (a single statement with the tool's
    opt-out) must stay a single statement: set `lock_timeout` for the connection instead
    (`PGOPTIONS='-c lock_timeout=2s'`, the tool's connection options) or as a role default.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN email_verified boolean;
    ```
    Use instead:
    ```sql
    -- migrate:up
    SET LOCAL lock_timeout = '2s';
    ALTER TABLE app_user ADD COLUMN email_verified boolean;
    ```
    """

    id = "missing-lock-timeout"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = None
    summary = "a strong lock without lock_timeout makes every later query queue behind it"

    def begin_section(self, section: SectionContext) -> None:
        self._timeout = False
        self._local = False
        self._reported = False

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if self._reported or statement.in_function:
            return
        kind = statement.kind
        if kind == "VariableSetStmt":
            self._variable_set(statement)
            return
        if kind == "SelectStmt":
            self._set_config(statement)
            return
        if kind == "TransactionStmt":
            if statement.body.get("kind") in _ENDS and (
                self._local or statement.body.get("kind") != "TRANS_STMT_COMMIT"
            ):
                self._timeout = self._local = False
            return
        if self._timeout:
            return
        locks = [
            lock
            for lock in statement_locks(statement, self.context)
            if not lock.new_table and lock.mode >= LockMode.SHARE
        ]
        if not locks:
            return
        self._reported = True
        self._report(statement, section, locks)

    # -- lock_timeout settings -----------------------------------------------------------

    def _setting(self, enabled: bool, local: bool, statement: Statement) -> None:
        if local and not statement.in_transaction:
            return  # SET LOCAL outside a transaction block does nothing
        self._timeout = enabled
        self._local = local and enabled

    def _variable_set(self, statement: Statement) -> None:
        body = statement.body
        kind = body.get("kind")
        if kind == "VAR_RESET_ALL":
            self._timeout = self._local = False
            return
        if body.get("name") != "lock_timeout":
            return
        if kind == "VAR_SET_VALUE":
            args = body.get("args") or []
            value = const_value(args[0]) if args else None
            self._setting(_enables(value), bool(body.get("is_local")), statement)
        elif kind in ("VAR_RESET", "VAR_SET_DEFAULT"):
            self._timeout = self._local = False

    def _set_config(self, statement: Statement) -> None:
        for kind, node in walk(statement.body):
            if kind != "FuncCall" or strings(node.get("funcname"))[-1:] != ("set_config",):
                continue
            args: list[Node] = node.get("args") or []
            if len(args) < 2 or const_value(args[0]) != "lock_timeout":
                continue
            local = const_value(args[2]) if len(args) > 2 else False
            self._setting(_enables(const_value(args[1])), local is not False, statement)

    # -- report --------------------------------------------------------------------------

    def _report(
        self, statement: Statement, section: SectionContext, locks: list[TableLock]
    ) -> None:
        command = command_name(statement)
        blocked = "read and write" if any(lock.blocks_reads for lock in locks) else "write"
        subject = locks[0].target if len(locks) == 1 else "those tables"
        message = (
            f"`{command}` asks for {lock_phrase(locks)} with no `lock_timeout` set: while it "
            f"waits for running transactions that use {'the table' if len(locks) == 1 else 'them'}"
            f", every later {blocked} of {subject} queues behind it. "
        )
        fix = None
        if statement.in_transaction:
            message += (
                f"Put `{SET_LOCK_TIMEOUT}` before it and retry the migration when it times out"
            )
            fix = Fix(
                title="Set a lock_timeout for the transaction",
                edits=(_insert_set(section, statement),),
                safe=True,
            )
        else:
            message += (
                "It runs outside a transaction, so `SET LOCAL` would not hold: set `lock_timeout` "
                "for the migration's connection (`PGOPTIONS='-c lock_timeout=2s'`, the tool's "
                "connection options) or as a role default"
            )
            if section.section.delivery is Delivery.ONE_STRING:
                message += (
                    "; a second statement in this section would put it back in PostgreSQL's "
                    "implicit transaction"
                )
        self.report(section, statement.span, message, statement=statement, fix=fix)
