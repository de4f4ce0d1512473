"""The seed document's example migrations: pgmig reports exactly what the spec lists.

``tests/fixtures/seed/`` holds the eight examples (copied byte for byte from the spec) and the base
migration the spec describes. Under the default configuration pgmig must report exactly the
listed errors and warnings, at least the listed infos, and nothing from the must-not list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.report import CheckResult, locate
from pgmig_lsp.workspace import check_paths

SEED = Path(__file__).parent / "fixtures" / "seed"

EMAIL = "20240131120000_add_email_verification_to_users.sql"
PROFILE = "20240131120100_add_user_profile_fields.sql"
TASKS = "20240131120200_create_project_tasks_table.sql"
ORDERS = "20240131120300_optimize_orders_table.sql"
DRIFT = "20240131120400_drift_resolution.sql"
STATUS = "20240131120500_user_status_enum.sql"
ORDERS_INDEX = "20240131120600_orders_customer_product_index.sql"
AUDIT = "20240131120700_create_audit_schema.sql"

# (file, line or (first, last) lines the range must touch, rule)
EXPECTED: list[tuple[str, int | tuple[int, int], str]] = [
    (EMAIL, 3, "missing-lock-timeout"),
    (EMAIL, 9, "concurrently-in-transaction"),
    (PROFILE, 3, "missing-lock-timeout"),
    (PROFILE, 5, "constraint-missing-not-valid"),
    (PROFILE, 10, "concurrently-in-transaction"),
    (PROFILE, 15, "concurrently-in-transaction"),
    (PROFILE, 27, "trigger-on-existing-table"),
    (TASKS, 3, "missing-lock-timeout"),
    (TASKS, 7, "unindexed-foreign-key"),
    (TASKS, 9, "prefer-text"),
    (TASKS, 11, "undefined-object"),
    (TASKS, 12, "undefined-object"),
    (TASKS, 25, "concurrently-in-transaction"),
    (TASKS, 26, "concurrently-in-transaction"),
    (TASKS, 27, "concurrently-in-transaction"),
    (TASKS, 28, "concurrently-in-transaction"),
    (TASKS, 31, "concurrently-in-transaction"),
    (ORDERS, 5, "concurrently-in-transaction"),
    (ORDERS, 9, "concurrently-in-transaction"),
    (ORDERS, 14, "concurrently-in-transaction"),
    (DRIFT, 6, "constraint-missing-not-valid"),
    (DRIFT, 5, "missing-lock-timeout"),
    (STATUS, 8, "missing-lock-timeout"),
    (STATUS, 11, "unbatched-backfill"),
    (STATUS, 11, "long-lock-window"),
    (STATUS, 19, "set-not-null"),
    (STATUS, 23, "concurrently-in-transaction"),
    (STATUS, 24, "require-concurrent-index-drop"),
    (STATUS, 35, "drop-column"),
    (STATUS, 56, "concurrently-in-transaction"),
    (STATUS, 67, "down-not-idempotent"),
    (STATUS, 68, "down-not-idempotent"),
    (STATUS, (37, 68), "incomplete-down"),
    (ORDERS_INDEX, 5, "concurrently-in-transaction"),
    (AUDIT, 11, "prefer-text"),
    (AUDIT, 12, "prefer-text"),
    (AUDIT, 22, "concurrently-in-transaction"),
    (AUDIT, 24, "concurrently-in-transaction"),
    (AUDIT, 26, "concurrently-in-transaction"),
    (AUDIT, 49, "trigger-on-existing-table"),
    (AUDIT, 49, "missing-lock-timeout"),
    (AUDIT, 64, "cascade-drop"),
]

# (file, first line, last line, rules that must not touch those lines); None = any rule
MUST_NOT: list[tuple[str, int, int, set[str] | None]] = [
    (PROFILE, 6, 7, {"add-column-volatile-default"}),
    (
        ORDERS,
        38,
        38,
        {"matview-concurrent-refresh-without-unique-index", "blocking-matview-refresh"},
    ),
    (ORDERS, 31, 31, {"require-concurrent-index"}),
    (TASKS, 5, 6, {"unindexed-foreign-key"}),
    (ORDERS_INDEX, 9, 9, None),
    (STATUS, 1, 99, {"irreversible-data-loss"}),
]
DOWN_SECTIONS_MUST_NOT = {"drop-table", "drop-column", "require-concurrent-index-drop"}


@pytest.fixture(scope="module")
def result() -> CheckResult:
    return check_paths([SEED], Settings())


def _lines(result: CheckResult, finding: Finding) -> tuple[int, int]:
    location = locate(result, finding)
    end_line = location.end_line - (
        1 if location.end_column == 1 and location.end_line > location.line else 0
    )
    return location.line, end_line


def _matches(
    result: CheckResult, finding: Finding, file: str, where: int | tuple[int, int], rule: str
) -> bool:
    if finding.path.name != file or finding.rule != rule:
        return False
    first, last = _lines(result, finding)
    if isinstance(where, tuple):
        return (where[0] <= first and last <= where[1]) or (first <= where[1] and last >= where[0])
    return first <= where <= last


def _describe(result: CheckResult, findings: list[Finding]) -> str:
    return "\n".join(
        f"{f.path.name}:{_lines(result, f)[0]}-{_lines(result, f)[1]} {f.severity.value} [{f.rule}] {f.message}"
        for f in findings
    )


def _seed_findings(result: CheckResult) -> list[Finding]:
    return [f for f in result.findings if not f.path.name.startswith("20240101000000")]


@pytest.mark.parametrize(
    ("file", "where", "rule"), EXPECTED, ids=[f"{f[:14]}:{w}:{r}" for f, w, r in EXPECTED]
)
def test_expected_finding_is_reported(
    result: CheckResult, file: str, where: int | tuple[int, int], rule: str
) -> None:
    findings = _seed_findings(result)
    assert any(_matches(result, f, file, where, rule) for f in findings), _describe(
        result, [f for f in findings if f.path.name == file]
    )


def test_no_other_error_or_warning(result: CheckResult) -> None:
    unexpected = [
        f
        for f in _seed_findings(result)
        if f.severity in (Severity.ERROR, Severity.WARNING)
        and not any(_matches(result, f, file, where, rule) for file, where, rule in EXPECTED)
    ]
    assert not unexpected, _describe(result, unexpected)


def test_statement_findings_start_on_the_statement_line(result: CheckResult) -> None:
    """A statement-level finding never starts on the leading comment."""
    for finding in _seed_findings(result):
        if finding.statement is None:  # about a whole section: it sits on the section's marker
            continue
        file = result.files[finding.path]
        line, _ = file.position(finding.span.start)
        text = file.text[file.line_span(line).start : file.line_span(line).end]
        assert not text.lstrip().startswith("--"), _describe(result, [finding])


def test_nothing_from_the_must_not_list(result: CheckResult) -> None:
    bad = []
    for finding in _seed_findings(result):
        first, last = _lines(result, finding)
        for file, lo, hi, rules in MUST_NOT:
            if (
                finding.path.name == file
                and first <= hi
                and last >= lo
                and (rules is None or finding.rule in rules)
            ):
                bad.append(finding)
        if finding.rule == "syntax-error":
            bad.append(finding)
        if finding.section == "down" and finding.rule in DOWN_SECTIONS_MUST_NOT:
            bad.append(finding)
    assert not bad, _describe(result, bad)


def test_base_migration_is_clean(result: CheckResult) -> None:
    base = [
        f
        for f in result.findings
        if f.path.name.startswith("20240101000000") and f.severity is not Severity.INFO
    ]
    assert not base, _describe(result, base)
