"""naming-convention: index, constraint, trigger, policy and migration file names that do not
follow the project's convention.

The convention is a `Convention`: one name template per kind of object. It comes from the
configuration or from the conventions learned from earlier migrations, through
`set_convention_source`; with no convention the rule reports nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, relation_name, strings
from pgmig_lsp.sql.parse import Statement

#: what a placeholder with no value stands for: a lower-case, snake_case word group
_FREE = r"[a-z0-9]+(?:_[a-z0-9]+)*"
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
#: PostgreSQL truncates longer identifiers, so a name at the limit may be a truncated match
_MAX_IDENTIFIER = 63


@attrs.frozen
class Convention:
    """Name templates, one per kind of object; None leaves that kind unchecked.

    A template is literal text with placeholders: ``{table}`` (the table's name, no schema),
    ``{schema}``, ``{columns}`` (the columns joined by ``_``), ``{column}`` (the first one),
    ``{version}`` (the migration's version, in file names); any other placeholder
    (``{purpose}``, ``{name}``, ``{event}``) stands for a snake_case word group. Example:
    ``index="idx_{table}_{columns}"``, ``foreign_key="{table}_{columns}_fkey"``,
    ``trigger="tr_{table}_{purpose}"``, ``migration_file="{version}_{name}.sql"``.
    """

    index: str | None = None
    #: unique indexes; falls back to ``index``
    unique_index: str | None = None
    primary_key: str | None = None
    foreign_key: str | None = None
    unique: str | None = None
    check: str | None = None
    exclusion: str | None = None
    trigger: str | None = None
    policy: str | None = None
    #: the migration's main file name
    migration_file: str | None = None

    def template(self, kind: str) -> str | None:
        if kind == "unique_index":
            return self.unique_index or self.index
        value = getattr(self, kind, None)
        return value if isinstance(value, str) else None


ConventionSource = Callable[[MigrationContext], Convention | None]


def _no_convention(_context: MigrationContext) -> Convention | None:
    return None


_source: ConventionSource = _no_convention


def set_convention_source(source: ConventionSource | None) -> None:
    """Where the rule gets the convention for a migration (None: no convention, the default).

    The configuration and the learned conventions plug in here.
    """
    global _source
    _source = source or _no_convention


def template_pattern(template: str, values: dict[str, str]) -> re.Pattern[str]:
    """A regular expression for the names ``template`` allows, given the known values."""
    parts: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        value = values.get(match.group(1))
        parts.append(re.escape(value) if value is not None else _FREE)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts))


def expected_name(template: str, values: dict[str, str]) -> str | None:
    """The one name ``template`` allows, when every placeholder has a value."""
    names = set(_PLACEHOLDER.findall(template))
    if not names <= values.keys():
        return None
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


_CONSTRAINT_KINDS = {
    "CONSTR_PRIMARY": ("primary_key", "primary key"),
    "CONSTR_FOREIGN": ("foreign_key", "foreign key"),
    "CONSTR_UNIQUE": ("unique", "unique constraint"),
    "CONSTR_CHECK": ("check", "check constraint"),
    "CONSTR_EXCLUSION": ("exclusion", "exclusion constraint"),
}

_NAME_AFTER: dict[str, re.Pattern[str]] = {
    "index": re.compile(
        rf"CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:CONCURRENTLY\s+)?(?:IF\s+NOT\s+EXISTS\s+)?"
        rf"(?P<name>{_IDENT})",
        re.IGNORECASE,
    ),
    "constraint": re.compile(rf"CONSTRAINT\s+(?P<name>{_IDENT})", re.IGNORECASE),
    "trigger": re.compile(
        rf"CREATE\s+(?:OR\s+REPLACE\s+)?(?:CONSTRAINT\s+)?TRIGGER\s+(?P<name>{_IDENT})",
        re.IGNORECASE,
    ),
    "policy": re.compile(rf"CREATE\s+POLICY\s+(?P<name>{_IDENT})", re.IGNORECASE),
}


class NamingConvention(Rule):
    """Flags index, constraint, trigger, policy and migration file names off the convention.

    ## What it does
    Compares the names a migration gives to indexes, constraints (primary key, foreign key,
    unique, check, exclusion), triggers and policies, and the migration's file name, with the
    project's naming convention — configured, or learned from the earlier migrations — and
    reports those that do not fit. Objects left for PostgreSQL to name are not reported. With no
    convention known, nothing is reported.

    ## Why is this bad?
    Names are how people find objects in `\\d`, error messages (`violates foreign key constraint
    "…"`) and later migrations that drop or rename them. A consistent scheme makes the schema
    predictable; one-off names make every later migration guess.

    ## Lock
    None of its own.

    ## Instead
    Name the object after the convention (the message gives the expected name when the template
    determines it). Renaming later is cheap (`ALTER INDEX … RENAME`) but every reference must
    follow.

    ## Example
    ```sql
    -- convention: index = "idx_{table}_{columns}"
    CREATE INDEX orders_by_customer ON orders (customer_id);
    ```
    Use instead:
    ```sql
    CREATE INDEX idx_orders_customer_id ON orders (customer_id);
    ```
    """

    id = "naming-convention"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset(
        {"IndexStmt", "CreateStmt", "AlterTableStmt", "CreateTrigStmt", "CreatePolicyStmt"}
    )
    summary = "a name that does not follow the configured or learned convention"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self.convention = _source(context)

    # -- file name -----------------------------------------------------------------------

    def end_migration(self) -> None:
        convention = self.convention
        template = convention.template("migration_file") if convention else None
        migration = self.context.migration
        if template is None or not migration.files:
            return
        file = migration.files[0]
        values = {"version": migration.version} if migration.version else {}
        if template_pattern(template, values).fullmatch(file.path.name):
            return
        first_line = file.text.find("\n")
        self.report(
            None,
            Span(0, first_line if first_line > 0 else min(len(file.text), 1)),
            f"the file name `{file.path.name}` does not follow the convention `{template}`",
            file=file,
        )

    # -- statements ----------------------------------------------------------------------

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if self.convention is None or statement.in_function:
            return
        body = statement.body
        kind = statement.kind
        if kind == "IndexStmt":
            self._index(statement, section)
        elif kind == "CreateStmt":
            table = relation_name(body.get("relation"))
            for element in body.get("tableElts") or []:
                coldef = element.get("ColumnDef")
                if coldef is not None:
                    for item in coldef.get("constraints") or []:
                        column = (coldef.get("colname", ""),)
                        self._constraint(statement, section, table, item, column)
                elif "Constraint" in element:
                    self._constraint(statement, section, table, element, ())
        elif kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TABLE":
            table = relation_name(body.get("relation"))
            for item in body.get("cmds") or []:
                cmd = item.get("AlterTableCmd") or {}
                definition = cmd.get("def") or {}
                if cmd.get("subtype") == "AT_AddConstraint" and "Constraint" in definition:
                    self._constraint(statement, section, table, definition, ())
                elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                    coldef = definition["ColumnDef"]
                    for con_item in coldef.get("constraints") or []:
                        column = (coldef.get("colname", ""),)
                        self._constraint(statement, section, table, con_item, column)
        elif kind == "CreateTrigStmt":
            name = body.get("trigname")
            table = relation_name(body.get("relation"))
            self._check(statement, section, "trigger", "trigger", name, table, (), None)
        elif kind == "CreatePolicyStmt":
            name = body.get("policy_name")
            table = relation_name(body.get("table"))
            self._check(statement, section, "policy", "policy", name, table, (), None)

    def _index(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        columns: list[str] = []
        for param in body.get("indexParams") or []:
            name = (param.get("IndexElem") or {}).get("name")
            if name is None:
                columns = []  # an expression: {columns} cannot be checked
                break
            columns.append(name)
        kind = "unique_index" if body.get("unique") else "index"
        what = "unique index" if body.get("unique") else "index"
        table = relation_name(body.get("relation"))
        idxname = body.get("idxname")
        self._check(statement, section, kind, what, idxname, table, tuple(columns), None)

    def _constraint(
        self,
        statement: Statement,
        section: SectionContext,
        table: QualifiedName | None,
        item: Node,
        columns: tuple[str, ...],
    ) -> None:
        con = item.get("Constraint") or {}
        known = _CONSTRAINT_KINDS.get(con.get("contype", ""))
        if known is None:
            return
        kind, what = known
        columns = strings(con.get("keys")) or strings(con.get("fk_attrs")) or columns
        name = con.get("conname")
        self._check(statement, section, kind, what, name, table, columns, con.get("location"))

    def _check(
        self,
        statement: Statement,
        section: SectionContext,
        kind: str,
        what: str,
        name: str | None,
        table: QualifiedName | None,
        columns: tuple[str, ...],
        location: int | None,
    ) -> None:
        convention = self.convention
        template = convention.template(kind) if convention else None
        if template is None or not name or len(name.encode()) >= _MAX_IDENTIFIER:
            return
        values: dict[str, str] = {}
        if table is not None:
            values["table"] = table.name
            if table.schema:
                values["schema"] = table.schema
        if columns:
            values["columns"] = "_".join(columns)
            values["column"] = columns[0]
        elif "{column" in template:
            return  # the columns are expressions
        if template_pattern(template, values).fullmatch(name):
            return
        expected = expected_name(template, values)
        hint = f" (expected `{expected}`)" if expected else ""
        self.report(
            section,
            self._name_span(statement, section, kind, name, location),
            f"the {what} name `{name}` does not follow the convention `{template}`{hint}",
            statement=statement,
        )

    @staticmethod
    def _name_span(
        statement: Statement, section: SectionContext, kind: str, name: str, location: int | None
    ) -> Span:
        text = section.file.text
        if kind in ("index", "unique_index", "trigger", "policy"):
            pattern = _NAME_AFTER["index" if "index" in kind else kind]
            start = statement.span.start
        else:
            pattern = _NAME_AFTER["constraint"]
            start = statement.at(location) if location is not None else statement.span.start
        match = pattern.match(text, start, statement.span.end)
        if match is None:
            return statement.span
        return Span(match.start("name"), match.end("name"))
