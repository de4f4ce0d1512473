"""Names of unnamed constraints and indexes: the replay must call them what PostgreSQL does.

The expected names were read back from PostgreSQL 15 after running the same statements
(`pg_constraint`, `pg_index`); the fidelity test checks the rest against a live server.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.naming import expression_column_name, name_addition, object_name
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.sql.nodes import quote_identifier
from pgmig_lsp.sql.parse import parse_sql

STATEMENTS = """
CREATE TABLE accounts (id bigint PRIMARY KEY, email text UNIQUE, a int, b int,
  price numeric CHECK (price > 0), CHECK (a > b), UNIQUE (a, b), CHECK (a > 0), CHECK (a < 100));
CREATE INDEX ON accounts (lower(email));
CREATE INDEX ON accounts (email);
CREATE INDEX ON accounts (email);
CREATE INDEX ON accounts ((a + b));
CREATE INDEX ON accounts (a) INCLUDE (b);
CREATE INDEX ON accounts ((email::varchar));
CREATE INDEX ON accounts ((coalesce(a, b)));
CREATE INDEX ON accounts (a, a);
CREATE TABLE invoices (id int, account_id bigint REFERENCES accounts, x int, y int,
  FOREIGN KEY (x, y) REFERENCES accounts (a, b));
CREATE TABLE a_very_long_table_name_that_goes_on_and_on_and_on_for_ever_xx (
  a_very_long_column_name_that_is_long_too int UNIQUE, id int PRIMARY KEY);
ALTER TABLE invoices ADD UNIQUE (x);
ALTER TABLE invoices ADD CHECK (x > 0);
ALTER TABLE invoices ADD UNIQUE (x);
CREATE TABLE "日本語のテーブル名前がとても長い場合はどうなりますか" (id int PRIMARY KEY, "列" int UNIQUE);
CREATE TABLE t2 (a int, b int, EXCLUDE USING btree (a WITH =));
"""

LONG = "a_very_long_table_name_that_goes_on_and_on_and_on_for_ever_xx"
JAPANESE = "日本語のテーブル名前がとても長い場合はどう"

CONSTRAINTS = {
    "accounts": {
        "accounts_a_b_key",
        "accounts_a_check",
        "accounts_a_check1",
        "accounts_check",
        "accounts_email_key",
        "accounts_pkey",
        "accounts_price_check",
    },
    "invoices": {
        "invoices_account_id_fkey",
        "invoices_x_check",
        "invoices_x_key",
        "invoices_x_key1",
        "invoices_x_y_fkey",
    },
    LONG: {
        "a_very_long_table_name_that_g_a_very_long_column_name_that__key",
        "a_very_long_table_name_that_goes_on_and_on_and_on_for_ever_pkey",
    },
    JAPANESE: {
        "日本語のテーブル名前がとても長い場合_列_key",
        "日本語のテーブル名前がとても長い場合は_pkey",
    },
    "t2": {"t2_a_excl"},
}

INDEXES = {
    "日本語のテーブル名前がとても長い場合_列_key",
    "日本語のテーブル名前がとても長い場合は_pkey",
    "a_very_long_table_name_that_g_a_very_long_column_name_that__key",
    "a_very_long_table_name_that_goes_on_and_on_and_on_for_ever_pkey",
    "accounts_a_a1_idx",
    "accounts_a_b_idx",
    "accounts_a_b_key",
    "accounts_coalesce_idx",
    "accounts_email_idx",
    "accounts_email_idx1",
    "accounts_email_idx2",
    "accounts_email_key",
    "accounts_expr_idx",
    "accounts_lower_idx",
    "accounts_pkey",
    "invoices_x_key",
    "invoices_x_key1",
    "t2_a_excl",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    catalog = Catalog()
    replay = Replay(catalog, "m.sql")
    for statement in parse_sql(STATEMENTS).statements:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"))
    return catalog


def test_parser_truncates_long_identifiers_first(catalog: Catalog) -> None:
    assert ("public", JAPANESE) in catalog.tables


@pytest.mark.parametrize("table", sorted(CONSTRAINTS))
def test_unnamed_constraints_are_named_as_postgresql_does(catalog: Catalog, table: str) -> None:
    assert set(catalog.tables[("public", table)].constraints) == CONSTRAINTS[table]


def test_unnamed_indexes_are_named_as_postgresql_does(catalog: Catalog) -> None:
    assert {name for _, name in catalog.indexes} == INDEXES


def test_object_name_shortens_the_longer_part_first() -> None:
    assert object_name("t" * 40, "c" * 40, "key") == "t" * 29 + "_" + "c" * 29 + "_key"
    assert len(object_name("é" * 40, None, "pkey").encode()) <= 63


def test_name_addition_stops_at_the_length_limit() -> None:
    names = [f"column_number_{i}" for i in range(10)]
    assert len(name_addition(names).encode()) == 63


@pytest.mark.parametrize(
    ("expression", "name"),
    [
        ("lower(email)", "lower"),
        ("email::varchar", "email"),
        ("'x'::text", "text"),
        ("a + b", None),
        ("coalesce(a, b)", "coalesce"),
        ("CASE WHEN a THEN b ELSE c END", "c"),
        ("CASE WHEN a THEN b END", "case"),
        ("(payload->>'kind')", None),
        ("public.f(x)", "f"),
    ],
)
def test_expression_column_names(expression: str, name: str | None) -> None:
    statement = parse_sql(f"SELECT {expression}").statements[0]
    target = statement.body["targetList"][0]["ResTarget"]["val"]
    assert expression_column_name(target) == name


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        ("users", "users"),
        ("name", "name"),  # unreserved keyword
        ("user", '"user"'),  # reserved
        ("time", '"time"'),  # column-name keyword
        ("Orders", '"Orders"'),
        ("a$b", '"a$b"'),
        ('say "hi"', '"say ""hi"""'),
    ],
)
def test_identifiers_are_quoted_as_quote_ident_does(name: str, quoted: str) -> None:
    assert quote_identifier(name) == quoted


def test_constraint_names_are_unique_per_schema_across_tables_drops_and_renames() -> None:
    # read back from PostgreSQL 15 (pg_constraint) after the same statements
    sql = """
    CREATE TABLE a (x int, CONSTRAINT b_x_check CHECK (x > 0));
    CREATE TABLE b (x int CHECK (x > 0));
    ALTER TABLE a DROP CONSTRAINT b_x_check;
    CREATE TABLE c (x int CHECK (x > 0));
    ALTER TABLE c RENAME CONSTRAINT c_x_check TO d_x_check;
    CREATE TABLE d (x int CHECK (x > 0));
    ALTER TABLE b ADD CHECK (x > 1);
    CREATE SCHEMA s;
    CREATE TABLE s.d (x int CHECK (x > 0));
    """
    catalog = Catalog()
    statements = parse_sql(sql).statements
    # the first statements replayed into a catalog that is then forked: both sides keep naming
    # the way PostgreSQL does
    replay = Replay(catalog, "m.sql")
    for statement in statements[:2]:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"))
    fork = catalog.fork()
    replay = Replay(fork, "m.sql")
    for statement in statements[2:]:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"))
    names = {(key, name) for key, table in fork.tables.items() for name in table.constraints}
    assert names == {
        (("public", "b"), "b_x_check"),
        (("public", "b"), "b_x_check1"),
        (("public", "c"), "d_x_check"),
        (("public", "d"), "d_x_check1"),
        (("s", "d"), "d_x_check"),
    }
    # the fork's drop of a's constraint did not free the name in the catalog it was forked from
    assert "b_x_check" in catalog.tables[("public", "a")].constraints
    assert catalog.constraint_name_taken("public", "b_x_check")
    assert not catalog.constraint_name_taken("public", "d_x_check")


def test_a_renamed_table_keeps_its_constraint_names_taken() -> None:
    # read back from PostgreSQL 15: r_a_check, x2.y_a_check, y_a_check1
    catalog = Catalog()
    replay = Replay(catalog, "m.sql")
    sql = """
    CREATE TABLE r (a int CHECK (a > 0));
    CREATE TABLE x (a int, CONSTRAINT y_a_check CHECK (a > 0));
    ALTER TABLE x RENAME TO x2;
    CREATE TABLE y (a int CHECK (a > 0));
    """
    for statement in parse_sql(sql).statements:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"))
    assert set(catalog.tables[("public", "y")].constraints) == {"y_a_check1"}
