"""domain-check-constraint: constraints on domains, which every column of the domain carries."""

from __future__ import annotations

from pglast import parser as pg

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import QualifiedName, strings
from pgmig_lsp.sql.parse import Statement


def constraint_span(statement: Statement, text: str, location: int | None) -> Span:
    """A domain constraint from its start (``CONSTRAINT name`` or ``CHECK``) to the parenthesis
    that closes its expression; the rest of the statement when there is none."""
    if location is None:
        return statement.span
    start = statement.at(location)
    chunk = text[start : statement.span.end]
    depth = 0
    try:
        for token in pg.scan(chunk):
            if token.name == "ASCII_40":
                depth += 1
            elif token.name == "ASCII_41":
                depth -= 1
                if depth == 0:
                    return Span(start, start + token.end + 1)
    except pg.ParseError:
        pass
    return Span(start, statement.span.end)


class DomainCheckConstraint(Rule):
    """Flags `CREATE DOMAIN … CHECK` and `ALTER DOMAIN … ADD CONSTRAINT`.

    ## What it does
    Reports a `CHECK` constraint in `CREATE DOMAIN`, and `ALTER DOMAIN … ADD CONSTRAINT` (unless
    `NOT VALID`) on a domain that existed before the migration.

    ## Why is this bad?
    A domain's constraints belong to every column of that type in every table. Changing them
    later is an `ALTER DOMAIN … ADD CONSTRAINT`, which checks every row of every table that has
    such a column, holding a SHARE lock (no writes) on each of them for the whole scan; dropping a
    constraint and adding a relaxed one is the only way to change it. Table `CHECK` constraints
    can instead be added `NOT VALID` and validated without blocking writes, one table at a time.

    ## Lock
    `ALTER DOMAIN … ADD CONSTRAINT` takes SHARE on every table with a column of the domain and
    scans them all. `CREATE DOMAIN` itself locks nothing.

    ## Instead
    Keep domains constraint-free (or avoid them) and put the `CHECK` on the table columns. To
    constrain an existing domain, `ADD CONSTRAINT … NOT VALID`, then `VALIDATE CONSTRAINT` in a
    later migration (it scans without blocking writes).

    ## Example
    ```sql
    CREATE DOMAIN positive_amount AS numeric CHECK (VALUE > 0);
    CREATE TABLE payments (id bigint PRIMARY KEY, amount positive_amount NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE payments (
      id bigint PRIMARY KEY,
      amount numeric NOT NULL CHECK (amount > 0)
    );
    ```
    """

    id = "domain-check-constraint"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset({"CreateDomainStmt", "AlterDomainStmt"})
    summary = "constraints on domains: changing them scans every table using the domain"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        if statement.kind == "CreateDomainStmt":
            self._create(statement, section)
        else:
            self._alter(statement, section)

    def _create(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        domain = QualifiedName.from_parts(strings(body.get("domainname")))
        for item in body.get("constraints") or []:
            con = item.get("Constraint") or {}
            if con.get("contype") != "CONSTR_CHECK":
                continue
            self.report(
                section,
                constraint_span(statement, section.file.text, con.get("location")),
                f"every column of type `{domain}` carries this `CHECK`: changing it later means "
                "`ALTER DOMAIN … ADD CONSTRAINT`, which scans every table using the domain under "
                "a SHARE lock (no writes). Put the `CHECK` on the table columns instead",
                statement=statement,
            )

    def _alter(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("subtype") != "C":
            return
        con = (body.get("def") or {}).get("Constraint") or {}
        if con.get("skip_validation"):
            return  # NOT VALID: existing rows are not checked
        domain = QualifiedName.from_parts(strings(body.get("typeName")))
        typedef = self.context.catalog.type(domain.schema, domain.name)
        if (
            typedef is not None
            and typedef.origin is not None
            and typedef.origin.migration == str(self.context.migration.path)
        ):
            return  # created by this migration: only new, empty tables can use it
        self.report(
            section,
            Span(statement.at(con.get("location")), statement.span.end)
            if con.get("location") is not None
            else statement.span,
            f"`ALTER DOMAIN {domain} ADD CONSTRAINT` checks every row of every table with a "
            f"column of type `{domain}`, holding a SHARE lock (no writes) on each for the whole "
            "scan. Add it `NOT VALID` and `VALIDATE CONSTRAINT` in a later migration, or put the "
            "check on the table columns",
            statement=statement,
        )
