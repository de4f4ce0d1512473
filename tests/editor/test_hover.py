"""Hover: the performance impact of the statement under the cursor, and the findings there."""

from __future__ import annotations

import time
from pathlib import Path

import pglast
import pytest
from pglast import parser as pg

from pgmig_lsp.analysis import analyze_migration
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.config import Settings
from pgmig_lsp.editor import sections
from pgmig_lsp.editor.hover import HoverText, hover
from pgmig_lsp.migrations.model import Migration, Tool
from pgmig_lsp.rules.docs import rule_url
from tests.editor.build import at, dbmate, load

SETTINGS = Settings()


def _hover(migration: Migration, path: Path, offset: int, **kwargs: object) -> HoverText:
    found = hover(migration, path, offset, SETTINGS, **kwargs)  # type: ignore[arg-type]
    assert found is not None
    return found


def test_type_change_on_an_existing_table_rewrites_it(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "-- ünïcödé 日本語\n"
        "ALTER TABLE app_user ALTER COLUMN id TYPE bigint;\n"
        "-- migrate:down\n"
    )
    migration, path = dbmate(tmp_path, text)
    offset = at(text, "ALTER COLUMN")
    shown = _hover(migration, path, offset)
    assert text[shown.span.start : shown.span.end] == (
        "ALTER TABLE app_user ALTER COLUMN id TYPE bigint"
    )
    assert "**ACCESS EXCLUSIVE** on `app_user`: blocks reads and writes" in shown.markdown
    assert "rewrites the whole table" in shown.markdown
    assert "runs **inside a transaction**" in shown.markdown
    assert "**Safe alternative:** add a new column of the new type" in shown.markdown


def test_type_change_on_a_table_created_earlier_is_harmless(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "CREATE TABLE app_user (id int);\n"
        "ALTER TABLE app_user ALTER COLUMN id TYPE bigint;\n"
        "-- migrate:down\n"
        "DROP TABLE app_user;\n"
    )
    migration, path = dbmate(tmp_path, text)
    shown = _hover(migration, path, at(text, "ALTER COLUMN"))
    assert "**ACCESS EXCLUSIVE** on `app_user`: new in this migration" in shown.markdown
    assert "rewrite" not in shown.markdown
    assert "Safe alternative" not in shown.markdown


def test_known_history_decides_what_exists(tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE INDEX i ON orders (created_at);\n-- migrate:down\n"
    migration, path = dbmate(tmp_path, text)
    before = Catalog()
    shown = _hover(migration, path, at(text, "CREATE"), before=before)
    assert "**SHARE** on `orders`: blocks writes; reads go on" in shown.markdown
    assert "builds an index over the whole table" in shown.markdown
    assert "**Safe alternative:** `CREATE INDEX CONCURRENTLY`" in shown.markdown
    assert before.tables == {}  # the hover replays into a fork


def test_down_section_treats_tables_of_the_up_section_as_live(tmp_path: Path) -> None:
    up = "CREATE TABLE t (a int);\n"
    down = "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"
    migration = load(
        tmp_path,
        {"000001_t.down.sql": down, "000001_t.up.sql": up},
        Tool.GOLANG_MIGRATE,
    )
    shown = _hover(migration, tmp_path / "000001_t.down.sql", at(down, "TYPE"))
    assert "rewrites the whole table" in shown.markdown
    # a lone statement in a golang-migrate file: no transaction at all
    assert "runs **outside a transaction**" in shown.markdown
    assert "golang-migrate opens no transaction" in shown.markdown


def test_concurrently_inside_a_transaction_fails(tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE INDEX CONCURRENTLY i ON orders (a);\n-- migrate:down\n"
    migration, path = dbmate(tmp_path, text)
    shown = _hover(migration, path, at(text, "CONCURRENTLY"))
    assert "**SHARE UPDATE EXCLUSIVE** on `orders`" in shown.markdown
    assert "reads and writes go on" in shown.markdown
    assert "**fails as written:**" in shown.markdown
    assert "Safe alternative" not in shown.markdown


def test_brief_lock_suggests_a_lock_timeout_unless_one_is_set(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "ALTER TABLE t ADD COLUMN a int;\n"
        "SET LOCAL lock_timeout = '2s';\n"
        "ALTER TABLE t ADD COLUMN b int;\n"
        "-- migrate:down\n"
    )
    migration, path = dbmate(tmp_path, text)
    first = _hover(migration, path, at(text, "COLUMN a"))
    assert "no rewrite and no scan" in first.markdown
    assert "**Tip:**" in first.markdown and "lock_timeout" in first.markdown
    second = _hover(migration, path, at(text, "COLUMN b"))
    assert "**Tip:**" not in second.markdown


def test_whitespace_and_comments_give_nothing(tmp_path: Path) -> None:
    text = "-- migrate:up\n-- a comment\n\nCREATE TABLE t (a int);   \n\n-- migrate:down\n"
    migration, path = dbmate(tmp_path, text)
    assert hover(migration, path, at(text, "a comment"), SETTINGS) is None
    assert hover(migration, path, at(text, "\n\nCREATE", 1), SETTINGS) is None
    assert hover(migration, path, at(text, ";   ", 2), SETTINGS) is None
    # the statement's own ";" still belongs to it
    assert hover(migration, path, at(text, ";   "), SETTINGS) is not None
    assert hover(migration, tmp_path / "other.sql", 20, SETTINGS) is None


def test_findings_under_the_cursor_link_their_rule(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "-- 日本語\n"
        "ALTER TABLE app_user ALTER COLUMN email SET NOT NULL;\n"
        "-- migrate:down\n"
        "DROP TABLE app_user;\n"
    )
    migration, path = dbmate(tmp_path, text)
    findings = analyze_migration(migration, SETTINGS)
    shown = _hover(migration, path, at(text, "SET NOT NULL"), findings=findings)
    assert f"**[`set-not-null`]({rule_url('set-not-null')})** (warning)" in shown.markdown
    assert "Quick fix (unsafe, review it): *" in shown.markdown
    assert "scans the whole table" in shown.markdown
    # on the table name the set-not-null finding is not under the cursor
    on_name = _hover(migration, path, at(text, "app_user"), findings=findings)
    assert "set-not-null" not in on_name.markdown
    down = _hover(migration, path, at(text, "DROP TABLE"), findings=findings)
    assert f"[`down-not-idempotent`]({rule_url('down-not-idempotent')})" in down.markdown
    assert "Quick fix: *Add IF EXISTS*" in down.markdown


def test_a_half_typed_statement_shows_only_its_syntax_error(tmp_path: Path) -> None:
    text = "-- migrate:up\nCREATE TABLE t (a int);\nALTER TABLE t ADD\n-- migrate:down\n"
    migration, path = dbmate(tmp_path, text)
    assert hover(migration, path, at(text, "ALTER"), SETTINGS) is None
    findings = analyze_migration(migration, SETTINGS)
    error = next(f for f in findings if f.rule == "syntax-error")
    shown = _hover(migration, path, error.span.start, findings=findings)
    assert shown.span == error.span
    assert "syntax-error" in shown.markdown and "No automatic fix." in shown.markdown
    # the statements around a syntax error still get their hover
    around = _hover(migration, path, at(text, "CREATE"))
    assert around.markdown.startswith("**CREATE TABLE t** — performance impact")


def test_hover_on_a_long_file_parses_it_once_and_never_builds_the_ast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    statements = []
    for i in range(250):
        statements.append(f"CREATE TABLE t{i} (\n  id bigint PRIMARY KEY,\n  name text\n);")
        statements.append(f"ALTER TABLE old{i} ALTER COLUMN c TYPE bigint;")
    text = "-- migrate:up\n" + "\n".join(statements) + "\n-- migrate:down\nSELECT 1;\n"
    assert text.count("\n") > 1000
    migration, path = dbmate(tmp_path, text)
    parsed: list[object] = []
    real_parse = sections.parse_section
    monkeypatch.setattr(sections, "parse_section", lambda s: parsed.append(s) or real_parse(s))

    def no_ast(*args: object, **kwargs: object) -> None:
        raise AssertionError("pglast's Python AST was built")

    monkeypatch.setattr(pg, "parse_sql", no_ast)
    monkeypatch.setattr(pglast, "parse_sql", no_ast)
    offset = at(text, "ALTER TABLE old249")
    start = time.perf_counter()
    shown = _hover(migration, path, offset)
    elapsed = time.perf_counter() - start
    assert "**ACCESS EXCLUSIVE** on `old249`" in shown.markdown
    assert len(parsed) == 1  # the up section, once
    assert elapsed < 1.0, f"hover took {elapsed:.2f}s"
