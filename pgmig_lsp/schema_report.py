"""The schema a migration history builds, analysed: what ``pgmig analyze`` prints.

Tables per schema with their column counts, row level security and policies, indexes, foreign
key relationships, and per table its dependency analysis: the tables whose foreign keys
reference it, the tables it references, its policies (and the other tables' policies that read
it), triggers, indexes, the user-defined types its columns use, and the views that read it.

What a view or a policy reads comes from the statement that created it (``FROM`` and subquery
relations); a view whose statement is not known reads "unknown" (None).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import attrs

from pgmig_lsp.catalog.model import Catalog, Key, Origin, Table
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.locks import display_name
from pgmig_lsp.replayed import ReplayedHistory
from pgmig_lsp.sql.nodes import Node, relation_name, walk

#: the JSON layout's version: keys are only ever added
VERSION = 1
#: referenced tables named in the summary line of the text output
_TOP_REFERENCED = 5
_CONSTRAINT_WORDS = {"p": "primary key", "u": "unique constraint", "x": "exclusion constraint"}


@attrs.frozen
class ForeignKey:
    """A foreign key: ``table (columns) → references (referenced_columns)``."""

    name: str
    table: Key
    columns: tuple[str, ...]
    references: Key
    #: empty when the key references the primary key without naming its columns
    referenced_columns: tuple[str, ...]
    #: ``NO ACTION``, ``RESTRICT``, ``CASCADE``, ``SET NULL``, ``SET DEFAULT``
    on_delete: str
    validated: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "table": display_name(self.table),
            "columns": list(self.columns),
            "references": display_name(self.references),
            "referenced_columns": list(self.referenced_columns),
            "on_delete": self.on_delete,
            "validated": self.validated,
        }


@attrs.frozen
class IndexReport:
    name: str
    #: a column name per key part, None for an expression
    columns: tuple[str | None, ...]
    unique: bool
    partial: bool
    method: str
    #: the constraint the index belongs to: ``p``, ``u`` or ``x`` (None: an index of its own)
    constraint: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "columns": list(self.columns),
            "unique": self.unique,
            "partial": self.partial,
            "method": self.method,
            "constraint": self.constraint,
        }


@attrs.frozen
class PolicyReport:
    name: str
    #: ``ALL``, ``SELECT``, ``INSERT``, ``UPDATE``, ``DELETE`` (None: not known)
    command: str | None
    #: other tables its expressions read (subqueries); None: its statement is not known
    reads: tuple[Key, ...] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "command": self.command,
            "reads": None if self.reads is None else [display_name(key) for key in self.reads],
        }


@attrs.frozen
class TriggerReport:
    name: str
    #: the function it executes (None: not known)
    function: str | None

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "function": self.function}


@attrs.frozen
class TableReport:
    """One table and what depends on it, or it on."""

    key: Key
    columns: int
    rls_enabled: bool
    rls_forced: bool
    #: something the replay could not model (a ``DO`` block) may have changed it
    uncertain: bool
    #: the file of the migration that created it (as reports show it)
    created_in: str | None
    policies: tuple[PolicyReport, ...]
    triggers: tuple[TriggerReport, ...]
    indexes: tuple[IndexReport, ...]
    #: its foreign keys (the tables it depends on)
    depends_on: tuple[ForeignKey, ...]
    #: the other tables' foreign keys to it
    referenced_by: tuple[ForeignKey, ...]
    #: user-defined types (enums, domains, composites) its columns use
    types: tuple[Key, ...]
    #: views and materialized views that read it
    read_by_views: tuple[Key, ...]
    #: other tables' policies that read it: (table, policy name)
    read_by_policies: tuple[tuple[Key, str], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.key[0],
            "name": self.key[1],
            "columns": self.columns,
            "rls_enabled": self.rls_enabled,
            "rls_forced": self.rls_forced,
            "uncertain": self.uncertain,
            "created_in": self.created_in,
            "policies": [policy.to_json() for policy in self.policies],
            "triggers": [trigger.to_json() for trigger in self.triggers],
            "indexes": [index.to_json() for index in self.indexes],
            "depends_on": [fk.to_json() for fk in self.depends_on],
            "referenced_by": [fk.to_json() for fk in self.referenced_by],
            "types": [display_name(key) for key in self.types],
            "read_by_views": [display_name(key) for key in self.read_by_views],
            "read_by_policies": [
                {"table": display_name(table), "policy": policy}
                for table, policy in self.read_by_policies
            ],
        }


@attrs.frozen
class ViewReport:
    key: Key
    materialized: bool
    columns: int
    created_in: str | None
    #: the tables and views its query reads; None: its statement is not known
    reads: tuple[Key, ...] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.key[0],
            "name": self.key[1],
            "materialized": self.materialized,
            "columns": self.columns,
            "created_in": self.created_in,
            "reads": None if self.reads is None else [display_name(key) for key in self.reads],
        }


@attrs.frozen
class SchemaReport:
    """The analysed schema of one migration directory."""

    directory: Path | None
    tool: str | None
    migrations: int
    tables: tuple[TableReport, ...]
    views: tuple[ViewReport, ...]
    functions: int
    types: int
    sequences: int
    extensions: tuple[str, ...]

    def tables_per_schema(self) -> dict[str, int]:
        """Schema → number of tables, in the report's order of schemas."""
        counts: dict[str, int] = {}
        for table in self.tables:
            counts[table.key[0]] = counts.get(table.key[0], 0) + 1
        return counts

    def foreign_keys(self) -> list[ForeignKey]:
        return [fk for table in self.tables for fk in table.depends_on]

    def to_json(self) -> dict[str, Any]:
        indexes = [index for table in self.tables for index in table.indexes]
        return {
            "version": VERSION,
            "directory": None if self.directory is None else self.directory.as_posix(),
            "tool": self.tool,
            "migrations": self.migrations,
            "summary": {
                "tables": len(self.tables),
                "tables_per_schema": self.tables_per_schema(),
                "columns": sum(table.columns for table in self.tables),
                "tables_with_rls": sum(1 for table in self.tables if table.rls_enabled),
                "policies": sum(len(table.policies) for table in self.tables),
                "indexes": len(indexes),
                "constraint_indexes": sum(1 for index in indexes if index.constraint),
                "foreign_keys": len(self.foreign_keys()),
                "views": len(self.views),
                "functions": self.functions,
                "types": self.types,
                "sequences": self.sequences,
                "extensions": list(self.extensions),
            },
            "tables": [table.to_json() for table in self.tables],
            "views": [view.to_json() for view in self.views],
        }

    def to_text(self) -> str:
        return "\n".join(_text(self)) + "\n"


# -- building -----------------------------------------------------------------------------------


def report_schema(history: ReplayedHistory, tool: str | None = None) -> SchemaReport:
    """The analysis of the schema ``history`` builds."""
    catalog = history.catalog
    tables = sorted(
        (table for table in catalog.tables.values() if table.kind == "table"), key=_order
    )
    views = sorted(catalog.views(), key=_order)
    view_reads = {view.key: _view_reads(history, view) for view in views}
    policy_reads = {
        (table.key, policy.name): _policy_reads(history, table, policy.origin)
        for table in tables
        for policy in table.policies.values()
    }
    # who reads each table, found once (not once per table)
    view_readers: dict[Key, list[Key]] = {}
    for view_key, reads in view_reads.items():
        for key in reads or ():
            view_readers.setdefault(key, []).append(view_key)
    policy_readers: dict[Key, list[tuple[Key, str]]] = {}
    for reader, reads in policy_reads.items():
        for key in reads or ():
            policy_readers.setdefault(key, []).append(reader)
    reports = [
        _table_report(
            history,
            table,
            policy_reads,
            tuple(view_readers.get(table.key, ())),
            tuple(policy_readers.get(table.key, ())),
        )
        for table in tables
    ]
    return SchemaReport(
        directory=history.directory,
        tool=tool,
        migrations=len(history.migrations),
        tables=tuple(reports),
        views=tuple(
            ViewReport(
                view.key,
                view.kind == "matview",
                len(view.columns),
                history.shown_path(view.origin.path if view.origin else None),
                view_reads[view.key],
            )
            for view in views
        ),
        functions=sum(len(overloads) for overloads in catalog.functions.values()),
        types=len(catalog.types),
        sequences=len(catalog.sequences),
        extensions=tuple(sorted(catalog.extensions)),
    )


def _order(table: Table) -> tuple[bool, str, str]:
    return _order_key(table.key)


def _order_key(key: Key) -> tuple[bool, str, str]:
    # public first: it is where most of a schema lives
    return (key[0] != "public", key[0], key[1])


def _relations(node: Node | None, catalog: Catalog) -> list[Key]:
    """The known tables and views a query or expression reads (``RangeVar`` nodes), in order."""
    found: list[Key] = []
    for kind, rangevar in walk(node or {}):
        if kind != "RangeVar":
            continue
        name = relation_name(rangevar)
        if name is None:
            continue
        key = catalog.resolve(name.schema, name.name, catalog.tables)  # type: ignore[arg-type]
        if key in catalog.tables and key not in found:
            found.append(key)
    return found


def _view_reads(history: ReplayedHistory, view: Table) -> tuple[Key, ...] | None:
    statement = history.statement_at(view.origin)
    if statement is None or statement.kind not in ("ViewStmt", "CreateTableAsStmt"):
        return None
    reads = _relations(statement.body.get("query"), history.catalog)
    return tuple(key for key in reads if key != view.key)


def _policy_reads(
    history: ReplayedHistory, table: Table, origin: Origin | None
) -> tuple[Key, ...] | None:
    statement = history.statement_at(origin)
    if statement is None or statement.kind != "CreatePolicyStmt":
        return None
    body = statement.body
    reads = _relations({"qual": body.get("qual"), "check": body.get("with_check")}, history.catalog)
    return tuple(key for key in reads if key != table.key)


def _policy_command(history: ReplayedHistory, origin: Origin | None) -> str | None:
    statement = history.statement_at(origin)
    if statement is None or statement.kind != "CreatePolicyStmt":
        return None
    command = statement.body.get("cmd_name")
    return str(command).upper() if command else "ALL"


def _foreign_keys_of(table: Table) -> list[ForeignKey]:
    return [
        ForeignKey(
            constraint.name,
            table.key,
            constraint.columns,
            constraint.references,
            constraint.referenced_columns,
            constraint.on_delete or "NO ACTION",
            constraint.validated,
        )
        for constraint in sorted(table.constraints.values(), key=lambda c: c.name)
        if constraint.type == "f" and constraint.references is not None
    ]


def _types_used(table: Table, catalog: Catalog) -> tuple[Key, ...]:
    found: list[Key] = []
    for column in table.columns.values():
        names = type_text_parts(column.type).names
        if len(names) > 2 or not names[-1]:
            continue
        key = catalog.resolve(names[0] if len(names) == 2 else None, names[-1], catalog.types)  # type: ignore[arg-type]
        if key in catalog.types and key not in found:
            found.append(key)
    return tuple(found)


def _table_report(
    history: ReplayedHistory,
    table: Table,
    policy_reads: dict[tuple[Key, str], tuple[Key, ...] | None],
    read_by_views: tuple[Key, ...],
    read_by_policies: tuple[tuple[Key, str], ...],
) -> TableReport:
    catalog = history.catalog
    referencing = sorted(catalog.referencing_tables(table.key), key=_order)
    referenced_by = [
        fk for other in referencing for fk in _foreign_keys_of(other) if fk.references == table.key
    ]
    indexes = []
    for index in catalog.indexes_on(table.key):
        constraint = table.constraints.get(index.name)
        indexes.append(
            IndexReport(
                index.name,
                index.columns,
                index.unique,
                index.partial,
                index.method,
                constraint.type if constraint is not None else None,
            )
        )
    return TableReport(
        key=table.key,
        columns=len(table.columns),
        rls_enabled=table.rls_enabled,
        rls_forced=table.rls_forced,
        uncertain=table.uncertain,
        created_in=history.shown_path(table.origin.path if table.origin else None),
        policies=tuple(
            PolicyReport(
                policy.name,
                _policy_command(history, policy.origin),
                policy_reads[(table.key, policy.name)],
            )
            for policy in table.policies.values()
        ),
        triggers=tuple(
            TriggerReport(trigger.name, trigger.function) for trigger in table.triggers.values()
        ),
        indexes=tuple(indexes),
        depends_on=tuple(_foreign_keys_of(table)),
        referenced_by=tuple(referenced_by),
        types=_types_used(table, catalog),
        read_by_views=read_by_views,
        read_by_policies=read_by_policies,
    )


# -- text ---------------------------------------------------------------------------------------


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


def _columns(columns: tuple[str, ...]) -> str:
    return ", ".join(columns)


def _summary(report: SchemaReport) -> list[str]:
    per_schema = report.tables_per_schema()
    schemas = ", ".join(f"{schema} ({count})" for schema, count in per_schema.items())
    tables = _plural(len(report.tables), "table")
    lines = [
        f"- {tables} across {_plural(len(per_schema), 'schema')}"
        + (f": {schemas}" if schemas else "")
        + f"; {_plural(len(report.views), 'view')}",
        f"- {_plural(sum(t.columns for t in report.tables), 'column')}",
    ]
    with_rls = [t for t in report.tables if t.rls_enabled]
    without = [display_name(t.key) for t in report.tables if not t.rls_enabled]
    policies = sum(len(t.policies) for t in report.tables)
    rls = (
        f"- row level security on {len(with_rls)} of {_plural(len(report.tables), 'table')}, "
        f"{_plural(policies, 'policy', 'policies')}"
    )
    if with_rls and without:
        rls += f"; without it: {', '.join(without)}"
    lines.append(rls)
    indexes = [index for table in report.tables for index in table.indexes]
    backing = sum(1 for index in indexes if index.constraint)
    lines.append(
        f"- {_plural(len(indexes), 'index', 'indexes')}"
        + (f", {backing} of them for constraints" if backing else "")
    )
    foreign_keys = report.foreign_keys()
    line = f"- {_plural(len(foreign_keys), 'foreign key')}"
    referenced = Counter(fk.references for fk in foreign_keys)
    if referenced:
        top = sorted(referenced.items(), key=lambda item: (-item[1], _order_key(item[0])))
        line += "; most referenced: " + ", ".join(
            f"{display_name(key)} ({count})" for key, count in top[:_TOP_REFERENCED]
        )
    lines.append(line)
    lines.append(
        f"- {_plural(report.functions, 'function')}, {_plural(report.types, 'type')}, "
        f"{_plural(report.sequences, 'sequence')}"
        + (f", extensions: {', '.join(report.extensions)}" if report.extensions else "")
    )
    return lines


def _index_text(index: IndexReport) -> str:
    columns = ", ".join(column or "(expression)" for column in index.columns)
    traits = []
    if index.constraint:
        traits.append(_CONSTRAINT_WORDS.get(index.constraint, "constraint"))
    elif index.unique:
        traits.append("unique")
    if index.partial:
        traits.append("partial")
    if index.method != "btree":
        traits.append(index.method)
    return f"{index.name} ({columns})" + (f" {', '.join(traits)}" if traits else "")


def _table_text(table: TableReport) -> list[str]:
    rls = "row level security" if table.rls_enabled else "no row level security"
    if table.rls_forced:
        rls += " (forced)"
    header = f"{display_name(table.key)}: {_plural(table.columns, 'column')}, {rls}"
    if table.created_in:
        header += f"; created in {table.created_in}"
    if table.uncertain:
        header += " (changed by statements pgmig cannot follow: may differ)"
    lines = [header]
    referenced_by = [
        f"{display_name(fk.table)} ({_columns(fk.columns)})" for fk in table.referenced_by
    ]
    depends_on = [
        f"{display_name(fk.references)} ({_columns(fk.columns)}"
        + (f", ON DELETE {fk.on_delete}" if fk.on_delete != "NO ACTION" else "")
        + ("" if fk.validated else ", NOT VALID")
        + ")"
        for fk in table.depends_on
    ]
    lines.append("  Referenced by: " + (", ".join(referenced_by) or "none"))
    lines.append("  Depends on: " + (", ".join(depends_on) or "none"))
    if table.types:
        lines.append("  Types: " + ", ".join(display_name(key) for key in table.types))
    if table.policies:
        lines.append(
            "  RLS policies: "
            + ", ".join(
                policy.name + (f" ({policy.command})" if policy.command else "")
                for policy in table.policies
            )
        )
    if table.read_by_policies:
        lines.append(
            "  Read by policies: "
            + ", ".join(
                f"{policy} on {display_name(key)}" for key, policy in table.read_by_policies
            )
        )
    if table.triggers:
        lines.append(
            "  Triggers: "
            + ", ".join(
                trigger.name + (f" → {trigger.function}()" if trigger.function else "")
                for trigger in table.triggers
            )
        )
    if table.indexes:
        # semicolons: an index's columns and traits are listed with commas
        lines.append("  Indexes: " + "; ".join(_index_text(index) for index in table.indexes))
    if table.read_by_views:
        lines.append("  Read by views: " + ", ".join(display_name(k) for k in table.read_by_views))
    return lines


def _text(report: SchemaReport) -> list[str]:
    where = f" in {report.directory.as_posix()}" if report.directory is not None else ""
    tool = f"{report.tool} " if report.tool else ""
    lines = [f"Schema built by {_plural(report.migrations, tool + 'migration')}{where}", ""]
    lines.extend(_summary(report))
    for table in report.tables:
        lines.append("")
        lines.extend(_table_text(table))
    for view in report.views:
        kind = "materialized view" if view.materialized else "view"
        reads = (
            "unknown"
            if view.reads is None
            else ", ".join(display_name(key) for key in view.reads) or "nothing"
        )
        lines.append("")
        lines.append(f"{display_name(view.key)}: {kind}, reads {reads}")
    return lines
