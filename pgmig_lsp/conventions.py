"""Conventions learned from a migration history: how a team names, types and protects things.

Each `Convention` is the most common way the history does one thing (index names, the timestamp
type, ``ON DELETE`` of foreign keys, …) with its evidence: how many objects follow it, how many
do not, and which ones do not (name and file). A convention is *learned* only when at least
`MIN_OBJECTS` objects follow it and they are at least `MIN_SHARE` of the objects it applies to.
Below that the history shows a majority, not a habit, and nothing should act on it.

What is looked at, in the final catalog of a `ReplayedHistory` and the statements that built it:

- **names** of indexes (expression indexes and the indexes of constraints aside), unique indexes,
  primary key, foreign key, unique, check and exclusion constraints, triggers and policies. Only
  names the migrations wrote count; those PostgreSQL chose are counted apart (``unnamed``). A
  name becomes a template by replacing the table, the columns (joined by ``_``) or the first
  column with ``{table}``, ``{columns}``, ``{column}``, as `pgmig_lsp.name_conventions` reads
  templates. Outside ``public`` the table may be written ``{schema}_{table}``: such names fit
  and the convention says so (``schema_prefix``). When no template is learned as it is, names
  that describe a purpose rather than columns may make one with ``{purpose}`` standing for the
  words after the table (``tr_{table}_{purpose}``, ``idx_{table}_{purpose}``). Objects without
  columns (table-level checks) do not count for a template that needs them, as the naming rule
  does not check them.
- **migration file names** (``{version}_{name}.sql``) and the **version format**.
- **column types**: ``timestamptz`` or ``timestamp`` for timestamp columns; the **primary key**
  (type and how it is generated) of single-column primary keys.
- **foreign keys**: ``ON DELETE``, overall and per referenced table.
- **row level security** per schema (tables only), and the **tenant policy** shape: the
  comparison of a column with a per-session value (``current_setting(…)``, ``auth.uid()``,
  ``current_user``, a function without column arguments) that policies make.
- **``CONCURRENTLY``** on ``CREATE INDEX`` for tables that existed before the migration.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from pgmig_lsp.catalog.model import Key, Origin, Table
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.locks import display_name
from pgmig_lsp.name_conventions import MIN_OBJECTS as MIN_OBJECTS
from pgmig_lsp.name_conventions import MIN_SHARE as MIN_SHARE
from pgmig_lsp.name_conventions import Named, best_fit, file_objects, named_objects, plain_tables
from pgmig_lsp.name_conventions import template_of as template_of
from pgmig_lsp.replayed import ReplayedHistory
from pgmig_lsp.sql.nodes import Node, const_value, strings, walk

#: ways listed in a convention's ``tally``
_TALLY = 10
#: exceptions listed per convention in the text output
_SHOWN = 5


@attrs.frozen
class Observation:
    """One object a convention looked at, and how it does the thing."""

    #: the object: ``orders.created_at``, ``idx_orders_customer_id``, a file name
    subject: str
    #: how it does it: ``timestamp``, ``{table}_{columns}_idx``, ``CASCADE``
    value: str
    #: the file of the migration that made it (None: not known)
    path: Path | None = None
    #: the file as reports show it (relative to the migration directory)
    file: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"subject": self.subject, "value": self.value, "file": self.file}


@attrs.frozen
class Convention:
    """The most common way of the history to do one thing, with its evidence."""

    #: what it is about: ``index-name``, ``timestamp-type``, ``row-level-security`` …
    topic: str
    #: the most common way (a name template, ``timestamptz``, ``CASCADE`` …); None: nothing seen
    value: str | None
    #: objects that follow it
    follows: int
    #: objects that do not
    differs: int
    #: the objects that do not, with their own way and file
    exceptions: tuple[Observation, ...] = ()
    #: what it is limited to: a schema (row level security), a referenced table (``ON DELETE``)
    scope: str | None = None
    #: every way seen with its count, most common first (at most `_TALLY`)
    tally: tuple[tuple[str, int], ...] = ()

    @property
    def total(self) -> int:
        return self.follows + self.differs

    @property
    def learned(self) -> bool:
        """At least `MIN_OBJECTS` objects follow it, and at least `MIN_SHARE` of them."""
        return (
            self.value is not None
            and self.follows >= MIN_OBJECTS
            and self.follows >= MIN_SHARE * self.total
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "topic": self.topic,
            "scope": self.scope,
            "value": self.value,
            "learned": self.learned,
            "follows": self.follows,
            "differs": self.differs,
            "exceptions": [observation.to_json() for observation in self.exceptions],
            "tally": [{"value": value, "count": count} for value, count in self.tally],
        }


@attrs.frozen
class NameConvention(Convention):
    """A name template (``value``) for one kind of object, as `pgmig_lsp.name_conventions`
    reads it."""

    #: the kind, one of `pgmig_lsp.name_conventions.NAME_KINDS`: ``index``, ``unique_index``,
    #: ``primary_key``, ``foreign_key``, ``unique``, ``check``, ``exclusion``, ``trigger``,
    #: ``policy``, ``migration_file``
    kind: str = ""
    #: objects of this kind whose name PostgreSQL chose (not counted above)
    unnamed: int = 0
    #: outside ``public``, names write the table as ``{schema}_{table}``
    schema_prefix: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            **super().to_json(),
            "kind": self.kind,
            "unnamed": self.unnamed,
            "schema_prefix": self.schema_prefix,
        }


@attrs.frozen
class ProjectConventions:
    """Everything learned from one history."""

    migrations: int
    #: one per kind of object, in `_NAME_KINDS` order, then the migration file names
    names: tuple[NameConvention, ...]
    migration_version: Convention
    timestamp_type: Convention
    primary_key: Convention
    on_delete: Convention
    #: ``ON DELETE`` per referenced table (``scope``) with at least `MIN_OBJECTS` foreign keys
    on_delete_by_table: tuple[Convention, ...]
    #: one per schema (``scope``) holding tables: ``enabled`` or ``disabled``
    row_level_security: tuple[Convention, ...]
    tenant_policy: Convention
    concurrent_index: Convention

    def name(self, kind: str) -> NameConvention | None:
        """The name convention of a kind (``index``, ``foreign_key``, ``migration_file`` …)."""
        return next((c for c in self.names if c.kind == kind), None)

    def templates(self) -> dict[str, str]:
        """The learned name templates by kind (the keys of the config file's ``[naming]``)."""
        return {c.kind: c.value for c in self.names if c.learned and c.value is not None}

    def rls(self, schema: str) -> Convention | None:
        """The row level security convention of a schema (None: the schema has no tables)."""
        return next((c for c in self.row_level_security if c.scope == schema), None)

    def on_delete_to(self, table: Key) -> Convention | None:
        """The ``ON DELETE`` habit of foreign keys to ``table`` (None: too few of them)."""
        shown = display_name(table)
        return next((c for c in self.on_delete_by_table if c.scope == shown), None)

    def all(self) -> list[Convention]:
        """Every convention, in the order reports show them."""
        return [
            *self.names,
            self.migration_version,
            self.timestamp_type,
            self.primary_key,
            self.on_delete,
            *self.on_delete_by_table,
            *self.row_level_security,
            self.tenant_policy,
            self.concurrent_index,
        ]

    def to_json(self) -> dict[str, Any]:
        return {
            "threshold": {"min_objects": MIN_OBJECTS, "min_share": MIN_SHARE},
            "migrations": self.migrations,
            "conventions": [convention.to_json() for convention in self.all()],
        }

    def to_text(self) -> str:
        lines = [
            f"Conventions learned from {self.migrations} migration(s) "
            f"(learned: at least {MIN_OBJECTS} objects follow it, and {MIN_SHARE:.0%} of them)",
            "",
        ]
        for convention in self.all():
            lines.extend(_convention_text(convention))
        return "\n".join(lines) + "\n"


# -- text ---------------------------------------------------------------------------------------

_TITLES = {
    "index-name": "index names",
    "unique-index-name": "unique index names",
    "primary-key-name": "primary key names",
    "foreign-key-name": "foreign key names",
    "unique-name": "unique constraint names",
    "check-name": "check constraint names",
    "exclusion-name": "exclusion constraint names",
    "trigger-name": "trigger names",
    "policy-name": "policy names",
    "migration-file-name": "migration file names",
    "migration-version": "migration versions",
    "timestamp-type": "timestamp type",
    "primary-key": "primary keys",
    "foreign-key-on-delete": "foreign keys ON DELETE",
    "row-level-security": "row level security",
    "tenant-policy": "tenant policies",
    "concurrent-index": "indexes on existing tables",
}


def _convention_text(convention: Convention) -> list[str]:
    title = _TITLES.get(convention.topic, convention.topic)
    if convention.scope is not None:
        title += f" ({convention.scope})"
    extra = ""
    if isinstance(convention, NameConvention):
        if convention.schema_prefix:
            extra += "; outside public the table is written {schema}_{table}"
        if convention.unnamed:
            extra += f"; {convention.unnamed} named by PostgreSQL"
    if convention.value is None:
        seen = ", ".join(f"{value}: {count}" for value, count in convention.tally)
        summary = f"no convention ({seen})" if seen else "nothing to learn from"
        return [f"  {title}: {summary}{extra}"]
    state = "learned" if convention.learned else "not a convention"
    lines = [
        f"  {title}: {convention.value} ({state}: {convention.follows} of {convention.total})"
        f"{extra}"
    ]
    if convention.exceptions:
        shown = [_exception_text(o) for o in convention.exceptions[:_SHOWN]]
        more = len(convention.exceptions) - _SHOWN
        lines.append("    except: " + "; ".join(shown) + (f"; and {more} more" if more > 0 else ""))
    return lines


def _exception_text(observation: Observation) -> str:
    # a name that is its own template (no placeholder found in it) is not repeated
    repeated = observation.value in observation.subject.split()
    details = [] if repeated else [observation.value]
    if observation.file:
        details.append(observation.file)
    return observation.subject + (f" ({', '.join(details)})" if details else "")


# -- entry point --------------------------------------------------------------------------------


def learn_conventions(history: ReplayedHistory) -> ProjectConventions:
    """What the history's migrations do consistently, with the evidence."""
    tables = plain_tables(history.catalog)
    names = _name_conventions(history, tables, _explicit_names(history))
    names.append(_migration_file_names(history))
    on_delete, on_delete_by_table = _on_delete(history, tables)
    return ProjectConventions(
        migrations=len(history.migrations),
        names=tuple(names),
        migration_version=_migration_versions(history),
        timestamp_type=_timestamp_type(history, tables),
        primary_key=_primary_keys(history, tables),
        on_delete=on_delete,
        on_delete_by_table=on_delete_by_table,
        row_level_security=_row_level_security(history, tables),
        tenant_policy=_tenant_policies(history, tables),
        concurrent_index=_concurrent_indexes(history),
    )


def _majority(
    topic: str,
    observations: list[Observation],
    scope: str | None = None,
    *,
    absent: str | None = None,
) -> Convention:
    """The most common value among ``observations`` (ties: the first in alphabetical order).

    ``absent`` is a value that says the thing is not done (a policy without tenant comparison):
    it is never the convention, only an exception to it.
    """
    tally = Counter(o.value for o in observations)
    ranked = tuple(sorted(tally.items(), key=lambda item: (-item[1], item[0])))
    value = next((v for v, _ in ranked if v != absent), None)
    if value is None:
        return Convention(topic, None, 0, len(observations), scope=scope, tally=ranked[:_TALLY])
    exceptions = tuple(o for o in observations if o.value != value)
    return Convention(
        topic,
        value,
        tally[value],
        len(exceptions),
        exceptions,
        scope,
        ranked[:_TALLY],
    )


def _observation(
    history: ReplayedHistory, subject: str, value: str, path: Path | None
) -> Observation:
    return Observation(subject, value, path, history.shown_path(path))


# -- names --------------------------------------------------------------------------------------

#: (kind, topic) of each kind of named object; the kind is the naming rule's
_NAME_KINDS = (
    ("index", "index-name"),
    ("unique_index", "unique-index-name"),
    ("primary_key", "primary-key-name"),
    ("foreign_key", "foreign-key-name"),
    ("unique", "unique-name"),
    ("check", "check-name"),
    ("exclusion", "exclusion-name"),
    ("trigger", "trigger-name"),
    ("policy", "policy-name"),
)


@attrs.frozen
class _Explicit:
    """Names the migrations wrote (the others were chosen by PostgreSQL)."""

    indexes: frozenset[str]
    constraints: frozenset[str]

    def __call__(self, category: str, name: str, _origin: Origin | None) -> bool:
        return name in (self.indexes if category == "index" else self.constraints)


def _explicit_names(history: ReplayedHistory) -> _Explicit:
    indexes: set[str] = set()
    constraints: set[str] = set()
    for replayed in history.statements:
        body = replayed.statement.body
        kind = replayed.statement.kind
        if kind == "IndexStmt" and body.get("idxname"):
            indexes.add(body["idxname"])
        elif kind == "RenameStmt" and body.get("newname"):
            if body.get("renameType") == "OBJECT_INDEX":
                indexes.add(body["newname"])
            elif body.get("renameType") in ("OBJECT_TABCONSTRAINT", "OBJECT_DOMCONSTRAINT"):
                constraints.add(body["newname"])
        elif kind in ("CreateStmt", "AlterTableStmt"):
            for constraint in _constraint_nodes(body):
                if constraint.get("conname"):
                    constraints.add(constraint["conname"])
                    if constraint.get("contype") in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
                        indexes.add(constraint["conname"])
    return _Explicit(frozenset(indexes), frozenset(constraints))


def _constraint_nodes(body: Node) -> Iterator[Node]:
    """The constraints a ``CREATE TABLE`` or ``ALTER TABLE`` defines (on columns or the table)."""
    elements = list(body.get("tableElts") or [])
    for item in body.get("cmds") or []:
        definition = (item.get("AlterTableCmd") or {}).get("def")
        if definition:
            elements.append(definition)
    for element in elements:
        if "Constraint" in element:
            yield element["Constraint"]
        for item in (element.get("ColumnDef") or {}).get("constraints") or []:
            if "Constraint" in item:
                yield item["Constraint"]


def _name_conventions(
    history: ReplayedHistory, tables: list[Table], explicit: _Explicit
) -> list[NameConvention]:
    named, unnamed = named_objects(history.catalog, tables, explicit)
    return [
        _name_convention(history, topic, kind, named[kind], unnamed[kind])
        for kind, topic in _NAME_KINDS
    ]


def _name_convention(
    history: ReplayedHistory, topic: str, kind: str, objects: list[Named], unnamed: int
) -> NameConvention:
    fit = best_fit(kind, objects)
    if fit is None:
        return NameConvention(topic, None, 0, 0, kind=kind, unnamed=unnamed)
    own = Counter(o.template for o in objects)
    tally = tuple(sorted(own.items(), key=_rank))[:_TALLY]
    exceptions = tuple(_observation(history, o.subject, o.template, o.path) for o in fit.misses)
    return NameConvention(
        topic,
        fit.template,
        len(fit.hits),
        len(fit.misses),
        exceptions,
        None,
        tally,
        kind=kind,
        unnamed=unnamed,
        schema_prefix=fit.prefixed > fit.unprefixed_outside_public,
    )


def _rank(item: tuple[str, int]) -> tuple[int, str]:
    return (-item[1], item[0])


# -- migration files ----------------------------------------------------------------------------


def _migration_file_names(history: ReplayedHistory) -> NameConvention:
    objects = file_objects(history.migrations)
    convention = _name_convention(history, "migration-file-name", "migration_file", objects, 0)
    # the file name says more than its template about why it does not fit
    exceptions = tuple(attrs.evolve(o, value=o.subject) for o in convention.exceptions)
    return attrs.evolve(convention, exceptions=exceptions)


def _version_format(version: str, padded_width: int | None) -> str:
    """``timestamp (YYYYMMDDHHMMSS)``, ``sequential (4 digits, zero-padded)``, ``sequential (not
    zero-padded)``, ``dotted (1.2.3)`` or ``other``. ``padded_width`` is the history's most
    common width of versions that start with a zero (None: none does)."""
    if re.fullmatch(r"\d{14}", version):
        # the date only: tools and people write times like 120060 (minute 60) and mean a time
        try:
            datetime.strptime(version[:8], "%Y%m%d")
        except ValueError:
            return "number (14 digits)"
        return "timestamp (YYYYMMDDHHMMSS)"
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}-\d{6}", version):
        return "timestamp (YYYY-MM-DD-HHMMSS)"
    if version.isdigit():
        if padded_width is None:
            return "sequential (not zero-padded)"
        if len(version) == padded_width:
            return f"sequential ({padded_width} digits, zero-padded)"
        return f"sequential ({len(version)} digits)"
    if re.fullmatch(r"\d+([._]\d+)+", version):
        return "dotted (1.2.3)"
    return "other"


def _migration_versions(history: ReplayedHistory) -> Convention:
    versions = [m for m in history.migrations if m.version]
    widths = Counter(
        len(m.version)
        for m in versions
        if m.version and m.version[:1] == "0" and m.version.isdigit()
    )
    padded_width = widths.most_common(1)[0][0] if widths else None
    observations = [
        _observation(history, m.path.name, _version_format(m.version or "", padded_width), m.path)
        for m in versions
    ]
    return _majority("migration-version", observations)


# -- types and keys -----------------------------------------------------------------------------

_TIMESTAMPS = {"timestamp": "timestamp", "timestamptz": "timestamptz"}
_INTEGERS = {"int2": "smallint", "int4": "integer", "int8": "bigint"}
_SERIALS = {
    "serial": "serial",
    "serial4": "serial",
    "bigserial": "bigserial",
    "serial8": "bigserial",
    "smallserial": "smallserial",
    "serial2": "smallserial",
}
#: the serial type of an integer column whose default is its own sequence
_SERIAL_OF = {"int2": "smallserial", "int4": "serial", "int8": "bigserial"}


def _timestamp_type(history: ReplayedHistory, tables: list[Table]) -> Convention:
    observations = []
    for table in tables:
        for column in table.columns.values():
            parts = type_text_parts(column.type)
            kind = _TIMESTAMPS.get(parts.name) if len(parts.names) <= 2 else None
            if kind is None or (len(parts.names) == 2 and parts.names[0] != "pg_catalog"):
                continue
            path = column.origin.path if column.origin else None
            subject = f"{display_name(table.key)}.{column.name}"
            observations.append(_observation(history, subject, kind, path))
    return _majority("timestamp-type", observations)


def _primary_key_shape(table: Table, owned: set[tuple[str, str, str]]) -> str | None:
    """How a table's primary key is typed and generated, e.g. ``bigint GENERATED ALWAYS AS
    IDENTITY``, ``uuid DEFAULT gen_random_uuid()`` or ``bigserial``; None without a primary key.

    ``owned`` are the columns that own a sequence (a ``serial`` column's)."""
    primary = next((c for c in table.constraints.values() if c.type == "p"), None)
    if primary is None:
        return None
    if len(primary.columns) != 1:
        return f"composite ({len(primary.columns)} columns)"
    column = table.columns.get(primary.columns[0])
    if column is None:
        return None
    parts = type_text_parts(column.type)
    if parts.name in _SERIALS:
        return _SERIALS[parts.name]
    serial = _SERIAL_OF.get(parts.name)
    is_owner = (table.schema, table.name, column.name) in owned
    if serial and is_owner and (column.default or "").startswith("nextval("):
        return serial
    spelled = _INTEGERS.get(parts.name, parts.name)
    if parts.modifiers:
        spelled += f"({','.join(parts.modifiers)})"
    if column.identity is not None:
        how = "ALWAYS" if column.identity == "a" else "BY DEFAULT"
        return f"{spelled} GENERATED {how} AS IDENTITY"
    if column.default is not None:
        default = column.default
        if default.startswith("nextval("):
            default = "nextval(…)"
        elif default.startswith("{") or default == "expr":
            default = "an expression"
        return f"{spelled} DEFAULT {default}"
    return f"{spelled} (no default)"


def _primary_keys(history: ReplayedHistory, tables: list[Table]) -> Convention:
    owned = {s.owned_by for s in history.catalog.sequences.values() if s.owned_by is not None}
    observations = []
    for table in tables:
        shape = _primary_key_shape(table, owned)
        if shape is not None:
            path = table.origin.path if table.origin else None
            observations.append(_observation(history, display_name(table.key), shape, path))
    return _majority("primary-key", observations)


# -- foreign keys -------------------------------------------------------------------------------


def _on_delete(
    history: ReplayedHistory, tables: list[Table]
) -> tuple[Convention, tuple[Convention, ...]]:
    """``ON DELETE`` of every foreign key, and per referenced table.

    A referenced table gets a convention of its own when at least `MIN_OBJECTS` foreign keys
    reference it and it says something the overall one does not: the overall one is not learned,
    or its value differs.
    """
    every: list[Observation] = []
    by_table: dict[Key, list[Observation]] = {}
    for table in tables:
        for constraint in sorted(table.constraints.values(), key=lambda c: c.name):
            if constraint.type != "f" or constraint.references is None:
                continue
            columns = ", ".join(constraint.columns)
            subject = (
                f"{display_name(table.key)} ({columns}) → {display_name(constraint.references)}"
            )
            path = constraint.origin.path if constraint.origin else None
            value = constraint.on_delete or "NO ACTION"
            observation = _observation(history, subject, value, path)
            every.append(observation)
            by_table.setdefault(constraint.references, []).append(observation)
    overall = _majority("foreign-key-on-delete", every)
    scoped = []
    for key in sorted(by_table):
        if len(by_table[key]) < MIN_OBJECTS:
            continue
        convention = _majority("foreign-key-on-delete", by_table[key], display_name(key))
        if not overall.learned or convention.value != overall.value:
            scoped.append(convention)
    return overall, tuple(scoped)


# -- row level security -------------------------------------------------------------------------


def _row_level_security(history: ReplayedHistory, tables: list[Table]) -> tuple[Convention, ...]:
    by_schema: dict[str, list[Observation]] = {}
    for table in tables:
        value = "enabled" if table.rls_enabled else "disabled"
        path = table.origin.path if table.origin else None
        observation = _observation(history, display_name(table.key), value, path)
        by_schema.setdefault(table.schema, []).append(observation)
    return tuple(
        _majority("row-level-security", observations, schema)
        for schema, observations in sorted(by_schema.items())
    )


#: what a policy that compares no column with a per-session value is counted as
NO_TENANT_COMPARISON = "no tenant comparison"


def _tenant_policies(history: ReplayedHistory, tables: list[Table]) -> Convention:
    observations = []
    for table in tables:
        for policy in sorted(table.policies.values(), key=lambda p: p.name):
            statement = history.statement_at(policy.origin)
            if statement is None or statement.kind != "CreatePolicyStmt":
                continue  # not known how it was written
            body = statement.body
            shape = tenant_comparison(body.get("qual")) or tenant_comparison(body.get("with_check"))
            subject = f"{display_name(table.key)}.{policy.name}"
            path = policy.origin.path if policy.origin else None
            observations.append(_observation(history, subject, shape or NO_TENANT_COMPARISON, path))
    return _majority("tenant-policy", observations, absent=NO_TENANT_COMPARISON)


def tenant_comparison(expression: Node | None) -> str | None:
    """The first ``column = <per-session value>`` comparison in a policy expression, at any
    depth (through subqueries: ``project_id IN (SELECT id FROM projects WHERE organization_id =
    current_setting('app.org')::uuid)`` gives ``organization_id =
    current_setting('app.org')::uuid``); None when there is none."""
    if not expression:
        return None
    for kind, node in walk(expression):
        is_equality = node.get("kind") == "AEXPR_OP" and strings(node.get("name")) == ("=",)
        if kind != "A_Expr" or not is_equality:
            continue
        for column_side, value_side in (("lexpr", "rexpr"), ("rexpr", "lexpr")):
            column = (node.get(column_side) or {}).get("ColumnRef")
            if column is None:
                continue
            fields = strings(column.get("fields"))
            source = _session_value(node.get(value_side))
            if fields and fields[-1] != "*" and source is not None:
                return f"{fields[-1]} = {source}"
    return None


def _session_value(node: Node | None) -> str | None:
    """A value that is the same for every row of a query and names the session's tenant or
    user: ``current_setting('…')`` (with a cast), ``auth.uid()``, ``current_user``, any function
    call without column arguments, or a scalar subquery of one (``(SELECT auth.uid())``)."""
    if not node:
        return None
    if "TypeCast" in node:
        cast = node["TypeCast"]
        inner = _session_value(cast.get("arg"))
        names = strings((cast.get("typeName") or {}).get("names"))
        if inner is None:
            return None
        if not names:
            return inner
        return f"{inner}::{names[-1]}"
    if "FuncCall" in node:
        call = node["FuncCall"]
        function = [part for part in strings(call.get("funcname")) if part != "pg_catalog"]
        arguments = []
        for argument in call.get("args") or []:
            if any(kind == "ColumnRef" for kind, _ in walk(argument)):
                return None
            arguments.append(_constant(argument))
        return f"{'.'.join(function)}({', '.join(arguments)})"
    if "SQLValueFunction" in node:
        op = str(node["SQLValueFunction"].get("op", ""))
        return op.removeprefix("SVFOP_").lower() if op.startswith("SVFOP_") else None
    if "SubLink" in node:
        link = node["SubLink"]
        select = (link.get("subselect") or {}).get("SelectStmt") or {}
        targets = select.get("targetList") or []
        scalar = link.get("subLinkType") == "EXPR_SUBLINK" and not select.get("fromClause")
        if not scalar or len(targets) != 1:
            return None
        return _session_value((targets[0].get("ResTarget") or {}).get("val"))
    return None


def _constant(node: Node) -> str:
    value = const_value(node)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if value is None:
        inner = _session_value(node)
        return inner if inner is not None else "…"
    return str(value)


# -- CONCURRENTLY -------------------------------------------------------------------------------


def _concurrent_indexes(history: ReplayedHistory) -> Convention:
    observations = []
    for replayed in history.statements:
        statement = replayed.statement
        if statement.kind != "IndexStmt" or replayed.target is None or replayed.target_is_new:
            continue
        body = statement.body
        value = "CONCURRENTLY" if body.get("concurrent") else "without CONCURRENTLY"
        name = body.get("idxname") or f"(unnamed) on {display_name(replayed.target)}"
        observations.append(_observation(history, name, value, replayed.path))
    return _majority("concurrent-index", observations)
