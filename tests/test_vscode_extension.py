"""The VS Code extension's manifest (editors/vscode/package.json) agrees with pgmig itself.

The settings the extension contributes are the ones the server reads (`Settings` fields, in
camelCase), their lists of tools and rules are the registry's, and the commands the server
runs are contributed. No Node.js needed. After adding a rule or a tool, run
``python editors/vscode/scripts/sync_rules.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import attrs
import pytest

from pgmig_lsp.config import SEVERITIES, Settings
from pgmig_lsp.migrations.model import Tool
from pgmig_lsp.rules.base import Group
from pgmig_lsp.rules.registry import RULES

EXTENSION = Path(__file__).resolve().parent.parent / "editors" / "vscode"
SYNC = "run `python editors/vscode/scripts/sync_rules.py`"

#: `Settings` fields an editor sets (the rest belong to the config file or the CLI)
EDITOR_FIELDS = {
    "migration_dirs",
    "tool",
    "pg_version",
    "select",
    "extend_select",
    "ignore",
    "severity",
}
#: `pgmig.*` settings only the extension reads (how to start the server, tracing)
CLIENT_PREFIXES = ("pgmig.server.", "pgmig.trace.")
RULE_LISTS = ("pgmig.select", "pgmig.extendSelect", "pgmig.ignore")


def _snake(camel: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", camel).lower()


@pytest.fixture(scope="module")
def package() -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((EXTENSION / "package.json").read_text(encoding="utf-8"))
    return manifest


@pytest.fixture(scope="module")
def properties(package: dict[str, Any]) -> dict[str, Any]:
    configuration = package["contributes"]["configuration"]
    sections = configuration if isinstance(configuration, list) else [configuration]
    merged: dict[str, Any] = {}
    for section in sections:
        merged.update(section["properties"])
    return merged


@pytest.fixture(scope="module")
def analysis(properties: dict[str, Any]) -> dict[str, Any]:
    """The settings the server reads: every ``pgmig.*`` setting except the client's own."""
    return {
        key: schema for key, schema in properties.items() if not key.startswith(CLIENT_PREFIXES)
    }


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type", [])
    return set(kind) if isinstance(kind, list) else {kind}


def test_every_setting_is_named_pgmig(properties: dict[str, Any]) -> None:
    assert properties
    assert [key for key in properties if not key.startswith("pgmig.")] == []


def test_every_analysis_setting_is_a_settings_field(analysis: dict[str, Any]) -> None:
    fields = {field.name for field in attrs.fields(Settings)} - {"root"}
    unknown = {
        key: _snake(key.removeprefix("pgmig."))
        for key in analysis
        if _snake(key.removeprefix("pgmig.")) not in fields
    }
    assert unknown == {}, "settings the server would ignore (no such Settings field)"


def test_every_editor_field_has_a_setting(analysis: dict[str, Any]) -> None:
    missing_fields = EDITOR_FIELDS - {field.name for field in attrs.fields(Settings)}
    assert sorted(missing_fields) == [], "EDITOR_FIELDS names fields Settings no longer has"
    contributed = {_snake(key.removeprefix("pgmig.")) for key in analysis}
    assert sorted(EDITOR_FIELDS - contributed) == []


def test_analysis_settings_default_to_null(analysis: dict[str, Any]) -> None:
    """An unset editor setting must not override pgmig.toml: null, and null is allowed."""
    not_null = [key for key, schema in analysis.items() if schema.get("default", ...) is not None]
    assert not_null == []
    no_null_type = [key for key, schema in analysis.items() if "null" not in _types(schema)]
    assert no_null_type == []


def test_analysis_settings_are_described(analysis: dict[str, Any]) -> None:
    undescribed = [key for key, schema in analysis.items() if not schema.get("markdownDescription")]
    assert undescribed == []


def test_tool_enum_is_the_tool_enum(analysis: dict[str, Any]) -> None:
    values = analysis["pgmig.tool"]["enum"]
    assert None in values, "null (detect) must stay a valid value"
    assert [value for value in values if value is not None] == [tool.value for tool in Tool], SYNC


def test_pg_version_range_is_accepted_by_settings(analysis: dict[str, Any]) -> None:
    schema = analysis["pgmig.pgVersion"]
    assert "integer" in _types(schema)
    for version in (schema["minimum"], schema["maximum"]):
        assert Settings(pg_version=version).pg_version == version


def test_severity_rules_exist(analysis: dict[str, Any]) -> None:
    named = set(analysis["pgmig.severity"].get("properties", {}))
    assert sorted(named - set(RULES)) == [], f"not rules; {SYNC}"


def test_severity_lists_every_rule(analysis: dict[str, Any]) -> None:
    named = set(analysis["pgmig.severity"].get("properties", {}))
    assert sorted(set(RULES) - named) == [], f"rules missing from pgmig.severity; {SYNC}"


def test_severity_levels(analysis: dict[str, Any]) -> None:
    schema = analysis["pgmig.severity"]
    levels = {*SEVERITIES, "off"}
    assert set(schema["additionalProperties"]["enum"]) == levels
    wrong = [
        rule_id
        for rule_id, rule_schema in schema.get("properties", {}).items()
        if set(rule_schema["enum"]) != levels
    ]
    assert wrong == []


@pytest.mark.parametrize("key", RULE_LISTS)
def test_rule_lists_name_rules_and_groups(analysis: dict[str, Any], key: str) -> None:
    names = analysis[key]["items"]["enum"]
    expected = {"all", *(group.value for group in Group), *RULES}
    assert sorted(set(names) - expected) == [], f"neither rules nor groups; {SYNC}"
    assert sorted(expected - set(names)) == [], f"missing from {key}; {SYNC}"
    descriptions = analysis[key]["items"].get("markdownEnumDescriptions")
    assert descriptions is None or len(descriptions) == len(names)


def test_commands_are_contributed(package: dict[str, Any]) -> None:
    contributed = {command["command"]: command for command in package["contributes"]["commands"]}
    for command in ("pgmig.newMigration", "pgmig.checkWorkspace"):
        assert command in contributed
    assert {command["category"] for command in contributed.values()} == {"pgmig"}


def test_commands_are_registered_by_the_extension(package: dict[str, Any]) -> None:
    """A contributed command with no handler fails when chosen from the palette."""
    source = "\n".join(path.read_text(encoding="utf-8") for path in EXTENSION.glob("src/*.ts"))
    registered = set(re.findall(r"registerCommand\(\s*\"([\w.]+)\"", source))
    contributed = {command["command"] for command in package["contributes"]["commands"]}
    assert contributed == registered


def test_activation(package: dict[str, Any]) -> None:
    events = set(package["activationEvents"])
    assert {"onLanguage:sql", "workspaceContains:**/pgmig.toml"} <= events
    assert package["main"] == "./dist/extension.js"
    assert package["engines"]["vscode"] == "^1.85.0"
