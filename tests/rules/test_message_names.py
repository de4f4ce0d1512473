"""Names in messages are written as SQL needs them: a user copies them into the fix."""

from __future__ import annotations

from pathlib import Path

from tests.rules.harness import dbmate_text, run

_HISTORY = """
CREATE SCHEMA "1";
CREATE TABLE "1".mappings (id bigint PRIMARY KEY);
CREATE TABLE "EventInput" (id bigint PRIMARY KEY, "Kind" text, old_kind text);
"""

_CHANGE = """
CREATE TABLE "1".submissions (id bigint PRIMARY KEY, mapping bigint REFERENCES "1".mappings (id));
CREATE TABLE public."Customers" (name text);
CREATE TABLE public."Orders" (id integer PRIMARY KEY);
CREATE TYPE "Role_new" AS ENUM ('user');
CREATE UNIQUE INDEX "Team.slug_unique" ON "EventInput" (old_kind);
ALTER TABLE "EventInput" ALTER COLUMN "Kind" TYPE "Role_new" USING ("Kind"::text::"Role_new");
ALTER TABLE "EventInput" RENAME COLUMN "Kind" TO "KindOld";
ALTER TABLE "EventInput" ALTER COLUMN old_kind SET NOT NULL;
ALTER TABLE "EventInput" DROP COLUMN "KindOld";
"""


def test_mixed_case_and_odd_names_are_quoted(tmp_path: Path) -> None:
    files = {
        "20240101000000_history.sql": dbmate_text(_HISTORY, "SELECT 1;"),
        "20240102000000_change.sql": dbmate_text(_CHANGE, "SELECT 1;"),
    }
    rules = [
        "unindexed-foreign-key",
        "table-without-primary-key",
        "rename-column",
        "set-not-null",
        "drop-column",
        "prefer-bigint",
        "column-type-change",
        "require-concurrent-index",
    ]
    outcome = run(tmp_path, files, main="20240102000000_change.sql", select=rules)
    messages = {f.rule: f.message for f in outcome.findings}
    assert 'on `"1".mappings` scans `"1".submissions`' in messages["unindexed-foreign-key"]
    assert messages["table-without-primary-key"].startswith('`"Customers"` has no primary key')
    assert 'Renaming `"EventInput"."Kind"` to `"KindOld"`' in messages["rename-column"]
    assert 'scans all of `"EventInput"`' in messages["set-not-null"]
    assert 'removes `"EventInput"."KindOld"`' in messages["drop-column"]
    assert 'is the primary key of `"Orders"`' in messages["prefer-bigint"]
    assert 'ALTER COLUMN "Kind" TYPE "Role_new" USING' in messages["column-type-change"]
    assert 'takes a SHARE lock on `"EventInput"`' in messages["require-concurrent-index"]
