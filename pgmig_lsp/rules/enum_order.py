"""enum-value-order: `ALTER TYPE … ADD VALUE` without saying where the value goes."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.sql.nodes import QualifiedName, strings
from pgmig_lsp.sql.parse import Statement


class EnumValueOrder(Rule):
    """Flags `ALTER TYPE … ADD VALUE` without `BEFORE` or `AFTER`.

    ## What it does
    Reports `ALTER TYPE … ADD VALUE 'x'` that does not say where the new value goes. It is off
    by default: only teams whose enums' order means something (sorting, `<` comparisons,
    `ORDER BY status`) want it.

    ## Why is this bad?
    An enum's values sort in the order they were declared, not alphabetically. A value added
    without `BEFORE`/`AFTER` goes to the end, so `ORDER BY` and comparisons put it after every
    existing value — usually not where it belongs (`'paused'` sorting after `'archived'`).
    Values cannot be reordered later without re-creating the type.

    ## Lock
    None on tables; the enum's catalog entry is updated.

    ## Instead
    Say where the value goes: `ADD VALUE 'paused' AFTER 'active'` (or `BEFORE`).

    ## Example
    ```sql
    ALTER TYPE order_status ADD VALUE 'paused';
    ```
    Use instead:
    ```sql
    ALTER TYPE order_status ADD VALUE 'paused' AFTER 'active';
    ```
    """

    id = "enum-value-order"
    group = Group.DESIGN
    severity = Severity.INFO
    enabled_by_default = False
    kinds = frozenset({"AlterEnumStmt"})
    summary = "`ALTER TYPE … ADD VALUE` without `BEFORE`/`AFTER`"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if statement.in_function or body.get("oldVal") or not body.get("newVal"):
            return  # RENAME VALUE, or nothing added
        if body.get("newValNeighbor"):
            return
        enum = QualifiedName.from_parts(strings(body.get("typeName")))
        typedef = self.context.catalog.type(enum.schema, enum.name)
        last = ""
        if typedef is not None and typedef.kind == "enum" and typedef.values:
            last = f", after `'{typedef.values[-1]}'`"
        self.report(
            section,
            statement.span,
            f"`'{body['newVal']}'` goes at the end of `{enum}`{last}: enum values sort in "
            "declaration order, so `ORDER BY` and comparisons place it after every existing "
            "value. Say where it belongs with `BEFORE '…'` or `AFTER '…'`",
            statement=statement,
        )
