"""Write pgmig's tools, rule ids and rule groups into the extension's package.json settings.

Run from the repository root with the project's Python after adding or removing a rule or a tool:

    python editors/vscode/scripts/sync_rules.py

tests/test_vscode_extension.py fails until package.json matches the registry again.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pgmig_lsp.config import SEVERITIES
from pgmig_lsp.migrations.model import Tool
from pgmig_lsp.rules.base import Group
from pgmig_lsp.rules.docs import rule_url
from pgmig_lsp.rules.registry import RULES

PACKAGE_JSON = Path(__file__).resolve().parent.parent / "package.json"
#: the settings whose items name rules: ids, group names, or ``all``
RULE_LISTS = ("pgmig.select", "pgmig.extendSelect", "pgmig.ignore")


def _rule_names() -> tuple[list[str], list[str]]:
    """Every name a rule list accepts, with a one-line description of each."""
    names = ["all"]
    descriptions = ["Every rule."]
    for group in Group:
        count = sum(1 for cls in RULES.values() if cls.group is group)
        names.append(group.value)
        descriptions.append(f"Group: its {count} rule(s).")
    for rule_id, cls in RULES.items():
        off = "" if cls.enabled_by_default else ", off by default"
        names.append(rule_id)
        descriptions.append(f"{cls.summary} ({cls.group.value}, {cls.severity.value}{off})")
    return names, descriptions


def _severity_properties() -> dict[str, Any]:
    levels = [*SEVERITIES, "off"]
    return {
        rule_id: {
            "type": "string",
            "enum": levels,
            "markdownDescription": (
                f"{cls.summary}. Default: `{cls.severity.value}`. "
                f"[Documentation]({rule_url(rule_id)})"
            ),
        }
        for rule_id, cls in RULES.items()
    }


def sync(package: dict[str, Any]) -> dict[str, Any]:
    """Return ``package`` with the tool enum, rule lists and severity table from the registry."""
    properties = package["contributes"]["configuration"]["properties"]
    properties["pgmig.tool"]["enum"] = [*(tool.value for tool in Tool), None]
    names, descriptions = _rule_names()
    for key in RULE_LISTS:
        properties[key]["items"]["enum"] = names
        properties[key]["items"]["markdownEnumDescriptions"] = descriptions
    severity = properties["pgmig.severity"]
    severity["properties"] = _severity_properties()
    severity["additionalProperties"]["enum"] = [*SEVERITIES, "off"]
    return package


def main() -> int:
    text = PACKAGE_JSON.read_text(encoding="utf-8")
    new = json.dumps(sync(json.loads(text)), indent=2, ensure_ascii=False) + "\n"
    if new == text:
        print("package.json is up to date")
        return 0
    PACKAGE_JSON.write_text(new, encoding="utf-8")
    print(f"updated {PACKAGE_JSON}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
