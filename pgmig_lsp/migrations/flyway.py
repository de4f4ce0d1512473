"""Flyway: ``V<version>__<description>.sql``, ``U<version>__…`` undo, ``R__<description>.sql``.

Flyway scans its locations recursively, applies versioned migrations by version (``1.1`` ==
``1_1``; parts compare as numbers, trailing zeros ignored), then repeatable ones by description.
An undo file is the down section of the versioned migration with the same version; its absence is
normal. Flyway sends statements one by one, in a transaction unless ``executeInTransaction=false``
in the script's ``.sql.conf``, or unless its parser finds a statement that cannot run in one (see
`transactions.flyway_non_transactional`). ``flyway.mixed``,
``flyway.postgresql.transactional.lock`` and the default schema (``defaultSchema``, else the first
of ``schemas``: Flyway puts it first on the search_path) come from the nearest ``flyway.conf`` /
``flyway.toml``, or from Spring Boot's ``spring.flyway.*`` in an ``application.properties`` /
``.yml`` above the scripts.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pgmig_lsp.migrations.files import (
    SKIPPED_DIRS,
    FileReader,
    bad_input_problems,
    whole_file,
)
from pgmig_lsp.migrations.model import (
    Delivery,
    FlywaySettings,
    Migration,
    Section,
    SectionKind,
    Tool,
)
from pgmig_lsp.source import SourceFile

_VERSIONED = re.compile(r"^([VU])(\d+(?:[._]\d+)*)__(.*)\.sql$")
_REPEATABLE = re.compile(r"^R__(.*)\.sql$")
CONFIG_NAMES = ("flyway.toml", "flyway.conf")


def file_parts(name: str) -> tuple[str, str | None, str] | None:
    """(prefix V/U/R, version with dots or None, description) of a Flyway SQL file name."""
    match = _VERSIONED.match(name)
    if match is not None:
        return match.group(1), match.group(2).replace("_", "."), match.group(3).replace("_", " ")
    match = _REPEATABLE.match(name)
    if match is not None:
        return "R", None, match.group(1).replace("_", " ")
    return None


def version_key(version: str) -> tuple[int, ...]:
    """Flyway's version order and equality: numeric parts, trailing zeros dropped."""
    parts = [int(part) for part in version.split(".")]
    while len(parts) > 1 and parts[-1] == 0:
        parts.pop()
    return tuple(parts)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def _properties(text: str) -> dict[str, str]:
    """Java properties (``key=value``, ``key: value``; ``#``/``!`` comments)."""
    values = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        match = re.match(r"([^=:\s]+)\s*[=:\s]\s*(.*)$", line)
        if match is not None:
            values[match.group(1)] = match.group(2).strip()
    return values


def _toml_settings(text: str) -> dict[str, Any]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}
    flyway = data.get("flyway")
    if not isinstance(flyway, dict):
        return {}
    found: dict[str, Any] = {}
    mixed = _bool(flyway.get("mixed"))
    if mixed is not None:
        found["mixed"] = mixed
    schema = _schema(flyway.get("defaultSchema"), flyway.get("schemas"))
    if schema is not None:
        found["default_schema"] = schema
    postgresql = flyway.get("postgresql")
    if isinstance(postgresql, dict):
        transactional = postgresql.get("transactional")
        lock = _bool(transactional.get("lock")) if isinstance(transactional, dict) else None
        if lock is None:
            lock = _bool(postgresql.get("transactional.lock"))
        if lock is not None:
            found["transactional_lock"] = lock
    return found


def _schema(default: Any, schemas: Any) -> str | None:
    """``defaultSchema``, else the first of ``schemas`` (a list, or text separated by commas)."""
    if isinstance(default, str) and default.strip():
        return default.strip().strip('"')
    if isinstance(schemas, str):
        schemas = schemas.split(",")
    if isinstance(schemas, list) and schemas and isinstance(schemas[0], str):
        first = schemas[0].strip().strip('"')
        return first or None
    return None


def _conf_settings(text: str) -> dict[str, Any]:
    values = _properties(text)
    found: dict[str, Any] = {}
    mixed = _bool(values.get("flyway.mixed"))
    if mixed is not None:
        found["mixed"] = mixed
    schema = _schema(values.get("flyway.defaultSchema"), values.get("flyway.schemas"))
    if schema is not None:
        found["default_schema"] = schema
    lock = _bool(values.get("flyway.postgresql.transactional.lock"))
    if lock is not None:
        found["transactional_lock"] = lock
    return found


#: Spring Boot's Flyway properties, keys compared without case, ``-``, ``_`` and ``.``
_SPRING_KEYS = {
    "springflywaymixed": "mixed",
    "springflywaypostgresqltransactionallock": "transactional_lock",
}
SPRING_CONFIG_NAMES = ("application.properties", "application.yml", "application.yaml")


def _spring_key(key: str) -> str:
    return re.sub(r"[-_.\s\"']", "", key).lower()


def _yaml_values(text: str) -> dict[str, str]:
    """``a.b.c: value`` for each scalar of a simple YAML file (nesting by indentation only)."""
    values: dict[str, str] = {}
    stack: list[tuple[int, str]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith(("#", "-", "---")):
            continue
        match = re.match(r"^(\s*)([^:#]+?)\s*:(?:\s+(.*?))?\s*(?:#.*)?$", raw)
        if match is None:
            continue
        indent = len(match.group(1))
        while stack and stack[-1][0] >= indent:
            stack.pop()
        key = match.group(2).strip()
        value = match.group(3)
        if value:
            values[".".join([*(k for _, k in stack), key])] = value.strip().strip("\"'")
        else:
            stack.append((indent, key))
    return values


def _spring_settings(path: Path, text: str) -> dict[str, Any]:
    values = _properties(text) if path.suffix == ".properties" else _yaml_values(text)
    found: dict[str, Any] = {}
    schemas: dict[str, str] = {}
    for key, value in values.items():
        spring_key = _spring_key(key)
        if spring_key in ("springflywaydefaultschema", "springflywayschemas"):
            schemas[spring_key] = value
            continue
        setting = _SPRING_KEYS.get(spring_key)
        flag = _bool(value)
        if setting is not None and flag is not None:
            found[setting] = flag
    schema = _schema(schemas.get("springflywaydefaultschema"), schemas.get("springflywayschemas"))
    if schema is not None:
        found["default_schema"] = schema
    return found


def _config_files(directory: Path, reader: FileReader) -> Iterator[Path]:
    """Flyway configuration files from ``directory`` up to the repository root, nearest first
    (``flyway.toml``/``flyway.conf`` and ``conf/flyway.conf`` at each level, and Spring Boot's
    ``application.properties``/``.yml`` that configure its Flyway)."""
    for folder in (directory, *directory.parents):
        for candidate in (
            folder / "flyway.toml",
            folder / "flyway.conf",
            folder / "conf" / "flyway.toml",
            folder / "conf" / "flyway.conf",
            *(folder / name for name in SPRING_CONFIG_NAMES),
        ):
            if reader.is_file(candidate):
                yield candidate
        if (folder / ".git").exists():
            return


def project_settings(directory: Path, reader: FileReader) -> FlywaySettings:
    """``mixed``, ``postgresql.transactional.lock`` and the default schema: the nearest file
    that sets each wins."""
    found: dict[str, Any] = {}
    for path in _config_files(directory, reader):
        text = reader.config_text(path)
        if text is None:
            continue
        if path.name in SPRING_CONFIG_NAMES:
            settings = _spring_settings(path, text)
        elif path.suffix == ".toml":
            settings = _toml_settings(text)
        else:
            settings = _conf_settings(text)
        for key, value in settings.items():
            found.setdefault(key, value)
    return FlywaySettings(
        mixed=found.get("mixed", False),
        transactional_lock=found.get("transactional_lock", True),
        default_schema=found.get("default_schema"),
    )


def execute_in_transaction(script: Path, reader: FileReader) -> bool:
    """The script's ``V1__x.sql.conf`` ``executeInTransaction`` (default true)."""
    text = reader.config_text(script.with_name(script.name + ".conf"))
    if text is None:
        return True
    value = _bool(_properties(text).get("executeInTransaction"))
    return True if value is None else value


def _section(kind: SectionKind, file: SourceFile, in_transaction: bool) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=whole_file(file),
        # the configured intent; Flyway may still run it without a transaction when its
        # parser detects a statement that cannot run in one (transactions.transaction_plan)
        wrapped=in_transaction,
        delivery=Delivery.PER_STATEMENT,
        opted_out=not in_transaction,
    )


def build(
    version: str | None,
    description: str,
    main: SourceFile,
    undo: SourceFile | None,
    settings: FlywaySettings,
    reader: FileReader,
) -> Migration:
    """One migration from its versioned (or repeatable) script and its undo script."""
    files = (main,) if undo is None else (main, undo)
    main_tx = execute_in_transaction(main.path, reader)
    migration = Migration(
        tool=Tool.FLYWAY,
        version=version,
        name=description,
        files=files,
        flyway=FlywaySettings(
            execute_in_transaction=main_tx,
            mixed=settings.mixed,
            transactional_lock=settings.transactional_lock,
            default_schema=settings.default_schema,
        ),
    )
    migration.problems.extend(bad_input_problems(reader, files))
    if reader.bad_input(main.path) is None:
        migration.sections.append(_section(SectionKind.UP, main, main_tx))
    if undo is not None and reader.bad_input(undo.path) is None:
        undo_tx = execute_in_transaction(undo.path, reader)
        migration.sections.append(_section(SectionKind.DOWN, undo, undo_tx))
    # Flyway expands ${placeholders} in every script by default
    migration.templated = any("${" in file.text for file in files)
    return migration


def _scripts(directory: Path, reader: FileReader) -> Iterator[Path]:
    """Flyway scripts under ``directory``, recursively (hidden and build folders skipped)."""
    listing = reader.listing(directory)
    for name in listing.files:
        if file_parts(name) is not None:
            yield listing.path(name)
    for name in listing.dirs:
        if not name.startswith(".") and name not in SKIPPED_DIRS:
            yield from _scripts(directory / name, reader)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Versioned migrations by version (with their undo scripts), then repeatables by
    description: Flyway's order."""
    settings = project_settings(directory, reader)
    versioned: list[tuple[str, str, Path]] = []
    undo: dict[tuple[int, ...], Path] = {}
    repeatable: list[tuple[str, Path]] = []
    for path in _scripts(directory, reader):
        parts = file_parts(path.name)
        assert parts is not None
        prefix, version, description = parts
        if prefix == "R":
            repeatable.append((description, path))
        elif prefix == "U" and version is not None:
            undo.setdefault(version_key(version), path)
        elif version is not None:
            versioned.append((version, description, path))
    versioned.sort(key=lambda item: (version_key(item[0]), item[2].name))
    repeatable.sort(key=lambda item: (item[0], item[1].name))
    migrations = []
    for version, description, path in versioned:
        undo_path = undo.pop(version_key(version), None)
        migrations.append(
            build(
                version,
                description,
                reader.read(path),
                reader.read(undo_path) if undo_path else None,
                settings,
                reader,
            )
        )
    for description, path in repeatable:
        migrations.append(build(None, description, reader.read(path), None, settings, reader))
    for path in undo.values():
        parts = file_parts(path.name)
        assert parts is not None and parts[1] is not None
        migrations.append(_undo_only(parts[1], parts[2], reader.read(path), settings, reader))
    return migrations


def _undo_only(
    version: str, description: str, file: SourceFile, settings: FlywaySettings, reader: FileReader
) -> Migration:
    """An undo script without its versioned script: still checked, as a down section."""
    migration = build(version, description, file, None, settings, reader)
    migration.sections = [
        Section(
            kind=SectionKind.DOWN,
            file=section.file,
            span=section.span,
            wrapped=section.wrapped,
            delivery=section.delivery,
            opted_out=section.opted_out,
        )
        for section in migration.sections
    ]
    return migration


def load_file(path: Path, reader: FileReader, root: Path | None = None) -> Migration | None:
    """The migration holding ``path``: a versioned script with its undo script, an undo script
    with its versioned one, or a repeatable script. ``root`` is the Flyway location the script
    belongs to (defaults to its folder), where configuration lookup starts."""
    parts = file_parts(path.name)
    if parts is None:
        return None
    prefix, version, description = parts
    settings = project_settings(root or path.parent, reader)
    if prefix == "R" or version is None:
        return build(None, description, reader.read(path), None, settings, reader)
    key = version_key(version)
    partner_prefix = "U" if prefix == "V" else "V"
    partner: Path | None = None
    partner_description = description
    for candidate in _scripts(root or path.parent, reader):
        found = file_parts(candidate.name)
        if (
            found is not None
            and found[0] == partner_prefix
            and found[1] is not None
            and version_key(found[1]) == key
        ):
            partner, partner_description = candidate, found[2]
            break
    this = reader.read(path)
    other = reader.read(partner) if partner is not None else None
    if prefix == "V":
        return build(version, description, this, other, settings, reader)
    if other is None:
        return _undo_only(version, description, this, settings, reader)
    return build(version, partner_description, other, this, settings, reader)
