"""sqitch: ``sqitch.plan`` lists the changes; ``deploy/``, ``revert/`` and ``verify/`` hold one
script per change.

The plan decides the order. A reworked change (its name appears again later in the plan) keeps
its older scripts as ``<name>@<tag>.sql``, where the tag is the first tag after the older entry
whose script exists (sqitch's ``path_segments``). sqitch runs each script through ``psql``,
which sends the statements one by one in autocommit mode: the script decides about
transactions (sqitch's templates wrap it in ``BEGIN; … COMMIT;``). ``sqitch.conf`` may move the
plan and the script folders (``top_dir``, ``plan_file``, ``deploy_dir``, … under ``[core]`` or
``[engine "pg"]``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import attrs

from pgmig_lsp.migrations.files import (
    SKIPPED_DIRS,
    FileReader,
    bad_input_problems,
    first_line,
    problem,
    whole_file,
)
from pgmig_lsp.migrations.model import Delivery, Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile, Span

PLAN = "sqitch.plan"
CONF = "sqitch.conf"
_CHANGE = re.compile(r"^([+-]?)([^\s\[]+)")
_SECTION = re.compile(r'^\[\s*([A-Za-z0-9_.-]+)(?:\s+"([^"]*)")?\s*\]')
_SETTING = re.compile(r"^([A-Za-z0-9_-]+)\s*=\s*(.*?)\s*$")


@attrs.frozen
class Layout:
    """Where a sqitch project keeps its plan and scripts."""

    plan: Path
    deploy: Path
    revert: Path
    verify: Path
    extension: str = "sql"

    def script_dirs(self) -> tuple[tuple[SectionKind, Path], ...]:
        return (
            (SectionKind.UP, self.deploy),
            (SectionKind.DOWN, self.revert),
            (SectionKind.VERIFY, self.verify),
        )


@attrs.frozen
class PlanChange:
    """One change entry of the plan."""

    name: str
    #: the script name without extension: ``name``, or ``name@tag`` for a reworked older entry
    script: str
    #: 0-based line of the entry in the plan
    line: int


def _conf_settings(text: str) -> dict[str, str]:
    """The ``[core]`` settings, overridden by ``[engine "pg"]`` (git-config syntax)."""
    core: dict[str, str] = {}
    engine: dict[str, str] = {}
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        header = _SECTION.match(line)
        if header is not None:
            name, sub = header.group(1).lower(), header.group(2)
            current = core if name == "core" and sub is None else None
            if name == "engine" and sub == "pg":
                current = engine
            continue
        setting = _SETTING.match(line)
        if setting is not None and current is not None:
            current[setting.group(1).lower()] = setting.group(2).strip('"')
    return {**core, **engine}


def _same(a: Path, b: Path) -> bool:
    return os.path.normpath(a) == os.path.normpath(b)


def layout(directory: Path, reader: FileReader) -> Layout:
    """The project layout seen from ``directory`` (the folder holding ``sqitch.plan``, or the
    project root holding ``sqitch.conf``)."""
    for base in (directory, directory.parent):
        text = reader.config_text(base / CONF)
        if text is None:
            continue
        settings = _conf_settings(text)
        top = base / settings.get("top_dir", ".")
        if base is directory or _same(top, directory):
            break
    else:
        base, settings, top = directory, {}, directory

    def folder(key: str, default: str) -> Path:
        value = settings.get(key)
        return (
            Path(os.path.normpath(base / value)) if value else Path(os.path.normpath(top / default))
        )

    plan_file = settings.get("plan_file")
    plan = (
        Path(os.path.normpath(base / plan_file))
        if plan_file
        else Path(os.path.normpath(top / PLAN))
    )
    return Layout(
        plan=plan,
        deploy=folder("deploy_dir", "deploy"),
        revert=folder("revert_dir", "revert"),
        verify=folder("verify_dir", "verify"),
        extension=settings.get("extension", "sql"),
    )


def _script_path(folder: Path, script: str, extension: str) -> Path:
    # change names may hold "/": sqitch turns them into sub-folders
    return folder.joinpath(*script.split("/")).with_name(script.split("/")[-1] + "." + extension)


def plan_changes(text: str, lay: Layout, reader: FileReader) -> list[PlanChange]:
    """The plan's change entries in order, with the script name each one runs."""
    entries: list[tuple[str, int]] = []
    # tags that follow each entry, by entry index
    tags: dict[int, list[str]] = {}
    for number, raw in enumerate(text.splitlines()):
        line = raw.strip()
        if not line or line[0] in "#%":
            continue
        if line[0] == "@":
            if entries:
                tags.setdefault(len(entries) - 1, []).append(line.split()[0])
            continue
        match = _CHANGE.match(line)
        if match is None or match.group(1) == "-":
            # "-change" records a revert in the plan's history: nothing to deploy
            continue
        entries.append((match.group(2), number))

    changes: list[PlanChange] = []
    for index, (name, number) in enumerate(entries):
        later = next((j for j in range(index + 1, len(entries)) if entries[j][0] == name), None)
        script = name
        if later is not None:
            candidates = [tag for j in range(index, later) for tag in tags.get(j, [])]
            script = name + candidates[0] if candidates else name
            for tag in candidates:
                path = _script_path(lay.deploy, name + tag, lay.extension)
                if reader.is_file(path):
                    script = name + tag
                    break
        changes.append(PlanChange(name=name, script=script, line=number))
    return changes


def _section(kind: SectionKind, file: SourceFile) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=whole_file(file),
        wrapped=False,
        delivery=Delivery.PER_STATEMENT,
        psql=True,
    )


def build(change: PlanChange, lay: Layout, reader: FileReader) -> Migration:
    """One change: its deploy (up), revert (down) and verify scripts."""
    paths = {
        kind: _script_path(folder, change.script, lay.extension)
        for kind, folder in lay.script_dirs()
    }
    deploy = reader.read(paths[SectionKind.UP])
    present = {kind: reader.is_file(path) for kind, path in paths.items()}
    files = [deploy]
    files.extend(
        reader.read(paths[kind]) for kind in (SectionKind.DOWN, SectionKind.VERIFY) if present[kind]
    )
    migration = Migration(
        tool=Tool.SQITCH,
        version=change.script,
        name=change.name,
        files=tuple(files),
        down_expected=not present[SectionKind.DOWN],
    )
    if not present[SectionKind.UP]:
        migration.problems.append(
            problem(
                deploy,
                Span(0, 0),
                f"sqitch.plan lists the change `{change.name}` (line {change.line + 1}) but "
                f"{paths[SectionKind.UP].name} is missing from {lay.deploy.name}/: "
                "`sqitch deploy` fails",
            )
        )
        return migration
    readable = [f for f in files if reader.bad_input(f.path) is None]
    migration.problems.extend(bad_input_problems(reader, files))
    kinds = {path: kind for kind, path in paths.items()}
    for file in readable:
        migration.sections.append(_section(kinds[file.path], file))
    return migration


def _unplanned(path: Path, kind: SectionKind, lay: Layout, reader: FileReader) -> Migration:
    """A script no plan entry runs: still checked, and reported."""
    file = reader.read(path)
    folder = {SectionKind.UP: lay.deploy, SectionKind.DOWN: lay.revert}.get(kind, lay.verify)
    relative = path.relative_to(folder).as_posix()
    name = relative[: -len(lay.extension) - 1]
    migration = Migration(tool=Tool.SQITCH, version=None, name=name, files=(file,))
    bad = bad_input_problems(reader, [file])
    migration.problems.extend(bad)
    if not bad:
        migration.sections.append(_section(kind, file))
    migration.problems.append(
        problem(
            file,
            first_line(file),
            f"sqitch never runs this script: {lay.plan.name} has no change `{name}` "
            f"(add it with `sqitch add {name}`, or delete the script)",
        )
    )
    return migration


def _scripts(folder: Path, extension: str, reader: FileReader) -> Iterator[Path]:
    listing = reader.listing(folder)
    for name in listing.files:
        if name.endswith("." + extension):
            yield folder / name
    for name in listing.dirs:
        if not name.startswith(".") and name not in SKIPPED_DIRS:
            yield from _scripts(folder / name, extension, reader)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every change of the project, in plan order, then deploy scripts the plan does not list."""
    lay = layout(directory, reader)
    text = reader.config_text(lay.plan)
    if text is None:
        return []
    migrations = [build(change, lay, reader) for change in plan_changes(text, lay, reader)]
    known = {file.path for migration in migrations for file in migration.files}
    for path in _scripts(lay.deploy, lay.extension, reader):
        if path not in known:
            migrations.append(_unplanned(path, SectionKind.UP, lay, reader))
    return migrations


def project_of(path: Path, reader: FileReader) -> tuple[Path, Layout, SectionKind] | None:
    """The sqitch project whose deploy/revert/verify folder holds ``path``."""
    for directory in list(path.parents)[:6]:
        if not (reader.is_file(directory / PLAN) or reader.is_file(directory / CONF)):
            continue
        lay = layout(directory, reader)
        for kind, folder in lay.script_dirs():
            if _inside(path, folder):
                return directory, lay, kind
    return None


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.normpath(path)).relative_to(os.path.normpath(folder))
    except ValueError:
        return False
    return True


def load_file(path: Path, reader: FileReader) -> Migration | None:
    """The change whose deploy, revert or verify script is ``path``."""
    found = project_of(path, reader)
    if found is None or not path.name.endswith("." + found[1].extension):
        return None
    _, lay, kind = found
    text = reader.config_text(lay.plan)
    changes = plan_changes(text, lay, reader) if text is not None else []
    target = os.path.normpath(path)
    for change in changes:
        for _, folder in lay.script_dirs():
            if os.path.normpath(_script_path(folder, change.script, lay.extension)) == target:
                return build(change, lay, reader)
    return _unplanned(path, kind, lay, reader)
