"""The one analysis entry point: the CLI and the language server both call these functions."""

from __future__ import annotations

from pathlib import Path

import attrs

from pgmig_lsp.catalog.builtins import builtins_for
from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.migrations.model import Migration, Section, SectionKind
from pgmig_lsp.migrations.transactions import mark_transactions
from pgmig_lsp.name_conventions import NAME_KINDS, NameTemplates
from pgmig_lsp.rules.base import Group, MigrationContext, Rule, SectionContext
from pgmig_lsp.rules.registry import RULES
from pgmig_lsp.sql import templates
from pgmig_lsp.sql.parse import ParsedSQL, parse_sql
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


def parse_section(section: Section) -> SectionParse:
    """Parse a section's SQL; template placeholders are substituted first."""
    text = section.text
    spans = templates.placeholders(text) if ("${" in text or "{{" in text) else []
    if spans:
        text = templates.substitute(text, spans)
    parsed = parse_sql(text, section.span.start, psql=section.psql)
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
) -> Analysis:
    """`analyze_migration`, also returning the schema after the up section.

    ``before`` is not changed: the migration is replayed into a fork of it.
    """
    selection = selection or select_rules(settings)
    catalog = before.fork() if before is not None else Catalog()
    start_session(migration, catalog)
    context = MigrationContext(
        migration=migration,
        catalog=catalog,
        pg_version=settings.pg_version,
        builtins=builtins_for(settings.pg_version),
        name_templates=NameTemplates.configured(settings.naming).over(learned_names),
    )
    rules: list[Rule] = [
        RULES[rule_id](context, severity) for rule_id, severity in selection.rules.items()
    ]
    for problem in migration.problems:
        severity = selection.severity(problem.rule)
        if severity is not None:
            context.findings.append(
                Finding(problem.rule, severity, problem.message, problem.file.path, problem.span)
            )

    replay = Replay(catalog, str(migration.path))
    # the rules see what the replay creates, as it creates it
    context.created_tables = replay.created_tables
    templated_files: set[Path] = set()
    after_up: Catalog | None = None
    for section in sorted(migration.sections, key=lambda s: _SECTION_ORDER[s.kind]):
        parsed = parse_section(section)
        if parsed.templated:
            templated_files.add(section.file.path)
        _check_section(context, rules, section, parsed, replay, selection)
        if section.kind is SectionKind.UP:
            after_up = catalog.fork()
    for rule in _having(rules, "end_migration"):
        _guarded(context, rule, "end_migration")

    _report_templates(context, templated_files, selection)
    suppressions: dict[Path, FileSuppressions] = {
        file.path: read_suppressions(file) for file in migration.files
    }
    findings = apply_suppressions(
        context.findings, suppressions, set(RULES), selection.severity("unused-ignore")
    )
    findings.sort(key=lambda f: (str(f.path), f.span.start, f.span.end, f.rule))
    after = after_up if after_up is not None else catalog.fork()
    return Analysis(findings, context.internal_errors, after)


def _check_section(
    context: MigrationContext,
    rules: list[Rule],
    section: Section,
    parsed: SectionParse,
    replay: Replay,
    selection: RuleSelection,
) -> None:
    statements = parsed.parsed.statements
    for index, statement in enumerate(statements):
        statement.index = index
    mark_transactions(context.migration, section, statements)
    syntax = selection.severity("syntax-error")
    if syntax is not None and not parsed.templated:
        for error in parsed.parsed.errors:
            context.findings.append(
                Finding(
                    "syntax-error",
                    syntax,
                    f"PostgreSQL will reject this: {error.message}",
                    section.file.path,
                    error.span,
                    section=section.kind.value,
                )
            )
    active = [rule for rule in rules if rule.runs_on(section.kind)]
    section_context = SectionContext(context, section, statements)
    context.statements[id(section)] = statements
    if section.kind is SectionKind.UP:
        context.up_statements = statements
    by_kind: dict[str, list[Rule]] = {}
    every: list[Rule] = []
    for rule in _having(active, "check_statement"):
        if rule.kinds is None:
            every.append(rule)
        else:
            for kind in rule.kinds:
                by_kind.setdefault(kind, []).append(rule)
    for rule in _having(active, "begin_section"):
        _guarded(context, rule, "begin_section", section_context)
    for statement in statements:
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


def _report_templates(
    context: MigrationContext, files: set[Path], selection: RuleSelection
) -> None:
    severity = selection.severity("templated-sql")
    if severity is None:
        return
    for file in context.migration.files:
        if file.path not in files:
            continue
        spans = templates.placeholders(file.text)
        first = spans[0]
        context.findings.append(
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
