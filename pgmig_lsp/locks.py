"""The lock model: the lock each statement takes on which table, and what makes it slow.

Follows PostgreSQL's "Explicit Locking" chapter, each command's reference page and, for
``ALTER TABLE``, the lock level of every sub-command (``AlterTableGetLockLevel`` in
tablecmds.c): the statement holds the strongest lock any of its sub-commands needs. Locks are
held until the transaction ends. Used by the locking rules and by the editor's hover.

Objects created earlier in the same migration still get their locks listed, flagged
``new_table``: they are empty and unknown to running clients, so rules usually skip them.
"""

from __future__ import annotations

import contextlib
import enum
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import attrs

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.sql.nodes import (
    Node,
    QualifiedName,
    TypeRef,
    const_value,
    def_options,
    quote_identifier,
    strings,
    type_ref,
    walk,
)
from pgmig_lsp.sql.parse import Statement

if TYPE_CHECKING:
    from pgmig_lsp.rules.base import MigrationContext


class LockMode(enum.IntEnum):
    """PostgreSQL's eight table lock modes, weakest first (the numbers are PostgreSQL's own)."""

    ACCESS_SHARE = 1
    ROW_SHARE = 2
    ROW_EXCLUSIVE = 3
    SHARE_UPDATE_EXCLUSIVE = 4
    SHARE = 5
    SHARE_ROW_EXCLUSIVE = 6
    EXCLUSIVE = 7
    ACCESS_EXCLUSIVE = 8

    @property
    def pg_name(self) -> str:
        """The name PostgreSQL uses (``ACCESS EXCLUSIVE``)."""
        return self.name.replace("_", " ")

    @property
    def blocks_reads(self) -> bool:
        """Conflicts with ACCESS SHARE: plain ``SELECT`` waits."""
        return self is LockMode.ACCESS_EXCLUSIVE

    @property
    def blocks_writes(self) -> bool:
        """Conflicts with ROW EXCLUSIVE: ``INSERT``, ``UPDATE``, ``DELETE`` wait."""
        return self >= LockMode.SHARE

    def conflicts_with(self, other: LockMode) -> bool:
        return other in _CONFLICTS[self]

    @property
    def blocks(self) -> str:
        """What waits while the lock is held (or queued), in words."""
        return _BLOCKS[self]


_M = LockMode
# PostgreSQL's "Conflicting Lock Modes" table, by number (it is symmetric)
_CONFLICT_NUMBERS = {
    1: {8},
    2: {7, 8},
    3: {5, 6, 7, 8},
    4: {4, 5, 6, 7, 8},
    5: {3, 4, 6, 7, 8},
    6: {3, 4, 5, 6, 7, 8},
    7: {2, 3, 4, 5, 6, 7, 8},
    8: {1, 2, 3, 4, 5, 6, 7, 8},
}
_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    LockMode(mode): frozenset(LockMode(other) for other in others)
    for mode, others in _CONFLICT_NUMBERS.items()
}
_BLOCKS: dict[LockMode, str] = {
    _M.ACCESS_SHARE: "only ACCESS EXCLUSIVE locks (DROP, most ALTER TABLE)",
    _M.ROW_SHARE: "only EXCLUSIVE and ACCESS EXCLUSIVE locks",
    _M.ROW_EXCLUSIVE: "SHARE and stronger locks (CREATE INDEX, most ALTER TABLE)",
    _M.SHARE_UPDATE_EXCLUSIVE: "other schema changes, VACUUM, ANALYZE and CREATE INDEX; reads and "
    "writes go on",
    _M.SHARE: "writes; reads go on",
    _M.SHARE_ROW_EXCLUSIVE: "writes; reads go on",
    _M.EXCLUSIVE: "writes and SELECT … FOR UPDATE/SHARE; plain reads go on",
    _M.ACCESS_EXCLUSIVE: "reads and writes",
}


class Effect(enum.Enum):
    """What makes a statement slow while it holds its lock."""

    NONE = "none"
    #: reads every row (``SET NOT NULL``, validating a constraint)
    SCAN = "scan"
    #: builds an index over every row
    INDEX_BUILD = "index build"
    #: writes a new version of every row (``UPDATE``/``DELETE`` without ``WHERE``)
    ALL_ROWS = "all rows"
    #: writes the whole table (and its indexes) anew
    REWRITE = "rewrite"

    @property
    def rank(self) -> int:
        return _EFFECT_RANK[self]

    @property
    def description(self) -> str:
        return _EFFECT_WORDS[self]


_EFFECT_RANK = {
    Effect.NONE: 0,
    Effect.SCAN: 1,
    Effect.INDEX_BUILD: 2,
    Effect.ALL_ROWS: 3,
    Effect.REWRITE: 4,
}
_EFFECT_WORDS = {
    Effect.NONE: "",
    Effect.SCAN: "scans the whole table",
    Effect.INDEX_BUILD: "builds an index over the whole table",
    Effect.ALL_ROWS: "writes every row",
    Effect.REWRITE: "rewrites the whole table",
}


@attrs.frozen
class TableLock:
    """One table's lock in one statement (all sub-commands of an ``ALTER TABLE`` merged)."""

    #: (schema, name) of the table; when only an index is known (``DROP INDEX i`` and the
    #: catalog does not know ``i``), the index's own key, with ``table_known`` False
    table: Key
    #: the lock on the table (for statements that lock only an index: the lock on the index)
    mode: LockMode
    effect: Effect = Effect.NONE
    #: a short explanation: what takes the lock and what makes it slow
    why: str = ""
    #: the table was created earlier in this migration (or by this very statement)
    new_table: bool = False
    #: the index the statement works on, if any
    index: Key | None = None
    #: the lock taken on that index (or, for ``REINDEX TABLE``, on each index in turn); the
    #: planner opens every index of a table, so an ACCESS EXCLUSIVE index lock stops reads too
    index_mode: LockMode | None = None
    table_known: bool = True
    #: the statement is the ``CONCURRENTLY`` variant of its command
    concurrent: bool = False
    #: ``ALTER TABLE``: index in ``cmds`` of the sub-command responsible for the effect (or,
    #: when nothing is slow, for the strongest lock)
    subcommand: int | None = None
    #: byte ``location`` of the node naming the table, when there is one
    location: int | None = None

    @property
    def name(self) -> str:
        """The table's name for messages (``app_user``, ``audit.user_actions``)."""
        return display_name(self.table)

    @property
    def target(self) -> str:
        """The locked object in words, in backticks."""
        if not self.table_known and self.index is not None:
            return f"the table of index `{display_name(self.index)}`"
        return f"`{self.name}`"

    @property
    def strongest(self) -> LockMode:
        return max(self.mode, self.index_mode or LockMode.ACCESS_SHARE)

    @property
    def blocks_reads(self) -> bool:
        return self.mode.blocks_reads or self.index_mode is LockMode.ACCESS_EXCLUSIVE

    @property
    def blocks_writes(self) -> bool:
        return self.strongest.blocks_writes

    @property
    def slow(self) -> bool:
        """Does work proportional to the table's size on a table that existed before."""
        return self.effect is not Effect.NONE and not self.new_table

    @property
    def blocked(self) -> str:
        """What waits for this lock, in words (``reads and writes``, ``writes``)."""
        if self.blocks_reads:
            return "reads and writes"
        if self.blocks_writes:
            return "writes"
        return "other schema changes"

    def describe(self) -> str:
        """One line for a hover: lock, table, what it blocks, what makes it slow."""
        text = f"{self.mode.pg_name} on {self.target}: blocks {self.mode.blocks}"
        if self.index_mode is not None and self.index_mode is not self.mode:
            text += f"; {self.index_mode.pg_name} on the index"
        if self.effect is not Effect.NONE:
            text += f"; {self.effect.description}"
        if self.new_table:
            text += " (created in this migration)"
        return text + (f" — {self.why}" if self.why else "")


def display_name(key: Key | tuple[str, ...]) -> str:
    """``name`` for objects in ``public``, ``schema.name`` otherwise, quoted where needed."""
    parts = [part for part in key if part]
    if len(parts) >= 2 and parts[-2] == "public":
        parts = parts[-1:]
    return ".".join(quote_identifier(part) for part in parts)


# -- entry point -------------------------------------------------------------------------------


#: the answer for each statement, with the context it was computed in: the locking rules all
#: ask about the same statement before it is replayed, so it is computed once
_CACHE: weakref.WeakKeyDictionary[Statement, tuple[int, list[TableLock]]] = (
    weakref.WeakKeyDictionary()
)


def statement_locks(statement: Statement, context: MigrationContext) -> list[TableLock]:
    """The table locks ``statement`` takes, one per table, in the order the statement names them.

    ``context.catalog`` must hold the state before the statement (as rules see it). The answer is
    cached per statement and `MigrationContext.step`, which the engine moves on before each
    statement it checks (and replays the statement only after every rule saw it).
    """
    handler = _HANDLERS.get(statement.kind)
    if handler is None:
        return []
    cached = _CACHE.get(statement)
    if cached is not None and cached[0] == context.step:
        return list(cached[1])
    locks = _Locks(context)
    # an unexpected tree shape must never take the editor down: keep what was found
    with contextlib.suppress(AttributeError, KeyError, TypeError, ValueError, IndexError):
        handler(statement.body, locks)
    result = locks.merged()
    _CACHE[statement] = (context.step, result)
    return list(result)


class _Locks:
    """Collects the locks of one statement, then merges them per table."""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self.items: list[TableLock] = []

    @property
    def pg_version(self) -> int:
        return self.context.pg_version

    def is_new(self, key: Key) -> bool:
        return key in self.context.created_tables and key in self.context.catalog.tables

    def key(self, relation: Node | QualifiedName | None) -> Key | None:
        return self.context.table_key(relation)

    def add(
        self,
        key: Key | None,
        mode: LockMode,
        effect: Effect = Effect.NONE,
        why: str = "",
        *,
        new: bool | None = None,
        index: Key | None = None,
        index_mode: LockMode | None = None,
        table_known: bool = True,
        concurrent: bool = False,
        subcommand: int | None = None,
        location: int | None = None,
    ) -> None:
        if key is None:
            return
        self.items.append(
            TableLock(
                table=key,
                mode=mode,
                effect=effect,
                why=why,
                new_table=self.is_new(key) if new is None else new,
                index=index,
                index_mode=index_mode,
                table_known=table_known,
                concurrent=concurrent,
                subcommand=subcommand,
                location=location,
            )
        )

    def add_relation(
        self,
        relation: Node | None,
        mode: LockMode,
        effect: Effect = Effect.NONE,
        why: str = "",
        **kwargs: Any,
    ) -> Key | None:
        key = self.key(relation)
        if relation is not None and "RangeVar" in relation:
            relation = relation["RangeVar"]
        location = relation.get("location") if relation else None
        self.add(key, mode, effect, why, location=location, **kwargs)
        return key

    def index_table(self, parts: tuple[str, ...]) -> tuple[Key, Key | None]:
        """The key of an index named by ``parts`` and of its table, when the catalog knows it."""
        catalog = self.context.catalog
        name = QualifiedName.from_parts(parts)
        key = catalog.resolve(name.schema, name.name, catalog.indexes)  # type: ignore[arg-type]
        index = catalog.indexes.get(key)
        return key, (index.table if index is not None else None)

    def add_index(
        self,
        parts: tuple[str, ...],
        mode: LockMode,
        index_mode: LockMode,
        effect: Effect = Effect.NONE,
        why: str = "",
        **kwargs: Any,
    ) -> None:
        index_key, table = self.index_table(parts)
        if table is not None:
            self.add(table, mode, effect, why, index=index_key, index_mode=index_mode, **kwargs)
        else:
            self.add(
                index_key,
                mode,
                effect,
                why,
                new=False,
                index=index_key,
                index_mode=index_mode,
                table_known=False,
                **kwargs,
            )

    def merged(self) -> list[TableLock]:
        """One lock per table: the strongest mode, the slowest effect."""
        order: list[Key] = []
        by_table: dict[Key, TableLock] = {}
        for item in self.items:
            current = by_table.get(item.table)
            if current is None:
                order.append(item.table)
                by_table[item.table] = item
                continue
            by_table[item.table] = _merge(current, item)
        return [by_table[key] for key in order]


def _merge(a: TableLock, b: TableLock) -> TableLock:
    # the explanation and sub-command come from the part that makes the statement slow, or
    # (when nothing is slow) from the part that takes the strongest lock
    if (b.effect.rank, b.mode) > (a.effect.rank, a.mode):
        leader, other = b, a
    else:
        leader, other = a, b
    index_modes = [m for m in (a.index_mode, b.index_mode) if m is not None]
    return attrs.evolve(
        leader,
        mode=max(a.mode, b.mode),
        index=leader.index or other.index,
        index_mode=max(index_modes) if index_modes else None,
        new_table=a.new_table and b.new_table,
        concurrent=a.concurrent and b.concurrent,
        location=leader.location if leader.location is not None else other.location,
    )


# -- statements --------------------------------------------------------------------------------


def _option_on(arg: Node | None) -> bool:
    """A boolean option's value (``FULL``, ``CONCURRENTLY``, ``(FULL false)``)."""
    if arg is None:
        return True
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    if "Integer" in arg:
        return bool(arg["Integer"].get("ival", 0))
    if "String" in arg:
        return arg["String"].get("sval", "").lower() not in ("false", "off", "no", "0")
    return True


def reindex_concurrently(body: Node) -> bool:
    """``REINDEX … CONCURRENTLY`` in either spelling."""
    options = def_options(body.get("params"))
    return "concurrently" in options and _option_on(options["concurrently"])


def vacuum_full(body: Node) -> bool:
    options = def_options(body.get("options"))
    return bool(body.get("is_vacuumcmd")) and "full" in options and _option_on(options["full"])


def _lists(objects: list[Node] | None) -> Iterator[tuple[str, ...]]:
    """The names of a ``DropStmt``'s or ``CommentStmt``'s objects."""
    for obj in objects or []:
        if "List" in obj:
            parts = strings(obj["List"].get("items"))
        elif "String" in obj:
            parts = (obj["String"].get("sval", ""),)
        else:
            continue
        if parts:
            yield parts


def _referenced_by(locks: _Locks, key: Key) -> Iterator[Key]:
    """Tables whose known foreign keys reference ``key``."""
    for table in locks.context.catalog.tables.values():
        if table.key == key:
            continue
        for con in table.constraints.values():
            if con.type == "f" and con.references == key:
                yield table.key
                break


def _index_stmt(body: Node, locks: _Locks) -> None:
    concurrent = bool(body.get("concurrent"))
    relation = body.get("relation")
    effect = Effect.INDEX_BUILD
    why = "`CREATE INDEX` reads every row to build the index"
    catalog = locks.context.catalog
    name = body.get("idxname")
    table = locks.key(relation)
    exists = name and table is not None and (table[0], name) in catalog.indexes
    if exists and body.get("if_not_exists"):
        effect, why = Effect.NONE, "`IF NOT EXISTS`: the index exists already"
    if relation and not relation.get("inh", False):
        effect, why = Effect.NONE, "`ON ONLY` a partitioned table: no partition is indexed"
    if concurrent:
        why += "; `CONCURRENTLY` lets writes go on (it waits for running transactions)"
    locks.add_relation(
        relation,
        LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.SHARE,
        effect,
        why,
        concurrent=concurrent,
    )


_DROPPED_RELATIONS = {
    "OBJECT_TABLE": "table",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
}
_TABLE_CHILDREN = {"OBJECT_TRIGGER": "TRIGGER", "OBJECT_POLICY": "POLICY", "OBJECT_RULE": "RULE"}


def _drop(body: Node, locks: _Locks) -> None:
    kind = body.get("removeType", "")
    catalog = locks.context.catalog
    if kind == "OBJECT_INDEX":
        concurrent = bool(body.get("concurrent"))
        mode = LockMode.SHARE_UPDATE_EXCLUSIVE if concurrent else LockMode.ACCESS_EXCLUSIVE
        for parts in _lists(body.get("objects")):
            locks.add_index(
                parts,
                mode,
                mode,
                why="`DROP INDEX CONCURRENTLY` waits for running transactions"
                if concurrent
                else "`DROP INDEX` locks the index's table",
                concurrent=concurrent,
            )
    elif kind in _DROPPED_RELATIONS:
        for parts in _lists(body.get("objects")):
            key = locks.key(QualifiedName.from_parts(parts))
            if key is None:
                continue
            locks.add(
                key, LockMode.ACCESS_EXCLUSIVE, why=f"`DROP` of the {_DROPPED_RELATIONS[kind]}"
            )
            table = catalog.tables.get(key)
            for con in table.constraints.values() if table else ():
                if con.type == "f" and con.references and con.references != key:
                    locks.add(
                        con.references,
                        LockMode.ACCESS_EXCLUSIVE,
                        why=f"dropping `{display_name(key)}` drops its foreign key's triggers on "
                        "the referenced table",
                    )
    elif kind in _TABLE_CHILDREN:
        for parts in _lists(body.get("objects")):
            if len(parts) < 2:
                continue
            key = locks.key(QualifiedName.from_parts(parts[:-1]))
            locks.add(key, LockMode.ACCESS_EXCLUSIVE, why=f"`DROP {_TABLE_CHILDREN[kind]}`")


def _create_table(body: Node, locks: _Locks) -> None:
    relation = body.get("relation")
    key = locks.key(relation)
    catalog = locks.context.catalog
    if key is not None and body.get("if_not_exists") and key in catalog.tables:
        return  # nothing happens
    if key is not None:
        locks.add_relation(relation, LockMode.ACCESS_EXCLUSIVE, why="a new table", new=True)
    partition = body.get("partbound") is not None
    for parent in body.get("inhRelations", []) or []:
        if partition:
            locks.add_relation(
                parent,
                LockMode.ACCESS_EXCLUSIVE,
                why="`CREATE TABLE … PARTITION OF` locks the partitioned table (and scans a "
                "default partition, if there is one, for rows that belong to the new one)",
            )
        else:
            locks.add_relation(
                parent, LockMode.SHARE_UPDATE_EXCLUSIVE, why="`INHERITS` locks the parent"
            )
    for element in body.get("tableElts", []) or []:
        constraints: list[Node] = []
        if "ColumnDef" in element:
            constraints = element["ColumnDef"].get("constraints", []) or []
        elif "Constraint" in element:
            constraints = [element]
        elif "TableLikeClause" in element:
            locks.add_relation(
                element["TableLikeClause"].get("relation"),
                LockMode.ACCESS_SHARE,
                why="`LIKE` reads the table's definition",
            )
        for item in constraints:
            con = item.get("Constraint", {})
            if con.get("contype") == "CONSTR_FOREIGN":
                referenced = locks.key(con.get("pktable"))
                if referenced is not None and referenced != key:
                    locks.add_relation(
                        con.get("pktable"),
                        LockMode.SHARE_ROW_EXCLUSIVE,
                        why="a new foreign key adds triggers to the referenced table",
                    )


def _sources(query: Node | None, locks: _Locks, why: str) -> None:
    """ACCESS SHARE on the tables a query reads (CTE names excluded)."""
    if not query:
        return
    ctes = {cte.get("ctename") for kind, cte in walk(query) if kind == "CommonTableExpr"}
    tables = sorted(
        (node for kind, node in walk(query) if kind == "RangeVar"),
        key=lambda node: node.get("location", 0),
    )
    seen: set[Key] = set()
    for node in tables:
        if not node.get("schemaname") and node.get("relname") in ctes:
            continue
        key = locks.key(node)
        if key is not None and key not in seen:
            seen.add(key)
            locks.add(key, LockMode.ACCESS_SHARE, why=why, location=node.get("location"))


def _create_view(body: Node, locks: _Locks) -> None:
    view = body.get("view")
    key = locks.key(view)
    if key is not None and body.get("replace") and key in locks.context.catalog.tables:
        locks.add_relation(
            view,
            LockMode.ACCESS_EXCLUSIVE,
            why="`CREATE OR REPLACE VIEW` replaces the view's definition",
        )
    elif key is not None:
        locks.add_relation(view, LockMode.ACCESS_EXCLUSIVE, why="a new view", new=True)
    _sources(body.get("query"), locks, "the view reads it")


def _create_table_as(body: Node, locks: _Locks) -> None:
    into: Node = body.get("into") or {}
    into = into.get("IntoClause") or into
    relation = into.get("rel")
    key = locks.key(relation)
    if key is not None and body.get("if_not_exists") and key in locks.context.catalog.tables:
        return
    matview = body.get("objtype") == "OBJECT_MATVIEW"
    locks.add_relation(
        relation,
        LockMode.ACCESS_EXCLUSIVE,
        why="a new materialized view" if matview else "a new table",
        new=True,
    )
    if not into.get("skipData"):
        _sources(body.get("query"), locks, "the query reads it")


def _create_trigger(body: Node, locks: _Locks) -> None:
    locks.add_relation(
        body.get("relation"),
        LockMode.SHARE_ROW_EXCLUSIVE,
        why="`CREATE TRIGGER` blocks writes; the trigger then runs on every matching write",
    )


def _policy(body: Node, locks: _Locks) -> None:
    locks.add_relation(
        body.get("table"), LockMode.ACCESS_EXCLUSIVE, why="policies change what queries see"
    )


def _rule(body: Node, locks: _Locks) -> None:
    locks.add_relation(body.get("relation"), LockMode.ACCESS_EXCLUSIVE, why="`CREATE RULE`")


def _refresh(body: Node, locks: _Locks) -> None:
    relation = body.get("relation")
    if body.get("skipData"):
        locks.add_relation(
            relation, LockMode.ACCESS_EXCLUSIVE, why="`WITH NO DATA` empties the view"
        )
    elif body.get("concurrent"):
        locks.add_relation(
            relation,
            LockMode.EXCLUSIVE,
            Effect.SCAN,
            "`CONCURRENTLY` runs the view's query and applies the differences; reads go on",
            concurrent=True,
        )
    else:
        locks.add_relation(
            relation,
            LockMode.ACCESS_EXCLUSIVE,
            Effect.REWRITE,
            "runs the view's query and replaces its contents; even reads wait",
        )


def _truncate(body: Node, locks: _Locks) -> None:
    cascade = body.get("behavior") == "DROP_CASCADE"
    for relation in body.get("relations", []) or []:
        key = locks.add_relation(
            relation,
            LockMode.ACCESS_EXCLUSIVE,
            why="`TRUNCATE` swaps in empty storage: fast, but every row is gone",
        )
        if cascade and key is not None:
            for other in _referenced_by(locks, key):
                locks.add(
                    other,
                    LockMode.ACCESS_EXCLUSIVE,
                    why=f"`TRUNCATE … CASCADE` also empties it: it references "
                    f"`{display_name(key)}`",
                )


def _vacuum(body: Node, locks: _Locks) -> None:
    full = vacuum_full(body)
    rels = body.get("rels", []) or []
    for item in rels:
        relation = item.get("VacuumRelation", {}).get("relation")
        if full:
            locks.add_relation(
                relation,
                LockMode.ACCESS_EXCLUSIVE,
                Effect.REWRITE,
                "`VACUUM FULL` writes a new copy of the table and its indexes",
            )
        elif body.get("is_vacuumcmd"):
            locks.add_relation(
                relation,
                LockMode.SHARE_UPDATE_EXCLUSIVE,
                Effect.SCAN,
                "`VACUUM` reads the table; reads and writes go on",
            )
        else:
            locks.add_relation(
                relation,
                LockMode.SHARE_UPDATE_EXCLUSIVE,
                why="`ANALYZE` reads a sample of the table; reads and writes go on",
            )


def _cluster(body: Node, locks: _Locks) -> None:
    locks.add_relation(
        body.get("relation"),
        LockMode.ACCESS_EXCLUSIVE,
        Effect.REWRITE,
        "`CLUSTER` writes a new, sorted copy of the table and its indexes",
    )


def _reindex(body: Node, locks: _Locks) -> None:
    kind = body.get("kind", "")
    concurrent = reindex_concurrently(body)
    relation = body.get("relation") or {}
    if concurrent:
        mode = index_mode = LockMode.SHARE_UPDATE_EXCLUSIVE
        why = "`CONCURRENTLY` builds a new index next to the old one; reads and writes go on"
    else:
        mode, index_mode = LockMode.SHARE, LockMode.ACCESS_EXCLUSIVE
        why = (
            "`REINDEX` blocks writes, and its ACCESS EXCLUSIVE lock on the index being rebuilt "
            "stops every query the planner would consider it for"
        )
    if kind == "REINDEX_OBJECT_INDEX":
        parts = tuple(p for p in (relation.get("schemaname"), relation.get("relname")) if p)
        locks.add_index(
            parts,
            mode,
            index_mode,
            Effect.INDEX_BUILD,
            why,
            concurrent=concurrent,
            location=relation.get("location"),
        )
    elif kind == "REINDEX_OBJECT_TABLE":
        locks.add_relation(
            relation,
            mode,
            Effect.INDEX_BUILD,
            why,
            index_mode=index_mode,
            concurrent=concurrent,
        )


_COMMENT_RELATIONS = {"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"}
_COMMENT_CHILDREN = {
    "OBJECT_COLUMN",
    "OBJECT_TABCONSTRAINT",
    "OBJECT_TRIGGER",
    "OBJECT_POLICY",
    "OBJECT_RULE",
}


def _comment(body: Node, locks: _Locks) -> None:
    kind = body.get("objtype", "")
    obj = body.get("object")
    parts = next(_lists([obj] if obj else []), ())
    if kind in _COMMENT_CHILDREN:
        parts = parts[:-1]
    elif kind not in _COMMENT_RELATIONS:
        return
    if parts:
        locks.add(
            locks.key(QualifiedName.from_parts(parts)),
            LockMode.SHARE_UPDATE_EXCLUSIVE,
            why="`COMMENT ON`",
        )


def _whole_table(where: Node | None) -> bool:
    """No ``WHERE``, or a constant true one."""
    return where is None or const_value(where) is True


def _update_delete(body: Node, locks: _Locks, command: str) -> None:
    if _whole_table(body.get("whereClause")):
        locks.add_relation(
            body.get("relation"),
            LockMode.ROW_EXCLUSIVE,
            Effect.ALL_ROWS,
            f"`{command}` without `WHERE` locks every row until the transaction ends",
        )
    else:
        locks.add_relation(
            body.get("relation"),
            LockMode.ROW_EXCLUSIVE,
            why=f"`{command}` locks the rows it changes until the transaction ends",
        )


def _update(body: Node, locks: _Locks) -> None:
    _update_delete(body, locks, "UPDATE")


def _delete(body: Node, locks: _Locks) -> None:
    _update_delete(body, locks, "DELETE")


def _insert(body: Node, locks: _Locks) -> None:
    locks.add_relation(body.get("relation"), LockMode.ROW_EXCLUSIVE, why="`INSERT`")


def _merge_stmt(body: Node, locks: _Locks) -> None:
    locks.add_relation(body.get("relation"), LockMode.ROW_EXCLUSIVE, why="`MERGE`")


def _lock(body: Node, locks: _Locks) -> None:
    try:
        mode = LockMode(int(body.get("mode", LockMode.ACCESS_EXCLUSIVE)))
    except ValueError:
        mode = LockMode.ACCESS_EXCLUSIVE
    for relation in body.get("relations", []) or []:
        locks.add_relation(relation, mode, why=f"`LOCK … IN {mode.pg_name} MODE`")


#: renaming a relation or one of its parts locks the relation
_RENAMED_RELATIONS = _COMMENT_RELATIONS | _COMMENT_CHILDREN


def _rename(body: Node, locks: _Locks) -> None:
    kind = body.get("renameType", "")
    relation = body.get("relation")
    if kind in _RENAMED_RELATIONS:
        locks.add_relation(relation, LockMode.ACCESS_EXCLUSIVE, why="`RENAME`")
    elif kind == "OBJECT_INDEX" and relation:
        mode = (
            LockMode.SHARE_UPDATE_EXCLUSIVE if locks.pg_version >= 12 else LockMode.ACCESS_EXCLUSIVE
        )
        parts = tuple(p for p in (relation.get("schemaname"), relation.get("relname")) if p)
        locks.add_index(parts, mode, mode, why="`ALTER INDEX … RENAME`")


def _set_schema(body: Node, locks: _Locks) -> None:
    if body.get("objectType") in _DROPPED_RELATIONS:
        locks.add_relation(body.get("relation"), LockMode.ACCESS_EXCLUSIVE, why="`SET SCHEMA`")


# -- ALTER TABLE -------------------------------------------------------------------------------

_A = LockMode.ACCESS_EXCLUSIVE
_SUE = LockMode.SHARE_UPDATE_EXCLUSIVE
_SRE = LockMode.SHARE_ROW_EXCLUSIVE

#: sub-commands whose lock and effect do not depend on their arguments
_SIMPLE: dict[str, tuple[LockMode, Effect, str]] = {
    "AT_DropColumn": (_A, Effect.NONE, "`DROP COLUMN` (the data stays on disk until rewritten)"),
    "AT_ColumnDefault": (_A, Effect.NONE, "`SET/DROP DEFAULT` changes only the catalog"),
    "AT_CookedColumnDefault": (_A, Effect.NONE, "a column default"),
    "AT_DropNotNull": (_A, Effect.NONE, "`DROP NOT NULL` changes only the catalog"),
    "AT_SetNotNull": (
        _A,
        Effect.SCAN,
        "`SET NOT NULL` reads every row to check it (PostgreSQL 12+ skips the scan when a valid "
        "`CHECK (col IS NOT NULL)` constraint exists)",
    ),
    "AT_ValidateConstraint": (
        _SUE,
        Effect.SCAN,
        "`VALIDATE CONSTRAINT` reads every row; reads and writes go on",
    ),
    "AT_DropConstraint": (_A, Effect.NONE, "`DROP CONSTRAINT`"),
    "AT_AlterConstraint": (_A, Effect.NONE, "`ALTER CONSTRAINT`"),
    "AT_EnableTrig": (_SRE, Effect.NONE, "`ENABLE TRIGGER` blocks writes"),
    "AT_EnableAlwaysTrig": (_SRE, Effect.NONE, "`ENABLE ALWAYS TRIGGER` blocks writes"),
    "AT_EnableReplicaTrig": (_SRE, Effect.NONE, "`ENABLE REPLICA TRIGGER` blocks writes"),
    "AT_EnableTrigAll": (_SRE, Effect.NONE, "`ENABLE TRIGGER ALL` blocks writes"),
    "AT_EnableTrigUser": (_SRE, Effect.NONE, "`ENABLE TRIGGER USER` blocks writes"),
    "AT_DisableTrig": (_SRE, Effect.NONE, "`DISABLE TRIGGER` blocks writes"),
    "AT_DisableTrigAll": (_SRE, Effect.NONE, "`DISABLE TRIGGER ALL` blocks writes"),
    "AT_DisableTrigUser": (_SRE, Effect.NONE, "`DISABLE TRIGGER USER` blocks writes"),
    "AT_EnableRowSecurity": (_A, Effect.NONE, "`ENABLE ROW LEVEL SECURITY`"),
    "AT_DisableRowSecurity": (_A, Effect.NONE, "`DISABLE ROW LEVEL SECURITY`"),
    "AT_ForceRowSecurity": (_A, Effect.NONE, "`FORCE ROW LEVEL SECURITY`"),
    "AT_NoForceRowSecurity": (_A, Effect.NONE, "`NO FORCE ROW LEVEL SECURITY`"),
    "AT_SetStatistics": (_SUE, Effect.NONE, "`SET STATISTICS`"),
    "AT_SetOptions": (_SUE, Effect.NONE, "column options"),
    "AT_ResetOptions": (_SUE, Effect.NONE, "column options"),
    "AT_ClusterOn": (_SUE, Effect.NONE, "`CLUSTER ON` only marks the index"),
    "AT_DropCluster": (_SUE, Effect.NONE, "`SET WITHOUT CLUSTER`"),
    "AT_SetStorage": (_A, Effect.NONE, "`SET STORAGE` (applies to new rows only)"),
    "AT_SetCompression": (_A, Effect.NONE, "`SET COMPRESSION` (applies to new rows only)"),
    "AT_ChangeOwner": (_A, Effect.NONE, "`OWNER TO`"),
    "AT_ReplicaIdentity": (_A, Effect.NONE, "`REPLICA IDENTITY`"),
    "AT_AddIdentity": (_A, Effect.NONE, "`ADD GENERATED … AS IDENTITY`"),
    "AT_SetIdentity": (_A, Effect.NONE, "identity options"),
    "AT_DropIdentity": (_A, Effect.NONE, "`DROP IDENTITY`"),
    "AT_DropExpression": (_A, Effect.NONE, "`DROP EXPRESSION`"),
    "AT_SetLogged": (_A, Effect.REWRITE, "`SET LOGGED` writes the whole table to the WAL"),
    "AT_SetUnLogged": (_A, Effect.REWRITE, "`SET UNLOGGED` rewrites the table"),
    "AT_SetAccessMethod": (_A, Effect.REWRITE, "`SET ACCESS METHOD` rewrites the table"),
    "AT_SetTableSpace": (
        _A,
        Effect.REWRITE,
        "`SET TABLESPACE` copies the table's files to the new tablespace",
    ),
    "AT_DropInherit": (_A, Effect.NONE, "`NO INHERIT`"),
    "AT_AddOf": (_A, Effect.NONE, "`OF type`"),
    "AT_DropOf": (_A, Effect.NONE, "`NOT OF`"),
    "AT_GenericOptions": (_A, Effect.NONE, "foreign table options"),
    "AT_AlterColumnGenericOptions": (_A, Effect.NONE, "foreign table column options"),
    "AT_DetachPartitionFinalize": (_SUE, Effect.NONE, "`DETACH PARTITION … FINALIZE`"),
    "AT_EnableRule": (_A, Effect.NONE, "`ENABLE RULE`"),
    "AT_EnableAlwaysRule": (_A, Effect.NONE, "`ENABLE ALWAYS RULE`"),
    "AT_EnableReplicaRule": (_A, Effect.NONE, "`ENABLE REPLICA RULE`"),
    "AT_DisableRule": (_A, Effect.NONE, "`DISABLE RULE`"),
}

#: reloptions whose change needs ACCESS EXCLUSIVE (they change what queries do); the others
#: (fillfactor, autovacuum_*, toast_*, parallel_workers, …) take SHARE UPDATE EXCLUSIVE
_STRONG_RELOPTIONS = frozenset(
    {"check_option", "security_barrier", "security_invoker", "user_catalog_table"}
)


def _alter_table(body: Node, locks: _Locks) -> None:
    objtype = body.get("objtype", "OBJECT_TABLE")
    relation = body.get("relation")
    if objtype == "OBJECT_INDEX":
        _alter_index(body, locks)
        return
    if objtype not in _DROPPED_RELATIONS or relation is None:
        return  # sequences, composite types: no table lock
    key = locks.key(relation)
    if key is None:
        return
    location = relation.get("location")
    for index, item in enumerate(body.get("cmds", []) or []):
        cmd = item.get("AlterTableCmd")
        if cmd is None:
            continue
        for part in _subcommand(cmd, key, locks):
            target, mode, effect, why = part
            locks.add(
                target,
                mode,
                effect,
                why,
                subcommand=index,
                location=location if target == key else None,
            )


_Part = tuple[Key, LockMode, Effect, str]


def _subcommand(cmd: Node, key: Key, locks: _Locks) -> list[_Part]:
    subtype = cmd.get("subtype", "")
    simple = _SIMPLE.get(subtype)
    if simple is not None:
        mode, effect, why = simple
        parts: list[_Part] = [(key, mode, effect, why)]
        if subtype == "AT_DropConstraint":
            parts.extend(_dropped_foreign_key(cmd, key, locks))
        elif subtype == "AT_ValidateConstraint":
            table = locks.context.catalog.tables.get(key)
            con = table.constraints.get(cmd.get("name", "")) if table else None
            if con is not None and con.type == "f" and con.references:
                parts.append(
                    (con.references, LockMode.ROW_SHARE, Effect.NONE, "validating the foreign key")
                )
        return parts
    definition = cmd.get("def") or {}
    if subtype == "AT_AddColumn":
        coldef = definition.get("ColumnDef", {})
        table = locks.context.catalog.tables.get(key)
        if cmd.get("missing_ok") and table and coldef.get("colname") in table.columns:
            return [(key, _A, Effect.NONE, "`ADD COLUMN IF NOT EXISTS`: the column exists")]
        return _add_column(coldef, key, locks)
    if subtype == "AT_AlterColumnType":
        effect, why = _type_change(cmd, key, locks)
        return [(key, _A, effect, why)]
    if subtype == "AT_AddConstraint":
        return _add_constraint(definition.get("Constraint", {}), key, locks)
    if subtype in ("AT_SetRelOptions", "AT_ResetRelOptions", "AT_ReplaceRelOptions"):
        names = {
            option.get("DefElem", {}).get("defname", "")
            for option in definition.get("List", {}).get("items", []) or []
        }
        strong = subtype == "AT_ReplaceRelOptions" or bool(names & _STRONG_RELOPTIONS)
        return [(key, _A if strong else _SUE, Effect.NONE, "storage parameters")]
    if subtype == "AT_AttachPartition":
        return _attach(definition.get("PartitionCmd", {}), key, locks)
    if subtype == "AT_DetachPartition":
        return _detach(definition.get("PartitionCmd", {}), key, locks)
    if subtype == "AT_AddInherit":
        parent = locks.key(definition)
        parts = [(key, _A, Effect.NONE, "`INHERIT`")]
        if parent is not None:
            parts.append((parent, _SUE, Effect.NONE, "`INHERIT` locks the parent"))
        return parts
    # anything else: PostgreSQL's default is the strongest lock
    return [(key, _A, Effect.NONE, "`ALTER TABLE`")]


def _dropped_foreign_key(cmd: Node, key: Key, locks: _Locks) -> list[_Part]:
    table = locks.context.catalog.tables.get(key)
    con = table.constraints.get(cmd.get("name", "")) if table else None
    if con is None or con.type != "f" or not con.references or con.references == key:
        return []
    return [
        (
            con.references,
            _A,
            Effect.NONE,
            "dropping a foreign key drops its triggers on the referenced table",
        )
    ]


def _functions_volatility(expr: Node | None, locks: _Locks) -> str:
    """The most volatile function an expression calls: 'i', 's' or 'v'."""
    if not expr:
        return "i"
    rank = {"i": 0, "s": 1, "v": 2}
    worst = "i"
    context = locks.context
    for kind, node in walk(expr):
        if kind == "FuncCall":
            parts = strings(node.get("funcname"))
            nargs = len(node.get("args", []) or [])
            volatility = context.builtins.function_volatility(parts, nargs) if parts else None
            if volatility is None and parts:
                name = QualifiedName.from_parts(parts)
                functions = context.catalog.functions
                overloads = functions.get(
                    context.catalog.resolve(name.schema, name.name, functions)  # type: ignore[arg-type]
                )
                if overloads:
                    volatility = max((f.volatility for f in overloads), key=rank.__getitem__)
            volatility = volatility or "v"  # unknown function: assume the worst
        elif kind == "SQLValueFunction":
            volatility = "s"  # CURRENT_TIMESTAMP, CURRENT_USER, …
        elif kind in ("SubLink", "NextValueExpr"):
            volatility = "v"
        else:
            continue
        if rank.get(volatility, 2) > rank[worst]:
            worst = volatility
            if worst == "v":
                break
    return worst


_SERIALS = frozenset({"serial", "bigserial", "smallserial", "serial2", "serial4", "serial8"})


def _add_column(coldef: Node, key: Key, locks: _Locks) -> list[_Part]:
    column = coldef.get("colname", "")
    effect, why = Effect.NONE, f"`ADD COLUMN {column}` changes only the catalog"
    parts: list[_Part] = []

    def worse(new_effect: Effect, new_why: str) -> None:
        nonlocal effect, why
        if new_effect.rank > effect.rank:
            effect, why = new_effect, new_why

    ref = type_ref(coldef.get("typeName"))
    default: Node | None = coldef.get("raw_default")
    has_default = False
    not_null = False
    for item in coldef.get("constraints", []) or []:
        con = item.get("Constraint", {})
        contype = con.get("contype")
        if contype == "CONSTR_DEFAULT":
            default = con.get("raw_expr")
        elif contype == "CONSTR_NOTNULL":
            not_null = True
        elif contype == "CONSTR_IDENTITY":
            worse(Effect.REWRITE, f"an identity column fills `{column}` in every row: rewrite")
        elif contype == "CONSTR_GENERATED" and con.get("generated_kind", "s") == "s":
            worse(Effect.REWRITE, f"a stored generated column computes `{column}` for every row")
        elif contype == "CONSTR_CHECK":
            worse(Effect.SCAN, f"the `CHECK` on `{column}` is checked against every row")
        elif contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
            worse(Effect.INDEX_BUILD, f"`{column}`'s constraint builds a unique index")
            not_null = not_null or contype == "CONSTR_PRIMARY"
        elif contype == "CONSTR_FOREIGN":
            worse(Effect.SCAN, f"the foreign key on `{column}` is checked against every row")
            referenced = locks.key(con.get("pktable"))
            if referenced is not None and referenced != key:
                parts.append(
                    (
                        referenced,
                        _SRE,
                        Effect.NONE,
                        f"the foreign key on `{display_name(key)}.{column}` adds triggers",
                    )
                )
    if default is not None and const_value(default) is None and "A_Const" in default:
        default = None  # DEFAULT NULL
    has_default = default is not None
    if ref is not None and ref.name in _SERIALS and not ref.schema:
        worse(
            Effect.REWRITE, f"`{ref.name}` fills `{column}` from a sequence in every row: rewrite"
        )
    elif has_default:
        if locks.pg_version < 11:
            worse(Effect.REWRITE, "before PostgreSQL 11 a column default is written to every row")
        elif _functions_volatility(default, locks) == "v":
            worse(Effect.REWRITE, f"a volatile default is computed for every row of `{column}`")
    if not_null and not has_default and effect is Effect.NONE:
        worse(Effect.SCAN, "`NOT NULL` without a default is checked against every row")
    return [(key, _A, effect, why), *parts]


_TYPMOD_WIDENS = {
    # types whose typmod can grow without a rewrite (their length-coercion support function)
    "varchar",
    "varbit",
    "numeric",
    "timestamp",
    "timestamptz",
    "time",
    "timetz",
}


def _parse_type_text(text: str) -> TypeRef | None:
    """A catalog column type (``varchar(255)``, ``int4[]``, ``app.status``) as a TypeRef."""
    if text == "unknown":
        return None
    parts = type_text_parts(text)
    modifiers = tuple(int(m) if m.lstrip("-").isdigit() else m for m in parts.modifiers if m)
    return TypeRef(parts.names, modifiers, parts.array, None)


def _typmod_fits(name: str, old: tuple[int | str, ...], new: tuple[int | str, ...]) -> bool:
    """Whether changing the typmod from ``old`` to ``new`` needs no rewrite."""
    if old == new or (not new and name in _TYPMOD_WIDENS):
        return True
    if not old or name not in _TYPMOD_WIDENS:
        return False
    try:
        if name == "numeric":
            old_scale = int(old[1]) if len(old) > 1 else 0
            new_scale = int(new[1]) if len(new) > 1 else 0
            return new_scale == old_scale and int(new[0]) >= int(old[0])
        return int(new[0]) >= int(old[0])
    except (ValueError, IndexError):
        return False


def _type_change(cmd: Node, key: Key, locks: _Locks) -> tuple[Effect, str]:
    column = cmd.get("name", "")
    coldef = (cmd.get("def") or {}).get("ColumnDef", {})
    target = type_ref(coldef.get("typeName"))
    rewrite = f"changing `{column}`'s type rewrites the table and rebuilds its indexes"
    using = coldef.get("raw_default")
    if using is not None and not _trivial_using(using, column):
        return Effect.REWRITE, rewrite + " (`USING` computes every value)"
    table = locks.context.catalog.tables.get(key)
    current = table.columns.get(column) if table else None
    source = _parse_type_text(current.type) if current else None
    if target is None:
        return Effect.REWRITE, rewrite
    if source is None:
        return Effect.REWRITE, rewrite + " unless the old type converts without change"
    builtins = locks.context.builtins
    if source.array != target.array:
        return Effect.REWRITE, rewrite
    source_builtin = builtins.canonical_type(source.names)
    target_builtin = builtins.canonical_type(target.names)
    if source_builtin is not None or target_builtin is not None:
        same = source_builtin == target_builtin
    else:
        same = source.names[-1] == target.name and (
            source.schema is None or target.schema is None or source.schema == target.schema
        )
    if same:
        if _typmod_fits(target.name, source.modifiers, target.modifiers):
            return Effect.NONE, f"`{column}`'s new type needs no rewrite"
        return Effect.REWRITE, rewrite
    if source.array:
        return Effect.REWRITE, rewrite
    if builtins.binary_coercible(source.names, target.names):
        if not target.modifiers or _typmod_fits(target.name, (), target.modifiers):
            return Effect.NONE, f"`{column}`'s new type is binary-coercible: no rewrite"
        return Effect.REWRITE, rewrite + " (the new length is checked against every value)"
    return Effect.REWRITE, rewrite


def _trivial_using(using: Node, column: str) -> bool:
    """``USING col`` or ``USING col::newtype``: the same as no ``USING``."""
    node = using
    if "TypeCast" in node:
        node = node["TypeCast"].get("arg") or {}
    fields = strings(node.get("ColumnRef", {}).get("fields")) if "ColumnRef" in node else ()
    return bool(fields) and fields[-1] == column


def _add_constraint(con: Node, key: Key, locks: _Locks) -> list[_Part]:
    contype = con.get("contype", "")
    name = con.get("conname")
    label = f"`{name}`" if name else "the constraint"
    not_valid = bool(con.get("skip_validation"))
    if contype == "CONSTR_FOREIGN":
        effect = Effect.NONE if not_valid else Effect.SCAN
        why = (
            "`NOT VALID`: existing rows are not checked"
            if not_valid
            else f"{label} is checked against every row (`NOT VALID` skips that)"
        )
        parts: list[_Part] = [(key, _SRE, effect, why)]
        referenced = locks.key(con.get("pktable"))
        if referenced is not None and referenced != key:
            parts.append((referenced, _SRE, Effect.NONE, "a new foreign key adds triggers to it"))
        return parts
    if contype in ("CONSTR_PRIMARY", "CONSTR_UNIQUE", "CONSTR_EXCLUSION"):
        if con.get("indexname"):
            return [(key, _A, *_using_index(con, key, locks))]
        return [(key, _A, Effect.INDEX_BUILD, f"{label} builds its index under this lock")]
    if contype in ("CONSTR_CHECK", "CONSTR_NOTNULL"):
        if not_valid:
            return [(key, _A, Effect.NONE, "`NOT VALID`: existing rows are not checked")]
        return [(key, _A, Effect.SCAN, f"{label} is checked against every row")]
    return [(key, _A, Effect.NONE, "`ADD CONSTRAINT`")]


def _using_index(con: Node, key: Key, locks: _Locks) -> tuple[Effect, str]:
    """``ADD … USING INDEX``: instant, except a primary key on nullable columns."""
    if con.get("contype") != "CONSTR_PRIMARY":
        return Effect.NONE, "`USING INDEX` adopts an existing index"
    catalog = locks.context.catalog
    index = catalog.indexes.get((key[0], con.get("indexname", "")))
    table = catalog.tables.get(key)
    if index is not None and table is not None:
        for column_name in index.columns:
            column = table.columns.get(column_name or "")
            if column is not None and not column.not_null:
                return (
                    Effect.SCAN,
                    f"`PRIMARY KEY USING INDEX` sets `{column_name}` NOT NULL: every row is read",
                )
    return Effect.NONE, "`USING INDEX` adopts an existing index"


def _attach(cmd: Node, key: Key, locks: _Locks) -> list[_Part]:
    parent_mode = _SUE if locks.pg_version >= 12 else _A
    parts: list[_Part] = [(key, parent_mode, Effect.NONE, "`ATTACH PARTITION`")]
    partition = locks.key(cmd.get("name"))
    if partition is not None:
        parts.append(
            (
                partition,
                _A,
                Effect.SCAN,
                "`ATTACH PARTITION` reads every row of the partition to check its bound, unless "
                "a valid `CHECK` constraint proves it",
            )
        )
    return parts


def _detach(cmd: Node, key: Key, locks: _Locks) -> list[_Part]:
    concurrent = bool(cmd.get("concurrent"))
    mode = _SUE if concurrent else _A
    why = (
        "`DETACH PARTITION CONCURRENTLY` waits for running transactions"
        if concurrent
        else "`DETACH PARTITION`"
    )
    parts: list[_Part] = [(key, mode, Effect.NONE, why)]
    partition = locks.key(cmd.get("name"))
    if partition is not None:
        parts.append((partition, mode, Effect.NONE, why))
    return parts


def _alter_index(body: Node, locks: _Locks) -> None:
    relation = body.get("relation") or {}
    parts = tuple(p for p in (relation.get("schemaname"), relation.get("relname")) if p)
    for index, item in enumerate(body.get("cmds", []) or []):
        cmd = item.get("AlterTableCmd", {})
        subtype = cmd.get("subtype", "")
        if subtype == "AT_SetTableSpace":
            locks.add_index(
                parts,
                _A,
                _A,
                Effect.REWRITE,
                "`ALTER INDEX … SET TABLESPACE` copies the index; queries on its table wait",
                subcommand=index,
            )
        elif subtype in ("AT_SetRelOptions", "AT_ResetRelOptions", "AT_SetStatistics"):
            locks.add_index(parts, _SUE, _SUE, why="index options", subcommand=index)
        elif subtype == "AT_AttachPartition":
            locks.add_index(parts, _SUE, _SUE, why="`ALTER INDEX … ATTACH PARTITION`")
        else:
            locks.add_index(parts, _A, _A, why="`ALTER INDEX`", subcommand=index)


_HANDLERS: dict[str, Any] = {
    "IndexStmt": _index_stmt,
    "DropStmt": _drop,
    "AlterTableStmt": _alter_table,
    "CreateStmt": _create_table,
    "ViewStmt": _create_view,
    "CreateTableAsStmt": _create_table_as,
    "CreateTrigStmt": _create_trigger,
    "CreatePolicyStmt": _policy,
    "AlterPolicyStmt": _policy,
    "RuleStmt": _rule,
    "RefreshMatViewStmt": _refresh,
    "TruncateStmt": _truncate,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "ReindexStmt": _reindex,
    "CommentStmt": _comment,
    "UpdateStmt": _update,
    "DeleteStmt": _delete,
    "InsertStmt": _insert,
    "MergeStmt": _merge_stmt,
    "LockStmt": _lock,
    "RenameStmt": _rename,
    "AlterObjectSchemaStmt": _set_schema,
}


_OBJECT_WORDS = {
    "OBJECT_TABLE": "TABLE",
    "OBJECT_VIEW": "VIEW",
    "OBJECT_MATVIEW": "MATERIALIZED VIEW",
    "OBJECT_FOREIGN_TABLE": "FOREIGN TABLE",
    "OBJECT_INDEX": "INDEX",
    "OBJECT_TRIGGER": "TRIGGER",
    "OBJECT_POLICY": "POLICY",
    "OBJECT_RULE": "RULE",
    "OBJECT_SEQUENCE": "SEQUENCE",
    "OBJECT_TYPE": "TYPE",
}
_COMMANDS = {
    "CreateStmt": "CREATE TABLE",
    "ViewStmt": "CREATE VIEW",
    "CreateTrigStmt": "CREATE TRIGGER",
    "CreatePolicyStmt": "CREATE POLICY",
    "AlterPolicyStmt": "ALTER POLICY",
    "RuleStmt": "CREATE RULE",
    "RefreshMatViewStmt": "REFRESH MATERIALIZED VIEW",
    "TruncateStmt": "TRUNCATE",
    "ClusterStmt": "CLUSTER",
    "ReindexStmt": "REINDEX",
    "CommentStmt": "COMMENT ON",
    "UpdateStmt": "UPDATE",
    "DeleteStmt": "DELETE",
    "InsertStmt": "INSERT",
    "MergeStmt": "MERGE",
    "LockStmt": "LOCK",
    "AlterObjectSchemaStmt": "SET SCHEMA",
}


def command_name(statement: Statement) -> str:
    """The statement's command as SQL words (``ALTER TABLE``, ``DROP INDEX``, ``UPDATE``)."""
    kind = statement.kind
    body = statement.body
    if kind == "IndexStmt":
        return "CREATE INDEX CONCURRENTLY" if body.get("concurrent") else "CREATE INDEX"
    if kind == "DropStmt":
        return "DROP " + _OBJECT_WORDS.get(body.get("removeType", ""), "")
    if kind == "AlterTableStmt":
        return "ALTER " + _OBJECT_WORDS.get(body.get("objtype", ""), "TABLE")
    if kind == "RenameStmt":
        return "RENAME"
    if kind == "CreateTableAsStmt":
        matview = body.get("objtype") == "OBJECT_MATVIEW"
        return "CREATE MATERIALIZED VIEW" if matview else "CREATE TABLE AS"
    if kind == "VacuumStmt":
        if not body.get("is_vacuumcmd"):
            return "ANALYZE"
        return "VACUUM FULL" if vacuum_full(body) else "VACUUM"
    return _COMMANDS.get(kind, kind.removesuffix("Stmt"))
