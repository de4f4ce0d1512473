"""Replay of statements into a `Catalog`: what each DDL statement creates, changes or drops.

Replay assumes the intended state: a statement that would fail still takes effect here, so one
mistake gives one finding, not a cascade downstream.
"""

from __future__ import annotations

import json
import re
from typing import Any

import attrs
from pglast.enums.parsenodes import TableLikeOption

from pgmig_lsp.catalog.deparse import (
    check_definition,
    index_definition,
    index_head,
    key_order,
    mentions,
)
from pgmig_lsp.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    Key,
    Origin,
    Policy,
    Sequence,
    Table,
    Trigger,
    TypeDef,
)
from pgmig_lsp.catalog.naming import (
    choose_name,
    expression_columns,
    index_column_names,
    name_addition,
)
from pgmig_lsp.sql.nodes import (
    Node,
    QualifiedName,
    TypeRef,
    def_options,
    drop_object_names,
    quote_identifier,
    relation_name,
    strings,
    type_ref,
)
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.plpgsql import function_statements

_CONTYPE = {
    "CONSTR_PRIMARY": "p",
    "CONSTR_UNIQUE": "u",
    "CONSTR_FOREIGN": "f",
    "CONSTR_CHECK": "c",
    "CONSTR_EXCLUSION": "x",
}


#: what ``LIKE … INCLUDING …`` copies
_LIKE_CONSTRAINTS = int(TableLikeOption.CREATE_TABLE_LIKE_CONSTRAINTS)
_LIKE_DEFAULTS = int(TableLikeOption.CREATE_TABLE_LIKE_DEFAULTS)
_LIKE_GENERATED = int(TableLikeOption.CREATE_TABLE_LIKE_GENERATED)
_LIKE_IDENTITY = int(TableLikeOption.CREATE_TABLE_LIKE_IDENTITY)
_LIKE_INDEXES = int(TableLikeOption.CREATE_TABLE_LIKE_INDEXES)

#: pg_constraint.confdeltype / confupdtype codes, as PostgreSQL prints the actions
_FK_ACTIONS = {
    "a": "NO ACTION",
    "r": "RESTRICT",
    "c": "CASCADE",
    "n": "SET NULL",
    "d": "SET DEFAULT",
}

#: the ``serial`` spellings and the integer type each stands for (``transformColumnDefinition``)
_SERIALS = {
    "smallserial": "int2",
    "serial2": "int2",
    "serial": "int4",
    "serial4": "int4",
    "bigserial": "int8",
    "serial8": "int8",
}

#: a sequence's data type as ``format_type`` spells it (``CREATE SEQUENCE … AS``, serial)
_SEQUENCE_TYPES = {"int2": "smallint", "int4": "integer", "int8": "bigint"}

# pg_trigger.tgtype bits (src/include/catalog/pg_trigger.h), as CreateTrigStmt carries them
_TRIGGER_BEFORE, _TRIGGER_INSTEAD = 2, 64
_TRIGGER_EVENTS = ((4, "INSERT"), (16, "UPDATE"), (8, "DELETE"), (32, "TRUNCATE"))

#: names of a relation-valued ``set_config('search_path', …)`` call
_SET_CONFIG = (("set_config",), ("pg_catalog", "set_config"))
_NEXTVAL = (("nextval",), ("pg_catalog", "nextval"))
_REGCLASS = (("regclass",), ("pg_catalog", "regclass"))


def _index_options(elem: Node) -> str | None:
    """What ``pg_get_indexdef`` prints after a key column's name; None for an expression."""
    if not elem.get("name"):
        return None
    text = ""
    collation = strings(elem.get("collation"))
    if collation:
        text += " COLLATE " + ".".join(quote_identifier(c) for c in collation)
    opclass = strings(elem.get("opclass"))
    if opclass:
        text += " " + ".".join(opclass)
    return text + key_order(elem)


def type_text(ref: TypeRef | None) -> str:
    """A readable spelling of a written type (``varchar(255)``, ``int4[]``, ``app.status``)."""
    if ref is None:
        return "unknown"
    name = ref.name if ref.schema == "pg_catalog" else ".".join(ref.names)
    if ref.modifiers:
        name += "(" + ",".join(str(m) for m in ref.modifiers) + ")"
    return name + ("[]" if ref.array else "")


@attrs.frozen
class TypeText:
    """A type as the catalog spells it (``varchar(255)``, ``app.status[]``), taken apart."""

    names: tuple[str, ...]
    modifiers: tuple[str, ...]
    array: bool

    @property
    def name(self) -> str:
        return self.names[-1] if self.names else ""


_TYPE_TEXT = re.compile(r"^(?P<name>[^()\[\]]*)(?:\((?P<mods>[^()]*)\))?(?P<array>(?:\[\])*)$")


def type_text_parts(text: str) -> TypeText:
    """Split the replay's ``type_text`` spelling into name parts, modifiers and array flag."""
    match = _TYPE_TEXT.match(text.strip())
    if match is None:
        return TypeText((text,), (), False)
    mods = match.group("mods")
    return TypeText(
        tuple(match.group("name").split(".")),
        tuple(m.strip() for m in mods.split(",")) if mods else (),
        bool(match.group("array")),
    )


def _base_type(text: str) -> str:
    """A column type's name without modifiers or array brackets."""
    return text.split("(", 1)[0].removesuffix("[]")


def _retyped(text: str, name: str) -> str:
    """``text`` (a column type) with its type name replaced by ``name``."""
    return name + text[len(_base_type(text)) :]


def _without_locations(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _without_locations(v) for k, v in node.items() if k != "location"}
    if isinstance(node, list):
        return [_without_locations(item) for item in node]
    return node


def _simple_text(node: Node) -> str | None:
    """SQL text of the simple expressions defaults are made of, None for anything else."""
    if "A_Const" in node:
        const = node["A_Const"]
        if const.get("isnull"):
            return "NULL"
        if "boolval" in const:
            return "true" if const["boolval"].get("boolval") else "false"
        if "ival" in const:
            return str(const["ival"].get("ival", 0))
        if "fval" in const:
            return str(const["fval"].get("fval", "0"))
        if "sval" in const:
            return "'" + str(const["sval"].get("sval", "")).replace("'", "''") + "'"
        return None
    if "TypeCast" in node:
        cast = node["TypeCast"]
        inner = _simple_text(cast.get("arg") or {})
        return None if inner is None else f"{inner}::{type_text(type_ref(cast.get('typeName')))}"
    if "FuncCall" in node:
        call = node["FuncCall"]
        if call.get("args") or call.get("agg_star"):
            return None
        return ".".join(strings(call.get("funcname"))) + "()"
    if "SQLValueFunction" in node:
        op = str(node["SQLValueFunction"].get("op", ""))
        return op.removeprefix("SVFOP_")
    return None


def search_path_schemas(value: str) -> tuple[str, ...]:
    """The schemas of a ``search_path`` value (``'"$user", public'``), without ``$user``."""
    schemas = []
    for part in split_qualified(value, ","):
        if part and part != "$user":
            schemas.append(part)
    return tuple(schemas)


def split_qualified(text: str, separator: str = ".") -> tuple[str, ...]:
    """Identifiers separated by ``separator``, as PostgreSQL reads them from text (``regclass``
    input, ``search_path``): double quotes kept apart, unquoted ASCII letters folded."""
    parts: list[str] = []
    current: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text.startswith('""', i):
                current.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                current.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == separator:
            parts.append("".join(current))
            current = []
        elif not ch.isspace():
            current.append(ch.lower() if ch.isascii() else ch)
        i += 1
    parts.append("".join(current))
    return tuple(parts)


def _string_const(node: Node | None) -> str | None:
    const = (node or {}).get("A_Const")
    if const is None or "sval" not in const:
        return None
    return str(const["sval"].get("sval", ""))


def _nextval_argument(node: Node | None) -> str | None:
    """The sequence name of ``nextval('name')`` / ``nextval('name'::regclass)``, else None."""
    call = (node or {}).get("FuncCall")
    if call is None or strings(call.get("funcname")) not in _NEXTVAL:
        return None
    args = call.get("args") or []
    if len(args) != 1:
        return None
    arg = args[0]
    if "TypeCast" in arg:
        cast = arg["TypeCast"]
        if strings((cast.get("typeName") or {}).get("names")) not in _REGCLASS:
            return None
        arg = cast.get("arg")
    return _string_const(arg)


def _reheaded(definition: str | None, old: str, new: str) -> str | None:
    """An index definition whose ``CREATE INDEX name ON table`` part changed, None if unknown."""
    if definition is None or not definition.startswith(old + " "):
        return None
    return new + definition[len(old) :]


def expression_key(node: Node | None) -> str:
    """A text that is equal for equal expressions, wherever they were written.

    Simple expressions (constants, casts of constants, calls without arguments) read as SQL;
    until expressions are printed as ``pg_get_expr`` does, others are their parse tree without
    positions: good for comparing, not for showing.
    """
    if not node:
        return "expr"
    simple = _simple_text(node)
    if simple is not None:
        return simple
    return json.dumps(_without_locations(node), sort_keys=True, separators=(",", ":"))


class Replay:
    """Applies statements of one migration to a catalog, remembering their origin."""

    def __init__(self, catalog: Catalog, migration: str) -> None:
        self.catalog = catalog
        self.migration = migration
        #: relations this replay created (that did not exist before), following renames
        self.created_tables: set[Key] = set()
        #: for unnamed constraints not yet added: the middle part of PostgreSQL's name for them
        self._name_parts: dict[int, str | None] = {}
        #: for exclusion constraints not yet added: their index's access method
        self._access_methods: dict[int, str] = {}
        #: for key constraints not yet added: their index's INCLUDE columns
        self._including: dict[int, tuple[str, ...]] = {}
        #: for CHECK constraints not yet added: their expression, and whether it is NO INHERIT
        #: (printed once the table has all its columns)
        self._checks: dict[int, tuple[Node | None, bool]] = {}

    def apply(self, statement: Statement, origin: Origin, file_text: str | None = None) -> None:
        """Apply one statement; with the file's text, the static SQL of a ``DO`` block too
        (as if it ran: a type created there, `CREATE … EXCEPTION WHEN duplicate_object`)."""
        if statement.kind == "DoStmt" and file_text is not None:
            for nested in function_statements(statement, file_text):
                self.apply(nested, Origin(origin.path, nested.span, origin.migration))
            return
        handler = _HANDLERS.get(statement.kind)
        if handler is not None:
            getattr(self, handler)(statement.body, origin)

    # -- helpers -------------------------------------------------------------------------

    def _key(self, name: QualifiedName, space: dict[Key, object]) -> Key:
        return self.catalog.resolve(name.schema, name.name, space)

    def _table_key(self, relation: Node | None) -> Key | None:
        name = relation_name(relation)
        return None if name is None else self._key(name, self.catalog.tables)  # type: ignore[arg-type]

    def _column(self, coldef: Node, origin: Origin) -> tuple[Column, list[Constraint], bool]:
        """A column definition: the column, its constraints, and whether it is a serial.

        A serial's type is already its integer type; `_add_serial` makes its sequence once the
        caller has added the column.
        """
        ref = type_ref(coldef.get("typeName"))
        serial = (
            ref is not None
            and ref.schema in (None, "pg_catalog")
            and ref.name in _SERIALS
            and not ref.array
            and not ref.modifiers
        )
        column = Column(
            name=coldef.get("colname", ""),
            type=_SERIALS[ref.name] if serial and ref is not None else type_text(ref),
        )
        column.origin = origin
        constraints = []
        for item in coldef.get("constraints", []) or []:
            con = item.get("Constraint", {})
            contype = con.get("contype")
            if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
                column.not_null = True
            if contype == "CONSTR_DEFAULT":
                column.default = self._default_text(con.get("raw_expr"))
            elif contype == "CONSTR_IDENTITY":
                column.identity = con.get("generated_when", "a")
                column.not_null = True
            elif contype == "CONSTR_GENERATED":
                column.generated = True
            if contype in _CONTYPE:
                constraints.append(self._constraint(con, origin, (column.name,)))
        if serial:
            column.not_null = True
        return column, constraints, serial

    def _add_serial(self, table: Table, column: Column, origin: Origin) -> None:
        """A serial column's sequence, owned by the column, and its ``nextval`` default."""
        schema = table.schema
        name = choose_name(
            table.name,
            column.name,
            "seq",
            lambda candidate: self._relation_name_taken(schema, candidate),
        )
        key = (schema, name)
        self.catalog.sequences[key] = self.catalog.adopt(
            Sequence(
                schema,
                name,
                origin,
                data_type=_SEQUENCE_TYPES.get(column.type, "integer"),
                owned_by=(schema, table.name, column.name),
            )
        )
        column.default = self._nextval(key)

    def _default_text(self, node: Node | None) -> str:
        """A column default: ``nextval`` of a sequence as ``pg_get_expr`` prints it, else the
        expression's `expression_key`."""
        sequence = _nextval_argument(node)
        if sequence is None:
            return expression_key(node)
        name = QualifiedName.from_parts(split_qualified(sequence))
        return self._nextval(self._key(name, self.catalog.sequences))  # type: ignore[arg-type]

    def _visible(self, key: Key) -> bool:
        """Whether the relation ``key`` is found by its bare name on the search path."""
        for schema in self.catalog.search_path:
            if schema == key[0]:
                return True
            if self._relation_name_taken(schema, key[1]):
                return False
        return False

    def _nextval(self, key: Key) -> str:
        """``nextval('seq'::regclass)`` as ``pg_get_expr`` prints it (qualified if not visible)."""
        name = quote_identifier(key[1])
        if not self._visible(key):
            name = f"{quote_identifier(key[0])}.{name}"
        return "nextval('" + name.replace("'", "''") + "'::regclass)"

    def _constraint(self, con: Node, origin: Origin, columns: tuple[str, ...] = ()) -> Constraint:
        ref = self._table_key(con.get("pktable"))
        contype = _CONTYPE.get(con.get("contype", ""), "c")
        if contype == "x":
            pairs = [
                (item.get("List") or {}).get("items") or [] for item in con.get("exclusions") or []
            ]
            elems = [pair[0] for pair in pairs if pair]
            columns = tuple(index_column_names(elems))
        elif contype == "c":
            # the columns the expression reads, in order of first use (StoreRelCheck), whether
            # it was written on a column or on the table
            columns = tuple(expression_columns(con.get("raw_expr")))
        constraint = Constraint(
            name=con.get("conname", ""),
            type=contype,
            columns=strings(con.get("keys")) or strings(con.get("fk_attrs")) or columns,
            references=ref,
            referenced_columns=strings(con.get("pk_attrs")),
            validated=not con.get("skip_validation", False),
            origin=origin,
        )
        if contype == "f":
            constraint.on_delete = _FK_ACTIONS.get(con.get("fk_del_action", "a"), "NO ACTION")
            constraint.on_update = _FK_ACTIONS.get(con.get("fk_upd_action", "a"), "NO ACTION")
        if contype == "x":
            self._access_methods[id(constraint)] = con.get("access_method") or "gist"
        if contype in ("p", "u") and con.get("including"):
            self._including[id(constraint)] = strings(con.get("including"))
        if contype == "c":
            self._checks[id(constraint)] = (con.get("raw_expr"), bool(con.get("is_no_inherit")))
        if not constraint.name:
            # what PostgreSQL's name for it is made of (see `_add_constraint`)
            if contype == "c":
                used = expression_columns(con.get("raw_expr"))
                self._name_parts[id(constraint)] = used[0] if len(used) == 1 else None
            elif contype in ("u", "x"):
                including = strings(con.get("including"))
                self._name_parts[id(constraint)] = name_addition((*constraint.columns, *including))
            elif contype == "f":
                self._name_parts[id(constraint)] = name_addition(constraint.columns)
        return constraint

    def _relation_name_taken(self, schema: str, name: str) -> bool:
        key = (schema, name)
        catalog = self.catalog
        if key in catalog.tables or key in catalog.indexes or key in catalog.sequences:
            return True
        typedef = catalog.types.get(key)
        return typedef is not None and typedef.kind == "composite"

    def _constraint_name(self, table: Table, con: Constraint) -> str:
        """The name PostgreSQL gives an unnamed constraint of ``table``."""
        schema = table.schema
        addition = self._name_parts.pop(id(con), None)
        if con.type in ("p", "u", "x"):
            # the name of the backing index too: not taken by a relation or a constraint
            label = {"p": "pkey", "u": "key", "x": "excl"}[con.type]
            return choose_name(
                table.name,
                None if con.type == "p" else addition,
                label,
                lambda name: (
                    self._relation_name_taken(schema, name)
                    or self.catalog.constraint_name_taken(schema, name)
                ),
            )
        label = "fkey" if con.type == "f" else "check"
        taken = self.catalog.constraint_name_taken
        return choose_name(table.name, addition, label, lambda name: taken(schema, name))

    def _add_constraint(self, table: Table, con: Constraint) -> None:
        if not con.name:
            con.name = self._constraint_name(table, con)
        check = self._checks.pop(id(con), None)
        if check is not None and con.definition is None:
            con.definition = check_definition(
                check[0], table, self.catalog, validated=con.validated, no_inherit=check[1]
            )
        table.constraints[con.name] = con
        self.catalog.note_constraint(table.key, con.name)
        if con.type == "f" and con.references is not None:
            self.catalog.note_foreign_key(table.key, con.references)
        if con.type in ("p", "u", "x"):
            # the backing index, as PostgreSQL creates it
            self.catalog.put_index(
                (table.schema, con.name),
                Index(
                    schema=table.schema,
                    name=con.name,
                    table=table.key,
                    columns=con.columns,
                    unique=con.type != "x",
                    method=self._access_methods.pop(id(con), "btree"),
                    origin=con.origin,
                    options=("",) * len(con.columns) if con.type != "x" else None,
                    include=self._including.pop(id(con), ()),
                ),
            )
        if con.type == "p":
            for column_name in con.columns:
                column = table.columns.get(column_name)
                if column is not None:
                    column.not_null = True

    def _forget_definitions(self, table: Table, name: str) -> None:
        """Printed CHECK and index definitions of ``table`` that may name ``name`` (a column
        renamed or retyped, a type renamed) become unknown: PostgreSQL would print them
        otherwise."""
        for constraint in table.constraints.values():
            printed = constraint.definition
            if constraint.type == "c" and printed is not None and mentions(printed, name):
                constraint.definition = None
        for index_key in self.catalog.index_keys_on(table.key):
            index = self.catalog.indexes[index_key]
            if index.definition is not None and mentions(index.definition, name):
                writable = self.catalog.writable_index(index_key)
                assert writable is not None
                writable.definition = None

    def _forget_type_definitions(self, name: str) -> None:
        """Definitions that may print the type ``name`` (renamed, or an enum value renamed)."""
        catalog = self.catalog
        for table in list(catalog.tables.values()):
            printed = [c.definition for c in table.constraints.values() if c.type == "c"]
            printed += [catalog.indexes[k].definition for k in catalog.index_keys_on(table.key)]
            if any(text is not None and mentions(text, name) for text in printed):
                writable = catalog.writable_table(table.key)
                assert writable is not None
                self._forget_definitions(writable, name)

    def _add_relation(self, key: Key, table: Table) -> Table:
        """Store a table or view this replay created; it is new unless the name was taken."""
        if key not in self.catalog.tables:
            self.created_tables.add(key)
        self.catalog.tables[key] = self.catalog.adopt(table)
        return table

    # -- statements ----------------------------------------------------------------------

    def _create_table(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("relation"))
        if key is None or (key in self.catalog.tables and body.get("if_not_exists")):
            return
        table = self._add_relation(key, Table(schema=key[0], name=key[1], origin=origin))
        pending: list[Constraint] = []
        for element in body.get("tableElts", []) or []:
            if "ColumnDef" in element:
                column, constraints, serial = self._column(element["ColumnDef"], origin)
                table.columns[column.name] = column
                if serial:
                    self._add_serial(table, column, origin)
                pending.extend(constraints)
            elif "Constraint" in element:
                con = element["Constraint"]
                if con.get("contype") in _CONTYPE:
                    pending.append(self._constraint(con, origin))
            elif "TableLikeClause" in element:
                pending.extend(self._copy_like(table, element["TableLikeClause"], origin))
        for con in pending:
            self._add_constraint(table, con)

    def _copy_like(self, table: Table, like: Node, origin: Origin) -> list[Constraint]:
        """``LIKE source [INCLUDING …]``: the columns, and what the options ask for; returns the
        key constraints to add (named for the new table, as PostgreSQL names them)."""
        source_key = self._table_key(like.get("relation"))
        source = self.catalog.tables.get(source_key) if source_key is not None else None
        if source is None:
            return []  # a table the catalog does not know: its columns are not known either
        options = int(like.get("options", 0))
        for column in source.columns.values():
            copied = Column(column.name, column.type, column.not_null, origin=origin)
            if options & _LIKE_DEFAULTS:
                copied.default = column.default
            if options & _LIKE_IDENTITY:
                copied.identity = column.identity
            if options & _LIKE_GENERATED:
                copied.generated = column.generated
                copied.generation_expression = column.generation_expression
            table.columns[copied.name] = copied
        if options & _LIKE_CONSTRAINTS:
            for constraint in source.constraints.values():
                if constraint.type == "c":  # CHECK constraints keep their names
                    table.constraints[constraint.name] = attrs.evolve(constraint, origin=origin)
                    self.catalog.note_constraint(table.key, constraint.name)
        keys: list[Constraint] = []
        if options & _LIKE_INDEXES:
            for index in self.catalog.indexes_on(source.key):
                backing = source.constraints.get(index.name)
                if backing is not None and backing.type in ("p", "u"):
                    keys.append(Constraint("", backing.type, backing.columns, origin=origin))
                    if backing.type == "u":
                        self._name_parts[id(keys[-1])] = name_addition(backing.columns)
                elif backing is None:
                    names = index.column_names or (
                        *(c or "expr" for c in index.columns),
                        *index.include,
                    )
                    copied_index = attrs.evolve(
                        index,
                        schema=table.schema,
                        table=table.key,
                        origin=origin,
                        definition=None,
                        name=choose_name(
                            table.name,
                            name_addition(names),
                            "idx",
                            lambda name: self._relation_name_taken(table.schema, name),
                        ),
                    )
                    self.catalog.put_index((table.schema, copied_index.name), copied_index)
        return keys

    def _alter_table(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("relation"))
        if key is None:
            return
        table = self.catalog.writable_table(key)
        if table is None:
            return
        for item in body.get("cmds", []) or []:
            cmd = item.get("AlterTableCmd", {})
            subtype = cmd.get("subtype")
            name = cmd.get("name", "")
            definition = cmd.get("def") or {}
            if subtype == "AT_AddColumn" and "ColumnDef" in definition:
                column, constraints, serial = self._column(definition["ColumnDef"], origin)
                if column.name in table.columns and cmd.get("missing_ok"):
                    continue
                table.columns[column.name] = column
                if serial:
                    self._add_serial(table, column, origin)
                for con in constraints:
                    self._add_constraint(table, con)
            elif subtype == "AT_DropColumn":
                self._drop_column(table, name)
            elif subtype == "AT_AlterColumnType" and name in table.columns:
                table.columns[name].type = type_text(
                    type_ref(definition.get("ColumnDef", {}).get("typeName"))
                )
                # PostgreSQL analyzes its expressions again, with other casts
                self._forget_definitions(table, name)
            elif subtype == "AT_SetNotNull" and name in table.columns:
                table.columns[name].not_null = True
            elif subtype == "AT_DropNotNull" and name in table.columns:
                table.columns[name].not_null = False
            elif subtype == "AT_ColumnDefault" and name in table.columns:
                table.columns[name].default = self._default_text(definition) if definition else None
            elif subtype == "AT_AddIdentity" and name in table.columns:
                identity = (definition.get("Constraint") or {}).get("generated_when", "a")
                table.columns[name].identity = identity
                table.columns[name].not_null = True
            elif subtype == "AT_SetIdentity" and name in table.columns:
                items = (definition.get("List") or {}).get("items") or []
                generated = def_options(items).get("generated")
                if generated is not None and "Integer" in generated:
                    table.columns[name].identity = chr(generated["Integer"].get("ival", 97))
            elif subtype == "AT_DropIdentity" and name in table.columns:
                table.columns[name].identity = None
            elif subtype == "AT_AddConstraint" and "Constraint" in definition:
                con = definition["Constraint"]
                if con.get("contype") in _CONTYPE:
                    constraint = self._constraint(con, origin)
                    index_name = con.get("indexname")
                    if index_name:
                        # USING INDEX: the index becomes the constraint's, renamed after it
                        used = self.catalog.drop_index((table.schema, index_name))
                        if used is not None:
                            constraint.columns = tuple(c for c in used.columns if c is not None)
                        if not constraint.name:
                            constraint.name = index_name
                            self._name_parts.pop(id(constraint), None)
                    self._add_constraint(table, constraint)
            elif subtype == "AT_DropConstraint":
                table.constraints.pop(name, None)
                self.catalog.drop_index((table.schema, name))
            elif subtype == "AT_ValidateConstraint" and name in table.constraints:
                validated = table.constraints[name]
                validated.validated = True
                if validated.definition is not None:
                    validated.definition = validated.definition.removesuffix(" NOT VALID")
            elif subtype == "AT_EnableRowSecurity":
                table.rls_enabled = True
            elif subtype == "AT_DisableRowSecurity":
                table.rls_enabled = False
            elif subtype == "AT_ForceRowSecurity":
                table.rls_forced = True
            elif subtype == "AT_NoForceRowSecurity":
                table.rls_forced = False

    def _create_index(self, body: Node, origin: Origin) -> None:
        table = self._table_key(body.get("relation"))
        if table is None:
            return
        params = body.get("indexParams", []) or []
        columns: list[str | None] = [(p.get("IndexElem") or {}).get("name") for p in params]
        column_names = index_column_names([*params, *(body.get("indexIncludingParams") or [])])
        name = body.get("idxname") or choose_name(
            table[1],
            name_addition(column_names),
            "idx",
            lambda candidate: self._relation_name_taken(table[0], candidate),
        )
        key = (table[0], name)
        if key in self.catalog.indexes and body.get("if_not_exists"):
            return
        options = [_index_options(p.get("IndexElem") or {}) for p in params]
        owner = self.catalog.tables.get(table)
        printed = None
        if owner is not None and (None in options or body.get("whereClause") is not None):
            # plain columns only: the snapshot prints those from the parts
            printed = index_definition(body, name, owner, self.catalog)
        self.catalog.put_index(
            key,
            Index(
                schema=table[0],
                name=name,
                table=table,
                columns=tuple(columns),
                unique=bool(body.get("unique")),
                partial=body.get("whereClause") is not None,
                method=body.get("accessMethod", "btree"),
                origin=origin,
                options=None if None in options else tuple(o for o in options if o is not None),
                include=tuple(
                    (p.get("IndexElem") or {}).get("name") or ""
                    for p in body.get("indexIncludingParams") or []
                ),
                column_names=tuple(column_names),
                definition=printed,
            ),
        )

    def _drop(self, body: Node, origin: Origin) -> None:
        kind = body.get("removeType", "")
        for parts in drop_object_names(body):
            self._drop_one(kind, parts, body.get("behavior") == "DROP_CASCADE")

    def _drop_one(self, kind: str, parts: tuple[str, ...], cascade: bool) -> None:
        catalog = self.catalog
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            key = self._key(QualifiedName.from_parts(parts), catalog.tables)  # type: ignore[arg-type]
            referencing = [t.key for t in catalog.referencing_tables(key)] if cascade else []
            if catalog.tables.pop(key, None) is not None:
                for index_key in catalog.index_keys_on(key):
                    catalog.drop_index(index_key)
                self._drop_owned_sequences(key)
            # CASCADE drops the foreign keys to it (not the tables that hold them)
            for other_key in referencing:
                other = catalog.writable_table(other_key)
                if other is not None:
                    other.constraints = {
                        name: c
                        for name, c in other.constraints.items()
                        if not (c.type == "f" and c.references == key)
                    }
        elif kind == "OBJECT_INDEX":
            catalog.drop_index(
                self._key(QualifiedName.from_parts(parts), catalog.indexes)  # type: ignore[arg-type]
            )
        elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            key = self._key(QualifiedName.from_parts(parts), catalog.types)  # type: ignore[arg-type]
            if catalog.types.pop(key, None) is not None and cascade:
                self._drop_columns_of_type(key)
        elif kind in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"):
            key = self._key(QualifiedName.from_parts(parts), catalog.functions)  # type: ignore[arg-type]
            if catalog.functions.pop(key, None) is not None and cascade:
                self._drop_triggers_calling(key)
        elif kind == "OBJECT_SEQUENCE":
            catalog.sequences.pop(
                self._key(QualifiedName.from_parts(parts), catalog.sequences),  # type: ignore[arg-type]
                None,
            )
        elif kind == "OBJECT_SCHEMA":
            schema = parts[-1]
            catalog.schemas.discard(schema)
            if cascade:
                spaces: tuple[dict[Key, Any], ...] = (
                    catalog.tables,
                    catalog.types,
                    catalog.functions,
                    catalog.sequences,
                )
                for space in spaces:
                    for key in [k for k in space if k[0] == schema]:
                        del space[key]
                for key in [k for k in catalog.indexes if k[0] == schema]:
                    catalog.drop_index(key)
        elif kind in ("OBJECT_TRIGGER", "OBJECT_POLICY") and len(parts) >= 2:
            found = catalog.table(parts[-3] if len(parts) >= 3 else None, parts[-2])
            table = catalog.writable_table(found.key) if found is not None else None
            if table is not None and kind == "OBJECT_TRIGGER":
                table.triggers.pop(parts[-1], None)
            elif table is not None:
                table.policies.pop(parts[-1], None)
        elif kind == "OBJECT_EXTENSION":
            catalog.extensions.discard(parts[-1])

    def _drop_columns_of_type(self, key: Key) -> None:
        """``DROP TYPE … CASCADE`` drops the columns of that type, with their indexes."""
        catalog = self.catalog
        names = {key[1], ".".join(key)}
        for table in list(catalog.tables.values()):
            doomed = [c.name for c in table.columns.values() if _base_type(c.type) in names]
            if not doomed:
                continue
            writable = catalog.writable_table(table.key)
            assert writable is not None
            for column in doomed:
                self._drop_column(writable, column)

    def _drop_triggers_calling(self, key: Key) -> None:
        """``DROP FUNCTION … CASCADE`` drops the triggers that call it."""
        catalog = self.catalog
        names = {key[1], ".".join(key)}
        for table in list(catalog.tables.values()):
            if not any(t.function in names for t in table.triggers.values()):
                continue
            writable = catalog.writable_table(table.key)
            assert writable is not None
            writable.triggers = {
                n: t for n, t in writable.triggers.items() if t.function not in names
            }

    def _drop_owned_sequences(self, table: Key, column: str | None = None) -> None:
        """Sequences owned by the table (or one of its columns) go with it (serial, OWNED BY)."""
        sequences = self.catalog.sequences
        doomed = [
            key
            for key, sequence in sequences.items()
            if sequence.owned_by is not None
            and sequence.owned_by[:2] == table
            and (column is None or sequence.owned_by[2] == column)
        ]
        for key in doomed:
            del sequences[key]

    def _owners_renamed(self, table: Key, new_table: Key, column: str | None, new: str) -> None:
        """``OWNED BY`` follows a renamed table (``column`` None) or column."""
        sequences = self.catalog.sequences
        for key, sequence in list(sequences.items()):
            owner = sequence.owned_by
            if owner is None or owner[:2] != table:
                continue
            if column is None:
                sequences[key] = attrs.evolve(sequence, owned_by=(*new_table, owner[2]))
            elif owner[2] == column:
                sequences[key] = attrs.evolve(sequence, owned_by=(*table, new))

    def _drop_column(self, table: Table, name: str) -> None:
        """A column goes, with the table's constraints and indexes that use it, and the
        sequence it owns."""
        if name in table.columns:
            self._drop_owned_sequences(table.key, name)
        table.columns.pop(name, None)
        self._forget_definitions(table, name)
        for con_name, con in list(table.constraints.items()):
            if name in con.columns:
                del table.constraints[con_name]
        for index in self.catalog.indexes_on(table.key):
            if name in index.columns:
                self.catalog.drop_index((index.schema, index.name))

    def _create_enum(self, body: Node, origin: Origin) -> None:
        name = QualifiedName.from_parts(strings(body.get("typeName")))
        key = self._key(name, self.catalog.types)  # type: ignore[arg-type]
        values = list(strings(body.get("vals")))
        self.catalog.types[key] = TypeDef(key[0], key[1], "enum", values, origin)

    def _alter_enum(self, body: Node, origin: Origin) -> None:
        name = QualifiedName.from_parts(strings(body.get("typeName")))
        found = self.catalog.type(name.schema, name.name)
        typedef = self.catalog.writable_type((found.schema, found.name)) if found else None
        if typedef is None or not body.get("newVal"):
            return
        if body.get("oldVal"):  # RENAME VALUE
            # an enum constant is its value's OID: a CHECK prints the new label
            self._forget_type_definitions(typedef.name)
            values = typedef.values
            if body["oldVal"] in values:
                values[values.index(body["oldVal"])] = body["newVal"]
            return
        if body["newVal"] in typedef.values:
            return
        neighbour = body.get("newValNeighbor")
        if neighbour in typedef.values:
            at = typedef.values.index(neighbour) + (1 if body.get("newValIsAfter") else 0)
            typedef.values.insert(at, body["newVal"])
        else:
            typedef.values.append(body["newVal"])

    def _create_composite(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("typevar"))
        if key is not None:
            self.catalog.types[key] = TypeDef(key[0], key[1], "composite", origin=origin)

    def _create_domain(self, body: Node, origin: Origin) -> None:
        name = QualifiedName.from_parts(strings(body.get("domainname")))
        key = self._key(name, self.catalog.types)  # type: ignore[arg-type]
        self.catalog.types[key] = TypeDef(key[0], key[1], "domain", origin=origin)

    def _create_function(self, body: Node, origin: Origin) -> None:
        name = QualifiedName.from_parts(strings(body.get("funcname")))
        key = self._key(name, self.catalog.functions)  # type: ignore[arg-type]
        options = def_options(body.get("options"))
        volatility = "v"
        raw = options.get("volatility")
        if raw and "String" in raw:
            volatility = raw["String"].get("sval", "volatile")[:1]
        language = options.get("language")
        arguments = tuple(
            type_text(type_ref(p.get("FunctionParameter", {}).get("argType")))
            for p in body.get("parameters", []) or []
            if p.get("FunctionParameter", {}).get("mode", "FUNC_PARAM_IN")
            in ("FUNC_PARAM_IN", "FUNC_PARAM_INOUT", "FUNC_PARAM_VARIADIC", "FUNC_PARAM_DEFAULT")
        )
        function = Function(
            schema=key[0],
            name=key[1],
            arguments=arguments,
            returns=type_text(type_ref(body.get("returnType"))) if body.get("returnType") else None,
            volatility=volatility,
            language=language["String"].get("sval", "sql") if language else "sql",
            origin=origin,
            kind="p" if body.get("is_procedure") else "f",
        )
        # a new list: forks share the old one (copy on write)
        kept = [f for f in self.catalog.functions.get(key, []) if f.arguments != arguments]
        self.catalog.functions[key] = [*kept, function]

    def _create_trigger(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("relation"))
        table = self.catalog.writable_table(key) if key else None
        if table is not None:
            function = ".".join(strings(body.get("funcname")))
            timing = body.get("timing", 0)
            events = body.get("events", 0)
            table.triggers[body.get("trigname", "")] = Trigger(
                body.get("trigname", ""),
                function,
                origin,
                timing="INSTEAD OF"
                if timing & _TRIGGER_INSTEAD
                else "BEFORE"
                if timing & _TRIGGER_BEFORE
                else "AFTER",
                events=tuple(event for bit, event in _TRIGGER_EVENTS if events & bit),
                for_each_row=bool(body.get("row")),
            )

    def _create_policy(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("table"))
        table = self.catalog.writable_table(key) if key else None
        if table is not None:
            roles = []
            for item in body.get("roles") or []:
                spec = item.get("RoleSpec") or {}
                if spec.get("roletype") == "ROLESPEC_PUBLIC":
                    roles.append("public")
                elif spec.get("roletype") == "ROLESPEC_CSTRING":
                    roles.append(spec.get("rolename", ""))
                else:  # CURRENT_USER and the like: not known without a session
                    roles = []
                    break
            table.policies[body.get("policy_name", "")] = Policy(
                body.get("policy_name", ""),
                origin,
                command=str(body.get("cmd_name", "all")).upper(),
                permissive=bool(body.get("permissive")),
                roles=tuple(sorted(roles)),
            )

    def _create_view(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("view"))
        if key is not None:
            self._add_relation(key, Table(schema=key[0], name=key[1], kind="view", origin=origin))

    def _create_table_as(self, body: Node, origin: Origin) -> None:
        into = body.get("into", {}).get("IntoClause", body.get("into", {}))
        key = self._table_key(into.get("rel"))
        if key is None or (key in self.catalog.tables and body.get("if_not_exists")):
            return
        matview = body.get("objtype") == "OBJECT_MATVIEW"
        table = Table(
            schema=key[0],
            name=key[1],
            kind="matview" if matview else "table",
            unpopulated=bool(matview and into.get("skipData")),
            origin=origin,
        )
        for column in strings(into.get("colNames")):
            table.columns[column] = Column(column, "unknown", origin=origin)
        self._add_relation(key, table)

    def _refresh(self, body: Node, origin: Origin) -> None:
        key = self._table_key(body.get("relation"))
        table = self.catalog.writable_table(key) if key else None
        if table is not None:
            table.unpopulated = bool(body.get("skipData"))

    def _create_schema(self, body: Node, origin: Origin) -> None:
        if body.get("schemaname"):
            self.catalog.schemas.add(body["schemaname"])

    def _create_sequence(self, body: Node, origin: Origin) -> None:
        name = relation_name(body.get("sequence"))
        if name is None:
            return
        key = self._key(name, self.catalog.sequences)  # type: ignore[arg-type]
        if key in self.catalog.sequences and body.get("if_not_exists"):
            return
        sequence = Sequence(key[0], key[1], origin, data_type="bigint")
        self.catalog.sequences[key] = self._sequence_options(sequence, body.get("options"))

    def _alter_sequence(self, body: Node, origin: Origin) -> None:
        name = relation_name(body.get("sequence"))
        if name is None:
            return
        key = self._key(name, self.catalog.sequences)  # type: ignore[arg-type]
        sequence = self.catalog.sequences.get(key)
        if sequence is not None:
            # a new object: the old one may be shared with a fork
            self.catalog.sequences[key] = self._sequence_options(
                attrs.evolve(sequence), body.get("options")
            )

    def _sequence_options(self, sequence: Sequence, options: list[Node] | None) -> Sequence:
        """``AS type`` and ``OWNED BY table.column | NONE`` applied to ``sequence``."""
        given = def_options(options)
        as_type = given.get("as")
        if as_type is not None and "TypeName" in as_type:
            spelled = type_text(type_ref(as_type))
            sequence.data_type = _SEQUENCE_TYPES.get(spelled, spelled)
        owner = given.get("owned_by")
        if owner is not None:
            parts = strings((owner.get("List") or {}).get("items"))
            if len(parts) >= 2:
                table = self._key(QualifiedName.from_parts(parts[:-1]), self.catalog.tables)  # type: ignore[arg-type]
                sequence.owned_by = (*table, parts[-1])
            else:  # OWNED BY NONE
                sequence.owned_by = None
        return sequence

    def _comment(self, body: Node, origin: Origin) -> None:
        """``COMMENT ON TABLE | VIEW | MATERIALIZED VIEW | COLUMN``; other objects are not kept."""
        kind = body.get("objtype")
        target = body.get("object") or {}
        parts = strings((target.get("List") or {}).get("items"))
        comment = body.get("comment")
        if kind == "OBJECT_COLUMN" and len(parts) >= 2:
            key = self._key(QualifiedName.from_parts(parts[:-1]), self.catalog.tables)  # type: ignore[arg-type]
            table = self.catalog.writable_table(key)
            if table is not None and parts[-1] in table.columns:
                table.columns[parts[-1]].comment = comment
        elif kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            key = self._key(QualifiedName.from_parts(parts), self.catalog.tables)  # type: ignore[arg-type]
            table = self.catalog.writable_table(key)
            if table is not None:
                table.comment = comment

    def _select(self, body: Node, origin: Origin) -> None:
        """``SELECT [pg_catalog.]set_config('search_path', '…', …)``, as ``pg_dump`` writes."""
        targets = body.get("targetList") or []
        if len(targets) != 1 or body.get("fromClause"):
            return
        call = ((targets[0].get("ResTarget") or {}).get("val") or {}).get("FuncCall")
        if call is None or strings(call.get("funcname")) not in _SET_CONFIG:
            return
        args = call.get("args") or []
        if len(args) == 3 and _string_const(args[0]) == "search_path":
            value = _string_const(args[1])
            if value is not None:
                self.catalog.search_path = search_path_schemas(value)

    def _create_extension(self, body: Node, origin: Origin) -> None:
        if body.get("extname"):
            self.catalog.extensions.add(body["extname"])

    def _rename(self, body: Node, origin: Origin) -> None:
        kind = body.get("renameType")
        new = body.get("newname", "")
        if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN", "OBJECT_FUNCTION", "OBJECT_PROCEDURE"):
            self._rename_named(kind, body, new)
            return
        catalog = self.catalog
        relation = relation_name(body.get("relation"))
        if relation is None:
            return
        key = self._key(relation, catalog.tables)  # type: ignore[arg-type]
        if kind in ("OBJECT_SEQUENCE", "OBJECT_INDEX"):
            space = catalog.sequences if kind == "OBJECT_SEQUENCE" else catalog.indexes
            key = self._key(relation, space)  # type: ignore[arg-type]
        if kind in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            if key in catalog.tables:
                self._rename_table(key, new)
            elif key in catalog.sequences:  # ALTER TABLE works on sequences too
                self._rename_sequence(key, new)
        elif kind == "OBJECT_SEQUENCE" and key in catalog.sequences:
            self._rename_sequence(key, new)
        elif kind == "OBJECT_COLUMN" and key in catalog.tables:
            self._rename_column(key, body.get("subname", ""), new)
        elif kind == "OBJECT_TABCONSTRAINT" and key in catalog.tables:
            self._rename_constraint(key, body.get("subname", ""), new)
        elif kind == "OBJECT_INDEX":
            index = catalog.indexes.get(key)
            if index is None:
                return
            owner = catalog.tables.get(index.table)
            if owner is not None and key[1] in owner.constraints:
                # the index of a key or exclusion constraint: the constraint is renamed too
                self._rename_constraint(index.table, key[1], new)
            else:
                self._rename_index(key, new)

    def _rename_table(self, key: Key, new: str) -> None:
        catalog = self.catalog
        referencing = [t.key for t in catalog.referencing_tables(key)]
        table = catalog.writable_table(key)
        assert table is not None
        del catalog.tables[key]
        table.name = new
        catalog.tables[table.key] = table
        # foreign keys point at the table itself, not at its name
        for other_key in [*referencing, table.key]:
            other = catalog.writable_table(other_key)
            if other is None:
                continue
            for constraint in other.constraints.values():
                if constraint.type == "f" and constraint.references == key:
                    constraint.references = table.key
        for constraint in table.constraints.values():
            catalog.note_constraint(table.key, constraint.name)
            if constraint.type == "f" and constraint.references is not None:
                catalog.note_foreign_key(table.key, constraint.references)
        for other_key in referencing:
            catalog.note_foreign_key(other_key, table.key)
        if key in self.created_tables:
            self.created_tables.add(table.key)
        catalog.move_indexes(key, table.key)
        for index_key in catalog.index_keys_on(table.key):
            index = catalog.indexes[index_key]
            if index.definition is not None:
                writable = catalog.writable_index(index_key)
                assert writable is not None
                writable.definition = _reheaded(
                    index.definition,
                    index_head(index.name, key, index.unique),
                    index_head(index.name, table.key, index.unique),
                )
        self._owners_renamed(key, table.key, None, new)

    def _rename_column(self, key: Key, old: str, new: str) -> None:
        catalog = self.catalog
        table = catalog.writable_table(key)
        if table is None or old not in table.columns:
            return
        table.columns[old].name = new
        # keep the column's place in the table
        table.columns = {c.name: c for c in table.columns.values()}
        self._forget_definitions(table, old)
        self._owners_renamed(key, key, old, new)

        def renamed(columns: tuple[str | None, ...]) -> tuple[str, ...]:
            return tuple(new if c == old else c for c in columns)  # type: ignore[misc]

        for constraint in table.constraints.values():
            constraint.columns = renamed(constraint.columns)
            if constraint.type == "f" and constraint.references == key:
                constraint.referenced_columns = renamed(constraint.referenced_columns)
        for other in catalog.referencing_tables(key):
            writable = catalog.writable_table(other.key)
            assert writable is not None
            for constraint in writable.constraints.values():
                if constraint.type == "f" and constraint.references == key:
                    constraint.referenced_columns = renamed(constraint.referenced_columns)
        for index_key in catalog.index_keys_on(key):
            index = catalog.writable_index(index_key)
            if index is not None and (old in index.columns or old in index.include):
                index.columns = tuple(new if c == old else c for c in index.columns)
                index.include = renamed(index.include)

    def _rename_constraint(self, key: Key, old: str, new: str) -> None:
        table = self.catalog.writable_table(key)
        if table is None or old not in table.constraints:
            return
        constraint = table.constraints.pop(old)
        constraint.name = new
        table.constraints[new] = constraint
        self.catalog.note_constraint(table.key, new)
        if constraint.type in ("p", "u", "x"):
            self._rename_index((table.schema, old), new)

    def _rename_index(self, key: Key, new: str) -> None:
        catalog = self.catalog
        renamed = catalog.writable_index(key)
        if renamed is not None:
            catalog.drop_index(key)
            renamed.definition = _reheaded(
                renamed.definition,
                index_head(renamed.name, renamed.table, renamed.unique),
                index_head(new, renamed.table, renamed.unique),
            )
            renamed.name = new
            catalog.put_index((renamed.schema, new), renamed)

    def _rename_sequence(self, key: Key, new: str) -> None:
        printed = self._nextval(key)
        sequence = self.catalog.sequences.pop(key)
        self.catalog.sequences[(key[0], new)] = attrs.evolve(sequence, name=new)
        # the owner's default names the sequence by OID: it prints the new name
        owner = sequence.owned_by
        table = self.catalog.writable_table(owner[:2]) if owner is not None else None
        column = table.columns.get(owner[2]) if table is not None and owner is not None else None
        if column is not None and column.default == printed:
            column.default = self._nextval((key[0], new))

    def _rename_named(self, kind: str, body: Node, new: str) -> None:
        """``ALTER TYPE/DOMAIN/FUNCTION … RENAME TO``: what uses it follows (by OID)."""
        catalog = self.catalog
        target = body.get("object") or {}
        if kind in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE"):
            signature = target.get("ObjectWithArgs") or {}
            name = QualifiedName.from_parts(strings(signature.get("objname")))
            key = self._key(name, catalog.functions)  # type: ignore[arg-type]
            overloads = catalog.functions.get(key)
            if not overloads:
                return
            new_key = (key[0], new)
            # without argument types, the one function of that name
            moved = [attrs.evolve(f, name=new) for f in overloads]
            del catalog.functions[key]
            catalog.functions[new_key] = [*catalog.functions.get(new_key, []), *moved]
            old_names = {".".join(key), key[1]}
            for table in list(catalog.tables.values()):
                if any(t.function in old_names for t in table.triggers.values()):
                    writable = catalog.writable_table(table.key)
                    assert writable is not None
                    writable.triggers = {
                        n: attrs.evolve(t, function=".".join(new_key))
                        if t.function in old_names
                        else t
                        for n, t in writable.triggers.items()
                    }
            return
        parts = strings(target.get("List", {}).get("items")) if "List" in target else ()
        if not parts:
            parts = strings(target.get("TypeName", {}).get("names"))
        name = QualifiedName.from_parts(parts)
        key = self._key(name, catalog.types)  # type: ignore[arg-type]
        typedef = catalog.types.pop(key, None)
        if typedef is None:
            return
        new_key = (key[0], new)
        catalog.types[new_key] = attrs.evolve(typedef, name=new)
        self._forget_type_definitions(key[1])
        old_names = {key[1], ".".join(key)}
        for table in list(catalog.tables.values()):
            if any(_base_type(c.type) in old_names for c in table.columns.values()):
                writable = catalog.writable_table(table.key)
                assert writable is not None
                for column in writable.columns.values():
                    if _base_type(column.type) in old_names:
                        column.type = _retyped(
                            column.type, ".".join(new_key) if "." in column.type else new
                        )

    def _set(self, body: Node, origin: Origin) -> None:
        if body.get("name") != "search_path":
            return
        if body.get("kind") in ("VAR_SET_DEFAULT", "VAR_RESET"):
            self.catalog.search_path = ("public",)  # the default, "$user", public
            return
        if body.get("kind") != "VAR_SET_VALUE":
            return
        schemas: list[str] = []
        values = [_string_const(arg) for arg in body.get("args", []) or []]
        for value in values:
            if value:
                schemas.extend(s.strip().strip('"') for s in value.split(","))
        if schemas:
            self.catalog.search_path = tuple(s for s in schemas if s != "$user")
        elif values == [""]:
            self.catalog.search_path = ()  # SET search_path = '': every name qualified


#: the `Replay` method applying each kind of statement (names, not bound methods: a replay that
#: held its own methods would be a reference cycle, left for the garbage collector)
_HANDLERS: dict[str, str] = {
    "CreateStmt": "_create_table",
    "AlterTableStmt": "_alter_table",
    "IndexStmt": "_create_index",
    "DropStmt": "_drop",
    "CreateEnumStmt": "_create_enum",
    "AlterEnumStmt": "_alter_enum",
    "CompositeTypeStmt": "_create_composite",
    "CreateDomainStmt": "_create_domain",
    "CreateFunctionStmt": "_create_function",
    "CreateTrigStmt": "_create_trigger",
    "CreatePolicyStmt": "_create_policy",
    "ViewStmt": "_create_view",
    "CreateTableAsStmt": "_create_table_as",
    "RefreshMatViewStmt": "_refresh",
    "CreateSchemaStmt": "_create_schema",
    "CreateSeqStmt": "_create_sequence",
    "AlterSeqStmt": "_alter_sequence",
    "CommentStmt": "_comment",
    "SelectStmt": "_select",
    "CreateExtensionStmt": "_create_extension",
    "RenameStmt": "_rename",
    "VariableSetStmt": "_set",
}
