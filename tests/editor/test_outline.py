"""The outline (document symbols) and folding ranges of migration files."""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.editor.outline import Fold, Symbol, document_symbols, folding_ranges
from pgmig_lsp.migrations.model import Tool
from pgmig_lsp.source import Span
from tests.editor.build import dbmate, load

DBMATE = """\
-- migrate:up
-- ünïcödé 日本語 before the first statement
CREATE TABLE public.orders (
  id bigint PRIMARY KEY,
  created_at timestamptz NOT NULL
);
ALTER TABLE app_user ADD COLUMN email text, ALTER COLUMN email SET NOT NULL;
CREATE INDEX CONCURRENTLY orders_created_idx ON orders (created_at);

-- migrate:down
DROP INDEX orders_created_idx;
DROP TABLE public.orders;
"""


def _text(text: str, span: Span) -> str:
    return text[span.start : span.end]


def _rows(text: str, symbols: list[Symbol] | tuple[Symbol, ...]) -> list[tuple[str, str, str]]:
    return [(s.name, s.kind, _text(text, s.selection)) for s in symbols]


def _walk(symbols: list[Symbol] | tuple[Symbol, ...]) -> list[Symbol]:
    out: list[Symbol] = []
    for symbol in symbols:
        out.append(symbol)
        out.extend(_walk(symbol.children))
    return out


def test_dbmate_sections_hold_their_statements(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, DBMATE)
    symbols = document_symbols(migration, path)
    assert _rows(DBMATE, symbols) == [
        ("up", "section", "-- migrate:up"),
        ("down", "section", "-- migrate:down"),
    ]
    up, down = symbols
    assert _rows(DBMATE, up.children) == [
        ("CREATE TABLE public.orders", "table", "public.orders"),
        ("ALTER TABLE app_user: ADD COLUMN email, SET NOT NULL", "table", "app_user"),
        (
            "CREATE INDEX CONCURRENTLY orders_created_idx ON orders",
            "index",
            "orders_created_idx",
        ),
    ]
    assert _rows(DBMATE, down.children) == [
        ("DROP INDEX orders_created_idx", "index", "orders_created_idx"),
        ("DROP TABLE public.orders", "table", "public.orders"),
    ]
    # the statement's range is its text (code points, after the non-ASCII comment), no ";"
    assert _text(DBMATE, up.children[1].span) == (
        "ALTER TABLE app_user ADD COLUMN email text, ALTER COLUMN email SET NOT NULL"
    )
    assert _text(DBMATE, up.span).startswith("-- migrate:up\n")
    assert _text(DBMATE, up.span).endswith("(created_at);")
    assert _text(DBMATE, down.span) == (
        "-- migrate:down\nDROP INDEX orders_created_idx;\nDROP TABLE public.orders;"
    )
    assert up.detail == "in transaction"
    assert {child.detail for child in up.children} == {"in transaction"}


def test_selection_lies_inside_span(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        'CREATE UNIQUE INDEX "Odd Idx" ON s.orders (a);\n'
        "CREATE OR REPLACE FUNCTION s.f() RETURNS int LANGUAGE sql AS $$ select 1 $$;\n"
        "CREATE TYPE mood AS ENUM ('a');\n"
        "CREATE TRIGGER trg BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
        "CREATE POLICY pol ON t USING (true);\n"
        "CREATE SCHEMA IF NOT EXISTS app;\n"
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n"
        "CREATE SEQUENCE seq1;\n"
        "CREATE VIEW v AS SELECT 1;\n"
        "SET LOCAL lock_timeout = '2s';\n"
        "DROP TRIGGER trg ON t;\n"
        "-- migrate:down\n"
    )
    migration, path = dbmate(tmp_path, text)
    symbols = document_symbols(migration, path)
    assert _rows(text, symbols[0].children) == [
        ('CREATE UNIQUE INDEX "Odd Idx" ON s.orders', "index", '"Odd Idx"'),
        ("CREATE OR REPLACE FUNCTION s.f", "function", "s.f"),
        ("CREATE TYPE mood AS ENUM", "type", "mood"),
        ("CREATE TRIGGER trg ON t", "trigger", "trg"),
        ("CREATE POLICY pol ON t", "policy", "pol"),
        ("CREATE SCHEMA app", "schema", "app"),
        ("CREATE EXTENSION pgcrypto", "extension", "pgcrypto"),
        ("CREATE SEQUENCE seq1", "sequence", "seq1"),
        ("CREATE VIEW v", "view", "v"),
        ("SET LOCAL lock_timeout", "statement", "SET"),
        ("DROP TRIGGER trg ON t", "trigger", "trg"),
    ]
    for symbol in _walk(symbols):
        assert symbol.span.start <= symbol.selection.start <= symbol.selection.end
        assert symbol.selection.end <= symbol.span.end


def test_golang_migrate_pair_gives_the_symbols_of_the_asked_file_only(tmp_path: Path) -> None:
    up = "CREATE TABLE t (a int);\nCREATE INDEX i ON t (a);\n"
    down = "DROP TABLE t;\n"
    migration = load(
        tmp_path,
        {"000001_init.up.sql": up, "000001_init.down.sql": down},
        Tool.GOLANG_MIGRATE,
    )
    up_symbols = document_symbols(migration, tmp_path / "000001_init.up.sql")
    assert [(s.name, [c.name for c in s.children]) for s in up_symbols] == [
        ("up (000001_init.up.sql)", ["CREATE TABLE t", "CREATE INDEX i ON t"])
    ]
    # two statements in one query string: PostgreSQL's implicit transaction
    assert up_symbols[0].detail == "in transaction"
    down_symbols = document_symbols(migration, tmp_path / "000001_init.down.sql")
    assert [(s.name, [c.name for c in s.children]) for s in down_symbols] == [
        ("down (000001_init.down.sql)", ["DROP TABLE t"])
    ]
    assert down_symbols[0].detail == "outside transaction"
    assert _text(down, down_symbols[0].children[0].span) == "DROP TABLE t"
    assert document_symbols(migration, tmp_path / "elsewhere.sql") == []


def test_half_typed_statement_is_a_statement(tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE TABLE t (a int);\nALTER TABLE t ADD\n"
    migration, path = dbmate(tmp_path, text)
    [up] = document_symbols(migration, path)
    assert [(c.name, c.kind, c.detail) for c in up.children] == [
        ("CREATE TABLE t", "table", "in transaction"),
        ("ALTER TABLE t ADD", "statement", "syntax error"),
    ]
    broken = up.children[1]
    assert _text(text, broken.span) == "ALTER TABLE t ADD"
    assert _text(text, broken.selection) == "ALTER"


def test_syntax_error_in_the_middle_keeps_the_statements_around_it(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "-- 日本語\n"
        "CREATE TABLE a (x int);\n"
        "CREATE TABLE b (x int,, y int);\n"
        "CREATE INDEX a_x ON a (x);\n"
        "-- migrate:down\n"
        "DROP TABLE a;\n"
    )
    migration, path = dbmate(tmp_path, text)
    up, down = document_symbols(migration, path)
    assert [(c.name, c.detail) for c in up.children] == [
        ("CREATE TABLE a", "in transaction"),
        ("CREATE TABLE b (x int,, y int)", "syntax error"),
        ("CREATE INDEX a_x ON a", "in transaction"),
    ]
    assert _text(text, up.children[2].selection) == "a_x"
    assert [c.name for c in down.children] == ["DROP TABLE a"]


def test_empty_files(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, "")
    assert document_symbols(migration, path) == []
    assert folding_ranges(migration, path) == []
    empty_up = load(tmp_path, {"000002_empty.up.sql": ""}, Tool.GOLANG_MIGRATE)
    [section] = document_symbols(empty_up, tmp_path / "000002_empty.up.sql")
    assert (section.name, section.children, section.span) == ("up", (), Span(0, 0))


def test_goose_sections_and_statement_blocks(tmp_path: Path) -> None:
    text = (
        "-- +goose Up\n"
        "-- +goose StatementBegin\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n"
        "  RETURN NEW;\n"
        "END;\n"
        "$$;\n"
        "-- +goose StatementEnd\n"
        "-- +goose Down\n"
        "DROP FUNCTION f();\n"
    )
    migration = load(tmp_path, {"00001_f.sql": text}, Tool.GOOSE)
    symbols = document_symbols(migration, tmp_path / "00001_f.sql")
    assert _rows(text, symbols) == [
        ("up", "section", "-- +goose Up"),
        ("down", "section", "-- +goose Down"),
    ]
    assert [c.name for c in symbols[0].children] == ["CREATE FUNCTION f"]
    assert _text(text, symbols[0].children[0].selection) == "f"


def test_folding_ranges(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"  # 0
        "-- one\n"  # 1
        "-- two\n"  # 2
        "-- three\n"  # 3
        "CREATE TABLE t (\n"  # 4
        "  a int\n"  # 5
        ");\n"  # 6
        "-- only\n"  # 7
        "-- two lines\n"  # 8
        "CREATE INDEX i\n"  # 9
        "  ON t (a);\n"  # 10
        "\n"  # 11
        "-- migrate:down\n"  # 12
        "DROP TABLE t;\n"  # 13
    )
    migration, path = dbmate(tmp_path, text)
    assert folding_ranges(migration, path) == [
        Fold(0, 10, "region"),
        Fold(1, 3, "comment"),
        Fold(4, 6, "region"),
        Fold(12, 13, "region"),
    ]


def test_folding_a_half_typed_statement(tmp_path: Path) -> None:
    text = "-- migrate:up\nSELECT 1;\nALTER TABLE t\n  ADD\n  COLUMN\n  ;\n"
    migration, path = dbmate(tmp_path, text)
    assert folding_ranges(migration, path) == [Fold(0, 5), Fold(2, 4)]
