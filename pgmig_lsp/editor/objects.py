"""The catalog object a name in a migration stands for, at that point of the history.

A name (`pgmig_lsp.editor.names`) says what the grammar makes of it: a relation, a column of
some relation, a type… `identify` looks it up in a catalog and gives an `ObjectId`: what hover
describes, go to definition finds the origin of, and find references compares.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import attrs

from pgmig_lsp.catalog.model import Catalog, Key, Origin, Table
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.editor.names import Name, Parts, Role, statement_names
from pgmig_lsp.editor.point import Point, statement_at
from pgmig_lsp.migrations.model import Migration
from pgmig_lsp.source import Span

#: kinds of `ObjectId`
TABLE = "table"  # a table, view or materialized view (one namespace)
SEQUENCE = "sequence"
INDEX = "index"
TYPE = "type"
FUNCTION = "function"
SCHEMA = "schema"
EXTENSION = "extension"
COLUMN = "column"
TRIGGER = "trigger"
POLICY = "policy"
CONSTRAINT = "constraint"
#: the kinds whose objects belong to a table (`ObjectId.table`)
TABLE_PARTS = (COLUMN, TRIGGER, POLICY, CONSTRAINT)


@attrs.frozen
class ObjectId:
    """A catalog object, by name."""

    kind: str
    #: the object's schema (its table's for columns, triggers, policies and constraints); empty
    #: for schemas and extensions
    schema: str
    name: str
    #: the table of a column, trigger, policy or constraint
    table: str = ""

    @property
    def table_key(self) -> Key:
        """The (schema, name) of the object's table, or of the object itself."""
        return (self.schema, self.table or self.name)

    @property
    def key(self) -> Key:
        return (self.schema, self.name)

    def __str__(self) -> str:
        if self.kind in (SCHEMA, EXTENSION):
            return self.name
        if self.kind in TABLE_PARTS:
            return f"{self.schema}.{self.table}.{self.name}"
        return f"{self.schema}.{self.name}"


@attrs.frozen
class Found:
    """The object under the cursor."""

    object: ObjectId
    #: the name (the part of a qualified name) under the cursor
    span: Span
    #: the schema it was found in: before the statement, or after it when the statement
    #: creates it
    catalog: Catalog
    name: Name


def identify(name: Name, part: int, catalog: Catalog, *, strict: bool = True) -> ObjectId | None:
    """The object part ``part`` of ``name`` stands for in ``catalog``.

    Strict: only an object the catalog holds (hover, definition). Otherwise the object the name
    would stand for if it existed (references: a table dropped since is still that table).
    """
    parts = name.parts
    last = len(parts) - 1
    role = name.role
    if role is Role.SCHEMA:
        return _schema(parts[part], catalog, strict) if part == last else None
    if role is Role.EXTENSION:
        known = parts[part] in catalog.extensions or not strict
        return ObjectId(EXTENSION, "", parts[part]) if known and part == last else None
    if role in (Role.COLUMN, Role.EXPRESSION):
        return _column_part(name, part, catalog, strict)
    if role in (Role.TRIGGER, Role.POLICY, Role.CONSTRAINT):
        return _table_part(name, part, catalog, strict)
    if part == last - 1:
        return _schema(parts[part], catalog, strict)
    if part != last:
        return None
    if role is Role.RELATION:
        return relation(parts, catalog, strict)
    if role is Role.INDEX:
        return _in_space(INDEX, parts, catalog, catalog.indexes, strict)
    if role is Role.FUNCTION:
        return _in_space(FUNCTION, parts, catalog, catalog.functions, strict)
    # a type, or a table's row type (``RETURNS SETOF orders``)
    found = _in_space(TYPE, parts, catalog, catalog.types, True)
    return found or relation(parts, catalog, True) or _in_space(TYPE, parts, catalog, {}, strict)


def _schema(name: str, catalog: Catalog, strict: bool) -> ObjectId | None:
    if strict and name not in catalog.schemas:
        return None
    return ObjectId(SCHEMA, "", name)


def _in_space(
    kind: str, parts: Parts, catalog: Catalog, space: Mapping[Key, object], strict: bool
) -> ObjectId | None:
    schema = parts[-2] if len(parts) > 1 else None
    key = catalog.resolve(schema, parts[-1], space)  # type: ignore[arg-type]
    if strict and key not in space:
        return None
    return ObjectId(kind, key[0], key[1])


def relation(parts: Parts, catalog: Catalog, strict: bool = True) -> ObjectId | None:
    """The table, view or sequence a relation name stands for."""
    if not parts or not parts[-1]:
        return None
    found = _in_space(TABLE, parts, catalog, catalog.tables, True)
    if found is None:
        found = _in_space(SEQUENCE, parts, catalog, catalog.sequences, True)
    return found or _in_space(TABLE, parts, catalog, catalog.tables, strict)


def _column_part(name: Name, part: int, catalog: Catalog, strict: bool) -> ObjectId | None:
    """A part of ``column``, ``table.column`` or ``schema.table.column``."""
    parts = name.parts
    last = len(parts) - 1
    if part < last:
        # a qualifier: the relation (an alias resolved), or its schema
        owner = name.relation or parts[:-1]
        if part == last - 1:
            return relation(owner, catalog, strict)
        return _schema(parts[part], catalog, strict) if part == last - 2 else None
    column = parts[last]
    candidates = (name.relation,) if name.relation is not None else name.scope
    first: ObjectId | None = None
    for candidate in candidates:
        table = relation(candidate, catalog, strict)
        if table is None or table.kind != TABLE:
            continue
        first = first or table
        found = catalog.tables.get(table.key)
        if found is not None and column in found.columns:
            return ObjectId(COLUMN, table.schema, column, table.name)
    if strict or first is None:
        return None
    return ObjectId(COLUMN, first.schema, column, first.name)


def _table_part(name: Name, part: int, catalog: Catalog, strict: bool) -> ObjectId | None:
    """A trigger, policy or constraint of the name's table."""
    if part != len(name.parts) - 1 or name.relation is None:
        return None
    table = relation(name.relation, catalog, strict)
    if table is None or table.kind != TABLE:
        return None
    kind = {Role.TRIGGER: TRIGGER, Role.POLICY: POLICY, Role.CONSTRAINT: CONSTRAINT}[name.role]
    if strict:
        found = catalog.tables.get(table.key)
        members: Mapping[str, object] = {}
        if found is not None and kind == TRIGGER:
            members = found.triggers
        elif found is not None and kind == POLICY:
            members = found.policies
        elif found is not None:
            members = found.constraints
        if name.parts[part] not in members:
            return None
    return ObjectId(kind, table.schema, name.parts[part], table.name)


# -- the catalog's side ---------------------------------------------------------------------------


def table_of(obj: ObjectId, catalog: Catalog) -> Table | None:
    """The table of a table, view, column, trigger, policy or constraint."""
    if obj.kind != TABLE and obj.kind not in TABLE_PARTS:
        return None
    return catalog.tables.get(obj.table_key)


def origins(obj: ObjectId, catalog: Catalog) -> list[Origin]:
    """Where the catalog says ``obj`` was created (a function: each overload)."""
    kind = obj.kind
    found: list[Origin | None] = []
    table = table_of(obj, catalog)
    if kind == TABLE and table is not None:
        found.append(table.origin)
    elif kind == COLUMN and table is not None and obj.name in table.columns:
        found.append(table.columns[obj.name].origin)
    elif kind == TRIGGER and table is not None and obj.name in table.triggers:
        found.append(table.triggers[obj.name].origin)
    elif kind == POLICY and table is not None and obj.name in table.policies:
        found.append(table.policies[obj.name].origin)
    elif kind == CONSTRAINT and table is not None and obj.name in table.constraints:
        found.append(table.constraints[obj.name].origin)
    elif kind == INDEX and obj.key in catalog.indexes:
        found.append(catalog.indexes[obj.key].origin)
    elif kind == TYPE and obj.key in catalog.types:
        found.append(catalog.types[obj.key].origin)
    elif kind == SEQUENCE and obj.key in catalog.sequences:
        found.append(catalog.sequences[obj.key].origin)
    elif kind == FUNCTION:
        found.extend(f.origin for f in catalog.functions.get(obj.key, ()))
    return [origin for origin in found if origin is not None]


# -- the object under the cursor ------------------------------------------------------------------


def name_at(text: str, span: Span, offset: int) -> tuple[Name, int] | None:
    """The name written at ``offset`` in the statement ``text[span]``, and which part."""
    for name in statement_names(text, span).names:
        if name.span.start <= offset <= name.span.end:
            part = name.part_at(offset)
            if part is not None and name.parts[part]:
                return name, part
    return None


def object_at(
    migration: Migration, path: Path, offset: int, before: Catalog | None
) -> Found | None:
    """The catalog object named at ``offset`` of the file ``path``, at that point of the history.

    ``before`` is the schema before the migration (None: the history is unknown). A name the
    statement itself creates (``CREATE TABLE t``, a column definition) is looked up in the
    schema after the statement. Never raises on text that does not parse.
    """
    point = statement_at(migration, path, offset)
    if point is None:
        return None
    return object_in(point, offset, point.replay(before))


def object_in(point: Point, offset: int, replay: Replay) -> Found | None:
    """`object_at` for the statement of ``point``; ``replay`` has replayed what runs before it
    (`Point.replay`)."""
    text = point.section.file.text
    found = name_at(text, point.span, offset)
    if found is None:
        return None
    name, part = found
    catalogs = [replay.catalog]
    if point.statement is not None:
        after = point.after(replay)
        # a definition names what the statement creates: look after it first
        catalogs.insert(0 if name.defines else 1, after)
    for catalog in catalogs:
        obj = identify(name, part, catalog)
        if obj is not None:
            return Found(obj, name.spans[part], catalog, name)
    return None
