"""The catalog object under the cursor (`editor.objects`), what hover says about it, where it
was defined and referenced (`editor.navigation`) and what completes at a point
(`editor.completion`)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.editor import sections
from pgmig_lsp.editor.completion import Completer, complete
from pgmig_lsp.editor.describe import describe
from pgmig_lsp.editor.names import Role, expected_at, section_names
from pgmig_lsp.editor.navigation import (
    NameIndex,
    catalog_symbols,
    definitions,
    references,
    relations_read,
    views_reading,
)
from pgmig_lsp.editor.objects import ObjectId, object_at
from pgmig_lsp.history import History
from pgmig_lsp.migrations.model import Tool
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import parse_sql
from tests.editor.build import at, dbmate

SCHEMA = """
CREATE SCHEMA app;
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE app.orders (
  id bigint PRIMARY KEY,
  customer_id bigint REFERENCES customers (id),
  status text NOT NULL DEFAULT 'new'
);
CREATE TABLE "Order Items" ("Qty" int, order_id bigint);
CREATE TABLE app_user (id bigint PRIMARY KEY, org bigint);
CREATE TABLE user_sessions (id bigint, user_id bigint);
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
"""


def _catalog(sql: str = SCHEMA) -> Catalog:
    catalog = Catalog()
    replay = Replay(catalog, "history.sql")
    for statement in parse_sql(sql).statements:
        replay.apply(statement, Origin(Path("history.sql"), statement.span, "history.sql"))
    return catalog


def _object(tmp_path: Path, sql: str, needle: str, delta: int = 0) -> ObjectId | None:
    text = f"-- migrate:up\n{sql}\n-- migrate:down\n"
    migration, path = dbmate(tmp_path, text)
    found = object_at(migration, path, at(text, needle, delta), _catalog())
    if found is not None:
        assert text[found.span.start : found.span.end] in needle
    return None if found is None else found.object


# -- names and what they stand for ----------------------------------------------------------------


def test_a_qualified_name_is_a_schema_then_a_table(tmp_path: Path) -> None:
    sql = "ALTER TABLE app.orders ADD COLUMN note text;"
    assert _object(tmp_path, sql, "app.") == ObjectId("schema", "", "app")
    assert _object(tmp_path, sql, "orders") == ObjectId("table", "app", "orders")
    assert _object(tmp_path, "ALTER TABLE orders ADD COLUMN note text;", "orders") is None


def test_the_search_path_decides_unqualified_names(tmp_path: Path) -> None:
    sql = "SET search_path = app, public;\nCREATE INDEX ON orders (status);"
    assert _object(tmp_path, sql, "orders (") == ObjectId("table", "app", "orders")
    assert _object(tmp_path, sql, "status") == ObjectId("column", "app", "status", "orders")


def test_quoted_names_keep_their_case(tmp_path: Path) -> None:
    sql = 'CREATE INDEX ON "Order Items" ("Qty");'
    assert _object(tmp_path, sql, '"Order Items"', 3) == ObjectId("table", "public", "Order Items")
    assert _object(tmp_path, sql, '"Qty"', 1) == ObjectId("column", "public", "Qty", "Order Items")
    assert _object(tmp_path, 'CREATE INDEX ON "Order Items" ("qty");', '"qty"', 1) is None


def test_columns_of_a_foreign_key_and_of_what_it_references(tmp_path: Path) -> None:
    sql = (
        "ALTER TABLE app.orders ADD CONSTRAINT orders_customer_fk\n"
        "  FOREIGN KEY (customer_id) REFERENCES customers (id);"
    )
    assert _object(tmp_path, sql, "customer_id") == ObjectId(
        "column", "app", "customer_id", "orders"
    )
    assert _object(tmp_path, sql, "customers") == ObjectId("table", "public", "customers")
    assert _object(tmp_path, sql, "(id)", 1) == ObjectId("column", "public", "id", "customers")
    # the constraint this statement adds: found in the schema after it
    assert _object(tmp_path, sql, "orders_customer_fk") == ObjectId(
        "constraint", "app", "orders_customer_fk", "orders"
    )


def test_an_inline_reference_in_a_new_table(tmp_path: Path) -> None:
    sql = "CREATE TABLE payments (\n  id bigint,\n  customer bigint REFERENCES customers (id)\n);"
    assert _object(tmp_path, sql, "(id)", 1) == ObjectId("column", "public", "id", "customers")
    # what the statement creates: the table and its columns, after it
    assert _object(tmp_path, sql, "payments") == ObjectId("table", "public", "payments")
    assert _object(tmp_path, sql, "customer bigint") == ObjectId(
        "column", "public", "customer", "payments"
    )
    assert _object(tmp_path, sql, "bigint") is None  # a built-in type: not in the catalog


def test_expressions_see_the_nearest_query_first(tmp_path: Path) -> None:
    sql = (
        "CREATE POLICY own ON user_sessions USING (\n"
        "  user_id IN (SELECT id FROM app_user u WHERE u.org = 1)\n);"
    )
    assert _object(tmp_path, sql, "user_id") == ObjectId(
        "column", "public", "user_id", "user_sessions"
    )
    assert _object(tmp_path, sql, "id FROM") == ObjectId("column", "public", "id", "app_user")
    assert _object(tmp_path, sql, "u.org") == ObjectId("table", "public", "app_user")
    assert _object(tmp_path, sql, "u.org", 2) == ObjectId("column", "public", "org", "app_user")
    assert _object(tmp_path, sql, "own") == ObjectId("policy", "public", "own", "user_sessions")


def test_aliases_of_an_update(tmp_path: Path) -> None:
    sql = "UPDATE app.orders o SET status = 'x' FROM customers c WHERE c.id = o.customer_id;"
    assert _object(tmp_path, sql, "status") == ObjectId("column", "app", "status", "orders")
    assert _object(tmp_path, sql, "c.id", 2) == ObjectId("column", "public", "id", "customers")
    assert _object(tmp_path, sql, "o.customer_id", 2) == ObjectId(
        "column", "app", "customer_id", "orders"
    )


def test_types_functions_and_triggers(tmp_path: Path) -> None:
    sql = (
        "ALTER TABLE customers ADD COLUMN feeling mood DEFAULT 'happy'::mood;\n"
        "CREATE TRIGGER t BEFORE UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION touch();"
    )
    assert _object(tmp_path, sql, "mood DEFAULT") == ObjectId("type", "public", "mood")
    assert _object(tmp_path, sql, "::mood", 2) == ObjectId("type", "public", "mood")
    assert _object(tmp_path, sql, "touch") == ObjectId("function", "public", "touch")
    assert _object(tmp_path, sql, "t BEFORE") == ObjectId("trigger", "public", "t", "customers")
    # the column the first statement added is known to the second
    assert _object(tmp_path, sql + "\nCREATE INDEX ON customers (feeling);", "feeling)") == (
        ObjectId("column", "public", "feeling", "customers")
    )


def test_names_in_a_function_body(tmp_path: Path) -> None:
    sql = (
        "CREATE FUNCTION log_order() RETURNS trigger LANGUAGE plpgsql AS $fn$\n"
        "BEGIN\n  INSERT INTO app.orders (status) VALUES ('new');\n  RETURN NEW;\nEND $fn$;"
    )
    assert _object(tmp_path, sql, "orders") == ObjectId("table", "app", "orders")
    assert _object(tmp_path, sql, "status") == ObjectId("column", "app", "status", "orders")


def test_spans_are_code_points_after_non_ascii(tmp_path: Path) -> None:
    sql = "-- ünïcödé 日本語 𝄞\nCREATE INDEX ON customers (email);"
    assert _object(tmp_path, sql, "email") == ObjectId("column", "public", "email", "customers")


def test_a_name_in_a_statement_that_does_not_parse(tmp_path: Path) -> None:
    sql = "ALTER TABLE customers ALTER COLUMN email;\nCREATE INDEX ON customers (email"
    assert _object(tmp_path, sql, "email;") == ObjectId("column", "public", "email", "customers")
    assert _object(tmp_path, sql, "customers (") == ObjectId("table", "public", "customers")


HALF_TYPED = (
    'CREATE TABLE "Odd ""name""" (id bigint REFERENCES app.orders (id) ON DELETE CASCADE, x mood);\n'
    "ALTER TABLE app.orders ADD COLUMN IF NOT EXISTS note varchar(10) DEFAULT 'a;b' NOT NULL,\n"
    "  ALTER COLUMN status TYPE text USING status::text, DROP CONSTRAINT IF EXISTS c;\n"
    "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON customers USING btree (lower(email))\n"
    "  INCLUDE (id) WHERE email <> '';\n"
    "CREATE POLICY p ON user_sessions USING (user_id IN (SELECT u.id FROM app_user u));\n"
    "UPDATE customers c SET email = $$x$$ FROM app.orders o WHERE o.customer_id = c.id;\n"
    "COMMENT ON COLUMN customers.email IS 'é';\n"
    "/* a comment */ DROP FUNCTION IF EXISTS touch(int), app.x(text);\n"
)


def test_half_typed_statements_never_raise(tmp_path: Path) -> None:
    # every prefix of the text, as it is typed: the name there and the completions there
    catalog = _catalog()
    builtins = builtins_for(16)
    cuts = sorted({i for i, c in enumerate(HALF_TYPED) if not c.isalnum()} | {len(HALF_TYPED)})
    start = time.perf_counter()
    for cut in cuts:
        text = f"-- migrate:up\n{HALF_TYPED[:cut]}"
        migration, path = dbmate(tmp_path, text)
        for offset in (len(text), max(len(text) - 3, 0)):
            found = object_at(migration, path, offset, catalog)
            if found is not None:
                describe(found.object, found.catalog, "", (), builtins)
            complete(migration, path, offset, catalog, builtins)
    assert time.perf_counter() - start < 30


@pytest.mark.parametrize(
    ("typed", "role", "relation"),
    [
        ("CREATE INDEX ON ", Role.RELATION, None),
        ("CREATE INDEX ON orders (", Role.COLUMN, ("orders",)),
        ("ALTER TABLE app.orders ALTER COLUMN ", Role.COLUMN, ("app", "orders")),
        ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES c (", Role.COLUMN, ("c",)),
        ("ALTER TABLE t DROP CONSTRAINT ", Role.CONSTRAINT, ("t",)),
        ("CREATE TABLE t (a ", Role.TYPE, None),
        ("SELECT 1::", Role.TYPE, None),
        ("CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION ", Role.FUNCTION, None),
        ("SELECT o. FROM orders o", Role.EXPRESSION, ("orders",)),
        ("DROP SCHEMA ", Role.SCHEMA, None),
    ],
)
def test_what_a_name_typed_there_would_be(
    typed: str, role: Role, relation: tuple[str, ...] | None
) -> None:
    offset = typed.index(" FROM orders o") if "FROM orders o" in typed else len(typed)
    expected = expected_at(typed, Span(0, len(typed)), offset)
    assert expected is not None
    assert (expected.role, expected.relation) == (role, relation)


@pytest.mark.parametrize(
    "typed", ["CREATE TABLE ", "ALTER TABLE t ", "SELECT 'abc", "SELECT 1 -- t", "SELECT 12"]
)
def test_where_no_known_name_goes(typed: str) -> None:
    expected = expected_at(typed, Span(0, len(typed)), len(typed))
    assert expected is None or expected.defines or expected.keyword_position


def test_every_statement_of_a_section_has_its_names() -> None:
    text = "CREATE TABLE a (x int);\nDROP TABLE IF EXISTS a, b CASCADE;\nSELECT 'unterminated"
    found = section_names(text, Span(0, len(text)))
    assert [[n.parts for n in s.names] for s in found] == [
        [("a",), ("x",), ("int",)],
        [("a",), ("b",)],
        [],
    ]
    assert [s.subject for s in found] == [("a",), ("a",), None]


def test_completion_replays_the_statements_before_once_while_typing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[object] = []
    real_parse = sections.parse_section
    monkeypatch.setattr(sections, "parse_section", lambda s: parsed.append(s) or real_parse(s))
    completer = Completer()
    before = _catalog()

    def labels(text: str) -> list[str]:
        migration, path = dbmate(tmp_path, text)
        return [c.label for c in completer.complete(migration, path, len(text), before)]

    head = "-- migrate:up\nCREATE TABLE t (a int);\n"
    assert labels(head + "ALTER TABLE t ALTER COLUMN ") == ["a"]
    assert len(parsed) == 1
    assert labels(head + "ALTER TABLE t ALTER COLUMN x") == ["a"]
    assert labels(head + "ALTER TABLE customers ALTER COLUMN e") == ["id", "email"]
    assert len(parsed) == 1  # typing inside one statement: nothing before it parsed again
    changed = "-- migrate:up\nCREATE TABLE t (a int, b int);\n"
    assert labels(changed + "ALTER TABLE t ALTER COLUMN ") == ["a", "b"]
    assert len(parsed) == 2
    assert labels(changed + "ALTER TABLE t ALTER COLUMN b;\nALTER TABLE t DROP COLUMN ") == [
        "a",
        "b",
    ]


# -- hover ------------------------------------------------------------------------------------


def test_hover_on_a_table_says_what_depends_on_it() -> None:
    catalog = _catalog(
        SCHEMA
        + "CREATE INDEX customers_email ON customers (email);\n"
        + "ALTER TABLE customers ENABLE ROW LEVEL SECURITY;\n"
        + "CREATE TRIGGER touch_customers BEFORE UPDATE ON customers "
        + "FOR EACH ROW EXECUTE FUNCTION touch();\n"
    )
    shown = describe(ObjectId("table", "public", "customers"), catalog, "", (), builtins_for(16))
    assert shown is not None
    assert shown.startswith("**table** `customers`\n\nCreated by `history.sql`.")
    assert "- `id` bigint NOT NULL" in shown
    assert "Indexes: `customers_pkey` (id) unique; `customers_email` (email)" in shown
    assert "Referenced by: `app.orders` (customer_id)" in shown
    assert "Triggers: `touch_customers` → `touch()`" in shown
    assert "row level security enabled" in shown
    column = describe(ObjectId("column", "app", "customer_id", "orders"), catalog)
    assert column is not None and "References: `customers` (customer_id → id)" in column
    assert "Values: `'sad'`, `'happy'`" in (
        describe(ObjectId("type", "public", "mood"), catalog) or ""
    )


# -- definition, references, symbols ----------------------------------------------------------------


def _history(tmp_path: Path, files: dict[str, str]) -> History:
    directory = tmp_path / "db" / "migrations"
    directory.mkdir(parents=True)
    for name, up in files.items():
        (directory / name).write_text(f"-- migrate:up\n{up}\n-- migrate:down\n", encoding="utf-8")
    history = History.load(directory, Tool.DBMATE)
    history.advance(len(history.migrations), len(history.migrations))
    return history


def test_references_definitions_and_symbols_across_migrations(tmp_path: Path) -> None:
    history = _history(
        tmp_path,
        {
            "1_base.sql": "CREATE SCHEMA shop;\nCREATE TABLE shop.items (id bigint, price int);",
            "2_index.sql": "SET search_path = shop;\nCREATE INDEX ON items (price);",
            "3_view.sql": "CREATE VIEW shop.cheap AS SELECT id FROM shop.items WHERE price < 5;",
            "4_drop.sql": "DROP VIEW shop.cheap;\nDROP TABLE shop.items;",
        },
    )
    migrations = history.migrations
    names = NameIndex()
    latest = history.before(len(migrations))
    assert latest is not None
    items = ObjectId("table", "shop", "items")
    found = references(items, migrations, names, latest)
    # the dropped table is still the one each statement names (the last one included)
    assert [(m.path.name, m.defines) for m in found] == [
        ("1_base.sql", True),
        ("2_index.sql", False),
        ("3_view.sql", False),
        ("4_drop.sql", False),
    ]
    price = references(ObjectId("column", "shop", "price", "items"), migrations, names, latest)
    assert [m.path.name for m in price] == ["1_base.sql", "2_index.sql", "3_view.sql"]
    # at the view: its definition, the views reading the table, and the schema's definition
    text = migrations[2].files[0].text
    at_view = history.before(3)
    assert at_view is not None
    view = object_at(migrations[2], migrations[2].path, text.index("items"), history.before(2))
    assert view is not None and view.object == items
    [created] = definitions(view, migrations, names)
    assert created.path.name == "1_base.sql"
    assert migrations[0].files[0].text[created.span.start : created.span.end] == "items"
    assert [v.name for v in views_reading(items, at_view, migrations, names)] == ["cheap"]
    cheap = ObjectId("table", "shop", "cheap")
    reads = relations_read(cheap, at_view, migrations, names)
    assert [t.name for t in reads] == ["items"]
    shown = describe(cheap, at_view, "", (), None, reads)
    # the history set search_path = shop: names are shown as the search path finds them
    assert shown is not None and shown.startswith("**view** `cheap`")
    assert "Reads: `items`" in shown
    schema = object_at(migrations[2], migrations[2].path, text.index("shop."), history.before(2))
    assert schema is not None and schema.object == ObjectId("schema", "", "shop")
    [where] = definitions(schema, migrations, names)
    base = migrations[0].files[0].text
    assert where.path.name == "1_base.sql"
    assert where.span.start == base.index("shop;") and where.span.end == where.span.start + 4
    symbols = catalog_symbols(at_view, "itm")
    assert [(s.name, s.kind, s.schema) for s in symbols] == [
        ("items", "table", "shop"),
        ("items_price_idx", "index", "shop"),
    ]
    assert {s.name for s in catalog_symbols(at_view, "")} == {"items", "cheap", "items_price_idx"}


def test_references_on_a_long_history_are_quick(tmp_path: Path) -> None:
    files = {
        f"{i:04d}_m.sql": f"CREATE TABLE t{i} (id bigint, ref bigint REFERENCES t{max(i - 1, 0)} (id));\n"
        f"CREATE INDEX ON t{i} (ref);\nUPDATE t{i} SET ref = 1 WHERE id > 0;"
        for i in range(300)
    }
    history = _history(tmp_path, files)
    names = NameIndex()
    latest = history.before(len(history.migrations))
    assert latest is not None
    target = ObjectId("table", "public", "t7")
    start = time.perf_counter()
    first = references(target, history.migrations, names, latest)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    again = references(target, history.migrations, names, latest)
    warm = time.perf_counter() - start
    # created, indexed, updated, referenced by t8
    assert [(m.path.name, m.defines) for m in first] == [
        ("0007_m.sql", True),
        ("0007_m.sql", False),
        ("0007_m.sql", False),
        ("0008_m.sql", False),
    ]
    assert again == first
    assert warm < 0.05 and warm < cold
