"""The SARIF 2.1.0 report, for GitHub code scanning and other SARIF viewers.

Columns are code points (``columnKind: unicodeCodePoints``), ends exclusive as SARIF wants.
Paths below the current directory are relative URIs against ``%SRCROOT%``; others are absolute
``file:`` URIs. Fixes become SARIF ``fixes``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pgmig_lsp
from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.report import CheckResult, display_path, locate, sorted_findings
from pgmig_lsp.rules.base import Rule
from pgmig_lsp.rules.docs import render_rule_help, rule_doc, rule_url, short_summary

SCHEMA_URI = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"
INFORMATION_URI = "https://github.com/pgmig/pgmig"

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def level(severity: Severity) -> str:
    """The SARIF level of a severity: error, warning or note."""
    return _LEVELS[severity]


def _artifact(path: Path, cwd: Path | None) -> dict[str, Any]:
    shown = display_path(path, cwd)
    if Path(shown).is_absolute():
        return {"uri": Path(shown).as_uri()}
    return {"uri": quote(shown, safe="/"), "uriBaseId": SRCROOT}


def _descriptor(rule_id: str, cls: type[Rule] | None) -> dict[str, Any]:
    if cls is None:
        return {"id": rule_id, "shortDescription": {"text": rule_id}}
    summary = rule_doc(cls).summary or short_summary(cls) or rule_id
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": short_summary(cls) or rule_id},
        "fullDescription": {"text": summary},
        "helpUri": rule_url(rule_id),
        "help": {
            "text": f"{summary} See {rule_url(rule_id)}",
            "markdown": f"{summary}\n\n{render_rule_help(cls)}",
        },
        "defaultConfiguration": {
            "level": level(cls.severity),
            "enabled": cls.enabled_by_default,
        },
        "properties": {"tags": [cls.group.value]},
    }


def _edit_region(result: CheckResult, edit: Edit) -> dict[str, Any]:
    span = edit.span
    if span is None:
        return {"charOffset": 0, "charLength": 0}
    file = result.files.get(edit.path)
    if file is None:
        return {"charOffset": span.start, "charLength": span.end - span.start}
    line, column = file.position(span.start)
    end_line, end_column = file.position(span.end)
    return {
        "startLine": line + 1,
        "startColumn": column + 1,
        "endLine": end_line + 1,
        "endColumn": end_column + 1,
        "charOffset": span.start,
        "charLength": span.end - span.start,
    }


def _fix(result: CheckResult, fix: Fix, cwd: Path | None) -> dict[str, Any]:
    changes: dict[Path, list[dict[str, Any]]] = {}
    for edit in fix.edits:
        changes.setdefault(edit.path, []).append(
            {"deletedRegion": _edit_region(result, edit), "insertedContent": {"text": edit.text}}
        )
    return {
        "description": {"text": fix.title},
        "artifactChanges": [
            {"artifactLocation": _artifact(path, cwd), "replacements": replacements}
            for path, replacements in changes.items()
        ],
        "properties": {"safe": fix.safe},
    }


def _result(
    result: CheckResult, finding: Finding, rule_index: int, cwd: Path | None
) -> dict[str, Any]:
    where = locate(result, finding)
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path, cwd),
                    "region": {
                        "startLine": where.line,
                        "startColumn": where.column,
                        "endLine": where.end_line,
                        "endColumn": where.end_column,
                    },
                }
            }
        ],
    }
    if finding.fix is not None and finding.fix.edits:
        out["fixes"] = [_fix(result, finding.fix, cwd)]
    if finding.section is not None:
        out["properties"] = {"section": finding.section}
    return out


def to_sarif(
    result: CheckResult, *, cwd: Path | None = None, all_rules: bool = False
) -> dict[str, Any]:
    """The SARIF log as a JSON-ready dict.

    ``tool.driver.rules`` lists the rules that have a result, or every registered rule with
    ``all_rules``.
    """
    from pgmig_lsp.rules.registry import RULES

    findings = sorted_findings(result, cwd)
    used = {finding.rule for finding in findings}
    rule_ids = sorted(used | set(RULES)) if all_rules else sorted(used)
    index = {rule_id: position for position, rule_id in enumerate(rule_ids)}
    root = (cwd or Path.cwd()).resolve()
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pgmig",
                "version": pgmig_lsp.__version__,
                "semanticVersion": pgmig_lsp.__version__,
                "informationUri": INFORMATION_URI,
                "rules": [_descriptor(rule_id, RULES.get(rule_id)) for rule_id in rule_ids],
            }
        },
        "originalUriBaseIds": {SRCROOT: {"uri": root.as_uri().rstrip("/") + "/"}},
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": message}}
                    for message in result.messages
                ],
            }
        ],
        "columnKind": "unicodeCodePoints",
        "results": [_result(result, f, index[f.rule], cwd) for f in findings],
    }
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render(result: CheckResult, *, cwd: Path | None = None, all_rules: bool = False) -> str:
    """The SARIF log as JSON text."""
    return json.dumps(to_sarif(result, cwd=cwd, all_rules=all_rules), indent=2) + "\n"
