"""unindexed-foreign-key: a foreign key whose columns no index starts with."""

from __future__ import annotations

from collections.abc import Container, Mapping

import attrs

from pgmig_lsp.catalog.model import Index, Key
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.locks import display_name
from pgmig_lsp.migrations.model import SectionKind
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.primary_key import may_inherit_primary_key
from pgmig_lsp.rules.rewrite import statement_with_terminator
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, quote_identifier, relation_name, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import element_span, subcommand_spans

#: PostgreSQL truncates identifiers to 63 bytes
_MAX_IDENTIFIER = 63


@attrs.frozen
class _ForeignKey:
    table: Key
    columns: tuple[str, ...]
    #: the referenced table as written
    referenced: str
    statement: Statement
    section: SectionContext
    span: Span
    #: the table was created by this migration (an index can simply be added after it)
    new_table: bool


def covers(index: Index, columns: tuple[str, ...]) -> bool:
    """Whether the index's leading columns are ``columns``, in any order (PostgreSQL can use it
    for the foreign key's lookups)."""
    if index.method == "brin" or len(index.columns) < len(columns):
        return False
    lead = index.columns[: len(columns)]
    return None not in lead and set(lead) == set(columns)


def index_name(
    table: str, columns: tuple[str, ...], existing: list[Index], taken: Container[str]
) -> str:
    """A name for a new index in the style of the migration's other indexes: ``idx_t_c`` when
    they use that prefix, PostgreSQL's own ``t_c_idx`` otherwise."""
    prefixed = sum(1 for index in existing if index.name.startswith("idx_"))
    stem = "_".join((table, *columns))
    base = f"idx_{stem}" if existing and prefixed * 2 >= len(existing) else f"{stem}_idx"
    base = base.encode()[:_MAX_IDENTIFIER].decode(errors="ignore")
    name, n = base, 1
    while name in taken:
        suffix = str(n)
        name = base.encode()[: _MAX_IDENTIFIER - len(suffix)].decode(errors="ignore") + suffix
        n += 1
    return name


class UnindexedForeignKey(Rule):
    """Flags a foreign key whose referencing columns no index starts with.

    ## What it does
    Reports a foreign key (inline `REFERENCES` or `FOREIGN KEY (…)`) when no index of the
    referencing table has the key's columns as its leading columns, in any order; primary keys
    and unique constraints count, and so do indexes created later in the same migration. It
    checks tables created by the migration, and every table when the catalog knows the whole
    schema (replayed history, snapshot or live database).

    ## Why is this bad?
    Every `DELETE` of a referenced row, and every update of its key, makes PostgreSQL look for
    referencing rows: without an index that is a sequential scan of the referencing table, per
    row deleted, while holding locks. `ON DELETE CASCADE` makes it worse, and joins from the
    parent to its children cannot use an index either.

    ## Lock
    None of its own. The missing index makes deletes on the referenced table slow, holding their
    row locks longer.

    ## Instead
    Create an index that starts with the foreign key's columns. On a table created in the same
    migration a plain `CREATE INDEX` right after the table is fine (the fix adds it; unsafe
    because it adds an index); on an existing table build it `CONCURRENTLY` in a migration of its
    own.

    ## Example
    ```sql
    CREATE TABLE comments (
      id bigint PRIMARY KEY,
      post_id bigint NOT NULL REFERENCES posts (id)
    );
    ```
    Use instead:
    ```sql
    CREATE TABLE comments (
      id bigint PRIMARY KEY,
      post_id bigint NOT NULL REFERENCES posts (id)
    );
    CREATE INDEX idx_comments_post_id ON comments (post_id);
    ```
    """

    id = "unindexed-foreign-key"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset({"CreateStmt", "AlterTableStmt"})
    summary = "a foreign key with no index on its columns"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        #: indexes this migration created (for naming a new one in their style), once
        self._mine: list[Index] | None = None
        self._keys: list[_ForeignKey] = []
        #: new tables with indexes the catalog does not model (partitions get their parent's,
        #: ``LIKE … INCLUDING INDEXES`` copies)
        self._opaque: set[Key] = set()

    def begin_section(self, section: SectionContext) -> None:
        self._keys = []
        self._opaque = set()

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_function:
            return
        body = statement.body
        context = self.context
        if statement.kind == "CreateStmt":
            relation = body.get("relation") or {}
            if relation.get("relpersistence") == "t":
                return
            key = context.table_key(relation)
            if key is None or (body.get("if_not_exists") and key in context.catalog.tables):
                return
            if may_inherit_primary_key(body):
                self._opaque.add(key)
            self._create_table(statement, section, key)
        elif body.get("objtype") == "OBJECT_TABLE":
            relation = body.get("relation")
            new = context.is_new_table(relation)
            key = context.table_key(relation)
            if key is None or not (new or context.catalog.complete):
                return
            self._alter_table(statement, section, key, new)

    def _create_table(self, statement: Statement, section: SectionContext, key: Key) -> None:
        text = section.file.text
        for element in statement.body.get("tableElts") or []:
            coldef = element.get("ColumnDef")
            if coldef is not None:
                for item in coldef.get("constraints") or []:
                    con = item.get("Constraint") or {}
                    if con.get("contype") == "CONSTR_FOREIGN":
                        span = element_span(statement, text, coldef.get("location"))
                        self._add(key, con, (coldef.get("colname", ""),), statement, section, span)
            con = element.get("Constraint") or {}
            if con.get("contype") == "CONSTR_FOREIGN":
                span = element_span(statement, text, con.get("location"))
                self._add(key, con, (), statement, section, span)

    def _alter_table(
        self, statement: Statement, section: SectionContext, key: Key, new: bool
    ) -> None:
        commands = statement.body.get("cmds") or []
        spans: list[Span] | None = None
        for index, item in enumerate(commands):
            cmd = item.get("AlterTableCmd") or {}
            definition = cmd.get("def") or {}
            found: list[tuple[Node, tuple[str, ...]]] = []
            if cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in definition:
                coldef = definition["ColumnDef"]
                for con_item in coldef.get("constraints") or []:
                    con = con_item.get("Constraint") or {}
                    if con.get("contype") == "CONSTR_FOREIGN":
                        found.append((con, (coldef.get("colname", ""),)))
            elif cmd.get("subtype") == "AT_AddConstraint":
                con = definition.get("Constraint") or {}
                if con.get("contype") == "CONSTR_FOREIGN":
                    found.append((con, ()))
            for con, columns in found:
                if spans is None:
                    spans = subcommand_spans(statement, section.file.text)
                span = spans[index] if len(spans) == len(commands) else statement.span
                self._add(key, con, columns, statement, section, span, new=new)

    def _add(
        self,
        key: Key,
        con: Node,
        columns: tuple[str, ...],
        statement: Statement,
        section: SectionContext,
        span: Span,
        *,
        new: bool = True,
    ) -> None:
        columns = strings(con.get("fk_attrs")) or columns
        if not columns:
            return
        written = relation_name(con.get("pktable"))
        referenced = display_name((written.schema or "", written.name)) if written else "?"
        self._keys.append(_ForeignKey(key, columns, referenced, statement, section, span, new))

    def end_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.UP:
            return
        catalog = self.context.catalog
        reported: set[tuple[Key, tuple[str, ...]]] = set()
        for fk in self._keys:
            table = catalog.tables.get(fk.table)
            if table is None or table.uncertain or fk.table in self._opaque:
                continue
            if (fk.table, fk.columns) in reported:
                continue
            if not any(
                c.type == "f" and c.columns == fk.columns for c in table.constraints.values()
            ):
                continue  # dropped again
            indexes = catalog.indexes_on(fk.table)
            if any(covers(index, fk.columns) for index in indexes):
                continue
            reported.add((fk.table, fk.columns))
            self._report(fk, indexes)

    def _report(self, fk: _ForeignKey, indexes: list[Index]) -> None:
        table = display_name(fk.table)
        columns = ", ".join(quote_identifier(c) for c in fk.columns)
        fix = None
        if fk.new_table:
            catalog = self.context.catalog
            if self._mine is None:  # the same for every finding of the migration
                migration = str(self.context.migration.path)
                self._mine = [
                    index
                    for index in catalog.indexes.values()
                    if index.origin is not None
                    and index.origin.migration == migration
                    and not index.name.endswith(("_pkey", "_key", "_excl"))
                ]
            name = index_name(
                fk.table[1], fk.columns, self._mine, _IndexNames(catalog.indexes, fk.table[0])
            )
            after = statement_with_terminator(fk.section.file, fk.statement).end
            fix = Fix(
                title=f"Index `{table} ({columns})`",
                edits=(
                    Edit(
                        fk.section.file.path,
                        Span(after, after),
                        f"\nCREATE INDEX {quote_identifier(name)} ON {table} ({columns});",
                    ),
                ),
                safe=False,
            )
        self.report(
            fk.section,
            fk.span,
            f"no index of `{table}` starts with `{columns}`: every `DELETE` (or key update) on "
            f"`{fk.referenced}` scans `{table}` for referencing rows, and joins on the key "
            f"cannot use an index. Add an index on `{table} ({columns})`",
            statement=fk.statement,
            fix=fix,
        )


class _IndexNames:
    """The index names taken in one schema, without building the set."""

    def __init__(self, indexes: Mapping[Key, Index], schema: str) -> None:
        self._indexes = indexes
        self._schema = schema

    def __contains__(self, name: object) -> bool:
        return (self._schema, name) in self._indexes
