"""unqualified-name: objects created, altered or dropped without naming their schema."""

from __future__ import annotations

import re
from collections.abc import Iterator

import attrs

from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, quote_identifier, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span

_IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'

#: statements whose object is a list of strings with no location: the keywords before the name
_NAMED_BY_HEADER = {
    "CreateEnumStmt": ("typeName", r"CREATE\s+TYPE\s+", "type"),
    "CreateRangeStmt": ("typeName", r"CREATE\s+TYPE\s+", "type"),
    "CreateDomainStmt": ("domainname", r"CREATE\s+DOMAIN\s+", "domain"),
    "CreateFunctionStmt": (
        "funcname",
        r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+",
        "function",
    ),
    "AlterEnumStmt": ("typeName", r"ALTER\s+TYPE\s+", "type"),
    "AlterDomainStmt": ("typeName", r"ALTER\s+DOMAIN\s+", "domain"),
}

#: statements whose object is a ``RangeVar`` (with a location): the field, and what it names
_NAMED_BY_RANGEVAR = {
    "CreateStmt": ("relation", "table"),
    "ViewStmt": ("view", "view"),
    "IndexStmt": ("relation", "table"),
    "AlterTableStmt": ("relation", "relation"),
    "CompositeTypeStmt": ("typevar", "type"),
    "CreateSeqStmt": ("sequence", "sequence"),
    "AlterSeqStmt": ("sequence", "sequence"),
    "CreateTrigStmt": ("relation", "table"),
    "CreatePolicyStmt": ("table", "table"),
    "AlterPolicyStmt": ("table", "table"),
    "RenameStmt": ("relation", "relation"),
}

#: DROP object types whose names take a schema (for triggers, policies and rules, the table's
#: name does): what the name is, and the keywords after DROP
_DROPPABLE = {
    "OBJECT_TABLE": ("table", "TABLE"),
    "OBJECT_VIEW": ("view", "VIEW"),
    "OBJECT_MATVIEW": ("materialized view", "MATERIALIZED VIEW"),
    "OBJECT_FOREIGN_TABLE": ("foreign table", "FOREIGN TABLE"),
    "OBJECT_INDEX": ("index", "INDEX"),
    "OBJECT_SEQUENCE": ("sequence", "SEQUENCE"),
    "OBJECT_TYPE": ("type", "TYPE"),
    "OBJECT_DOMAIN": ("domain", "DOMAIN"),
    "OBJECT_FUNCTION": ("function", "FUNCTION"),
    "OBJECT_PROCEDURE": ("procedure", "PROCEDURE"),
    "OBJECT_ROUTINE": ("routine", "ROUTINE"),
    "OBJECT_AGGREGATE": ("aggregate", "AGGREGATE"),
    "OBJECT_TRIGGER": ("table", "TRIGGER"),
    "OBJECT_POLICY": ("table", "POLICY"),
    "OBJECT_RULE": ("table", "RULE"),
}
#: ``objtype`` / ``renameType`` of ALTER statements naming a relation
_RELATION_KINDS = {
    "OBJECT_TABLE": "table",
    "OBJECT_INDEX": "index",
    "OBJECT_SEQUENCE": "sequence",
    "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "materialized view",
    "OBJECT_FOREIGN_TABLE": "foreign table",
    "OBJECT_TYPE": "type",
}
_CATALOG_KINDS = {"table": "table", "view": "view", "matview": "materialized view"}

_ON_TABLE = frozenset({"OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"})

_PATTERNS: dict[str, re.Pattern[str]] = {}


def _pattern(source: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(source)
    if pattern is None:
        pattern = _PATTERNS[source] = re.compile(source + f"(?P<name>{_IDENT})", re.IGNORECASE)
    return pattern


@attrs.frozen
class _Unqualified:
    name: str
    what: str
    #: where the name is written; None when it cannot be found exactly
    span: Span | None


def _drop_names(body: Node) -> Iterator[tuple[str, str]]:
    """The unqualified objects of a ``DROP`` (for triggers and policies: their tables)."""
    kind = body.get("removeType", "")
    if kind not in _DROPPABLE:
        return
    what = _DROPPABLE[kind][0]
    for obj in body.get("objects") or []:
        if "List" in obj:
            parts = strings(obj["List"].get("items"))
        elif "TypeName" in obj:
            parts = strings(obj["TypeName"].get("names"))
        elif "ObjectWithArgs" in obj:
            parts = strings(obj["ObjectWithArgs"].get("objname"))
        elif "String" in obj:
            parts = (obj["String"].get("sval", ""),)
        else:
            continue
        if kind in _ON_TABLE:
            parts = parts[:-1]
        if len(parts) == 1:
            yield parts[0], what


class UnqualifiedName(Rule):
    """Flags object names written without their schema in `CREATE`, `ALTER` and `DROP`.

    ## What it does
    Reports the object a `CREATE`, `ALTER` or `DROP` statement works on when its name has no
    schema: tables, views, materialized views, sequences, types, domains, functions, the table of
    an index, trigger or policy. Temporary objects are left alone. It is off by default.

    ## Why is this bad?
    An unqualified name is resolved through `search_path`, which depends on the role, the
    database settings and whatever ran before in the session. The same migration can then create
    objects in a different schema, or alter a same-named table in another schema, depending on
    where and by whom it runs.

    ## Lock
    None of its own.

    ## Instead
    Name the schema: `public.orders`, `billing.invoice_status`. The fix adds the schema that the
    name resolves to in the replayed catalog (the first schema of `search_path` for new
    objects); it is unsafe because the run-time `search_path` may differ.

    ## Example
    ```sql
    CREATE TABLE orders (id bigint PRIMARY KEY);
    ```
    Use instead:
    ```sql
    CREATE TABLE public.orders (id bigint PRIMARY KEY);
    ```
    """

    id = "unqualified-name"
    group = Group.DESIGN
    severity = Severity.INFO
    enabled_by_default = False
    kinds = frozenset({*_NAMED_BY_HEADER, *_NAMED_BY_RANGEVAR, "CreateTableAsStmt", "DropStmt"})
    summary = "an object name without its schema"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        for found in self._unqualified(statement, section.file.text):
            self._report(statement, section, found)

    def _unqualified(self, statement: Statement, text: str) -> Iterator[_Unqualified]:
        body = statement.body
        kind = statement.kind
        if kind in _NAMED_BY_RANGEVAR:
            field, what = _NAMED_BY_RANGEVAR[kind]
            relation = body.get(field)
            if kind == "RenameStmt" and relation is None:
                return  # renames of types, functions, …: named by a list, found elsewhere
            if what == "relation":
                objtype = body.get("renameType") if kind == "RenameStmt" else body.get("objtype")
                if kind == "RenameStmt" and objtype in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
                    objtype = body.get("relationType")
                what = _RELATION_KINDS.get(objtype or "", "table")
            yield from self._rangevar(statement, text, relation, what)
        elif kind == "CreateTableAsStmt":
            into = (body.get("into") or {}).get("IntoClause") or body.get("into") or {}
            what = "materialized view" if body.get("objtype") == "OBJECT_MATVIEW" else "table"
            yield from self._rangevar(statement, text, into.get("rel"), what)
        elif kind in _NAMED_BY_HEADER:
            field, header, what = _NAMED_BY_HEADER[kind]
            parts = strings(body.get(field))
            if len(parts) == 1:
                match = _pattern(header).match(text, statement.span.start, statement.span.end)
                span = Span(match.start("name"), match.end("name")) if match else None
                yield _Unqualified(parts[0], what, span)
        elif kind == "DropStmt":
            names = list(_drop_names(body))
            if len(names) == 1 and body.get("removeType") not in _ON_TABLE:
                yield from self._dropped(statement, text, *names[0])
            else:
                for name, what in names:
                    yield _Unqualified(name, what, None)

    @staticmethod
    def _rangevar(
        statement: Statement, text: str, relation: Node | None, what: str
    ) -> Iterator[_Unqualified]:
        if not relation:
            return
        relation = relation.get("RangeVar", relation)
        if relation.get("schemaname") or relation.get("relpersistence") == "t":
            return
        name = relation.get("relname", "")
        location = relation.get("location")
        span = name_span(statement, text, location) if location is not None else None
        yield _Unqualified(name, what, span)

    @staticmethod
    def _dropped(statement: Statement, text: str, name: str, what: str) -> Iterator[_Unqualified]:
        keywords = _DROPPABLE[statement.body.get("removeType", "")][1]
        words = r"\s+".join(keywords.split())
        header = rf"DROP\s+{words}(?:\s+CONCURRENTLY)?(?:\s+IF\s+EXISTS)?\s+"
        match = _pattern(header).match(text, statement.span.start, statement.span.end)
        span = Span(match.start("name"), match.end("name")) if match else None
        yield _Unqualified(name, what, span)

    def _report(self, statement: Statement, section: SectionContext, found: _Unqualified) -> None:
        catalog = self.context.catalog
        creates = statement.kind.startswith("Create") or statement.kind in ("ViewStmt",)
        if found.what == "table" and not creates:
            known = catalog.table(None, found.name)
            if known is not None:
                found = attrs.evolve(found, what=_CATALOG_KINDS.get(known.kind, "table"))
        if found.what in ("table", "view", "materialized view", "foreign table", "sequence"):
            space: dict[tuple[str, str], object] = dict(catalog.tables)
            space.update(catalog.sequences)
        elif found.what in ("type", "domain"):
            space = dict(catalog.types)
        elif found.what in ("function", "procedure", "routine", "aggregate"):
            space = dict(catalog.functions)
        else:
            space = dict(catalog.indexes)
        if creates and statement.kind not in ("IndexStmt", "CreateTrigStmt", "CreatePolicyStmt"):
            schema = catalog.search_path[0] if catalog.search_path else "public"
        else:
            schema = catalog.resolve(None, found.name, space)[0]
        qualified = f"{quote_identifier(schema)}.{quote_identifier(found.name)}"
        fix = None
        span = found.span
        if span is not None:
            at = Span(span.start, span.start)
            fix = Fix(
                title=f"Qualify with `{schema}`",
                edits=(Edit(section.file.path, at, quote_identifier(schema) + "."),),
                safe=False,
            )
        self.report(
            section,
            span or statement.span,
            f"the {found.what} `{quote_identifier(found.name)}` has no schema: it resolves "
            "through `search_path`, which depends on the role, the database and the session, so "
            f"this statement may act on another schema than intended. Write `{qualified}`",
            statement=statement,
            fix=fix,
        )
