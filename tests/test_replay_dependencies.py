"""Renames and CASCADE drops in the replay: what depends on an object follows it, as in PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.sql.parse import parse_sql

BASE = """
CREATE TYPE app_status AS ENUM ('a', 'b');
CREATE TABLE accounts (id bigint PRIMARY KEY, email text UNIQUE, status app_status[]);
CREATE TABLE invoices (id bigint PRIMARY KEY, account_id bigint REFERENCES accounts (id));
CREATE INDEX invoices_account_idx ON invoices (account_id);
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
"""


def replayed(sql: str) -> Catalog:
    catalog = Catalog()
    replay = Replay(catalog, "m.sql")
    text = BASE + sql
    for statement in parse_sql(text).statements:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"), text)
    return catalog


def test_renamed_table_keeps_the_foreign_keys_that_point_at_it() -> None:
    catalog = replayed("ALTER TABLE accounts RENAME TO customers;")
    fk = catalog.tables[("public", "invoices")].constraints["invoices_account_id_fkey"]
    assert fk.references == ("public", "customers")
    assert [t.name for t in catalog.referencing_tables(("public", "customers"))] == ["invoices"]
    # constraint and index names stay what they were
    assert "accounts_pkey" in catalog.tables[("public", "customers")].constraints
    assert [i.name for i in catalog.indexes_on(("public", "customers"))] == [
        "accounts_pkey",
        "accounts_email_key",
    ]


def test_renamed_column_is_renamed_in_constraints_indexes_and_foreign_keys() -> None:
    catalog = replayed(
        "ALTER TABLE accounts RENAME COLUMN id TO account_no;"
        "ALTER TABLE invoices RENAME COLUMN account_id TO customer_id;"
    )
    accounts = catalog.tables[("public", "accounts")]
    assert list(accounts.columns) == ["account_no", "email", "status"]
    assert accounts.constraints["accounts_pkey"].columns == ("account_no",)
    assert catalog.indexes[("public", "accounts_pkey")].columns == ("account_no",)
    fk = catalog.tables[("public", "invoices")].constraints["invoices_account_id_fkey"]
    assert fk.columns == ("customer_id",)
    assert fk.referenced_columns == ("account_no",)
    assert catalog.indexes[("public", "invoices_account_idx")].columns == ("customer_id",)


def test_renaming_a_constraint_renames_its_index_and_the_reverse() -> None:
    catalog = replayed(
        "ALTER TABLE accounts RENAME CONSTRAINT accounts_email_key TO accounts_email_unique;"
        "ALTER INDEX accounts_pkey RENAME TO accounts_primary;"
    )
    accounts = catalog.tables[("public", "accounts")]
    assert set(accounts.constraints) == {"accounts_email_unique", "accounts_primary"}
    assert {name for _, name in catalog.indexes} >= {"accounts_email_unique", "accounts_primary"}
    assert ("public", "accounts_pkey") not in catalog.indexes


def test_renamed_type_is_what_columns_use() -> None:
    catalog = replayed("ALTER TYPE app_status RENAME TO account_status;")
    assert ("public", "account_status") in catalog.types
    assert ("public", "app_status") not in catalog.types
    assert catalog.tables[("public", "accounts")].columns["status"].type == "account_status[]"


def test_renamed_function_is_what_triggers_call() -> None:
    catalog = replayed("ALTER FUNCTION touch() RENAME TO set_updated_at;")
    assert ("public", "set_updated_at") in catalog.functions
    trigger = catalog.tables[("public", "accounts")].triggers["accounts_touch"]
    assert trigger.function in ("set_updated_at", "public.set_updated_at")


def test_renames_in_a_fork_leave_the_original_alone() -> None:
    before = replayed("")
    after = before.fork()
    replay = Replay(after, "n.sql")
    for statement in parse_sql("ALTER TABLE accounts RENAME COLUMN id TO account_no;").statements:
        replay.apply(statement, Origin(Path("n.sql"), statement.span, "n.sql"))
    assert before.tables[("public", "accounts")].constraints["accounts_pkey"].columns == ("id",)
    fk = before.tables[("public", "invoices")].constraints["invoices_account_id_fkey"]
    assert fk.referenced_columns == ("id",)


def test_drop_table_cascade_drops_the_foreign_keys_to_it() -> None:
    catalog = replayed("DROP TABLE accounts CASCADE;")
    invoices = catalog.tables[("public", "invoices")]
    assert set(invoices.constraints) == {"invoices_pkey"}
    assert catalog.referencing_tables(("public", "accounts")) == []


def test_drop_type_cascade_drops_the_columns_of_that_type() -> None:
    catalog = replayed(
        "CREATE INDEX accounts_status_idx ON accounts (status); DROP TYPE app_status CASCADE;"
    )
    assert list(catalog.tables[("public", "accounts")].columns) == ["id", "email"]
    assert ("public", "accounts_status_idx") not in catalog.indexes


def test_drop_function_cascade_drops_the_triggers_calling_it() -> None:
    catalog = replayed("DROP FUNCTION touch() CASCADE;")
    assert catalog.tables[("public", "accounts")].triggers == {}


def test_like_including_all_copies_columns_checks_and_indexes_named_for_the_new_table() -> None:
    # names read back from PostgreSQL 15 after the same statements
    catalog = replayed(
        "CREATE TABLE src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text UNIQUE,"
        " n int DEFAULT 5 CHECK (n > 0), a int);"
        "CREATE INDEX src_a_idx ON src (a); CREATE INDEX ON src (lower(email));"
        "CREATE TABLE dst (LIKE src INCLUDING ALL, extra int);"
        "CREATE TABLE dst2 (LIKE src);"
    )
    dst = catalog.tables[("public", "dst")]
    assert list(dst.columns) == ["id", "email", "n", "a", "extra"]
    assert dst.columns["id"].identity == "a" and dst.columns["n"].default == "5"
    assert set(dst.constraints) == {"dst_pkey", "dst_email_key", "src_n_check"}
    assert {i.name for i in catalog.indexes_on(("public", "dst"))} == {
        "dst_pkey",
        "dst_email_key",
        "dst_a_idx",
        "dst_lower_idx",
    }
    dst2 = catalog.tables[("public", "dst2")]
    assert dst2.constraints == {} and dst2.columns["n"].default is None
    assert dst2.columns["id"].not_null and dst2.columns["id"].identity is None


def test_a_constraint_using_an_index_takes_it_over() -> None:
    catalog = replayed(
        "CREATE TABLE u (id int, code text);"
        "CREATE UNIQUE INDEX u_code_idx ON u (code);"
        "ALTER TABLE u ADD CONSTRAINT u_code_key UNIQUE USING INDEX u_code_idx;"
        "CREATE UNIQUE INDEX u_id_idx ON u (id);"
        "ALTER TABLE u ADD PRIMARY KEY USING INDEX u_id_idx;"
    )
    u = catalog.tables[("public", "u")]
    assert set(u.constraints) == {"u_code_key", "u_id_idx"}
    assert u.constraints["u_code_key"].columns == ("code",)
    assert {i.name for i in catalog.indexes_on(("public", "u"))} == {"u_code_key", "u_id_idx"}


def test_a_do_block_creates_what_its_static_sql_creates() -> None:
    catalog = replayed(
        "DO $$ BEGIN\n"
        "  CREATE TYPE order_state AS ENUM ('new', 'paid');\n"
        "EXCEPTION WHEN duplicate_object THEN NULL;\n"
        "END $$;\n"
        "DO $$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'orders') THEN\n"
        "    CREATE TABLE orders (id bigint PRIMARY KEY, state order_state);\n"
        "  END IF;\n"
        "  EXECUTE 'CREATE TABLE dynamic_one (id int)';\n"
        "END $$;\n"
    )
    assert catalog.types[("public", "order_state")].values == ["new", "paid"]
    assert list(catalog.tables[("public", "orders")].columns) == ["id", "state"]
    assert ("public", "dynamic_one") not in catalog.tables  # dynamic SQL is not followed
