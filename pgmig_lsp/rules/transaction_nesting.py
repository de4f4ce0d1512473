"""transaction-nesting: BEGIN/COMMIT/ROLLBACK that fight the migration tool's own transaction."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.migrations.model import Tool
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import removal
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement

_ATOMIC = re.compile(r"\bbegin\s+atomic\b", re.IGNORECASE)
_BEGIN = frozenset({"TRANS_STMT_BEGIN", "TRANS_STMT_START"})
_END = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"})

#: how each tool's own transaction is named in messages, and how to opt out of it
_OPT_OUT = {
    Tool.DBMATE: "`transaction:false` on the `-- migrate:up` line",
    Tool.GOOSE: "`-- +goose NO TRANSACTION` at the top of the file",
    Tool.FLYWAY: "`executeInTransaction=false` in the script's `.sql.conf`",
    Tool.DIESEL: "`run_in_transaction = false` in the migration's `metadata.toml`",
    Tool.SQLX: "`-- no-transaction` as the first line",
}


def section_removal(section: SectionContext, statement: Statement) -> Edit:
    """``removal()`` of a statement, never reaching above the section's first line (the comment
    lines it takes along must not include the tool's marker, e.g. ``-- migrate:up``)."""
    edit = removal(section.file, statement)
    start = section.section.span.start
    if edit.span is not None and edit.span.start < start <= statement.span.start:
        return Edit(edit.path, Span(start, edit.span.end), edit.text)
    return edit


def _verb(kind: str, chain: bool) -> str:
    verb = "ROLLBACK" if kind == "TRANS_STMT_ROLLBACK" else "COMMIT"
    return f"{verb} AND CHAIN" if chain else verb


class TransactionNesting(Rule):
    """Flags transaction control that nests inside, or ends, the migration tool's transaction.

    ## What it does
    Reports `BEGIN`/`START TRANSACTION`, `COMMIT`/`END` and `ROLLBACK`/`ABORT` in a section that
    the migration tool already runs in a transaction, a `BEGIN` inside a transaction block that
    is already open, and a `BEGIN` that no `COMMIT` or `ROLLBACK` closes before the section ends.

    ## Why is this bad?
    PostgreSQL has no nested transactions. A `BEGIN` inside the tool's transaction is ignored
    with a warning, and the `COMMIT` meant to close it commits the tool's transaction instead:
    every statement after it runs outside any transaction, so a failure leaves the migration
    half applied and the tool's bookkeeping out of step with the schema. A `ROLLBACK` there
    silently throws away the statements before it. A `BEGIN` that is never closed leaves the
    transaction open until the connection ends, and then everything in it is rolled back.

    ## Lock
    None by itself; but locks taken by the statements of an unclosed transaction stay held
    until the connection closes.

    ## Instead
    Let the tool manage the transaction: remove `BEGIN` and `COMMIT` from migrations it wraps.
    Where a step must commit on its own (`CREATE INDEX CONCURRENTLY`, a new enum value used
    later), give it a migration of its own. In sections the tool does not wrap, close every
    `BEGIN` with `COMMIT`.

    ## Example
    ```sql
    -- migrate:up
    BEGIN;
    ALTER TABLE orders ADD COLUMN note text;
    COMMIT;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN note text;
    ```
    """

    id = "transaction-nesting"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = frozenset({"TransactionStmt"})
    summary = "BEGIN/COMMIT inside the tool's transaction, or a BEGIN never committed"

    def begin_section(self, section: SectionContext) -> None:
        #: the BEGIN that opened the explicit transaction block still open, if any
        self._open: Statement | None = None

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        body = statement.body
        kind = body.get("kind", "")
        wrapped = self._wrapped(section)
        tool = self.context.tool.value
        if kind in _BEGIN:
            if wrapped:
                self.report(
                    section,
                    statement.span,
                    f"{tool} already runs this section in a transaction: PostgreSQL ignores this "
                    "`BEGIN` with a warning, and the `COMMIT` meant to close it commits "
                    f"{tool}'s transaction early. Remove it and let {tool} manage the "
                    "transaction",
                    statement=statement,
                    fix=Fix(
                        "Remove the `BEGIN`", (section_removal(section, statement),), safe=True
                    ),
                )
            elif self._open is not None:
                self.report(
                    section,
                    statement.span,
                    "a transaction block is already open here: PostgreSQL has no nested "
                    "transactions, ignores this `BEGIN` with a warning, and the first `COMMIT` "
                    "closes both. Use `SAVEPOINT` for a nested step, or `COMMIT` first",
                    statement=statement,
                    fix=Fix(
                        "Remove the `BEGIN`", (section_removal(section, statement),), safe=True
                    ),
                )
            else:
                self._open = statement
            return
        if kind not in _END:
            return
        if kind == "TRANS_STMT_COMMIT" and self._atomic_end(statement, section):
            return
        verb = _verb(kind, bool(body.get("chain")))
        if wrapped:
            if kind == "TRANS_STMT_ROLLBACK":
                consequence = (
                    "throws away every statement before it, and the statements after it run "
                    "outside any transaction"
                )
            else:
                consequence = (
                    "commits it early: the statements after it run outside any transaction, so "
                    "a failure leaves the migration half applied"
                )
            opt_out = _OPT_OUT.get(self.context.tool)
            advice = "Remove it; if a step must commit on its own, give it a migration of its own"
            if opt_out:
                advice += f" (with {opt_out} where it cannot run in a transaction)"
            self.report(
                section,
                statement.span,
                f"{tool} runs this section in a transaction, and this `{verb}` {consequence}. "
                + advice,
                statement=statement,
                fix=(
                    Fix(f"Remove the `{verb}`", (section_removal(section, statement),), safe=False)
                    if kind == "TRANS_STMT_COMMIT" and not body.get("chain")
                    else None
                ),
            )
            return
        if not body.get("chain"):
            self._open = None
        # a COMMIT with no BEGIN outside the tool's transaction ends PostgreSQL's implicit
        # transaction of a multi-statement string, or warns and does nothing: not an error

    def _wrapped(self, section: SectionContext) -> bool:
        """Whether the tool opens a transaction around the section.

        Prisma Migrate on PostgreSQL does not ("By default, Migrate does not wrap migrations in
        a transaction": it sends the file as one query string, and generates ``BEGIN``/``COMMIT``
        itself where it wants one, e.g. around an enum change), whatever the format layer says.
        """
        return section.section.wrapped and self.context.tool is not Tool.PRISMA

    def _atomic_end(self, statement: Statement, section: SectionContext) -> bool:
        """A bare ``END`` that closes a ``BEGIN ATOMIC`` function body the parser could not keep
        whole (the file had a syntax error elsewhere, so statements were split at ``;``)."""
        text = section.file.text
        if text[statement.span.start : statement.span.end].strip().upper() != "END":
            return False
        return _ATOMIC.search(text, section.section.span.start, statement.span.start) is not None

    def end_section(self, section: SectionContext) -> None:
        opened = self._open
        self._open = None
        if opened is None or self._wrapped(section):
            return
        self.report(
            section,
            opened.span,
            "this `BEGIN` is never closed: the transaction stays open until the connection "
            "ends, and then PostgreSQL rolls back everything in it (locks stay held meanwhile). "
            "End the section with `COMMIT`",
            statement=opened,
        )
