"""Data-driven rule tests: every case in ``tests/rules/cases/<rule-id>.toml``.

A case is a migration (``up``/``down`` for a dbmate file, or ``files`` for any tool's layout), the
lines where the rule must be reported (``expect``: 1-based lines of the main file; empty: must not
report), and optionally the text after applying the rule's fixes (``fixed``, ``created``) and the
config file's ``[naming]`` templates (``naming``).
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from pgmig_lsp.rules.registry import RULES
from tests.rules.harness import dbmate_text, run

CASES_DIR = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES_DIR.glob("*.toml")):
        rule = path.stem
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for index, case in enumerate(data.get("case", [])):
            name = case.get("name", str(index))
            params.append(pytest.param(rule, case, id=f"{rule}:{name}"))
    return params


def test_every_case_file_names_a_rule() -> None:
    unknown = [p.stem for p in CASES_DIR.glob("*.toml") if p.stem not in RULES]
    assert not unknown


@pytest.mark.parametrize(("rule", "case"), _cases())
def test_rule_case(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    if "files" in case:
        files = dict(case["files"])
        main = case.get("main", next(iter(files)))
    else:
        main = case.get("file", "20240101000000_case.sql")
        files = {main: dbmate_text(case["up"], case.get("down", ""))}
    outcome = run(
        tmp_path,
        files,
        main=main,
        select=[rule, *case.get("also", [])],
        pg_version=case.get("pg_version", 16),
        tool=case.get("tool"),
        naming=case.get("naming"),
    )
    got = outcome.lines(rule)
    expected = sorted(case.get("expect", []))
    assert got == expected, "\n".join(f"{f.rule} {f.span} {f.message}" for f in outcome.findings)
    if "fixed" in case:
        fixed = outcome.fixed(rule)
        assert fixed.get(tmp_path / main) == case["fixed"]
    for name, text in case.get("created", {}).items():
        fixed = outcome.fixed(rule)
        assert fixed.get(tmp_path / name) == text, sorted(str(p) for p in fixed)
