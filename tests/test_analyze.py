"""`pgmig analyze`: the schema analysis of a history (examples/shop and generated histories),
its text and JSON forms, and the dependency analysis per table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pgmig_lsp.cli import main
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.replayed import replay_history
from pgmig_lsp.schema_report import SchemaReport, TableReport, report_schema

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop" / "db" / "migrations"


def analyzed(directory: Path) -> SchemaReport:
    migration_set = load_directory(directory)
    history = replay_history(migration_set.migrations, migration_set.directory)
    return report_schema(history, migration_set.tool.value)


def table(report: SchemaReport, name: str, schema: str = "public") -> TableReport:
    return next(t for t in report.tables if t.key == (schema, name))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["analyze", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module")
def shop() -> SchemaReport:
    return analyzed(SHOP)


def test_shop_tables_per_schema(shop: SchemaReport) -> None:
    assert shop.tables_per_schema() == {"public": 8, "audit": 1}
    assert shop.migrations == 15 and shop.tool == "dbmate"
    assert [t.key for t in shop.tables if not t.rls_enabled] == [("audit", "user_actions")]
    assert sum(len(t.policies) for t in shop.tables) == 9
    assert len(shop.foreign_keys()) == 11
    assert (shop.functions, shop.types, len(shop.views)) == (3, 3, 0)


def test_shop_app_user_dependencies(shop: SchemaReport) -> None:
    app_user = table(shop, "app_user")
    assert app_user.columns == 14
    assert [(fk.table, fk.columns) for fk in app_user.referenced_by] == [
        (("public", "project_tasks"), ("assigned_to",)),
        (("public", "project_tasks"), ("created_by",)),
        (("public", "user_sessions"), ("user_id",)),
    ]
    assert [(fk.references, fk.columns, fk.on_delete) for fk in app_user.depends_on] == [
        (("public", "organizations"), ("organization_id",), "CASCADE")
    ]
    assert [p.name for p in app_user.policies] == ["user_isolation", "user_active_isolation"]
    assert [(t.name, t.function) for t in app_user.triggers] == [
        ("tr_app_user_updated_at", "update_timestamp"),
        ("tr_app_user_profile_updated", "update_profile_timestamp"),
        ("tr_app_user_audit", "audit.create_audit_trail"),
    ]
    assert app_user.types == (("public", "user_status"),)
    # user_sessions' policy reads app_user in a subquery: dropping app_user breaks it
    assert app_user.read_by_policies == ((("public", "user_sessions"), "user_sessions_isolation"),)
    assert app_user.created_in == "20240301090000_create_tenancy_base.sql"
    indexes = {index.name: index for index in app_user.indexes}
    assert indexes["app_user_pkey"].constraint == "p"
    assert indexes["app_user_email_key"].constraint == "u"
    token = indexes["idx_app_user_email_verification_token"]
    assert (token.unique, token.partial, token.constraint) == (True, True, None)


def test_shop_policies_read_their_parents(shop: SchemaReport) -> None:
    tasks = table(shop, "project_tasks")
    assert [(p.name, p.command, p.reads) for p in tasks.policies] == [
        ("project_tasks_isolation", "ALL", (("public", "projects"),))
    ]
    assert table(shop, "organizations").referenced_by[0].table == ("public", "app_user")
    assert len(table(shop, "organizations").referenced_by) == 5


def test_views_and_what_they_read(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    directory.mkdir()
    (directory / "20240101090000_base.sql").write_text(
        "-- migrate:up\n"
        "CREATE SCHEMA report;\n"
        "CREATE TABLE customers (id bigint PRIMARY KEY);\n"
        "CREATE TABLE orders (id bigint PRIMARY KEY,"
        " customer_id bigint REFERENCES customers (id) ON DELETE RESTRICT);\n"
        "CREATE VIEW report.order_counts AS\n"
        "  WITH counted AS (SELECT customer_id, count(*) AS n FROM orders GROUP BY 1)\n"
        "  SELECT c.id, counted.n FROM customers c JOIN counted ON counted.customer_id = c.id;\n"
        "CREATE MATERIALIZED VIEW report.totals AS SELECT * FROM report.order_counts;\n"
        "-- migrate:down\n",
        encoding="utf-8",
    )
    report = analyzed(directory)
    assert [(v.key, v.materialized, v.reads) for v in report.views] == [
        (("report", "order_counts"), False, (("public", "orders"), ("public", "customers"))),
        (("report", "totals"), True, (("report", "order_counts"),)),
    ]
    assert table(report, "orders").read_by_views == (("report", "order_counts"),)
    assert table(report, "orders").depends_on[0].on_delete == "RESTRICT"
    text = report.to_text()
    assert "report.totals: materialized view, reads report.order_counts" in text
    assert "  Read by views: report.order_counts" in text
    assert "  Referenced by: orders (customer_id)" in text


# -- the command ----------------------------------------------------------------------------------


def test_text_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, str(SHOP))
    assert code == 0, err
    assert out.startswith(f"Schema built by 15 dbmate migrations in {SHOP.as_posix()}\n")
    assert "- 9 tables across 2 schemas: public (8), audit (1); 0 views\n" in out
    assert "row level security on 8 of 9 tables, 9 policies; without it: audit.user_actions" in out
    assert "most referenced: organizations (5), app_user (3)" in out
    assert (
        "app_user: 14 columns, row level security; "
        "created in 20240301090000_create_tenancy_base.sql\n"
        "  Referenced by: project_tasks (assigned_to), project_tasks (created_by), "
        "user_sessions (user_id)\n"
        "  Depends on: organizations (organization_id, ON DELETE CASCADE)\n"
        "  Types: user_status\n"
        "  RLS policies: user_isolation (ALL), user_active_isolation (ALL)\n"
        "  Read by policies: user_sessions_isolation on user_sessions\n"
    ) in out
    assert "audit.user_actions: 8 columns, no row level security" in out
    assert "Conventions learned" not in out


def test_text_output_with_conventions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "--conventions")
    assert code == 0
    report, _, conventions = out.partition("\nConventions learned from 15 migration(s)")
    assert "Depends on:" in report
    assert "index names: idx_{table}_{columns} (learned: 20 of 20)" in conventions
    assert "indexes on existing tables: CONCURRENTLY (learned: 5 of 5)" in conventions


TABLE_KEYS = {
    "schema",
    "name",
    "columns",
    "rls_enabled",
    "rls_forced",
    "uncertain",
    "created_in",
    "policies",
    "triggers",
    "indexes",
    "depends_on",
    "referenced_by",
    "types",
    "read_by_views",
    "read_by_policies",
}
SUMMARY_KEYS = {
    "tables",
    "tables_per_schema",
    "columns",
    "tables_with_rls",
    "policies",
    "indexes",
    "constraint_indexes",
    "foreign_keys",
    "views",
    "functions",
    "types",
    "sequences",
    "extensions",
}
FOREIGN_KEY_KEYS = {
    "name",
    "table",
    "columns",
    "references",
    "referenced_columns",
    "on_delete",
    "validated",
}


def test_json_output_shape(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert set(data) == {"version", "directory", "tool", "migrations", "summary", "tables", "views"}
    assert (data["version"], data["tool"], data["migrations"]) == (1, "dbmate", 15)
    assert set(data["summary"]) == SUMMARY_KEYS
    assert data["summary"]["tables_per_schema"] == {"public": 8, "audit": 1}
    assert (data["summary"]["foreign_keys"], data["summary"]["policies"]) == (11, 9)
    for item in data["tables"]:
        assert set(item) == TABLE_KEYS
        for fk in item["depends_on"] + item["referenced_by"]:
            assert set(fk) == FOREIGN_KEY_KEYS
        for index in item["indexes"]:
            assert set(index) == {"name", "columns", "unique", "partial", "method", "constraint"}
        for policy in item["policies"]:
            assert set(policy) == {"name", "command", "reads"}
        for trigger in item["triggers"]:
            assert set(trigger) == {"name", "function"}
    user_sessions = next(t for t in data["tables"] if t["name"] == "user_sessions")
    assert user_sessions["depends_on"] == [
        {
            "name": "fk_user_sessions_user_id",
            "table": "user_sessions",
            "columns": ["user_id"],
            "references": "app_user",
            "referenced_columns": ["id"],
            "on_delete": "CASCADE",
            "validated": True,
        }
    ]
    assert user_sessions["policies"] == [
        {"name": "user_sessions_isolation", "command": "ALL", "reads": ["app_user"]}
    ]


def test_json_output_with_conventions(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, str(SHOP), "--format", "json", "--conventions")
    assert code == 0
    data = json.loads(out)
    assert set(data["conventions"]) == {"threshold", "migrations", "conventions"}
    tenant = next(c for c in data["conventions"]["conventions"] if c["topic"] == "tenant-policy")
    assert tenant["learned"] is True
    assert tenant["exceptions"] == [
        {
            "subject": "organizations.organization_isolation",
            "value": "id = current_setting('app.current_organization_id')::uuid",
            "file": "20240301090000_create_tenancy_base.sql",
        }
    ]


def test_a_directory_without_migrations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, str(tmp_path))
    assert code == 2
    assert out == ""
    assert f"{tmp_path}: no migrations found" in err


def test_a_missing_directory(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, str(tmp_path / "nowhere"), "--format", "json")
    assert code == 2
    assert "not a directory" in err


def test_the_configured_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(SHOP.parent.parent)
    code, out, _ = run(capsys)
    assert code == 0
    assert out.startswith(f"Schema built by 15 dbmate migrations in {SHOP.as_posix()}\n")
