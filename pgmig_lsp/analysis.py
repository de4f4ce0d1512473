"""The one analysis entry point: the CLI and the language server both call these functions."""

from __future__ import annotations

from pathlib import Path

import attrs

from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.checkpoints import (
    AnalysisMemory,
    Checkpoint,
    Frame,
    Progress,
    Setting,
    marks,
    migration_shape,
    restore,
    save,
)
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.migrations.model import Migration, Section, SectionKind
from pgmig_lsp.migrations.transactions import mark_transactions
from pgmig_lsp.name_conventions import NAME_KINDS, NameTemplates
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.registry import RULES
from pgmig_lsp.sql import templates
from pgmig_lsp.sql.parse import ParsedSQL, reparse_sql
from pgmig_lsp.suppression import FileSuppressions, apply_suppressions, read_suppressions

_SECTION_ORDER = {SectionKind.UP: 0, SectionKind.DOWN: 1, SectionKind.VERIFY: 2}


@attrs.frozen
class RuleSelection:
    """The rules a run uses, each with its effective severity."""

    rules: dict[str, Severity]

    def severity(self, rule_id: str) -> Severity | None:
        return self.rules.get(rule_id)


def _expand(names: list[str]) -> set[str]:
    groups = {group.value for group in Group}
    out: set[str] = set()
    for name in names:
        if name == "all":
            out.update(RULES)
        elif name in groups:
            out.update(rule_id for rule_id, cls in RULES.items() if cls.group.value == name)
        else:
            out.add(name)
    return out


def select_rules(settings: Settings) -> RuleSelection:
    """Apply ``select``, ``extend_select``, ``ignore`` and ``severity`` to the registry."""
    if settings.select:
        chosen = _expand(settings.select)
    else:
        chosen = {rule_id for rule_id, cls in RULES.items() if cls.enabled_by_default}
    chosen |= _expand(settings.extend_select)
    chosen -= _expand(settings.ignore)
    rules: dict[str, Severity] = {}
    for rule_id in sorted(chosen):
        cls = RULES.get(rule_id)
        if cls is None:
            continue
        configured = settings.severity.get(rule_id)
        if configured == "off":
            continue
        rules[rule_id] = Severity(configured) if configured else cls.severity
    return RuleSelection(rules)


def learns_names(settings: Settings, selection: RuleSelection) -> bool:
    """Whether checking needs the name templates learned from earlier migrations: the naming
    rule runs and some kind of name has no configured template."""
    return selection.severity("naming-convention") is not None and any(
        kind not in settings.naming for kind in NAME_KINDS
    )


def unknown_rule_names(settings: Settings) -> list[str]:
    """Names in the settings that are neither rules nor groups (reported as warnings)."""
    known = set(RULES) | {group.value for group in Group} | {"all"}
    named = [*settings.select, *settings.extend_select, *settings.ignore, *settings.severity]
    return sorted({name for name in named if name not in known})


@attrs.define(eq=False)
class SectionParse:
    section: Section
    parsed: ParsedSQL
    templated: bool


def parse_section(section: Section, previous: ParsedSQL | None = None) -> SectionParse:
    """Parse a section's SQL; template placeholders are substituted first.

    ``previous``: the last parse of the section being edited, whose statements before the edit
    are kept (`reparse_sql`).
    """
    text = section.text
    spans = templates.placeholders(text) if ("${" in text or "{{" in text) else []
    if spans:
        text = templates.substitute(text, spans)
    parsed = reparse_sql(text, section.span.start, psql=section.psql, previous=previous)
    return SectionParse(section, parsed, bool(spans))


@attrs.define(eq=False)
class Analysis:
    findings: list[Finding]
    #: bugs caught while checking (a rule that raised): reported to the user as messages
    internal_errors: list[str]
    #: the schema after the migration's up section (the next migration's "before")
    after_up: Catalog


def analyze_migration(
    migration: Migration,
    settings: Settings,
    *,
    before: Catalog | None = None,
    selection: RuleSelection | None = None,
    learned_names: NameTemplates | None = None,
) -> list[Finding]:
    """Every finding of one migration, suppression comments applied, sorted by position.

    ``before`` is the schema before this migration (replayed history, snapshot or live); by
    default an empty catalog that does not know the history, so unknown objects count as existing.
    ``learned_names`` are the name templates learned from the migrations before it
    (`pgmig_lsp.name_conventions.NameLearner`); the configured ones win kind by kind.
    """
    return analyze(
        migration, settings, before=before, selection=selection, learned_names=learned_names
    ).findings


def start_session(migration: Migration, catalog: Catalog) -> None:
    """What the tool does to the connection before the migration runs (Flyway's schema)."""
    schema = migration.flyway.default_schema if migration.flyway is not None else None
    if schema:
        catalog.schemas.add(schema)  # Flyway creates the schemas it is given
        catalog.search_path = (schema, *(s for s in catalog.search_path if s != schema))


def replay_up(migration: Migration, catalog: Catalog) -> None:
    """Apply a migration's up section to ``catalog`` without checking it (history replay)."""
    start_session(migration, catalog)
    replay = Replay(catalog, str(migration.path))
    for section in migration.sections:
        if section.kind is not SectionKind.UP:
            continue
        for statement in parse_section(section).parsed.statements:
            replay.apply(
                statement,
                Origin(section.file.path, statement.span, replay.migration),
                section.file.text,
            )


def analyze(
    migration: Migration,
    settings: Settings,
    *,
    before: Catalog | None = None,
    selection: RuleSelection | None = None,
    learned_names: NameTemplates | None = None,
    memory: AnalysisMemory | None = None,
) -> Analysis:
    """`analyze_migration`, also returning the schema after the up section.

    ``before`` is not changed: the migration is replayed into a fork of it. ``memory`` (an
    editor's, per document) keeps checkpoints of this check, and resumes it from the last one an
    edit left valid: the findings are the same as without it.
    """
    selection = selection or select_rules(settings)
    name_templates = NameTemplates.configured(settings.naming).over(learned_names)
    sections = sorted(migration.sections, key=lambda s: _SECTION_ORDER[s.kind])
    parses = [
        parse_section(section, memory.previous_parse(index, section) if memory else None)
        for index, section in enumerate(sections)
    ]
    statements = [parsed.parsed.statements for parsed in parses]
    for section, section_statements in zip(sections, statements, strict=True):
        for index, statement in enumerate(section_statements):
            statement.index = index
        mark_transactions(migration, section, section_statements)

    context = MigrationContext(
        migration=migration,
        catalog=Catalog(),
        pg_version=settings.pg_version,
        builtins=builtins_for(settings.pg_version),
        name_templates=name_templates,
    )
    frame = Frame(
        migration,
        tuple(sections),
        tuple(statements),
        tuple(SectionContext(context, s, st) for s, st in zip(sections, statements, strict=True)),
    )
    setting = Setting(
        before, selection, settings.pg_version, name_templates, migration_shape(migration)
    )
    syntax_errors = [
        finding
        for parsed in parses
        if not parsed.templated
        for finding in _syntax_errors(parsed, selection)
    ]
    resumed = None
    trouble: list[str] = []
    if memory is not None:
        try:
            resumed = _resume(memory, setting, frame, syntax_errors)
        except Exception as exc:  # a bug in resuming must not stop the check: start over
            memory.checkpoints.clear()
            trouble.append(
                f"{migration.path}: resuming the check failed: {exc!r}; please report it"
            )
    if resumed is None:
        progress = _start(context, before, selection, migration)
        progress.context.syntax_errors = syntax_errors
        frame.bind(progress.context)  # (a failed resume may have bound another)
        first_section, first_statement = 0, 0
    else:
        progress, first_section, first_statement = resumed
    progress.context.internal_errors.extend(trouble)
    for index in range(first_section, len(sections)):
        _check_section(
            progress,
            frame,
            index,
            first_statement if index == first_section else 0,
            memory,
            resumed is not None,
            saved=resumed is not None and index == first_section,
        )
    if memory is not None:
        memory.remember(setting, migration, sections, [p.parsed for p in parses])

    context = progress.context
    for rule in _having(progress.rules, "end_migration"):
        _guarded(context, rule, "end_migration")
    findings = [*context.findings, *_format_problems(migration, selection)]
    if selection.severity("syntax-error") is not None:
        findings.extend(syntax_errors)
    templated_files = {p.section.file.path for p in parses if p.templated}
    findings.extend(_templates(migration, templated_files, selection))
    suppressions: dict[Path, FileSuppressions] = {
        file.path: read_suppressions(file) for file in migration.files
    }
    findings = apply_suppressions(
        findings, suppressions, set(RULES), selection.severity("unused-ignore")
    )
    findings.sort(key=lambda f: (str(f.path), f.span.start, f.span.end, f.rule, f.message))
    after = progress.after_up if progress.after_up is not None else context.catalog.fork()
    return Analysis(findings, context.internal_errors, after)


def _resume(
    memory: AnalysisMemory, setting: Setting, frame: Frame, syntax_errors: list[Finding]
) -> tuple[Progress, int, int] | None:
    """The state to go on from after an edit, and where (section, statement); None: start over."""
    sections, statements = frame.sections, frame.statements
    checkpoint = memory.resume_point(setting, frame.migration, sections, statements)
    while checkpoint is not None:
        progress = restore(checkpoint, frame)
        index, position = checkpoint.section, checkpoint.statement
        context = progress.context
        frame.bind(context)
        context.migration = frame.migration
        context.syntax_errors = syntax_errors
        context.statements = {
            id(section): statements[i] for i, section in enumerate(sections[: index + 1])
        }
        if position == 0:
            del context.statements[id(sections[index])]
        section = frame.contexts[index]
        # (a rule that fails here makes the check start over, through `analyze`)
        if all(rule.resume(section, position) for rule in progress.rules):
            memory.resumed += 1
            memory.skipped += sum(len(st) for st in statements[:index]) + position
            return progress, index, position
        # what a rule read further down changed: the checkpoints from this one on are stale
        memory.checkpoints = memory.checkpoints[: memory.checkpoints.index(checkpoint)]
        checkpoint = memory.checkpoints[-1] if memory.checkpoints else None
    return None


def _start(
    context: MigrationContext,
    before: Catalog | None,
    selection: RuleSelection,
    migration: Migration,
) -> Progress:
    """The state of a check before its first statement."""
    context.catalog = before.fork() if before is not None else Catalog()
    start_session(migration, context.catalog)
    rules: list[Rule] = [
        RULES[rule_id](context, severity) for rule_id, severity in selection.rules.items()
    ]
    replay = Replay(context.catalog, str(migration.path))
    # the rules see what the replay creates, as it creates it
    context.created_tables = replay.created_tables
    return Progress(context, rules, replay)


def _format_problems(migration: Migration, selection: RuleSelection) -> list[Finding]:
    found = []
    for problem in migration.problems:
        severity = selection.severity(problem.rule)
        if severity is not None:
            found.append(
                Finding(problem.rule, severity, problem.message, problem.file.path, problem.span)
            )
    return found


def _syntax_errors(parsed: SectionParse, selection: RuleSelection) -> list[Finding]:
    """The section's syntax errors as findings (also when the rule is off: rules ask whether
    a section parsed)."""
    severity = selection.severity("syntax-error") or Severity.ERROR
    section = parsed.section
    return [
        Finding(
            "syntax-error",
            severity,
            f"PostgreSQL will reject this: {error.message}",
            section.file.path,
            error.span,
            section=section.kind.value,
        )
        for error in parsed.parsed.errors
    ]


def _check_section(
    progress: Progress,
    frame: Frame,
    index: int,
    first: int,
    memory: AnalysisMemory | None,
    resumed: bool = False,
    *,
    saved: bool = False,
) -> None:
    """Check section ``index`` of ``frame`` from its statement ``first`` on (``resumed``: from a
    checkpoint, after an edit; ``saved``: from one kept at ``first``)."""
    context = progress.context
    section = frame.sections[index]
    statements = frame.statements[index]
    section_context = frame.contexts[index]
    if first == 0:
        context.statements[id(section)] = statements
        if section.kind is SectionKind.UP:
            context.up_statements = statements
        if memory is not None and not saved:
            _save(memory, progress, frame, index, 0)
    active = [rule for rule in progress.rules if rule.runs_on(section.kind)]
    by_kind: dict[str, list[Rule]] = {}
    every: list[Rule] = []
    for rule in _having(active, "check_statement"):
        if rule.kinds is None:
            every.append(rule)
        else:
            for kind in rule.kinds:
                by_kind.setdefault(kind, []).append(rule)
    if first == 0:
        for rule in _having(active, "begin_section"):
            _guarded(context, rule, "begin_section", section_context)
    replay = progress.replay
    for position in range(first, len(statements)):
        statement = statements[position]
        if (
            memory is not None
            and position > first
            and memory.keeps(position, first, resumed, len(statements))
        ):
            _save(memory, progress, frame, index, position)
        context.next_step()
        for rule in (*every, *by_kind.get(statement.kind, ())):
            _guarded(context, rule, "check_statement", statement, section_context)
        try:
            replay.apply(
                statement,
                Origin(section.file.path, statement.span, replay.migration),
                section.file.text,
            )
        except Exception as exc:  # a bug must not stop the check of the file
            context.internal_errors.append(
                f"{section.file.path}: replay failed at offset {statement.span.start}: {exc!r}"
            )
    for rule in _having(active, "end_section"):
        _guarded(context, rule, "end_section", section_context)
    if section.kind is SectionKind.UP:
        progress.after_up = context.catalog.fork()


def _save(
    memory: AnalysisMemory, progress: Progress, frame: Frame, index: int, position: int
) -> None:
    """Keep the state before statement ``position`` of section ``index`` (0: before the section
    begins) for the document's next check."""
    section = frame.sections[index]
    statements = frame.statements[index]
    boundary = statements[position].span.start if position else section.span.start
    memory.checkpoints.append(
        Checkpoint(
            index,
            position,
            section.file.path,
            boundary,
            marks(statements[:position]),
            save(progress, frame),
            frame,
        )
    )


def _having(rules: list[Rule], hook: str) -> list[Rule]:
    """The rules that do something in ``hook`` (the others would be calls for nothing)."""
    return [rule for rule in rules if getattr(type(rule), hook) is not getattr(Rule, hook)]


def _guarded(context: MigrationContext, rule: Rule, hook: str, *args: object) -> None:
    """Run one rule hook; a rule's bug is recorded, never allowed to stop the whole check."""
    try:
        getattr(rule, hook)(*args)
    except Exception as exc:
        context.internal_errors.append(
            f"{context.migration.path}: internal error in rule {rule.id} ({hook}): {exc!r}; "
            "please report it"
        )


def _templates(migration: Migration, files: set[Path], selection: RuleSelection) -> list[Finding]:
    severity = selection.severity("templated-sql")
    if severity is None:
        return []
    found = []
    for file in migration.files:
        if file.path not in files:
            continue
        spans = templates.placeholders(file.text)
        first = spans[0]
        found.append(
            Finding(
                "templated-sql",
                severity,
                f"this file holds {len(spans)} template placeholder(s) such as "
                f"`{file.text[first.start : first.end]}`: pgmig checks it with placeholders "
                "replaced by names, and PostgreSQL will only accept it after the tool substitutes "
                "them",
                file.path,
                first,
            )
        )
    return found
