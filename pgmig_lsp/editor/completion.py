"""Completion of schema, table, column, type and function names from the catalog at the cursor.

What the statement being typed expects there (`names.expected_at`: a relation after ``ON``,
a column after ``ALTER COLUMN``, the columns of ``t`` after ``t.``…) picks the kind of names;
the schema is the one at that point of the history (`point.Point.replay`).
"""

from __future__ import annotations

from collections import OrderedDict
from pathlib import Path

import attrs

from pgmig_lsp.catalog.builtins import Builtins
from pgmig_lsp.catalog.model import Catalog, Table
from pgmig_lsp.catalog.snapshot import format_type
from pgmig_lsp.editor.names import Expected, Parts, Role, expected_at, statement_start
from pgmig_lsp.editor.objects import relation
from pgmig_lsp.editor.point import Point, section_at
from pgmig_lsp.editor.sections import parse, run_order
from pgmig_lsp.migrations.model import Migration, Section
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import quote_identifier

#: offered where a type goes, besides the catalog's own types
COMMON_TYPES = (
    "bigint",
    "boolean",
    "bytea",
    "date",
    "double precision",
    "integer",
    "interval",
    "jsonb",
    "numeric",
    "smallint",
    "text",
    "timestamptz",
    "uuid",
)
_TABLE_KINDS = {"table": "table", "view": "view", "matview": "materialized view"}


@attrs.frozen
class Candidate:
    """One completion."""

    #: what is inserted (quoted where PostgreSQL needs it)
    label: str
    #: ``schema``, ``table``, ``view``, ``materialized view``, ``column``, ``type``,
    #: ``function``, ``index``, ``sequence``, ``constraint``
    kind: str
    #: a column's type, a function's arguments, a relation's schema
    detail: str = ""
    #: the order to show them in (the nearest relation's columns first)
    rank: int = 0


#: how far after the cursor the statement is read (for the aliases of a query)
LOOKAHEAD = 4000


def complete(
    migration: Migration,
    path: Path,
    offset: int,
    before: Catalog | None,
    builtins: Builtins | None = None,
) -> list[Candidate]:
    """The names that may be typed at ``offset`` of the file ``path`` (see `Completer`)."""
    return Completer().complete(migration, path, offset, before, builtins)


class Completer:
    """Completes names in open files, keeping per file the schema before the statement being
    typed: while the user types inside one statement, nothing before it is parsed or replayed
    again. Not thread-safe (the language server uses it from its worker thread)."""

    #: how many files' schemas are kept (the most recently completed in)
    FILES = 8

    def __init__(self) -> None:
        self._kept: OrderedDict[Path, _Kept] = OrderedDict()

    def complete(
        self,
        migration: Migration,
        path: Path,
        offset: int,
        before: Catalog | None,
        builtins: Builtins | None = None,
    ) -> list[Candidate]:
        """The names that may be typed at ``offset`` of the file ``path``.

        ``before`` is the schema before the migration (None: the history is unknown). Empty
        where no name goes, or a new one does (``CREATE TABLE |``). Never raises on half-typed
        SQL. With ``builtins``, column types are spelled as PostgreSQL prints them.
        """
        section = section_at(migration, path, offset)
        if section is None:
            return []
        text = section.file.text
        start = statement_start(text, section.span.start, offset)
        end = min(section.span.end, offset + LOOKAHEAD)
        expected = expected_at(text, Span(start, max(end, offset)), offset)
        if expected is None or expected.defines or expected.keyword_position:
            return []
        return candidates(expected, self._catalog(migration, section, start, before), builtins)

    def _catalog(
        self, migration: Migration, section: Section, start: int, before: Catalog | None
    ) -> Catalog:
        """The schema before the statement that starts at ``start`` (kept for the next call)."""
        order = run_order(migration)
        earlier = tuple(s.text for s in order[: order.index(section)])
        text = section.file.text[section.span.start : start]
        key = (section.kind, section.span.start, text, earlier)
        kept = self._kept.get(section.file.path)
        if kept is not None and kept.before is before and kept.key == key:
            self._kept.move_to_end(section.file.path)
            return kept.catalog
        head = attrs.evolve(section, span=Span(section.span.start, start))
        statements = parse(head).statements
        point = Point(migration, section, statements, None, Span(start, start), len(statements))
        catalog = point.replay(before).catalog
        self._kept[section.file.path] = _Kept(before, key, catalog)
        self._kept.move_to_end(section.file.path)
        while len(self._kept) > self.FILES:
            self._kept.popitem(last=False)
        return catalog


@attrs.frozen
class _Kept:
    """The schema before a statement being typed, and what it was replayed from."""

    before: Catalog | None
    key: tuple[object, ...]
    catalog: Catalog


def candidates(
    expected: Expected, catalog: Catalog, builtins: Builtins | None = None
) -> list[Candidate]:
    """The catalog's names that fit what is expected."""
    role = expected.role
    qualifier = expected.qualifier
    if role is Role.SCHEMA:
        return [] if qualifier else _schemas(catalog)
    if role in (Role.COLUMN, Role.EXPRESSION) and (expected.relation or not qualifier):
        tables = [expected.relation] if expected.relation else list(expected.scope)
        found = _columns(tables, catalog, builtins)
        if role is Role.EXPRESSION and not qualifier:
            found += _functions(catalog, None, rank=len(tables) + 1)
        if found or role is Role.COLUMN:
            return found
    if role is Role.CONSTRAINT:
        table = _table(expected.relation, catalog)
        if table is None:
            return []
        return [Candidate(quote_identifier(name), "constraint") for name in table.constraints]
    if role in (Role.TRIGGER, Role.POLICY, Role.EXTENSION) or len(qualifier) > 1:
        return []
    schema = qualifier[0] if qualifier else None
    if schema is not None and schema not in catalog.schemas:
        return []
    found = [] if schema is not None else _schemas(catalog)
    if role in (Role.RELATION, Role.EXPRESSION, Role.COLUMN):
        found += _relations(catalog, schema)
    elif role is Role.INDEX:
        found += [
            Candidate(_label(index.name, index.schema, schema, catalog), "index", index.schema)
            for index in catalog.indexes.values()
            if _visible(index.schema, schema)
        ]
    elif role is Role.TYPE:
        found += [
            Candidate(_label(t.name, t.schema, schema, catalog), "type", t.kind)
            for t in catalog.types.values()
            if _visible(t.schema, schema)
        ]
        if schema is None:
            found += [Candidate(name, "type", "built-in", 1) for name in COMMON_TYPES]
    elif role is Role.FUNCTION:
        found += _functions(catalog, schema)
    return found


def _table(parts: Parts | None, catalog: Catalog) -> Table | None:
    found = relation(parts, catalog) if parts else None
    return catalog.tables.get(found.key) if found is not None else None


def _columns(tables: list[Parts], catalog: Catalog, builtins: Builtins | None) -> list[Candidate]:
    found: list[Candidate] = []
    seen: set[str] = set()
    for rank, parts in enumerate(tables):
        table = _table(parts, catalog)
        if table is None:
            continue
        for column in table.columns.values():
            if column.name not in seen:
                seen.add(column.name)
                spelled = column.type
                if builtins is not None:
                    spelled = format_type(column.type, builtins, catalog.search_path)
                detail = spelled + (" NOT NULL" if column.not_null else "")
                found.append(Candidate(quote_identifier(column.name), "column", detail, rank))
    return found


def _schemas(catalog: Catalog) -> list[Candidate]:
    return [
        Candidate(quote_identifier(name), "schema", rank=2)
        for name in sorted(catalog.schemas)
        if not name.startswith("pg_")
    ]


def _visible(schema: str, qualifier: str | None) -> bool:
    """An object of ``schema`` is offered after ``qualifier.`` or, without one, always (those
    off the search path qualified: `_label`)."""
    return qualifier is None or schema == qualifier


def _label(name: str, schema: str, qualifier: str | None, catalog: Catalog) -> str:
    if qualifier is not None or schema in catalog.search_path:
        return quote_identifier(name)
    return f"{quote_identifier(schema)}.{quote_identifier(name)}"


def _relations(catalog: Catalog, schema: str | None) -> list[Candidate]:
    found = [
        Candidate(
            _label(table.name, table.schema, schema, catalog),
            _TABLE_KINDS.get(table.kind, "table"),
            f"{table.schema}, {len(table.columns)} columns",
        )
        for table in catalog.tables.values()
        if _visible(table.schema, schema)
    ]
    found += [
        Candidate(_label(s.name, s.schema, schema, catalog), "sequence", s.schema)
        for s in catalog.sequences.values()
        if _visible(s.schema, schema)
    ]
    return found


def _functions(catalog: Catalog, schema: str | None, rank: int = 0) -> list[Candidate]:
    found = []
    for (owner, name), overloads in catalog.functions.items():
        if not _visible(owner, schema):
            continue
        for function in overloads[:1]:
            returns = f" → {function.returns}" if function.returns else ""
            detail = f"({', '.join(function.arguments)}){returns}"
            found.append(Candidate(_label(name, owner, schema, catalog), "function", detail, rank))
    return found
