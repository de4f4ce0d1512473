"""invalid-migration, mixed-formats, migration-order: problems of the migration files themselves.

These are found while reading the files (``pgmig_lsp.migrations``); the classes here carry their
documentation, severity and switch.
"""

from __future__ import annotations

from pgmig_lsp.findings import Severity
from pgmig_lsp.rules.base import Group, Rule


class InvalidMigration(Rule):
    """Flags a file the migration tool would refuse as written.

    ## What it does
    Reports dbmate files without `-- migrate:down` or with statements before `-- migrate:up`, goose
    files without `-- +goose Up`, an unpaired `StatementBegin`/`StatementEnd`, and binary or
    non-UTF-8 files.

    ## Why is this bad?
    The tool stops at this file: nothing after it is applied, and in CI the deploy fails.

    ## Lock
    None: the migration never runs.

    ## Instead
    Write the tool's markers as its documentation says.

    ## Example
    ```sql
    CREATE TABLE notes (id bigint PRIMARY KEY);
    -- migrate:up
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY);
    -- migrate:down
    DROP TABLE IF EXISTS notes;
    ```
    """

    id = "invalid-migration"
    group = Group.CORRECTNESS
    severity = Severity.ERROR
    summary = "the migration tool would refuse the file as written"


class MixedFormats(Rule):
    """Flags a directory that holds the markers of two migration tools.

    ## What it does
    Reports, once per directory, that files follow two tools' conventions (for example dbmate
    `-- migrate:up` markers next to goose `-- +goose Up` files).

    ## Why is this bad?
    Only one tool runs the directory: the other tool's files are applied wrongly or not at all,
    and pgmig has to guess which rules apply.

    ## Lock
    None.

    ## Instead
    Keep one tool per directory, or set `tool` in the pgmig config for the directory.

    ## Example
    ```sql
    -- +goose Up
    CREATE TABLE notes (id bigint PRIMARY KEY);
    ```
    Use instead:
    ```sql
    -- migrate:up
    CREATE TABLE notes (id bigint PRIMARY KEY);
    -- migrate:down
    DROP TABLE notes;
    ```
    """

    id = "mixed-formats"
    group = Group.CORRECTNESS
    severity = Severity.WARNING
    summary = "one directory holds the markers of two migration tools"


class MigrationOrder(Rule):
    """Flags a migration whose version duplicates another or sorts before an applied one.

    ## What it does
    Reports two migrations with the same version, and (with a live database) a pending migration
    whose version sorts before one already applied.

    ## Why is this bad?
    Tools refuse duplicate versions, or silently skip one of the files. A migration that sorts
    before an applied one is never run by tools that only apply newer versions.

    ## Lock
    None.

    ## Instead
    Give the migration a new, later version (`pgmig new NAME` picks one).

    ## Example
    ```sql
    -- 20240131120000_add_notes.sql and 20240131120000_add_tags.sql
    ```
    Use instead:
    ```sql
    -- 20240131120000_add_notes.sql and 20240131120100_add_tags.sql
    ```
    """

    id = "migration-order"
    group = Group.DESIGN
    severity = Severity.INFO
    summary = "a migration whose version duplicates another or sorts before an applied one"
