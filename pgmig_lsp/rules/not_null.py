"""set-not-null: `ALTER COLUMN … SET NOT NULL` scans an existing table under ACCESS EXCLUSIVE."""

from __future__ import annotations

import re

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.catalog.naming import choose_name
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.rules.base import Group, SectionContext
from pgmig_lsp.rules.constraints import (
    NotNullProofRule,
    alter_commands,
    pg_major,
    subcommand_span,
    table_label,
    trimmed_element_span,
    validate_migration,
)
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, quote_identifier, strings
from pgmig_lsp.sql.parse import Statement

_SET_NOT_NULL = re.compile(r"(?is)alter\b.*\bset\s+not\s+null")


class SetNotNull(NotNullProofRule):
    """Flags `ALTER COLUMN … SET NOT NULL` on an existing table.

    ## What it does
    Reports `ALTER TABLE … ALTER COLUMN c SET NOT NULL` (and PostgreSQL 18's
    `ADD CONSTRAINT … NOT NULL c` without `NOT VALID`) on a table that this migration did not
    create. It stays quiet when the column is already NOT NULL, or, on PostgreSQL 12+, when a
    validated `CHECK (c IS NOT NULL)` constraint proves it (PostgreSQL then skips the scan).

    ## Why is this bad?
    PostgreSQL reads every row to prove that none is NULL while the `ALTER TABLE` holds
    ACCESS EXCLUSIVE on the table: reads and writes wait for the whole scan.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole scan.

    ## Instead
    Add `CHECK (c IS NOT NULL) NOT VALID` now (a brief lock); in a later migration
    `VALIDATE CONSTRAINT` it (scans under SHARE UPDATE EXCLUSIVE: reads and writes go on), then
    `SET NOT NULL` (PostgreSQL 12+ uses the valid check and skips the scan) and drop the check.
    On PostgreSQL 18+, `ADD CONSTRAINT … NOT NULL c NOT VALID` and a later
    `VALIDATE CONSTRAINT` do it in two steps. The fix writes the first step.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ALTER COLUMN status SET NOT NULL;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE app_user
      ADD CONSTRAINT app_user_status_not_null CHECK (status IS NOT NULL) NOT VALID;

    -- in a later migration
    ALTER TABLE app_user VALIDATE CONSTRAINT app_user_status_not_null;
    ALTER TABLE app_user ALTER COLUMN status SET NOT NULL;
    ALTER TABLE app_user DROP CONSTRAINT app_user_status_not_null;
    ```
    """

    id = "set-not-null"
    group = Group.LOCKING
    severity = Severity.WARNING
    summary = "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock"

    def _proven(self, key: Key, column: str) -> bool:
        context = self.context
        table = context.catalog.tables.get(key)
        known = table.columns.get(column) if table is not None else None
        if known is not None and known.not_null:
            return True
        return pg_major(context.pg_version) >= 12 and self._proofs.proves(context, key, column)

    def _check(self, statement: Statement, section: SectionContext, key: Key) -> None:
        for index, cmd in alter_commands(statement):
            subtype = cmd.get("subtype")
            if subtype == "AT_SetNotNull":
                column = cmd.get("name", "")
                if column and not self._proven(key, column):
                    self._report_set(statement, section, key, column, index)
            elif subtype == "AT_AddConstraint":
                con = (cmd.get("def") or {}).get("Constraint") or {}
                if con.get("contype") != "CONSTR_NOTNULL" or con.get("skip_validation"):
                    continue
                columns = [c for c in strings(con.get("keys")) if not self._proven(key, c)]
                if columns:
                    self._report_constraint(statement, section, key, con, columns[0])

    def _report_set(
        self, statement: Statement, section: SectionContext, key: Key, column: str, index: int
    ) -> None:
        label = table_label(key)
        major = pg_major(self.context.pg_version)
        name = self._constraint_name(key, column)
        shown = quote_identifier(column)
        if major >= 18:
            instead = (
                f"Add `CONSTRAINT {name} NOT NULL {shown} NOT VALID` now and `VALIDATE "
                "CONSTRAINT` it in a later migration: validating makes the column NOT NULL "
                "without blocking reads and writes"
            )
        elif major >= 12:
            instead = (
                f"Add `CHECK ({shown} IS NOT NULL) NOT VALID` now; in a later migration validate "
                "it, then `SET NOT NULL` (PostgreSQL uses the valid check and skips the scan) and "
                "drop the check"
            )
        else:
            instead = (
                "Before PostgreSQL 12 `SET NOT NULL` always scans: add "
                f"`CHECK ({shown} IS NOT NULL) NOT VALID` and validate it in a later migration "
                "instead (it enforces the same without the long lock)"
            )
        span = subcommand_span(statement, section.file.text, index)
        self.report(
            section,
            span,
            f"`SET NOT NULL` on `{shown}` scans all of `{label}` under an ACCESS EXCLUSIVE lock: "
            f"reads and writes wait for the whole scan. {instead}",
            statement=statement,
            fix=self._fix(section, span, column, name, major),
        )

    def _constraint_name(self, key: Key, column: str) -> str:
        table = self.context.catalog.tables.get(key)
        taken = frozenset(table.constraints) if table is not None else frozenset()
        return choose_name(key[1], column, "not_null", taken.__contains__)

    def _fix(
        self, section: SectionContext, span: Span, column: str, name: str, major: int
    ) -> Fix | None:
        text = section.file.text
        if not _SET_NOT_NULL.fullmatch(text[span.start : span.end]):
            return None
        shown, constraint = quote_identifier(column), quote_identifier(name)
        if major >= 18:
            replacement = f"ADD CONSTRAINT {constraint} NOT NULL {shown} NOT VALID"
            title = "Add the NOT NULL constraint NOT VALID (validate it in a later migration)"
        else:
            replacement = f"ADD CONSTRAINT {constraint} CHECK ({shown} IS NOT NULL) NOT VALID"
            title = (
                "Add a NOT VALID check instead (validate it, then SET NOT NULL, in a later "
                "migration)"
            )
        return Fix(title=title, edits=(Edit(section.file.path, span, replacement),), safe=False)

    def _report_constraint(
        self, statement: Statement, section: SectionContext, key: Key, con: Node, column: str
    ) -> None:
        text = section.file.text
        span = trimmed_element_span(statement, text, con.get("location"))
        name = con.get("conname") or self._constraint_name(key, column)
        fix: Fix | None = None
        created = validate_migration(self.context, statement, text, name)
        edits = [Edit(section.file.path, Span(span.end, span.end), " NOT VALID")]
        if not con.get("conname"):
            edits.insert(
                0,
                Edit(
                    section.file.path,
                    Span(span.start, span.start),
                    f"CONSTRAINT {quote_identifier(name)} ",
                ),
            )
        if created is not None:
            fix = Fix(
                title="Add the constraint NOT VALID and validate it in a migration of its own",
                edits=(*edits, *created),
                safe=True,
            )
        else:
            fix = Fix(
                title="Add the constraint NOT VALID (validate it in a later migration)",
                edits=tuple(edits),
                safe=False,
            )
        self.report(
            section,
            span,
            f"`NOT NULL {column}` without `NOT VALID` scans all of `{table_label(key)}` under an "
            "ACCESS EXCLUSIVE lock: reads and writes wait for the whole scan. Add it `NOT VALID` "
            "and `VALIDATE CONSTRAINT` it in a later migration",
            statement=statement,
            fix=fix,
        )
