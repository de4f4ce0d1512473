"""A typed model of a PostgreSQL schema at one point of the migration history.

Names are stored as PostgreSQL stores them (unquoted identifiers folded to lower case by the
parser already). Every object remembers its origin: the migration and statement that made it.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, TypeVar

import attrs

from pgmig_lsp.source import Span

Key = tuple[str, str]
"""(schema, name) of a schema-level object."""

_T = TypeVar("_T")


@attrs.frozen
class Origin:
    """Where an object was created or last changed."""

    path: Path
    span: Span
    #: identifies the migration (its main file path as a string)
    migration: str


@attrs.define
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    #: ``a`` always / ``d`` by default identity, or None
    identity: str | None = None
    generated: bool = False
    origin: Origin | None = None


@attrs.define
class Constraint:
    name: str
    #: one of ``p u f c x`` (primary key, unique, foreign key, check, exclusion)
    type: str
    columns: tuple[str, ...] = ()
    references: Key | None = None
    referenced_columns: tuple[str, ...] = ()
    validated: bool = True
    origin: Origin | None = None


@attrs.define
class Index:
    schema: str
    name: str
    table: Key
    #: a column name per key part, None where the part is an expression
    columns: tuple[str | None, ...] = ()
    unique: bool = False
    partial: bool = False
    method: str = "btree"
    origin: Origin | None = None


@attrs.define
class Policy:
    name: str
    origin: Origin | None = None


@attrs.define
class Trigger:
    name: str
    function: str | None = None
    origin: Origin | None = None


@attrs.define
class Table:
    """A table, view or materialized view (``kind``: ``table``, ``view``, ``matview``)."""

    schema: str
    name: str
    kind: str = "table"
    columns: dict[str, Column] = attrs.Factory(dict)
    constraints: dict[str, Constraint] = attrs.Factory(dict)
    policies: dict[str, Policy] = attrs.Factory(dict)
    triggers: dict[str, Trigger] = attrs.Factory(dict)
    rls_enabled: bool = False
    rls_forced: bool = False
    #: a materialized view created ``WITH NO DATA`` and not refreshed since
    unpopulated: bool = False
    #: something the replay could not model (a ``DO`` block, dynamic SQL) may have changed it
    uncertain: bool = False
    origin: Origin | None = None

    @property
    def key(self) -> Key:
        return (self.schema, self.name)

    def clone(self) -> Table:
        """A copy whose columns and constraints can change without touching this table."""
        return attrs.evolve(
            self,
            columns={name: attrs.evolve(c) for name, c in self.columns.items()},
            constraints={name: attrs.evolve(c) for name, c in self.constraints.items()},
            policies=dict(self.policies),
            triggers=dict(self.triggers),
        )


@attrs.define
class TypeDef:
    """An enum, composite type or domain."""

    schema: str
    name: str
    kind: str  # enum | composite | domain
    values: list[str] = attrs.Factory(list)
    origin: Origin | None = None


@attrs.define
class Function:
    schema: str
    name: str
    arguments: tuple[str, ...] = ()
    returns: str | None = None
    volatility: str = "v"
    language: str = "sql"
    origin: Origin | None = None


@attrs.define
class Sequence:
    schema: str
    name: str
    origin: Origin | None = None


@attrs.define
class Catalog:
    """The schema at one point of the history.

    ``complete`` says whether the catalog was built from the whole history (or a snapshot, or a
    live database). When it is not, an object it does not know is assumed to exist already.
    """

    schemas: set[str] = attrs.Factory(lambda: {"public"})
    tables: dict[Key, Table] = attrs.Factory(dict)
    indexes: dict[Key, Index] = attrs.Factory(dict)
    types: dict[Key, TypeDef] = attrs.Factory(dict)
    functions: dict[Key, list[Function]] = attrs.Factory(dict)
    sequences: dict[Key, Sequence] = attrs.Factory(dict)
    extensions: set[str] = attrs.Factory(set)
    search_path: tuple[str, ...] = ("public",)
    complete: bool = False
    #: objects this catalog may change in place; others are shared with a fork (copy on write)
    #: (by id, holding the objects so that an id is never reused while it is listed)
    _owned: dict[int, object] = attrs.field(factory=dict, eq=False, repr=False, alias="_owned")
    #: index keys per table key, in creation order (derived from ``indexes``; kept by
    #: `put_index` / `drop_index` / `move_indexes`, so finding a table's indexes is not a scan)
    _index_keys: dict[Key, tuple[Key, ...]] = attrs.field(
        factory=dict, eq=False, repr=False, alias="_index_keys"
    )

    #: per referenced table, the tables that may hold a foreign key to it, in the order they
    #: got one (a superset: `referencing_tables` checks; kept by `note_foreign_key`)
    _referencing: dict[Key, tuple[Key, ...]] = attrs.field(
        factory=dict, eq=False, repr=False, alias="_referencing"
    )

    def __attrs_post_init__(self) -> None:
        for key, index in self.indexes.items():
            self._index_keys[index.table] = (*self._index_keys.get(index.table, ()), key)
        for table in self.tables.values():
            for constraint in table.constraints.values():
                if constraint.type == "f" and constraint.references is not None:
                    self.note_foreign_key(table.key, constraint.references)

    def fork(self) -> Catalog:
        """A copy that shares every object with this catalog until one of the two changes it.

        Forking costs a copy of the name maps, not of the objects: replaying a long history
        keeps a snapshot per migration cheaply.
        """
        clone = Catalog(
            schemas=set(self.schemas),
            types=dict(self.types),
            # overload lists are replaced, never changed in place: they can be shared
            functions=dict(self.functions),
            sequences=dict(self.sequences),
            extensions=set(self.extensions),
            search_path=self.search_path,
            complete=self.complete,
        )
        # assigned after construction: the derived maps are copied, not rebuilt
        clone.tables = dict(self.tables)
        clone.indexes = dict(self.indexes)
        clone._index_keys = dict(self._index_keys)
        clone._referencing = dict(self._referencing)
        # from now on neither side owns the shared objects: the first change copies them
        self._owned = {}
        return clone

    def _writable(self, space: dict[Key, Any], key: Key) -> Any:
        current = space.get(key)
        if current is None or id(current) in self._owned:
            return current
        # tables are copied field by field: a deep copy of every origin would be slow
        private = current.clone() if isinstance(current, Table) else copy.deepcopy(current)
        space[key] = private
        self._owned[id(private)] = private
        return private

    def adopt(self, obj: _T) -> _T:
        """Mark an object this catalog created as its own (changeable in place)."""
        self._owned[id(obj)] = obj
        return obj

    def writable_table(self, key: Key) -> Table | None:
        """The table under ``key``, safe to change in place."""
        table: Table | None = self._writable(self.tables, key)
        return table

    def writable_type(self, key: Key) -> TypeDef | None:
        typedef: TypeDef | None = self._writable(self.types, key)
        return typedef

    def writable_index(self, key: Key) -> Index | None:
        index: Index | None = self._writable(self.indexes, key)
        return index

    def resolve(self, schema: str | None, name: str, space: dict[Key, object]) -> Key:
        """The key an (optionally qualified) name refers to, following ``search_path``."""
        if schema:
            return (schema, name)
        for candidate in self.search_path:
            if (candidate, name) in space:
                return (candidate, name)
        return (self.search_path[0] if self.search_path else "public", name)

    def table(self, schema: str | None, name: str) -> Table | None:
        return self.tables.get(self.resolve(schema, name, self.tables))  # type: ignore[arg-type]

    def type(self, schema: str | None, name: str) -> TypeDef | None:
        return self.types.get(self.resolve(schema, name, self.types))  # type: ignore[arg-type]

    def index(self, schema: str | None, name: str) -> Index | None:
        return self.indexes.get(self.resolve(schema, name, self.indexes))  # type: ignore[arg-type]

    def indexes_on(self, table: Key) -> list[Index]:
        """The indexes of a table, in creation order."""
        return [self.indexes[key] for key in self._index_keys.get(table, ())]

    def index_keys_on(self, table: Key) -> tuple[Key, ...]:
        return self._index_keys.get(table, ())

    def put_index(self, key: Key, index: Index) -> None:
        """Add (or replace) an index."""
        self.drop_index(key)
        self.indexes[key] = self.adopt(index)
        self._index_keys[index.table] = (*self._index_keys.get(index.table, ()), key)

    def drop_index(self, key: Key) -> Index | None:
        index = self.indexes.pop(key, None)
        if index is not None:
            remaining = tuple(k for k in self._index_keys.get(index.table, ()) if k != key)
            if remaining:
                self._index_keys[index.table] = remaining
            else:
                self._index_keys.pop(index.table, None)
        return index

    def note_foreign_key(self, table: Key, references: Key) -> None:
        """``table`` got a foreign key to ``references`` (see `referencing_tables`)."""
        known = self._referencing.get(references, ())
        if table not in known:
            self._referencing[references] = (*known, table)

    def referencing_tables(self, key: Key) -> list[Table]:
        """The other tables that hold a foreign key to ``key``, without scanning every table."""
        found = []
        for candidate in self._referencing.get(key, ()):
            table = self.tables.get(candidate)
            if (
                table is not None
                and candidate != key
                and any(c.type == "f" and c.references == key for c in table.constraints.values())
            ):
                found.append(table)
        return found

    def move_indexes(self, old: Key, new: Key) -> None:
        """A table was renamed: its indexes now belong to ``new``."""
        for key in self._index_keys.pop(old, ()):
            index = self.writable_index(key)
            if index is not None:
                index.table = new
                self._index_keys[new] = (*self._index_keys.get(new, ()), key)
