"""What hover says about a catalog object: what it is at that point of the history, what it
depends on and what depends on it, and the migrations that created and changed it."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from pgmig_lsp.catalog.builtins import Builtins
from pgmig_lsp.catalog.model import Catalog, Column, Constraint, Origin, Table
from pgmig_lsp.catalog.snapshot import format_type
from pgmig_lsp.editor import objects
from pgmig_lsp.editor.objects import ObjectId
from pgmig_lsp.sql.nodes import quote_identifier

_CONSTRAINT_WORDS = {
    "p": "PRIMARY KEY",
    "u": "UNIQUE",
    "f": "FOREIGN KEY",
    "c": "CHECK",
    "x": "EXCLUDE",
}
_VOLATILITY = {"i": "immutable", "s": "stable", "v": "volatile"}
_TABLE_KINDS = {"table": "table", "view": "view", "matview": "materialized view"}


def describe(
    obj: ObjectId,
    catalog: Catalog,
    here: str = "",
    readers: Sequence[Table] = (),
    builtins: Builtins | None = None,
    reads: Sequence[Table] = (),
) -> str | None:
    """Markdown about ``obj`` as ``catalog`` has it; None when the catalog does not hold it.

    ``here`` identifies the hovered migration (`Origin.migration`): its objects are "created in
    this migration". ``readers`` are the views known to read a table, ``reads`` the relations a
    view reads. With ``builtins``, types are spelled as PostgreSQL prints them (``bigint``, not
    ``int8``).
    """
    text = _Describer(catalog, here, builtins)
    kind = obj.kind
    if kind == objects.TABLE:
        table = catalog.tables.get(obj.key)
        return None if table is None else text.table(table, readers, reads)
    if kind == objects.COLUMN:
        table = catalog.tables.get(obj.table_key)
        column = table.columns.get(obj.name) if table is not None else None
        return None if table is None or column is None else text.column(table, column)
    if kind in (objects.TRIGGER, objects.POLICY, objects.CONSTRAINT):
        table = catalog.tables.get(obj.table_key)
        return None if table is None else text.table_part(obj, table)
    describer = {
        objects.INDEX: text.index,
        objects.TYPE: text.type,
        objects.FUNCTION: text.function,
        objects.SEQUENCE: text.sequence,
        objects.SCHEMA: text.schema,
        objects.EXTENSION: text.extension,
    }.get(kind)
    return None if describer is None else describer(obj)


def migration_name(origin: Origin) -> str:
    """The file name of the migration an object comes from."""
    return origin.path.name


def _natural(text: str) -> list[object]:
    """A sort key that puts ``V2__`` before ``V10__``."""
    return [(0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)]


class _Describer:
    def __init__(self, catalog: Catalog, here: str, builtins: Builtins | None) -> None:
        self.catalog = catalog
        self.here = here
        self.builtins = builtins

    def type_text(self, text: str) -> str:
        if self.builtins is None:
            return text
        return format_type(text, self.builtins, self.catalog.search_path)

    # -- names and origins ---------------------------------------------------------------------

    def name(self, schema: str, name: str) -> str:
        """A schema-qualified name, without the schema when it is the first of the search path."""
        path = self.catalog.search_path
        if schema and not (path and schema == path[0]):
            return f"`{quote_identifier(schema)}.{quote_identifier(name)}`"
        return f"`{quote_identifier(name)}`"

    def created(self, origin: Origin | None) -> str:
        if origin is None:
            return "Created before the history pgmig knows of (or by something it cannot replay)."
        if origin.migration == self.here:
            return "Created in this migration."
        return f"Created by `{migration_name(origin)}`."

    def changed(self, origin: Origin | None, others: Iterable[Origin | None]) -> str:
        """The migrations after the creating one that changed the object, as far as known."""
        created = origin.migration if origin is not None else None
        seen: dict[str, str] = {}
        for other in others:
            if other is not None and other.migration != created:
                seen.setdefault(other.migration, migration_name(other))
        if not seen:
            return ""
        names = [
            "this migration" if key == self.here else f"`{name}`"
            for key, name in sorted(seen.items(), key=lambda item: _natural(item[1]))
        ]
        return "Changed by " + ", ".join(names) + "."

    def heading(self, kind: str, name: str, origin: Origin | None, *changes: str) -> list[str]:
        line = " ".join(part for part in (self.created(origin), *changes) if part)
        return [f"**{kind}** {name}", "", line]

    # -- tables ----------------------------------------------------------------------------------

    def table(self, table: Table, readers: Sequence[Table], reads: Sequence[Table]) -> str:
        catalog = self.catalog
        indexes = catalog.indexes_on(table.key)
        parts: list[Origin | None] = [
            *(c.origin for c in table.columns.values()),
            *(c.origin for c in table.constraints.values()),
            *(i.origin for i in indexes),
            *(p.origin for p in table.policies.values()),
            *(t.origin for t in table.triggers.values()),
        ]
        kind = _TABLE_KINDS.get(table.kind, table.kind)
        name = self.name(table.schema, table.name)
        lines = self.heading(kind, name, table.origin, self.changed(table.origin, parts))
        if table.comment:
            lines += ["", f"*{table.comment}*"]
        if table.uncertain:
            lines += ["", "A `DO` block or dynamic SQL may have changed it: pgmig cannot tell."]
        if table.columns:
            lines += ["", "Columns:"]
            lines += [f"- {self.column_line(column)}" for column in table.columns.values()]
        details: list[tuple[str, list[str]]] = [
            ("Indexes", [self.index_words(index.schema, index.name) for index in indexes]),
            ("Constraints", [self.constraint_words(c) for c in self.constraints(table, "pcux")]),
            ("References", [self.reference(c) for c in self.constraints(table, "f")]),
            ("Referenced by", self.referenced_by(table)),
            ("Policies", self.policies(table)),
            ("Triggers", [self.trigger_words(t.name, t.function) for t in table.triggers.values()]),
            ("Reads", [self.name(t.schema, t.name) for t in reads]),
            ("Views reading it", [self.name(v.schema, v.name) for v in readers]),
        ]
        for title, items in details:
            if items:
                lines += ["", f"{title}: " + "; ".join(items)]
        return "\n".join(lines)

    def constraints(self, table: Table, types: str) -> list[Constraint]:
        return [c for c in table.constraints.values() if c.type in types]

    def column_line(self, column: Column) -> str:
        words = [f"`{quote_identifier(column.name)}` {self.type_text(column.type)}"]
        if column.not_null:
            words.append("NOT NULL")
        if column.default is not None:
            words.append(f"DEFAULT {_expression(column.default)}")
        if column.identity is not None:
            when = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
            words.append(f"GENERATED {when} AS IDENTITY")
        if column.generated:
            words.append("GENERATED (stored)")
        line = " ".join(words)
        if column.comment:
            line += f" — *{column.comment}*"
        return line

    def index_words(self, schema: str, name: str) -> str:
        index = self.catalog.indexes.get((schema, name))
        if index is None:
            return f"`{quote_identifier(name)}`"
        columns = ", ".join(c if c is not None else "(expression)" for c in index.columns)
        words = f"`{quote_identifier(name)}` ({columns})"
        if index.unique:
            words += " unique"
        if index.method != "btree":
            words += f" using {index.method}"
        if index.partial:
            words += " partial"
        return words

    def constraint_words(self, constraint: Constraint) -> str:
        words = f"`{quote_identifier(constraint.name)}` {_CONSTRAINT_WORDS[constraint.type]}"
        if constraint.columns:
            words += f" ({', '.join(constraint.columns)})"
        if not constraint.validated:
            words += " NOT VALID"
        return words

    def reference(self, constraint: Constraint) -> str:
        """A foreign key of the table: the columns, what they reference, its actions."""
        target = constraint.references
        name = self.name(*target) if target is not None else "?"
        pairs = f"{', '.join(constraint.columns)} → {', '.join(constraint.referenced_columns)}"
        words = f"{name} ({pairs})"
        actions = []
        if constraint.on_delete and constraint.on_delete != "NO ACTION":
            actions.append(f"ON DELETE {constraint.on_delete}")
        if constraint.on_update and constraint.on_update != "NO ACTION":
            actions.append(f"ON UPDATE {constraint.on_update}")
        if not constraint.validated:
            actions.append("NOT VALID")
        if actions:
            words += " " + " ".join(actions)
        return words + f" via `{quote_identifier(constraint.name)}`"

    def referenced_by(self, table: Table, column: str | None = None) -> list[str]:
        """The foreign keys of other tables to ``table`` (to ``column`` of it)."""
        found = []
        for other in self.catalog.referencing_tables(table.key):
            for constraint in other.constraints.values():
                if constraint.type != "f" or constraint.references != table.key:
                    continue
                if column is not None and column not in constraint.referenced_columns:
                    continue
                columns = ", ".join(constraint.columns)
                found.append(f"{self.name(other.schema, other.name)} ({columns})")
        return found

    def policies(self, table: Table) -> list[str]:
        items = [f"`{quote_identifier(name)}`" for name in table.policies]
        if table.rls_enabled or table.policies:
            state = "enabled" if table.rls_enabled else "**not enabled**"
            if table.rls_forced:
                state += ", forced"
            items.append(f"row level security {state}")
        return items

    def trigger_words(self, name: str, function: str | None) -> str:
        words = f"`{quote_identifier(name)}`"
        return words + (f" → `{function}()`" if function else "")

    # -- parts of a table ---------------------------------------------------------------------

    def column(self, table: Table, column: Column) -> str:
        owner = self.name(table.schema, table.name)
        lines = [
            f"**column** `{quote_identifier(column.name)}` of {owner}",
            "",
            self.column_line(column),
            "",
            self.created(column.origin),
        ]
        name = column.name
        indexes = [
            self.index_words(i.schema, i.name)
            for i in self.catalog.indexes_on(table.key)
            if name in i.columns or name in i.include
        ]
        keys = [c for c in table.constraints.values() if name in c.columns]
        details = [
            ("Indexes", indexes),
            ("Constraints", [self.constraint_words(c) for c in keys if c.type != "f"]),
            ("References", [self.reference(c) for c in keys if c.type == "f"]),
            ("Referenced by", self.referenced_by(table, name)),
        ]
        for title, items in details:
            if items:
                lines += ["", f"{title}: " + "; ".join(items)]
        return "\n".join(lines)

    def table_part(self, obj: ObjectId, table: Table) -> str | None:
        owner = self.name(table.schema, table.name)
        name = f"`{quote_identifier(obj.name)}` on {owner}"
        if obj.kind == objects.TRIGGER and obj.name in table.triggers:
            trigger = table.triggers[obj.name]
            lines = self.heading("trigger", name, trigger.origin)
            when = " ".join(part for part in (trigger.timing, " OR ".join(trigger.events)) if part)
            if when:
                lines += ["", when + (" FOR EACH ROW" if trigger.for_each_row else "")]
            if trigger.function:
                lines += ["", f"Runs `{trigger.function}()`"]
            return "\n".join(lines)
        if obj.kind == objects.POLICY and obj.name in table.policies:
            policy = table.policies[obj.name]
            lines = self.heading("policy", name, policy.origin)
            if policy.command:
                roles = f" TO {', '.join(policy.roles)}" if policy.roles else ""
                lines += ["", f"FOR {policy.command}{roles}"]
            state = "enabled" if table.rls_enabled else "**not enabled**"
            lines += ["", f"Row level security: {state}"]
            return "\n".join(lines)
        if obj.kind == objects.CONSTRAINT and obj.name in table.constraints:
            constraint = table.constraints[obj.name]
            lines = self.heading("constraint", name, constraint.origin)
            words = self.reference(constraint) if constraint.type == "f" else None
            lines += ["", self.constraint_words(constraint)]
            if words:
                lines += ["", f"References {words}"]
            return "\n".join(lines)
        return None

    # -- other objects --------------------------------------------------------------------------

    def index(self, obj: ObjectId) -> str | None:
        index = self.catalog.indexes.get(obj.key)
        if index is None:
            return None
        lines = self.heading("index", self.name(index.schema, index.name), index.origin)
        lines += ["", f"On {self.name(*index.table)}: {self.index_words(index.schema, index.name)}"]
        if index.definition:
            lines += ["", f"`{index.definition}`"]
        owner = self.catalog.tables.get(index.table)
        if owner is not None and index.name in owner.constraints:
            lines += ["", f"Backs the constraint `{quote_identifier(index.name)}`"]
        return "\n".join(lines)

    def type(self, obj: ObjectId) -> str | None:
        typedef = self.catalog.types.get(obj.key)
        if typedef is None:
            return None
        kind = {"enum": "enum type", "composite": "composite type"}.get(typedef.kind, typedef.kind)
        lines = self.heading(kind, self.name(typedef.schema, typedef.name), typedef.origin)
        if typedef.values:
            lines += ["", "Values: " + ", ".join(f"`'{v}'`" for v in typedef.values)]
        if typedef.base_type:
            lines += ["", f"Over `{typedef.base_type}`"]
        if typedef.attributes:
            lines += ["", "Attributes:"]
            lines += [f"- `{n}` {self.type_text(t)}" for n, t in typedef.attributes]
        users = self.columns_of_type(obj)
        if users:
            lines += ["", "Used by: " + ", ".join(users)]
        return "\n".join(lines)

    def columns_of_type(self, obj: ObjectId) -> list[str]:
        names = {obj.name, f"{obj.schema}.{obj.name}"}
        found = []
        for table in self.catalog.tables.values():
            for column in table.columns.values():
                if column.type.split("(", 1)[0].removesuffix("[]") in names:
                    found.append(f"`{table.name}.{column.name}`")
        return found

    def function(self, obj: ObjectId) -> str | None:
        overloads = self.catalog.functions.get(obj.key)
        if not overloads:
            return None
        name = self.name(obj.schema, obj.name)
        kind = "procedure" if overloads[0].kind == "p" else "function"
        lines = self.heading(kind, name, overloads[0].origin)
        for function in overloads:
            returns = f" → {self.type_text(function.returns)}" if function.returns else ""
            volatility = _VOLATILITY.get(function.volatility, function.volatility)
            lines += [
                "",
                f"`{obj.name}({', '.join(map(self.type_text, function.arguments))})`{returns}, "
                f"{function.language}, {volatility}",
            ]
        qualified = {obj.name, f"{obj.schema}.{obj.name}"}
        triggers = [
            f"`{trigger.name}` on {self.name(table.schema, table.name)}"
            for table in self.catalog.tables.values()
            for trigger in table.triggers.values()
            if trigger.function in qualified
        ]
        if triggers:
            lines += ["", "Called by triggers: " + "; ".join(triggers)]
        return "\n".join(lines)

    def sequence(self, obj: ObjectId) -> str | None:
        sequence = self.catalog.sequences.get(obj.key)
        if sequence is None:
            return None
        lines = self.heading("sequence", self.name(obj.schema, obj.name), sequence.origin)
        if sequence.data_type:
            lines += ["", f"Of `{sequence.data_type}`"]
        if sequence.owned_by:
            _, table, column = sequence.owned_by
            lines += ["", f"Owned by `{table}.{column}`"]
        return "\n".join(lines)

    def schema(self, obj: ObjectId) -> str:
        catalog = self.catalog
        tables = [t for t in catalog.tables.values() if t.schema == obj.name]
        counts = [
            (sum(1 for t in tables if t.kind == "table"), "table"),
            (sum(1 for t in tables if t.kind != "table"), "view"),
            (sum(1 for key in catalog.types if key[0] == obj.name), "type"),
            (sum(1 for key in catalog.functions if key[0] == obj.name), "function"),
        ]
        held = [f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n]
        lines = [f"**schema** `{quote_identifier(obj.name)}`", ""]
        lines.append("Holds " + ", ".join(held) + "." if held else "Holds nothing pgmig knows of.")
        return "\n".join(lines)

    def extension(self, obj: ObjectId) -> str:
        return f"**extension** `{quote_identifier(obj.name)}`"


def _expression(text: str) -> str:
    """A default as the catalog keeps it: SQL for simple ones, else a parse tree (not shown)."""
    return "(an expression)" if text.startswith(("{", "[")) else text
