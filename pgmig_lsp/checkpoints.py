"""Checking a migration again after an edit from the last point the edit cannot have changed.

The rules go through a migration's statements in order, each one before it is replayed into the
catalog, and a rule's hooks for a statement see only the statements before it (their look-ahead
waits for ``end_section``). So the state of a check just before a statement — the catalog, every
rule's memory, the findings so far — depends only on the text before that statement. A document
being edited keeps that state (a *checkpoint*) every `SPACING` statements and at the start of each
section; the next check of the document resumes from the last checkpoint before the first
character that changed, and re-parses only from there (`pgmig_lsp.sql.parse.reparse_sql`).

Resuming is only allowed when nothing else a rule reads changed: the schema before the migration
(the same object), the rules and their severities, the PostgreSQL version, the name templates,
the migration's tool and settings, the sections before the edit, and whether each statement before
the checkpoint runs in a transaction (a later statement can change that: PostgreSQL's implicit
transaction, Flyway's non-transactional detection).
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.migrations.model import Migration, Section
from pgmig_lsp.name_conventions import NameTemplates
from pgmig_lsp.rules.base import MigrationContext, Rule, SectionContext
from pgmig_lsp.sql.parse import ParsedSQL, Statement, common_prefix

if TYPE_CHECKING:
    from pgmig_lsp.analysis import RuleSelection

#: a checkpoint every this many statements (resuming re-checks at most this many before the edit)
SPACING = 16
#: after resuming, checkpoints further than `SPACING` from the edit are this many times sparser
#: (the next keystrokes resume near the edit; the gaps fill in as the edits move down)
SPARSER = 4
#: at most about this many checkpoints in a section: a longer one gets them further apart (a
#: checkpoint copies the findings so far, so their total would grow with the square of its size)
MOST = 64

#: types whose values a state copy shares as they are (immutable, or never changed by checking);
#: grows as `carry` meets them
_SHARED: set[type] = {str, int, float, bool, type(None), bytes, frozenset, Path}
_CONTAINERS = frozenset({list, dict, set, tuple, types.MethodType})


@attrs.define(eq=False)
class Progress:
    """Everything a check of one migration has built up to some statement (what a checkpoint
    keeps, and what resuming copies back)."""

    context: MigrationContext
    rules: list[Rule]
    replay: Replay
    #: the schema after the up section, once the check went past it
    after_up: Catalog | None = None


@attrs.frozen(eq=False)
class Frame:
    """The objects of one check that a later check replaces: its migration and, per section (in
    checking order), the section, its statements and its rules' view of it."""

    migration: Migration
    sections: tuple[Section, ...]
    statements: tuple[list[Statement], ...]
    contexts: tuple[SectionContext, ...]

    def relinks(self, newer: Frame, upto: int) -> dict[int, Any]:
        """A copy's memo mapping this frame's objects to ``newer``'s, sections up to ``upto``."""
        memo: dict[int, Any] = {id(self.migration): newer.migration}
        for old, new in zip(self.migration.files, newer.migration.files, strict=False):
            memo[id(old)] = new
        for index in range(min(upto + 1, len(self.sections), len(newer.sections))):
            memo[id(self.sections[index])] = newer.sections[index]
            memo[id(self.statements[index])] = newer.statements[index]
            memo[id(self.contexts[index])] = newer.contexts[index]
        return memo

    def bind(self, context: MigrationContext) -> None:
        """Make the rules' view of each section belong to ``context`` (the check's, fresh or
        restored)."""
        for section_context in self.contexts:
            section_context.migration = context


@attrs.frozen(eq=False)
class Checkpoint:
    """The check's state just before statement ``statement`` of section ``section``
    (``statement`` 0: before the section's ``begin_section``)."""

    section: int
    statement: int
    #: where the text this state depends on ends (the statement's start), in ``path``
    path: Path
    boundary: int
    #: ``(in_transaction, in_function)`` of the section's statements before it
    marks: tuple[tuple[bool, bool], ...]
    progress: Progress
    frame: Frame


@attrs.frozen(eq=False)
class Setting:
    """What every statement's check depends on besides the text before it."""

    before: Catalog | None
    selection: RuleSelection
    pg_version: int
    name_templates: NameTemplates | None
    migration: tuple[object, ...]

    def same(self, other: Setting) -> bool:
        return (
            self.before is other.before
            and self.selection == other.selection
            and self.pg_version == other.pg_version
            and self.name_templates == other.name_templates
            and self.migration == other.migration
        )


def migration_shape(migration: Migration) -> tuple[object, ...]:
    """What rules read of a migration apart from its sections' text."""
    return (
        migration.tool,
        migration.version,
        migration.name,
        migration.templated,
        migration.flyway,
        migration.down_expected,
        tuple(file.path for file in migration.files),
        # rules ask whether a later section exists
        tuple((section.kind, section.file.path) for section in migration.sections),
    )


def _section_shape(section: Section) -> tuple[object, ...]:
    return (
        section.kind,
        section.file.path,
        section.span.start,
        section.wrapped,
        section.delivery,
        section.opted_out,
        section.marker,
        section.psql,
    )


def marks(statements: Sequence[Statement]) -> tuple[tuple[bool, bool], ...]:
    return tuple((s.in_transaction, s.in_function) for s in statements)


@attrs.define(eq=False)
class AnalysisMemory:
    """What the last check of one document leaves for the next: its parses and checkpoints."""

    setting: Setting | None = None
    texts: dict[Path, str] = attrs.Factory(dict)
    sections: tuple[Section, ...] = ()
    parses: tuple[ParsedSQL, ...] = ()
    checkpoints: list[Checkpoint] = attrs.Factory(list)
    #: statements between two checkpoints inside a section
    spacing: int = SPACING
    #: checks that resumed from a checkpoint, and statements they did not check again (tests and
    #: the benchmark read them)
    resumed: int = 0
    skipped: int = 0

    def keeps(self, position: int, first: int, resumed: bool, count: int) -> bool:
        """Whether a check that started at statement ``first`` of a section of ``count``
        statements keeps a checkpoint before its statement ``position``."""
        spacing = max(self.spacing, -(-count // MOST))
        if position % spacing:
            return False
        return not resumed or position - first <= spacing or position % (SPARSER * spacing) == 0

    def previous_parse(self, index: int, section: Section) -> ParsedSQL | None:
        """The last parse of the section at ``index`` when it starts where it started then."""
        if index >= len(self.sections) or _reshaped(self.sections[index], section):
            return None
        return self.parses[index]

    def resume_point(
        self,
        setting: Setting,
        migration: Migration,
        sections: Sequence[Section],
        statements: Sequence[list[Statement]],
    ) -> Checkpoint | None:
        """The last checkpoint the edit since the last check leaves valid (None: start over)."""
        if self.setting is None or not self.setting.same(setting):
            self.checkpoints.clear()
            return None
        same = {
            file.path: common_prefix(self.texts.get(file.path, ""), file.text)
            for file in migration.files
        }
        section_marks = [marks(listed) for listed in statements]
        # a checkpoint valid after the edit means every earlier one is: the first invalid one
        # is found by bisection
        low, high = 0, len(self.checkpoints)
        while low < high:
            middle = (low + high) // 2
            if self._valid(self.checkpoints[middle], same, sections, statements, section_marks):
                low = middle + 1
            else:
                high = middle
        del self.checkpoints[low:]
        return self.checkpoints[-1] if self.checkpoints else None

    def _valid(
        self,
        checkpoint: Checkpoint,
        same: dict[Path, int],
        sections: Sequence[Section],
        statements: Sequence[list[Statement]],
        section_marks: Sequence[tuple[tuple[bool, bool], ...]],
    ) -> bool:
        index = checkpoint.section
        if index >= len(sections) or checkpoint.boundary > same.get(checkpoint.path, -1):
            return False
        for earlier in range(index):
            old, new = self.sections[earlier], sections[earlier]
            if old.span != new.span or _reshaped(old, new):
                return False
            if same.get(old.file.path, -1) < old.span.end:
                return False
        if _reshaped(self.sections[index], sections[index]):
            return False
        count = checkpoint.statement
        kept = checkpoint.frame.statements[index]
        current = statements[index]
        # the statements before the checkpoint are the ones it saw (kept by the parse): the last
        # one is, if the text up to the boundary is unchanged and the parse kept it
        if len(current) < count or (count and kept[count - 1] is not current[count - 1]):
            return False
        return section_marks[index][:count] == checkpoint.marks

    def remember(
        self,
        setting: Setting,
        migration: Migration,
        sections: Sequence[Section],
        parses: Sequence[ParsedSQL],
    ) -> None:
        self.setting = setting
        self.texts = {file.path: file.text for file in migration.files}
        self.sections = tuple(sections)
        self.parses = tuple(parses)


def _reshaped(old: Section, new: Section) -> bool:
    """Whether a section starts elsewhere now, or runs differently (its end may move)."""
    return _section_shape(old) != _section_shape(new)


def save(progress: Progress, frame: Frame) -> Progress:
    """A copy of ``progress`` that later checking does not change (the statement lists of
    ``frame`` are kept as they are: `restore` replaces them)."""
    memo: dict[int, Any] = {id(listed): listed for listed in frame.statements}
    copied: Progress = carry(progress, memo, _live(progress))
    return copied


def restore(checkpoint: Checkpoint, frame: Frame) -> Progress:
    """A copy of a checkpoint's state for a check of newer text (``frame``)."""
    memo = checkpoint.frame.relinks(frame, checkpoint.section)
    copied: Progress = carry(checkpoint.progress, memo, _live(checkpoint.progress))
    return copied


def _live(progress: Progress) -> frozenset[int]:
    """The catalogs a state copy copies: the one replay writes, and the schema after the up
    section (handed to the history). Others (a rule's snapshot) are never written: shared."""
    live = {id(progress.context.catalog)}
    if progress.after_up is not None:
        live.add(id(progress.after_up))
    return frozenset(live)


def carry(value: Any, memo: dict[int, Any], live: frozenset[int]) -> Any:
    """Copy a check's state: its containers, replay, rules and the rules' own records, deeply,
    and the ``live`` catalogs (by id); everything else (statements, trees, spans, findings,
    catalog entries, other catalogs) is shared, since checking never changes it. ``memo`` maps
    objects already copied (or replaced)."""
    kind = type(value)
    if kind in _SHARED:
        return value
    known = memo.get(id(value))
    if known is not None:
        return known
    if kind is list:
        if all(type(item) in _SHARED for item in value):
            copied_list = list(value)
        else:
            copied_list = []
            memo[id(value)] = copied_list
            copied_list.extend(carry(item, memo, live) for item in value)
        memo[id(value)] = copied_list
        return copied_list
    if kind is dict:
        if all(type(item) in _SHARED for item in value.values()):
            copied_dict = dict(value)
        else:
            copied_dict = {}
            memo[id(value)] = copied_dict
            for key, item in value.items():
                copied_dict[key] = carry(item, memo, live)
        memo[id(value)] = copied_dict
        return copied_dict
    if kind is set:
        copied_set = set(value)
        memo[id(value)] = copied_set
        return copied_set
    if kind is tuple:
        items = tuple(carry(item, memo, live) for item in value)
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    if kind is Catalog:
        copied_catalog = value.checkpoint() if id(value) in live else value
        memo[id(value)] = copied_catalog
        return copied_catalog
    if kind is types.MethodType:
        return types.MethodType(value.__func__, carry(value.__self__, memo, live))
    if _holds_state(kind):
        copied = object.__new__(kind)
        memo[id(value)] = copied
        for name, item in _fields(value):
            object.__setattr__(copied, name, carry(item, memo, live))
        return copied
    if kind not in _CONTAINERS:
        _SHARED.add(kind)  # (shared by every copy from now on, without a look)
    return value


def _holds_state(kind: type) -> bool:
    """Objects whose copy is part of a state copy: rules, the replay, the migration's context,
    Progress, and the mutable records the rules keep."""
    found = _STATEFUL.get(kind)
    if found is None:
        found = issubclass(kind, (Rule, Replay, Progress, MigrationContext)) or (
            kind.__module__.startswith("pgmig_lsp.rules.")
            and attrs.has(kind)
            and not _frozen(kind)
            and kind is not SectionContext
        )
        _STATEFUL[kind] = found
    return found


_STATEFUL: dict[type, bool] = {}


def _frozen(kind: type) -> bool:
    return getattr(kind.__setattr__, "__name__", "") == "_frozen_setattrs"


def _fields(value: Any) -> list[tuple[str, Any]]:
    names = getattr(value, "__dict__", None)
    if names is not None:
        return list(names.items())
    return [(field.name, getattr(value, field.name)) for field in attrs.fields(type(value))]
