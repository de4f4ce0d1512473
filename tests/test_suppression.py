"""Suppression comments exactly as RULES.md defines them."""

from __future__ import annotations

from pathlib import Path

from tests.rules.harness import dbmate_text, run

RULES = ["require-concurrent-index", "unused-ignore"]


def _rules(tmp_path: Path, up: str) -> list[tuple[int, str]]:
    outcome = run(tmp_path, {"20240101000000_x.sql": dbmate_text(up, "")}, select=RULES)
    text = outcome.texts[outcome.main]
    return sorted((text.count("\n", 0, f.span.start) + 1, f.rule) for f in outcome.findings)


def test_ignore_on_the_line_before(tmp_path: Path) -> None:
    up = "-- pgmig-ignore: require-concurrent-index -- tiny table\nCREATE INDEX i ON t (a);"
    assert _rules(tmp_path, up) == []


def test_ignore_with_comment_lines_between(tmp_path: Path) -> None:
    up = "-- pgmig-ignore: require-concurrent-index\n-- why: tiny\nCREATE INDEX i ON t (a);"
    assert _rules(tmp_path, up) == []


def test_ignore_at_end_of_first_line(tmp_path: Path) -> None:
    up = "CREATE INDEX i -- pgmig-ignore: require-concurrent-index\n  ON t (a);"
    assert _rules(tmp_path, up) == []


def test_ignore_applies_to_one_statement_only(tmp_path: Path) -> None:
    up = "-- pgmig-ignore: require-concurrent-index\nCREATE INDEX i ON t (a);\nCREATE INDEX j ON t (b);"
    assert _rules(tmp_path, up) == [(4, "require-concurrent-index")]


def test_file_wide_ignore(tmp_path: Path) -> None:
    up = "CREATE INDEX i ON t (a);\n-- pgmig-ignore-file: require-concurrent-index\nCREATE INDEX j ON t (b);"
    assert _rules(tmp_path, up) == []


def test_file_wide_ignore_without_names_silences_everything(tmp_path: Path) -> None:
    up = "-- pgmig-ignore-file:\nCREATE INDEX i ON t (a);"
    assert _rules(tmp_path, up) == []


def test_unused_ignore_is_reported(tmp_path: Path) -> None:
    up = "-- pgmig-ignore: require-concurrent-index\nCREATE TABLE t (a int);"
    assert _rules(tmp_path, up) == [(2, "unused-ignore")]


def test_unknown_rule_name_is_reported(tmp_path: Path) -> None:
    up = "-- pgmig-ignore: require-concurent-index\nCREATE INDEX i ON t (a);"
    assert _rules(tmp_path, up) == [(2, "unused-ignore"), (3, "require-concurrent-index")]
