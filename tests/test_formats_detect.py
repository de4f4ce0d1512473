"""Detection precedence, mixed formats, duplicate versions and monorepo discovery."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pgmig_lsp.migrations.detect import detect_tool
from pgmig_lsp.migrations.discover import find_migration_dirs, load_directory, load_file
from pgmig_lsp.migrations.model import SectionKind, Tool
from tests.test_formats_support import FIXTURES, in_transaction, section, write

DBMATE = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n"
GOOSE = "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"
SQLX_CARGO = '[package]\nname = "app"\n\n[dependencies]\nsqlx = { version = "0.8" }\n'

# (case id, files, expected tool); the directory checked is the folder named "m"
PRECEDENCE: list[tuple[str, dict[str, str], Tool]] = [
    ("dbmate-content", {"m/20240101_a.sql": DBMATE}, Tool.DBMATE),
    ("goose-content", {"m/1_a.sql": GOOSE}, Tool.GOOSE),
    # content markers win over marker files
    ("content-over-flyway-conf", {"flyway.conf": "", "m/1_a.sql": DBMATE}, Tool.DBMATE),
    ("content-over-diesel-toml", {"diesel.toml": "", "m/1_a.sql": GOOSE}, Tool.GOOSE),
    ("sqitch-plan", {"m/sqitch.plan": "%project=p\n"}, Tool.SQITCH),
    ("prisma-lock", {"m/migration_lock.toml": "", "m/1_a/migration.sql": "SELECT 1;"}, Tool.PRISMA),
    ("prisma-folders", {"m/1_a/migration.sql": "SELECT 1;"}, Tool.PRISMA),
    ("diesel-folders", {"m/2024-01-01-000000_a/up.sql": "SELECT 1;"}, Tool.DIESEL),
    # marker files win over file names
    ("flyway-conf-over-names", {"flyway.conf": "", "m/V1__a.sql": "SELECT 1;"}, Tool.FLYWAY),
    ("sqlx-cargo-over-pairs", {"Cargo.toml": SQLX_CARGO, "m/1_a.up.sql": "SELECT 1;"}, Tool.SQLX),
    ("sqlx-cargo-simple", {"Cargo.toml": SQLX_CARGO, "m/1_a.sql": "SELECT 1;"}, Tool.SQLX),
    (
        "sqlx-workspace-dependency",
        {
            "Cargo.toml": (
                '[workspace]\nmembers = ["app"]\n\n[workspace.dependencies]\nsqlx = "0.8"\n'
            ),
            "app/Cargo.toml": '[package]\nname = "app"\n[dependencies]\nsqlx.workspace = true\n',
            "app/m/1_a.up.sql": "SELECT 1;",
        },
        Tool.SQLX,
    ),
    # a Cargo.toml without sqlx: pairs are golang-migrate's
    (
        "cargo-without-sqlx",
        {"Cargo.toml": "[dependencies]\nserde = '1'\n", "m/1_a.up.sql": "x"},
        Tool.GOLANG_MIGRATE,
    ),
    ("flyway-names", {"m/V1__a.sql": "SELECT 1;", "m/R__v.sql": "SELECT 1;"}, Tool.FLYWAY),
    ("pairs-default-golang-migrate", {"m/1_a.up.sql": "SELECT 1;"}, Tool.GOLANG_MIGRATE),
    ("plain", {"m/001_a.sql": "SELECT 1;"}, Tool.PLAIN),
]


@pytest.mark.parametrize(
    ("files", "expected"), [case[1:] for case in PRECEDENCE], ids=[c[0] for c in PRECEDENCE]
)
def test_detection_precedence(tmp_path: Path, files: dict[str, str], expected: Tool) -> None:
    write(tmp_path, {".git/HEAD": "", **files})
    directory = next(p for p in (tmp_path / "m", tmp_path / "app" / "m") if p.is_dir())
    detection = detect_tool(directory)
    assert detection.tool is expected, detection.reason
    assert detection.conflicts == ()


def test_configured_tool_wins(tmp_path: Path) -> None:
    write(tmp_path, {"1_a.sql": DBMATE})
    assert detect_tool(tmp_path, Tool.PLAIN).tool is Tool.PLAIN
    [migration] = load_directory(tmp_path, Tool.PLAIN).migrations
    assert migration.tool is Tool.PLAIN and len(migration.sections) == 1


def test_mixed_formats_warns_once_on_the_first_file(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "1_a.sql": DBMATE,
            "2_b.sql": GOOSE,
            "3_c.sql": DBMATE,
            "V4__d.sql": "SELECT 4;",
        },
    )
    found = load_directory(tmp_path)
    # the tool most files use wins; the goose file is then one dbmate refuses
    assert found.tool is Tool.DBMATE
    assert set(found.detection.conflicts) == {Tool.GOOSE, Tool.FLYWAY}
    [mixed] = [p for p in found.problems if p.rule == "mixed-formats"]
    assert mixed.file.path.name == "1_a.sql"
    assert "goose" in mixed.message and "2_b.sql" in mixed.message and "V4__d.sql" in mixed.message
    goose_file = next(m for m in found.migrations if m.path.name == "2_b.sql")
    assert any(p.rule == "invalid-migration" for p in goose_file.problems)


def test_content_markers_win_over_marker_files_but_conflict_with_them(tmp_path: Path) -> None:
    write(tmp_path, {"sqitch.plan": "%project=p\n", "1_a.sql": GOOSE})
    detection = detect_tool(tmp_path)
    assert (detection.tool, detection.conflicts) == (Tool.GOOSE, (Tool.SQITCH,))


def test_local_marker_files_of_two_tools_conflict(tmp_path: Path) -> None:
    write(tmp_path, {"sqitch.plan": "%project=p\n", "migration_lock.toml": ""})
    detection = detect_tool(tmp_path)
    assert (detection.tool, detection.conflicts) == (Tool.SQITCH, (Tool.PRISMA,))


@pytest.mark.parametrize(
    ("files", "later", "earlier"),
    [
        ({"20240101_a.sql": DBMATE, "20240101_b.sql": DBMATE}, "20240101_b.sql", "20240101_a.sql"),
        ({"001_a.sql": GOOSE, "1_b.sql": GOOSE}, "1_b.sql", "001_a.sql"),
        ({"1_a.up.sql": "SELECT 1;", "01_b.up.sql": "SELECT 1;"}, "1_a.up.sql", "01_b.up.sql"),
        ({"V1__a.sql": "SELECT 1;", "V1.0__b.sql": "SELECT 1;"}, "V1__a.sql", "V1.0__b.sql"),
    ],
    ids=["dbmate", "goose-numeric", "golang-migrate", "flyway-trailing-zero"],
)
def test_duplicate_versions_are_migration_order_errors_on_the_later_file(
    tmp_path: Path, files: dict[str, str], later: str, earlier: str
) -> None:
    write(tmp_path, files)
    found = load_directory(tmp_path)
    [duplicate] = [p for p in found.problems if p.rule == "migration-order"]
    assert duplicate.file.path.name == later
    assert earlier in duplicate.message


def test_prisma_folders_with_the_same_timestamp_are_not_duplicates(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "migration_lock.toml": "",
            "20240101000000_a/migration.sql": "SELECT 1;",
            "20240101000000_b/migration.sql": "SELECT 1;",
        },
    )
    assert load_directory(tmp_path).problems == []


MONOREPO_DIRS = {
    "services/api/db/migrations": (Tool.DBMATE, ["20240101120000", "20240102120000"]),
    "services/billing/migrations": (Tool.GOLANG_MIGRATE, ["000001", "000002"]),
    "services/blog/migrations": (Tool.DIESEL, ["20240101000000", "20240201000000"]),
    "services/catalog": (Tool.SQITCH, ["appschema", "products"]),
    "services/web/prisma/migrations": (Tool.PRISMA, ["20240101000000", "20240201000000"]),
}


def test_monorepo_directories_each_with_its_own_tool(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURES / "monorepo", root)
    # folders that never hold the project's migrations
    write(
        root,
        {
            ".git/HEAD": "",
            "node_modules/pkg/migrations/1_a.up.sql": "SELECT 1;",
            "target/debug/migrations/1_a.sql": "SELECT 1;",
            ".venv/lib/migrations/1_a.sql": "SELECT 1;",
            "services/.cache/1_a.sql": "SELECT 1;",
            # another engine's copy of the migrations (openfga's assets/migrations/mysql)
            "assets/migrations/mysql/001_a.sql": "-- +goose Up\nCREATE TABLE `a` (id int);\n",
            "assets/migrations/SQLite/001_a.sql": "-- +goose Up\nCREATE TABLE a (id int);\n",
        },
    )
    found = find_migration_dirs(root)
    assert found == sorted(root / name for name in MONOREPO_DIRS)
    for name, (tool, versions) in MONOREPO_DIRS.items():
        migration_set = load_directory(root / name)
        assert migration_set.tool is tool, name
        assert [m.version for m in migration_set.migrations] == versions, name
        assert migration_set.problems == [], name
        for migration in migration_set.migrations:
            assert migration.problems == [], migration.path


def test_monorepo_transaction_modes(tmp_path: Path) -> None:
    root = FIXTURES / "monorepo" / "services"
    index = load_file(root / "api/db/migrations/20240102120000_add_users_email_index.sql")
    assert index is not None
    assert in_transaction(index) == [False]
    assert in_transaction(index, SectionKind.DOWN) == [False]
    billing = load_file(root / "billing/migrations/000002_index_invoices.up.sql")
    assert billing is not None and billing.down_expected
    assert in_transaction(billing) == [False]
    blog = load_file(root / "blog/migrations/2024-02-01-000000_add_posts_index/down.sql")
    assert blog is not None and blog.version == "20240201000000"
    assert in_transaction(blog) == [False]
    catalog = load_file(root / "catalog/verify/appschema.sql")
    assert catalog is not None and catalog.name == "appschema"
    assert [s.kind for s in catalog.sections] == [
        SectionKind.UP,
        SectionKind.DOWN,
        SectionKind.VERIFY,
    ]
    assert in_transaction(catalog) == [False, True, True]


def test_a_directory_is_not_returned_with_its_own_migration_folders(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "migrations/2024-01-01-000000_add_migration_table/up.sql": "SELECT 1;",
            "migrations/2024-01-01-000000_add_migration_table/001_extra.sql": "SELECT 1;",
            "flyway/V1__a.sql": "SELECT 1;",
            "flyway/v2/V2__b.sql": "SELECT 1;",
            "db/schema.sql": "CREATE TABLE t (a int);",
        },
    )
    assert find_migration_dirs(tmp_path) == [tmp_path / "flyway", tmp_path / "migrations"]
    flyway = load_directory(tmp_path / "flyway")
    assert [m.version for m in flyway.migrations] == ["1", "2"]


# ---------------------------------------------------------------------------- load_file (editor)


def test_load_file_uses_the_unsaved_text(tmp_path: Path) -> None:
    write(tmp_path, {"20240101_a.sql": DBMATE, "20240102_b.sql": DBMATE})
    path = tmp_path / "20240102_b.sql"
    migration = load_file(path, "-- migrate:up transaction:false\nSELECT 3;\n-- migrate:down\n")
    assert migration is not None and migration.file_for(path) is not None
    assert section(migration).text == "SELECT 3;\n"
    assert section(migration).opted_out


def test_load_file_of_a_new_unsaved_file_detects_from_its_text(tmp_path: Path) -> None:
    path = tmp_path / "db" / "1_new.sql"
    migration = load_file(path, GOOSE)
    assert migration is not None and migration.tool is Tool.GOOSE


@pytest.mark.parametrize("name", ["1_a.up.sql", "1_a.down.sql"])
def test_load_file_reads_the_pair_file_from_disk(tmp_path: Path, name: str) -> None:
    write(tmp_path, {"1_a.up.sql": "CREATE TABLE t (a int);", "1_a.down.sql": "DROP TABLE t;"})
    migration = load_file(tmp_path / name, "-- edited\nSELECT 1;")
    assert migration is not None
    assert [f.path.name for f in migration.files] == ["1_a.up.sql", "1_a.down.sql"]
    edited = migration.file_for(tmp_path / name)
    assert edited is not None and edited.text == "-- edited\nSELECT 1;"


def test_load_file_of_a_flyway_undo_script_returns_its_versioned_migration(tmp_path: Path) -> None:
    write(tmp_path, {"V3__a.sql": "CREATE TABLE t (a int);", "U3__a.sql": "DROP TABLE t;"})
    migration = load_file(tmp_path / "U3__a.sql")
    assert migration is not None and migration.path.name == "V3__a.sql"
    assert section(migration, SectionKind.DOWN).text == "DROP TABLE t;"


@pytest.mark.parametrize(
    ("files", "name"),
    [
        ({"20240101_a.sql": DBMATE, "schema.sql": "CREATE TABLE t (a int);"}, "schema.sql"),
        ({"1_a.sql": GOOSE, "notes.md": "x"}, "notes.md"),
        (
            {"migration_lock.toml": "", "1_a/migration.sql": "SELECT 1;", "1_a/x.sql": ""},
            "1_a/x.sql",
        ),
    ],
    ids=["dbmate-schema-dump", "not-sql", "prisma-other-file"],
)
def test_load_file_returns_none_for_files_the_tool_does_not_run(
    tmp_path: Path, files: dict[str, str], name: str
) -> None:
    write(tmp_path, files)
    assert load_file(tmp_path / name) is None


def test_a_stray_flyway_script_at_the_root_hides_no_other_directory(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "V1__stray.sql": "SELECT 1;",
            "api/migrations/20240101_a.sql": DBMATE,
            "api/flyway/V2__b.sql": "SELECT 1;",
        },
    )
    assert find_migration_dirs(tmp_path) == [
        tmp_path,
        tmp_path / "api" / "flyway",
        tmp_path / "api" / "migrations",
    ]


def test_supabase_project_root_is_found_through_its_migrations_folder(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "supabase/config.toml": "",
            "supabase/seed.sql": "SELECT 1;",
            "supabase/migrations/20240101000000_init.sql": "SELECT 1;",
        },
    )
    assert find_migration_dirs(tmp_path) == [tmp_path / "supabase" / "migrations"]
    detection = detect_tool(tmp_path, Tool.SUPABASE)
    assert detection.directory == tmp_path / "supabase" / "migrations"


def test_load_file_of_a_reworked_sqitch_script(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "sqitch.plan": (
                "%project=p\n\nusers 2024-01-01T00:00:00Z A <a@b.c> # u\n"
                "@v1 2024-01-02T00:00:00Z A <a@b.c> # t\n"
                "users [users@v1] 2024-01-03T00:00:00Z A <a@b.c> # rework\n"
            ),
            "deploy/users@v1.sql": "CREATE TABLE users (id int);\n",
            "deploy/users.sql": "ALTER TABLE users ADD COLUMN name text;\n",
            "revert/users.sql": "ALTER TABLE users DROP COLUMN name;\n",
            "deploy/unplanned.sql": "SELECT 1;\n",
        },
    )
    old = load_file(tmp_path / "deploy" / "users@v1.sql")
    assert old is not None and (old.version, old.name, old.down_expected) == (
        "users@v1",
        "users",
        True,
    )
    new = load_file(tmp_path / "revert" / "users.sql")
    assert new is not None and new.version == "users" and new.path.name == "users.sql"
    stray = load_file(tmp_path / "deploy" / "unplanned.sql")
    assert stray is not None and "never runs" in stray.problems[0].message


def test_goose_file_without_up_keeps_both_sections_checkable(tmp_path: Path) -> None:
    write(tmp_path, {"1_a.sql": "SELECT 1;\n-- +goose Down\nSELECT 2;\n"})
    [migration] = load_directory(tmp_path, Tool.GOOSE).migrations
    assert [s.kind for s in migration.sections] == [SectionKind.UP, SectionKind.DOWN]
    assert [p.rule for p in migration.problems] == ["invalid-migration"]
