"""The lock model: SQL in, the (table, lock, effect) of each table the last statement locks.

Each case is data: optional ``before`` SQL (an earlier migration: its tables exist), the
migration's SQL (its last statement is the one examined; earlier ones run first in the same
migration) and the expected locks, written ``table MODE effect`` with ``(new)`` for tables the
migration created.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.locks import Effect, LockMode, TableLock, display_name, statement_locks
from pgmig_lsp.migrations.model import Migration, Tool
from pgmig_lsp.rules.base import MigrationContext
from pgmig_lsp.source import SourceFile
from pgmig_lsp.sql.parse import Statement, parse_sql

BASE = """
CREATE TABLE app_user (id uuid PRIMARY KEY, email varchar(100), name text, active boolean,
                       amount numeric(10,2), created timestamp, tags varchar(20)[], code int);
CREATE INDEX idx_app_user_active ON app_user (active);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id uuid REFERENCES app_user (id), total numeric);
CREATE TABLE audit.events (id bigint, user_id uuid CONSTRAINT events_user_fk REFERENCES app_user);
CREATE MATERIALIZED VIEW daily AS SELECT 1 AS n;
CREATE FUNCTION stable_fn() RETURNS int STABLE LANGUAGE sql AS 'SELECT 1';
"""


def _locks(sql: str, before: str = BASE, pg_version: int = 16) -> tuple[list[TableLock], Statement]:
    catalog = Catalog()
    old = Replay(catalog, "before.sql")
    for statement in parse_sql(before).statements:
        old.apply(statement, Origin(Path("before.sql"), statement.span, "before.sql"))
    file = SourceFile(Path("migration.sql"), sql)
    migration = Migration(tool=Tool.PLAIN, version="2", name="case", files=(file,))
    context = MigrationContext(migration, catalog, pg_version, builtins_for(pg_version))
    replay = Replay(catalog, str(file.path))
    statements = parse_sql(sql).statements
    for statement in statements[:-1]:
        known = set(catalog.tables)
        replay.apply(statement, Origin(file.path, statement.span, str(file.path)))
        context.created_tables.update(set(catalog.tables) - known)
    return statement_locks(statements[-1], context), statements[-1]


def _shown(lock: TableLock) -> str:
    text = f"{lock.name} {lock.mode.pg_name} {lock.effect.value}"
    return text + (" (new)" if lock.new_table else "")


CASES: list[tuple[str, list[str]]] = [
    # indexes
    ("CREATE INDEX i ON app_user (email)", ["app_user SHARE index build"]),
    (
        "CREATE UNIQUE INDEX CONCURRENTLY i ON app_user (email)",
        ["app_user SHARE UPDATE EXCLUSIVE index build"],
    ),
    ("CREATE INDEX i ON ONLY app_user (email)", ["app_user SHARE none"]),
    ("DROP INDEX idx_app_user_active", ["app_user ACCESS EXCLUSIVE none"]),
    ("DROP INDEX CONCURRENTLY idx_app_user_active", ["app_user SHARE UPDATE EXCLUSIVE none"]),
    ("DROP INDEX IF EXISTS public.unknown_idx", ["unknown_idx ACCESS EXCLUSIVE none"]),
    ("REINDEX TABLE app_user", ["app_user SHARE index build"]),
    ("REINDEX TABLE CONCURRENTLY app_user", ["app_user SHARE UPDATE EXCLUSIVE index build"]),
    (
        "REINDEX (CONCURRENTLY) INDEX idx_app_user_active",
        ["app_user SHARE UPDATE EXCLUSIVE index build"],
    ),
    ("REINDEX INDEX idx_app_user_active", ["app_user SHARE index build"]),
    ("REINDEX SCHEMA public", []),
    # ALTER TABLE sub-commands
    ("ALTER TABLE app_user ADD COLUMN x int", ["app_user ACCESS EXCLUSIVE none"]),
    (
        "ALTER TABLE app_user ADD COLUMN x int DEFAULT 0 NOT NULL",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    ("ALTER TABLE app_user ADD COLUMN x int NOT NULL", ["app_user ACCESS EXCLUSIVE scan"]),
    (
        "ALTER TABLE app_user ADD COLUMN x timestamptz DEFAULT CURRENT_TIMESTAMP",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN x timestamptz DEFAULT now()",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN x int DEFAULT stable_fn()",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN x uuid DEFAULT gen_random_uuid()",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN x int DEFAULT my_unknown_fn()",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    ("ALTER TABLE app_user ADD COLUMN x bigserial", ["app_user ACCESS EXCLUSIVE rewrite"]),
    (
        "ALTER TABLE app_user ADD COLUMN x int GENERATED ALWAYS AS IDENTITY",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN x int GENERATED ALWAYS AS (code * 2) STORED",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    ("ALTER TABLE app_user ADD COLUMN x int CHECK (x > 0)", ["app_user ACCESS EXCLUSIVE scan"]),
    ("ALTER TABLE app_user ADD COLUMN x int UNIQUE", ["app_user ACCESS EXCLUSIVE index build"]),
    (
        "ALTER TABLE orders ADD COLUMN owner_id uuid REFERENCES app_user (id)",
        ["orders ACCESS EXCLUSIVE scan", "app_user SHARE ROW EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ADD COLUMN IF NOT EXISTS code int DEFAULT random()",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    ("ALTER TABLE app_user DROP COLUMN name", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user ALTER COLUMN name SET DEFAULT 'x'", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user ALTER COLUMN name DROP DEFAULT", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user ALTER COLUMN name SET NOT NULL", ["app_user ACCESS EXCLUSIVE scan"]),
    ("ALTER TABLE app_user ALTER COLUMN name DROP NOT NULL", ["app_user ACCESS EXCLUSIVE none"]),
    # type changes: rewrite unless binary-coercible
    ("ALTER TABLE app_user ALTER COLUMN email TYPE text", ["app_user ACCESS EXCLUSIVE none"]),
    (
        "ALTER TABLE app_user ALTER COLUMN email TYPE varchar(200)",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN email TYPE varchar(50)",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN name TYPE varchar(50)",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    ("ALTER TABLE app_user ALTER COLUMN name TYPE varchar", ["app_user ACCESS EXCLUSIVE none"]),
    (
        "ALTER TABLE app_user ALTER COLUMN amount TYPE numeric(12,2)",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN amount TYPE numeric(12,3)",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    ("ALTER TABLE app_user ALTER COLUMN amount TYPE numeric", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user ALTER COLUMN code TYPE bigint", ["app_user ACCESS EXCLUSIVE rewrite"]),
    (
        "ALTER TABLE app_user ALTER COLUMN created TYPE timestamptz",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN tags TYPE varchar(20)[]",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN name TYPE text USING lower(name)",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN name TYPE text USING name::text",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN unknown_col TYPE text",
        ["app_user ACCESS EXCLUSIVE rewrite"],
    ),
    # constraints
    ("ALTER TABLE app_user ADD CONSTRAINT c CHECK (code > 0)", ["app_user ACCESS EXCLUSIVE scan"]),
    (
        "ALTER TABLE app_user ADD CONSTRAINT c CHECK (code > 0) NOT VALID",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES app_user (id)",
        ["orders SHARE ROW EXCLUSIVE scan", "app_user SHARE ROW EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (user_id) REFERENCES app_user NOT VALID",
        ["orders SHARE ROW EXCLUSIVE none", "app_user SHARE ROW EXCLUSIVE none"],
    ),
    ("ALTER TABLE app_user VALIDATE CONSTRAINT c", ["app_user SHARE UPDATE EXCLUSIVE scan"]),
    (
        "ALTER TABLE audit.events VALIDATE CONSTRAINT events_user_fk",
        ["audit.events SHARE UPDATE EXCLUSIVE scan", "app_user ROW SHARE none"],
    ),
    ("ALTER TABLE app_user ADD UNIQUE (email)", ["app_user ACCESS EXCLUSIVE index build"]),
    (
        "ALTER TABLE app_user ADD CONSTRAINT pk PRIMARY KEY (id)",
        ["app_user ACCESS EXCLUSIVE index build"],
    ),
    (
        "ALTER TABLE app_user ADD CONSTRAINT u UNIQUE USING INDEX i",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ADD CONSTRAINT x EXCLUDE USING gist (code WITH =)",
        ["app_user ACCESS EXCLUSIVE index build"],
    ),
    (
        "ALTER TABLE audit.events DROP CONSTRAINT events_user_fk",
        ["audit.events ACCESS EXCLUSIVE none", "app_user ACCESS EXCLUSIVE none"],
    ),
    # triggers, row level security, options
    ("ALTER TABLE app_user ENABLE TRIGGER ALL", ["app_user SHARE ROW EXCLUSIVE none"]),
    ("ALTER TABLE app_user DISABLE TRIGGER t", ["app_user SHARE ROW EXCLUSIVE none"]),
    ("ALTER TABLE app_user ENABLE ROW LEVEL SECURITY", ["app_user ACCESS EXCLUSIVE none"]),
    (
        "ALTER TABLE app_user ALTER COLUMN code SET STATISTICS 500",
        ["app_user SHARE UPDATE EXCLUSIVE none"],
    ),
    ("ALTER TABLE app_user SET (fillfactor = 70)", ["app_user SHARE UPDATE EXCLUSIVE none"]),
    (
        "ALTER TABLE app_user SET (autovacuum_enabled = false)",
        ["app_user SHARE UPDATE EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user CLUSTER ON idx_app_user_active",
        ["app_user SHARE UPDATE EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user ALTER COLUMN name SET STORAGE EXTERNAL",
        ["app_user ACCESS EXCLUSIVE none"],
    ),
    # rewrites
    ("ALTER TABLE app_user SET LOGGED", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("ALTER TABLE app_user SET UNLOGGED", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("ALTER TABLE app_user SET ACCESS METHOD heap2", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("ALTER TABLE app_user SET TABLESPACE fast", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("ALTER INDEX idx_app_user_active SET TABLESPACE fast", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("VACUUM FULL app_user", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("VACUUM (FULL false) app_user", ["app_user SHARE UPDATE EXCLUSIVE scan"]),
    ("VACUUM app_user", ["app_user SHARE UPDATE EXCLUSIVE scan"]),
    ("ANALYZE app_user", ["app_user SHARE UPDATE EXCLUSIVE none"]),
    ("CLUSTER app_user USING idx_app_user_active", ["app_user ACCESS EXCLUSIVE rewrite"]),
    ("CLUSTER", []),
    # the strongest sub-command wins, the slowest gives the effect
    (
        "ALTER TABLE app_user ALTER COLUMN code SET STATISTICS 10, ALTER COLUMN name SET NOT NULL",
        ["app_user ACCESS EXCLUSIVE scan"],
    ),
    (
        "ALTER TABLE app_user VALIDATE CONSTRAINT c, ENABLE TRIGGER ALL",
        ["app_user SHARE ROW EXCLUSIVE scan"],
    ),
    # partitions
    (
        "ALTER TABLE app_user ATTACH PARTITION app_user_2024 FOR VALUES FROM (1) TO (2)",
        ["app_user SHARE UPDATE EXCLUSIVE none", "app_user_2024 ACCESS EXCLUSIVE scan"],
    ),
    (
        "ALTER TABLE app_user DETACH PARTITION app_user_2024",
        ["app_user ACCESS EXCLUSIVE none", "app_user_2024 ACCESS EXCLUSIVE none"],
    ),
    (
        "ALTER TABLE app_user DETACH PARTITION app_user_2024 CONCURRENTLY",
        ["app_user SHARE UPDATE EXCLUSIVE none", "app_user_2024 SHARE UPDATE EXCLUSIVE none"],
    ),
    (
        "CREATE TABLE app_user_2025 PARTITION OF app_user FOR VALUES FROM (2) TO (3)",
        ["app_user_2025 ACCESS EXCLUSIVE none (new)", "app_user ACCESS EXCLUSIVE none"],
    ),
    # CREATE TABLE and its foreign keys
    (
        "CREATE TABLE tasks (id int, owner uuid REFERENCES app_user, o bigint, "
        "FOREIGN KEY (o) REFERENCES orders (id), parent int REFERENCES tasks)",
        [
            "tasks ACCESS EXCLUSIVE none (new)",
            "app_user SHARE ROW EXCLUSIVE none",
            "orders SHARE ROW EXCLUSIVE none",
        ],
    ),
    ("CREATE TABLE IF NOT EXISTS app_user (id uuid REFERENCES orders)", []),
    (
        "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (a_id int REFERENCES a)",
        ["b ACCESS EXCLUSIVE none (new)", "a SHARE ROW EXCLUSIVE none (new)"],
    ),
    # triggers and policies
    (
        "CREATE TRIGGER t AFTER INSERT ON app_user FOR EACH ROW EXECUTE FUNCTION f()",
        ["app_user SHARE ROW EXCLUSIVE none"],
    ),
    ("DROP TRIGGER IF EXISTS t ON audit.events", ["audit.events ACCESS EXCLUSIVE none"]),
    ("CREATE POLICY p ON app_user USING (true)", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER POLICY p ON app_user USING (false)", ["app_user ACCESS EXCLUSIVE none"]),
    ("DROP POLICY p ON app_user", ["app_user ACCESS EXCLUSIVE none"]),
    # materialized views and views
    ("REFRESH MATERIALIZED VIEW daily", ["daily ACCESS EXCLUSIVE rewrite"]),
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY daily", ["daily EXCLUSIVE scan"]),
    (
        "CREATE MATERIALIZED VIEW m AS SELECT * FROM orders JOIN app_user ON true",
        ["m ACCESS EXCLUSIVE none (new)", "orders ACCESS SHARE none", "app_user ACCESS SHARE none"],
    ),
    (
        "CREATE VIEW v AS WITH o AS (SELECT 1) SELECT * FROM o, orders",
        ["v ACCESS EXCLUSIVE none (new)", "orders ACCESS SHARE none"],
    ),
    # data changes
    ("UPDATE app_user SET active = true", ["app_user ROW EXCLUSIVE all rows"]),
    (
        "UPDATE app_user SET active = true WHERE id = '00000000-0000-0000-0000-000000000000'",
        ["app_user ROW EXCLUSIVE none"],
    ),
    ("DELETE FROM orders", ["orders ROW EXCLUSIVE all rows"]),
    ("DELETE FROM orders WHERE true", ["orders ROW EXCLUSIVE all rows"]),
    ("INSERT INTO orders (id) VALUES (1)", ["orders ROW EXCLUSIVE none"]),
    ("CREATE TABLE t (x int); UPDATE t SET x = 1", ["t ROW EXCLUSIVE all rows (new)"]),
    # other commands
    ("TRUNCATE app_user", ["app_user ACCESS EXCLUSIVE none"]),
    (
        "TRUNCATE app_user CASCADE",
        [
            "app_user ACCESS EXCLUSIVE none",
            "orders ACCESS EXCLUSIVE none",
            "audit.events ACCESS EXCLUSIVE none",
        ],
    ),
    ("DROP TABLE orders", ["orders ACCESS EXCLUSIVE none", "app_user ACCESS EXCLUSIVE none"]),
    ("DROP VIEW IF EXISTS some_view", ["some_view ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user RENAME TO users", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER TABLE app_user RENAME COLUMN name TO full_name", ["app_user ACCESS EXCLUSIVE none"]),
    ("ALTER INDEX idx_app_user_active RENAME TO i2", ["app_user SHARE UPDATE EXCLUSIVE none"]),
    ("LOCK TABLE app_user, orders IN SHARE MODE", ["app_user SHARE none", "orders SHARE none"]),
    ("LOCK app_user", ["app_user ACCESS EXCLUSIVE none"]),
    ("COMMENT ON COLUMN app_user.name IS 'x'", ["app_user SHARE UPDATE EXCLUSIVE none"]),
    ("COMMENT ON TABLE audit.events IS 'x'", ["audit.events SHARE UPDATE EXCLUSIVE none"]),
    ("COMMENT ON FUNCTION f() IS 'x'", []),
    ("CREATE TYPE mood AS ENUM ('a')", []),
    ("SELECT 1", []),
    ('ALTER TABLE "Weird Name" ADD COLUMN x int', ['"Weird Name" ACCESS EXCLUSIVE none']),
]


@pytest.mark.parametrize(("sql", "expected"), CASES, ids=[c[0][:60] for c in CASES])
def test_statement_locks(sql: str, expected: list[str]) -> None:
    locks, _ = _locks(sql)
    assert [_shown(lock) for lock in locks] == expected


def test_lock_modes_follow_postgresql() -> None:
    assert LockMode.ACCESS_EXCLUSIVE.pg_name == "ACCESS EXCLUSIVE"
    assert sorted(LockMode)[0] is LockMode.ACCESS_SHARE
    assert [m.blocks_reads for m in LockMode] == [False] * 7 + [True]
    blocks_writes = [m for m in LockMode if m.blocks_writes]
    assert blocks_writes == [
        LockMode.SHARE,
        LockMode.SHARE_ROW_EXCLUSIVE,
        LockMode.EXCLUSIVE,
        LockMode.ACCESS_EXCLUSIVE,
    ]
    # the conflict table is symmetric; SHARE does not conflict with itself, SUE does
    for a in LockMode:
        for b in LockMode:
            assert a.conflicts_with(b) == b.conflicts_with(a)
    assert not LockMode.SHARE.conflicts_with(LockMode.SHARE)
    assert LockMode.SHARE_UPDATE_EXCLUSIVE.conflicts_with(LockMode.SHARE_UPDATE_EXCLUSIVE)
    assert LockMode.ROW_EXCLUSIVE.conflicts_with(LockMode.SHARE)
    assert not LockMode.ROW_EXCLUSIVE.conflicts_with(LockMode.ROW_EXCLUSIVE)


def test_alter_table_lock_names_its_subcommand() -> None:
    locks, _ = _locks(
        "ALTER TABLE app_user ADD COLUMN x int, ALTER COLUMN name SET NOT NULL, DROP COLUMN code"
    )
    assert len(locks) == 1
    assert locks[0].subcommand == 1
    assert locks[0].effect is Effect.SCAN
    assert "SET NOT NULL" in locks[0].why


def test_unknown_index_reports_the_index() -> None:
    locks, _ = _locks("DROP INDEX unknown_idx")
    assert not locks[0].table_known
    assert locks[0].target == "the table of index `unknown_idx`"
    assert locks[0].index == ("public", "unknown_idx")


def test_reindex_blocks_reads_through_the_index() -> None:
    locks, _ = _locks("REINDEX INDEX idx_app_user_active")
    assert locks[0].mode is LockMode.SHARE
    assert locks[0].index_mode is LockMode.ACCESS_EXCLUSIVE
    assert locks[0].blocks_reads


def test_versions() -> None:
    locks, _ = _locks("ALTER TABLE app_user ADD COLUMN x int DEFAULT 0", pg_version=10)
    assert locks[0].effect is Effect.REWRITE
    locks, _ = _locks("ALTER TABLE app_user ATTACH PARTITION p FOR VALUES IN (1)", pg_version=11)
    assert locks[0].mode is LockMode.ACCESS_EXCLUSIVE


def test_describe_for_hover() -> None:
    locks, _ = _locks("ALTER TABLE app_user ALTER COLUMN name SET NOT NULL")
    text = locks[0].describe()
    assert text.startswith("ACCESS EXCLUSIVE on `app_user`: blocks reads and writes")
    assert "scans the whole table" in text


def test_display_name() -> None:
    assert display_name(("public", "t")) == "t"
    assert display_name(("audit", "User")) == 'audit."User"'


ODD_TREES: list[dict[str, object]] = [
    {"AlterTableStmt": {"relation": {"relname": "t"}, "cmds": [{"AlterTableCmd": {}}, {}]}},
    {"AlterTableStmt": {"cmds": [{"AlterTableCmd": {"subtype": "AT_AddColumn"}}]}},
    {"AlterTableStmt": {"relation": {"relname": "t"}, "objtype": "OBJECT_INDEX", "cmds": None}},
    {"DropStmt": {"removeType": "OBJECT_INDEX", "objects": [{"List": {}}, {"Other": {}}]}},
    {"DropStmt": {"removeType": "OBJECT_TRIGGER", "objects": [{"List": {"items": []}}]}},
    {"CreateStmt": {"tableElts": [{"Constraint": {"contype": "CONSTR_FOREIGN"}}]}},
    {"LockStmt": {"relations": [{"RangeVar": {"relname": "t"}}], "mode": 42}},
    {"ReindexStmt": {"kind": "REINDEX_OBJECT_INDEX"}},
    {"VacuumStmt": {"options": [{"DefElem": {"defname": "full", "arg": {"Float": {}}}}]}},
    {"CommentStmt": {"objtype": "OBJECT_COLUMN", "object": {"List": {"items": []}}}},
    {"UpdateStmt": {}},
]


@pytest.mark.parametrize("node", ODD_TREES, ids=[next(iter(n)) for n in ODD_TREES])
def test_never_crashes_on_odd_trees(node: dict[str, object]) -> None:
    statement = parse_sql("SELECT 1").statements[0]
    statement.node = node
    catalog = Catalog()
    file = SourceFile(Path("m.sql"), "SELECT 1")
    migration = Migration(tool=Tool.PLAIN, version="1", name="odd", files=(file,))
    context = MigrationContext(migration, catalog, 16, builtins_for(16))
    assert isinstance(statement_locks(statement, context), list)


def test_lock_limit_is_merged_per_table() -> None:
    locks, statement = _locks(
        "ALTER TABLE orders ADD COLUMN a int, ADD COLUMN b int DEFAULT random()"
    )
    assert statement.kind == "AlterTableStmt"
    assert [(lock.name, lock.effect, lock.subcommand) for lock in locks] == [
        ("orders", Effect.REWRITE, 1)
    ]
