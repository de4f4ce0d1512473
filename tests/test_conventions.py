"""Conventions learned from a history: examples/shop as a person reading it would describe it,
and small generated histories with a clear majority and exceptions (exact evidence)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.conventions import (
    MIN_OBJECTS,
    MIN_SHARE,
    Convention,
    ProjectConventions,
    learn_conventions,
    template_of,
    tenant_comparison,
)
from pgmig_lsp.migrations.discover import load_directory
from pgmig_lsp.replayed import replay_history
from pgmig_lsp.sql.parse import parse_sql

ROOT = Path(__file__).resolve().parents[1]
SHOP = ROOT / "examples" / "shop" / "db" / "migrations"


def learn(directory: Path) -> ProjectConventions:
    migration_set = load_directory(directory)
    return learn_conventions(replay_history(migration_set.migrations, migration_set.directory))


def write_history(directory: Path, ups: list[str]) -> Path:
    """dbmate migrations, one per up section, versions one minute apart."""
    directory.mkdir(parents=True, exist_ok=True)
    for number, up in enumerate(ups):
        name = directory / f"2024010109{number:02d}00_step_{number}.sql"
        name.write_text(f"-- migrate:up\n{up}\n\n-- migrate:down\n", encoding="utf-8")
    return directory


def exceptions(convention: Convention) -> list[tuple[str, str, str | None]]:
    return [(o.subject, o.value, o.file) for o in convention.exceptions]


# -- examples/shop --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shop() -> ProjectConventions:
    return learn(SHOP)


def test_shop_names_its_indexes_idx_table_columns(shop: ProjectConventions) -> None:
    index = shop.name("index")
    assert index is not None
    assert (index.value, index.learned, index.follows, index.differs) == (
        "idx_{table}_{columns}",
        True,
        20,
        0,
    )
    # audit.user_actions' indexes are idx_audit_user_actions_…: the schema is written too
    assert index.schema_prefix
    assert index.unnamed == 0


def test_shop_names_triggers_tr_table_purpose(shop: ProjectConventions) -> None:
    trigger = shop.name("trigger")
    assert trigger is not None
    assert (trigger.value, trigger.learned, trigger.follows) == ("tr_{table}_{purpose}", True, 6)


def test_shop_leaves_constraint_names_to_postgresql(shop: ProjectConventions) -> None:
    foreign_key = shop.name("foreign_key")
    primary_key = shop.name("primary_key")
    assert foreign_key is not None and primary_key is not None
    # one foreign key is named (fk_user_sessions_user_id), ten are PostgreSQL's
    assert (foreign_key.follows, foreign_key.unnamed, foreign_key.learned) == (1, 10, False)
    assert (primary_key.value, primary_key.unnamed) == (None, 9)


def test_shop_policy_names_are_mostly_but_not_always_table_isolation(
    shop: ProjectConventions,
) -> None:
    policy = shop.name("policy")
    assert policy is not None
    assert (policy.value, policy.follows, policy.differs, policy.learned) == (
        "{table}_isolation",
        6,
        3,
        False,
    )
    assert {o.subject for o in policy.exceptions} == {
        "organization_isolation on organizations",
        "user_isolation on app_user",
        "user_active_isolation on app_user",
    }


def test_shop_migration_files(shop: ProjectConventions) -> None:
    files = shop.name("migration_file")
    assert files is not None
    assert (files.value, files.follows, files.learned) == ("{version}_{name}.sql", 15, True)
    assert shop.migration_version.value == "timestamp (YYYYMMDDHHMMSS)"
    assert shop.migration_version.follows == 15


def test_shop_types_and_keys(shop: ProjectConventions) -> None:
    assert (shop.timestamp_type.value, shop.timestamp_type.follows) == ("timestamptz", 18)
    assert shop.timestamp_type.learned and not shop.timestamp_type.exceptions
    # uuid for most tables, bigint identity for orders, tasks and the audit trail: no habit
    primary_key = shop.primary_key
    assert not primary_key.learned
    assert primary_key.tally == (
        ("uuid DEFAULT gen_random_uuid()", 6),
        ("bigint GENERATED ALWAYS AS IDENTITY", 3),
    )
    assert {o.subject for o in primary_key.exceptions} == {
        "orders",
        "project_tasks",
        "audit.user_actions",
    }


def test_shop_on_delete_cascades_to_organizations_only(shop: ProjectConventions) -> None:
    assert (shop.on_delete.value, shop.on_delete.follows, shop.on_delete.total) == (
        "CASCADE",
        7,
        11,
    )
    assert not shop.on_delete.learned
    organizations = shop.on_delete_to(("public", "organizations"))
    assert organizations is not None
    assert (organizations.value, organizations.learned, organizations.follows) == (
        "CASCADE",
        True,
        5,
    )
    app_user = shop.on_delete_to(("public", "app_user"))
    assert app_user is not None and not app_user.learned
    # fewer than MIN_OBJECTS foreign keys to customers: no scoped convention
    assert shop.on_delete_to(("public", "customers")) is None


def test_shop_row_level_security_and_tenant_policy(shop: ProjectConventions) -> None:
    public = shop.rls("public")
    audit = shop.rls("audit")
    assert public is not None and audit is not None
    assert (public.value, public.follows, public.learned) == ("enabled", 8, True)
    # one table is not a habit
    assert (audit.value, audit.follows, audit.learned) == ("disabled", 1, False)
    tenant = shop.tenant_policy
    assert tenant.value == "organization_id = current_setting('app.current_organization_id')::uuid"
    assert (tenant.follows, tenant.differs, tenant.learned) == (8, 1, True)
    assert exceptions(tenant) == [
        (
            "organizations.organization_isolation",
            "id = current_setting('app.current_organization_id')::uuid",
            "20240301090000_create_tenancy_base.sql",
        )
    ]


def test_shop_builds_indexes_on_existing_tables_concurrently(shop: ProjectConventions) -> None:
    concurrent = shop.concurrent_index
    assert (concurrent.value, concurrent.follows, concurrent.differs) == ("CONCURRENTLY", 5, 0)
    assert concurrent.learned


def test_shop_templates_for_the_naming_rule(shop: ProjectConventions) -> None:
    assert shop.templates() == {
        "index": "idx_{table}_{columns}",
        "trigger": "tr_{table}_{purpose}",
        "migration_file": "{version}_{name}.sql",
    }


def test_json_shape_is_stable(shop: ProjectConventions) -> None:
    data = shop.to_json()
    assert set(data) == {"threshold", "migrations", "conventions"}
    assert data["threshold"] == {"min_objects": MIN_OBJECTS, "min_share": MIN_SHARE}
    plain = {
        "topic",
        "scope",
        "value",
        "learned",
        "follows",
        "differs",
        "exceptions",
        "tally",
    }
    for item in data["conventions"]:
        names = item["topic"].endswith("-name")
        assert set(item) == (plain | {"kind", "unnamed", "schema_prefix"} if names else plain)
        for exception in item["exceptions"]:
            assert set(exception) == {"subject", "value", "file"}
        for entry in item["tally"]:
            assert set(entry) == {"value", "count"}
    topics = [item["topic"] for item in data["conventions"]]
    assert topics[:10] == [
        "index-name",
        "unique-index-name",
        "primary-key-name",
        "foreign-key-name",
        "unique-name",
        "check-name",
        "exclusion-name",
        "trigger-name",
        "policy-name",
        "migration-file-name",
    ]
    assert topics[-2:] == ["tenant-policy", "concurrent-index"]


def test_text_shows_state_and_exceptions(shop: ProjectConventions) -> None:
    text = shop.to_text()
    assert "index names: idx_{table}_{columns} (learned: 20 of 20)" in text
    assert "primary keys: uuid DEFAULT gen_random_uuid() (not a convention: 6 of 9)" in text
    assert (
        "except: organizations.organization_isolation (id = current_setting("
        "'app.current_organization_id')::uuid, 20240301090000_create_tenancy_base.sql)"
    ) in text


# -- generated histories ------------------------------------------------------------------------

TABLE = """CREATE TABLE {name} (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner_id uuid NOT NULL,
  created_at {stamp} NOT NULL DEFAULT now()
);
CREATE INDEX {index} ON {name} (owner_id);
ALTER TABLE {name} ENABLE ROW LEVEL SECURITY;
CREATE POLICY {name}_owner ON {name} USING (owner_id = (SELECT auth.uid()));"""


def _table(name: str, stamp: str = "timestamptz", index: str | None = None) -> str:
    return TABLE.format(name=name, stamp=stamp, index=index or f"{name}_owner_id_idx")


def test_a_clear_majority_with_exceptions(tmp_path: Path) -> None:
    directory = write_history(
        tmp_path / "db",
        [
            _table("accounts"),
            _table("invoices"),
            _table("payments", index="idx_payments_owner"),
            _table("refunds", stamp="timestamp"),
            _table("notes", stamp="timestamp(3)"),
            # legacy tables: serial keys, no row level security
            "CREATE TABLE legacy_a (id serial PRIMARY KEY);",
        ],
    )
    conventions = learn(directory)

    index = conventions.name("index")
    assert index is not None
    # 4 of 5 is exactly the share needed
    assert (index.value, index.follows, index.differs, index.learned) == (
        "{table}_{columns}_idx",
        4,
        1,
        True,
    )
    assert exceptions(index) == [
        (
            "idx_payments_owner",
            "idx_{table}_owner",
            "20240101090200_step_2.sql",
        )
    ]

    # 3 of 5: a majority, not a habit
    stamp = conventions.timestamp_type
    assert (stamp.value, stamp.follows, stamp.differs, stamp.learned) == (
        "timestamptz",
        3,
        2,
        False,
    )
    assert [(o.subject, o.value) for o in stamp.exceptions] == [
        ("notes.created_at", "timestamp"),
        ("refunds.created_at", "timestamp"),
    ]

    primary_key = conventions.primary_key
    assert (primary_key.value, primary_key.follows, primary_key.differs) == (
        "bigint GENERATED ALWAYS AS IDENTITY",
        5,
        1,
    )
    assert primary_key.learned
    assert exceptions(primary_key) == [("legacy_a", "serial", "20240101090500_step_5.sql")]

    rls = conventions.rls("public")
    assert rls is not None
    assert (rls.value, rls.follows, rls.differs, rls.learned) == ("enabled", 5, 1, True)
    assert [o.subject for o in rls.exceptions] == ["legacy_a"]

    tenant = conventions.tenant_policy
    assert (tenant.value, tenant.follows, tenant.learned) == ("owner_id = auth.uid()", 5, True)

    policy = conventions.name("policy")
    assert policy is not None
    assert (policy.value, policy.follows, policy.learned) == ("{table}_owner", 5, True)


def test_concurrently_habit_counts_only_existing_tables(tmp_path: Path) -> None:
    ups = [
        "CREATE TABLE a (x int, y int);\nCREATE INDEX a_x_idx ON a (x);",
        "CREATE TABLE b (x int);",
        "CREATE TABLE c (x int);",
    ]
    ups += [
        f"CREATE INDEX CONCURRENTLY {table}_{column}_idx ON {table} ({column});"
        for table, column in (("a", "y"), ("b", "x"), ("c", "x"))
    ]
    ups.append("CREATE INDEX a_x_y_idx ON a (x, y);")
    conventions = learn(write_history(tmp_path / "db", ups))
    concurrent = conventions.concurrent_index
    # a_x_idx is on a table of the same migration: not counted
    assert (concurrent.value, concurrent.follows, concurrent.differs) == ("CONCURRENTLY", 3, 1)
    assert not concurrent.learned  # 75 %
    assert exceptions(concurrent) == [
        ("a_x_y_idx", "without CONCURRENTLY", "20240101090600_step_6.sql")
    ]


def test_unnamed_objects_do_not_make_a_name_convention(tmp_path: Path) -> None:
    ups = [
        f"CREATE TABLE p{n} (id int PRIMARY KEY);\n"
        f"CREATE TABLE c{n} (id int, p_id int REFERENCES p{n} (id) ON DELETE CASCADE);"
        for n in range(3)
    ]
    ups.append(
        "CREATE TABLE c3 (id int, p_id int,"
        " CONSTRAINT fk_c3_p_id FOREIGN KEY (p_id) REFERENCES p0 (id));"
    )
    conventions = learn(write_history(tmp_path / "db", ups))
    foreign_key = conventions.name("foreign_key")
    assert foreign_key is not None
    assert (foreign_key.value, foreign_key.follows, foreign_key.unnamed) == (
        "fk_{table}_{columns}",
        1,
        3,
    )
    assert not foreign_key.learned
    assert "foreign_key" not in conventions.templates()
    on_delete = conventions.on_delete
    assert (on_delete.value, on_delete.follows, on_delete.differs) == ("CASCADE", 3, 1)
    assert exceptions(on_delete) == [("c3 (p_id) → p0", "NO ACTION", "20240101090300_step_3.sql")]


def test_too_few_objects_are_never_a_convention(tmp_path: Path) -> None:
    conventions = learn(
        write_history(tmp_path / "db", ["CREATE TABLE a (at timestamptz, bt timestamptz);"])
    )
    assert (conventions.timestamp_type.follows, conventions.timestamp_type.learned) == (2, False)
    assert conventions.concurrent_index.value is None
    assert conventions.tenant_policy.value is None


def test_sequential_versions(tmp_path: Path) -> None:
    directory = tmp_path / "db"
    directory.mkdir()
    names = ["001_create_a.sql", "002_create_b.sql", "003_create_c.sql", "004_AddD.sql"]
    for number, name in enumerate(names):
        (directory / name).write_text(
            f"-- migrate:up\nCREATE TABLE t{number} (id int);\n-- migrate:down\n",
            encoding="utf-8",
        )
    conventions = learn(directory)
    assert conventions.migration_version.value == "sequential (3 digits, zero-padded)"
    assert conventions.migration_version.follows == 4
    files = conventions.name("migration_file")
    assert files is not None
    # {name} is snake_case: AddD is not
    assert (files.value, files.follows, files.differs) == ("{version}_{name}.sql", 3, 1)
    assert exceptions(files) == [("004_AddD.sql", "004_AddD.sql", "004_AddD.sql")]


# -- the pieces -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "replacements", "template"),
    [
        (
            "idx_orders_customer_id",
            [("table", "orders"), ("columns", "customer_id")],
            "idx_{table}_{columns}",
        ),
        (
            "orders_customer_id_idx",
            [("table", "orders"), ("columns", "customer_id")],
            "{table}_{columns}_idx",
        ),
        # the table's name inside a column's is not the table
        ("idx_user_user_id", [("table", "user"), ("columns", "user_id")], "idx_{table}_{columns}"),
        ("users_by_email", [("table", "user"), ("columns", "email")], "users_by_{columns}"),
        ("fk_a_b_c", [("table", "a"), ("columns", "b_c"), ("column", "b")], "fk_{table}_{columns}"),
        ("V12__init.sql", [("version", "12"), ("name", "init")], "V{version}__{name}.sql"),
        ("20240101_x.sql", [("version", "2024"), ("name", "x")], "20240101_{name}.sql"),
    ],
)
def test_template_of(name: str, replacements: list[tuple[str, str]], template: str) -> None:
    assert template_of(name, replacements) == template


@pytest.mark.parametrize(
    ("using", "shape"),
    [
        (
            "tenant_id = current_setting('app.tenant')::uuid",
            "tenant_id = current_setting('app.tenant')::uuid",
        ),
        (
            "current_setting('app.tenant', true)::uuid = tenant_id",
            "tenant_id = current_setting('app.tenant', true)::uuid",
        ),
        ("user_id = (SELECT auth.uid())", "user_id = auth.uid()"),
        ("owner = current_user", "owner = current_user"),
        ("p_id IN (SELECT id FROM p WHERE org = app.org_id())", "org = app.org_id()"),
        ("active AND a = b", None),
        ("a = lower(b)", None),
    ],
)
def test_tenant_comparison(using: str, shape: str | None) -> None:
    statement = parse_sql(f"CREATE POLICY p ON t USING ({using})").statements[0]
    assert tenant_comparison(statement.body.get("qual")) == shape


def test_names_that_describe_a_purpose_make_a_looser_template(tmp_path: Path) -> None:
    ups = [f"CREATE TABLE t{n} (a int, b int);" for n in range(5)]
    ups += [
        "CREATE INDEX CONCURRENTLY idx_t0_a ON t0 (a);",
        "CREATE INDEX CONCURRENTLY idx_t1_a_b ON t1 (a, b);",
        "CREATE INDEX CONCURRENTLY idx_t2_recent ON t2 (b);",
        "CREATE INDEX CONCURRENTLY idx_t3_open_orders ON t3 (a);",
        # a suffix team's name is not made to fit by the looser template
        "CREATE INDEX CONCURRENTLY t4_a_idx ON t4 (a);",
    ]
    index = learn(write_history(tmp_path / "db", ups)).name("index")
    assert index is not None
    # idx_{table}_{columns}: 2 of 5; idx_{table}_{purpose}: 4 of 5
    assert (index.value, index.follows, index.differs, index.learned) == (
        "idx_{table}_{purpose}",
        4,
        1,
        True,
    )
    assert [o.subject for o in index.exceptions] == ["t4_a_idx"]
    assert index.tally[0] == ("idx_{table}_{columns}", 2)


def test_policies_without_tenant_comparison_are_exceptions_not_the_convention(
    tmp_path: Path,
) -> None:
    ups = ["CREATE TABLE t (tenant_id uuid);"]
    ups += [f"CREATE POLICY open_{n} ON t USING (true);" for n in range(3)]
    ups.append("CREATE POLICY own ON t USING (tenant_id = current_setting('app.tenant')::uuid);")
    tenant = learn(write_history(tmp_path / "db", ups)).tenant_policy
    assert (tenant.value, tenant.follows, tenant.differs, tenant.learned) == (
        "tenant_id = current_setting('app.tenant')::uuid",
        1,
        3,
        False,
    )
    assert {o.value for o in tenant.exceptions} == {"no tenant comparison"}
