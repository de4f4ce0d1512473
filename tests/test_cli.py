"""The `pgmig` command line, run as a real process."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOP = ROOT / "examples" / "shop"


def pgmig(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pgmig_lsp", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_example_workspace_has_findings_on_purpose(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    result = pgmig("check", "--no-cache", cwd=shop)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "concurrently-in-transaction" in result.stdout
    assert "set-not-null" in result.stdout


def test_json_contract(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    result = pgmig("check", "--format", "json", "--no-cache", cwd=shop)
    data = json.loads(result.stdout)
    assert data["version"] == 1
    diagnostics = data["diagnostics"]
    assert diagnostics
    for item in diagnostics:
        assert {
            "path",
            "rule",
            "severity",
            "message",
            "line",
            "column",
            "end_line",
            "end_column",
        } <= set(item)
        assert item["severity"] in ("error", "warning", "info")
        assert not item["path"].startswith("/")  # below the current directory: relative
        assert item["line"] >= 1 and item["column"] >= 1
    keys = [(d["path"], d["line"], d["column"]) for d in diagnostics]
    assert keys == sorted(keys)
    assert data["summary"]["findings"] == len(diagnostics)
    assert data["summary"]["files"] >= 15


def test_warm_cache_gives_the_same_findings(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    cold = pgmig("check", "--format", "json", cwd=shop)
    assert (shop / ".pgmig_cache").is_dir()
    warm = pgmig("check", "--format", "json", cwd=shop)
    assert json.loads(cold.stdout) == json.loads(warm.stdout)
    # an edit invalidates that migration's entry
    victim = sorted((shop / "db" / "migrations").glob("*_create_audit_schema.sql"))[0]
    victim.write_text(victim.read_text() + "\nALTER TABLE app_user DROP COLUMN email;\n")
    edited = json.loads(pgmig("check", "--format", "json", cwd=shop).stdout)
    assert len(edited["diagnostics"]) != len(json.loads(cold.stdout)["diagnostics"])


def test_fail_on_never_exits_zero(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    assert pgmig("check", "--fail-on", "never", "--no-cache", cwd=shop).returncode == 0


def test_clean_file_exits_zero(tmp_path: Path) -> None:
    migration = tmp_path / "db" / "migrations" / "20240101000000_notes.sql"
    migration.parent.mkdir(parents=True)
    migration.write_text(
        "-- migrate:up\nCREATE TABLE notes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text);\n"
        "-- migrate:down\nDROP TABLE IF EXISTS notes;\n"
    )
    result = pgmig("check", "--no-cache", str(migration), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("pg_version = 'sixteen'\n", "`pg_version` must be an integer"),
        ("fail_on = 'sometimes'\n", "fail_on"),
    ],
)
def test_bad_config_exits_2_with_a_message(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "pgmig.toml").write_text(config)
    (tmp_path / "m.sql").write_text("SELECT 1;\n")
    result = pgmig("check", "--no-cache", "m.sql", cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_config_key_warns_and_checks(tmp_path: Path) -> None:
    (tmp_path / "pgmig.toml").write_text("colour = true\n")
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id bigint PRIMARY KEY);\n")
    result = pgmig("check", "--no-cache", ".", cwd=tmp_path)
    assert "unknown key `colour`" in result.stderr
    assert result.returncode == 0, result.stdout


def test_missing_path_exits_2(tmp_path: Path) -> None:
    result = pgmig("check", "nope", cwd=tmp_path)
    assert result.returncode == 2
    assert "no such file" in result.stderr


def test_bad_input_is_reported_not_crashed(tmp_path: Path) -> None:
    directory = tmp_path / "db" / "migrations"
    directory.mkdir(parents=True)
    (directory / "20240101000000_binary.sql").write_bytes(b"\x00\xff\xfe-- migrate:up\n")
    (directory / "20240101000100_latin1.sql").write_bytes(
        "-- migrate:up\n-- caf\xe9\n".encode("latin-1")
    )
    (directory / "20240101000200_empty.sql").write_text("")
    (directory / "20240101000300_half.sql").write_text(
        "-- migrate:up\nALTER TABLE app_user ADD COLUMN\n-- migrate:down\n"
    )
    (directory / "20240101000400_ok.sql").write_text(
        "-- migrate:up\nCREATE TABLE ok (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE ok;\n"
    )
    result = pgmig("check", "--format", "json", "--no-cache", str(directory), cwd=tmp_path)
    assert "Traceback" not in result.stderr
    data = json.loads(result.stdout)
    rules = {(Path(d["path"]).name, d["rule"]) for d in data["diagnostics"]}
    assert ("20240101000000_binary.sql", "invalid-migration") in rules
    assert ("20240101000100_latin1.sql", "invalid-migration") in rules
    assert ("20240101000300_half.sql", "syntax-error") in rules


def test_empty_directory_says_no_migrations(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = pgmig("check", "empty", cwd=tmp_path)
    assert result.returncode == 0
    assert "no migrations found" in result.stderr


def test_fix_applies_safe_fixes(tmp_path: Path) -> None:
    directory = tmp_path / "db" / "migrations"
    directory.mkdir(parents=True)
    path = directory / "20240101000000_drop.sql"
    path.write_text(
        "-- migrate:up\nCREATE TABLE t (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE t;\n"
    )
    result = pgmig(
        "check",
        "--fix",
        "--no-cache",
        "--select",
        "down-not-idempotent",
        str(directory),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "DROP TABLE IF EXISTS t;" in path.read_text()


def test_rules_lists_and_documents() -> None:
    listing = pgmig("rules")
    assert listing.returncode == 0
    assert "set-not-null" in listing.stdout and "enum-value-order" in listing.stdout
    page = pgmig("rules", "set-not-null")
    assert page.returncode == 0 and "## Why" in page.stdout
    assert pgmig("rules", "no-such-rule").returncode == 2


def test_new_creates_a_dbmate_migration(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shutil.copytree(SHOP, shop)
    result = pgmig("new", "add notes table", cwd=shop)
    assert result.returncode == 0, result.stderr
    created = Path(result.stdout.strip().splitlines()[0])
    assert created.name.endswith("_add_notes_table.sql")
    assert created.read_text().startswith("-- migrate:up")
    check = pgmig("check", "--no-cache", "--select", "invalid-migration", str(created), cwd=shop)
    assert check.returncode == 0, check.stdout


def test_fix_moves_each_concurrent_index_into_a_migration_of_its_own(tmp_path: Path) -> None:
    """Two fixes each want "the next version": they must not create two files with one version."""
    directory = tmp_path / "db" / "migrations"
    directory.mkdir(parents=True)
    path = directory / "20240101000000_indexes.sql"
    path.write_text(
        "-- migrate:up\n"
        "ALTER TABLE orders ADD COLUMN note text;\n"
        "CREATE INDEX CONCURRENTLY idx_orders_a ON orders (a);\n"
        "CREATE INDEX CONCURRENTLY idx_orders_b ON orders (b);\n"
        "-- migrate:down\n"
        "ALTER TABLE orders DROP COLUMN IF EXISTS note;\n"
    )
    result = pgmig(
        "check",
        "--fix",
        "--no-cache",
        "--select",
        "concurrently-in-transaction",
        str(directory),
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    created = sorted(p.name for p in directory.glob("*.sql") if p != path)
    assert len(created) == 2, created
    versions = {name.split("_", 1)[0] for name in created}
    assert len(versions) == 2, created
    assert "CONCURRENTLY" not in path.read_text()
    bodies = "".join((directory / name).read_text() for name in created)
    assert "idx_orders_a" in bodies and "idx_orders_b" in bodies
    assert all(
        (directory / name).read_text().startswith("-- migrate:up transaction:false")
        for name in created
    )


def test_a_file_checked_alone_gets_its_directory_problems(tmp_path: Path) -> None:
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    body = "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n"
    (migrations / "20240101000000_first.sql").write_text(body)
    later = migrations / "20240101000000_second.sql"
    later.write_text(body)

    def rules(*paths: str) -> set[tuple[str, str]]:
        out = pgmig("check", "--no-cache", "--format", "json", *paths, cwd=tmp_path)
        return {(d["path"], d["rule"]) for d in json.loads(out.stdout)["diagnostics"]}

    whole = rules("db/migrations")
    assert ("db/migrations/20240101000000_second.sql", "migration-order") in whole
    # the same finding when only that file is checked (as the editor shows it)
    alone = rules("db/migrations/20240101000000_second.sql")
    assert alone == {f for f in whole if f[0].endswith("_second.sql")}


def test_the_cache_is_not_reused_by_changed_pgmig_code() -> None:
    import os

    import pgmig_lsp.findings
    from pgmig_lsp.cache import code_fingerprint

    module = Path(pgmig_lsp.findings.__file__)
    stat = module.stat()
    code_fingerprint.cache_clear()
    before = code_fingerprint()
    try:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
        code_fingerprint.cache_clear()
        assert code_fingerprint() != before  # a rule edited in a checkout: findings recomputed
    finally:
        os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        code_fingerprint.cache_clear()
    assert code_fingerprint() == before


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # `pgmig check | head`: more output than the pipe holds, and the reader closes it
    migrations = tmp_path / "db" / "migrations"
    migrations.mkdir(parents=True)
    for i in range(60):
        (migrations / f"{20240101000000 + i}_m.sql").write_text(
            "-- migrate:up\n" + "CREATE INDEX ON t (a);\n" * 20 + "-- migrate:down\n"
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "pgmig_lsp", "check", "--no-cache", "--format", "json", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout is not None and process.stderr is not None
    assert process.stdout.read(100).startswith(b'{"version": 1')
    process.stdout.close()
    errors = process.stderr.read().decode()
    assert process.wait(timeout=60) == 0
    assert "Traceback" not in errors
