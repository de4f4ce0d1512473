"""What a rule is and what it sees: the migration, its sections and statements, the catalog."""

from __future__ import annotations

import enum
import itertools
from collections.abc import Iterator
from typing import TYPE_CHECKING, ClassVar

import attrs

from pgmig_lsp.catalog.model import Catalog, Key, Table
from pgmig_lsp.findings import Finding, Fix, Severity
from pgmig_lsp.migrations.model import Migration, Section, SectionKind, Tool
from pgmig_lsp.source import SourceFile, Span
from pgmig_lsp.sql.nodes import Node, QualifiedName, relation_name
from pgmig_lsp.sql.parse import Statement

if TYPE_CHECKING:
    from pgmig_lsp.catalog.builtins import Builtins
    from pgmig_lsp.name_conventions import NameTemplates


class Group(enum.Enum):
    """Rule groups (RULES.md); they decide which sections a rule sees."""

    CORRECTNESS = "correctness"
    ROLLBACK = "rollback"
    LOCKING = "locking"
    BREAKING = "breaking"
    DESIGN = "design"
    DRIFT = "drift"


#: numbers for the points of checking (see `MigrationContext.step`), never reused
_STEPS = itertools.count(1)


@attrs.define(eq=False)
class MigrationContext:
    """Everything a rule may ask about the migration being checked."""

    migration: Migration
    #: the schema as replay has it right now (before the statement being checked)
    catalog: Catalog
    pg_version: int
    builtins: Builtins
    #: keys of relations (tables, views) created by this migration so far
    created_tables: set[Key] = attrs.Factory(set)
    #: per section (by ``id``): its statements, in order (filled as the engine goes)
    statements: dict[int, list[Statement]] = attrs.Factory(dict)
    findings: list[Finding] = attrs.Factory(list)
    #: the up section's statements, also available while checking the down section
    up_statements: list[Statement] = attrs.Factory(list)
    #: bugs caught while checking (a rule that raised), for the user's attention
    internal_errors: list[str] = attrs.Factory(list)
    #: the templates names must fit: configured, over those learned from the earlier migrations
    #: (None: no convention, names are not checked)
    name_templates: NameTemplates | None = None
    #: the syntax errors of every section, known before any rule runs
    syntax_errors: list[Finding] = attrs.Factory(list)
    #: a number for the point of checking (a new one for each statement checked): answers
    #: computed for a statement are valid while it stays the same
    step: int = attrs.Factory(lambda: next(_STEPS))

    def next_step(self) -> None:
        self.step = next(_STEPS)

    @property
    def tool(self) -> Tool:
        return self.migration.tool

    def table_key(self, name: QualifiedName | Node | None) -> Key | None:
        if name is None:
            return None
        if not isinstance(name, QualifiedName):
            name = relation_name(name)
            if name is None:
                return None
        return self.catalog.resolve(name.schema, name.name, self.catalog.tables)  # type: ignore[arg-type]

    def table(self, name: QualifiedName | Node | None) -> Table | None:
        key = self.table_key(name)
        return self.catalog.tables.get(key) if key else None

    def is_new_table(self, name: QualifiedName | Node | None) -> bool:
        """Created by this migration (so empty, and unknown to running clients)."""
        key = self.table_key(name)
        return key is not None and key in self.created_tables and key in self.catalog.tables

    def existed_before(self, name: QualifiedName | Node | None) -> bool:
        """The table existed before this migration (unknown tables are assumed to)."""
        return not self.is_new_table(name)


@attrs.define(eq=False)
class SectionContext:
    """One section being checked, with the statements seen so far."""

    migration: MigrationContext
    section: Section
    statements: list[Statement]

    @property
    def file(self) -> SourceFile:
        return self.section.file

    @property
    def kind(self) -> SectionKind:
        return self.section.kind

    def text(self, span: Span) -> str:
        return self.section.file.text[span.start : span.end]


class Rule:
    """A check. Subclasses set the class attributes and override the hooks they need.

    The engine creates one instance per migration and calls, in order: ``begin_section`` for each
    section, ``check_statement`` for each statement whose kind is in ``kinds`` (before the
    statement is replayed into the catalog, so the catalog shows the state it runs against),
    ``end_section``, and ``end_migration`` once. Hooks report through ``self.report``.
    """

    id: ClassVar[str]
    group: ClassVar[Group]
    severity: ClassVar[Severity]
    enabled_by_default: ClassVar[bool] = True
    #: statement kinds ``check_statement`` wants; empty means none, None means all
    kinds: ClassVar[frozenset[str] | None] = frozenset()
    #: short summary for ``pgmig rules``
    summary: ClassVar[str] = ""

    def __init__(self, context: MigrationContext, severity: Severity) -> None:
        self.context = context
        self.effective_severity = severity

    @classmethod
    def runs_on(cls, kind: SectionKind) -> bool:
        """Up sections get every rule; down sections correctness and rollback rules (and
        ``cascade-drop``); verify scripts only ``syntax-error``."""
        if kind is SectionKind.UP:
            return True
        if kind is SectionKind.DOWN:
            return cls.group in (Group.CORRECTNESS, Group.ROLLBACK) or cls.id == "cascade-drop"
        return cls.id == "syntax-error"

    # -- hooks ---------------------------------------------------------------------------

    def begin_section(self, section: SectionContext) -> None:
        """Called before the first statement of a section."""

    def check_statement(self, statement: Statement, section: SectionContext) -> None:
        """Called for each statement of a kind in ``kinds``, in order."""

    def end_section(self, section: SectionContext) -> None:
        """Called after the last statement of a section."""

    def end_migration(self) -> None:
        """Called once after every section."""

    def resume(self, section: SectionContext, position: int) -> bool:
        """Called on a rule restored from a checkpoint after an edit, before checking goes on
        from statement ``position`` of ``section`` (0: before the section begins).

        A rule whose hooks read statements after the one they check (or anything else an edit
        further down can change) returns False when what it read changed, and the check starts
        over; a rule keeping a view of the whole section refreshes it here from ``section``.
        """
        return True

    # -- reporting -----------------------------------------------------------------------

    def report(
        self,
        section: SectionContext | None,
        span: Span,
        message: str,
        *,
        statement: Statement | Span | None = None,
        fix: Fix | None = None,
        file: SourceFile | None = None,
    ) -> None:
        """Record a finding of this rule at ``span`` (code points in the section's file)."""
        anchor = statement.span if isinstance(statement, Statement) else statement
        target = file or (section.file if section else self.context.migration.files[0])
        self.context.findings.append(
            Finding(
                rule=self.id,
                severity=self.effective_severity,
                message=message,
                path=target.path,
                span=span,
                statement=anchor,
                section=section.kind.value if section else None,
                fix=fix,
            )
        )


def iter_rule_classes() -> Iterator[type[Rule]]:
    """Every registered rule class (see ``pgmig_lsp.rules.registry``)."""
    from pgmig_lsp.rules.registry import RULES

    yield from RULES.values()
