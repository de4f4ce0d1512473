"""Column type rules: `timestamp`, `varchar(n)`, `int` keys, `serial`, `json` and `char(n)`.

Each rule looks at the types written in table columns (``CREATE TABLE``, ``ALTER TABLE … ADD
COLUMN`` and ``ALTER COLUMN … TYPE``), composite type attributes and domains, and reports the
type's own spelling. Their fixes replace that spelling only (array brackets stay).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from pgmig_lsp.catalog.model import Key, Table
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, TypeRef, relation_name, strings, type_ref
from pgmig_lsp.sql.parse import Statement

#: the pseudo-types the grammar turns into an integer column with a sequence default
#: (transformColumnDefinition), with the integer type each one gives
SERIAL_TYPES = {
    "smallserial": "smallint",
    "serial2": "smallint",
    "serial": "integer",
    "serial4": "integer",
    "bigserial": "bigint",
    "serial8": "bigint",
}

#: where ``integer`` and ``smallint`` overflow
_LIMITS = {"integer": "2,147,483,647", "smallint": "32,767"}

# A type as written: optional schema, the name (possibly two or three words, or quoted),
# modifiers, and WITH/WITHOUT TIME ZONE. Array brackets are not part of it.
_IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
_TYPE_SPELLING = re.compile(
    rf"(?:{_IDENT}\s*\.\s*)?"
    r"(?:national\s+)?"
    rf"{_IDENT}"
    r"(?:\s+(?:varying|precision)\b)?"
    r"(?:\s*\([^()]*\))?"
    r"(?:\s+with(?:out)?\s+time\s+zone\b)?",
    re.IGNORECASE,
)


@attrs.frozen
class TypeUse:
    """A type written in a statement: a table column, a composite attribute or a domain base."""

    statement: Statement
    type: TypeRef
    #: the column or attribute name; None for a domain's base type
    column: str | None
    #: the ``ColumnDef`` node of a table column being defined (its constraints may follow the
    #: type); None for ``ALTER COLUMN … TYPE``, attributes and domains
    definition: Node | None
    #: the table the column belongs to, as written
    relation: Node | None = None


def type_uses(statement: Statement) -> tuple[TypeUse, ...]:
    """Every type a statement declares for a column, attribute or domain (found once)."""
    # kept without the statement: a statement holding uses that hold it would be a reference
    # cycle, left for the garbage collector
    found: tuple[tuple[TypeRef, str | None, Node | None, Node | None], ...] | None = (
        statement.memo.get("type uses")
    )
    if found is None:
        found = statement.memo["type uses"] = tuple(
            (use.type, use.column, use.definition, use.relation) for use in _type_uses(statement)
        )
    return tuple(TypeUse(statement, *use) for use in found)


def _type_uses(statement: Statement) -> Iterator[TypeUse]:
    if statement.in_function:
        return
    body = statement.body
    kind = statement.kind
    if kind == "CreateStmt":
        relation = body.get("relation") or {}
        if relation.get("relpersistence") == "t":
            return  # temporary tables are not part of the schema
        for element in body.get("tableElts") or []:
            coldef = element.get("ColumnDef")
            if coldef is not None:
                ref = type_ref(coldef.get("typeName"))
                if ref is not None:
                    yield TypeUse(statement, ref, coldef.get("colname"), coldef, relation)
    elif kind == "AlterTableStmt":
        if body.get("objtype") not in ("OBJECT_TABLE", "OBJECT_TYPE"):
            return
        table = body.get("objtype") == "OBJECT_TABLE"
        # ALTER TYPE … ADD/ALTER ATTRIBUTE: attributes, not table columns
        relation = body.get("relation") if table else None
        for item in body.get("cmds") or []:
            cmd = item.get("AlterTableCmd") or {}
            coldef = (cmd.get("def") or {}).get("ColumnDef")
            if coldef is None:
                continue
            ref = type_ref(coldef.get("typeName"))
            if ref is None:
                continue
            subtype = cmd.get("subtype")
            if subtype == "AT_AddColumn":
                yield TypeUse(
                    statement, ref, coldef.get("colname"), coldef if table else None, relation
                )
            elif subtype == "AT_AlterColumnType":
                yield TypeUse(statement, ref, cmd.get("name"), None, relation)
    elif kind == "CompositeTypeStmt":
        for element in body.get("coldeflist") or []:
            coldef = element.get("ColumnDef")
            if coldef is not None:
                ref = type_ref(coldef.get("typeName"))
                if ref is not None:
                    yield TypeUse(statement, ref, coldef.get("colname"), None)
    elif kind == "CreateDomainStmt":
        ref = type_ref(body.get("typeName"))
        if ref is not None:
            yield TypeUse(statement, ref, None, None)


def builtin_type(context: MigrationContext, ref: TypeRef) -> str | None:
    """The ``format_type`` spelling of a built-in type (``integer``, ``character varying``);
    None for user types, ``%TYPE`` references and types shadowed by a user type."""
    if ref.pct_type or ref.schema not in (None, "pg_catalog"):
        return None
    if ref.schema is None and context.catalog.type(None, ref.name) is not None:
        return None
    return context.builtins.canonical_type(ref.names)


def serial_type(ref: TypeRef) -> str | None:
    """The integer type of a ``serial`` spelling (``serial`` -> ``integer``), else None."""
    if ref.pct_type or ref.schema not in (None, "pg_catalog") or ref.array:
        return None
    return SERIAL_TYPES.get(ref.name)


def type_span(statement: Statement, text: str, ref: TypeRef) -> tuple[Span, bool]:
    """The type's spelling in the file, and whether it was found exactly (fixes need it)."""
    if ref.location is None:
        return statement.span, False
    start = statement.at(ref.location)
    match = _TYPE_SPELLING.match(text, start, statement.span.end)
    if match is None or match.end() == start:
        return Span(start, min(start + 1, statement.span.end)), False
    return Span(start, match.end()), True


def spelled_like(original: str, replacement: str) -> str:
    """``replacement`` in upper case when the type was written in upper case."""
    letters = [c for c in original if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return replacement.upper()
    return replacement


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _table_name(relation: Node | None) -> str | None:
    """A table named in a statement, as messages show it (quoted where SQL needs it)."""
    name = relation_name(relation)
    return display_name((name.schema or "", name.name)) if name is not None else None


class _TypeRule(Rule):
    """A rule about the types written in column, attribute and domain definitions."""

    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset({"CreateStmt", "AlterTableStmt", "CompositeTypeStmt", "CreateDomainStmt"})

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        for use in type_uses(statement):
            self.check_type(use, section)

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        """Report ``use`` when it breaks the rule."""

    def describe(self, use: TypeUse, written: str) -> str:
        """How the message names the declaration (`` `created_at timestamp` ``)."""
        if use.column is None:
            return f"the domain's base type `{written}`"
        return f"`{use.column} {written}`"

    def report_type(
        self,
        use: TypeUse,
        section: SectionContext,
        message: str,
        replacement: str | None,
        title: str,
    ) -> None:
        """Report at the type's spelling, with a fix (always unsafe: a type change) that writes
        ``replacement`` there."""
        span, exact = type_span(use.statement, section.file.text, use.type)
        fix = None
        if replacement is not None and exact:
            original = section.text(span)
            fix = Fix(
                title=title,
                edits=(Edit(section.file.path, span, spelled_like(original, replacement)),),
                safe=False,
            )
        self.report(section, span, message, statement=use.statement, fix=fix)

    def written(self, use: TypeUse, section: SectionContext) -> str:
        """The type as the file spells it, whitespace normalized."""
        span, exact = type_span(use.statement, section.file.text, use.type)
        if not exact:
            return use.type.name
        return " ".join(section.text(span).split())


class PreferTimestamptz(_TypeRule):
    """Flags `timestamp` (without time zone) columns.

    ## What it does
    Reports a column, composite type attribute or domain declared as `timestamp` or
    `timestamp without time zone`.

    ## Why is this bad?
    A `timestamp` stores a wall-clock reading with no time zone: the same instant is stored
    differently depending on the writer's `TimeZone` setting, and arithmetic across a daylight
    saving change is off by an hour. `timestamptz` stores an absolute instant (in UTC) and
    converts on the way in and out, at the same size and speed.

    ## Lock
    None of its own: this is about the type chosen. Changing the type of an existing column later
    (`ALTER COLUMN … TYPE timestamptz`) rewrites the table under an ACCESS EXCLUSIVE lock (unless
    the session time zone is UTC, from PostgreSQL 12 on).

    ## Instead
    Declare `timestamptz`. The fix replaces the type name and keeps the precision; it is unsafe
    because existing values would be reinterpreted in the session's time zone.

    ## Example
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamp NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE events (id bigint PRIMARY KEY, happened_at timestamptz NOT NULL);
    ```
    """

    id = "prefer-timestamptz"
    summary = "`timestamp` without time zone: use `timestamptz`"

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        if builtin_type(self.context, use.type) != "timestamp without time zone":
            return
        written = self.written(use, section)
        precision = f"({use.type.modifiers[0]})" if use.type.modifiers else ""
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} stores a wall-clock time with no time zone: the "
            "value depends on the writer's `TimeZone` setting and is ambiguous around daylight "
            "saving changes. Use `timestamptz`, which stores an absolute instant",
            f"timestamptz{precision}",
            "Use `timestamptz`",
        )


class PreferText(_TypeRule):
    """Flags `varchar(n)` columns.

    ## What it does
    Reports a column, composite type attribute or domain declared as `varchar(n)` /
    `character varying(n)`. Plain `varchar` without a length is the same as `text` and is not
    reported.

    ## Why is this bad?
    `varchar(n)` is no faster or smaller than `text`; it only adds a length check that is part of
    the type. When the limit turns out too small, changing it is an `ALTER COLUMN … TYPE` that
    takes an ACCESS EXCLUSIVE lock on the table (and rewrites or scans it when the limit goes
    down), and views and functions that use the column must be dropped and re-created.

    ## Lock
    None of its own. Changing `n` later takes ACCESS EXCLUSIVE on the table.

    ## Instead
    Declare `text`, and put a limit that is a real business rule in a `CHECK` constraint
    (`CHECK (char_length(title) <= 255)`), which can be replaced with `NOT VALID` and validated
    without blocking writes. The fix changes the type to `text`; it is unsafe because the length
    limit goes away.

    ## Example
    ```sql
    CREATE TABLE tasks (id bigint PRIMARY KEY, title varchar(255) NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE tasks (
      id bigint PRIMARY KEY,
      title text NOT NULL CHECK (char_length(title) <= 255)
    );
    ```
    """

    id = "prefer-text"
    summary = "`varchar(n)`: changing the limit later locks the table; use `text`"

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        if not use.type.modifiers:
            return
        if builtin_type(self.context, use.type) != "character varying":
            return
        written = self.written(use, section)
        limit = use.type.modifiers[0]
        advice = ""
        if use.column is not None and use.relation is not None:
            advice = f", with `CHECK (char_length({use.column}) <= {limit})` if the limit is a rule"
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} puts the length limit in the type: raising it later "
            "is an `ALTER COLUMN … TYPE` under an ACCESS EXCLUSIVE lock (lowering it scans or "
            f"rewrites the table), and `varchar` is no faster than `text`. Use `text`{advice}",
            "text",
            "Use `text`",
        )


class PreferJsonb(_TypeRule):
    """Flags `json` columns.

    ## What it does
    Reports a column, composite type attribute or domain declared as `json`.

    ## Why is this bad?
    `json` keeps the input text as written and re-parses it on every access. It has no equality
    operator, so `DISTINCT`, `GROUP BY`, `UNIQUE` and `=` do not work on it, and it cannot be
    indexed with GIN or use the containment operators (`@>`, `?`). `jsonb` stores the parsed value
    and supports all of that.

    ## Lock
    None of its own. Converting an existing column later rewrites the table under an ACCESS
    EXCLUSIVE lock.

    ## Instead
    Declare `jsonb` — unless the exact text (key order, duplicate keys, whitespace) must be kept.
    The fix is unsafe for that reason.

    ## Example
    ```sql
    CREATE TABLE webhooks (id bigint PRIMARY KEY, payload json NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE webhooks (id bigint PRIMARY KEY, payload jsonb NOT NULL);
    ```
    """

    id = "prefer-jsonb"
    summary = "`json`: use `jsonb`"

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        if builtin_type(self.context, use.type) != "json":
            return
        written = self.written(use, section)
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} keeps the raw text and re-parses it on every access; "
            "it has no equality operator (no `DISTINCT`, `GROUP BY` or `UNIQUE`) and no GIN "
            "indexing. Use `jsonb`, unless key order or duplicate keys must be kept",
            "jsonb",
            "Use `jsonb`",
        )


class BanChar(_TypeRule):
    """Flags `char(n)` / `character(n)` columns.

    ## What it does
    Reports a column, composite type attribute or domain declared as `char`, `char(n)`,
    `character(n)` or `bpchar`. The one-byte internal type `"char"` is not reported.

    ## Why is this bad?
    `char(n)` pads every value with spaces to `n` characters; the padding is stored, ignored in
    comparisons, dropped when cast to `text`, and kept by some clients — a source of subtle bugs.
    It is not faster than `text` (PostgreSQL stores both the same way) and bare `char` means
    `char(1)`, which silently truncates nothing but rejects longer values.

    ## Lock
    None of its own. Changing the type later takes an ACCESS EXCLUSIVE lock on the table.

    ## Instead
    Declare `text` (or `varchar` without a length), with a `CHECK` constraint on the length when
    it is a rule. The fix changes the type to `text`; it is unsafe because padding and the length
    limit go away.

    ## Example
    ```sql
    CREATE TABLE countries (code char(2) PRIMARY KEY, name text NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE countries (
      code text PRIMARY KEY CHECK (char_length(code) = 2),
      name text NOT NULL
    );
    ```
    """

    id = "ban-char"
    summary = "`char(n)` pads with spaces: use `text`"

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        if builtin_type(self.context, use.type) != "character":
            return
        written = self.written(use, section)
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} pads every value with spaces to its length; the "
            "padding is stored, ignored in comparisons and dropped by casts, and the type is no "
            "faster than `text`. Use `text`, with a `CHECK` on the length if it is a rule",
            "text",
            "Use `text`",
        )


class PreferIdentity(_TypeRule):
    """Flags `serial` / `bigserial` / `smallserial` columns.

    ## What it does
    Reports a column declared with one of the `serial` pseudo-types.

    ## Why is this bad?
    A `serial` column is an integer with a `nextval()` default on a sequence that is only
    loosely tied to it: privileges on the sequence must be granted separately, `CREATE TABLE …
    (LIKE …)` copies the default but shares the sequence, and dumps and replication need care.
    Identity columns (`GENERATED … AS IDENTITY`) are the SQL-standard replacement, whose sequence
    belongs to the column; `GENERATED ALWAYS` also stops accidental manual ids.

    ## Lock
    None of its own. (Adding such a column to an existing table rewrites it: see
    `add-column-rewrite`.)

    ## Instead
    `bigint GENERATED BY DEFAULT AS IDENTITY` (or `GENERATED ALWAYS`). The fix writes the former;
    it is unsafe because the column type becomes `bigint` and the sequence is created
    differently.

    ## Example
    ```sql
    CREATE TABLE projects (id serial PRIMARY KEY, name text NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE projects (
      id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
      name text NOT NULL
    );
    ```
    """

    id = "prefer-identity"
    summary = "`serial`: use an identity column"

    def check_type(self, use: TypeUse, section: SectionContext) -> None:
        if use.definition is None or serial_type(use.type) is None:
            return
        if self.context.catalog.type(None, use.type.name) is not None and use.type.schema is None:
            return
        written = self.written(use, section)
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} creates a sequence only loosely tied to the column "
            "(separate privileges, shared by copies of the table's default). Use "
            "`bigint GENERATED BY DEFAULT AS IDENTITY`, whose sequence belongs to the column",
            "bigint GENERATED BY DEFAULT AS IDENTITY",
            "Use an identity column",
        )


@attrs.frozen
class _IntColumn:
    """An ``integer``/``smallint`` column of a table created in this migration, whose key role
    may be declared by a later statement (pg_dump style: ``ALTER TABLE … ADD PRIMARY KEY``)."""

    use: TypeUse
    section: SectionContext
    canonical: str


class PreferBigint(_TypeRule):
    """Flags `integer`/`smallint` keys and `serial`/`smallserial` columns.

    ## What it does
    Reports a 4- or 2-byte integer used as a key: a single-column primary key, an identity
    column, or a foreign key column whose referenced key is `bigint` or is itself a new integer
    key of this migration; and every `serial` / `smallserial` column. A key declared by a later
    `ALTER TABLE … ADD PRIMARY KEY` or `ADD GENERATED … AS IDENTITY` of the same migration
    counts. An integer foreign key to an integer key of a table that existed before is not
    reported: it must match that key.

    ## Why is this bad?
    An `integer` key runs out at 2,147,483,647 (`smallint` at 32,767): inserts start failing, and
    widening the column then rewrites the table and every table that references it, under ACCESS
    EXCLUSIVE locks, when it is biggest. `bigint` costs 4 more bytes per row.

    ## Lock
    None of its own. Widening the key later (`ALTER COLUMN … TYPE bigint`) rewrites the table and
    its indexes under an ACCESS EXCLUSIVE lock.

    ## Instead
    Use `bigint` (`bigint GENERATED BY DEFAULT AS IDENTITY` rather than `bigserial`). The fix
    writes `bigint` (`bigserial` for a serial); it is unsafe, being a type change.

    ## Example
    ```sql
    CREATE TABLE orders (id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ```
    Use instead:
    ```sql
    CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY);
    ```
    """

    id = "prefer-bigint"
    summary = "`integer`/`smallint` keys and `serial` overflow: use `bigint`"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: integer columns of new tables that are no key yet, by (table, column)
        self._pending: dict[tuple[Key, str], _IntColumn] = {}
        self._reported: set[tuple[Key | None, str, int]] = set()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        if statement.kind == "CreateStmt":
            self._create_table(statement, section)
        elif statement.kind == "AlterTableStmt":
            self._alter_table(statement, section)

    # -- statements ----------------------------------------------------------------------

    def _create_table(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        uses: dict[str, TypeUse] = {use.column: use for use in type_uses(statement) if use.column}
        if not uses:
            return
        key = self.context.table_key(body.get("relation"))
        primary: list[tuple[str, ...]] = []
        foreign: list[tuple[tuple[str, ...], Node]] = []
        identity: set[str] = set()
        for element in body.get("tableElts") or []:
            if "Constraint" in element:
                con = element["Constraint"]
                if con.get("contype") == "CONSTR_PRIMARY":
                    primary.append(strings(con.get("keys")))
                elif con.get("contype") == "CONSTR_FOREIGN":
                    foreign.append((strings(con.get("fk_attrs")), con))
            coldef = element.get("ColumnDef")
            if coldef is None:
                continue
            name = coldef.get("colname", "")
            for item in coldef.get("constraints") or []:
                con = item.get("Constraint") or {}
                contype = con.get("contype")
                if contype == "CONSTR_PRIMARY":
                    primary.append((name,))
                elif contype == "CONSTR_IDENTITY":
                    identity.add(name)
                elif contype == "CONSTR_FOREIGN":
                    foreign.append(((name,), con))
        own_pk = next(iter(primary), ())
        for use in uses.values():
            self._check_column(
                use, section, key, primary, foreign, identity, uses, own_pk, new_table=True
            )

    def _alter_table(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("objtype") != "OBJECT_TABLE":
            return
        context = self.context
        key = context.table_key(body.get("relation"))
        if key is None:
            return
        table = context.catalog.tables.get(key)
        new_table = context.is_new_table(body.get("relation"))
        uses = {use.column: use for use in type_uses(statement) if use.column and use.definition}
        for item in body.get("cmds") or []:
            cmd = item.get("AlterTableCmd") or {}
            subtype = cmd.get("subtype")
            definition = cmd.get("def") or {}
            if subtype == "AT_AddColumn" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                use = uses.get(coldef.get("colname"))
                if use is None:
                    continue
                primary: list[tuple[str, ...]] = []
                foreign: list[tuple[tuple[str, ...], Node]] = []
                identity: set[str] = set()
                for con_item in coldef.get("constraints") or []:
                    con = con_item.get("Constraint") or {}
                    if con.get("contype") == "CONSTR_PRIMARY":
                        primary.append((use.column or "",))
                    elif con.get("contype") == "CONSTR_IDENTITY":
                        identity.add(use.column or "")
                    elif con.get("contype") == "CONSTR_FOREIGN":
                        foreign.append(((use.column or "",), con))
                own_pk = (
                    next((c.columns for c in table.constraints.values() if c.type == "p"), ())
                    if table is not None
                    else ()
                )
                self._check_column(
                    use, section, key, primary, foreign, identity, {}, own_pk, new_table
                )
            elif subtype == "AT_AddConstraint" and "Constraint" in definition:
                con = definition["Constraint"]
                columns = strings(con.get("keys")) or strings(con.get("fk_attrs"))
                if con.get("contype") == "CONSTR_PRIMARY" and len(columns) == 1:
                    self._declared_later(key, columns[0], "primary key", None)
                elif con.get("contype") == "CONSTR_FOREIGN":
                    for column in columns:
                        self._declared_later(key, column, "foreign key", (columns, con))
            elif subtype == "AT_AddIdentity":
                self._declared_later(key, cmd.get("name", ""), "identity", None)
            elif subtype == "AT_AlterColumnType" and table is not None:
                self._retyped_key(cmd, table, statement, section)

    # -- checks --------------------------------------------------------------------------

    def _check_column(
        self,
        use: TypeUse,
        section: SectionContext,
        key: Key | None,
        primary: list[tuple[str, ...]],
        foreign: list[tuple[tuple[str, ...], Node]],
        identity: set[str],
        siblings: dict[str, TypeUse],
        own_pk: tuple[str, ...],
        new_table: bool,
    ) -> None:
        column = use.column or ""
        serial = serial_type(use.type)
        if serial is not None:
            if serial != "bigint" and self.context.catalog.type(None, use.type.name) is None:
                self._report_serial(use, section, serial)
            return
        canonical = builtin_type(self.context, use.type)
        if canonical not in _LIMITS or use.type.array:
            return
        for columns, con in foreign:
            if column in columns:
                verdict = self._foreign_verdict(key, column, columns, con, siblings, own_pk)
                if verdict is not None:
                    self._report_int(use, section, canonical, key, verdict)
                return
        if (column,) in primary:
            self._report_int(use, section, canonical, key, "the primary key")
        elif column in identity:
            self._report_int(use, section, canonical, key, "an identity column")
        elif new_table and key is not None:
            self._pending[(key, column)] = _IntColumn(use, section, canonical)

    def _declared_later(
        self,
        key: Key,
        column: str,
        role: str,
        foreign: tuple[tuple[str, ...], Node] | None,
    ) -> None:
        pending = self._pending.get((key, column))
        if pending is None:
            return
        if foreign is not None:
            columns, con = foreign
            table = self.context.catalog.tables.get(key)
            own_pk = (
                next((c.columns for c in table.constraints.values() if c.type == "p"), ())
                if table is not None
                else ()
            )
            verdict = self._foreign_verdict(key, column, columns, con, {}, own_pk)
            if verdict is None:
                return
        else:
            verdict = "the primary key" if role == "primary key" else "an identity column"
        del self._pending[(key, column)]
        self._report_int(pending.use, pending.section, pending.canonical, key, verdict)

    def _foreign_verdict(
        self,
        key: Key | None,
        column: str,
        columns: tuple[str, ...],
        con: Node,
        siblings: dict[str, TypeUse],
        own_pk: tuple[str, ...],
    ) -> str | None:
        """Why an integer foreign key column should be ``bigint``, or None when it should match
        its referenced key (an integer key of an older table) or that key is unknown."""
        context = self.context
        pktable = con.get("pktable")
        target = context.table_key(pktable)
        if target is None:
            return None
        position = columns.index(column)
        referenced_columns = strings(con.get("pk_attrs"))
        label = _table_name(pktable) or ".".join(target)
        if target == key and siblings:
            # a self-reference inside the CREATE TABLE that makes the table
            names = referenced_columns or own_pk
            if position >= len(names):
                return None
            sibling = siblings.get(names[position])
            referenced_type = (
                (serial_type(sibling.type) or builtin_type(context, sibling.type))
                if sibling
                else None
            )
            referenced_new = True
        else:
            table = context.catalog.tables.get(target)
            if table is None:
                return None
            names = referenced_columns or next(
                (c.columns for c in table.constraints.values() if c.type == "p"), ()
            )
            if position >= len(names) or names[position] not in table.columns:
                return None
            written = table.columns[names[position]].type
            base = written.split("(", 1)[0].removesuffix("[]")
            referenced_type = SERIAL_TYPES.get(base) or context.builtins.canonical_type(base)
            referenced_new = context.is_new_table(pktable)
        target_column = f"{label}.{names[position]}"
        if referenced_type == "bigint":
            return f"references `{target_column}`, a `bigint`: inserts fail once its values pass "
        if referenced_type in _LIMITS and referenced_new:
            return (
                f"references `{target_column}`, a new `{referenced_type}` key that should be "
                "`bigint` too: both run out at "
            )
        return None

    def _retyped_key(
        self,
        cmd: Node,
        table: Table,
        statement: Statement,
        section: SectionContext,
    ) -> None:
        """``ALTER COLUMN … TYPE integer`` on a column that is a primary key or identity."""
        coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
        ref = type_ref(coldef.get("typeName"))
        name = cmd.get("name", "")
        if ref is None:
            return
        canonical = builtin_type(self.context, ref)
        if canonical not in _LIMITS or ref.array:
            return
        column = table.columns.get(name)
        is_pk = any(
            con.type == "p" and con.columns == (name,) for con in table.constraints.values()
        )
        is_identity = column is not None and column.identity is not None
        if not (is_pk or is_identity):
            return
        use = TypeUse(statement, ref, name, None, statement.body.get("relation"))
        key = self.context.table_key(statement.body.get("relation"))
        self._report_int(
            use, section, canonical, key, "the primary key" if is_pk else "an identity column"
        )

    # -- reports -------------------------------------------------------------------------

    def _report_int(
        self,
        use: TypeUse,
        section: SectionContext,
        canonical: str,
        key: Key | None,
        role: str,
    ) -> None:
        marker = (key, use.column or "", use.statement.span.start)
        if marker in self._reported:
            return
        self._reported.add(marker)
        written = self.written(use, section)
        if role in ("the primary key", "an identity column"):
            table = _table_name(use.relation)
            where = f" of `{table}`" if table else ""
            message = (
                f"{self.describe(use, written)} is {role}{where}: `{canonical}` runs out at "
                f"{_LIMITS[canonical]}, and widening it later rewrites the table and every table "
                "that references it under ACCESS EXCLUSIVE locks. Use `bigint`"
            )
        else:
            message = f"{self.describe(use, written)} {role}{_LIMITS[canonical]}. Use `bigint`"
        self.report_type(use, section, message, "bigint", "Use `bigint`")

    def _report_serial(self, use: TypeUse, section: SectionContext, canonical: str) -> None:
        written = self.written(use, section)
        self.report_type(
            use,
            section,
            f"{self.describe(use, written)} is {_article(canonical)} `{canonical}` fed by a "
            f"sequence: it runs out at {_LIMITS[canonical]}, and widening it later rewrites the "
            "table under an ACCESS EXCLUSIVE lock. Use `bigint GENERATED BY DEFAULT AS "
            "IDENTITY` (or `bigserial`)",
            "bigserial",
            "Use `bigserial`",
        )
