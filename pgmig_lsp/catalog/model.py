"""A typed model of a PostgreSQL schema at one point of the migration history.

Names are stored as PostgreSQL stores them (unquoted identifiers folded to lower case by the
parser already). Every object remembers its origin: the migration and statement that made it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs

from pgmig_lsp.source import Span

Key = tuple[str, str]
"""(schema, name) of a schema-level object."""

_T = TypeVar("_T")
_V = TypeVar("_V")

#: table kinds that read other relations (their dependants are found without a scan)
VIEW_KINDS = ("view", "matview")


class Space(dict[Key, _V]):
    """A catalog's name map that writes down every key it changes, in order.

    Rules that compare two points of one migration (`Catalog.mark`, `Catalog.written_since`) look
    at these keys only, instead of walking the whole catalog once per migration.
    """

    __slots__ = ("written",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.written: list[Key] = []

    def copy_space(self) -> Space[_V]:
        """A copy with an empty list of written keys."""
        return Space(self)

    def __setitem__(self, key: Key, value: _V) -> None:
        self.written.append(key)
        super().__setitem__(key, value)

    def __delitem__(self, key: Key) -> None:
        self.written.append(key)
        super().__delitem__(key)

    def pop(self, key: Key, *default: Any) -> Any:
        self.written.append(key)
        return super().pop(key, *default)

    def setdefault(self, key: Key, default: Any = None) -> Any:
        self.written.append(key)
        return super().setdefault(key, default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        self.written.extend(changes)
        super().update(changes)

    def popitem(self) -> tuple[Key, _V]:
        item = super().popitem()
        self.written.append(item[0])
        return item

    def clear(self) -> None:
        self.written.extend(self)
        super().clear()


class TableSpace(Space["Table"]):
    """The tables of a catalog, keeping the keys of its views (see `Catalog.views`)."""

    __slots__ = ("views",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.views: dict[Key, None] = {
            key: None for key, table in self.items() if table.kind in VIEW_KINDS
        }

    def copy_space(self) -> TableSpace:
        """A copy with an empty list of written keys (no scan for the views)."""
        clone = TableSpace.__new__(TableSpace)
        dict.update(clone, self)
        clone.written = []
        clone.views = dict(self.views)
        return clone

    def __setitem__(self, key: Key, value: Table) -> None:
        super().__setitem__(key, value)
        if value.kind in VIEW_KINDS:
            self.views[key] = None
        else:
            self.views.pop(key, None)

    def __delitem__(self, key: Key) -> None:
        super().__delitem__(key)
        self.views.pop(key, None)

    def pop(self, key: Key, *default: Any) -> Any:
        self.views.pop(key, None)
        return super().pop(key, *default)

    def setdefault(self, key: Key, default: Any = None) -> Any:
        value = super().setdefault(key, default)
        if value is not None and value.kind in VIEW_KINDS:
            self.views[key] = None
        return value

    def update(self, *args: Any, **kwargs: Any) -> None:
        changes = dict(*args, **kwargs)
        for key, value in changes.items():
            self[key] = value

    def popitem(self) -> tuple[Key, Table]:
        item = super().popitem()
        self.views.pop(item[0], None)
        return item

    def clear(self) -> None:
        super().clear()
        self.views.clear()


def _space(space: dict[Key, _V]) -> Space[_V]:
    return space if isinstance(space, Space) else Space(space)


def _table_space(space: dict[Key, Table]) -> TableSpace:
    return space if isinstance(space, TableSpace) else TableSpace(space)


def _note(index: dict[Key, tuple[Key, ...]], key: Key, value: Key) -> None:
    """Add ``value`` to what a superset index lists under ``key`` (once, in order)."""
    known = index.get(key, ())
    if value not in known:
        index[key] = (*known, value)


@attrs.frozen
class Mark:
    """A point in a catalog's changes (`Catalog.mark`)."""

    written: tuple[int, ...]


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
    #: ``COMMENT ON COLUMN``
    comment: str | None = None
    #: a generated column's expression as ``pg_get_expr`` prints it (None: not known or none)
    generation_expression: str | None = None

    def copy(self) -> Column:
        """A shallow copy (written out: `attrs.evolve` costs several times more, per column)."""
        return Column(
            self.name,
            self.type,
            self.not_null,
            self.default,
            self.identity,
            self.generated,
            self.origin,
            self.comment,
            self.generation_expression,
        )


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
    #: as ``pg_get_constraintdef`` prints it (None: not known)
    definition: str | None = None
    #: a foreign key's actions: ``NO ACTION``, ``RESTRICT``, ``CASCADE``, ``SET NULL`` or
    #: ``SET DEFAULT`` (None: not known, or not a foreign key)
    on_delete: str | None = None
    on_update: str | None = None

    def copy(self) -> Constraint:
        """A shallow copy (see `Column.copy`)."""
        return Constraint(
            self.name,
            self.type,
            self.columns,
            self.references,
            self.referenced_columns,
            self.validated,
            self.origin,
            self.definition,
            self.on_delete,
            self.on_update,
        )


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
    #: as ``pg_get_indexdef`` prints it (None: not known)
    definition: str | None = None
    #: per key column, what follows its name in the definition (`` DESC NULLS LAST``,
    #: `` text_pattern_ops``); None where not known
    options: tuple[str, ...] | None = None
    #: ``INCLUDE`` columns
    include: tuple[str, ...] = ()
    #: the names PostgreSQL gives the index's columns, INCLUDE ones too (``lower`` for
    #: ``lower(email)``); empty when not known
    column_names: tuple[str, ...] = ()


@attrs.define
class Policy:
    name: str
    origin: Origin | None = None
    #: ``ALL``, ``SELECT``, ``INSERT``, ``UPDATE`` or ``DELETE`` (None: not known)
    command: str | None = None
    #: PERMISSIVE (True) or RESTRICTIVE (False); None: not known
    permissive: bool | None = None
    #: role names, ``public`` for everyone (empty: not known)
    roles: tuple[str, ...] = ()
    #: the ``USING`` and ``WITH CHECK`` expressions as ``pg_get_expr`` prints them
    using: str | None = None
    check: str | None = None


@attrs.define
class Trigger:
    name: str
    function: str | None = None
    origin: Origin | None = None
    #: ``BEFORE``, ``AFTER`` or ``INSTEAD OF`` (None: not known)
    timing: str | None = None
    #: ``INSERT``, ``UPDATE``, ``DELETE``, ``TRUNCATE``, in that order (empty: not known)
    events: tuple[str, ...] = ()
    #: ``FOR EACH ROW`` (True) or ``FOR EACH STATEMENT`` (False); None: not known
    for_each_row: bool | None = None
    #: as ``pg_get_triggerdef`` prints it (None: not known)
    definition: str | None = None


@attrs.frozen
class TableSize:
    """How big a table is, as the server last knew it (for lock hovers: how long a scan takes)."""

    #: ``pg_class.reltuples``, an estimate; None when the table was never vacuumed or analyzed
    rows: int | None = None
    #: ``pg_total_relation_size``: heap, indexes and TOAST; None when it could not be read
    total_bytes: int | None = None


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
    #: facts rules derived from the table once it could no longer change (`Catalog.derived`)
    memo: dict[str, Any] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    #: a view's query as ``pg_get_viewdef`` prints it (None: not known, or not a view)
    definition: str | None = None
    #: ``COMMENT ON TABLE``
    comment: str | None = None
    #: read from a live database only
    size: TableSize | None = None

    @property
    def key(self) -> Key:
        return (self.schema, self.name)

    def clone(self) -> Table:
        """A copy whose columns and constraints can change without touching this table."""
        return attrs.evolve(
            self,
            columns={name: c.copy() for name, c in self.columns.items()},
            constraints={name: c.copy() for name, c in self.constraints.items()},
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
    #: a domain's base type, spelled as ``format_type`` spells it (None: not known)
    base_type: str | None = None
    #: a composite type's attributes: (name, type as ``format_type`` spells it), in order
    attributes: tuple[tuple[str, str], ...] = ()


@attrs.define
class Function:
    schema: str
    name: str
    arguments: tuple[str, ...] = ()
    returns: str | None = None
    volatility: str = "v"
    language: str = "sql"
    origin: Origin | None = None
    #: facts rules derived from the function (`Catalog.derived`)
    memo: dict[str, Any] = attrs.field(init=False, factory=dict, eq=False, repr=False)
    #: ``f`` function, ``p`` procedure, ``a`` aggregate, ``w`` window function (None: not known)
    kind: str | None = None


@attrs.define
class Sequence:
    schema: str
    name: str
    origin: Origin | None = None
    #: ``bigint``, ``integer`` or ``smallint`` (None: not known)
    data_type: str | None = None
    #: (schema, table, column) of ``OWNED BY`` (a ``serial`` column's sequence)
    owned_by: tuple[str, str, str] | None = None


@attrs.define(on_setattr=attrs.setters.NO_OP)
class Catalog:
    """The schema at one point of the history.

    ``complete`` says whether the catalog was built from the whole history (or a snapshot, or a
    live database). When it is not, an object it does not know is assumed to exist already.
    """

    schemas: set[str] = attrs.Factory(lambda: {"public"})
    # plain dicts are accepted: they are turned into `Space` maps
    tables: TableSpace = attrs.field(factory=TableSpace, converter=_table_space)
    indexes: Space[Index] = attrs.field(factory=Space, converter=_space)
    types: Space[TypeDef] = attrs.field(factory=Space, converter=_space)
    functions: Space[list[Function]] = attrs.field(factory=Space, converter=_space)
    sequences: Space[Sequence] = attrs.field(factory=Space, converter=_space)
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
    #: per (schema, constraint name), the tables that may have a constraint of that name (a
    #: superset: `constraint_name_taken` checks; built on first use, kept by `note_constraint`;
    #: shared by forks, since a superset for both is one for each)
    _constraint_tables: dict[Key, tuple[Key, ...]] | None = attrs.field(
        default=None, eq=False, repr=False, alias="_constraint_tables"
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
            extensions=set(self.extensions),
            search_path=self.search_path,
            complete=self.complete,
        )
        # assigned after construction: the maps are copied in C, the derived ones not rebuilt
        # (overload lists are replaced, never changed in place: they can be shared)
        clone.tables = self.tables.copy_space()
        clone.indexes = self.indexes.copy_space()
        clone.types = self.types.copy_space()
        clone.functions = self.functions.copy_space()
        clone.sequences = self.sequences.copy_space()
        clone._index_keys = dict(self._index_keys)
        clone._referencing = dict(self._referencing)
        clone._constraint_tables = self._constraint_tables
        # from now on neither side owns the shared objects: the first change copies them
        self._owned = {}
        return clone

    def checkpoint(self) -> Catalog:
        """A fork that also keeps the keys written so far (marks taken before stay valid)."""
        clone = self.fork()
        for mine, theirs in zip(clone.spaces(), self.spaces(), strict=True):
            mine.written = list(theirs.written)
        return clone

    def spaces(self) -> tuple[Space[Any], ...]:
        """The name maps: tables, indexes, types, functions, sequences (`written_since` order)."""
        return (self.tables, self.indexes, self.types, self.functions, self.sequences)

    def mark(self) -> Mark:
        """This point of the catalog's changes (see `written_since`)."""
        return Mark(tuple(len(space.written) for space in self.spaces()))

    def written_since(self, mark: Mark) -> tuple[set[Key], ...]:
        """Keys of tables, indexes, types, functions and sequences written since ``mark``.

        A superset of what changed: a key written back to the same object is listed too.
        """
        return tuple(
            set(space.written[start:])
            for space, start in zip(self.spaces(), mark.written, strict=True)
        )

    def differences(self, other: Catalog) -> tuple[set[Key], ...] | None:
        """Keys of tables, indexes, types, functions and sequences whose objects differ between
        the two catalogs; None when their schemas, extensions or search path differ."""
        if not self.same_setting(other):
            return None
        found = []
        for mine, theirs in zip(self.spaces(), other.spaces(), strict=True):
            # shared objects are the same object: only the few that are not get compared
            keys = {key for key, value in mine.items() if value is not theirs.get(key)}
            keys.update(key for key in theirs if key not in mine)
            found.append({key for key in keys if mine.get(key) != theirs.get(key)})
        return tuple(found)

    def same_setting(self, other: Catalog) -> bool:
        """Whether the two catalogs agree on what is not an entry of a name map: schemas,
        extensions, search path, completeness."""
        return (self.schemas, self.extensions, self.search_path, self.complete) == (
            other.schemas,
            other.extensions,
            other.search_path,
            other.complete,
        )

    def copy_entries(self, source: Catalog, keys: tuple[set[Key], ...]) -> None:
        """Make the entries under ``keys`` (per space, in `written_since` order) what they are
        in ``source``, sharing its objects (neither catalog changes them in place after)."""
        tables, indexes, types, functions, sequences = keys
        for key in tables:
            table = source.tables.get(key)
            if table is None:
                self.tables.pop(key, None)
                continue
            self.tables[key] = table
            # forks of one catalog share its constraint names: already noted there
            noted = self._constraint_tables is source._constraint_tables
            for name, constraint in table.constraints.items():
                if not noted:
                    self.note_constraint(key, name)
                if constraint.type == "f" and constraint.references is not None:
                    self.note_foreign_key(key, constraint.references)
        for key in indexes:
            self.drop_index(key)
            index = source.indexes.get(key)
            if index is not None:
                self.indexes[key] = index
                self._index_keys[index.table] = (*self._index_keys.get(index.table, ()), key)
        plain: tuple[tuple[Space[Any], Space[Any], set[Key]], ...] = (
            (self.types, source.types, types),
            (self.functions, source.functions, functions),
            (self.sequences, source.sequences, sequences),
        )
        for space, theirs, written in plain:
            for key in written:
                value = theirs.get(key)
                if value is None:
                    space.pop(key, None)
                else:
                    space[key] = value

    def views(self) -> list[Table]:
        """The views and materialized views, without scanning the tables."""
        return [self.tables[key] for key in self.tables.views]

    def derived(self, obj: Table | Function, fact: str, compute: Callable[[Any], _T]) -> _T:
        """``compute(obj)``, kept on ``obj`` once this catalog can no longer change it.

        Objects shared between forks never change (a change copies them first), so a fact
        derived from one holds for the whole history: a rule that looks at every table of the
        catalog pays for each table once, not once per migration.
        """
        if self.owns(obj):
            return compute(obj)
        memo = obj.memo
        if fact not in memo:
            memo[fact] = compute(obj)
        result: _T = memo[fact]
        return result

    def owns(self, obj: object) -> bool:
        """Whether this catalog may still change ``obj`` in place (else it never changes)."""
        return id(obj) in self._owned

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
        index: Index | None = self.indexes.pop(key, None)
        if index is not None:
            remaining = tuple(k for k in self._index_keys.get(index.table, ()) if k != key)
            if remaining:
                self._index_keys[index.table] = remaining
            else:
                self._index_keys.pop(index.table, None)
        return index

    def note_foreign_key(self, table: Key, references: Key) -> None:
        """``table`` got a foreign key to ``references`` (see `referencing_tables`)."""
        _note(self._referencing, references, table)

    def note_constraint(self, table: Key, name: str) -> None:
        """The table ``table`` got a constraint called ``name`` (see `constraint_name_taken`)."""
        if self._constraint_tables is not None:
            _note(self._constraint_tables, (table[0], name), table)

    def constraint_name_taken(self, schema: str, name: str) -> bool:
        """Whether a table of ``schema`` has a constraint called ``name`` (PostgreSQL's
        constraint names are unique per schema when it chooses one), without a scan."""
        if self._constraint_tables is None:
            self._constraint_tables = {}
            for table in self.tables.values():
                for constraint in table.constraints:
                    self.note_constraint(table.key, constraint)
        for key in self._constraint_tables.get((schema, name), ()):
            holder = self.tables.get(key)
            if holder is not None and name in holder.constraints:
                return True
        return False

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
