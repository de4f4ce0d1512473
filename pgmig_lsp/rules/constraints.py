"""Constraints added to tables that existed before the migration: validation scans, index builds,
exclusion constraints and validation in the same transaction.

The first part of the module holds what the ALTER TABLE family of rules (``add_column``,
``column_type``, ``not_null``) shares: which table a statement locks, names as PostgreSQL
chooses them, exact ranges of column clauses, and which columns a CHECK proves NOT NULL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pglast import parser as pg

from pgmig_lsp.catalog.model import Key, Table
from pgmig_lsp.catalog.naming import choose_name
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.standalone import standalone_migration
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.rewrite import keyword_span, removal
from pgmig_lsp.source import SourceFile, Span
from pgmig_lsp.sql.nodes import Node, quote_identifier, relation_name, strings, walk
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import element_span, name_span, subcommand_spans

# -- shared by the ALTER TABLE family ------------------------------------------------------------


_COMMENT_TOKENS = frozenset({"SQL_COMMENT", "C_COMMENT"})


def table_label(key: Key) -> str:
    """A table's name for messages: ``orders``, or ``billing.orders`` outside ``public``."""
    return display_name(key)


def pg_major(version: int) -> int:
    """The major version of a configured version (``16``) or a server_version_num (``160004``)."""
    return version // 10000 if version >= 10000 else version


def altered_table(context: MigrationContext, statement: Statement) -> Key | None:
    """The table an ``ALTER TABLE`` changes, when it existed before this migration; else None.

    Views, foreign tables and composite types (``ALTER TYPE … ADD ATTRIBUTE`` parses as an
    ``AlterTableStmt`` too) have no rows to scan or rewrite; statements inside function bodies
    run when the function is called, not by the migration.
    """
    body = statement.body
    if statement.in_function or body.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
        return None
    name = relation_name(body.get("relation"))
    if name is None or not context.existed_before(name):
        return None
    key = context.table_key(name)
    table = context.catalog.tables.get(key) if key else None
    if key is None or (table is not None and table.kind != "table"):
        return None
    return key


def alter_commands(statement: Statement) -> Iterator[tuple[int, Node]]:
    """``(index, AlterTableCmd fields)`` of each sub-command; the index matches
    :func:`subcommand_spans`."""
    for index, item in enumerate(statement.body.get("cmds") or []):
        cmd = item.get("AlterTableCmd")
        if cmd is not None:
            yield index, cmd


def without_trailing_comments(text: str, span: Span) -> Span:
    """``span`` cut after its last token that is not a comment (an edit after a trailing
    ``-- comment`` would land inside it)."""
    chunk = text[span.start : span.end]
    if "--" not in chunk and "/*" not in chunk:
        return span
    try:
        tokens = [t for t in pg.scan(chunk) if t.name not in _COMMENT_TOKENS]
    except pg.ParseError:
        return span
    return Span(span.start, span.start + tokens[-1].end + 1) if tokens else span


def subcommand_span(statement: Statement, text: str, index: int) -> Span:
    """The range of one ``ALTER TABLE`` sub-command, or the statement when it cannot be told."""
    spans = subcommand_spans(statement, text)
    count = len(statement.body.get("cmds") or [])
    if len(spans) != count or index >= len(spans):
        return statement.span
    return without_trailing_comments(text, spans[index])


def trimmed_element_span(statement: Statement, text: str, location: int | None) -> Span:
    """The list element (column definition, ``CONSTRAINT name CHECK (…)``) at ``location``,
    without a trailing comment."""
    return without_trailing_comments(text, element_span(statement, text, location))


def relation_text(statement: Statement, text: str) -> str:
    """The statement's table as written (quotes and schema kept), with ``ONLY`` if it had it."""
    relation = statement.body.get("relation") or {}
    span = name_span(statement, text, relation.get("location"))
    written = text[span.start : span.end]
    return written if relation.get("inh") else f"ONLY {written}"


def column_constraints(coldef: Node) -> list[Node]:
    """The ``Constraint`` fields of a column definition, in written order."""
    return [item.get("Constraint") or {} for item in coldef.get("constraints") or []]


def column_clause_span(
    statement: Statement, text: str, coldef: Node, index: int, *, with_attributes: bool = False
) -> Span:
    """The range of the ``index``-th clause of a column definition (``DEFAULT now()``,
    ``CHECK (…)``, ``REFERENCES t (id) ON DELETE CASCADE``); ``with_attributes`` takes the
    ``DEFERRABLE``-style attributes after it too."""
    clauses = column_constraints(coldef)
    start = statement.at(clauses[index].get("location"))
    end = element_span(statement, text, coldef.get("location")).end
    for later in clauses[index + 1 :]:
        if with_attributes and str(later.get("contype", "")).startswith("CONSTR_ATTR_"):
            continue
        location = later.get("location")
        if location is not None and location >= 0:
            end = min(end, statement.at(location))
        break
    collation = (coldef.get("collClause") or {}).get("location")
    if collation is not None and collation >= 0 and start < statement.at(collation) < end:
        end = statement.at(collation)
    while end > start and text[end - 1].isspace():
        end -= 1
    return without_trailing_comments(text, Span(start, max(end, start + 1)))


def referenced_columns(expression: Node | None) -> list[str]:
    """The distinct columns an expression refers to, in order of appearance."""
    seen: list[str] = []
    for kind, node in walk(expression):
        if kind == "ColumnRef":
            fields = strings(node.get("fields"))
            if fields and fields[-1] != "*" and fields[-1] not in seen:
                seen.append(fields[-1])
    return seen


def _constraint_label(con: Node) -> tuple[str | None, str] | None:
    """``(name2, label)`` PostgreSQL uses to name an unnamed CHECK or FOREIGN KEY."""
    contype = con.get("contype")
    if contype == "CONSTR_CHECK":
        columns = referenced_columns(con.get("raw_expr"))
        return (columns[0] if len(columns) == 1 else None), "check"
    if contype == "CONSTR_FOREIGN":
        return "_".join(strings(con.get("fk_attrs"))) or None, "fkey"
    return None


def statement_constraint_names(context: MigrationContext, statement: Statement) -> dict[int, str]:
    """The name of every CHECK and FOREIGN KEY an ``ALTER TABLE`` adds, named or not, by
    ``id()`` of its ``Constraint`` fields; unnamed ones get PostgreSQL's name, in written order.
    """
    name = relation_name(statement.body.get("relation"))
    if name is None:
        return {}
    table = context.table(name)
    taken = set(table.constraints) if table else set()
    names: dict[int, str] = {}
    for _, cmd in alter_commands(statement):
        definition = cmd.get("def") or {}
        pending: list[tuple[Node, str | None]] = []
        if cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
            pending.append((definition["Constraint"], None))
        elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
            coldef = definition["ColumnDef"]
            pending.extend((con, coldef.get("colname")) for con in column_constraints(coldef))
        for con, column in pending:
            if con.get("conname"):
                names[id(con)] = con["conname"]
                taken.add(con["conname"])
                continue
            label = _constraint_label(con)
            if label is None:
                continue
            # an inline REFERENCES is named after its column, a CHECK after the one column its
            # expression uses (as PostgreSQL does for both forms)
            name2 = column if column is not None and label[1] == "fkey" else label[0]
            chosen = choose_name(name.name, name2, label[1], taken.__contains__)
            names[id(con)] = chosen
            taken.add(chosen)
    return names


def not_null_columns(expression: Node | None) -> set[str]:
    """Columns a CHECK expression proves NOT NULL: ``c IS NOT NULL``, alone or in an ``AND``."""
    found: set[str] = set()
    stack: list[Node | None] = [expression]
    while stack:
        node = stack.pop()
        if not node:
            continue
        test = node.get("NullTest")
        if test is not None:
            column = (test.get("arg") or {}).get("ColumnRef")
            if test.get("nulltesttype") == "IS_NOT_NULL" and column is not None:
                fields = strings(column.get("fields"))
                if fields and fields[-1] != "*":
                    found.add(fields[-1])
            continue
        boolean = node.get("BoolExpr")
        if boolean is not None and boolean.get("boolop") == "AND_EXPR":
            stack.extend(boolean.get("args") or [])
    return found


class NotNullProofs:
    """Constraints of this migration that prove columns NOT NULL once validated: ``CHECK (c IS
    NOT NULL)`` (PostgreSQL 12+ skips the ``SET NOT NULL`` scan for it) and PostgreSQL 18's
    ``NOT NULL c NOT VALID`` (validating it makes the column NOT NULL).

    Fed every ``ALTER TABLE`` in order, after the rule has checked it (PostgreSQL validates after
    it sets NOT NULL within one statement). The replayed catalog keeps no CHECK expressions, so
    constraints from earlier migrations are proven only if it ever does (``expression``).
    """

    def __init__(self) -> None:
        #: (table, constraint name) -> (columns proven, validated)
        self._constraints: dict[tuple[Key, str], tuple[frozenset[str], bool]] = {}

    def record(self, context: MigrationContext, statement: Statement) -> None:
        key = context.table_key(statement.body.get("relation"))
        if key is None or statement.in_function:
            return
        names: dict[int, str] | None = None
        for _, cmd in alter_commands(statement):
            subtype = cmd.get("subtype")
            con = (cmd.get("def") or {}).get("Constraint")
            if subtype == "AT_AddConstraint" and con is not None:
                if con.get("contype") == "CONSTR_CHECK":
                    columns = frozenset(not_null_columns(con.get("raw_expr")))
                elif con.get("contype") == "CONSTR_NOTNULL":
                    columns = frozenset(strings(con.get("keys")))
                else:
                    continue
                if not columns:
                    continue
                name = con.get("conname")
                if not name:
                    if names is None:
                        names = statement_constraint_names(context, statement)
                    name = names.get(id(con))
                if name:
                    validated = not con.get("skip_validation")
                    self._constraints[(key, name)] = (columns, validated)
            elif subtype == "AT_ValidateConstraint" and (key, cmd.get("name", "")) in (
                self._constraints
            ):
                columns, _ = self._constraints[(key, cmd.get("name", ""))]
                self._constraints[(key, cmd.get("name", ""))] = (columns, True)
            elif subtype == "AT_DropConstraint":
                self._constraints.pop((key, cmd.get("name", "")), None)

    def proves(self, context: MigrationContext, key: Key, column: str) -> bool:
        """Whether a validated constraint proves ``column`` of ``key`` NOT NULL."""
        for (table_key, _), (columns, validated) in self._constraints.items():
            if table_key == key and validated and column in columns:
                return True
        table = context.catalog.tables.get(key)
        if table is None:
            return False
        for constraint in table.constraints.values():
            # replay keeps no CHECK expression yet; when it does, earlier migrations count too
            expression = getattr(constraint, "expression", None)
            if (
                constraint.type == "c"
                and constraint.validated
                and isinstance(expression, dict)
                and column in not_null_columns(expression)
            ):
                return True
        return False


def known_nullable(table: Table | None, column: str) -> bool:
    """The catalog knows ``column`` and knows it is nullable."""
    found = table.columns.get(column) if table is not None else None
    return found is not None and not found.not_null


def statement_insertion_point(file: SourceFile, statement: Statement) -> int:
    """Just after the statement's last token (before a trailing comment or the ``;``)."""
    return without_trailing_comments(file.text, statement.span).end


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "constraint"


def validate_migration(
    context: MigrationContext, statement: Statement, text: str, name: str
) -> tuple[Edit, ...] | None:
    """Edits that create a migration of its own, right after this one, validating ``name``."""
    sql = (
        f"ALTER TABLE {relation_text(statement, text)} VALIDATE CONSTRAINT {quote_identifier(name)}"
    )
    return standalone_migration(context.migration, f"validate_{_slug(name)}", sql, None)


def _line_indent(text: str, offset: int) -> str | None:
    """The indentation of the line ``offset`` is on, if only blanks come before it there."""
    line_start = text.rfind("\n", 0, offset) + 1
    before = text[line_start:offset]
    return before if not before.strip() else None


# -- the rules -----------------------------------------------------------------------------------


class NotNullProofRule(Rule):
    """An ``ALTER TABLE`` rule that knows which columns this migration has proven NOT NULL so
    far (`NotNullProofs`): each statement is checked, then its own constraints are recorded."""

    kinds = frozenset({"AlterTableStmt"})

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._proofs = NotNullProofs()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        key = altered_table(self.context, statement)
        if key is not None:
            self._check(statement, section, key)
        self._proofs.record(self.context, statement)

    def _check(self, statement: Statement, section: SectionContext, key: Key) -> None:
        """Check an ``ALTER TABLE`` of ``key``."""


class ConstraintMissingNotValid(Rule):
    """Flags a `CHECK` or `FOREIGN KEY` added to an existing table without `NOT VALID`.

    ## What it does
    Reports `ALTER TABLE … ADD CONSTRAINT … CHECK (…)` and `… FOREIGN KEY … REFERENCES …`
    without `NOT VALID` on a table that this migration did not create, and the inline forms on a
    new column: `ADD COLUMN … CHECK (…)` and `ADD COLUMN … REFERENCES …`.

    ## Why is this bad?
    PostgreSQL checks every existing row before it commits the constraint. For a `CHECK` it
    scans the whole table under an ACCESS EXCLUSIVE lock: reads and writes wait for the scan.
    A foreign key holds SHARE ROW EXCLUSIVE on both the table and the referenced table while it
    checks every row: writes to both wait. An inline constraint on a new column is checked the
    same way, even though every value of the new column is NULL.

    ## Lock
    ACCESS EXCLUSIVE on the table for a `CHECK`; SHARE ROW EXCLUSIVE on the table and on the
    referenced table for a foreign key; held for the whole scan.

    ## Instead
    Add the constraint `NOT VALID`: it takes the lock only briefly and is enforced for new rows
    at once. Then run `ALTER TABLE … VALIDATE CONSTRAINT …` in a later transaction (a migration
    of its own): it scans under SHARE UPDATE EXCLUSIVE, which lets reads and writes go on. The
    fix does both; an inline constraint becomes an `ADD CONSTRAINT` of the same statement.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders
      ADD CONSTRAINT orders_customer_id_fkey
      FOREIGN KEY (customer_id) REFERENCES customers (id);
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders
      ADD CONSTRAINT orders_customer_id_fkey
      FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

    -- in the next migration
    ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_id_fkey;
    ```
    """

    id = "constraint-missing-not-valid"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "a CHECK or FOREIGN KEY without NOT VALID scans the table under a long lock"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        context = self.context
        key = altered_table(context, statement)
        if key is None:
            return
        for index, cmd in alter_commands(statement):
            subtype = cmd.get("subtype")
            definition = cmd.get("def") or {}
            if subtype == "AT_AddConstraint":
                con = definition.get("Constraint")
                if con is not None and self._validates(con):
                    self._report_table_constraint(statement, section, key, con)
            elif subtype == "AT_AddColumn" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                for position, con in enumerate(column_constraints(coldef)):
                    if self._validates(con):
                        self._report_inline(statement, section, key, cmd, coldef, position, index)

    @staticmethod
    def _validates(con: Node) -> bool:
        return con.get("contype") in ("CONSTR_CHECK", "CONSTR_FOREIGN") and not con.get(
            "skip_validation"
        )

    def _what(self, con: Node, key: Key) -> tuple[str, str]:
        """What PostgreSQL does (to follow "makes PostgreSQL"), and who waits."""
        label = table_label(key)
        if con.get("contype") == "CONSTR_FOREIGN":
            referenced = self.context.table_key(con.get("pktable"))
            if referenced is None or referenced == key:
                return (
                    f"check every row of `{label}` while holding SHARE ROW EXCLUSIVE on it",
                    "writes wait for the whole scan",
                )
            return (
                f"check every row of `{label}` while holding SHARE ROW EXCLUSIVE on `{label}` "
                f"and `{table_label(referenced)}`",
                "writes to both wait for the whole scan",
            )
        return (
            f"scan all of `{label}` under an ACCESS EXCLUSIVE lock to check the existing rows",
            "reads and writes wait for the whole scan",
        )

    def _report_table_constraint(
        self, statement: Statement, section: SectionContext, key: Key, con: Node
    ) -> None:
        text = section.file.text
        span = trimmed_element_span(statement, text, con.get("location"))
        kind = "FOREIGN KEY" if con.get("contype") == "CONSTR_FOREIGN" else "CHECK"
        name = con.get("conname")
        shown = f"`ADD CONSTRAINT {name}`" if name else f"`ADD {kind}`"
        does, waits = self._what(con, key)
        self.report(
            section,
            span,
            f"{shown} without `NOT VALID` makes PostgreSQL {does}: {waits}. Add it `NOT VALID` "
            "and run `VALIDATE CONSTRAINT` in a later migration (it scans without blocking reads "
            "and writes)",
            statement=statement,
            fix=self._fix_table_constraint(statement, section, con, span),
        )

    def _fix_table_constraint(
        self, statement: Statement, section: SectionContext, con: Node, span: Span
    ) -> Fix | None:
        file = section.file
        not_valid = Edit(file.path, Span(span.end, span.end), " NOT VALID")
        name = con.get("conname")
        if not name and self.context.table(statement.body.get("relation")) is not None:
            # PostgreSQL's name for it is certain only where the table's constraints are known
            name = statement_constraint_names(self.context, statement).get(id(con))
        if not name:
            return Fix(
                title="Add the constraint NOT VALID (validate it in a later migration)",
                edits=(not_valid,),
                safe=False,
            )
        edits: list[Edit] = []
        if not con.get("conname"):
            edits.append(
                Edit(
                    file.path, Span(span.start, span.start), f"CONSTRAINT {quote_identifier(name)} "
                )
            )
        edits.append(not_valid)
        return self._with_validation(statement, file.text, name, edits)

    def _with_validation(
        self, statement: Statement, text: str, name: str, edits: list[Edit]
    ) -> Fix:
        created = validate_migration(self.context, statement, text, name)
        if created is None:
            return Fix(
                title="Add the constraint NOT VALID (validate it in a later migration)",
                edits=tuple(edits),
                safe=False,
            )
        return Fix(
            title="Add the constraint NOT VALID and validate it in a migration of its own",
            edits=(*edits, *created),
            safe=True,
        )

    def _report_inline(
        self,
        statement: Statement,
        section: SectionContext,
        key: Key,
        cmd: Node,
        coldef: Node,
        position: int,
        index: int,
    ) -> None:
        text = section.file.text
        con = column_constraints(coldef)[position]
        span = column_clause_span(statement, text, coldef, position, with_attributes=True)
        column = coldef.get("colname", "")
        kind = "REFERENCES" if con.get("contype") == "CONSTR_FOREIGN" else "CHECK"
        does, waits = self._what(con, key)
        self.report(
            section,
            span,
            f"The inline `{kind}` on the new column `{column}` makes PostgreSQL {does}, even "
            f"though the column is new: {waits}. Add it as a separate `ADD CONSTRAINT … NOT "
            "VALID` and run `VALIDATE CONSTRAINT` in a later migration",
            statement=statement,
            fix=self._fix_inline(statement, section, cmd, coldef, con, span, index),
        )

    def _fix_inline(
        self,
        statement: Statement,
        section: SectionContext,
        cmd: Node,
        coldef: Node,
        con: Node,
        span: Span,
        index: int,
    ) -> Fix | None:
        if cmd.get("missing_ok"):
            # with IF NOT EXISTS the inline constraint goes when the column exists; a separate
            # ADD CONSTRAINT would not
            return None
        file = section.file
        text = file.text
        name = statement_constraint_names(self.context, statement).get(id(con))
        column = coldef.get("colname")
        if not name or not column:
            return None
        if (
            not con.get("conname")
            and con.get("contype") == "CONSTR_CHECK"
            and referenced_columns(con.get("raw_expr")) != [column]
            and self.context.table(statement.body.get("relation")) is None
        ):
            # named after the table alone, the check may clash with one the catalog cannot see;
            # named after the new column (as usual) it cannot
            return None
        clause = text[span.start : span.end]
        if con.get("contype") == "CONSTR_FOREIGN":
            references = keyword_span(file, span, "REFERENCES")
            if references is None:
                return None
            offset = references.start - span.start
            clause = f"{clause[:offset]}FOREIGN KEY ({quote_identifier(column)}) {clause[offset:]}"
        if not con.get("conname"):
            clause = f"CONSTRAINT {quote_identifier(name)} {clause}"
        # drop the clause with the blanks before it
        start = span.start
        while start > 0 and text[start - 1] in " \t":
            start -= 1
        at = statement_insertion_point(file, statement)
        command_start = subcommand_span(statement, text, index).start
        indent = _line_indent(text, command_start)
        separator = f",\n{indent}" if indent is not None else ", "
        edits = [
            Edit(file.path, Span(start, span.end), ""),
            Edit(file.path, Span(at, at), f"{separator}ADD {clause} NOT VALID"),
        ]
        return self._with_validation(statement, text, name, edits)


class ValidateInSameTransaction(Rule):
    """Flags `VALIDATE CONSTRAINT` in the same transaction as the `ADD … NOT VALID` it validates.

    ## What it does
    Reports `ALTER TABLE … VALIDATE CONSTRAINT c` when the same section added `c` with
    `NOT VALID` earlier and both statements run in the same transaction block (the tool's,
    an explicit `BEGIN`, or PostgreSQL's implicit transaction of a multi-statement string).

    ## Why is this bad?
    `NOT VALID` exists to split the work: a brief lock to add the constraint, then a scan under
    a weak lock. In one transaction the lock taken by `ADD CONSTRAINT` (ACCESS EXCLUSIVE for a
    `CHECK`, SHARE ROW EXCLUSIVE for a foreign key) is held until commit, so the validation scan
    runs under it anyway: reads (for a `CHECK`) and writes wait for the whole scan.

    ## Lock
    The `ADD CONSTRAINT` lock, held through the `VALIDATE CONSTRAINT` scan until commit.

    ## Instead
    Run `VALIDATE CONSTRAINT` in a later migration, in a transaction of its own. The fix moves it.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE orders ADD CONSTRAINT orders_total_check CHECK (total >= 0) NOT VALID;

    -- in the next migration
    ALTER TABLE orders VALIDATE CONSTRAINT orders_total_check;
    ```
    """

    id = "validate-in-same-transaction"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt", "TransactionStmt"})
    summary = "VALIDATE CONSTRAINT in the transaction that added it NOT VALID gains nothing"

    _ENDS = frozenset({"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE"})

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._transaction = 0
        self._added: dict[tuple[Key, str], tuple[int, Statement, str]] = {}

    def begin_section(self, section: SectionContext) -> None:
        #: transactions ended so far in the section (COMMIT, ROLLBACK, PREPARE TRANSACTION, or a
        #: statement that runs on its own)
        self._transaction = 0
        #: (table, constraint) -> (transaction, statement, lock) of an ADD … NOT VALID
        self._added = {}

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        if statement.kind == "TransactionStmt":
            if statement.body.get("kind") in self._ENDS:
                self._transaction += 1
            return
        if not statement.in_transaction:
            # a statement outside a transaction block commits on its own
            self._transaction += 1
        context = self.context
        key = context.table_key(statement.body.get("relation"))
        if key is None:
            return
        names: dict[int, str] | None = None
        for index, cmd in alter_commands(statement):
            subtype = cmd.get("subtype")
            con = (cmd.get("def") or {}).get("Constraint")
            if subtype == "AT_AddConstraint" and con is not None and con.get("skip_validation"):
                name = con.get("conname")
                if not name:
                    names = names or statement_constraint_names(context, statement)
                    name = names.get(id(con))
                if name:
                    lock = (
                        "SHARE ROW EXCLUSIVE"
                        if con.get("contype") == "CONSTR_FOREIGN"
                        else "ACCESS EXCLUSIVE"
                    )
                    self._added[(key, name)] = (self._transaction, statement, lock)
            elif subtype == "AT_ValidateConstraint":
                added = self._added.get((key, cmd.get("name", "")))
                if (
                    added is not None
                    and added[0] == self._transaction
                    and added[1].in_transaction
                    and statement.in_transaction
                    and altered_table(context, statement) is not None
                ):
                    self._report(statement, section, key, cmd, index, added)
            elif subtype == "AT_DropConstraint":
                self._added.pop((key, cmd.get("name", "")), None)

    def _report(
        self,
        statement: Statement,
        section: SectionContext,
        key: Key,
        cmd: Node,
        index: int,
        added: tuple[int, Statement, str],
    ) -> None:
        text = section.file.text
        _, add_statement, lock = added
        line = section.file.position(add_statement.span.start)[0] + 1
        name = cmd.get("name", "")
        where = "in the same statement" if add_statement is statement else f"on line {line}"
        self.report(
            section,
            subcommand_span(statement, text, index),
            f"`VALIDATE CONSTRAINT {name}` runs in the same transaction as the `ADD CONSTRAINT "
            f"… NOT VALID` {where}, which holds {lock} on `{table_label(key)}` until commit: the "
            "validation scan runs under that lock, so `NOT VALID` gains nothing. Validate in a "
            "later migration, in a transaction of its own",
            statement=statement,
            fix=self._fix(statement, section, name),
        )

    def _fix(self, statement: Statement, section: SectionContext, name: str) -> Fix | None:
        if len(statement.body.get("cmds") or []) != 1:
            return None
        created = validate_migration(self.context, statement, section.file.text, name)
        if created is None:
            return None
        return Fix(
            title="Move VALIDATE CONSTRAINT to a migration of its own",
            edits=(removal(section.file, statement), *created),
            safe=True,
        )


class UniqueConstraintLock(NotNullProofRule):
    """Flags `ADD UNIQUE` / `ADD PRIMARY KEY` that build their index under ACCESS EXCLUSIVE.

    ## What it does
    Reports, on a table this migration did not create: `ALTER TABLE … ADD UNIQUE (…)` or
    `ADD PRIMARY KEY (…)` without `USING INDEX`, the inline `UNIQUE` / `PRIMARY KEY` of
    `ADD COLUMN`, and `ADD PRIMARY KEY USING INDEX` when the catalog knows a key column is
    nullable (PostgreSQL then sets it NOT NULL, which scans the table).

    ## Why is this bad?
    The constraint's unique index is built while the `ALTER TABLE` holds ACCESS EXCLUSIVE on
    the table: every read and write waits for the whole build. The implicit `SET NOT NULL` of a
    primary key scans the whole table under the same lock.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole index build (or the NOT NULL scan).

    ## Instead
    Build the index with `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own, then add
    the constraint with `ADD CONSTRAINT … UNIQUE USING INDEX` (or `PRIMARY KEY USING INDEX`,
    once its columns are NOT NULL), which only takes the lock briefly.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE (email);
    ```
    Use instead:
    ```sql
    -- migrate:up transaction:false
    CREATE UNIQUE INDEX CONCURRENTLY app_user_email_key ON app_user (email);

    -- in the next migration
    ALTER TABLE app_user ADD CONSTRAINT app_user_email_key UNIQUE USING INDEX app_user_email_key;
    ```
    """

    id = "unique-constraint-lock"
    group = Group.LOCKING
    severity = Severity.WARNING
    summary = "ADD UNIQUE / PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock"

    def _check(self, statement: Statement, section: SectionContext, key: Key) -> None:
        text = section.file.text
        label = table_label(key)
        for _, cmd in alter_commands(statement):
            definition = cmd.get("def") or {}
            subtype = cmd.get("subtype")
            if subtype == "AT_AddConstraint" and "Constraint" in definition:
                con = definition["Constraint"]
                contype = con.get("contype")
                if contype not in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
                    continue
                kind = "UNIQUE" if contype == "CONSTR_UNIQUE" else "PRIMARY KEY"
                span = trimmed_element_span(statement, text, con.get("location"))
                if con.get("indexname"):
                    if contype == "CONSTR_PRIMARY":
                        self._check_primary_using_index(statement, section, key, con, span)
                    continue
                name = con.get("conname")
                shown = f"`ADD CONSTRAINT {name} {kind}`" if name else f"`ADD {kind}`"
                self.report(
                    section,
                    span,
                    f"{shown} builds a unique index on `{label}` under an ACCESS EXCLUSIVE lock: "
                    "reads and writes wait for the whole build. Build the index with `CREATE "
                    "UNIQUE INDEX CONCURRENTLY` in a migration of its own, then "
                    f"`ADD CONSTRAINT … {kind} USING INDEX …`",
                    statement=statement,
                )
            elif subtype == "AT_AddColumn" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                for position, con in enumerate(column_constraints(coldef)):
                    contype = con.get("contype")
                    if contype not in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
                        continue
                    kind = "UNIQUE" if contype == "CONSTR_UNIQUE" else "PRIMARY KEY"
                    self.report(
                        section,
                        column_clause_span(statement, text, coldef, position, with_attributes=True),
                        f"The inline `{kind}` on the new column `{coldef.get('colname', '')}` "
                        f"builds a unique index on `{label}` under an ACCESS EXCLUSIVE lock: "
                        "reads and writes wait for the whole build. Add the column, build the "
                        "index with `CREATE UNIQUE INDEX CONCURRENTLY` in a migration of its own, "
                        f"then `ADD CONSTRAINT … {kind} USING INDEX …`",
                        statement=statement,
                    )

    def _check_primary_using_index(
        self, statement: Statement, section: SectionContext, key: Key, con: Node, span: Span
    ) -> None:
        context = self.context
        index = context.catalog.indexes.get((key[0], con.get("indexname", "")))
        table = context.catalog.tables.get(key)
        if index is None or table is None:
            return
        nullable = [
            column
            for column in index.columns
            if column is not None
            and known_nullable(table, column)
            and not (
                pg_major(context.pg_version) >= 12 and self._proofs.proves(context, key, column)
            )
        ]
        if not nullable:
            return
        columns = ", ".join(f"`{column}`" for column in nullable)
        self.report(
            section,
            span,
            f"`ADD PRIMARY KEY USING INDEX {con.get('indexname', '')}` sets {columns} NOT NULL, "
            f"which scans all of `{table_label(key)}` under an ACCESS EXCLUSIVE lock: reads and "
            "writes wait for the scan. Make the columns NOT NULL first, without the long lock "
            "(`CHECK (… IS NOT NULL) NOT VALID`, validated in a later migration, then "
            "`SET NOT NULL`)",
            statement=statement,
        )


class ExclusionConstraint(Rule):
    """Flags `ADD … EXCLUDE` on an existing table.

    ## What it does
    Reports `ALTER TABLE … ADD CONSTRAINT … EXCLUDE USING …` on a table that this migration
    did not create.

    ## Why is this bad?
    PostgreSQL builds the constraint's index and checks every existing row against every other
    while the `ALTER TABLE` holds ACCESS EXCLUSIVE: reads and writes wait for the whole build.
    Unlike `UNIQUE`, an exclusion constraint cannot be added `NOT VALID` or `USING INDEX`, so
    there is no online way to add it to a large table.

    ## Lock
    ACCESS EXCLUSIVE on the table for the whole index build.

    ## Instead
    Create a new table with the constraint, copy the rows over in batches and swap the tables,
    or add the constraint in a maintenance window.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE booking
      ADD CONSTRAINT booking_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&);
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE booking_new (
      LIKE booking INCLUDING ALL,
      CONSTRAINT booking_no_overlap EXCLUDE USING gist (room_id WITH =, during WITH &&)
    );
    ```
    """

    id = "exclusion-constraint"
    group = Group.LOCKING
    severity = Severity.WARNING
    kinds = frozenset({"AlterTableStmt"})
    summary = "ADD EXCLUDE builds its index under an ACCESS EXCLUSIVE lock, with no online way"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        key = altered_table(self.context, statement)
        if key is None:
            return
        for _, cmd in alter_commands(statement):
            con = (cmd.get("def") or {}).get("Constraint")
            if cmd.get("subtype") != "AT_AddConstraint" or con is None:
                continue
            if con.get("contype") != "CONSTR_EXCLUSION":
                continue
            name = con.get("conname")
            shown = f"`ADD CONSTRAINT {name} EXCLUDE`" if name else "`ADD EXCLUDE`"
            self.report(
                section,
                trimmed_element_span(statement, section.file.text, con.get("location")),
                f"{shown} builds an index and checks every row of `{table_label(key)}` under an "
                "ACCESS EXCLUSIVE lock: reads and writes wait for the whole build, and an "
                "exclusion constraint cannot be added `NOT VALID` or `USING INDEX`. Add it in a "
                "maintenance window, or create a new table with it and copy the rows",
                statement=statement,
            )
