"""Each statement's ``in_transaction`` follows the migration tool's own rule (FORMATS.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.migrations.discover import load_directory, load_file
from pgmig_lsp.migrations.model import SectionKind, Tool
from pgmig_lsp.migrations.transactions import (
    flyway_non_transactional,
    section_in_transaction,
    transaction_plan,
)
from pgmig_lsp.sql.parse import parse_sql
from tests.test_formats_support import in_transaction, section, statements, write

CIC = "CREATE INDEX CONCURRENTLY i ON t (a);"
CIC2 = "CREATE INDEX CONCURRENTLY j ON t (b);"

# (case id, files, file to load, forced tool, expected in_transaction of the up statements)
CASES: list[tuple[str, dict[str, str], str, Tool | None, list[bool]]] = [
    (
        "dbmate-default",
        {"1_a.sql": f"-- migrate:up\nCREATE TABLE t (a int);\n{CIC}\n-- migrate:down\n"},
        "1_a.sql",
        None,
        [True, True],
    ),
    (
        "dbmate-transaction-false-one-statement",
        {"1_a.sql": f"-- migrate:up transaction:false\n{CIC}\n-- migrate:down\n"},
        "1_a.sql",
        None,
        [False],
    ),
    (
        # dbmate sends the section as one string: PostgreSQL's implicit transaction
        "dbmate-transaction-false-two-statements",
        {"1_a.sql": f"-- migrate:up transaction:false\n{CIC}\n{CIC2}\n-- migrate:down\n"},
        "1_a.sql",
        None,
        [True, True],
    ),
    (
        "goose-default",
        {"1_a.sql": f"-- +goose Up\n{CIC}\n{CIC2}\n"},
        "1_a.sql",
        None,
        [True, True],
    ),
    (
        "goose-no-transaction-two-statements",
        {"1_a.sql": f"-- +goose NO TRANSACTION\n-- +goose Up\n{CIC}\n{CIC2}\n"},
        "1_a.sql",
        None,
        [False, False],
    ),
    (
        # goose splits at lines ending with ";": two statements on one line go together
        "goose-no-transaction-one-line",
        {"1_a.sql": f"-- +goose NO TRANSACTION\n-- +goose Up\n{CIC} {CIC2}\nSELECT 1;\n"},
        "1_a.sql",
        None,
        [True, True, False],
    ),
    (
        "goose-no-transaction-block",
        {
            "1_a.sql": (
                f"-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n-- +goose StatementBegin\n"
                f"{CIC}\n{CIC2}\n-- +goose StatementEnd\n"
            )
        },
        "1_a.sql",
        None,
        [False, True, True],
    ),
    (
        "golang-migrate-single-statement",
        {"1_a.up.sql": CIC, "1_a.down.sql": "DROP INDEX CONCURRENTLY i;"},
        "1_a.up.sql",
        None,
        [False],
    ),
    (
        "golang-migrate-two-statements",
        {"1_a.up.sql": f"{CIC}\n{CIC2}"},
        "1_a.up.sql",
        None,
        [True, True],
    ),
    ("flyway-concurrently-alone", {"V1__a.sql": CIC}, "V1__a.sql", None, [False]),
    ("flyway-plain", {"V1__a.sql": "CREATE TABLE t (a int);"}, "V1__a.sql", None, [True]),
    (
        # Flyway's parser does not spot REINDEX TABLE … CONCURRENTLY: it stays in the transaction
        "flyway-reindex-table-concurrently",
        {"V1__a.sql": "REINDEX TABLE CONCURRENTLY t;"},
        "V1__a.sql",
        None,
        [True],
    ),
    (
        "flyway-execute-in-transaction-false",
        {"V1__a.sql": "CREATE TABLE t (a int);", "V1__a.sql.conf": "executeInTransaction=false"},
        "V1__a.sql",
        None,
        [False],
    ),
    (
        "sqitch-explicit-begin-commit",
        {
            "sqitch.plan": "%project=p\n\nc 2024-01-01T00:00:00Z A <a@b.c> # c\n",
            "deploy/c.sql": f"BEGIN;\nCREATE TABLE t (a int);\nCOMMIT;\n{CIC}\n",
        },
        "deploy/c.sql",
        None,
        [False, True, True, False],
    ),
    (
        "supabase-single-statement",
        {"supabase/config.toml": "", "supabase/migrations/1_a.sql": CIC},
        "supabase/migrations/1_a.sql",
        None,
        [False],
    ),
    (
        "supabase-two-statements",
        {"supabase/config.toml": "", "supabase/migrations/1_a.sql": f"{CIC}\n{CIC2}"},
        "supabase/migrations/1_a.sql",
        None,
        [True, True],
    ),
    (
        "prisma",
        {"migrations/migration_lock.toml": "", "migrations/1_a/migration.sql": CIC},
        "migrations/1_a/migration.sql",
        None,
        [True],
    ),
    (
        "diesel-opt-out-one-statement",
        {"m/2024-01-01-000000_a/up.sql": CIC, "m/2024-01-01-000000_a/metadata.toml": ""},
        "m/2024-01-01-000000_a/up.sql",
        None,
        [False],
    ),
    (
        "diesel-opt-out-two-statements",
        {
            "m/2024-01-01-000000_a/up.sql": f"{CIC}\n{CIC2}",
            "m/2024-01-01-000000_a/metadata.toml": "run_in_transaction = false",
        },
        "m/2024-01-01-000000_a/up.sql",
        None,
        [True, True],
    ),
    (
        "sqlx-no-transaction",
        {"1_a.sql": f"-- no-transaction\n{CIC}"},
        "1_a.sql",
        Tool.SQLX,
        [False],
    ),
    ("sqlx-default", {"1_a.sql": CIC}, "1_a.sql", Tool.SQLX, [True]),
    ("plain", {"a.sql": CIC}, "a.sql", None, [True]),
]


@pytest.mark.parametrize(
    ("files", "main", "tool", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_in_transaction_per_statement(
    tmp_path: Path,
    files: dict[str, str],
    main: str,
    tool: Tool | None,
    expected: list[bool],
) -> None:
    write(tmp_path, files)
    migration = load_file(tmp_path / main, tool=tool)
    assert migration is not None
    assert in_transaction(migration) == expected


def test_plain_files_configured_without_transaction(tmp_path: Path) -> None:
    write(tmp_path, {"a.sql": CIC})
    [migration] = load_directory(tmp_path, plain_wrapped=False).migrations
    assert in_transaction(migration) == [False]


def test_down_sections_follow_their_own_options(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\nCREATE TABLE t (a int);\n"
        "-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY i;\n"
    )
    write(tmp_path, {"1_a.sql": text})
    [migration] = load_directory(tmp_path).migrations
    assert in_transaction(migration, SectionKind.UP) == [True]
    assert in_transaction(migration, SectionKind.DOWN) == [False]


@pytest.mark.parametrize(
    ("mixed", "refused"), [(False, True), (True, False)], ids=["mixed-false", "mixed-true"]
)
def test_flyway_runs_a_script_with_concurrently_without_transaction(
    tmp_path: Path, mixed: bool, refused: bool
) -> None:
    write(
        tmp_path,
        {
            ".git/HEAD": "",
            "flyway.conf": f"flyway.mixed={str(mixed).lower()}\n",
            "sql/V1__a.sql": f"CREATE TABLE t (a int);\n{CIC}\n",
        },
    )
    [migration] = load_directory(tmp_path / "sql").migrations
    found = statements(migration)
    assert [s.in_transaction for s in found] == [False, False]
    plan = transaction_plan(migration, section(migration), found)
    assert (plan.wrapped, plan.refused) == (False, refused)
    assert "cannot run in a transaction" in plan.reason


@pytest.mark.parametrize(
    ("sql", "pg_major", "expected"),
    [
        ("CREATE INDEX CONCURRENTLY i ON t (a)", 16, True),
        ("CREATE UNIQUE INDEX CONCURRENTLY i ON t (a)", 16, True),
        ("DROP INDEX CONCURRENTLY i", 16, True),
        ("CREATE INDEX i ON t (a)", 16, False),
        ("REINDEX SCHEMA s", 16, True),
        ("REINDEX TABLE CONCURRENTLY t", 16, False),
        ("VACUUM t", 16, True),
        ("ANALYZE t", 16, False),
        ("ALTER TYPE e ADD VALUE 'x'", 11, True),
        ("ALTER TYPE e ADD VALUE 'x'", 12, False),
        ("ALTER TYPE e RENAME VALUE 'x' TO 'y'", 11, False),
        ("DISCARD ALL", 16, True),
        ("CREATE DATABASE d", 16, True),
        ("ALTER SYSTEM SET work_mem = '64MB'", 16, True),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY v", 16, False),
    ],
)
def test_flyway_non_transactional_statements(sql: str, pg_major: int, expected: bool) -> None:
    [statement] = parse_sql(sql).statements
    assert flyway_non_transactional(statement, pg_major=pg_major) is expected


def test_alter_type_add_value_runs_outside_flyway_transaction_before_pg12(tmp_path: Path) -> None:
    write(tmp_path, {"V1__a.sql": "ALTER TYPE e ADD VALUE 'x';"})
    [migration] = load_directory(tmp_path).migrations
    assert in_transaction(migration, pg_major=11) == [False]
    assert in_transaction(migration, pg_major=16) == [True]


def test_nested_begin_inside_a_wrapped_section_is_in_transaction(tmp_path: Path) -> None:
    write(tmp_path, {"1_a.sql": "-- migrate:up\nBEGIN;\nSELECT 1;\nCOMMIT;\n-- migrate:down\n"})
    [migration] = load_directory(tmp_path).migrations
    assert in_transaction(migration) == [True, True, True]


def test_function_body_statements_always_run_in_a_transaction(tmp_path: Path) -> None:
    write(tmp_path, {"1_a.up.sql": "SELECT 1;"})
    [migration] = load_directory(tmp_path).migrations
    found = statements(migration)
    extra = parse_sql(CIC).statements[0]
    extra.in_function = True
    from pgmig_lsp.migrations.transactions import mark_transactions

    mark_transactions(migration, section(migration), [*found, extra])
    assert (found[0].in_transaction, extra.in_transaction) == (False, True)


@pytest.mark.parametrize(
    ("files", "main", "expected"),
    [
        (
            {"1_a.sql": f"-- migrate:up transaction:false\n{CIC}\n-- migrate:down\n"},
            "1_a.sql",
            False,
        ),
        (
            {"1_a.sql": f"-- migrate:up transaction:false\n{CIC}\n{CIC2}\n-- migrate:down\n"},
            "1_a.sql",
            True,
        ),
        ({"1_a.sql": f"-- +goose NO TRANSACTION\n-- +goose Up\n{CIC}\n{CIC2}\n"}, "1_a.sql", False),
        ({"V1__a.sql": "CREATE TABLE t (a int);"}, "V1__a.sql", True),
    ],
    ids=["dbmate-alone", "dbmate-two", "goose-no-tx", "flyway"],
)
def test_section_in_transaction(
    tmp_path: Path, files: dict[str, str], main: str, expected: bool
) -> None:
    write(tmp_path, files)
    migration = load_file(tmp_path / main)
    assert migration is not None
    assert section_in_transaction(migration, section(migration), statements(migration)) is expected
