"""Settings: ``[tool.pgmig]`` in ``pyproject.toml`` or ``pgmig.toml``, nearest one up the tree.

One cattrs converter structures them; an unknown key is a warning and checking goes on; a value
of the wrong type is a `ConfigError` naming the key and the expected type.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import attrs
import cattrs

from pgmig_lsp.name_conventions import NAME_KINDS, template_problem

FAIL_ON = ("error", "warning", "info", "never")
SEVERITIES = ("error", "warning", "info")
CONFIG_FILES = ("pgmig.toml", "pyproject.toml")


class ConfigError(Exception):
    """A setting a user wrote that pgmig cannot use (reported with exit code 2)."""


def _one_of(choices: tuple[str, ...]) -> Any:
    def check(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None and value not in choices:
            raise ConfigError(
                f"`{attribute.name}` must be one of {', '.join(choices)}; got {value!r}"
            )

    return check


def _severity_map(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, dict):
        return
    for rule, severity in value.items():
        if severity not in (*SEVERITIES, "off"):
            raise ConfigError(
                f"`severity.{rule}` must be one of error, warning, info, off; got {severity!r}"
            )


def _naming(value: object) -> None:
    """A ``[naming]`` table: templates by kind of name."""
    if not isinstance(value, dict):
        raise ConfigError(
            f"`naming` must be a table of name kinds to templates; got {type(value).__name__} "
            f"{value!r}"
        )
    for kind, template in value.items():
        if kind not in NAME_KINDS:
            raise ConfigError(f"`naming.{kind}` is not a kind of name ({', '.join(NAME_KINDS)})")
        if not isinstance(template, str):
            raise ConfigError(
                f'`naming.{kind}` must be a template string such as "idx_{{table}}_{{columns}}"; '
                f"got {type(template).__name__} {template!r}"
            )
        problem = template_problem(template)
        if problem is not None:
            raise ConfigError(f"`naming.{kind}` ({template!r}) {problem}")


@attrs.define
class Settings:
    """What a user can configure, in the config file or from the editor."""

    #: directories holding migrations, relative to the config file (empty: detect)
    migration_dirs: list[str] = attrs.Factory(list)
    #: the migration tool, when detection should be overridden (dbmate, goose, flyway, …)
    tool: str | None = None
    #: the PostgreSQL major version migrations run on
    pg_version: int = 16
    #: rules (ids or group names, or ``all``) to run instead of the defaults
    select: list[str] = attrs.Factory(list)
    #: rules (ids or group names) to run on top of the selection
    extend_select: list[str] = attrs.Factory(list)
    #: rules (ids or group names) not to run
    ignore: list[str] = attrs.Factory(list)
    #: severity per rule id: ``error``, ``warning``, ``info`` or ``off``
    severity: dict[str, str] = attrs.Factory(dict, takes_self=False)
    #: the lowest severity that makes ``pgmig check`` exit 1
    fail_on: str = attrs.field(default="warning", validator=_one_of(FAIL_ON))
    #: name templates by kind (``index = "idx_{table}_{columns}"``), for ``naming-convention``;
    #: a kind not set here is checked against the template learned from earlier migrations
    naming: dict[str, str] = attrs.Factory(dict, takes_self=False)
    #: the directory the settings' relative paths are relative to
    root: Path | None = attrs.field(default=None, eq=False)

    def __attrs_post_init__(self) -> None:
        _severity_map(self, attrs.fields(Settings).severity, self.severity)
        _naming(self.naming)
        if not 9 <= self.pg_version <= 30:
            raise ConfigError(
                f"`pg_version` must be a PostgreSQL major version; got {self.pg_version}"
            )

    def fingerprint(self) -> str:
        """A stable text of everything that changes findings (for the cache key)."""
        return repr(
            (
                self.tool,
                self.pg_version,
                sorted(self.select),
                sorted(self.extend_select),
                sorted(self.ignore),
                sorted(self.severity.items()),
                sorted(self.naming.items()),
            )
        )


_converter = cattrs.Converter(forbid_extra_keys=False)


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _is_str_table(value: object) -> bool:
    return isinstance(value, dict) and all(isinstance(item, str) for item in value.values())


_EXPECTED: dict[str, tuple[Any, str]] = {
    "migration_dirs": (_is_str_list, "a list of strings"),
    "tool": (lambda v: v is None or isinstance(v, str), "a string"),
    "pg_version": (lambda v: isinstance(v, int) and not isinstance(v, bool), "an integer"),
    "select": (_is_str_list, "a list of strings"),
    "extend_select": (_is_str_list, "a list of strings"),
    "ignore": (_is_str_list, "a list of strings"),
    "severity": (_is_str_table, "a table of rule ids to severities"),
    "fail_on": (lambda v: isinstance(v, str), "a string"),
    "naming": (lambda v: isinstance(v, dict), "a table of name kinds to templates"),
}


def _check_types(data: dict[str, Any]) -> None:
    """Name the key and the expected type for a value of the wrong type (cattrs would coerce)."""
    for key, value in data.items():
        accepts, description = _EXPECTED[key]
        if not accepts(value):
            raise ConfigError(
                f"`{key}` must be {description}; got {type(value).__name__} {value!r}"
            )
    if "naming" in data:
        _naming(data["naming"])  # each template a string: cattrs would make 3 into "3"


@attrs.frozen
class LoadedConfig:
    settings: Settings
    #: the file the settings came from, None for defaults
    path: Path | None
    warnings: tuple[str, ...] = ()


def settings_from_mapping(
    data: dict[str, Any], root: Path | None = None, source: str = "settings"
) -> tuple[Settings, list[str]]:
    """Structure a mapping into `Settings`; returns the settings and warnings for unknown keys."""
    known = {field.name for field in attrs.fields(Settings)} - {"root"}
    normalised = {key.replace("-", "_"): value for key, value in data.items()}
    warnings = [f"{source}: unknown key `{key}` ignored" for key in normalised if key not in known]
    clean = {key: value for key, value in normalised.items() if key in known}
    naming = clean.get("naming")
    if isinstance(naming, dict):
        naming = {str(kind).replace("-", "_"): value for kind, value in naming.items()}
        for kind in naming:
            if kind not in NAME_KINDS:
                warnings.append(
                    f"{source}: unknown key `naming.{kind}` ignored "
                    f"(kinds of name: {', '.join(NAME_KINDS)})"
                )
        clean["naming"] = {kind: value for kind, value in naming.items() if kind in NAME_KINDS}
    try:
        _check_types(clean)
        settings = _converter.structure(clean, Settings)
    except cattrs.BaseValidationError as exc:
        messages = "; ".join(str(e) for e in exc.exceptions)
        raise ConfigError(f"{source}: {messages}") from None
    except ConfigError as exc:
        raise ConfigError(f"{source}: {exc}") from None
    settings.root = root
    return settings, warnings


def find_config(start: Path) -> Path | None:
    """The nearest ``pgmig.toml``, or ``pyproject.toml`` with a ``[tool.pgmig]`` table."""
    start = start.resolve()
    directory = start if start.is_dir() else start.parent
    for candidate_dir in (directory, *directory.parents):
        pgmig = candidate_dir / "pgmig.toml"
        if pgmig.is_file():
            return pgmig
        pyproject = candidate_dir / "pyproject.toml"
        if pyproject.is_file():
            try:
                text = pyproject.read_text(encoding="utf-8")
            except OSError:
                continue
            if "[tool.pgmig" in text:
                return pyproject
    return None


def load_config(path: Path) -> LoadedConfig:
    """Read settings from a config file (``pgmig.toml`` or ``pyproject.toml``)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        data = data.get("tool", {}).get("pgmig", {})
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [tool.pgmig] must be a table")
    settings, warnings = settings_from_mapping(data, path.parent, str(path))
    return LoadedConfig(settings, path, tuple(warnings))


def config_for(start: Path, explicit: Path | None = None) -> LoadedConfig:
    """The settings that apply at ``start``: an explicit file, the nearest one, or defaults."""
    path = explicit or find_config(start)
    if path is None:
        return LoadedConfig(Settings(), None)
    return load_config(path)
