"""Checking paths: files, migration directories, or trees holding several of them (monorepos).

This is what ``pgmig check`` runs; the language server calls `check_migration` for one document,
so both go through `pgmig_lsp.analysis.analyze_migration` with the same settings.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from pgmig_lsp.cache import FindingsCache, migration_key
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.migrations.discover import (
    find_migration_dirs,
    history_directory,
    load_directory,
    load_file,
)
from pgmig_lsp.migrations.model import FormatProblem, Migration, Tool
from pgmig_lsp.name_conventions import NameLearner, NameTemplates
from pgmig_lsp.report import CheckResult
from pgmig_lsp.source import SourceFile

if TYPE_CHECKING:
    from pgmig_lsp.analysis import RuleSelection


class InputError(Exception):
    """A path given on the command line that cannot be checked (exit code 2)."""


def _tool(settings: Settings) -> Tool | None:
    if settings.tool is None:
        return None
    try:
        return Tool(settings.tool)
    except ValueError:
        known = ", ".join(tool.value for tool in Tool)
        raise InputError(f"unknown migration tool `{settings.tool}` (known: {known})") from None


@attrs.define(eq=False)
class _Run:
    settings: Settings
    cache: FindingsCache | None
    selection: RuleSelection | None = None
    files: dict[Path, SourceFile] = attrs.Factory(dict)
    findings: list[Finding] = attrs.Factory(list)
    messages: list[str] = attrs.Factory(list)
    seen: set[Path] = attrs.Factory(set)

    def rules(self) -> RuleSelection:
        if self.selection is None:
            from pgmig_lsp.analysis import select_rules

            self.selection = select_rules(self.settings)
        return self.selection

    def learns_names(self) -> bool:
        from pgmig_lsp.analysis import learns_names

        return learns_names(self.settings, self.rules())

    def add_history(self, migrations: list[Migration], only: Path | None = None) -> None:
        """Check migrations in order, each against the schema its predecessors leave and with
        the name templates learned from them.

        A migration's findings depend on the migrations before it, so its cache key chains
        theirs. On a cache miss the history is replayed (without checking) up to that point.
        """
        history: Catalog | None = None
        replayed = 0
        #: created at the first migration checked (a warm cache needs neither it nor the rules)
        names: NameLearner | None = None
        chain = migration_key([])
        for position, migration in enumerate(migrations):
            parts: list[str | bytes] = [chain, migration.tool.value, repr(migration.flyway)]
            for file in migration.files:
                parts.extend((str(file.path), file.text))
            chain = key = migration_key(parts)
            wanted = only is None or any(file.path == only for file in migration.files)
            if not wanted or migration.path in self.seen:
                continue
            self.seen.add(migration.path)
            for file in migration.files:
                self.files[file.path] = file
            cached = self.cache.get(key) if self.cache is not None else None
            if cached is not None:
                self.findings.extend(cached)
                continue
            from pgmig_lsp.analysis import analyze, replay_up

            if history is None:
                history = Catalog()
                names = NameLearner(migrations) if self.learns_names() else None
            while replayed < position:
                if names is not None:
                    names.observe(replayed, history)
                replay_up(migrations[replayed], history)
                replayed += 1
            learned: NameTemplates | None = None
            if names is not None:
                names.observe(position, history)
                learned = names.at(position)
            result = analyze(
                migration,
                self.settings,
                before=history,
                selection=self.rules(),
                learned_names=learned,
            )
            history = result.after_up
            replayed = position + 1
            self.findings.extend(result.findings)
            self.messages.extend(result.internal_errors)
            if self.cache is not None and not result.internal_errors:
                self.cache.put(key, result.findings)

    def add_problems(self, problems: Iterable[FormatProblem]) -> None:
        problems = list(problems)
        if not problems:
            return  # the rule selection (which imports every rule) is not needed
        for problem in problems:
            self.files.setdefault(problem.file.path, problem.file)
        self.findings.extend(problem_findings(problems, self.rules()))


def problem_findings(problems: Iterable[FormatProblem], selection: RuleSelection) -> list[Finding]:
    """Findings for the problems of a migration set (mixed formats, duplicate versions)."""
    findings = []
    for problem in problems:
        severity = selection.severity(problem.rule)
        if severity is not None:
            findings.append(
                Finding(problem.rule, severity, problem.message, problem.file.path, problem.span)
            )
    return findings


def check_migration(
    migration: Migration, settings: Settings, selection: RuleSelection | None = None
) -> list[Finding]:
    """Findings of one migration (the language server's entry point too)."""
    from pgmig_lsp.analysis import analyze_migration

    return analyze_migration(migration, settings, selection=selection)


def configured_dirs(settings: Settings, start: Path) -> list[Path]:
    """The configured migration directories, or the ones detected under ``start``."""
    if settings.migration_dirs:
        root = settings.root or start
        return [(root / d) for d in settings.migration_dirs]
    return find_migration_dirs(start)


def check_paths(
    paths: list[Path], settings: Settings, *, cache_root: Path | None = None
) -> CheckResult:
    """Check files, migration directories and trees; ``cache_root`` None disables the cache."""
    cache = FindingsCache(cache_root, settings.fingerprint()) if cache_root else None
    run = _Run(settings, cache)
    tool = _tool(settings)
    for path in paths:
        if not path.exists():
            raise InputError(f"{path}: no such file or directory")
        if path.is_file():
            migration = load_file(path, tool=tool)
            if migration is None:
                run.messages.append(f"{path}: not a migration file of a known format; skipped")
                continue
            # the file is checked against the history of its directory, as in a directory run,
            # with the directory's problems that are about it (a duplicate version, …)
            history = load_directory(history_directory(migration), tool)
            if any(m.path == migration.path for m in history.migrations):
                run.add_problems(p for p in history.problems if p.file.path == path)
                run.add_history(history.migrations, only=path)
            else:
                run.add_history([migration])
            continue
        directories = find_migration_dirs(path)
        if not directories:
            run.messages.append(f"{path}: no migrations found")
        for directory in directories:
            migration_set = load_directory(directory, tool)
            run.add_problems(migration_set.problems)
            run.add_history(migration_set.migrations)
    if cache is not None:
        cache.save()
    return CheckResult(run.findings, run.files, run.messages)


def exit_code(findings: list[Finding], fail_on: str) -> int:
    """1 when a finding is at or above ``fail_on``, else 0."""
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in findings) else 0
