"""non-idempotent-statement: CREATE/DROP that cannot be re-run after a partial failure."""

from __future__ import annotations

import re

import attrs

from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import subcommand_spans

#: statements that change nothing a re-run would trip over
_HARMLESS = frozenset({"VariableSetStmt", "VariableShowStmt", "TransactionStmt"})

_TABLE = r"CREATE\s+(?:(?:GLOBAL|LOCAL)\s+)?(?:(?:TEMP|TEMPORARY|UNLOGGED)\s+)?TABLE\b"

#: DROP object types (``removeType``) and their keywords; all of them accept IF EXISTS
_DROP_KEYWORDS = {
    "OBJECT_TABLE": "TABLE",
    "OBJECT_INDEX": "INDEX",
    "OBJECT_VIEW": "VIEW",
    "OBJECT_MATVIEW": "MATERIALIZED VIEW",
    "OBJECT_FOREIGN_TABLE": "FOREIGN TABLE",
    "OBJECT_SEQUENCE": "SEQUENCE",
    "OBJECT_SCHEMA": "SCHEMA",
    "OBJECT_TYPE": "TYPE",
    "OBJECT_DOMAIN": "DOMAIN",
    "OBJECT_FUNCTION": "FUNCTION",
    "OBJECT_PROCEDURE": "PROCEDURE",
    "OBJECT_ROUTINE": "ROUTINE",
    "OBJECT_AGGREGATE": "AGGREGATE",
    "OBJECT_TRIGGER": "TRIGGER",
    "OBJECT_POLICY": "POLICY",
    "OBJECT_RULE": "RULE",
    "OBJECT_EXTENSION": "EXTENSION",
    "OBJECT_COLLATION": "COLLATION",
    "OBJECT_STATISTIC_EXT": "STATISTICS",
    "OBJECT_EVENT_TRIGGER": "EVENT TRIGGER",
    "OBJECT_PUBLICATION": "PUBLICATION",
}

_PATTERNS: dict[str, re.Pattern[str]] = {}

#: ``OR REPLACE`` goes right after ``CREATE``
_CREATE = len("CREATE")


def _pattern(source: str) -> re.Pattern[str]:
    pattern = _PATTERNS.get(source)
    if pattern is None:
        pattern = _PATTERNS[source] = re.compile(source, re.IGNORECASE)
    return pattern


@attrs.frozen
class _Missing:
    """What a statement lacks: the clause to add, and the keywords it goes after."""

    #: the statement's leading keywords, matched at its start
    header: str
    clause: str
    #: the object, for the message
    what: str
    #: no spelling makes it idempotent (an unnamed index): report without a fix
    fixable: bool = True
    note: str = ""
    #: where the clause goes, counted from the start of ``header`` (None: after it)
    insert_at: int | None = None


def _missing(statement: Statement, pg_version: int) -> _Missing | None:
    """The ``IF [NOT] EXISTS`` / ``OR REPLACE`` a CREATE or DROP statement could have and lacks."""
    body = statement.body
    kind = statement.kind
    if kind == "CreateStmt":
        if body.get("if_not_exists") or (body.get("relation") or {}).get("relpersistence") == "t":
            return None
        return _Missing(_TABLE, " IF NOT EXISTS", "`CREATE TABLE`")
    if kind == "CreateTableAsStmt":
        if body.get("if_not_exists"):
            return None
        into = (body.get("into") or {}).get("IntoClause") or body.get("into") or {}
        if (into.get("rel") or {}).get("relpersistence") == "t":
            return None
        if body.get("objtype") == "OBJECT_MATVIEW":
            return _Missing(
                r"CREATE\s+MATERIALIZED\s+VIEW\b", " IF NOT EXISTS", "`CREATE MATERIALIZED VIEW`"
            )
        return _Missing(_TABLE, " IF NOT EXISTS", "`CREATE TABLE … AS`")
    if kind == "IndexStmt":
        if body.get("if_not_exists"):
            return None
        header = r"CREATE\s+(?:UNIQUE\s+)?INDEX(?:\s+CONCURRENTLY)?\b"
        note = (
            " (a failed `CONCURRENTLY` build leaves an INVALID index behind: drop it before "
            "re-running)"
            if body.get("concurrent")
            else ""
        )
        if not body.get("idxname"):
            return _Missing(header, "", "an unnamed `CREATE INDEX`", fixable=False, note=note)
        return _Missing(header, " IF NOT EXISTS", "`CREATE INDEX`", note=note)
    if kind == "CreateSchemaStmt":
        if body.get("if_not_exists") or body.get("schemaElts"):
            return None  # IF NOT EXISTS cannot go with schema elements
        return _Missing(r"CREATE\s+SCHEMA\b", " IF NOT EXISTS", "`CREATE SCHEMA`")
    if kind == "CreateSeqStmt":
        if body.get("if_not_exists") or (body.get("sequence") or {}).get("relpersistence") == "t":
            return None
        return _Missing(
            r"CREATE\s+(?:UNLOGGED\s+)?SEQUENCE\b", " IF NOT EXISTS", "`CREATE SEQUENCE`"
        )
    if kind == "CreateExtensionStmt":
        if body.get("if_not_exists"):
            return None
        return _Missing(r"CREATE\s+EXTENSION\b", " IF NOT EXISTS", "`CREATE EXTENSION`")
    if kind == "ViewStmt":
        if body.get("replace") or (body.get("view") or {}).get("relpersistence") == "t":
            return None
        return _Missing(
            r"CREATE\s+(?:(?:TEMP|TEMPORARY)\s+)?(?:RECURSIVE\s+)?VIEW\b",
            " OR REPLACE",
            "`CREATE VIEW`",
            insert_at=_CREATE,
        )
    if kind == "CreateFunctionStmt":
        if body.get("replace"):
            return None
        what = "`CREATE PROCEDURE`" if body.get("is_procedure") else "`CREATE FUNCTION`"
        return _Missing(
            r"CREATE\s+(?:FUNCTION|PROCEDURE)\b", " OR REPLACE", what, insert_at=_CREATE
        )
    if kind == "CreateTrigStmt":
        # OR REPLACE exists for triggers from PostgreSQL 14, and never for constraint triggers
        if body.get("replace") or body.get("isconstraint") or pg_version < 14:
            return None
        return _Missing(r"CREATE\s+TRIGGER\b", " OR REPLACE", "`CREATE TRIGGER`", insert_at=_CREATE)
    if kind == "DropStmt":
        keywords = _DROP_KEYWORDS.get(body.get("removeType", ""))
        if body.get("missing_ok") or keywords is None:
            return None
        words = r"\s+".join(keywords.split())
        return _Missing(
            rf"DROP\s+{words}(?:\s+CONCURRENTLY)?\b", " IF EXISTS", f"`DROP {keywords}`"
        )
    return None


#: ALTER TABLE sub-commands that have an IF [NOT] EXISTS form: (keywords, clause, what)
_SUBCOMMANDS = {
    "AT_AddColumn": (r"ADD(?:\s+COLUMN)?\b", " IF NOT EXISTS", "`ADD COLUMN`"),
    "AT_DropColumn": (r"DROP(?:\s+COLUMN)?\b", " IF EXISTS", "`DROP COLUMN`"),
    "AT_DropConstraint": (r"DROP\s+CONSTRAINT\b", " IF EXISTS", "`DROP CONSTRAINT`"),
}


class NonIdempotentStatement(Rule):
    """Flags `CREATE`/`DROP` without `IF [NOT] EXISTS` where a partial failure is possible.

    ## What it does
    In a section whose statements run outside any transaction block (goose `NO TRANSACTION`,
    Flyway without a transaction, a script between `COMMIT` and the next `BEGIN`) and that runs
    more than one such statement, reports each `CREATE` or `DROP` that fails when its object is
    already there (or already gone): `CREATE TABLE`/`INDEX`/`SCHEMA`/`SEQUENCE`/`EXTENSION`/
    `MATERIALIZED VIEW` without `IF NOT EXISTS`, `CREATE VIEW`/`FUNCTION`/`PROCEDURE` (and
    `TRIGGER` from PostgreSQL 14) without `OR REPLACE`, `DROP …` without `IF EXISTS`, and
    `ALTER TABLE … ADD COLUMN`/`DROP COLUMN`/`DROP CONSTRAINT` without them. Statements with no
    idempotent spelling (`CREATE TYPE`, `CREATE POLICY`, `CREATE DOMAIN`) are not reported. A
    statement alone in its section is atomic and is not reported either.

    ## Why is this bad?
    Without a transaction, each statement commits on its own. When a later statement fails, the
    earlier ones stay applied but the migration is not recorded as done, so the tool runs the
    whole section again — and it now fails on the first `CREATE` whose object exists. Someone
    has to repair the database by hand, usually during an incident.

    ## Lock
    None of its own; the statements take their usual locks.

    ## Instead
    Write every statement so that running it twice does the same as running it once:
    `IF NOT EXISTS`, `IF EXISTS`, `OR REPLACE`. The fix adds them. A failed
    `CREATE INDEX CONCURRENTLY` leaves an INVALID index that `IF NOT EXISTS` would then skip:
    drop it before re-running.

    ## Example
    ```sql
    -- +goose NO TRANSACTION
    -- +goose Up
    CREATE INDEX CONCURRENTLY idx_orders_customer_id ON orders (customer_id);
    CREATE INDEX CONCURRENTLY idx_orders_created_at ON orders (created_at);
    ```
    Use instead:
    ```sql
    -- +goose NO TRANSACTION
    -- +goose Up
    CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer_id ON orders (customer_id);
    CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_created_at ON orders (created_at);
    ```
    """

    id = "non-idempotent-statement"
    group = Group.DESIGN
    severity = Severity.INFO
    kinds = frozenset(
        {
            "CreateStmt",
            "CreateTableAsStmt",
            "IndexStmt",
            "CreateSchemaStmt",
            "CreateSeqStmt",
            "CreateExtensionStmt",
            "ViewStmt",
            "CreateFunctionStmt",
            "CreateTrigStmt",
            "DropStmt",
            "AlterTableStmt",
        }
    )
    summary = "`CREATE`/`DROP` without `IF [NOT] EXISTS` outside a transaction"

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        super().__init__(context, severity)
        self._partial_failure_possible = False

    def begin_section(self, section: SectionContext) -> None:
        self._partial_failure_possible = self._several_outside(section)

    def resume(self, section: SectionContext, position: int) -> bool:
        return position == 0 or self._partial_failure_possible == self._several_outside(section)

    @staticmethod
    def _several_outside(section: SectionContext) -> bool:
        """Whether the section runs two statements or more outside a transaction (so it can
        fail half-way)."""
        outside = [
            s
            for s in section.statements
            if not s.in_transaction and not s.in_function and s.kind not in _HARMLESS
        ]
        return len(outside) >= 2

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if statement.in_transaction or statement.in_function:
            return
        if not self._partial_failure_possible:
            return
        if statement.kind == "AlterTableStmt":
            self._alter_table(statement, section)
            return
        missing = _missing(statement, self.context.pg_version)
        if missing is None:
            return
        file = section.file
        match = _pattern(missing.header).match(file.text, statement.span.start, statement.span.end)
        span = Span(match.start(), match.end()) if match else statement.span
        fix = None
        if match and missing.fixable:
            at = match.end() if missing.insert_at is None else match.start() + missing.insert_at
            fix = Fix(
                title=f"Add `{missing.clause.strip()}`",
                edits=(Edit(file.path, Span(at, at), missing.clause),),
                safe=True,
            )
        state = "is already gone" if statement.kind == "DropStmt" else "already exists"
        remedy = (
            f"add `{missing.clause.strip()}`"
            if missing.fixable
            else "give the index a name and add `IF NOT EXISTS`"
        )
        self.report(
            section,
            span,
            f"{missing.what} runs outside a transaction here: if a later statement of this "
            "section fails, the migration is re-run and this statement fails because its "
            f"object {state}. Make it re-runnable: {remedy}"
            f"{missing.note}",
            statement=statement,
            fix=fix,
        )

    def _alter_table(self, statement: Statement, section: SectionContext) -> None:
        body = statement.body
        if body.get("objtype") != "OBJECT_TABLE":
            return
        commands = body.get("cmds") or []
        spans: list[Span] | None = None
        file = section.file
        for index, item in enumerate(commands):
            cmd = item.get("AlterTableCmd") or {}
            known = _SUBCOMMANDS.get(cmd.get("subtype", ""))
            if known is None or cmd.get("missing_ok"):
                continue
            header, clause, what = known
            if spans is None:
                spans = subcommand_spans(statement, file.text)
            span = spans[index] if len(spans) == len(commands) else statement.span
            match = _pattern(header).match(file.text, span.start, span.end)
            fix = None
            if match and span is not statement.span:
                fix = Fix(
                    title=f"Add `{clause.strip()}`",
                    edits=(Edit(file.path, Span(match.end(), match.end()), clause),),
                    safe=True,
                )
            self.report(
                section,
                span,
                f"{what} runs outside a transaction here: if a later statement of this section "
                "fails, the migration is re-run and this sub-command fails because the "
                f"{'column already exists' if 'NOT' in clause else 'object is already gone'}. "
                f"Add `{clause.strip()}`",
                statement=statement,
                fix=fix,
            )
