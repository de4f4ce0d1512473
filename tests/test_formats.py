"""Each tool's files become migrations with the right versions, order, sections and spans."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.migrations.model import Delivery, SectionKind, Tool
from tests.test_formats_support import messages, section, texts_of, write

DBMATE_FILE = """-- migrate:up
CREATE TABLE notes (id bigint PRIMARY KEY);

-- migrate:down
DROP TABLE notes;
"""


# ---------------------------------------------------------------------------------------- dbmate


def test_dbmate_sections_have_exact_spans_after_their_marker_lines(tmp_path: Path) -> None:
    write(tmp_path, {"20240101120000_create_notes.sql": DBMATE_FILE})
    [migration] = load_directory(tmp_path).migrations
    up, down = section(migration, SectionKind.UP), section(migration, SectionKind.DOWN)
    text = migration.files[0].text
    assert (migration.tool, migration.version, migration.name) == (
        Tool.DBMATE,
        "20240101120000",
        "create_notes",
    )
    assert up.text == "CREATE TABLE notes (id bigint PRIMARY KEY);\n\n"
    assert down.text == "DROP TABLE notes;\n"
    assert text[up.marker.start : up.marker.end] == "-- migrate:up"  # type: ignore[union-attr]
    assert text[down.marker.start : down.marker.end] == "-- migrate:down"  # type: ignore[union-attr]
    assert (up.wrapped, up.delivery, down.wrapped) == (True, Delivery.ONE_STRING, True)
    assert migration.problems == [] and not migration.down_expected


def test_dbmate_transaction_false_applies_to_its_own_section_only(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_a.sql": "-- migrate:up transaction:false\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
            "2_b.sql": "-- migrate:up\nSELECT 1;\n--migrate:down transaction:false\nSELECT 2;\n",
        },
    )
    first, second = load_directory(tmp_path).migrations
    assert [(s.kind, s.opted_out, s.wrapped) for s in first.sections] == [
        (SectionKind.UP, True, False),
        (SectionKind.DOWN, False, True),
    ]
    assert [(s.kind, s.opted_out) for s in second.sections] == [
        (SectionKind.UP, False),
        (SectionKind.DOWN, True),
    ]


def test_dbmate_down_options_on_a_crlf_line(tmp_path: Path) -> None:
    # dbmate 2's down directive has no ``$`` after its options: a CRLF line still opens it
    write(
        tmp_path,
        {
            "1_a.sql": "-- migrate:up transaction:false\r\nCREATE INDEX CONCURRENTLY i ON t (a);"
            "\r\n\r\n-- migrate:down transaction:false\r\nDROP INDEX CONCURRENTLY i;\r\n",
        },
    )
    [migration] = load_directory(tmp_path).migrations
    assert not migration.problems
    assert [(s.kind, s.opted_out) for s in migration.sections] == [
        (SectionKind.UP, True),
        (SectionKind.DOWN, True),
    ]
    assert texts_of(migration)["down"] == "DROP INDEX CONCURRENTLY i;"


@pytest.mark.parametrize(
    ("text", "expected", "line"),
    [
        ("-- migrate:up\nSELECT 1;\n", "no `-- migrate:down`", 0),
        ("-- migrate:down\nSELECT 2;\n-- migrate:up\nSELECT 1;\n", "comes before", 0),
        ("SELECT 0;\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", "only comments", 0),
        ("/* c */\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", "only comments", 0),
        ("SELECT 1;\n", "no `-- migrate:up`", 0),
        ("-- note\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", None, None),
    ],
    ids=["no-down", "down-first", "stmt-before-up", "block-comment", "no-up", "comments-ok"],
)
def test_dbmate_refusals_are_invalid_migration(
    tmp_path: Path, text: str, expected: str | None, line: int | None
) -> None:
    write(tmp_path, {"20240101120000_x.sql": text})
    [migration] = load_directory(tmp_path, Tool.DBMATE).migrations
    if expected is None:
        assert migration.problems == []
        return
    [problem] = migration.problems
    assert problem.rule == "invalid-migration"
    assert expected in problem.message
    assert migration.files[0].position(problem.span.start)[0] == line
    # the SQL is still there to be checked
    assert migration.section(SectionKind.UP) is not None


def test_dbmate_file_without_down_expects_one(tmp_path: Path) -> None:
    write(tmp_path, {"20240101120000_x.sql": "-- migrate:up\nSELECT 1;\n"})
    [migration] = load_directory(tmp_path).migrations
    assert migration.down_expected
    assert migration.section(SectionKind.DOWN) is None


def test_dbmate_ignores_files_it_would_not_run(tmp_path: Path) -> None:
    write(tmp_path, {"20240101120000_x.sql": DBMATE_FILE, "README.sql": "SELECT 1;"})
    assert [m.path.name for m in load_directory(tmp_path, Tool.DBMATE).migrations] == [
        "20240101120000_x.sql"
    ]


# ----------------------------------------------------------------------------------------- goose

GOOSE_FILE = """-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
-- +goose StatementEnd
CREATE TABLE t (id int);

-- +goose Down
DROP TABLE t;
DROP FUNCTION f();
"""


def test_goose_sections_order_and_spans(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "10_later.sql": "-- +goose Up\nSELECT 10;\n",
            "2_functions.sql": GOOSE_FILE,
            "00001_first.sql": "-- +goose up\nSELECT 1;\n-- +goose down\nSELECT -1;\n",
        },
    )
    found = load_directory(tmp_path)
    assert found.tool is Tool.GOOSE
    assert [m.version for m in found.migrations] == ["00001", "2", "10"]
    functions = found.migrations[1]
    assert functions.name == "functions"
    assert texts_of(functions) == {
        "up": GOOSE_FILE.split("-- +goose Up\n")[1].split("\n-- +goose Down")[0].strip(),
        "down": "DROP TABLE t;\nDROP FUNCTION f();",
    }
    up = section(functions)
    assert (up.wrapped, up.delivery, up.opted_out) == (True, Delivery.PER_STATEMENT, False)
    assert functions.problems == []
    assert found.migrations[2].down_expected


def test_goose_no_transaction_covers_both_directions(tmp_path: Path) -> None:
    text = "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"
    write(tmp_path, {"1_x.sql": text})
    [migration] = load_directory(tmp_path).migrations
    assert [(s.kind, s.wrapped, s.opted_out) for s in migration.sections] == [
        (SectionKind.UP, False, True),
        (SectionKind.DOWN, False, True),
    ]


def test_goose_envsub_marks_the_migration_templated(tmp_path: Path) -> None:
    text = "-- +goose Up\n-- +goose ENVSUB ON\nCREATE SCHEMA ${SCHEMA};\n"
    write(tmp_path, {"1_x.sql": text})
    [migration] = load_directory(tmp_path).migrations
    assert migration.templated
    assert migration.problems == []


@pytest.mark.parametrize(
    ("text", "expected", "line"),
    [
        ("SELECT 1;\n", "no `-- +goose Up`", 0),
        (
            "-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
            "has no `-- +goose StatementEnd`",
            1,
        ),
        ("-- +goose Up\nSELECT 1;\n-- +goose StatementEnd\n", "without a", 2),
        ("-- +goose Up\nSELECT 1\n-- +goose Down\nSELECT 2;\n", "no `;`", 1),
        ("-- +goose Up\nSELECT 1;\nSELECT 2\n", "no `;`", 2),
        ("SELECT 0;\n-- +goose Up\nSELECT 1;\n", "only comments", 0),
        ("-- +goose Up\n-- we tried +goose here\nSELECT 1;\n", "unknown annotation", 1),
        ("  -- +goose Up\nSELECT 1;\n", "leading whitespace", 0),
        ("-- +goose Down\nSELECT 2;\n-- +goose Up\nSELECT 1;\n", "before `-- +goose Up`", 0),
        ("-- +goose Up\nSELECT 1;\n-- +goose Up\n", "second", 2),
    ],
    ids=[
        "no-up",
        "unpaired-begin",
        "end-without-begin",
        "missing-semicolon-before-down",
        "missing-semicolon-at-eof",
        "stmt-before-up",
        "unknown-annotation",
        "leading-whitespace",
        "down-first",
        "duplicate-up",
    ],
)
def test_goose_refusals_are_invalid_migration(
    tmp_path: Path, text: str, expected: str, line: int
) -> None:
    write(tmp_path, {"1_x.sql": text})
    [migration] = load_directory(tmp_path, Tool.GOOSE).migrations
    found = [p for p in migration.problems if expected in p.message]
    assert found, messages(migration)
    assert all(p.rule == "invalid-migration" for p in migration.problems)
    assert migration.files[0].position(found[0].span.start)[0] == line


def test_goose_statement_end_closes_a_statement_without_semicolon(tmp_path: Path) -> None:
    text = (
        "-- +goose Up\n-- +goose StatementBegin\nDO $$ BEGIN PERFORM 1; END $$\n"
        "-- +goose StatementEnd\n"
    )
    write(tmp_path, {"1_x.sql": text})
    [migration] = load_directory(tmp_path).migrations
    assert migration.problems == []


# -------------------------------------------------------------------------------- golang-migrate


def test_golang_migrate_pairs_by_version_in_numeric_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "10_c.up.sql": "SELECT 10;",
            "10_c.down.sql": "",
            "2_b.up.sql": "SELECT 2;",
            "1_a.up.sql": "CREATE TABLE a (id int);",
            "1_a.down.sql": "DROP TABLE a;",
        },
    )
    found = load_directory(tmp_path)
    assert found.tool is Tool.GOLANG_MIGRATE
    first, second, third = found.migrations
    assert [m.version for m in found.migrations] == ["1", "2", "10"]
    assert [f.path.name for f in first.files] == ["1_a.up.sql", "1_a.down.sql"]
    assert texts_of(first) == {"up": "CREATE TABLE a (id int);", "down": "DROP TABLE a;"}
    assert section(first).wrapped is False
    assert section(first).delivery is Delivery.ONE_STRING
    # no down file: the rollback rules say so; an empty down file is an empty down section
    assert second.down_expected and second.section(SectionKind.DOWN) is None
    assert not third.down_expected and section(third, SectionKind.DOWN).text == ""


# ---------------------------------------------------------------------------------------- Flyway


def test_flyway_orders_versions_numerically_then_repeatables(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "V10__ten.sql": "SELECT 10;",
            "V2__two.sql": "SELECT 2;",
            "V1_1__one_one.sql": "SELECT 11;",
            "V1__one.sql": "CREATE TABLE a (id int);",
            "U1__one.sql": "DROP TABLE a;",
            "R__b_view.sql": "SELECT 'b';",
            "R__a_view.sql": "SELECT 'a';",
            "nested/V3__three.sql": "SELECT 3;",
        },
    )
    found = load_directory(tmp_path)
    assert found.tool is Tool.FLYWAY
    assert [(m.version, m.name) for m in found.migrations] == [
        ("1", "one"),
        ("1.1", "one one"),
        ("2", "two"),
        ("3", "three"),
        ("10", "ten"),
        (None, "a view"),
        (None, "b view"),
    ]
    first = found.migrations[0]
    assert texts_of(first) == {"up": "CREATE TABLE a (id int);", "down": "DROP TABLE a;"}
    assert not first.down_expected and not found.migrations[1].down_expected
    up = section(first)
    assert (up.wrapped, up.delivery) == (True, Delivery.PER_STATEMENT)


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ({}, (True, False, True)),
        (
            {"flyway.conf": "flyway.mixed=true\nflyway.postgresql.transactional.lock=false\n"},
            (True, True, False),
        ),
        (
            {
                "flyway.toml": (
                    "[flyway]\nmixed = true\n[flyway.postgresql]\ntransactional.lock = false\n"
                )
            },
            (True, True, False),
        ),
        ({"sql/V1__x.sql.conf": "executeInTransaction=false\n"}, (False, False, True)),
    ],
    ids=["defaults", "flyway.conf", "flyway.toml", "script-conf"],
)
def test_flyway_settings_come_from_config_files(
    tmp_path: Path, config: dict[str, str], expected: tuple[bool, bool, bool]
) -> None:
    write(tmp_path, {".git/HEAD": "", "sql/V1__x.sql": "SELECT 1;", **config})
    [migration] = load_directory(tmp_path / "sql").migrations
    settings = migration.flyway
    assert settings is not None
    assert (
        settings.execute_in_transaction,
        settings.mixed,
        settings.transactional_lock,
    ) == expected
    assert section(migration).wrapped is expected[0]


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "application.properties",
            "spring.flyway.mixed=true\nspring.flyway.postgresql.transactional-lock=false\n",
        ),
        (
            "application.yml",
            "spring:\n  datasource:\n    url: jdbc:postgresql://db/app\n  flyway:\n"
            "    mixed: true  # CONCURRENTLY next to other statements\n"
            "    postgresql:\n      transactional-lock: false\n",
        ),
    ],
)
def test_flyway_settings_from_spring_boot_config(tmp_path: Path, name: str, text: str) -> None:
    write(
        tmp_path,
        {
            ".git/HEAD": "",
            f"src/main/resources/{name}": text,
            "src/main/resources/db/migration/V1__x.sql": "SELECT 1;",
        },
    )
    [migration] = load_directory(tmp_path / "src/main/resources/db/migration").migrations
    assert migration.flyway is not None
    assert migration.flyway.mixed and not migration.flyway.transactional_lock


# ---------------------------------------------------------------------------------------- sqitch

SQITCH_PLAN = """%syntax-version=1.0.0
%project=app

schema 2024-01-01T00:00:00Z Ada <ada@example.com> # schema
users [schema] 2024-01-02T00:00:00Z Ada <ada@example.com> # users
@v1.0 2024-01-03T00:00:00Z Ada <ada@example.com> # release
users [users@v1.0] 2024-01-04T00:00:00Z Ada <ada@example.com> # rework users
"""


def test_sqitch_follows_the_plan_with_reworked_changes(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sqitch.plan": SQITCH_PLAN,
            "deploy/schema.sql": "BEGIN;\nCREATE SCHEMA app;\nCOMMIT;\n",
            "revert/schema.sql": "DROP SCHEMA app;\n",
            "verify/schema.sql": "SELECT 1;\n",
            "deploy/users@v1.0.sql": "CREATE TABLE app.users (id int);\n",
            "revert/users@v1.0.sql": "DROP TABLE app.users;\n",
            "deploy/users.sql": "ALTER TABLE app.users ADD COLUMN name text;\n",
        },
    )
    found = load_directory(tmp_path)
    assert found.tool is Tool.SQITCH
    assert [(m.version, m.name) for m in found.migrations] == [
        ("schema", "schema"),
        ("users@v1.0", "users"),
        ("users", "users"),
    ]
    schema, old_users, users = found.migrations
    assert [s.kind for s in schema.sections] == [
        SectionKind.UP,
        SectionKind.DOWN,
        SectionKind.VERIFY,
    ]
    assert texts_of(old_users) == {
        "up": "CREATE TABLE app.users (id int);",
        "down": "DROP TABLE app.users;",
    }
    assert users.down_expected and not schema.down_expected
    up = section(schema)
    assert (up.wrapped, up.delivery) == (False, Delivery.PER_STATEMENT)
    assert found.problems == []


def test_sqitch_reports_missing_and_unplanned_scripts(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sqitch.plan": "%project=app\n\nschema 2024-01-01T00:00:00Z A <a@b.c> # s\n",
            "deploy/stray.sql": "SELECT 1;\n",
        },
    )
    schema, stray = load_directory(tmp_path).migrations
    assert ["missing" in m for m in messages(schema)] == [True]
    assert schema.sections == []
    assert ["never runs" in m for m in messages(stray)] == [True]
    assert section(stray).text == "SELECT 1;\n"


def test_sqitch_conf_moves_the_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sqitch.conf": "[core]\n\tengine = pg\n\ttop_dir = db\n",
            "db/sqitch.plan": "%project=app\n\nschema 2024-01-01T00:00:00Z A <a@b.c> # s\n",
            "db/deploy/schema.sql": "CREATE SCHEMA app;\n",
        },
    )
    [migration] = load_directory(tmp_path / "db").migrations
    assert migration.path == tmp_path / "db" / "deploy" / "schema.sql"
    assert migration.problems == []


# ------------------------------------------------------------------- Supabase, Prisma, diesel, sqlx


def test_supabase_loads_from_the_project_root_or_the_migrations_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "supabase/config.toml": 'project_id = "x"\n',
            "supabase/seed.sql": "INSERT INTO t VALUES (1);",
            "supabase/migrations/20240101000000_init.sql": "CREATE TABLE t (id int);",
            "supabase/migrations/20240201000000_more.sql": "SELECT 1;",
            # Lovable's names: applied by Lovable, in name order
            "supabase/migrations/20240301000000-6360a805-3824-46eb.sql": "SELECT 2;",
            "supabase/migrations/notes.sql": "SELECT 'skipped by the CLI';",
        },
    )
    for where in (tmp_path, tmp_path / "supabase" / "migrations"):
        found = load_directory(where)
        assert found.tool is Tool.SUPABASE
        assert found.directory == tmp_path / "supabase" / "migrations"
        assert [(m.version, m.name) for m in found.migrations] == [
            ("20240101000000", "init"),
            ("20240201000000", "more"),
            ("20240301000000", "6360a805-3824-46eb"),
        ]
    migration = found.migrations[0]
    up = section(migration)
    assert (up.wrapped, up.delivery) == (False, Delivery.ONE_STRING)
    assert not migration.down_expected


def test_supabase_migrations_folder_without_config(tmp_path: Path) -> None:
    write(tmp_path, {"supabase/migrations/20240101000000_idx.sql": "CREATE INDEX i ON t (a);"})
    found = load_directory(tmp_path / "supabase" / "migrations")
    assert found.tool is Tool.SUPABASE
    assert not section(found.migrations[0]).wrapped
    # content markers still win, and the folder alone conflicts with nothing
    write(
        tmp_path, {"supabase/migrations/20240102000000_t.sql": "-- migrate:up\n-- migrate:down\n"}
    )
    found = load_directory(tmp_path / "supabase" / "migrations")
    assert found.tool is Tool.DBMATE and not found.problems


def test_prisma_migration_folders_in_name_order(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "prisma/migrations/migration_lock.toml": 'provider = "postgresql"\n',
            "prisma/migrations/20240201000000_second/migration.sql": "SELECT 2;",
            "prisma/migrations/20240101000000_first/migration.sql": "SELECT 1;",
        },
    )
    found = load_directory(tmp_path / "prisma" / "migrations")
    assert found.tool is Tool.PRISMA
    assert [(m.version, m.name) for m in found.migrations] == [
        ("20240101000000", "first"),
        ("20240201000000", "second"),
    ]
    up = section(found.migrations[0])
    assert (up.wrapped, up.delivery) == (True, Delivery.ONE_STRING)
    assert not found.migrations[0].down_expected


@pytest.mark.parametrize(
    ("metadata", "wrapped"),
    [
        (None, True),
        ("run_in_transaction = false\n", False),
        ("run_in_transaction = true\n", True),
        # diesel's serde default: a metadata.toml without the key means no transaction
        ("# nothing here\n", False),
        ("not [valid toml", True),
    ],
    ids=["no-metadata", "false", "true", "key-missing", "unparseable"],
)
def test_diesel_run_in_transaction(tmp_path: Path, metadata: str | None, wrapped: bool) -> None:
    folder = "migrations/2024-01-02-030405_add_index"
    files = {f"{folder}/up.sql": "SELECT 1;", f"{folder}/down.sql": "SELECT 2;"}
    if metadata is not None:
        files[f"{folder}/metadata.toml"] = metadata
    write(tmp_path, files)
    [migration] = load_directory(tmp_path / "migrations").migrations
    assert (migration.tool, migration.version, migration.name) == (
        Tool.DIESEL,
        "20240102030405",
        "add_index",
    )
    assert [(s.kind, s.wrapped, s.opted_out) for s in migration.sections] == [
        (SectionKind.UP, wrapped, not wrapped),
        (SectionKind.DOWN, wrapped, not wrapped),
    ]


def test_diesel_without_down_expects_one(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "migrations/2024-02-01-000000_b/up.sql": "SELECT 2;",
            "migrations/2024-01-01-000000_a/up.sql": "SELECT 1;",
            "migrations/2024-01-01-000000_a/down.sql": "SELECT -1;",
        },
    )
    first, second = load_directory(tmp_path / "migrations").migrations
    assert (first.name, first.down_expected) == ("a", False)
    assert (second.name, second.down_expected) == ("b", True)


def test_sqlx_simple_and_reversible_migrations(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "Cargo.toml": '[package]\nname = "app"\n\n[dependencies]\nsqlx = "0.8"\n',
            "migrations/20240101000000_create_users.sql": "CREATE TABLE users (id int);",
            "migrations/20240102000000_add_index.up.sql": (
                "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON users (id);\n"
            ),
            "migrations/20240102000000_add_index.down.sql": "DROP INDEX i;",
            "migrations/20240103000000_more.up.sql": "SELECT 1;",
        },
    )
    found = load_directory(tmp_path / "migrations")
    assert found.tool is Tool.SQLX
    simple, reversible, no_down = found.migrations
    assert (simple.name, simple.down_expected) == ("create users", False)
    assert reversible.name == "add index"
    up = section(reversible)
    assert (up.wrapped, up.opted_out, up.delivery) == (False, True, Delivery.ONE_STRING)
    assert up.text == "CREATE INDEX CONCURRENTLY i ON users (id);\n"
    text = reversible.files[0].text
    assert text[up.marker.start : up.marker.end] == "-- no-transaction"  # type: ignore[union-attr]
    assert section(reversible, SectionKind.DOWN).wrapped
    assert no_down.down_expected


def test_golang_migrate_multi_engine_sets_keep_the_postgres_files(tmp_path: Path) -> None:
    # ory's layout: one file per engine, the engine before ``.up.sql``
    write(
        tmp_path,
        {
            "1_users.mysql.up.sql": "CREATE TABLE `users` (id char(36)) ENGINE=InnoDB;",
            "1_users.sqlite3.up.sql": "CREATE TABLE users (id TEXT);",
            "1_users.postgres.up.sql": "CREATE TABLE users (id uuid);",
            "1_users.postgres.down.sql": "DROP TABLE users;",
            "2_names.up.sql": "ALTER TABLE users ADD COLUMN name text;",
        },
    )
    found = load_directory(tmp_path)
    assert [(m.version, m.name) for m in found.migrations] == [
        ("1", "users.postgres"),
        ("2", "names"),
    ]
    assert texts_of(found.migrations[0]) == {
        "up": "CREATE TABLE users (id uuid);",
        "down": "DROP TABLE users;",
    }


def test_sql_migrate_files_have_their_down_section_and_opt_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_people.sql": "-- +migrate Up\nCREATE TABLE people (id int);\n\n"
            "-- +migrate Down\nDROP TABLE people;\n",
            "2_idx.sql": "-- +migrate Up notransaction\n"
            "CREATE INDEX CONCURRENTLY people_id ON people (id);\n"
            "-- +migrate Down\nDROP INDEX people_id;\n",
        },
    )
    found = load_directory(tmp_path)
    first, second = found.migrations
    assert texts_of(first) == {"up": "CREATE TABLE people (id int);", "down": "DROP TABLE people;"}
    up = section(first)
    assert up.wrapped and not up.opted_out and up.delivery is Delivery.PER_STATEMENT
    assert not up.psql
    assert section(second).opted_out and not section(second).wrapped
    assert section(second, SectionKind.DOWN).wrapped


def test_tern_files_have_their_down_section_and_opt_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "001_people.sql": "CREATE TABLE people (id int);\n"
            "---- create above / drop below ----\nDROP TABLE people;\n",
            "002_idx.sql": "---- tern: disable-tx ----\n"
            "CREATE INDEX CONCURRENTLY people_id ON people (id);\n"
            "---- create above / drop below ----\nDROP INDEX people_id;\n",
        },
    )
    first, second = load_directory(tmp_path).migrations
    assert texts_of(first) == {"up": "CREATE TABLE people (id int);", "down": "DROP TABLE people;"}
    assert section(first).wrapped and not section(first).opted_out
    assert section(second).opted_out and not section(second, SectionKind.DOWN).wrapped


def test_liquibase_formatted_sql_runs_statement_by_statement(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "001_people.sql": "--liquibase formatted sql\n\n--changeset ann:1\n"
            "CREATE TABLE people (id int);\n--rollback DROP TABLE people;\n",
            "002_idx.sql": "-- liquibase formatted sql\n--changeset ann:2 runInTransaction:false\n"
            "CREATE INDEX CONCURRENTLY people_id ON people (id);\n",
        },
    )
    first, second = load_directory(tmp_path).migrations
    assert section(first).wrapped and section(first).delivery is Delivery.PER_STATEMENT
    assert first.section(SectionKind.DOWN) is None
    assert section(second).opted_out and not section(second).wrapped


def test_plain_files_in_name_order_wrapped_unless_configured(tmp_path: Path) -> None:
    write(tmp_path, {"b.sql": "SELECT 2;", "a.sql": "SELECT 1;", "notes.txt": "x"})
    found = load_directory(tmp_path)
    assert found.tool is Tool.PLAIN
    assert [m.name for m in found.migrations] == ["a", "b"]
    assert section(found.migrations[0]).wrapped
    unwrapped = load_directory(tmp_path, plain_wrapped=False)
    assert not section(unwrapped.migrations[0]).wrapped
