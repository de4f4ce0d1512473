"""syntax-error and templated-sql: SQL that cannot be parsed as written."""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule


class SyntaxError_(Rule):
    """Flags SQL that PostgreSQL's own parser rejects.

    ## What it does
    Parses every section with PostgreSQL's parser (through pglast) and reports each statement it
    rejects, at the offending token. The other statements of the file are still checked.

    ## Why is this bad?
    The migration fails when it runs; in a transactional section everything before it is rolled
    back, in a non-transactional one the database is left half-migrated.

    ## Lock
    None: the statement never runs.

    ## Instead
    Fix the SQL. The message is PostgreSQL's own.

    ## Example
    ```sql
    ALTER TABLE app_user ADD COLUMN bio text,;
    ```
    Use instead:
    ```sql
    ALTER TABLE app_user ADD COLUMN bio text;
    ```
    """

    id = "syntax-error"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    summary = "SQL that PostgreSQL's parser rejects"


class TemplatedSql(Rule):
    """Flags files holding template placeholders (`${VAR}`, `{{ … }}`).

    ## What it does
    Reports once per file that it holds template placeholders (goose `ENVSUB`, Go templates),
    instead of a cryptic syntax error. The placeholders are replaced by names of the same length
    so that the rest of the file is still checked.

    ## Why is this bad?
    It is not bad in itself, but PostgreSQL only accepts the file after the tool has substituted the
    placeholders: what pgmig checks is a close guess of what will run.

    ## Lock
    Depends on the statements.

    ## Instead
    Keep placeholders to names (schemas, roles); silence the rule for the file with
    `-- pgmig-ignore-file: templated-sql` once you know it is intended.

    ## Example
    ```sql
    -- +goose ENVSUB ON
    GRANT SELECT ON orders TO ${READER_ROLE};
    ```
    Use instead:
    ```sql
    -- pgmig-ignore-file: templated-sql -- the role differs per environment
    -- +goose ENVSUB ON
    GRANT SELECT ON orders TO ${READER_ROLE};
    ```
    """

    id = "templated-sql"
    group = Group.CORRECTNESS
    severity = Severity.WARNING
    summary = "the file holds template placeholders and cannot be parsed as written"
