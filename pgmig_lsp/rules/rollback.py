"""missing-down, empty-down, down-not-idempotent: whether a migration can be rolled back at all.

Also what the other rollback rules share (``rollback_schema``, ``rollback_order``,
``rollback_data``): the ``-- pgmig: irreversible`` marker, finding the statement that created a
catalog object, and reading the catalog's type spellings.
"""

from __future__ import annotations

import re

from pgmig_lsp.catalog.model import Origin
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.findings import Edit, Fix, Severity
from pgmig_lsp.migrations.model import Migration, Section, SectionKind, Tool
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.drops import alter_table_commands, subcommand_span
from pgmig_lsp.source import SourceFile, Span
from pgmig_lsp.sql.nodes import walk
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.suppression import read_suppressions

# -- shared helpers ------------------------------------------------------------------------


def marked_irreversible(migration: Migration) -> bool:
    """Whether one of the migration's files says ``-- pgmig: irreversible``."""
    return any(read_suppressions(file).irreversible for file in migration.files)


def origin_statement(context: MigrationContext, origin: Origin | None) -> Statement | None:
    """The statement of this migration that created (or last changed) a catalog object."""
    if origin is None or origin.migration != str(context.migration.path):
        return None
    for section in context.migration.sections:
        if section.file.path != origin.path:
            continue
        for statement in context.statements.get(id(section), ()):
            if statement.span == origin.span:
                return statement
    return None


def section_of(context: MigrationContext, origin: Origin | None) -> SectionKind | None:
    """The kind of section of this migration an object's origin lies in, if any."""
    if origin is None or origin.migration != str(context.migration.path):
        return None
    for section in context.migration.sections:
        if section.file.path == origin.path and (
            section.span.start <= origin.span.start < max(section.span.end, section.span.start + 1)
        ):
            return section.kind
    return None


def canonical_type(context: MigrationContext, text: str) -> str:
    """A spelling of a catalog type that is equal for equal types (``int4`` = ``integer``)."""
    parts = type_text_parts(text)
    names = parts.names
    builtin = context.builtins.canonical_type(names) if len(names) == 1 else None
    if builtin is not None:
        name = builtin
    else:
        search = context.catalog.search_path
        if len(names) == 2 and search and names[0] == search[0]:
            names = names[1:]
        name = ".".join(names)
    if parts.modifiers:
        name += "(" + ",".join(parts.modifiers) + ")"
    return name + ("[]" if parts.array else "")


#: statements that leave nothing a down section would have to undo
_NOTHING_TO_UNDO = frozenset(
    {
        "VacuumStmt",
        "RefreshMatViewStmt",
        "ReindexStmt",
        "ClusterStmt",
        "VariableSetStmt",
        "VariableShowStmt",
        "TransactionStmt",
        "NotifyStmt",
        "ListenStmt",
        "CheckPointStmt",
        "ExplainStmt",
        "LockStmt",
    }
)


def needs_undo(statements: list[Statement]) -> bool:
    """Whether the up section changes anything (maintenance-only sections need no down)."""
    for statement in statements:
        kind = statement.kind
        if kind in _NOTHING_TO_UNDO:
            continue
        if (
            kind == "SelectStmt"
            and not statement.body.get("intoClause")
            and not any(node_kind == "FuncCall" for node_kind, _ in walk(statement.body))
        ):
            continue
        return True
    return False


def section_unparsed(context: MigrationContext, section: Section) -> bool:
    """The section holds SQL that did not parse (as reported): replay missed part of it."""
    span = section.span
    path = section.file.path
    return any(
        finding.path == path and span.start <= finding.span.start <= span.end
        for finding in context.syntax_errors
    )


def first_line(file: SourceFile, at: int = 0) -> Span:
    """The line holding offset ``at`` (without its newline)."""
    line, _ = file.position(at)
    return file.line_span(line)


# -- rules ---------------------------------------------------------------------------------


_DOWN_HINT = {
    Tool.DBMATE: "add `-- migrate:down` at the end of the file, followed by",
    Tool.GOOSE: "add a `-- +goose Down` section with",
    Tool.GOLANG_MIGRATE: "add the `.down.sql` file next to the `.up.sql` one, with",
    Tool.DIESEL: "add `down.sql` next to `up.sql`, with",
    Tool.SQLX: "add the `.down.sql` file next to the `.up.sql` one, with",
    Tool.SQITCH: "add the `revert/` script of the change, with",
}


class MissingDown(Rule):
    """Flags a migration whose format supports a down section, when it has none.

    ## What it does
    Reports a migration without a down section in a format that has one: dbmate (where it is an
    error: dbmate refuses the file), goose, golang-migrate's `.down.sql`, diesel's `down.sql`,
    sqlx `.up.sql`/`.down.sql` pairs and sqitch `revert/` scripts. Not reported for Flyway (undo
    migrations are optional), sqlx single-file migrations (irreversible by design), tools without
    rollback (Supabase, Prisma, plain files), migrations that only run maintenance statements
    (`ANALYZE`, `REFRESH MATERIALIZED VIEW`, …), or a migration marked
    `-- pgmig: irreversible`. Its severity is a warning, reported as an error for dbmate unless
    you configured another severity than warning.

    ## Why is this bad?
    Without a down section the migration cannot be rolled back with the tool: when the release
    goes wrong, someone writes the undo by hand, under pressure, against production.

    ## Lock
    None.

    ## Instead
    Write the down section while the change is fresh: the statements that undo the up section,
    in reverse order. If the migration cannot be undone, say so with `-- pgmig: irreversible`.

    ## Example
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY);

    -- migrate:down
    DROP TABLE IF EXISTS notes;
    ```
    """

    id = "missing-down"
    group = Group.ROLLBACK
    severity = Severity.WARNING
    summary = "the format supports a down section and there is none"

    def end_migration(self) -> None:
        migration = self.context.migration
        tool = migration.tool
        if tool not in _DOWN_HINT or migration.section(SectionKind.DOWN) is not None:
            return
        up = migration.section(SectionKind.UP)
        if up is None:
            return
        # the format readers know when a down section is expected: not for sqlx single files
        # (irreversible by design) nor Flyway (undo files are optional)
        if not migration.down_expected:
            return
        if not needs_undo(self.context.up_statements) or marked_irreversible(migration):
            return
        span = up.marker or first_line(up.file, 0)
        refused = tool is Tool.DBMATE
        message = (
            (
                "dbmate refuses a migration without a down section"
                if refused
                else "This migration has no down section, so the tool cannot roll it back"
            )
            + f": {_DOWN_HINT[tool]} the statements that undo the up section in reverse order, or "
            "mark the migration `-- pgmig: irreversible` if it cannot be undone"
        )
        configured = self.effective_severity
        if refused and configured is Severity.WARNING:
            self.effective_severity = Severity.ERROR
        try:
            self.report(None, span, message, file=up.file)
        finally:
            self.effective_severity = configured


_COMMENTS = re.compile(r"--[^\n]*|/\*.*?\*/", re.DOTALL)


def _down_anchor(section: Section) -> Span:
    """Where a finding about a whole down section goes: its marker line, or its first line."""
    if section.marker is not None:
        return section.marker
    return first_line(section.file, section.span.start)


class EmptyDown(Rule):
    """Flags a down section with no statement in it.

    ## What it does
    Reports a down section that holds only comments or nothing — or only statements that change
    nothing, such as goose's template `SELECT 'down SQL query';` or sqitch's `BEGIN; COMMIT;` —
    when the up section changes something, unless the migration is marked
    `-- pgmig: irreversible`.

    ## Why is this bad?
    Rolling back "succeeds" and changes nothing: the tool records the migration as undone while
    everything it created is still there, and the next `up` fails on objects that already exist.

    ## Lock
    None.

    ## Instead
    Write the statements that undo the up section, or mark the migration
    `-- pgmig: irreversible` (with a reason) so the empty rollback is a decision, not an
    oversight.

    ## Example
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN bio text;

    -- migrate:down
    ```
    Use instead:
    ```sql
    -- migrate:up
    ALTER TABLE app_user ADD COLUMN bio text;

    -- migrate:down
    ALTER TABLE app_user DROP COLUMN IF EXISTS bio;
    ```
    """

    id = "empty-down"
    group = Group.ROLLBACK
    severity = Severity.WARNING
    summary = "a down section with no statement"

    def end_section(self, section: SectionContext) -> None:
        if section.kind is not SectionKind.DOWN:
            return
        statements = section.statements
        if statements and needs_undo(statements):
            return
        context = self.context
        if not statements and _COMMENTS.sub("", section.section.text).strip(";").strip():
            return  # SQL that did not parse: syntax-error speaks for it
        if statements and section_unparsed(context, section.section):
            return
        if not needs_undo(context.up_statements) or marked_irreversible(context.migration):
            return
        what = (
            "holds no statement that changes anything (a template's `SELECT`, `BEGIN`/`COMMIT`, …)"
            if statements
            else "is empty"
        )
        self.report(
            section,
            _down_anchor(section.section),
            f"The down section {what}: rolling back changes nothing while the tool records the "
            "migration as undone. Write the statements that undo the up section, or mark the "
            "migration `-- pgmig: irreversible` if it cannot be undone",
        )


# ``DROP <words>`` as written before the object names, where ``IF EXISTS`` goes
_DROP_WORDS = {
    "OBJECT_TABLE": "TABLE",
    "OBJECT_VIEW": "VIEW",
    "OBJECT_MATVIEW": "MATERIALIZED VIEW",
    "OBJECT_FOREIGN_TABLE": "FOREIGN TABLE",
    "OBJECT_INDEX": "INDEX",
    "OBJECT_SEQUENCE": "SEQUENCE",
    "OBJECT_TYPE": "TYPE",
    "OBJECT_DOMAIN": "DOMAIN",
    "OBJECT_FUNCTION": "FUNCTION",
    "OBJECT_PROCEDURE": "PROCEDURE",
    "OBJECT_ROUTINE": "ROUTINE",
    "OBJECT_AGGREGATE": "AGGREGATE",
    "OBJECT_OPERATOR": "OPERATOR",
    "OBJECT_SCHEMA": "SCHEMA",
    "OBJECT_EXTENSION": "EXTENSION",
    "OBJECT_TRIGGER": "TRIGGER",
    "OBJECT_POLICY": "POLICY",
    "OBJECT_RULE": "RULE",
    "OBJECT_COLLATION": "COLLATION",
    "OBJECT_CONVERSION": "CONVERSION",
    "OBJECT_EVENT_TRIGGER": "EVENT TRIGGER",
    "OBJECT_PUBLICATION": "PUBLICATION",
    "OBJECT_STATISTIC_EXT": "STATISTICS",
    "OBJECT_FOREIGN_SERVER": "SERVER",
    "OBJECT_FDW": "FOREIGN DATA WRAPPER",
    "OBJECT_ACCESS_METHOD": "ACCESS METHOD",
    "OBJECT_OPCLASS": "OPERATOR CLASS",
    "OBJECT_OPFAMILY": "OPERATOR FAMILY",
    "OBJECT_TSCONFIGURATION": "TEXT SEARCH CONFIGURATION",
    "OBJECT_TSDICTIONARY": "TEXT SEARCH DICTIONARY",
    "OBJECT_TSPARSER": "TEXT SEARCH PARSER",
    "OBJECT_TSTEMPLATE": "TEXT SEARCH TEMPLATE",
    "OBJECT_CAST": "CAST",
    "OBJECT_TRANSFORM": "TRANSFORM",
}
_PATTERNS: dict[str, re.Pattern[str]] = {}


def _drop_pattern(remove_type: str) -> re.Pattern[str] | None:
    pattern = _PATTERNS.get(remove_type)
    if pattern is None:
        if remove_type == "OBJECT_LANGUAGE":
            body = r"(?:PROCEDURAL\s+)?LANGUAGE"
        elif remove_type in _DROP_WORDS:
            body = r"\s+".join(_DROP_WORDS[remove_type].split(" "))
        else:
            return None
        pattern = re.compile(rf"DROP\s+{body}(?:\s+CONCURRENTLY)?(?=[\s\"])", re.IGNORECASE)
        _PATTERNS[remove_type] = pattern
    return pattern


#: other ``DROP`` statements that accept ``IF EXISTS``, and the words it follows
_OTHER_DROPS = {
    "DropRoleStmt": re.compile(r"DROP\s+(?:ROLE|USER|GROUP)(?=[\s\"])", re.IGNORECASE),
    "DropdbStmt": re.compile(r"DROP\s+DATABASE(?=[\s\"])", re.IGNORECASE),
    "DropTableSpaceStmt": re.compile(r"DROP\s+TABLESPACE(?=[\s\"])", re.IGNORECASE),
    "DropSubscriptionStmt": re.compile(r"DROP\s+SUBSCRIPTION(?=[\s\"])", re.IGNORECASE),
    "DropUserMappingStmt": re.compile(r"DROP\s+USER\s+MAPPING(?=\s)", re.IGNORECASE),
}
_ALTER_DROP = re.compile(r"DROP(?:\s+(?:COLUMN|CONSTRAINT))?(?=[\s\"])", re.IGNORECASE)


class DownNotIdempotent(Rule):
    """Flags a `DROP` in a down section without `IF EXISTS`.

    ## What it does
    Reports, in down sections, `DROP …` statements without `IF EXISTS` and
    `ALTER TABLE … DROP COLUMN` / `DROP CONSTRAINT` without `IF EXISTS`. The fix adds it.

    ## Why is this bad?
    A rollback is run when something already went wrong: the up section may have stopped
    halfway, or the rollback itself failed once and is run again. A `DROP` of an object that is
    not there then fails, and the rollback stops with the database half undone.

    ## Lock
    Unchanged: `IF EXISTS` only skips the statement when the object is missing.

    ## Instead
    `DROP … IF EXISTS`, `DROP COLUMN IF EXISTS`, `DROP CONSTRAINT IF EXISTS`.

    ## Example
    ```sql
    -- migrate:down
    ALTER TABLE app_user DROP COLUMN status;
    DROP TYPE user_status;
    ```
    Use instead:
    ```sql
    -- migrate:down
    ALTER TABLE app_user DROP COLUMN IF EXISTS status;
    DROP TYPE IF EXISTS user_status;
    ```
    """

    id = "down-not-idempotent"
    group = Group.ROLLBACK
    severity = Severity.INFO
    kinds = frozenset({"DropStmt", "AlterTableStmt", *_OTHER_DROPS})
    summary = "a DROP in a down section without IF EXISTS"

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        if section.kind is not SectionKind.DOWN or statement.in_function:
            return
        body = statement.body
        if statement.kind != "AlterTableStmt":
            if body.get("missing_ok"):
                return
            text = section.file.text
            if statement.kind == "DropStmt":
                pattern = _drop_pattern(body.get("removeType", ""))
            else:
                pattern = _OTHER_DROPS.get(statement.kind)
            span = statement.span
            match = pattern.match(text, span.start, span.end) if pattern else None
            words = " ".join(match.group().split()) if match else "DROP"
            self.report(
                section,
                statement.span,
                f"`{words}` without `IF EXISTS` fails when the object is already gone — after an "
                "up section that stopped halfway, or when a failed rollback is run again. Write "
                f"`{words} IF EXISTS`",
                statement=statement,
                fix=self._fix(section, match.end()) if match else None,
            )
            return
        for index, cmd in alter_table_commands(body):
            subtype = cmd.get("subtype")
            if subtype not in ("AT_DropColumn", "AT_DropConstraint") or cmd.get("missing_ok"):
                continue
            span = subcommand_span(statement, section, index)
            match = None
            if span != statement.span:
                match = _ALTER_DROP.match(section.file.text, span.start, span.end)
            what = "DROP COLUMN" if subtype == "AT_DropColumn" else "DROP CONSTRAINT"
            self.report(
                section,
                span,
                f"`{what} {cmd.get('name', '')}` without `IF EXISTS` fails when it is already "
                "gone — after an up section that stopped halfway, or when a failed rollback is run "
                f"again. Write `{what} IF EXISTS`",
                statement=statement,
                fix=self._fix(section, match.end()) if match else None,
            )

    @staticmethod
    def _fix(section: SectionContext, at: int) -> Fix:
        return Fix(
            title="Add IF EXISTS",
            edits=(Edit(section.file.path, Span(at, at), " IF EXISTS"),),
            safe=True,
        )
