"""Code actions: a finding's fix, ignore comments that really silence it, docs; fix-all; data."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.analysis import analyze_migration
from pgmig_lsp.config import Settings
from pgmig_lsp.editor.actions import Action, finding_actions, fix_all
from pgmig_lsp.editor.ignores import ignore_file
from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.fixes import apply_edits, chosen_fixes, fixed_texts
from pgmig_lsp.migrations.model import Migration, SectionKind, Tool
from pgmig_lsp.rules.docs import rule_url
from pgmig_lsp.source import SourceFile, Span
from tests.editor.build import dbmate, file_of, load

SETTINGS = Settings()

MIGRATION = """\
-- migrate:up
-- ünïcödé 日本語
CREATE INDEX i ON orders (a);
  ALTER TABLE app_user ALTER COLUMN email SET NOT NULL;

-- migrate:down
DROP INDEX i;
DROP TABLE app_user;
"""


def _finding(findings: list[Finding], rule: str, section: str | None = None) -> Finding:
    found = [f for f in findings if f.rule == rule and (section is None or f.section == section)]
    assert found, f"no {rule} finding in {[f.rule for f in findings]}"
    return found[0]


def _action(actions: list[Action], title: str) -> Action:
    [action] = [a for a in actions if a.title == title]
    return action


def _applied(text: str, path: Path, action: Action) -> str:
    return apply_edits(text, [edit for edit in action.edits if edit.path == path])


def _rules(migration: Migration) -> list[str]:
    return [f.rule for f in analyze_migration(migration, SETTINGS)]


def test_actions_come_in_order(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, MIGRATION)
    finding = _finding(analyze_migration(migration, SETTINGS), "set-not-null")
    actions = finding_actions(file_of(migration, path), finding)
    assert finding.fix is not None and not finding.fix.safe
    assert [(a.title, a.kind, a.preferred) for a in actions] == [
        (f"{finding.fix.title} (unsafe)", "quickfix", False),
        ("Ignore set-not-null for this statement", "quickfix", False),
        ("Ignore set-not-null for this file", "quickfix", False),
        ("Show documentation for set-not-null", "quickfix", False),
    ]
    assert actions[-1].url == rule_url("set-not-null") and actions[-1].edits == ()
    assert all(a.url is None for a in actions[:-1])
    fixed = _applied(MIGRATION, path, actions[0])
    assert "ALTER TABLE app_user ADD CONSTRAINT" in fixed and "NOT VALID" in fixed


def test_a_safe_fix_is_preferred(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, MIGRATION)
    finding = _finding(analyze_migration(migration, SETTINGS), "down-not-idempotent")
    [fix, *_] = finding_actions(file_of(migration, path), finding)
    assert (fix.title, fix.preferred) == ("Add IF EXISTS", True)
    assert "DROP INDEX IF EXISTS i;" in _applied(MIGRATION, path, fix)


@pytest.mark.parametrize(
    ("rule", "section", "up", "down", "comment_line"),
    [
        (
            "require-concurrent-index",
            "up",
            "-- ünïcödé 日本語\nCREATE INDEX i ON orders (a);",
            "DROP INDEX IF EXISTS i;",
            "-- pgmig-ignore: require-concurrent-index",
        ),
        (
            "set-not-null",
            "up",
            "SET LOCAL lock_timeout = '1s';\n  ALTER TABLE app_user ALTER COLUMN email SET NOT NULL;",
            "SELECT 1;",
            "  -- pgmig-ignore: set-not-null",
        ),
        (
            "down-not-idempotent",
            "down",
            "CREATE TABLE t (id bigint PRIMARY KEY);",
            "-- 日本語 ünïcödé\nDROP TABLE t;",
            "-- pgmig-ignore: down-not-idempotent",
        ),
    ],
)
def test_ignore_for_this_statement_silences_the_finding(
    tmp_path: Path, rule: str, section: str, up: str, down: str, comment_line: str
) -> None:
    text = f"-- migrate:up\n{up}\n\n-- migrate:down\n{down}\n"
    migration, path = dbmate(tmp_path, text)
    findings = analyze_migration(migration, SETTINGS)
    finding = _finding(findings, rule, section)
    action = _action(
        finding_actions(file_of(migration, path), finding), f"Ignore {rule} for this statement"
    )
    fixed = _applied(text, path, action)
    assert comment_line + "\n" in fixed
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert rule not in after
    assert "unused-ignore" not in after
    # nothing else changed: the comment silences that rule only
    assert sorted(after) == sorted(f.rule for f in findings if f.rule != rule)


def test_ignore_extends_the_comment_above_the_statement(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "-- pgmig-ignore: set-not-null -- reason: a tiny table\n"
        "-- (checked on 2024-01-01)\n"
        "ALTER TABLE app_user ALTER COLUMN email SET NOT NULL;\n"
        "-- migrate:down\n"
        "-- pgmig-ignore: cascade-drop\n"
        "DROP TABLE app_user CASCADE;\n"
    )
    migration, path = dbmate(tmp_path, text)
    findings = analyze_migration(migration, SETTINGS)
    assert "set-not-null" not in [f.rule for f in findings]
    file = file_of(migration, path)
    up = _action(
        finding_actions(file, _finding(findings, "missing-lock-timeout")),
        "Ignore missing-lock-timeout for this statement",
    )
    down = _action(
        finding_actions(file, _finding(findings, "down-not-idempotent")),
        "Ignore down-not-idempotent for this statement",
    )
    fixed = apply_edits(text, [*up.edits, *down.edits])
    assert fixed.splitlines()[1] == (
        "-- pgmig-ignore: set-not-null, missing-lock-timeout -- reason: a tiny table"
    )
    assert fixed.splitlines()[5] == "-- pgmig-ignore: cascade-drop, down-not-idempotent"
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert not {"missing-lock-timeout", "down-not-idempotent", "unused-ignore"} & set(after)


def test_ignore_extends_a_comment_at_the_end_of_the_first_line(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "CREATE INDEX i -- pgmig-ignore: missing-lock-timeout\n"
        "  ON orders (a);\n"
        "-- migrate:down\n"
        "DROP INDEX IF EXISTS i;\n"
    )
    migration, path = dbmate(tmp_path, text)
    finding = _finding(analyze_migration(migration, SETTINGS), "require-concurrent-index")
    action = _action(
        finding_actions(file_of(migration, path), finding),
        "Ignore require-concurrent-index for this statement",
    )
    fixed = _applied(text, path, action)
    assert fixed.splitlines()[1] == (
        "CREATE INDEX i -- pgmig-ignore: missing-lock-timeout, require-concurrent-index"
    )
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert "require-concurrent-index" not in after and "unused-ignore" not in after


def test_ignore_for_this_file(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, MIGRATION)
    findings = analyze_migration(migration, SETTINGS)
    assert [f.rule for f in findings].count("down-not-idempotent") == 2
    action = _action(
        finding_actions(file_of(migration, path), _finding(findings, "down-not-idempotent")),
        "Ignore down-not-idempotent for this file",
    )
    fixed = _applied(MIGRATION, path, action)
    assert fixed == "-- pgmig-ignore-file: down-not-idempotent\n" + MIGRATION
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert not {"down-not-idempotent", "unused-ignore", "invalid-migration"} & set(after)


def test_ignore_for_this_file_extends_the_existing_comment(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\n"
        "-- pgmig-ignore-file: prefer-text -- legacy naming\n"
        "ALTER TABLE t ADD COLUMN c varchar(10);\n"
        "-- migrate:down\n"
        "ALTER TABLE t DROP COLUMN c;\n"
    )
    migration, path = dbmate(tmp_path, text)
    finding = _finding(analyze_migration(migration, SETTINGS), "missing-lock-timeout")
    action = _action(
        finding_actions(file_of(migration, path), finding),
        "Ignore missing-lock-timeout for this file",
    )
    fixed = _applied(text, path, action)
    assert fixed.splitlines()[1] == (
        "-- pgmig-ignore-file: prefer-text, missing-lock-timeout -- legacy naming"
    )
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert not {"missing-lock-timeout", "prefer-text", "unused-ignore"} & set(after)


def test_ignore_for_this_file_keeps_sqlx_no_transaction_first(tmp_path: Path) -> None:
    name = "migrations/20240101000000_email.sql"
    text = "-- no-transaction\nALTER TABLE app_user ALTER COLUMN email SET NOT NULL;\n"
    migration = load(tmp_path, {name: text}, Tool.SQLX)
    path = tmp_path / name
    assert migration.sections[0].opted_out
    finding = _finding(analyze_migration(migration, SETTINGS), "set-not-null")
    action = _action(
        finding_actions(file_of(migration, path), finding), "Ignore set-not-null for this file"
    )
    fixed = _applied(text, path, action)
    assert fixed.splitlines()[:2] == ["-- no-transaction", "-- pgmig-ignore-file: set-not-null"]
    again = load(tmp_path, {name: fixed}, Tool.SQLX)
    assert again.sections[0].opted_out  # sqlx still reads its marker
    after = _rules(again)
    assert "set-not-null" not in after and "unused-ignore" not in after


def test_a_first_line_that_must_stay_first() -> None:
    path = Path("x.sql")
    shebang = SourceFile(path, "#!/usr/bin/env psql\nSELECT 1;\n")
    assert ignore_file(shebang, "r") == Edit(path, Span(20, 20), "-- pgmig-ignore-file: r\n")
    alone = SourceFile(path, "-- no-transaction")
    assert apply_edits(alone.text, [ignore_file(alone, "r")]) == (
        "-- no-transaction\n-- pgmig-ignore-file: r"
    )
    plain = SourceFile(path, "SELECT 1;\n")
    assert ignore_file(plain, "r") == Edit(path, Span(0, 0), "-- pgmig-ignore-file: r\n")


def test_a_finding_without_statement_has_no_statement_ignore(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\nCREATE TABLE t (id bigint PRIMARY KEY);\nCREATE TABLE u (id bigint);\n"
        "-- migrate:down\nDROP TABLE u;\n"
    )
    migration, path = dbmate(tmp_path, text)
    finding = _finding(analyze_migration(migration, SETTINGS), "incomplete-down")
    assert finding.statement is None
    titles = [a.title for a in finding_actions(file_of(migration, path), finding)]
    assert titles == [
        "Ignore incomplete-down for this file",
        "Show documentation for incomplete-down",
    ]


def test_a_finding_of_another_file_gets_no_ignore_comment(tmp_path: Path) -> None:
    migration, _ = dbmate(tmp_path, MIGRATION)
    finding = _finding(analyze_migration(migration, SETTINGS), "down-not-idempotent")
    other = SourceFile(tmp_path / "other.sql", "SELECT 1;\n")
    titles = [a.title for a in finding_actions(other, finding)]
    assert titles == ["Add IF EXISTS", "Show documentation for down-not-idempotent"]


def test_fix_all_applies_the_safe_fixes_that_do_not_overlap(tmp_path: Path) -> None:
    migration, path = dbmate(tmp_path, MIGRATION)
    findings = analyze_migration(migration, SETTINGS)
    action = fix_all(file_of(migration, path), findings)
    assert action is not None
    assert (action.kind, action.preferred) == ("source.fixAll.pgmig", True)
    fixed = _applied(MIGRATION, path, action)
    # exactly what `pgmig check --fix` would write
    assert fixed == fixed_texts(chosen_fixes(findings, unsafe=False), {path: MIGRATION})[path]
    assert "DROP INDEX IF EXISTS i;\nDROP TABLE IF EXISTS app_user;" in fixed
    assert "NOT VALID" not in fixed  # the unsafe fix is left out
    assert all(edit.span is not None for edit in action.edits)  # the overlapping move too
    after = _rules(dbmate(tmp_path, fixed)[0])
    assert "down-not-idempotent" not in after and "missing-lock-timeout" not in after


def test_fix_all_creates_the_files_a_fix_creates(tmp_path: Path) -> None:
    text = (
        "-- migrate:up\nCREATE INDEX i ON orders (a);\n\n-- migrate:down\nDROP INDEX IF EXISTS i;\n"
    )
    migration, path = dbmate(tmp_path, text)
    findings = [
        f for f in analyze_migration(migration, SETTINGS) if f.rule == "require-concurrent-index"
    ]
    action = fix_all(file_of(migration, path), findings)
    assert action is not None
    created = [edit for edit in action.edits if edit.span is None]
    assert [edit.path.parent for edit in created] == [path.parent]
    assert "CREATE INDEX CONCURRENTLY i ON orders (a);" in created[0].text
    assert "CREATE INDEX" not in _applied(text, path, action)


def _synthetic(path: Path, *fixes: Fix) -> list[Finding]:
    return [
        Finding("rule-" + str(n), Severity.WARNING, "m", path, Span(0, 1), fix=fix)
        for n, fix in enumerate(fixes)
    ]


def test_fix_all_leaves_out_unsafe_overlapping_and_foreign_fixes() -> None:
    path = Path("a.sql")
    file = SourceFile(path, "abcdef\nghij\n")
    first = Fix("first", (Edit(path, Span(1, 3), "X"),))
    overlapping = Fix("overlap", (Edit(path, Span(2, 4), "Y"),))
    unsafe = Fix("unsafe", (Edit(path, Span(7, 8), "Z"),), safe=False)
    elsewhere = Fix("other file", (Edit(Path("b.sql"), Span(0, 1), "W"),))
    action = fix_all(file, _synthetic(path, first, overlapping, unsafe, elsewhere))
    assert action is not None
    assert _applied(file.text, path, action) == "aXdef\nghij\n"
    assert fix_all(file, _synthetic(path, unsafe, elsewhere)) is None
    assert fix_all(file, []) is None


def test_golang_migrate_down_file_gets_its_own_edits(tmp_path: Path) -> None:
    up = "CREATE TABLE t (id bigint PRIMARY KEY);\n"
    down = "-- ünï\nDROP TABLE t;\n"
    migration = load(
        tmp_path,
        {"000001_t.up.sql": up, "000001_t.down.sql": down},
        Tool.GOLANG_MIGRATE,
        main="000001_t.down.sql",
    )
    down_path = tmp_path / "000001_t.down.sql"
    assert migration.section(SectionKind.DOWN) is not None
    finding = _finding(analyze_migration(migration, SETTINGS), "down-not-idempotent")
    assert finding.path == down_path
    action = _action(
        finding_actions(file_of(migration, down_path), finding),
        "Ignore down-not-idempotent for this statement",
    )
    assert {edit.path for edit in action.edits} == {down_path}
    fixed = _applied(down, down_path, action)
    assert fixed == "-- ünï\n-- pgmig-ignore: down-not-idempotent\nDROP TABLE t;\n"
    again = load(
        tmp_path,
        {"000001_t.down.sql": fixed},
        Tool.GOLANG_MIGRATE,
    )
    after = _rules(again)
    assert "down-not-idempotent" not in after and "unused-ignore" not in after
