"""Checking again after an edit resumes from a checkpoint and finds exactly what a full check
finds: random edits on every fixture migration, and one case per rule that reads further down
its section than the statement it checks."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from pgmig_lsp.analysis import Analysis, analyze, select_rules
from pgmig_lsp.checkpoints import AnalysisMemory
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding
from pgmig_lsp.migrations.discover import load_file
from pgmig_lsp.migrations.model import Tool

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(
    path
    for folder in (ROOT / "tests" / "fixtures", ROOT / "examples")
    for path in folder.rglob("*.sql")
    if "queries" not in path.parts
)
SETTINGS = Settings()
SELECTION = select_rules(SETTINGS)

#: what the random edits type: statements that change what earlier statements' checks see
SNIPPETS = (
    "CREATE TYPE mood AS ENUM ('sad', 'happy');\n",
    "CREATE TABLE later_table (id bigint PRIMARY KEY, m mood);\n",
    "CREATE EXTENSION IF NOT EXISTS citext;\n",
    "ALTER TABLE users ENABLE ROW LEVEL SECURITY;\n",
    "CREATE POLICY p ON users USING (true);\n",
    "-- pgmig: irreversible\n",
    "CREATE INDEX CONCURRENTLY users_x_idx ON users (x);\n",
    "DROP INDEX users_x_idx;\n",
    "SELEC broken;\n",
    "BEGIN;\n",
    "COMMIT;\n",
    "ALTER TABLE users ADD COLUMN x integer;\n",
    "ALTER TABLE users RENAME TO people;\n",
    "DROP TABLE users;\n",
    "SET search_path TO app;\n",
    "-- migrate:down\n",
    "\n",
    ";",
    "x",
)


def check(
    path: Path, text: str, memory: AnalysisMemory | None, tool: Tool | None = None
) -> Analysis:
    migration = load_file(path, text=text, tool=tool)
    assert migration is not None
    return analyze(migration, SETTINGS, selection=SELECTION, memory=memory)


def shown(findings: list[Finding]) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.span.start, f.span.end, f.message) for f in findings]


def assert_same_as_full(
    path: Path, text: str, memory: AnalysisMemory, tool: Tool | None = None
) -> Analysis:
    resumed = check(path, text, memory, tool)
    full = check(path, text, None, tool)
    assert shown(resumed.findings) == shown(full.findings)
    assert [f.fix for f in resumed.findings] == [f.fix for f in full.findings]
    assert resumed.after_up.differences(full.after_up) == (set(), set(), set(), set(), set())
    return resumed


def _edit(rng: random.Random, text: str) -> str:
    choice = rng.random()
    if choice < 0.55:
        lines = text.splitlines(keepends=True)
        at = rng.randrange(len(lines) + 1)
        return "".join([*lines[:at], rng.choice(SNIPPETS), *lines[at:]])
    at = rng.randrange(len(text) + 1)
    if choice < 0.8:
        return text[:at] + rng.choice(SNIPPETS)[: rng.randrange(1, 12)] + text[at:]
    return text[:at] + text[at + rng.randrange(1, 40) :]


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_random_edits_resume_to_what_a_full_check_finds(path: Path) -> None:
    rng = random.Random(path.name)
    text = path.read_text(encoding="utf-8")
    memory = AnalysisMemory(spacing=1)
    check(path, text, memory)
    for _ in range(30):
        text = _edit(rng, text)
        assert_same_as_full(path, text, memory)
    assert memory.resumed > 0


FILLER = "".join(f"CREATE TABLE filler_{n} (id bigint PRIMARY KEY);\n" for n in range(6))


def _resume_then_compare(
    path: Path, text: str, edited: str, tool: Tool | None = None
) -> tuple[Analysis, Analysis, AnalysisMemory]:
    memory = AnalysisMemory(spacing=2)
    before = check(path, text, memory, tool)
    after = assert_same_as_full(path, edited, memory, tool)
    return before, after, memory


def rules_of(analysis: Analysis) -> list[str]:
    return [finding.rule for finding in analysis.findings]


def test_appending_to_a_long_migration_checks_only_the_end(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_long.sql"
    body = "".join(
        f"CREATE TABLE t{n} (id int PRIMARY KEY);\nCREATE INDEX t{n}_idx ON t{n} (id);\n"
        for n in range(40)
    )
    text = f"-- migrate:up\n{body}-- migrate:down\n"
    memory = AnalysisMemory()
    check(path, text, memory)
    assert_same_as_full(path, text + "-- edited\n", memory)
    assert memory.resumed == 1
    assert memory.skipped == 80  # every up statement: only the down section is checked again
    assert_same_as_full(
        path,
        text.replace("-- migrate:down", "ALTER TABLE t1 ADD COLUMN c int;\n-- migrate:down"),
        memory,
    )
    assert memory.resumed == 2
    assert memory.skipped >= 80 + 64  # the last checkpoint of the up section


def test_a_type_created_further_down_is_seen_by_earlier_checks(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_types.sql"
    text = (
        f"-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY, m mood);\n{FILLER}-- migrate:down\n"
    )
    edited = text.replace(FILLER, FILLER + "CREATE TYPE mood AS ENUM ('sad');\n")
    before, after, memory = _resume_then_compare(path, text, edited)
    assert "undefined-object" not in rules_of(before)  # unknown types may exist already
    assert any("line 9" in f.message for f in after.findings if f.rule == "undefined-object")
    # the first statement's check read further down: checked again from the section's start
    assert memory.skipped == 0


def test_a_second_statement_puts_the_first_in_an_implicit_transaction(tmp_path: Path) -> None:
    path = tmp_path / "migrations" / "000001_index.up.sql"
    text = "CREATE INDEX CONCURRENTLY a_idx ON a (id);\n"
    edited = text + "SELECT 1;\n"
    before, after, _ = _resume_then_compare(path, text, edited, Tool.GOLANG_MIGRATE)
    assert "concurrently-in-transaction" not in rules_of(before)
    assert "concurrently-in-transaction" in rules_of(after)


def test_enabling_row_level_security_further_down_silences_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_rls.sql"
    text = (
        "-- migrate:up\nCREATE TABLE notes (id bigint PRIMARY KEY);\n"
        f"CREATE POLICY p ON notes USING (true);\n{FILLER}-- migrate:down\n"
    )
    edited = text.replace(FILLER, FILLER + "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n")
    before, after, _ = _resume_then_compare(path, text, edited)
    assert "policy-without-rls" in rules_of(before)
    assert "policy-without-rls" not in rules_of(after)


def test_marking_the_migration_irreversible_at_the_end(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_irreversible.sql"
    text = (
        "-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY);\n"
        f"ALTER TABLE a ADD COLUMN b int;\n{FILLER}-- migrate:down\nSELECT 1;\n"
    )
    edited = text + "-- pgmig: irreversible\n"
    before, after, _ = _resume_then_compare(path, text, edited)
    assert rules_of(before) != rules_of(after)


def test_a_syntax_error_further_down_the_down_section(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_down.sql"
    down = "".join(f"DROP TABLE filler_{n};\n" for n in range(6))
    text = (
        "-- migrate:up\nCREATE TABLE a (id bigint PRIMARY KEY);\n"
        "CREATE VIEW v AS SELECT id FROM a;\n"
        f"{FILLER}-- migrate:down\nDROP TABLE a;\n{down}DROP VIEW v;\n"
    )
    edited = text + "SELEC broken;\n"
    before, after, _ = _resume_then_compare(path, text, edited)
    assert "down-order" in rules_of(before)
    assert "down-order" not in rules_of(after)


def test_statements_outside_a_transaction_can_fail_half_way(tmp_path: Path) -> None:
    path = tmp_path / "migrations" / "00001_tables.sql"
    text = (
        "-- +goose Up\n-- +goose NO TRANSACTION\n"
        "CREATE TABLE a (id bigint PRIMARY KEY);\nSET lock_timeout = '1s';\n"
    )
    edited = text + "CREATE TABLE b (id bigint PRIMARY KEY);\n"
    before, after, _ = _resume_then_compare(path, text, edited, Tool.GOOSE)
    assert "non-idempotent-statement" not in rules_of(before)
    assert "non-idempotent-statement" in rules_of(after)


def test_a_checkpoint_survives_typing_a_statement_that_does_not_parse_yet(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_typing.sql"
    text = f"-- migrate:up\n{FILLER}{FILLER.replace('filler', 'more')}-- migrate:down\n"
    memory = AnalysisMemory(spacing=4)
    check(path, text, memory)
    typed = "ALTER TABLE filler_1 ADD COLUMN note text NOT NULL DEFAULT 'x';"
    for end in range(1, len(typed) + 1):
        partial = text.replace("-- migrate:down", typed[:end] + "\n-- migrate:down")
        assert_same_as_full(path, partial, memory)
    assert memory.resumed == len(typed)


def test_a_rule_failing_to_resume_makes_the_check_start_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgmig_lsp.rules.undefined_object import UndefinedObject

    def broken(self: object, section: object, position: int) -> bool:
        raise RuntimeError("resume bug")

    path = tmp_path / "db" / "migrations" / "20240101000000_broken.sql"
    text = f"-- migrate:up\n{FILLER}-- migrate:down\n"
    memory = AnalysisMemory(spacing=2)
    check(path, text, memory)
    monkeypatch.setattr(UndefinedObject, "resume", broken)
    edited = text.replace("-- migrate:down", "CREATE TABLE t (id int);\n-- migrate:down")
    resumed = check(path, edited, memory)
    assert shown(resumed.findings) == shown(check(path, edited, None).findings)
    assert any("resuming the check failed" in error for error in resumed.internal_errors)
    assert memory.resumed == 0


def test_a_long_section_gets_at_most_about_64_checkpoints(tmp_path: Path) -> None:
    path = tmp_path / "db" / "migrations" / "20240101000000_long.sql"
    body = "".join(f"CREATE TABLE t{n} (id int);\n" for n in range(16 * 200))
    memory = AnalysisMemory()
    check(path, f"-- migrate:up\n{body}-- migrate:down\n", memory)
    # a copy of the findings so far each: spread out, not one every 16 statements (200 of them)
    assert 32 <= len(memory.checkpoints) <= 66
