"""duplicate-object: creating something that already exists, or assigning a column twice."""

from __future__ import annotations

import re
from pathlib import Path

from pglast import parser as pg

from pgmig_lsp.catalog.model import Catalog, Key, Origin
from pgmig_lsp.catalog.replay import type_text
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, drop_object_names, strings, type_ref
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import element_span, name_span, subcommand_spans

#: the endings PostgreSQL gives the names it makes up for indexes and constraints
_GENERATED = re.compile(r"_(?:pkey|key|fkey|check|excl|idx)\d*$")

_RELATION_KINDS = frozenset(
    {
        "OBJECT_TABLE",
        "OBJECT_VIEW",
        "OBJECT_MATVIEW",
        "OBJECT_SEQUENCE",
        "OBJECT_INDEX",
        "OBJECT_FOREIGN_TABLE",
    }
)
_IN_MODES = ("FUNC_PARAM_IN", "FUNC_PARAM_INOUT", "FUNC_PARAM_VARIADIC", "FUNC_PARAM_DEFAULT")


def shown(key: Key) -> str:
    """``orders``, or ``audit.user_actions`` outside ``public``, quoted where SQL needs it."""
    return display_name(key)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def creation_key(catalog: Catalog, schema: str | None, name: str) -> Key:
    """Where ``CREATE`` puts an object: its schema, or the first schema of ``search_path``."""
    if schema:
        return (schema, name)
    return (catalog.search_path[0] if catalog.search_path else "public", name)


def keyword_name_span(statement: Statement, text: str, keywords: tuple[str, ...]) -> Span:
    """The (possibly qualified) name written after the first of ``keywords`` (``POLICY``,
    ``TRIGGER``, ``FUNCTION``…), skipping ``IF NOT EXISTS`` and ``CONCURRENTLY``."""
    start = statement.span.start
    chunk = text[start : statement.span.end]
    try:
        tokens = list(pg.scan(chunk))
    except pg.ParseError:
        return statement.span
    words = [chunk[t.start : t.end + 1].upper() for t in tokens]
    index = next((i for i, word in enumerate(words) if word in keywords), None)
    if index is None:
        return statement.span
    index += 1
    while index < len(words) and words[index] in ("IF", "NOT", "EXISTS", "CONCURRENTLY"):
        index += 1
    if index >= len(tokens):
        return statement.span
    first = last = index
    while last + 2 < len(tokens) and tokens[last + 1].name == "ASCII_46":
        last += 2
    return Span(start + tokens[first].start, start + tokens[last].end + 1)


class DuplicateObject(Rule):
    """Flags `CREATE` of an object that already exists, and a column assigned twice.

    ## What it does
    Reports a `CREATE` (table, view, materialized view, sequence, index, type, domain, schema,
    extension, function with the same argument types, policy or trigger on the same table)
    without `IF NOT EXISTS` / `OR REPLACE` when the object already exists at that point: created
    earlier in this migration, or known from the migrations before it. Also an `ALTER TABLE`
    adding a column or a named constraint the table already has, a `CREATE TABLE` or
    `ALTER TABLE` naming the same column twice, and an `UPDATE … SET` or `INSERT` column list
    naming the same column twice. Not reported right after an unqualified `DROP … IF EXISTS` of
    that name which matched nothing on the assumed `search_path`: the tool then runs with
    another one (Flyway's default schema), where the drop removed the object.

    ## Why is this bad?
    PostgreSQL rejects each of these (`relation "…" already exists`, `type "…" already exists`,
    `column "…" specified more than once`, `multiple assignments to same column`): the
    migration fails at that statement, and in a tool without a transaction it stops half done.

    ## Lock
    None of its own: the statement fails.

    ## Instead
    Remove the duplicate, or give the new object another name. Where re-running is intended,
    use `IF NOT EXISTS` or `CREATE OR REPLACE` (functions, views, triggers from PostgreSQL 14);
    for a policy, `DROP POLICY IF EXISTS` first.

    ## Example
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    CREATE INDEX notes_body_idx ON notes (body);
    CREATE INDEX notes_body_idx ON notes (lower(body));
    ```
    Use instead:
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    CREATE INDEX notes_body_idx ON notes (body);
    CREATE INDEX notes_body_lower_idx ON notes (lower(body));
    ```
    """

    id = "duplicate-object"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = frozenset(
        {
            "CreateStmt",
            "CreateTableAsStmt",
            "ViewStmt",
            "CreateSeqStmt",
            "IndexStmt",
            "CreateEnumStmt",
            "CreateDomainStmt",
            "CompositeTypeStmt",
            "CreateSchemaStmt",
            "CreateExtensionStmt",
            "CreateFunctionStmt",
            "CreatePolicyStmt",
            "CreateTrigStmt",
            "AlterTableStmt",
            "UpdateStmt",
            "InsertStmt",
            "RenameStmt",
            "AlterObjectSchemaStmt",
            "DropStmt",
        }
    )
    summary = "CREATE of an object that already exists, or a column assigned twice"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: names renamed or moved away in this migration: the replayed catalog does not follow
        #: every kind of rename, so an object it still lists under such a name may be gone
        self._gone: set[tuple[str, ...]] = set()
        #: ``(category, name)`` of unqualified ``DROP … IF EXISTS`` names that matched nothing on
        #: the replay's search_path: the tool ran with another one (Flyway's ``defaultSchema``, a
        #: role's ``search_path``), and the drop removed the object of that name there
        self._dropped_elsewhere: set[tuple[str, str]] = set()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        handler = getattr(self, f"_{statement.kind}", None)
        if handler is not None:
            handler(statement, section)

    def _stale(self, *tag: str) -> bool:
        """Whether the object named by ``tag`` was renamed away; a new one now takes the name."""
        if tag in self._gone:
            self._gone.discard(tag)
            return True
        if (tag[0], tag[-1]) in self._dropped_elsewhere:
            self._dropped_elsewhere.discard((tag[0], tag[-1]))
            return True
        return False

    def _DropStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        remove = body.get("removeType", "")
        if not body.get("missing_ok"):
            return
        catalog = self.context.catalog
        for parts in drop_object_names(body):
            if len(parts) != 1:
                continue  # qualified: no search_path involved
            name = parts[0]
            if remove in _RELATION_KINDS:
                category = "relation"
                found = any(
                    catalog.resolve(None, name, space) in space  # type: ignore[arg-type]
                    for space in (catalog.tables, catalog.indexes, catalog.sequences)
                )
            elif remove in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
                category = "type"
                found = catalog.resolve(None, name, catalog.types) in catalog.types  # type: ignore[arg-type]
            else:
                continue
            if not found:
                self._dropped_elsewhere.add((category, name))

    def _RenameStmt(self, statement: Statement, section: SectionContext) -> None:
        self._moved(statement.body, statement.body.get("renameType", ""))

    def _AlterObjectSchemaStmt(self, statement: Statement, section: SectionContext) -> None:
        self._moved(statement.body, statement.body.get("objectType", ""))

    def _moved(self, body: Node, kind: str) -> None:
        catalog = self.context.catalog
        relation = body.get("relation")
        obj = body.get("object") or {}
        if kind in ("OBJECT_POLICY", "OBJECT_TRIGGER", "OBJECT_TABCONSTRAINT"):
            table = self.context.table_key(relation)
            if table is not None and body.get("subname"):
                self._gone.add((kind, *table, body["subname"]))
        elif kind == "OBJECT_SCHEMA" and body.get("subname"):
            self._gone.add((kind, body["subname"]))
        elif relation and kind in _RELATION_KINDS:
            key = self.context.table_key(relation)
            if key is not None:
                self._gone.add(("relation", *key))
                self._gone.add(("type", *key))
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN") and "List" in obj:
            name = QualifiedName.from_parts(strings(obj["List"].get("items")))
            key = catalog.resolve(name.schema, name.name, catalog.types)  # type: ignore[arg-type]
            self._gone.add(("type", *key))
        elif "ObjectWithArgs" in obj:
            name = QualifiedName.from_parts(strings(obj["ObjectWithArgs"].get("objname")))
            key = catalog.resolve(name.schema, name.name, catalog.functions)  # type: ignore[arg-type]
            self._gone.add(("function", *key))

    # -- where an existing object came from ----------------------------------------------

    def _where(self, origin: Origin | None) -> str:
        if origin is None:
            return ""
        migration = self.context.migration
        if origin.migration == str(migration.path):
            file = migration.file_for(origin.path)
            if file is None:
                return " (created earlier in this migration)"
            line = file.position(origin.span.start)[0] + 1
            here = "" if file is migration.files[0] else f" of {origin.path.name}"
            return f" (created on line {line}{here})"
        return f" (created by {Path(origin.migration).name})"

    def _relation_owner(self, key: Key) -> tuple[str, Origin | None] | None:
        """What already holds the name ``key`` among relations (and types, which a table's row
        type collides with)."""
        catalog = self.context.catalog
        table = catalog.tables.get(key)
        if table is not None:
            what = {"view": "view", "matview": "materialized view"}.get(table.kind, "table")
            return what, table.origin
        index = catalog.indexes.get(key)
        if index is not None and not self._maybe_generated(key[1], index.origin):
            return "index", index.origin
        sequence = catalog.sequences.get(key)
        if sequence is not None:
            return "sequence", sequence.origin
        return None

    def _maybe_generated(self, name: str, origin: Origin | None) -> bool:
        """Whether ``name`` may be one replay made up for an unnamed index or constraint: such
        names do not always match PostgreSQL's (``t_a_b_key`` for ``UNIQUE (a, b)``, a CHECK
        named after the first column it uses), so they prove nothing."""
        if not _GENERATED.search(name):
            return False
        file = self.context.migration.file_for(origin.path) if origin is not None else None
        if origin is None or file is None:
            return True
        return name.lower() not in file.text[origin.span.start : origin.span.end].lower()

    def _type_owner(self, key: Key) -> tuple[str, Origin | None] | None:
        typedef = self.context.catalog.types.get(key)
        if typedef is not None:
            return f"{typedef.kind} type", typedef.origin
        return None

    def _report_existing(
        self,
        statement: Statement,
        section: SectionContext,
        span: Span,
        what: str,
        key: Key,
        owner: tuple[str, Origin | None],
        error: str,
        advice: str,
    ) -> None:
        existing, origin = owner
        self.report(
            section,
            span,
            f"{_article(existing)} {existing} `{shown(key)}` already exists here"
            f"{self._where(origin)}: this {what} "
            f"fails with `{error}`. {advice}",
            statement=statement,
        )

    # -- relations -----------------------------------------------------------------------

    def _relation(
        self,
        statement: Statement,
        section: SectionContext,
        rangevar: Node | None,
        what: str,
        advice: str,
    ) -> None:
        if not rangevar or rangevar.get("relpersistence") == "t":
            return
        name = rangevar.get("relname")
        if not name:
            return
        key = creation_key(self.context.catalog, rangevar.get("schemaname"), name)
        owner = self._relation_owner(key) or self._type_owner(key)
        if self._stale("relation", *key) or self._stale("type", *key) or owner is None:
            return
        # a composite type is a relation too; an enum or domain only a type
        error = (
            f'type "{name}" already exists'
            if owner[0] in ("enum type", "domain type")
            else f'relation "{name}" already exists'
        )
        span = name_span(statement, section.file.text, rangevar.get("location"))
        self._report_existing(statement, section, span, what, key, owner, error, advice)

    def _CreateStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if not body.get("if_not_exists"):
            self._relation(
                statement,
                section,
                body.get("relation"),
                "`CREATE TABLE`",
                "Remove the duplicate, or use `CREATE TABLE IF NOT EXISTS` if re-running is "
                "intended",
            )
        self._columns_twice(statement, section, body.get("tableElts"))

    def _CreateTableAsStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("if_not_exists"):
            return
        into = body.get("into") or {}
        matview = body.get("objtype") == "OBJECT_MATVIEW"
        self._relation(
            statement,
            section,
            into.get("rel"),
            "`CREATE MATERIALIZED VIEW`" if matview else "`CREATE TABLE AS`",
            "Remove the duplicate, or use `IF NOT EXISTS` if re-running is intended",
        )

    def _ViewStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("replace"):
            return
        self._relation(
            statement,
            section,
            body.get("view"),
            "`CREATE VIEW`",
            "Use `CREATE OR REPLACE VIEW` to change the view, or another name",
        )

    def _CreateSeqStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("if_not_exists"):
            return
        self._relation(
            statement,
            section,
            body.get("sequence"),
            "`CREATE SEQUENCE`",
            "Remove the duplicate, or use `CREATE SEQUENCE IF NOT EXISTS`",
        )

    def _IndexStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        name = body.get("idxname")
        if not name or body.get("if_not_exists"):
            return
        relation = body.get("relation") or {}
        table = self.context.table_key(relation)
        schema = relation.get("schemaname") or (table[0] if table else None)
        key = creation_key(self.context.catalog, schema, name)
        owner = self._relation_owner(key)
        if self._stale("relation", *key) or owner is None:
            return
        span = keyword_name_span(statement, section.file.text, ("INDEX",))
        self._report_existing(
            statement,
            section,
            span,
            "`CREATE INDEX`",
            key,
            owner,
            f'relation "{name}" already exists',
            "Give the index another name, or use `CREATE INDEX IF NOT EXISTS`",
        )

    # -- types, schemas, extensions ------------------------------------------------------

    def _type(self, statement: Statement, section: SectionContext, parts: tuple[str, ...]) -> None:
        if not parts:
            return
        name = QualifiedName.from_parts(parts)
        key = creation_key(self.context.catalog, name.schema, name.name)
        owner = self._type_owner(key) or self._relation_owner(key)
        stale = self._stale("type", *key) or self._stale("relation", *key)
        if stale or owner is None or owner[0] in ("index", "sequence"):
            return
        span = keyword_name_span(statement, section.file.text, ("TYPE", "DOMAIN"))
        self._report_existing(
            statement,
            section,
            span,
            "`CREATE TYPE`" if statement.kind != "CreateDomainStmt" else "`CREATE DOMAIN`",
            key,
            owner,
            f'type "{name.name}" already exists',
            "Remove the duplicate (`CREATE TYPE` has no `IF NOT EXISTS`), or add the missing "
            "values with `ALTER TYPE … ADD VALUE IF NOT EXISTS`",
        )

    def _CreateEnumStmt(self, statement: Statement, section: SectionContext) -> None:
        self._type(statement, section, strings(statement.body.get("typeName")))

    def _CreateDomainStmt(self, statement: Statement, section: SectionContext) -> None:
        self._type(statement, section, strings(statement.body.get("domainname")))

    def _CompositeTypeStmt(self, statement: Statement, section: SectionContext) -> None:
        typevar = statement.body.get("typevar") or {}
        parts = tuple(p for p in (typevar.get("schemaname"), typevar.get("relname")) if p)
        self._type(statement, section, parts)

    def _CreateSchemaStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        name = body.get("schemaname")
        catalog = self.context.catalog
        if self._stale("OBJECT_SCHEMA", name or ""):
            return
        if not name or body.get("if_not_exists") or name not in catalog.schemas:
            return
        if name == "public" and not catalog.complete:
            return  # assumed, not known: a database may have dropped it
        self.report(
            section,
            keyword_name_span(statement, section.file.text, ("SCHEMA",)),
            f"schema `{name}` already exists here: `CREATE SCHEMA` fails with "
            f'`schema "{name}" already exists`. Remove the duplicate, or use '
            "`CREATE SCHEMA IF NOT EXISTS`",
            statement=statement,
        )

    def _CreateExtensionStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        name = body.get("extname")
        if not name or body.get("if_not_exists") or name not in self.context.catalog.extensions:
            return
        self.report(
            section,
            keyword_name_span(statement, section.file.text, ("EXTENSION",)),
            f"extension `{name}` is already installed here: `CREATE EXTENSION` fails with "
            f'`extension "{name}" already exists`. Use `CREATE EXTENSION IF NOT EXISTS`',
            statement=statement,
        )

    # -- functions, policies, triggers ---------------------------------------------------

    def _CreateFunctionStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("replace"):
            return
        name = QualifiedName.from_parts(strings(body.get("funcname")))
        catalog = self.context.catalog
        key = catalog.resolve(name.schema, name.name, catalog.functions)  # type: ignore[arg-type]
        overloads = catalog.functions.get(key)
        if self._stale("function", *key) or not overloads:
            return
        arguments = tuple(
            type_text(type_ref(p.get("FunctionParameter", {}).get("argType")))
            for p in body.get("parameters", []) or []
            if p.get("FunctionParameter", {}).get("mode", "FUNC_PARAM_IN") in _IN_MODES
        )
        same = next((f for f in overloads if f.arguments == arguments), None)
        if same is None:
            return
        what = "procedure" if body.get("is_procedure") else "function"
        signature = f"{shown(key)}({', '.join(arguments)})"
        self.report(
            section,
            keyword_name_span(statement, section.file.text, ("FUNCTION", "PROCEDURE")),
            f"{what} `{signature}` already exists here{self._where(same.origin)}: "
            f'`CREATE {what.upper()}` fails with `{what} "{name.name}" already exists with '
            f"same argument types`. Use `CREATE OR REPLACE {what.upper()}` to change it",
            statement=statement,
        )

    def _CreatePolicyStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        table = self.context.table(body.get("table"))
        name = body.get("policy_name")
        if table is None or not name or self._stale("OBJECT_POLICY", *table.key, name):
            return
        if name not in table.policies:
            return
        self.report(
            section,
            keyword_name_span(statement, section.file.text, ("POLICY",)),
            f"policy `{name}` already exists on `{shown(table.key)}`"
            f"{self._where(table.policies[name].origin)}: `CREATE POLICY` fails with "
            f'`policy "{name}" for table "{table.name}" already exists`. Drop it first '
            f"(`DROP POLICY IF EXISTS {name} ON …`) or use another name",
            statement=statement,
        )

    def _CreateTrigStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("replace"):
            return
        table = self.context.table(body.get("relation"))
        name = body.get("trigname")
        if table is None or not name or self._stale("OBJECT_TRIGGER", *table.key, name):
            return
        if name not in table.triggers:
            return
        self.report(
            section,
            keyword_name_span(statement, section.file.text, ("TRIGGER",)),
            f"trigger `{name}` already exists on `{shown(table.key)}`"
            f"{self._where(table.triggers[name].origin)}: `CREATE TRIGGER` fails with "
            f'`trigger "{name}" for relation "{table.name}" already exists`. Drop it first '
            "(`DROP TRIGGER IF EXISTS`), or use `CREATE OR REPLACE TRIGGER` (PostgreSQL 14+)",
            statement=statement,
        )

    # -- columns -------------------------------------------------------------------------

    def _columns_twice(
        self, statement: Statement, section: SectionContext, elements: list[Node] | None
    ) -> None:
        seen: set[str] = set()
        for element in elements or []:
            column = element.get("ColumnDef")
            if column is None:
                continue
            name = column.get("colname") or ""
            if name in seen:
                self.report(
                    section,
                    element_span(statement, section.file.text, column.get("location")),
                    f"column `{name}` is defined twice in this table: PostgreSQL fails with "
                    f'`column "{name}" specified more than once`. Remove one of them',
                    statement=statement,
                )
            seen.add(name)

    def _AlterTableStmt(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("objtype", "OBJECT_TABLE") not in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
            return
        context = self.context
        table = context.table(body.get("relation"))
        added: set[str] = set()
        spans: list[Span] | None = None
        # PostgreSQL runs every DROP of an ALTER TABLE before its ADDs: ``DROP CONSTRAINT c,
        # ADD CONSTRAINT c …`` replaces the constraint
        dropped = {
            (cmd.get("subtype"), cmd.get("name"))
            for cmd in (item.get("AlterTableCmd") or {} for item in body.get("cmds", []) or [])
            if cmd.get("subtype") in ("AT_DropColumn", "AT_DropConstraint")
        }
        key = context.table_key(body.get("relation"))
        for index, item in enumerate(body.get("cmds", []) or []):
            cmd = item.get("AlterTableCmd") or {}
            subtype = cmd.get("subtype")
            definition = cmd.get("def") or {}
            message = None
            con = definition.get("Constraint") or {}
            renamed = con.get("indexname")
            named = con.get("conname")
            if subtype == "AT_AddConstraint" and key and renamed and named not in (None, renamed):
                # ``ADD CONSTRAINT c … USING INDEX i`` renames the index to ``c``: the name
                # ``i`` is free again
                self._gone.add(("relation", key[0], renamed))
            if subtype == "AT_AddColumn" and "ColumnDef" in definition:
                name = definition["ColumnDef"].get("colname") or ""
                if name in added and not cmd.get("missing_ok"):
                    message = (
                        f"column `{name}` is added twice by this statement: PostgreSQL fails "
                        f'with `column "{name}" of relation … already exists`. Remove one'
                    )
                elif (
                    table is not None
                    and ("AT_DropColumn", name) not in dropped
                    and name in table.columns
                    and not cmd.get("missing_ok")
                    and name not in added
                ):
                    message = (
                        f"`{shown(table.key)}` already has a column `{name}`"
                        f"{self._where(table.columns[name].origin)}: `ADD COLUMN` fails with "
                        f'`column "{name}" of relation "{table.name}" already exists`. Remove '
                        "it, or use `ADD COLUMN IF NOT EXISTS` if re-running is intended"
                    )
                added.add(name)
            elif subtype == "AT_AddConstraint" and "Constraint" in definition and table:
                con = definition["Constraint"]
                name = con.get("conname")
                replaced = ("AT_DropConstraint", name) in dropped
                if not name or replaced or self._stale("OBJECT_TABCONSTRAINT", *table.key, name):
                    pass
                elif name in table.constraints and not self._maybe_generated(
                    name, table.constraints[name].origin
                ):
                    message = (
                        f"`{shown(table.key)}` already has a constraint `{name}`"
                        f"{self._where(table.constraints[name].origin)}: `ADD CONSTRAINT` fails "
                        f'with `constraint "{name}" for relation "{table.name}" already '
                        "exists`. Drop it first or use another name"
                    )
                elif con.get("contype") in (
                    "CONSTR_PRIMARY",
                    "CONSTR_UNIQUE",
                    "CONSTR_EXCLUSION",
                ):
                    owner = self._relation_owner((table.schema, name))
                    # ``USING INDEX i``: the index becomes the constraint's (renamed to it)
                    if owner is not None and con.get("indexname") != name:
                        message = (
                            f"{_article(owner[0])} {owner[0]} `{name}` already exists"
                            f"{self._where(owner[1])}: "
                            f'the index behind this constraint fails with `relation "{name}" '
                            "already exists`. Use another constraint name"
                        )
            if message is None:
                continue
            if spans is None:
                spans = subcommand_spans(statement, section.file.text)
            span = spans[index] if index < len(spans) else statement.span
            self.report(section, span, message, statement=statement)

    # -- assignments ---------------------------------------------------------------------

    def _twice(self, statement: Statement, section: SectionContext, targets: list[Node]) -> None:
        seen: set[str] = set()
        for item in targets:
            target = item.get("ResTarget") or {}
            name = target.get("name")
            if not name:
                continue
            if target.get("indirection"):
                # ``SET point.x = 1, point.y = 2`` assigns fields of one column: allowed
                continue
            if name in seen:
                insert = statement.kind == "InsertStmt"
                error = (
                    f'column "{name}" specified more than once'
                    if insert
                    else f'multiple assignments to same column "{name}"'
                )
                self.report(
                    section,
                    name_span(statement, section.file.text, target.get("location")),
                    f"column `{name}` is {'listed' if insert else 'assigned'} twice: "
                    f"PostgreSQL fails with `{error}`. Keep one",
                    statement=statement,
                )
            seen.add(name)

    def _UpdateStmt(self, statement: Statement, section: SectionContext) -> None:
        self._twice(statement, section, statement.body.get("targetList", []) or [])

    def _InsertStmt(self, statement: Statement, section: SectionContext) -> None:
        self._twice(statement, section, statement.body.get("cols", []) or [])
