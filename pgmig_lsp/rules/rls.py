"""policy-without-rls: a row level security policy on a table where row level security is off."""

from __future__ import annotations

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.rules.rewrite import insert_before
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import QualifiedName, relation_name
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span


def _shown(key: Key) -> str:
    return display_name(key)


class PolicyWithoutRls(Rule):
    """Flags `CREATE POLICY` on a table whose row level security is not enabled.

    ## What it does
    Reports a `CREATE POLICY` on a table that pgmig knows (created earlier in the migration, or
    known from the history) when row level security is not enabled on it, and this migration
    does not enable it later either.

    ## Why is this bad?
    A policy is only consulted once `ALTER TABLE … ENABLE ROW LEVEL SECURITY` has run. Until
    then it does nothing: every role with table privileges sees and changes every row, while
    the migration reads as if tenants were isolated.

    ## Lock
    `CREATE POLICY` and `ENABLE ROW LEVEL SECURITY` both take ACCESS EXCLUSIVE on the table,
    briefly.

    ## Instead
    Enable row level security on the table in the same migration (before or after the policy:
    PostgreSQL only checks policies once it is on). Mind that enabling it with no policy for a
    role denies that role every row.

    ## Example
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    CREATE POLICY notes_tenant ON notes
      USING (tenant_id = current_setting('app.tenant_id')::uuid);
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY, tenant_id uuid NOT NULL);
    ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
    CREATE POLICY notes_tenant ON notes
      USING (tenant_id = current_setting('app.tenant_id')::uuid);
    ```
    """

    id = "policy-without-rls"
    group = Group.CORRECTNESS
    severity = Severity.WARNING
    kinds = frozenset({"CreatePolicyStmt"})
    summary = "CREATE POLICY on a table without row level security: the policy does nothing"

    def begin_section(self, section: SectionContext) -> None:
        #: the section's ``ENABLE ROW LEVEL SECURITY`` statements, once a check looked for one
        self._enables: list[tuple[int, QualifiedName | None]] | None = None

    def resume(self, section: SectionContext, position: int) -> bool:
        return position == 0 or self._enables in (None, _enables(section))

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        relation = statement.body.get("table")
        table = self.context.table(relation)
        if table is None or table.rls_enabled or table.kind != "table":
            return
        key = table.key
        if self._enabled_later(statement, section, key):
            return
        name = _shown(key)
        text = section.file.text
        location = (relation or {}).get("location")
        written_span = name_span(statement, text, location) if location is not None else None
        if written_span is not None and statement.span.start < written_span.end <= (
            statement.span.end
        ):
            span = Span(statement.span.start, written_span.end)
            written = text[written_span.start : written_span.end]
        else:
            span = statement.span
            written = str(relation_name(relation) or name)
        self.report(
            section,
            span,
            f"row level security is not enabled on `{name}`: this policy does nothing, and every "
            f"role with privileges on `{name}` reads and writes every row. Add `ALTER TABLE "
            f"{written} ENABLE ROW LEVEL SECURITY` to this migration",
            statement=statement,
            fix=Fix(
                f"Enable row level security on `{name}`",
                (
                    insert_before(
                        section.file,
                        statement,
                        f"ALTER TABLE {written} ENABLE ROW LEVEL SECURITY;\n",
                    ),
                ),
                # roles without a policy lose access to the table: not a pure no-op
                safe=False,
            ),
        )

    def _enabled_later(self, statement: Statement, section: SectionContext, key: Key) -> bool:
        """Whether a later statement of this section enables row level security on ``key``."""
        if self._enables is None:
            self._enables = _enables(section)
        return any(
            index > statement.index and self.context.table_key(relation) == key
            for index, relation in self._enables
        )


def _enables(section: SectionContext) -> list[tuple[int, QualifiedName | None]]:
    """Position and table of each ``ENABLE ROW LEVEL SECURITY`` of the section."""
    found = []
    for later in section.statements:
        if later.kind != "AlterTableStmt":
            continue
        body = later.body
        if any(
            (item.get("AlterTableCmd") or {}).get("subtype") == "AT_EnableRowSecurity"
            for item in body.get("cmds", []) or []
        ):
            found.append((later.index, relation_name(body.get("relation"))))
    return found
