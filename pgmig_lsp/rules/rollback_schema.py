"""incomplete-down: replaying up then down does not give back the schema from before up.

The engine replays the up section, then the down section, into the same catalog. The rule keeps
a copy-on-write fork of the catalog from before the up section; when the down section ends it
fingerprints only the objects that are not the very same Python object on both sides (the
others were never touched) and names the differences. Only what the catalog knows is compared:
objects from earlier migrations that the catalog does not hold are never reported, except
columns the up section adds to such tables, which are followed by name.
"""

from __future__ import annotations

from typing import Any

import attrs

from pgmig_lsp.catalog.model import Catalog, Constraint, Function, Index, Key, Mark, Origin, Table
from pgmig_lsp.catalog.replay import type_text, type_text_parts
from pgmig_lsp.findings import Severity
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.drops import alter_table_commands, is_table_alter, shown
from pgmig_lsp.rules.rollback import (
    canonical_type,
    marked_irreversible,
    needs_undo,
    origin_statement,
    section_of,
    section_unparsed,
)
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import QualifiedName, drop_object_names, strings, type_ref, walk
from pgmig_lsp.sql.parse import Statement

ObjectKey = tuple[str, ...]

#: a fact whose value the catalog does not know (a default written as an expression it did not
#: keep, the columns of a view): equal to any known value but "none"
UNKNOWN = "?"
NONE = "none"

_RELATION_WORD = {"table": "table", "view": "view", "matview": "materialized view"}
_TABLE_DROPS = ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE")


@attrs.frozen
class Entry:
    """One object of the catalog, as compared: a label, its parent and its facts."""

    label: str
    parent: ObjectKey | None
    facts: tuple[tuple[str, str], ...]
    origin: Origin | None
    obj: object = attrs.field(eq=False, default=None)
    #: replay could not model everything done to it: do not compare its facts
    uncertain: bool = False


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _default(value: str | None) -> str:
    if value is None:
        return NONE
    return UNKNOWN if value == "expr" else value


class Fingerprints:
    """Builds the entries compared, caching type spellings (the costly part)."""

    def __init__(self, context: MigrationContext) -> None:
        self.context = context
        self._types: dict[str, str] = {}

    def type(self, text: str) -> str:
        known = self._types.get(text)
        if known is None:
            known = UNKNOWN if text == "unknown" else canonical_type(self.context, text)
            self._types[text] = known
        return known

    def small(self, catalog: Catalog, out: dict[ObjectKey, Entry]) -> None:
        """Schemas, extensions, types, functions and sequences: every one the catalog knows."""
        for schema in catalog.schemas:
            out[("schema", schema)] = Entry(f"schema `{schema}`", None, (), None)
        for extension in catalog.extensions:
            out[("extension", extension)] = Entry(f"extension `{extension}`", None, (), None)
        for key, typedef in catalog.types.items():
            out[("type", *key)] = Entry(
                f"type `{shown(key)}`",
                None,
                (("kind", typedef.kind), ("values", ", ".join(typedef.values))),
                typedef.origin,
                typedef,
            )
        for key, overloads in catalog.functions.items():
            for function in overloads:
                arguments = tuple(self.type(a) for a in function.arguments)
                returns = self.type(function.returns) if function.returns else NONE
                out[("function", *key, *arguments)] = Entry(
                    f"function `{shown(key)}({', '.join(arguments)})`",
                    None,
                    (("returns", returns),),
                    function.origin,
                    function,
                )
        for key, sequence in catalog.sequences.items():
            out[("sequence", *key)] = Entry(
                f"sequence `{shown(key)}`", None, (), sequence.origin, sequence
            )

    def table(self, table: Table, out: dict[ObjectKey, Entry]) -> None:
        """A table (or view) with its columns, constraints, policies and triggers."""
        key = table.key
        table_key: ObjectKey = ("table", *key)
        name = shown(key)
        uncertain = table.uncertain
        out[table_key] = Entry(
            f"{_RELATION_WORD.get(table.kind, table.kind)} `{name}`",
            None,
            (
                ("kind", table.kind),
                ("row level security", _yes(table.rls_enabled)),
                ("forced row level security", _yes(table.rls_forced)),
            ),
            table.origin,
            table,
            uncertain,
        )
        for column in table.columns.values():
            out[("column", *key, column.name)] = Entry(
                f"column `{name}.{column.name}`",
                table_key,
                (
                    ("type", self.type(column.type)),
                    ("NOT NULL", _yes(column.not_null)),
                    ("default", _default(column.default)),
                    ("identity", column.identity or NONE),
                    ("generated", _yes(column.generated)),
                ),
                column.origin,
                column,
                uncertain,
            )
        for constraint in table.constraints.values():
            references = shown(constraint.references) if constraint.references else NONE
            out[("constraint", *key, constraint.name)] = Entry(
                f"constraint `{constraint.name}` on `{name}`",
                table_key,
                (
                    ("kind", constraint.type),
                    ("columns", ", ".join(constraint.columns)),
                    ("references", references),
                    ("referenced columns", ", ".join(constraint.referenced_columns)),
                ),
                constraint.origin,
                constraint,
                uncertain,
            )
        for policy in table.policies.values():
            out[("policy", *key, policy.name)] = Entry(
                f"policy `{policy.name}` on `{name}`", table_key, (), policy.origin, policy
            )
        for trigger in table.triggers.values():
            out[("trigger", *key, trigger.name)] = Entry(
                f"trigger `{trigger.name}` on `{name}`",
                table_key,
                (("function", trigger.function or UNKNOWN),),
                trigger.origin,
                trigger,
                uncertain,
            )

    def index(self, catalog: Catalog, key: Key, index: Index, out: dict[ObjectKey, Entry]) -> None:
        parent: ObjectKey | None = None
        if index.table in catalog.tables:
            parent = ("table", *index.table)
        out[("index", *key)] = Entry(
            f"index `{shown(key)}`",
            parent,
            (
                ("table", shown(index.table)),
                ("columns", ", ".join(c or "(expression)" for c in index.columns)),
                ("unique", _yes(index.unique)),
                ("partial", _yes(index.partial)),
                ("method", index.method),
            ),
            index.origin,
            index,
        )


def _same_objects(before: dict[Key, Any], after: dict[Key, Any], keys: set[Key]) -> bool:
    return all(before.get(key) is after.get(key) for key in keys)


def _same_overloads(before: list[Function] | None, after: list[Function] | None) -> bool:
    # overload lists are replaced, not changed in place, but hold the same functions
    if before is None or after is None:
        return before is after
    return len(before) == len(after) and all(a is b for a, b in zip(before, after, strict=True))


def _small_changed(before: Catalog, after: Catalog, written: tuple[set[Key], ...]) -> bool:
    """Whether schemas, extensions, types, functions or sequences differ at all."""
    if before.schemas != after.schemas or before.extensions != after.extensions:
        return True
    _, _, types, functions, sequences = written
    if not _same_objects(before.types, after.types, types):
        return True
    if not _same_objects(before.sequences, after.sequences, sequences):
        return True
    return not all(
        _same_overloads(before.functions.get(key), after.functions.get(key)) for key in functions
    )


def _restored(before: Catalog, after: Catalog, key: Key) -> bool:
    """Whether the table ``key`` and its indexes are equal on both sides (origins included)."""
    old, new = before.tables.get(key), after.tables.get(key)
    if old is None or new is None or old != new:
        return False
    indexes = before.index_keys_on(key)
    return indexes == after.index_keys_on(key) and all(
        before.indexes[index] == after.indexes[index] for index in indexes
    )


def changed_entries(
    prints: Fingerprints, before: Catalog, after: Catalog, since: Mark
) -> tuple[dict[ObjectKey, Entry], dict[ObjectKey, Entry]]:
    """Entries of the objects that may differ between ``before`` and ``after``.

    ``after`` is the catalog ``before`` was forked from, at ``since``: only the keys written
    since then are compared (the objects of the others are shared, untouched). A table is also
    compared when one of its indexes is (an index entry is compared under its table).
    """
    old: dict[ObjectKey, Entry] = {}
    new: dict[ObjectKey, Entry] = {}
    written = after.written_since(since)
    if _small_changed(before, after, written):
        prints.small(before, old)
        prints.small(after, new)
    tables, indexes = set(written[0]), written[1]
    for key in indexes:
        for catalog in (before, after):
            index = catalog.indexes.get(key)
            if index is not None:
                tables.add(index.table)
    # a table changed and changed back (a column added, then dropped) is equal: skip it
    tables = {key for key in tables if not _restored(before, after, key)}
    for catalog, out in ((before, old), (after, new)):
        if len(tables) > 1:
            # in the catalog's own order, so that messages list objects as the schema holds them
            for key, table in catalog.tables.items():
                if key in tables:
                    prints.table(table, out)
        else:
            for key in tables:
                if key in catalog.tables:
                    prints.table(catalog.tables[key], out)
        for key in sorted(tables):  # also tables the catalog does not know
            for index_key in catalog.index_keys_on(key):
                prints.index(catalog, index_key, catalog.indexes[index_key], out)
    return old, new


def _same(before: str, after: str) -> bool:
    if before == after:
        return True
    if UNKNOWN in (before, after):
        return NONE not in (before, after)
    return False


def differences(before: Entry, after: Entry) -> list[str]:
    """The facts that differ, as ``default `false`, was `true```."""
    if before.uncertain or after.uncertain:
        return []
    old = dict(before.facts)
    out = []
    for fact, value in after.facts:
        previous = old.get(fact)
        if previous is not None and not _same(previous, value):
            out.append(f"{fact} `{value}`, was `{previous}`")
    return out


@attrs.define
class _DownEffects:
    """What the down section dropped that replay does not model (or cannot: unknown tables)."""

    unknown_tables: set[Key] = attrs.Factory(set)
    unknown_columns: set[tuple[Key, str]] = attrs.Factory(set)
    #: indexes dropped by a name replay did not give them (it names unnamed indexes roughly)
    unknown_indexes: set[Key] = attrs.Factory(set)
    cascade_tables: set[Key] = attrs.Factory(set)
    cascade_types: set[Key] = attrs.Factory(set)
    cascade_functions: set[Key] = attrs.Factory(set)
    cascade_schemas: set[str] = attrs.Factory(set)
    #: the down section runs code replay cannot follow (``DO`` blocks, procedures)
    opaque: bool = False


_MAX_LISTED = 8


class IncompleteDown(Rule):
    """Flags a down section that does not give back the schema from before the up section.

    ## What it does
    Replays the up section and then the down section, and compares the schema with the one
    before the up section. Reports, once per migration, each object left behind (created by the
    up section, still there), not restored (dropped, missing) or changed (a column's type,
    `NOT NULL` or default, an index's columns, an enum's values, …). Columns compare by name: a
    column re-added at the end of the table is restored. Only objects pgmig knows are compared
    (created in this migration, or from replayed earlier migrations, a snapshot or a live
    database). Not reported when there is no down section (`missing-down`), when the down
    section changes nothing (`empty-down`), or when the migration is marked
    `-- pgmig: irreversible`.

    ## Why is this bad?
    After a rollback, the schema is not the one the previous release was written and tested
    against: a leftover `NOT NULL` column breaks its inserts, a missing index makes its queries
    slow, and running the migration again fails on objects that already exist.

    ## Lock
    None by itself.

    ## Instead
    Undo every change of the up section in the down section, in reverse order; restore dropped
    objects exactly as they were (type, `NOT NULL`, default). If the migration cannot be fully
    undone, mark it `-- pgmig: irreversible` with a reason.

    ## Example
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    CREATE INDEX notes_body_idx ON notes (body);
    CREATE TYPE note_kind AS ENUM ('plain', 'todo');

    -- migrate:down
    DROP TABLE notes;
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY, body text);
    CREATE INDEX notes_body_idx ON notes (body);
    CREATE TYPE note_kind AS ENUM ('plain', 'todo');

    -- migrate:down
    DROP TYPE IF EXISTS note_kind;
    DROP TABLE IF EXISTS notes;
    ```
    """

    id = "incomplete-down"
    group = Group.ROLLBACK
    severity = Severity.WARNING
    kinds = None
    summary = "up then down does not give back the schema from before up"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: the catalog before the up section (a copy-on-write fork: cheap)
        self._before: Catalog | None = None
        #: the up section found no undo expected (None: not asked yet)
        self._off: bool | None = None
        #: the working catalog's changes when ``_before`` was forked from it
        self._since = Mark(())
        self._prints = Fingerprints(context)
        self._effects = _DownEffects()
        #: columns the up section added to tables the catalog does not know, with their type
        self._added: dict[tuple[Key, str], str] = {}
        #: tables the catalog does not know that the up section renamed: not followed
        self._renamed: set[Key] = set()

    def begin_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.UP or self._before is not None:
            return
        self._off = self._no_undo_expected()
        if self._off:
            return
        self._before = self.context.catalog.fork()
        self._since = self.context.catalog.mark()

    def _no_undo_expected(self) -> bool:
        """No down section, or one marked irreversible (anywhere in the migration's text)."""
        migration = self.context.migration
        return migration.section(SectionKind.DOWN) is None or marked_irreversible(migration)

    def resume(self, section: SectionContext, position: int) -> bool:
        return self._off is None or self._off == self._no_undo_expected()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if self._before is None or statement.in_function:
            return
        if section.kind is SectionKind.UP:
            self._follow_up(statement)
        elif section.kind is SectionKind.DOWN:
            self._follow_down(statement)

    def _follow_up(self, statement: Statement) -> None:
        """Columns added to tables the catalog does not know (replay cannot keep them)."""
        kind = statement.kind
        body = statement.body
        if kind == "DropStmt" and self._added and body.get("removeType") in _TABLE_DROPS:
            dropped = {
                self.context.table_key(QualifiedName.from_parts(parts))
                for parts in drop_object_names(body)
            }
            self._added = {k: v for k, v in self._added.items() if k[0] not in dropped}
            return
        if kind not in ("AlterTableStmt", "RenameStmt"):
            return
        key = self.context.table_key(body.get("relation"))
        if key is None or key in self.context.catalog.tables:
            return
        if kind == "RenameStmt":
            old = body.get("subname", "")
            if body.get("renameType") == "OBJECT_COLUMN" and (key, old) in self._added:
                self._added[(key, body.get("newname", ""))] = self._added.pop((key, old))
            elif body.get("renameType") == "OBJECT_TABLE":
                self._renamed.add(key)
            return
        if not is_table_alter(body):
            return
        for _, cmd in alter_table_commands(body):
            subtype = cmd.get("subtype")
            if subtype == "AT_AddColumn" and not cmd.get("missing_ok"):
                coldef = (cmd.get("def") or {}).get("ColumnDef") or {}
                if coldef.get("colname"):
                    column_type = type_text(type_ref(coldef.get("typeName")))
                    self._added[(key, coldef["colname"])] = column_type
            elif subtype == "AT_DropColumn":
                self._added.pop((key, cmd.get("name", "")), None)

    def _follow_down(self, statement: Statement) -> None:
        effects = self._effects
        kind = statement.kind
        if kind in ("DoStmt", "CallStmt"):
            effects.opaque = True
            return
        body = statement.body
        catalog = self.context.catalog
        if kind == "RenameStmt":
            key = self.context.table_key(body.get("relation"))
            if key is not None and key not in catalog.tables:
                if body.get("renameType") == "OBJECT_COLUMN":
                    effects.unknown_columns.add((key, body.get("subname", "")))
                elif body.get("renameType") == "OBJECT_TABLE":
                    effects.unknown_tables.add(key)
            return
        if kind == "AlterTableStmt":
            key = self.context.table_key(body.get("relation"))
            if key is None or key in catalog.tables or not is_table_alter(body):
                return
            for _, cmd in alter_table_commands(body):
                if cmd.get("subtype") == "AT_DropColumn" and cmd.get("name"):
                    effects.unknown_columns.add((key, cmd["name"]))
            return
        if kind != "DropStmt":
            return
        remove = body.get("removeType", "")
        cascade = body.get("behavior") == "DROP_CASCADE"
        for parts in drop_object_names(body):
            name = QualifiedName.from_parts(parts)
            if remove in _TABLE_DROPS:
                key = catalog.resolve(name.schema, name.name, catalog.tables)  # type: ignore[arg-type]
                if key not in catalog.tables:
                    effects.unknown_tables.add(key)
                if cascade:
                    effects.cascade_tables.add(key)
            elif remove == "OBJECT_INDEX":
                key = catalog.resolve(name.schema, name.name, catalog.indexes)  # type: ignore[arg-type]
                if key not in catalog.indexes:
                    effects.unknown_indexes.add(key)
            elif not cascade:
                continue
            elif remove in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
                effects.cascade_types.add(catalog.resolve(name.schema, name.name, catalog.types))  # type: ignore[arg-type]
            elif remove in ("OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"):
                effects.cascade_functions.add(
                    catalog.resolve(name.schema, name.name, catalog.functions)  # type: ignore[arg-type]
                )
            elif remove == "OBJECT_SCHEMA":
                effects.cascade_schemas.add(parts[-1])

    def end_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.DOWN or self._before is None:
            return
        before, self._before = self._before, None
        if self._effects.opaque or section_unparsed(self.context, section.section):
            return
        if not needs_undo(section.statements):
            return  # an empty down section: empty-down reports it, once
        old, new = changed_entries(self._prints, before, self.context.catalog, self._since)
        left, missing, changed = self._compare(old, new)
        parts = []
        if left:
            parts.append("left behind: " + _listing(left))
        if missing:
            parts.append("not restored: " + _listing(missing))
        if changed:
            parts.append("changed: " + _listing(changed))
        if not parts:
            return
        anchor: Span | Statement | None = None
        if section.section.marker is not None:
            span = section.section.marker
        elif section.statements:
            anchor = section.statements[0]
            span = anchor.span
        else:
            span = Span(section.section.span.start, section.section.span.start)
        self.report(
            section,
            span,
            "Running the up section and then this down section does not give back the schema "
            "from before: " + "; ".join(parts) + ". Undo each change in the down section, or mark "
            "the migration `-- pgmig: irreversible` if it cannot be undone",
            statement=anchor,
        )

    # -- comparison ----------------------------------------------------------------------

    def _compare(
        self, before: dict[ObjectKey, Entry], after: dict[ObjectKey, Entry]
    ) -> tuple[list[str], list[str], list[str]]:
        complete = self.context.catalog.complete
        left: list[str] = []
        missing: list[str] = []
        changed: list[str] = []
        for key, entry in after.items():
            if key in before:
                previous = before[key]
                if (entry.parent is not None and entry.parent not in before) or (
                    previous.parent is not None and previous.parent not in after
                ):
                    continue  # moved with a renamed table: the table is reported
                diff = differences(previous, entry)
                if diff:
                    changed.append(f"{entry.label} ({'; '.join(diff)})")
                continue
            if entry.parent is not None and entry.parent not in before:
                continue  # its table is reported
            if self._gone_anyway(key, entry):
                continue
            where = self._created_in(key, entry)
            if where is SectionKind.DOWN or where is None:
                if where is SectionKind.DOWN and complete:
                    left.append(f"{entry.label} (created by the down section)")
                continue
            left.append(entry.label)
        left.extend(self._columns_left_on_unknown_tables())
        gone_columns = {
            (key[1], key[2], key[3]) for key in before if key[0] == "column" and key not in after
        }
        for key, entry in before.items():
            if key in after:
                continue
            if entry.parent is not None and entry.parent not in after:
                continue
            if _on_missing_columns(entry, gone_columns):
                continue  # went with its column, which is reported
            missing.append(entry.label)
        return left, missing, changed

    def _columns_left_on_unknown_tables(self) -> list[str]:
        effects = self._effects
        catalog = self.context.catalog
        left = []
        for (table, column), column_type in self._added.items():
            if (
                table in catalog.tables
                or table in self._renamed
                or table in effects.unknown_tables
                or table in effects.cascade_tables
                or table[0] in effects.cascade_schemas
                or (table, column) in effects.unknown_columns
                or self._uses_cascaded_type(column_type, catalog)
            ):
                continue
            left.append(f"column `{shown(table)}.{column}`")
        return left

    def _created_in(self, key: ObjectKey, entry: Entry) -> SectionKind | None:
        """Which section created an object absent before: UP (also for objects renamed by
        up), DOWN, or None when it should not be reported."""
        context = self.context
        if key[0] in ("schema", "extension"):
            return self._created_by_statement(key)
        if entry.origin is None:
            return None
        where = section_of(context, entry.origin)
        return SectionKind.UP if where is None else where

    def _created_by_statement(self, key: ObjectKey) -> SectionKind | None:
        kind, field = (
            ("CreateSchemaStmt", "schemaname")
            if key[0] == "schema"
            else ("CreateExtensionStmt", "extname")
        )
        for statement in self.context.up_statements:
            if statement.kind == kind and statement.body.get(field) == key[1]:
                if statement.body.get("if_not_exists") and not self.context.catalog.complete:
                    return None  # it may have existed before: leaving it is a choice
                return SectionKind.UP
        return SectionKind.DOWN

    def _gone_anyway(self, key: ObjectKey, entry: Entry) -> bool:
        """Dropped for real by the down section although replay kept it (a dropped column of a
        table replay does not know, a ``CASCADE``)."""
        effects = self._effects
        catalog = self.context.catalog
        obj = entry.obj
        if key[0] == "index" and isinstance(obj, Index):
            table = obj.table
            if (
                table in effects.unknown_tables
                or table in effects.cascade_tables
                or table[0] in effects.cascade_schemas
            ):
                return True
            if effects.unknown_indexes and self._unnamed(obj):
                # PostgreSQL's name for an unnamed index differs from replay's for expressions
                # and long names: any index of that table dropped under another name may be it
                prefix = f"{table[1][:29]}_"
                if any(
                    k[0] == table[0] and k[1].startswith(prefix) for k in effects.unknown_indexes
                ):
                    return True
            dropped = {column for t, column in effects.unknown_columns if t == table}
            return bool(dropped) and self._index_uses(obj, dropped)
        if key[0] == "column":
            return self._uses_cascaded_type(getattr(obj, "type", ""), catalog)
        if key[0] == "constraint":
            references = getattr(obj, "references", None)
            return references is not None and (
                references in effects.cascade_tables or references[0] in effects.cascade_schemas
            )
        if key[0] == "trigger":
            function = getattr(obj, "function", None) or ""
            name = QualifiedName.from_parts(tuple(function.split(".")))
            target = catalog.resolve(name.schema, name.name, catalog.functions)  # type: ignore[arg-type]
            return target in effects.cascade_functions or target[0] in effects.cascade_schemas
        if key[0] == "function":
            types = [*getattr(obj, "arguments", ()), getattr(obj, "returns", None) or ""]
            return any(self._uses_cascaded_type(t, catalog) for t in types)
        if key[0] == "sequence":
            return key[1] in effects.cascade_schemas
        return False

    def _uses_cascaded_type(self, type_name: str, catalog: Catalog) -> bool:
        effects = self._effects
        if not type_name or not (effects.cascade_types or effects.cascade_schemas):
            return False
        parts = type_text_parts(type_name).names
        name = QualifiedName.from_parts(parts)
        key = catalog.resolve(name.schema, name.name, catalog.types)  # type: ignore[arg-type]
        return key in effects.cascade_types or (
            name.schema is not None and name.schema in effects.cascade_schemas
        )

    def _unnamed(self, index: Index) -> bool:
        statement = origin_statement(self.context, index.origin)
        return (
            statement is not None
            and statement.kind == "IndexStmt"
            and not (statement.body.get("idxname"))
        )

    def _index_uses(self, index: Index, columns: set[str]) -> bool:
        if any(column in columns for column in index.columns if column):
            return True
        if all(index.columns) and not index.partial:
            return False
        statement = origin_statement(self.context, index.origin)
        if statement is None:
            return True  # an expression we cannot read: assume it used the column
        return _mentions(statement, columns)


def _on_missing_columns(entry: Entry, gone: set[tuple[str, str, str]]) -> bool:
    """An index or constraint that PostgreSQL dropped with one of its columns."""
    obj = entry.obj
    if not gone:
        return False
    if isinstance(obj, Index):
        schema, table = obj.table
        return any((schema, table, column) in gone for column in obj.columns if column)
    if isinstance(obj, Constraint) and entry.parent is not None:
        schema, table = entry.parent[1], entry.parent[2]
        return any((schema, table, column) in gone for column in obj.columns)
    return False


def _mentions(statement: Statement, columns: set[str]) -> bool:
    for kind, node in walk(statement.body):
        if kind == "ColumnRef":
            names = strings(node.get("fields"))
            if names and names[-1] in columns:
                return True
        elif kind == "IndexElem" and node.get("name") in columns:
            return True
    return False


def _listing(items: list[str]) -> str:
    shown_items = items[:_MAX_LISTED]
    text = ", ".join(shown_items)
    if len(items) > _MAX_LISTED:
        text += f" and {len(items) - _MAX_LISTED} more"
    return text
