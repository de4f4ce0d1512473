"""undefined-object: a statement uses a table, column, type, function, schema or index that does
not exist at that point of the migration."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
from pglast import parser as pg

from pgmig_lsp.catalog.model import Table
from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.plpgsql import function_language, function_statements
from pgmig_lsp.sql.spans import name_span, subcommand_spans

#: schemas that the platform (PostgreSQL itself, Supabase, common extensions' homes) provides:
#: what lives there is not created by migrations
PLATFORM_SCHEMAS = frozenset(
    {
        "pg_catalog",
        "information_schema",
        "pg_toast",
        "pg_temp",
        "auth",
        "storage",
        "extensions",
        "realtime",
        "vault",
        "graphql",
        "graphql_public",
        "cron",
        "net",
        "pgsodium",
        "supabase_functions",
        "supabase_migrations",
    }
)

#: the key holding the relation a statement creates (not a use)
_CREATING = {
    "CreateStmt": "relation",
    "ViewStmt": "view",
    "CreateSeqStmt": "sequence",
    "CompositeTypeStmt": "typevar",
    "CreateTableAsStmt": "into",
}

_TYPE_KEYS = frozenset({"typeName", "argType", "returnType", "TypeName", "ofTypename"})

#: ALTER TABLE sub-commands whose ``name`` is an existing column
_COLUMN_COMMANDS = frozenset(
    {
        "AT_AlterColumnType",
        "AT_SetNotNull",
        "AT_DropNotNull",
        "AT_ColumnDefault",
        "AT_DropColumn",
        "AT_SetStatistics",
        "AT_SetStorage",
        "AT_SetCompression",
        "AT_AddIdentity",
        "AT_SetIdentity",
        "AT_DropIdentity",
        "AT_DropExpression",
        "AT_SetOptions",
        "AT_ResetOptions",
    }
)

_WHAT = {
    "type": "type",
    "relation": "relation",
    "function": "function",
    "schema": "schema",
    "index": "index",
    "column": "column",
}


@attrs.frozen
class Reference:
    """A use of an object by name."""

    #: ``type``, ``relation``, ``function``, ``schema``, ``index`` or ``column``
    category: str
    schema: str | None
    name: str
    #: byte location of the name in the statement, if the parser gave one
    location: int | None = None
    #: for columns: the table's name as written
    table: QualifiedName | None = None
    #: for ALTER TABLE sub-commands: the index of the sub-command
    command: int | None = None


@attrs.frozen
class _Event:
    index: int
    schema: str | None
    #: the statement that creates (or removes) the object
    statement: Statement
    #: what creates it, for messages (``CREATE TYPE``)
    verb: str = ""
    #: the statement's line (0-based), which messages name
    line: int = 0

    def shape(self) -> tuple[object, ...]:
        """What a finding that mentions this event shows of it."""
        return (self.index, self.schema, self.verb, self.line)


def _is_rangevar(node: Node) -> bool:
    return "relname" in node and ("relpersistence" in node or "inh" in node)


def _walk(node: object, key: str = "") -> Iterator[tuple[str, Node]]:
    """Every dict below ``node`` with the key it sits under (lower- or upper-case).

    Options (``DefElem``) are not entered: their values are words the command interprets
    (``CREATE OPERATOR … (RESTRICT = scalarltsel)``, ``TEMPLATE = snowball``), which the parser
    writes as type names.
    """
    stack: list[tuple[str, object]] = [(key, node)]
    while stack:
        parent, current = stack.pop()
        if isinstance(current, dict):
            yield parent, current
            if parent == "DefElem":
                continue
            for child_key, value in current.items():
                if isinstance(value, (dict, list)):
                    stack.append((child_key, value))
        elif isinstance(current, list):
            for item in reversed(current):
                stack.append((parent, item))


def _parts_name(parts: tuple[str, ...]) -> QualifiedName:
    return QualifiedName.from_parts(parts)


def references(statement: Statement) -> Iterator[Reference]:
    """The objects a statement uses by name (not the ones it creates)."""
    body = statement.body
    kind = statement.kind
    if body.get("missing_ok") and kind in ("DropStmt", "AlterTableStmt", "RenameStmt"):
        return  # IF EXISTS: a missing object is fine
    created: set[int] = set()
    if kind in _CREATING:
        target = body.get(_CREATING[kind])
        if kind == "CreateTableAsStmt":
            target = (target or {}).get("rel")
        created.add(id(target))
    category = "relation"
    if kind == "AlterTableStmt":
        category = {"OBJECT_INDEX": "index", "OBJECT_TYPE": "type"}.get(
            body.get("objtype", ""), "relation"
        )
    elif (kind == "RenameStmt" and body.get("renameType") == "OBJECT_INDEX") or (
        kind == "ReindexStmt" and body.get("kind") == "REINDEX_OBJECT_INDEX"
    ):
        category = "index"
    ctes: set[str] = set()
    found: list[Reference] = []
    for parent, node in _walk(body):
        if parent == "intoClause" and isinstance(node.get("rel"), dict):
            created.add(id(node["rel"]))  # SELECT … INTO new_table (seen before its ``rel``)
        elif parent == "CommonTableExpr" and node.get("ctename"):
            ctes.add(node["ctename"])
        elif _is_rangevar(node):
            schema = node.get("schemaname")
            if id(node) in created:
                # the object is new, but the schema it goes into must exist
                if schema:
                    found.append(Reference("schema", None, schema, node.get("location")))
                continue
            main = node is body.get("relation")
            found.append(
                Reference(
                    category if main else "relation",
                    schema,
                    node.get("relname", ""),
                    node.get("location"),
                )
            )
        elif parent in _TYPE_KEYS and "names" in node:
            parts = strings(node.get("names"))
            if parts and not node.get("pct_type"):
                qualified = _parts_name(parts)
                found.append(
                    Reference("type", qualified.schema, qualified.name, node.get("location"))
                )
        elif parent == "FuncCall":
            parts = strings(node.get("funcname"))
            if parts:
                qualified = _parts_name(parts)
                found.append(
                    Reference("function", qualified.schema, qualified.name, node.get("location"))
                )
    for reference in found:
        # a CTE's name, wherever the WITH clause sits in the tree
        if not (
            reference.category == "relation" and not reference.schema and reference.name in ctes
        ):
            yield reference
    yield from _named_references(statement)


def _named_references(statement: Statement) -> Iterator[Reference]:
    """Uses that are plain names rather than nodes: schemas of new objects, indexes, columns."""
    body = statement.body
    kind = statement.kind
    if kind in ("CreateEnumStmt", "CreateDomainStmt", "CreateFunctionStmt"):
        key = {"CreateEnumStmt": "typeName", "CreateDomainStmt": "domainname"}.get(kind, "funcname")
        parts = strings(body.get(key))
        if len(parts) >= 2:
            yield Reference("schema", None, parts[-2])
    elif kind == "AlterEnumStmt":
        qualified = _parts_name(strings(body.get("typeName")))
        if qualified.name:
            yield Reference("type", qualified.schema, qualified.name)
    elif kind == "DropStmt":
        if body.get("removeType") == "OBJECT_INDEX":
            for obj in body.get("objects", []) or []:
                qualified = _parts_name(strings((obj.get("List") or {}).get("items")))
                if qualified.name:
                    yield Reference("index", qualified.schema, qualified.name)
        elif body.get("removeType") == "OBJECT_SCHEMA":
            for obj in body.get("objects", []) or []:
                name = (obj.get("String") or {}).get("sval")
                if name:
                    yield Reference("schema", None, name)
    elif kind == "ClusterStmt" and body.get("indexname"):
        relation = body.get("relation") or {}
        yield Reference("index", relation.get("schemaname"), body["indexname"])
    elif kind == "CreateTrigStmt":
        function = _parts_name(strings(body.get("funcname")))
        if function.name:
            yield Reference("function", function.schema, function.name)
        table = _table_name(body.get("relation"))
        for column in strings(body.get("columns")):
            yield Reference("column", None, column, table=table)
    elif kind == "IndexStmt":
        table = _table_name(body.get("relation"))
        for param in body.get("indexParams", []) or []:
            name = (param.get("IndexElem") or {}).get("name")
            if name:
                yield Reference("column", None, name, table=table)
    elif kind == "RenameStmt" and body.get("renameType") == "OBJECT_COLUMN":
        table = _table_name(body.get("relation"))
        if body.get("subname"):
            yield Reference("column", None, body["subname"], table=table)
    elif kind == "AlterTableStmt" and body.get("objtype", "OBJECT_TABLE") == "OBJECT_TABLE":
        table = _table_name(body.get("relation"))
        for index, item in enumerate(body.get("cmds", []) or []):
            cmd = item.get("AlterTableCmd") or {}
            subtype = cmd.get("subtype")
            if subtype in _COLUMN_COMMANDS and cmd.get("name") and not cmd.get("missing_ok"):
                yield Reference("column", None, cmd["name"], table=table, command=index)
            con = (cmd.get("def") or {}).get("Constraint") or {}
            if subtype == "AT_AddConstraint" and con.get("indexname"):
                yield Reference("index", table.schema if table else None, con["indexname"])


def _table_name(relation: Node | None) -> QualifiedName | None:
    if not relation or not relation.get("relname"):
        return None
    return QualifiedName(relation.get("schemaname"), relation["relname"])


class UndefinedObject(Rule):
    """Flags a use of a table, column, type, function, schema or index that does not exist yet.

    ## What it does
    Reports a statement that uses an object created only further down the same migration (a
    column typed with an enum created a few lines later, a foreign key to a table created
    after it, a trigger on a function defined below it, a table read by a `LANGUAGE sql`
    function body, which PostgreSQL checks when it creates the function unless
    `check_function_bodies` is off). Where the schema before the migration
    is fully known (replayed history, a snapshot or a live database), it also reports objects
    that no migration creates; platform schemas (`pg_catalog`, Supabase's `auth`, `storage`,
    `extensions`, …) and extensions' objects count as existing.

    ## Why is this bad?
    PostgreSQL runs the statements in order: the first one that names a missing object fails
    with `type "…" does not exist` (or relation, function, schema, column), and the migration
    stops there. It often goes unnoticed in development, where the object exists from an
    earlier attempt.

    ## Lock
    None: the statement fails.

    ## Instead
    Create objects before their first use: move the `CREATE TYPE`, `CREATE TABLE` or
    `CREATE FUNCTION` above the statement that needs it.

    ## Example
    ```sql
    CREATE TABLE tasks (id bigint PRIMARY KEY, priority task_priority NOT NULL);
    CREATE TYPE task_priority AS ENUM ('low', 'high');
    ```
    Use instead:
    ```sql
    CREATE TYPE task_priority AS ENUM ('low', 'high');
    CREATE TABLE tasks (id bigint PRIMARY KEY, priority task_priority NOT NULL);
    ```
    """

    id = "undefined-object"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    kinds = None
    summary = "a table, column, type, function, schema or index used before it exists"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: a ``CREATE EXTENSION`` anywhere in the migration (or extensions in the catalog): types
        #: and functions pgmig does not know may come from it
        self._extensions = False
        self._seen: set[tuple[str, str | None, str]] = set()
        #: uses reported in the current statement
        self._reported: set[tuple[str, str | None, str]] = set()
        #: types created by statements replay does not model (base and shell types, ranges)
        self._unmodeled_types: set[str] = set()
        #: base types the section defines anywhere
        self._base_types: set[str] = set()

    def begin_section(self, section: SectionContext) -> None:
        #: ``check_function_bodies`` (on by default): PostgreSQL validates a SQL function's body
        #: when the function is created
        self._check_bodies = True
        self._do_seen = False
        #: objects looked for further down the section (see `resume`)
        self._asked: set[tuple[str, str]] = set()
        self._survey(section)
        self._extensions = (
            self._extensions or bool(self.context.catalog.extensions) or self._extension_ahead
        )

    def _survey(self, section: SectionContext) -> None:
        """What the whole section creates and removes, its base types, and whether it (or the
        up section) creates an extension."""
        self._file = section.file
        self._base_types = set()
        self._creates: dict[tuple[str, str], list[_Event]] = {}
        self._removes: dict[tuple[str, str], list[_Event]] = {}
        ahead = False
        for statement in section.statements:
            if statement.in_function:
                continue
            self._scan(statement)
            if statement.kind == "CreateExtensionStmt":
                ahead = True
        for statement in self.context.up_statements:
            if statement.kind == "CreateExtensionStmt":
                ahead = True
        self._extension_ahead = ahead

    def resume(self, section: SectionContext, position: int) -> bool:
        if position == 0:
            return True
        creates, removes = self._creates, self._removes
        base_types, ahead = self._base_types, self._extension_ahead
        self._survey(section)
        if base_types != self._base_types or ahead != self._extension_ahead:
            return False
        return all(
            [e.shape() for e in old.get(key, ())] == [e.shape() for e in new.get(key, ())]
            for key in self._asked
            for old, new in ((creates, self._creates), (removes, self._removes))
        )

    # -- what the section creates and removes, in order ---------------------------------

    def _create(
        self, category: str, schema: str | None, name: str, st: Statement, verb: str
    ) -> None:
        if name:
            line = self._file.position(st.span.start)[0]
            self._creates.setdefault((category, name), []).append(
                _Event(st.index, schema, st, verb, line)
            )

    def _remove(self, category: str, schema: str | None, name: str, st: Statement) -> None:
        if name:
            line = self._file.position(st.span.start)[0]
            self._removes.setdefault((category, name), []).append(
                _Event(st.index, schema, st, _removal_verb(st), line)
            )

    def _create_relation(self, rangevar: Node | None, st: Statement, verb: str) -> None:
        relation = rangevar or {}
        self._create("relation", relation.get("schemaname"), relation.get("relname", ""), st, verb)

    def _scan(self, statement: Statement) -> None:
        """Record what a statement creates unconditionally, and what it drops or renames away."""
        kind = statement.kind
        body = statement.body
        if kind == "CreateStmt" and not body.get("if_not_exists"):
            self._create_relation(body.get("relation"), statement, "CREATE TABLE")
        elif kind == "ViewStmt" and not body.get("replace"):
            self._create_relation(body.get("view"), statement, "CREATE VIEW")
        elif kind == "CreateTableAsStmt" and not body.get("if_not_exists"):
            verb = (
                "CREATE MATERIALIZED VIEW"
                if body.get("objtype") == "OBJECT_MATVIEW"
                else "CREATE TABLE AS"
            )
            self._create_relation((body.get("into") or {}).get("rel"), statement, verb)
        elif kind == "CreateSeqStmt" and not body.get("if_not_exists"):
            self._create_relation(body.get("sequence"), statement, "CREATE SEQUENCE")
        elif kind in ("CreateEnumStmt", "CreateDomainStmt"):
            key = "typeName" if kind == "CreateEnumStmt" else "domainname"
            name = _parts_name(strings(body.get(key)))
            verb = "CREATE TYPE" if kind == "CreateEnumStmt" else "CREATE DOMAIN"
            self._create("type", name.schema, name.name, statement, verb)
        elif kind == "CompositeTypeStmt":
            typevar = body.get("typevar") or {}
            self._create(
                "type",
                typevar.get("schemaname"),
                typevar.get("relname", ""),
                statement,
                "CREATE TYPE",
            )
        elif kind == "CreateFunctionStmt" and not body.get("replace"):
            name = _parts_name(strings(body.get("funcname")))
            verb = "CREATE PROCEDURE" if body.get("is_procedure") else "CREATE FUNCTION"
            self._create("function", name.schema, name.name, statement, verb)
        elif kind == "CreateSchemaStmt" and not body.get("if_not_exists"):
            self._create("schema", None, body.get("schemaname") or "", statement, "CREATE SCHEMA")
        elif kind == "IndexStmt" and body.get("idxname") and not body.get("if_not_exists"):
            relation = body.get("relation") or {}
            self._create(
                "index", relation.get("schemaname"), body["idxname"], statement, "CREATE INDEX"
            )
        elif kind == "AlterTableStmt":
            relation = body.get("relation") or {}
            table = relation.get("relname", "")
            for item in body.get("cmds", []) or []:
                cmd = item.get("AlterTableCmd") or {}
                subtype = cmd.get("subtype")
                coldef = (cmd.get("def") or {}).get("ColumnDef")
                if subtype == "AT_AddColumn" and coldef and not cmd.get("missing_ok"):
                    column = f"{table}.{coldef.get('colname', '')}"
                    self._create(
                        "column", relation.get("schemaname"), column, statement, "ADD COLUMN"
                    )
                elif subtype == "AT_DropColumn" and cmd.get("name"):
                    column = f"{table}.{cmd['name']}"
                    self._remove("column", relation.get("schemaname"), column, statement)
        elif kind == "DropStmt":
            category = {
                "OBJECT_TABLE": "relation",
                "OBJECT_VIEW": "relation",
                "OBJECT_MATVIEW": "relation",
                "OBJECT_SEQUENCE": "relation",
                "OBJECT_FOREIGN_TABLE": "relation",
                "OBJECT_INDEX": "index",
                "OBJECT_TYPE": "type",
                "OBJECT_DOMAIN": "type",
                "OBJECT_FUNCTION": "function",
                "OBJECT_PROCEDURE": "function",
                "OBJECT_ROUTINE": "function",
                "OBJECT_SCHEMA": "schema",
            }.get(body.get("removeType", ""))
            if category is None:
                return
            for obj in body.get("objects", []) or []:
                parts: tuple[str, ...] = ()
                if "List" in obj:
                    parts = strings(obj["List"].get("items"))
                elif "String" in obj:
                    parts = (obj["String"].get("sval", ""),)
                elif "TypeName" in obj:
                    parts = strings(obj["TypeName"].get("names"))
                elif "ObjectWithArgs" in obj:
                    parts = strings(obj["ObjectWithArgs"].get("objname"))
                if parts:
                    name = _parts_name(parts)
                    self._remove(category, name.schema, name.name, statement)
        elif kind in ("RenameStmt", "AlterObjectSchemaStmt"):
            self._scan_move(statement)
        elif kind == "DefineStmt" and body.get("kind") == "OBJECT_TYPE":
            names = strings(body.get("defnames"))
            if names:
                self._base_types.add(names[-1])

    def _scan_move(self, statement: Statement) -> None:
        body = statement.body
        kind = body.get("renameType") or body.get("objectType") or ""
        relation = body.get("relation") or {}
        obj = body.get("object") or {}
        if kind == "OBJECT_COLUMN" and body.get("subname"):
            column = f"{relation.get('relname', '')}.{body['subname']}"
            self._remove("column", relation.get("schemaname"), column, statement)
        elif kind == "OBJECT_INDEX" and relation:
            self._remove(
                "index", relation.get("schemaname"), relation.get("relname", ""), statement
            )
        elif relation and kind in (
            "OBJECT_TABLE",
            "OBJECT_VIEW",
            "OBJECT_MATVIEW",
            "OBJECT_SEQUENCE",
        ):
            self._remove(
                "relation", relation.get("schemaname"), relation.get("relname", ""), statement
            )
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN") and "List" in obj:
            name = _parts_name(strings(obj["List"].get("items")))
            self._remove("type", name.schema, name.name, statement)
        elif kind in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE") and "ObjectWithArgs" in obj:
            name = _parts_name(strings(obj["ObjectWithArgs"].get("objname")))
            self._remove("function", name.schema, name.name, statement)
        elif kind == "OBJECT_SCHEMA" and body.get("subname"):
            self._remove("schema", None, body["subname"], statement)

    def _schema_matches(self, wanted: str | None, event: _Event) -> bool:
        search_path = self.context.catalog.search_path or ("public",)
        have = event.schema
        if wanted and have:
            return wanted == have
        if wanted:
            return wanted == search_path[0]
        return have is None or have in search_path

    def _created_later(
        self, category: str, schema: str | None, name: str, index: int
    ) -> _Event | None:
        """The statement after ``index`` that creates the object, if nothing in between
        removed an object of that name (which would mean it existed at ``index``)."""
        self._asked.add((category, name))
        for event in self._creates.get((category, name), []):
            if event.index <= index or not self._schema_matches(schema, event):
                continue
            for removal in self._removes.get((category, name), []):
                if index <= removal.index < event.index and self._schema_matches(schema, removal):
                    return None
            return event
        return None

    def _removed_earlier(
        self, category: str, schema: str | None, name: str, index: int
    ) -> _Event | None:
        """The statement before ``index`` that dropped or renamed the object away, when nothing
        between it and ``index`` may have made one of that name again."""
        if self._do_seen:
            return None
        made = max(
            (e.index for e in self._creates.get((category, name), []) if e.index < index),
            default=-1,
        )
        for event in self._removes.get((category, name), []):
            if made < event.index < index and self._schema_matches(schema, event):
                return event
        return None

    # -- the check -----------------------------------------------------------------------

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        kind = statement.kind
        if kind == "DoStmt":
            self._do_seen = True
            return
        if kind == "VariableSetStmt" and statement.body.get("name") == "check_function_bodies":
            self._check_bodies = _setting_on(statement.body)
        elif kind == "CreateFunctionStmt" and self._check_bodies:
            self._check_sql_body(statement, section)
        if kind in ("DefineStmt", "CreateRangeStmt"):
            body = statement.body
            if kind == "CreateRangeStmt" or body.get("kind") == "OBJECT_TYPE":
                names = strings(body.get("defnames") or body.get("typeName"))
                if names:
                    self._unmodeled_types.add(names[-1])
        self._seen = set()
        self._reported = set()
        for reference in references(statement):
            self._check(reference, statement, section)

    def _check_sql_body(self, statement: Statement, section: SectionContext) -> None:
        """A ``LANGUAGE sql`` body is parsed and analysed by ``CREATE FUNCTION``: a table it
        reads must exist then (PL/pgSQL bodies are only checked when they run)."""
        if function_language(statement) != "sql":
            return
        for nested in function_statements(statement, section.file.text):
            seen: set[tuple[str | None, str]] = set()
            for reference in references(nested):
                key = (reference.schema, reference.name)
                if reference.category != "relation" or key in seen:
                    continue
                seen.add(key)
                if reference.schema in PLATFORM_SCHEMAS or self._exists(reference):
                    continue
                later = self._created_later(
                    "relation", reference.schema, reference.name, statement.index
                )
                if later is not None:
                    self._report(reference, nested, section, later, anchor=statement)

    def _check(self, reference: Reference, statement: Statement, section: SectionContext) -> bool:
        """Check one use; True when it was reported (now or earlier in this statement)."""
        key = (reference.category, reference.schema, reference.name)
        if key in self._seen:
            return False
        self._seen.add(key)
        catalog = self.context.catalog
        category = reference.category
        schema = reference.schema
        if schema in PLATFORM_SCHEMAS and category != "schema":
            return False
        if schema and category != "schema" and schema not in catalog.schemas:
            # a missing schema is the finding, not every object named in it
            schema_use = Reference("schema", None, schema, reference.location)
            if (
                self._check(schema_use, statement, section)
                or ("schema", None, schema) in self._reported
                or catalog.complete
            ):
                return True
        if self._exists(reference):
            return False
        if category == "column":
            later = self._column_created_later(reference, statement.index)
            removed_as = f"{reference.table.name}.{reference.name}" if reference.table else ""
            removed_schema = reference.table.schema if reference.table else None
        else:
            later = self._created_later(category, schema, reference.name, statement.index)
            removed_as, removed_schema = reference.name, schema
        removed = None
        if later is None:
            removed = self._removed_earlier(category, removed_schema, removed_as, statement.index)
            if removed is None and not (catalog.complete and self._reportable_unknown(reference)):
                return False
        self._reported.add(key)
        self._report(reference, statement, section, later, removed=removed)
        return True

    def _exists(self, reference: Reference) -> bool:
        catalog = self.context.catalog
        builtins = self.context.builtins
        schema, name = reference.schema, reference.name
        category = reference.category
        if category == "schema":
            return name in catalog.schemas or name in PLATFORM_SCHEMAS
        if category == "type":
            if schema in (None, "pg_catalog") and builtins.has_type(
                (schema, name) if schema else (name,)
            ):
                return True
            if catalog.type(schema, name) is not None or catalog.table(schema, name) is not None:
                return True
            if name in self._unmodeled_types:
                return True
            # the array spelling of a type: ``_int4``, ``_status``
            return name.startswith("_") and self._exists(
                Reference("type", schema, name[1:], reference.location)
            )
        if category in ("relation", "index"):
            if (
                category == "relation"
                and schema in (None, "pg_catalog")
                and builtins.has_type((schema, name) if schema else (name,))
            ):
                return True  # a system catalog or view: each has a row type of its name
            space_hit = (
                catalog.table(schema, name) is not None
                or catalog.index(schema, name) is not None
                or catalog.sequences.get(catalog.resolve(schema, name, catalog.sequences))  # type: ignore[arg-type]
                is not None
            )
            return space_hit
        if category == "function":
            if schema in (None, "pg_catalog", "information_schema") and builtins.has_function(
                (schema, name) if schema else (name,)
            ):
                return True
            key = catalog.resolve(schema, name, catalog.functions)  # type: ignore[arg-type]
            return bool(catalog.functions.get(key))
        if category == "column":
            table = self._table(reference)
            return table is None or not self._columns_known(table) or name in table.columns
        return True

    def _table(self, reference: Reference) -> Table | None:
        if reference.table is None:
            return None
        return self.context.catalog.table(reference.table.schema, reference.table.name)

    def _columns_known(self, table: Table) -> bool:
        """Whether the catalog knows every column of ``table`` (not from ``LIKE``, ``INHERITS``,
        ``PARTITION OF`` or ``AS SELECT``, which replay does not expand)."""
        if table.kind != "table" or table.uncertain or not table.columns:
            return False
        origin = table.origin
        if origin is None:
            return False
        file = self.context.migration.file_for(origin.path)
        if file is None:
            return False
        text = file.text[origin.span.start : origin.span.end].upper()
        return not any(word in text for word in (" LIKE ", "INHERITS", "PARTITION OF", " AS "))

    def _column_created_later(self, reference: Reference, index: int) -> _Event | None:
        if reference.table is None:
            return None
        table = self._table(reference)
        if table is not None and reference.name in table.columns:
            return None
        column = f"{reference.table.name}.{reference.name}"
        return self._created_later("column", reference.table.schema, column, index)

    def _reportable_unknown(self, reference: Reference) -> bool:
        """With a complete catalog: whether an unknown object is surely missing (extensions and
        platform schemas may provide types and functions pgmig does not know)."""
        category = reference.category
        schema = reference.schema
        if schema in PLATFORM_SCHEMAS or reference.name.startswith("pg_"):
            return False  # ``pg_`` names belong to the system
        if category == "type" and reference.name.lstrip("_") in self._base_types:
            # a base type (``CREATE TYPE x (INPUT = …)``): its I/O functions may name it first,
            # and PostgreSQL makes a shell type for them
            return False
        if category in ("type", "function") and self._extensions:
            return False
        if category == "function":
            catalog = self.context.catalog
            return schema is not None and schema != "public" and schema in catalog.schemas
        if category == "column":
            table = self._table(reference)
            return (
                table is not None
                and self._columns_known(table)
                and table.origin is not None
                and table.origin.migration == str(self.context.migration.path)
            )
        if category == "relation":
            return not self._do_seen
        return True

    # -- reporting -----------------------------------------------------------------------

    def _span(self, reference: Reference, statement: Statement, text: str) -> Span:
        if reference.command is not None:
            spans = subcommand_spans(statement, text)
            if reference.command < len(spans):
                return spans[reference.command]
        if reference.location is not None:
            return name_span(statement, text, reference.location)
        return _token_span(statement, text, reference.name)

    def _report(
        self,
        reference: Reference,
        statement: Statement,
        section: SectionContext,
        later: _Event | None,
        anchor: Statement | None = None,
        *,
        removed: _Event | None = None,
    ) -> None:
        name = reference.name
        category = reference.category
        shown = f"{reference.schema}.{name}" if reference.schema else name
        if category == "column":
            table = reference.table.name if reference.table else "?"
            error = f'column "{name}" of relation "{table}" does not exist'
            what = f"column `{name}` of `{table}`"
        elif category == "function":
            error = f"function {name}(…) does not exist"
            what = f"function `{shown}`"
        elif category == "index":
            error = f'index "{name}" does not exist'
            what = f"index `{shown}`"
        elif category == "relation":
            error = f'relation "{shown}" does not exist'
            what = f"`{shown}`"
        else:
            error = f'{category} "{name}" does not exist'
            what = f"{_WHAT[category]} `{shown}`"
        text = section.file.text
        if later is not None:
            line = text.count("\n", 0, later.statement.span.start) + 1
            verb = later.verb
            message = (
                f"{what} does not exist yet: it is created on line {line} (`{verb}`), after this "
                f"statement, so PostgreSQL fails here with `{error}`. Move the `{verb}` above "
                "this statement"
            )
        elif removed is not None:
            line = text.count("\n", 0, removed.statement.span.start) + 1
            gone = "dropped" if removed.verb.startswith("DROP") else "renamed"
            message = (
                f"{what} does not exist at this point: it was {gone} on line {line} "
                f"(`{removed.verb}`), so PostgreSQL fails here with `{error}`. Use the object "
                "before that statement, or its new name"
                if gone == "renamed"
                else f"{what} does not exist at this point: it was {gone} on line {line} "
                f"(`{removed.verb}`), so PostgreSQL fails here with `{error}`. Use it before "
                "that statement, or create it again first"
            )
        else:
            message = (
                f"{what} does not exist at this point: neither this migration nor an earlier "
                f"one creates it, so PostgreSQL fails here with `{error}`. Create it first, or "
                "check the name"
            )
        self.report(
            section,
            self._span(reference, statement, text),
            message,
            statement=anchor or statement,
        )


def _removal_verb(statement: Statement) -> str:
    """``DROP INDEX``, ``DROP COLUMN``, ``RENAME``: what took an object away, for messages."""
    body = statement.body
    if statement.kind == "DropStmt":
        kind = str(body.get("removeType", "")).removeprefix("OBJECT_").replace("_", " ")
        return f"DROP {kind}"
    if statement.kind == "AlterTableStmt":
        return "DROP COLUMN"
    return "RENAME"


def _setting_on(body: Node) -> bool:
    """The value a ``SET`` gives a boolean setting (``RESET`` and ``DEFAULT``: on)."""
    if body.get("kind") != "VAR_SET_VALUE":
        return True
    for arg in body.get("args") or []:
        const = arg.get("A_Const") or {}
        if "ival" in const:
            return bool(const["ival"].get("ival", 0))
        if "boolval" in const:
            return bool(const["boolval"].get("boolval", False))
        value = (const.get("sval") or {}).get("sval", "")
        return str(value).lower() not in ("off", "false", "0", "no", "of", "fa", "n")
    return True


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _token_span(statement: Statement, text: str, name: str) -> Span:
    """The first identifier in the statement spelling ``name``; else the statement."""
    start = statement.span.start
    chunk = text[start : statement.span.end]
    try:
        tokens = pg.scan(chunk)
    except pg.ParseError:
        return statement.span
    for token in tokens:
        raw = chunk[token.start : token.end + 1]
        value = raw[1:-1].replace('""', '"') if raw.startswith('"') else raw.translate(_ASCII_LOWER)
        if value == name:
            return Span(start + token.start, start + token.end + 1)
    return statement.span
