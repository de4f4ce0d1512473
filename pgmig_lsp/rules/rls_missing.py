"""rls-missing: a new table without row level security where the schema's other tables have it."""

from __future__ import annotations

import attrs

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.primary_key import header_span
from pgmig_lsp.rules.rewrite import statement_with_terminator
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement

#: how many of a schema's older tables must have row level security for it to be the pattern
_SHARE = 2 / 3
_MIN_TABLES = 2


@attrs.frozen
class _NewTable:
    key: Key
    statement: Statement
    section: SectionContext


class RlsMissing(Rule):
    """Flags a new table without row level security in a schema whose tables have it.

    ## What it does
    Reports a table created by the migration that does not get `ENABLE ROW LEVEL SECURITY`
    when the pattern of its schema is to have it: at least half of the tables this migration
    creates in the same schema have it, or at least two thirds (and at least two) of the schema's
    tables known from before the migration have it. Partitions and temporary tables are left alone.

    ## Why is this bad?
    In a multi-tenant schema, row level security is what keeps one tenant from reading
    another's rows. A table that misses it is readable and writable in full by every role with
    table privileges — usually the application's role — and nothing fails to warn about it.

    ## Lock
    None of its own. (`ENABLE ROW LEVEL SECURITY` on an existing table takes ACCESS EXCLUSIVE;
    on a new table it costs nothing.)

    ## Instead
    Enable row level security in the same migration and add the table's policies. The fix adds
    `ALTER TABLE … ENABLE ROW LEVEL SECURITY` after the `CREATE TABLE`; it is unsafe: without a
    policy, roles other than the owner then see no rows.

    ## Example
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    CREATE TABLE invoice_lines (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    ```
    Use instead:
    ```sql
    CREATE TABLE invoices (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    CREATE TABLE invoice_lines (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
    ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
    ```
    """

    id = "rls-missing"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset({"CreateStmt"})
    summary = "a new table without row level security where its schema's tables have it"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._created: list[_NewTable] = []

    def begin_section(self, section: SectionContext) -> None:
        self._created = []

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        relation = body.get("relation") or {}
        if statement.in_function or relation.get("relpersistence") == "t":
            return
        if body.get("partbound") is not None:
            return  # a partition: queries go through its parent, whose policies apply
        key = self.context.table_key(relation)
        if key is None or (body.get("if_not_exists") and key in self.context.catalog.tables):
            return
        self._created.append(_NewTable(key, statement, section))

    def end_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.UP or not self._created:
            return
        tables = self.context.catalog.tables
        by_schema: dict[str, list[_NewTable]] = {}
        for new in self._created:
            table = tables.get(new.key)
            if table is not None and table.kind == "table" and not table.uncertain:
                by_schema.setdefault(new.key[0], []).append(new)
        for schema, group in by_schema.items():
            without = [new for new in group if not tables[new.key].rls_enabled]
            if not without:
                continue
            reason = self._pattern(schema, group)
            if reason is None:
                continue
            for new in without:
                self._report(new, schema, reason)

    def _pattern(self, schema: str, group: list[_NewTable]) -> str | None:
        """Why row level security is the schema's pattern, or None when it is not."""
        tables = self.context.catalog.tables
        with_rls = [new for new in group if tables[new.key].rls_enabled]
        # one audit table with a policy among a dozen new tables is that table's need, not the
        # schema's pattern: at least half of the new tables must have it
        if with_rls and 2 * len(with_rls) >= len(group):
            names = ", ".join(f"`{display_name(new.key)}`" for new in with_rls[:3])
            more = f" and {len(with_rls) - 3} more" if len(with_rls) > 3 else ""
            verb = "has" if len(with_rls) == 1 else "have"
            return f"{names}{more}, created in this migration too, {verb} it"
        created = self.context.created_tables
        older = [
            table
            for table in tables.values()
            if table.schema == schema and table.kind == "table" and table.key not in created
        ]
        enabled = sum(1 for table in older if table.rls_enabled)
        if len(older) >= _MIN_TABLES and enabled >= _MIN_TABLES and enabled >= _SHARE * len(older):
            return f"{enabled} of the {len(older)} existing tables of schema `{schema}` have it"
        return None

    def _report(self, new: _NewTable, schema: str, reason: str) -> None:
        name = display_name(new.key)
        file = new.section.file
        after = statement_with_terminator(file, new.statement).end
        fix = Fix(
            title=f"Enable row level security on `{name}`",
            edits=(
                Edit(
                    file.path,
                    Span(after, after),
                    f"\nALTER TABLE {name} ENABLE ROW LEVEL SECURITY;",
                ),
            ),
            safe=False,
        )
        self.report(
            new.section,
            header_span(new.statement, file.text, new.statement.body.get("relation")),
            f"`{name}` gets no row level security, but {reason}: every role with privileges on "
            f"the table reads and writes all its rows. Add `ALTER TABLE {name} ENABLE ROW LEVEL "
            "SECURITY` and its policies",
            statement=new.statement,
            fix=fix,
        )
