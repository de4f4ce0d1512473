"""table-without-primary-key: a table created without a primary key."""

from __future__ import annotations

import attrs
from pglast.enums.parsenodes import TableLikeOption

from pgmig_lsp.catalog.model import Key
from pgmig_lsp.findings import Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span

_LIKE_INDEXES = int(TableLikeOption.CREATE_TABLE_LIKE_INDEXES)


def header_span(statement: Statement, text: str, relation: Node | None) -> Span:
    """``CREATE TABLE name``: from the statement's start to the end of the table's name."""
    location = (relation or {}).get("location")
    if location is None:
        return statement.span
    end = name_span(statement, text, location).end
    return Span(statement.span.start, max(end, statement.span.start + 1))


def may_inherit_primary_key(body: Node) -> bool:
    """Whether a ``CREATE TABLE`` can get a primary key from elsewhere: a partition (the parent's
    key), ``LIKE … INCLUDING INDEXES``, ``INHERITS`` children (old-style partitions, whose keys
    live on the parent's design) and typed tables (``OF type``)."""
    if body.get("partbound") is not None or body.get("inhRelations") or body.get("ofTypename"):
        return True
    for element in body.get("tableElts") or []:
        like = element.get("TableLikeClause")
        if like is not None and int(like.get("options", 0)) & _LIKE_INDEXES:
            return True
    return False


@attrs.frozen
class _NewTable:
    key: Key
    statement: Statement
    section: SectionContext
    name: str


class TableWithoutPrimaryKey(Rule):
    """Flags `CREATE TABLE` of a table that ends the migration without a primary key.

    ## What it does
    Reports a table created by the migration that has no primary key, neither in its
    `CREATE TABLE` nor from a later `ALTER TABLE … ADD PRIMARY KEY` of the same migration.
    Temporary tables, partitions (`PARTITION OF`, which get the parent's key), `INHERITS`
    children, typed tables and `LIKE … INCLUDING INDEXES` copies are left alone, as is a table
    the migration drops again.

    ## Why is this bad?
    Without a primary key, rows cannot be addressed reliably: duplicates creep in, ORMs and admin
    tools cannot update or delete a single row, and logical replication cannot replicate
    `UPDATE`/`DELETE` on the table (no replica identity). Adding a key later to a big table
    builds a unique index and takes an ACCESS EXCLUSIVE lock.

    ## Lock
    None of its own: the table is new.

    ## Instead
    Declare a primary key when creating the table — a `bigint GENERATED … AS IDENTITY` surrogate
    key, or the natural key (for a link table, the pair of foreign keys). On a partitioned table
    the key must include the partition key columns.

    ## Example
    ```sql
    CREATE TABLE project_members (project_id bigint NOT NULL, user_id bigint NOT NULL);
    ```
    Use instead:
    ```sql
    CREATE TABLE project_members (
      project_id bigint NOT NULL,
      user_id bigint NOT NULL,
      PRIMARY KEY (project_id, user_id)
    );
    ```
    """

    id = "table-without-primary-key"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset({"CreateStmt"})
    summary = "`CREATE TABLE` with no primary key"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: tables the section creates, checked once the section is over
        self._created: list[_NewTable] = []

    def begin_section(self, section: SectionContext) -> None:
        self._created = []

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        body = statement.body
        relation = body.get("relation") or {}
        if relation.get("relpersistence") == "t" or may_inherit_primary_key(body):
            return
        key = self.context.table_key(relation)
        if key is None:
            return
        if body.get("if_not_exists") and key in self.context.catalog.tables:
            return  # already there: this statement creates nothing
        self._created.append(_NewTable(key, statement, section, display_name(key)))

    def end_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.UP:
            return
        tables = self.context.catalog.tables
        for new in self._created:
            table = tables.get(new.key)
            # dropped or renamed again, or changed by something replay cannot follow
            if table is None or table.uncertain or table.kind != "table":
                continue
            if any(con.type == "p" for con in table.constraints.values()):
                continue
            partitioned = new.statement.body.get("partspec") is not None
            advice = (
                "; on a partitioned table the key must include the partition key columns"
                if partitioned
                else ""
            )
            self.report(
                new.section,
                header_span(
                    new.statement, new.section.file.text, new.statement.body.get("relation")
                ),
                f"`{new.name}` has no primary key: its rows cannot be addressed one by one "
                "(duplicates, ORMs and logical replication of `UPDATE`/`DELETE` suffer), and "
                "adding a key once the table is big locks it while the index builds. Declare a "
                f"`PRIMARY KEY` in the `CREATE TABLE`{advice}",
                statement=new.statement,
            )
