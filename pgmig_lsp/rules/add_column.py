"""`ADD COLUMN` on an existing table: volatile defaults, NOT NULL without a default, and columns
whose values PostgreSQL must compute for every existing row (serial, identity, stored generated).
"""

from __future__ import annotations

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.constraints import (
    alter_commands,
    altered_table,
    column_clause_span,
    column_constraints,
    pg_major,
    relation_text,
    table_label,
    trimmed_element_span,
)
from pgmig_lsp.rules.rewrite import keyword_span, statement_with_terminator
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, strings, type_ref, walk
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span

#: the pseudo-types CREATE/ALTER TABLE turn into an integer column with a sequence default
_SERIALS = frozenset({"smallserial", "serial2", "serial", "serial4", "bigserial", "serial8"})
_VOLATILITY_RANK = {"i": 0, "s": 1, "v": 2}


def _added_columns(statement: Statement) -> list[tuple[int, Node, Node]]:
    """``(index, AlterTableCmd, ColumnDef)`` of each ``ADD COLUMN`` sub-command."""
    out = []
    for index, cmd in alter_commands(statement):
        coldef = (cmd.get("def") or {}).get("ColumnDef")
        if cmd.get("subtype") == "AT_AddColumn" and coldef is not None:
            out.append((index, cmd, coldef))
    return out


def _serial(coldef: Node) -> str | None:
    ref = type_ref(coldef.get("typeName"))
    if ref is None or ref.array or ref.schema not in (None, "pg_catalog"):
        return None
    return ref.name if ref.name in _SERIALS else None


def _value_source(coldef: Node) -> str | None:
    """What fills the new column for existing rows by itself: ``serial``, ``identity`` or
    ``generated`` (stored); None for a plain column. PostgreSQL 18's VIRTUAL generated
    columns are computed on read and are not counted."""
    serial = _serial(coldef)
    if serial is not None:
        return serial
    for con in column_constraints(coldef):
        contype = con.get("contype")
        if contype == "CONSTR_IDENTITY":
            return "identity"
        if contype == "CONSTR_GENERATED" and con.get("generated_kind", "s") != "v":
            return "generated"
    return None


def _is_null(expression: Node | None) -> bool:
    """``NULL``, possibly cast (``NULL::int``): PostgreSQL stores no default for it."""
    while expression and "TypeCast" in expression:
        expression = expression["TypeCast"].get("arg")
    const = (expression or {}).get("A_Const")
    return const is not None and bool(const.get("isnull"))


def _default(coldef: Node) -> tuple[int, Node] | None:
    """``(position, Constraint fields)`` of the column's non-NULL ``DEFAULT``."""
    for position, con in enumerate(column_constraints(coldef)):
        if con.get("contype") == "CONSTR_DEFAULT" and not _is_null(con.get("raw_expr")):
            return position, con
    return None


def function_volatility(
    context: MigrationContext, parts: tuple[str, ...], nargs: int
) -> str | None:
    """``i``, ``s`` or ``v`` for a call of a built-in function or of one the catalog knows (the
    most volatile overload that takes ``nargs`` arguments); None for an unknown function."""
    schema = parts[-2] if len(parts) > 1 else None
    if schema in (None, "pg_catalog"):
        # pg_catalog comes first on the search path: a built-in wins over a same-named function
        volatility = context.builtins.function_volatility(parts, nargs)
        if volatility is not None:
            return volatility
    if schema == "pg_catalog" or not parts:
        return None
    catalog = context.catalog
    key = catalog.resolve(schema, parts[-1], catalog.functions)  # type: ignore[arg-type]
    overloads = catalog.functions.get(key) or []
    matching = [f for f in overloads if len(f.arguments) == nargs] or overloads
    if not matching:
        return None
    return max((f.volatility for f in matching), key=lambda v: _VOLATILITY_RANK.get(v, 2))


def volatile_call(context: MigrationContext, expression: Node | None) -> tuple[str, bool] | None:
    """The first function an expression calls that is volatile, as ``(name, known)``: ``known``
    is False for a function nobody knows, which counts as volatile. None when there is none."""
    for kind, node in walk(expression):
        if kind != "FuncCall":
            continue
        parts = strings(node.get("funcname"))
        if not parts:
            continue
        volatility = function_volatility(context, parts, len(node.get("args") or []))
        if volatility is None or volatility == "v":
            return ".".join(parts), volatility is not None
    return None


class AddColumnVolatileDefault(Rule):
    """Flags `ADD COLUMN … DEFAULT` with a volatile default on an existing table.

    ## What it does
    Reports `ALTER TABLE … ADD COLUMN … DEFAULT expr` on a table that this migration did not
    create when `expr` calls a volatile function (`clock_timestamp()`, `random()`,
    `gen_random_uuid()`, `nextval()`, or a function pgmig does not know), and before
    PostgreSQL 11 any default but `NULL`. Constants (`'{}'::jsonb`, `0`, `false`) and stable
    defaults (`now()`, `CURRENT_TIMESTAMP`) are fine: PostgreSQL 11+ evaluates them once and
    stores the value in the catalog.

    ## Why is this bad?
    A volatile default has a different value per row, so PostgreSQL computes it for every
    existing row and rewrites the whole table, with its indexes, while the `ALTER TABLE` holds
    ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole rewrite.

    ## Instead
    Add the column without a default, set the default in a separate statement (rows inserted
    from then on get it), then backfill the existing rows in batches outside the migration's
    transaction. The fix does the first two steps; existing rows keep NULL until backfilled.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN public_id uuid DEFAULT gen_random_uuid();
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD COLUMN public_id uuid;
    ALTER TABLE orders ALTER COLUMN public_id SET DEFAULT gen_random_uuid();
    -- then backfill existing rows in batches
    ```
    """

    id = "add-column-volatile-default"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "ADD COLUMN with a volatile default rewrites the table"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        context = self.context
        key = altered_table(context, statement)
        if key is None:
            return
        old_server = pg_major(context.pg_version) < 11
        for _, cmd, coldef in _added_columns(statement):
            found = _default(coldef)
            if found is None or _value_source(coldef) is not None:
                continue
            position, con = found
            call = volatile_call(context, con.get("raw_expr"))
            if call is None and not old_server:
                continue
            self._report(statement, section, key, cmd, coldef, position, call)

    def _report(
        self,
        statement: Statement,
        section: SectionContext,
        key: Key,
        cmd: Node,
        coldef: Node,
        position: int,
        call: tuple[str, bool] | None,
    ) -> None:
        text = section.file.text
        span = column_clause_span(statement, text, coldef, position)
        column = coldef.get("colname", "")
        label = table_label(key)
        if call is None:
            why = (
                "before PostgreSQL 11 a column added with a default other than NULL is written "
                "into every existing row"
            )
        elif call[1]:
            why = f"`{call[0]}()` is volatile, so PostgreSQL computes it for every existing row"
        else:
            why = (
                f"`{call[0]}()` is not known to be stable or immutable, so it counts as volatile "
                "and PostgreSQL computes it for every existing row"
            )
        self.report(
            section,
            span,
            f"`ADD COLUMN {column} … DEFAULT` rewrites `{label}` under an ACCESS EXCLUSIVE lock: "
            f"{why}, while reads and writes wait. Add the column without a default, `SET "
            "DEFAULT` in a separate statement (new rows get it), then backfill the existing rows "
            "in batches",
            statement=statement,
            fix=self._fix(statement, section, cmd, coldef, span),
        )

    def _fix(
        self, statement: Statement, section: SectionContext, cmd: Node, coldef: Node, span: Span
    ) -> Fix | None:
        if cmd.get("missing_ok"):
            # with IF NOT EXISTS a separate SET DEFAULT would change a column that already exists
            return None
        if any(
            c.get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY")
            for c in column_constraints(coldef)
        ):
            # without its default a NOT NULL column fails on the existing rows
            return None
        file = section.file
        text = file.text
        keyword = keyword_span(file, span, "DEFAULT")
        expression = text[keyword.end : span.end].strip() if keyword is not None else ""
        if not expression:
            return None
        written = name_span(statement, text, coldef.get("location"))
        column = text[written.start : written.end]
        start = span.start
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        terminated = statement_with_terminator(file, statement)
        separator = "" if text[terminated.end - 1 : terminated.end] == ";" else ";"
        set_default = (
            f"{separator}\nALTER TABLE {relation_text(statement, text)} ALTER COLUMN {column} "
            f"SET DEFAULT {expression};"
        )
        return Fix(
            title="Add the column without a default, then SET DEFAULT in a separate statement",
            edits=(
                Edit(file.path, Span(start, span.end), ""),
                Edit(file.path, Span(terminated.end, terminated.end), set_default),
            ),
            safe=False,
        )


class AddColumnNotNullWithoutDefault(Rule):
    """Flags `ADD COLUMN … NOT NULL` without a default on an existing table.

    ## What it does
    Reports `ALTER TABLE … ADD COLUMN … NOT NULL` (or `PRIMARY KEY`) without a `DEFAULT` on a
    table that this migration did not create. Identity, serial and generated columns have
    values and are not reported; neither is a column whose type is a domain (it may have a
    default of its own).

    ## Why is this bad?
    Existing rows get NULL in the new column, which the NOT NULL constraint rejects: the
    migration fails with `column "…" contains null values` as soon as the table has a row.
    It only passes where the table is empty, typically in development, and fails in production.

    ## Lock
    ACCESS EXCLUSIVE on the table (briefly, until the statement fails).

    ## Instead
    Add the column nullable, backfill it, then make it NOT NULL without a long lock (see
    `set-not-null`); or give it a constant default, which PostgreSQL 11+ stores without
    rewriting the table.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN locale text NOT NULL;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN locale text NOT NULL DEFAULT 'en';
    ```
    """

    id = "add-column-not-null-without-default"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "ADD COLUMN NOT NULL without a default fails on a table that has rows"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        context = self.context
        key = altered_table(context, statement)
        if key is None:
            return
        for _, _, coldef in _added_columns(statement):
            clauses = column_constraints(coldef)
            required = any(
                c.get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY") for c in clauses
            )
            if not required or _default(coldef) is not None or _value_source(coldef) is not None:
                continue
            if self._domain(coldef):
                continue
            column = coldef.get("colname", "")
            if pg_major(context.pg_version) >= 11:
                instead = (
                    "or give it a constant default (PostgreSQL 11+ stores it without rewriting "
                    "the table)"
                )
            else:
                instead = (
                    "then make it NOT NULL (before PostgreSQL 11 a default rewrites the table)"
                )
            self.report(
                section,
                trimmed_element_span(statement, section.file.text, coldef.get("location")),
                f"`ADD COLUMN {column} … NOT NULL` without a default fails as soon as "
                f"`{table_label(key)}` has a row: existing rows would get NULL (`column "
                f'"{column}" contains null values`). Add the column nullable and backfill it, '
                f"{instead}",
                statement=statement,
            )

    def _domain(self, coldef: Node) -> bool:
        ref = type_ref(coldef.get("typeName"))
        if ref is None or ref.array:
            return False
        found = self.context.catalog.type(ref.schema, ref.name)
        return found is not None and found.kind == "domain"


class AddColumnRewrite(Rule):
    """Flags adding a serial, identity or stored generated column to an existing table.

    ## What it does
    Reports `ALTER TABLE … ADD COLUMN` of a `serial`/`bigserial`/`smallserial` column, an
    identity column (`GENERATED … AS IDENTITY`) or a stored generated column
    (`GENERATED ALWAYS AS (…) STORED`) on a table that this migration did not create.

    ## Why is this bad?
    PostgreSQL must give every existing row its value (the next sequence number, or the
    computed expression), so it rewrites the whole table and its indexes while the
    `ALTER TABLE` holds ACCESS EXCLUSIVE: reads and writes wait for the whole rewrite.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole rewrite.

    ## Instead
    Create a new table with the column and copy the rows over in batches, or add a plain
    nullable column, backfill it in batches (and keep it current with a default or a trigger),
    then add the constraints without long locks.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE events ADD COLUMN id bigserial;
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE SEQUENCE events_id_seq;
    ALTER TABLE events ADD COLUMN id bigint;
    ALTER TABLE events ALTER COLUMN id SET DEFAULT nextval('events_id_seq');
    -- then backfill existing rows in batches
    ```
    """

    id = "add-column-rewrite"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "adding a serial, identity or stored generated column rewrites the table"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        context = self.context
        key = altered_table(context, statement)
        if key is None:
            return
        label = table_label(key)
        for _, _, coldef in _added_columns(statement):
            source = _value_source(coldef)
            if source is None:
                continue
            column = coldef.get("colname", "")
            if source == "identity":
                what, how = "the identity column", "every existing row gets a sequence number"
            elif source == "generated":
                what, how = "the stored generated column", "PostgreSQL computes it for every row"
            else:
                what, how = f"the `{source}` column", "every existing row gets a sequence number"
            self.report(
                section,
                trimmed_element_span(statement, section.file.text, coldef.get("location")),
                f"Adding {what} `{column}` rewrites `{label}` and its indexes under an ACCESS "
                f"EXCLUSIVE lock: {how} while reads and writes wait. Create a new table and copy "
                "the rows in batches, or add a nullable column and backfill it in batches",
                statement=statement,
            )
