"""naming-convention: index, constraint, trigger, policy and migration file names that do not
follow the project's convention.

The convention is the migration's `NameTemplates` (`MigrationContext.name_templates`): the
config file's ``[naming]`` templates over those learned from the earlier migrations
(`pgmig_lsp.name_conventions`). With none, the rule reports nothing.
"""

from __future__ import annotations

import re

from pgmig_lsp.findings import Severity
from pgmig_lsp.name_conventions import (
    KIND_WORDS,
    NameTemplate,
    expected_name,
    template_pattern,
)
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, relation_name, strings
from pgmig_lsp.sql.parse import Statement

_IDENT = r'(?:"(?:[^"]|"")+"|[^\W\d][\w$]*)'
#: PostgreSQL truncates longer identifiers, so a name at the limit may be a truncated match
_MAX_IDENTIFIER = 63


#: the name kind of each constraint type
_CONSTRAINT_KINDS = {
    "CONSTR_PRIMARY": "primary_key",
    "CONSTR_FOREIGN": "foreign_key",
    "CONSTR_UNIQUE": "unique",
    "CONSTR_CHECK": "check",
    "CONSTR_EXCLUSION": "exclusion",
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
    project's naming convention, and reports those that do not fit. Objects left for PostgreSQL
    to name are not reported. With no convention known, nothing is reported.

    The convention is a template per kind of name: `{table}`, `{schema}`, `{columns}` (joined by
    `_`), `{column}` (the first) and `{version}` (file names) stand for the object's own values,
    any other placeholder (`{purpose}`, `{name}`) for a snake_case word group. A template comes
    from the config file, or else from the earlier migrations:

    - **configured**: the `[naming]` table of `pgmig.toml` (or `[tool.pgmig.naming]`), with the
      keys `index`, `unique_index` (default: the `index` one), `primary_key`, `foreign_key`,
      `unique`, `check`, `exclusion`, `trigger`, `policy` and `migration_file`;
    - **learned**: from the names the earlier migrations of the directory gave (those
      PostgreSQL chose aside), read after the first 16, 32, 64, … migrations: a migration is
      checked against what the last of these before it taught (the first 16 migrations are
      not checked against anything learned). A kind is learned when at
      least 5 names follow one template and they are at least 80 % of that kind; with weaker
      evidence that kind is not checked. The message gives the evidence ("18 of 20 indexes
      follow it"); `pgmig analyze --conventions` shows every name that does not.

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
    -- pgmig.toml: [naming] index = "idx_{table}_{columns}" (or 18 of 20 earlier indexes)
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
        self.templates = context.name_templates

    def _template(self, kind: str) -> NameTemplate | None:
        return self.templates.template(kind) if self.templates else None

    # -- file name -----------------------------------------------------------------------

    def end_migration(self) -> None:
        template = self._template("migration_file")
        migration = self.context.migration
        if template is None or not migration.files:
            return
        file = migration.files[0]
        values = {"version": migration.version} if migration.version else {}
        if template_pattern(template.template, values).fullmatch(file.path.name):
            return
        first_line = file.text.find("\n")
        self.report(
            None,
            Span(0, first_line if first_line > 0 else min(len(file.text), 1)),
            f"the file name `{file.path.name}` does not follow {template.provenance()}",
            file=file,
        )

    # -- statements ----------------------------------------------------------------------

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if not self.templates or statement.in_function:
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
            self._check(statement, section, "trigger", name, table, (), None)
        elif kind == "CreatePolicyStmt":
            name = body.get("policy_name")
            table = relation_name(body.get("table"))
            self._check(statement, section, "policy", name, table, (), None)

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
        table = relation_name(body.get("relation"))
        idxname = body.get("idxname")
        self._check(statement, section, kind, idxname, table, tuple(columns), None)

    def _constraint(
        self,
        statement: Statement,
        section: SectionContext,
        table: QualifiedName | None,
        item: Node,
        columns: tuple[str, ...],
    ) -> None:
        con = item.get("Constraint") or {}
        kind = _CONSTRAINT_KINDS.get(con.get("contype", ""))
        if kind is None:
            return
        columns = strings(con.get("keys")) or strings(con.get("fk_attrs")) or columns
        name = con.get("conname")
        self._check(statement, section, kind, name, table, columns, con.get("location"))

    def _check(
        self,
        statement: Statement,
        section: SectionContext,
        kind: str,
        name: str | None,
        table: QualifiedName | None,
        columns: tuple[str, ...],
        location: int | None,
    ) -> None:
        found = self._template(kind)
        if found is None or not name or len(name.encode()) >= _MAX_IDENTIFIER:
            return
        template = found.template
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
        hint = f"; expected `{expected}`" if expected else ""
        self.report(
            section,
            self._name_span(statement, section, kind, name, location),
            f"the {KIND_WORDS[kind][0]} name `{name}` does not follow {found.provenance()}{hint}",
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
