"""Settings in the editor: the config file, then ``initializationOptions``, then
``workspace/configuration`` (section ``pgmig``), each overriding the one before where it sets a key.

On the wire keys are camelCase (``migrationDirs``, ``pgVersion``, ``extendSelect``, ``select``,
``ignore``, ``severity``, ``tool``); null or absent means "not set here". Lists replace the
value before them; ``severity`` tables are merged rule by rule. A value pgmig cannot use is
reported (naming the key) and the value before it is kept: a bad setting never stops checking.

Plain Python (no pygls): `SettingsResolver` is used from the checking thread.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from pgmig_lsp.config import ConfigError, LoadedConfig, Settings, config_for
from pgmig_lsp.migrations.model import Tool


@attrs.define
class EditorSettings:
    """The settings an editor may send; None is "not set" (the config file's value stays)."""

    #: migration directories, relative to the workspace folder (empty: detect)
    migration_dirs: list[str] | None = None
    #: the PostgreSQL major version the migrations run on
    pg_version: int | None = None
    #: rules or groups to run instead of the defaults
    select: list[str] | None = None
    #: rules or groups to run on top of the selection
    extend_select: list[str] | None = None
    #: rules or groups not to run
    ignore: list[str] | None = None
    #: severity per rule id (``error``, ``warning``, ``info``, ``off``)
    severity: dict[str, str] | None = None
    #: the migration tool, overriding detection
    tool: str | None = None


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


#: wire name → field name
WIRE_NAMES = {_camel(field.name): field.name for field in attrs.fields(EditorSettings)}


def _kind(value: object) -> str:
    """A value's JSON type, for messages (values are not repeated: a setting may be secret)."""
    names = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    names.update({list: "a list", dict: "an object", type(None): "null"})
    return names.get(type(value), type(value).__name__)


def _strict_int(value: object, _type: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected an integer, got {_kind(value)}")
    return value


def _strict_str(value: object, _type: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {_kind(value)}")
    return value


def _str_list(value: object, _type: object) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TypeError(f"expected a list of strings, got {_kind(value)}")
    return list(value)


def _str_table(value: object, _type: object) -> dict[str, str]:
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        got = (
            "an object with a value that is not a string"
            if isinstance(value, dict)
            else _kind(value)
        )
        raise TypeError(f"expected an object of rule ids to severities, got {got}")
    return dict(value)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(str, _strict_str)
    # generic aliases are matched by predicate (single dispatch takes classes only)
    converter.register_structure_hook_func(lambda t: t == list[str], _str_list)
    converter.register_structure_hook_func(lambda t: t == dict[str, str], _str_table)
    renames: dict[str, Any] = {name: override(rename=wire) for wire, name in WIRE_NAMES.items()}
    converter.register_structure_hook(
        EditorSettings, make_dict_structure_fn(EditorSettings, converter, **renames)
    )
    return converter


#: the one converter for editor settings
CONVERTER = _make_converter()


def read_editor_settings(data: object, source: str) -> tuple[EditorSettings, list[str]]:
    """Structure what the editor sent; messages name each key whose value was dropped."""
    if data is None or data == []:
        # Lua clients encode an empty table `{}` as a JSON array: no settings
        return EditorSettings(), []
    if not isinstance(data, Mapping):
        return EditorSettings(), [f"{source}: pgmig settings must be an object; ignored"]
    # snake_case and kebab-case keys are accepted too, as in the config file
    clean = {_camel(str(key).replace("-", "_")): value for key, value in data.items()}
    clean = {key: value for key, value in clean.items() if key in WIRE_NAMES}
    messages: list[str] = []
    while True:
        try:
            return CONVERTER.structure(clean, EditorSettings), messages
        except cattrs.ClassValidationError as exc:
            failed, _ = exc.group_exceptions()
            if not failed:
                raise
            for error, note in failed:
                wire = _camel(note.name)
                messages.append(f"{source}: setting `{wire}` ignored: {error}")
                clean.pop(wire, None)


def apply_editor_settings(
    settings: Settings, editor: EditorSettings, folder: Path | None, source: str
) -> tuple[Settings, list[str]]:
    """``settings`` with the editor's values set over them; messages for values not used."""
    messages = []
    for field in attrs.fields(EditorSettings):
        value = getattr(editor, field.name)
        if value is None:
            continue
        wire = _camel(field.name)
        changes: dict[str, Any] = {field.name: value}
        if field.name == "severity":
            changes["severity"] = {**settings.severity, **value}
        elif field.name == "migration_dirs":
            changes["root"] = folder or settings.root
        elif field.name == "tool":
            try:
                Tool(value)
            except ValueError:
                known = ", ".join(tool.value for tool in Tool)
                messages.append(
                    f"{source}: setting `{wire}`: unknown migration tool `{value}` "
                    f"(known: {known}); ignored"
                )
                continue
        try:
            settings = attrs.evolve(settings, **changes)
        except ConfigError as exc:
            messages.append(f"{source}: setting `{wire}` ignored: {exc}")
    return settings, messages


def configured_tool(settings: Settings) -> Tool | None:
    """The settings' tool, None when unset or unknown (an unknown one is reported elsewhere)."""
    if settings.tool is None:
        return None
    try:
        return Tool(settings.tool)
    except ValueError:
        return None


@attrs.define(eq=False)
class SettingsResolver:
    """The effective settings of any file: its config file overridden by the editor's values."""

    #: from ``initializationOptions``
    initialization: EditorSettings = attrs.Factory(EditorSettings)
    #: from ``workspace/configuration``, per workspace folder (None: no folder, the global scope)
    editor: dict[Path | None, EditorSettings] = attrs.Factory(dict)
    #: workspace folders, longest first
    folders: list[Path] = attrs.Factory(list)
    _files: dict[Path, LoadedConfig] = attrs.field(factory=dict)
    _settings: dict[Path, Settings] = attrs.field(factory=dict)
    #: messages for the user not shown yet (bad values, unreadable config files)
    pending: list[str] = attrs.Factory(list)
    _reported: set[str] = attrs.field(factory=set)

    def set_folders(self, folders: list[Path]) -> None:
        self.folders = sorted(folders, key=lambda p: len(p.parts), reverse=True)
        self.invalidate()

    def invalidate(self) -> None:
        """Forget every resolved setting (config files or editor values changed)."""
        self._files.clear()
        self._settings.clear()
        self._reported.clear()

    def folder_of(self, path: Path) -> Path | None:
        for folder in self.folders:
            if folder == path or folder in path.parents:
                return folder
        return None

    def _report(self, messages: list[str]) -> None:
        for message in messages:
            if message not in self._reported:
                self._reported.add(message)
                self.pending.append(message)

    def _file_config(self, directory: Path) -> LoadedConfig:
        loaded = self._files.get(directory)
        if loaded is None:
            try:
                loaded = config_for(directory)
            except ConfigError as exc:
                self._report([f"config error: {exc}; using the defaults"])
                loaded = LoadedConfig(Settings(), None)
            self._report(list(loaded.warnings))
            self._files[directory] = loaded
        return loaded

    def for_directory(self, directory: Path) -> Settings:
        """The settings of files in ``directory`` (the nearest config file up the tree)."""
        settings = self._settings.get(directory)
        if settings is not None:
            return settings
        settings = self._file_config(directory).settings
        folder = self.folder_of(directory)
        layers = [
            (self.initialization, "initializationOptions"),
            (self.editor.get(folder, self.editor.get(None, EditorSettings())), "settings"),
        ]
        for editor, source in layers:
            settings, messages = apply_editor_settings(settings, editor, folder, source)
            self._report(messages)
        from pgmig_lsp.analysis import unknown_rule_names

        unknown = unknown_rule_names(settings)
        if unknown:
            self._report([f"unknown rule or group in the settings: {', '.join(unknown)}"])
        if settings.tool is not None and configured_tool(settings) is None:
            self._report([f"unknown migration tool `{settings.tool}` in the settings; detecting"])
        self._settings[directory] = settings
        return settings

    def for_file(self, path: Path) -> Settings:
        return self.for_directory(path.parent)

    def take_messages(self) -> list[str]:
        messages, self.pending = self.pending, []
        return messages
