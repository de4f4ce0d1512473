"""The editor's view of migration histories: per directory, the migrations in the order their
tool applies them and the schema before each one, replayed once and kept.

`pgmig check FILE` replays a file's predecessors and analyzes it against the result
(`pgmig_lsp.workspace`); the language server does the same, but keeps what it replayed: a
keystroke then costs one analysis of the edited migration, not a replay of the history.

- The schema before migration *i* is the up sections of migrations *0 … i-1* replayed into an
  empty catalog (`pgmig_lsp.analysis.replay_up`), exactly as ``pgmig check`` does it.
- Replaying moves a frontier forward; every `CHECKPOINT` positions, and at each position asked
  for, a copy-on-write fork is kept (`Catalog.fork`), so any position is at most a few replays
  away without one catalog per migration in memory.
- A changed migration (an unsaved buffer, a file changed on disk) invalidates the schemas after
  it and nothing before it. An edited buffer does so only when the schema it leaves changed:
  typing a statement that does not parse yet, a comment after the last statement or a data
  change keeps every later schema.

Not thread-safe: the language server calls it from one worker thread.
"""

from __future__ import annotations

import itertools
import os
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from pathlib import Path

import attrs

from pgmig_lsp.analysis import RuleSelection, analyze, learns_names, replay_up
from pgmig_lsp.catalog.model import Catalog, Mark
from pgmig_lsp.catchup import Delta, OldSchema, Segment
from pgmig_lsp.checkpoints import AnalysisMemory
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding
from pgmig_lsp.migrations.discover import (
    MigrationSet,
    history_directory,
    load_directory,
    load_file,
)
from pgmig_lsp.migrations.model import FormatProblem, Migration, SectionKind, Tool
from pgmig_lsp.name_conventions import NameLearner, NameTemplates
from pgmig_lsp.source import SourceFile
from pgmig_lsp.workspace import problem_findings

#: tools whose migrations are files of one directory (the others have folders, or plans)
_FLAT_TOOLS = frozenset(
    {Tool.DBMATE, Tool.GOOSE, Tool.GOLANG_MIGRATE, Tool.FLYWAY, Tool.SUPABASE, Tool.SQLX}
)
#: a fork of the replayed schema is kept every this many migrations
CHECKPOINT = 16
#: how many exact "before" schemas (of the positions the editor asked for) are kept
PINNED = 32
#: documents larger than this (characters) are checked from their start at each check: the
#: checkpoints of a long migration hold a copy of the catalog's name maps each (the largest real
#: migration is 33 KB; a 1 MB one would keep ~100 MB of them)
RESUMABLE = 256_000
#: the schema before a file outside any history: nothing known (one object, so that the checks
#: of an edited document can resume, see `pgmig_lsp.checkpoints`)
_UNKNOWN_HISTORY = Catalog()


def _up_texts(migration: Migration) -> tuple[tuple[int, str], ...]:
    """What the replay of a migration depends on (where its up sections start too: the objects
    it makes remember where their statements are)."""
    return tuple((s.span.start, s.text) for s in migration.sections if s.kind is SectionKind.UP)


@attrs.define(eq=False)
class History:
    """One migration directory: its migrations in order and the schema before each."""

    directory: Path
    tool: Tool | None
    migration_set: MigrationSet
    _positions: dict[Path, int] = attrs.field(init=False, factory=dict)
    #: position → schema before it, every `CHECKPOINT` positions (never changed in place)
    _checkpoints: dict[int, Catalog] = attrs.field(init=False, factory=dict)
    #: position → schema before it, for positions the editor asked for (least recent first)
    _pinned: OrderedDict[int, Catalog] = attrs.field(init=False, factory=OrderedDict)
    #: the replay's progress: ``_frontier`` is the schema before ``_frontier_at`` (owned here)
    _frontier: Catalog = attrs.field(init=False, factory=Catalog)
    _frontier_at: int = attrs.field(init=False, default=0)
    #: position → the schema the migration there leaves, as last checked (open documents)
    _after: dict[int, Catalog] = attrs.field(init=False, factory=dict)
    #: per checkpoint, the keys its segment wrote (`pgmig_lsp.catchup`), in this replay
    _segments: dict[int, Segment] = attrs.field(init=False, factory=dict)
    #: the frontier's change marks at checkpoints (where each segment's writes start)
    _marks: dict[int, Mark] = attrs.field(init=False, factory=dict)
    #: checkpoints replayed before an edit, to catch up from; and the current difference
    _old: dict[int, OldSchema] = attrs.field(init=False, factory=dict)
    _delta: Delta | None = attrs.field(init=False, default=None)
    #: name templates learned at checkpoints before an edit (`_keep_learned`)
    _learned_before: dict[int, NameTemplates] = attrs.field(init=False, factory=dict)
    _worlds: Iterator[int] = attrs.field(init=False, factory=itertools.count)
    #: name templates learned at checkpoints (`pgmig_lsp.name_conventions`)
    _names: NameLearner = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self._index()
        self._names = NameLearner(self.migrations)

    @classmethod
    def load(
        cls, directory: Path, tool: Tool | None, texts: Mapping[Path, str] | None = None
    ) -> History:
        """Read a directory's migrations; ``texts`` are unsaved editor buffers."""
        return cls(directory, tool, load_directory(directory, tool, texts=texts))

    def _index(self) -> None:
        self._positions = {
            file.path: position
            for position, migration in enumerate(self.migrations)
            for file in migration.files
        }

    @property
    def migrations(self) -> list[Migration]:
        return self.migration_set.migrations

    @property
    def replayed(self) -> int:
        """How many migrations the frontier has replayed."""
        return self._frontier_at

    def position(self, path: Path) -> int | None:
        """The position of the migration one of whose files is ``path``."""
        return self._positions.get(path)

    def problems_for(self, path: Path) -> list[FormatProblem]:
        """The set's problems shown on ``path``."""
        return [p for p in self.migration_set.problems if p.file.path == path]

    def before(self, position: int, budget: int = CHECKPOINT) -> Catalog | None:
        """The schema before ``position`` if at most ``budget`` replays away, else None.

        The result is kept for the next call; callers fork it, never change it.
        """
        pinned = self._pinned.get(position)
        if pinned is not None:
            self._pinned.move_to_end(position)
            return pinned
        if position >= self._frontier_at:
            if position - self._frontier_at > budget:
                return None
            self.advance(position, budget)
            catalog = self._frontier.fork()
        else:
            start = max(p for p in self._checkpoints if p <= position)
            if position - start > budget:
                return None
            catalog = self._checkpoints[start].fork()
            for migration in self.migrations[start:position]:
                replay_up(migration, catalog)
        self._pinned[position] = catalog
        while len(self._pinned) > PINNED:
            self._pinned.popitem(last=False)
        return catalog

    def advance(self, target: int, budget: int) -> bool:
        """Replay at most ``budget`` migrations towards ``target``; True once it is reached.

        After an edit, a segment the edit cannot reach costs one step (`pgmig_lsp.catchup`).
        """
        target = min(target, len(self.migrations))
        steps = 0
        while self._frontier_at < target and steps < budget:
            steps += 1
            at = self._frontier_at
            if at % CHECKPOINT == 0:
                if at not in self._checkpoints:
                    # forking hands every object to copy-on-write: the frontier stays changeable
                    self._checkpoints[at] = self._frontier.fork()
                self._marks[at] = self._frontier.mark()
                for passed in [k for k in self._old if k < at]:
                    del self._old[passed]  # behind the frontier: never caught up from again
                if self._catch_up(at, target):
                    continue
            replay_up(self.migrations[at], self._frontier)
            self._frontier_at += 1
            if self._frontier_at % CHECKPOINT == 0:
                self._close_segment(self._frontier_at - CHECKPOINT)
        if self._frontier_at % CHECKPOINT == 0 and self._frontier_at not in self._checkpoints:
            self._checkpoints[self._frontier_at] = self._frontier.fork()
        return self._frontier_at >= target

    def _catch_up(self, at: int, target: int) -> bool:
        """Take the segment at ``at`` from the schemas replayed before an edit, when the edit
        cannot reach it; True when done (the frontier is then at the segment's end)."""
        old = self._old.get(at)
        segment = old.segment if old is not None else None
        if old is None or segment is None or not segment.unchanged(self.migrations):
            return False
        end = at + len(segment.migrations)
        old_end = self._old.get(end)
        if end > target or old_end is None or old.world != old_end.world:
            return False
        delta = self._delta
        if delta is None or delta.position != at:
            delta = self._delta = Delta.between(at, self._frontier, old.catalog)
        self._keep_learned(at, delta, old.catalog)
        if delta is None or delta.reaches(segment):
            return False
        self._frontier.copy_entries(old_end.catalog, segment.writes)
        self._frontier_at = delta.position = end
        if end == at + CHECKPOINT:
            self._segments[at] = segment
        return True

    def _keep_learned(self, at: int, delta: Delta | None, old: Catalog) -> None:
        """The name templates learned at ``at`` before the edit still hold when the schema
        there differs in no named object (a new table with nothing but columns, a type)."""
        learned = self._learned_before.pop(at, None)
        if learned is None or delta is None or delta.has_named_objects(self._frontier, old):
            return
        self._names.keep(at, learned)

    def _close_segment(self, start: int) -> None:
        """The frontier replayed the segment at ``start``: keep what it wrote, and carry the
        delta of an edit over it."""
        mark = self._marks.get(start)
        if mark is None:
            return
        self._segments[start] = segment = self._frontier_segment(start, mark)
        writes = segment.writes
        delta, old, old_end = self._delta, self._old.get(start), self._old.get(start + CHECKPOINT)
        self._delta = None
        if delta is None or delta.position != start or old is None or old_end is None:
            return
        if old.segment is None or old.world != old_end.world:
            return  # measured again in full where it is needed
        written = tuple(a | b for a, b in zip(writes, old.segment.writes, strict=True))
        if delta.settle(self._frontier, old_end.catalog, written):
            delta.position = start + CHECKPOINT
            self._delta = delta

    def _frontier_segment(self, start: int, mark: Mark) -> Segment:
        """The migrations the frontier replayed since ``start`` (where ``mark`` was taken) and
        the keys they wrote."""
        return Segment(
            start,
            tuple(self.migrations[start : self._frontier_at]),
            self._frontier.written_since(mark),
        )

    def learned_names(self, position: int, budget: int = CHECKPOINT) -> NameTemplates | None:
        """The name templates learned from the migrations before ``position`` (at its
        checkpoint), as ``pgmig check`` learns them; None: nothing learned."""
        return self._names.at_position(
            position, lambda at: self._checkpoints.get(at) or self.before(at, budget)
        )

    def invalidate_after(self, position: int) -> None:
        """Forget every schema that depends on migration ``position`` (those after it).

        The forgotten checkpoints are kept as the old schemas that `advance` catches up from.
        """
        self._learned_before.update(self._names.forget_after(position))
        world = next(self._worlds)
        for at in sorted(at for at in self._checkpoints if at > position):
            self._old[at] = OldSchema(self._checkpoints[at], self._segments.get(at), world)
        last = self._frontier_at - self._frontier_at % CHECKPOINT
        if last > position and self._frontier_at > last and last in self._marks:
            # the frontier stopped inside a segment: that part can be caught up from too
            self._old[self._frontier_at] = OldSchema(self._frontier.fork(), None, world)
            self._old[last].segment = self._frontier_segment(last, self._marks[last])
        for at, old in self._old.items():
            if old.segment is not None and at <= position < at + CHECKPOINT:
                old.segment = None  # it replayed the migration that changed
        for at in [at for at in self._segments if at + CHECKPOINT > position]:
            del self._segments[at]
        self._delta = None
        for space in (self._checkpoints, self._pinned, self._after):
            for key in [key for key in space if key > position]:
                del space[key]
        if self._frontier_at > position:
            start = max(p for p in self._checkpoints if p <= position)
            self._frontier = self._checkpoints[start].fork()
            self._frontier_at = start
            self._marks = {start: self._frontier.mark()}

    def update(self, migration: Migration) -> bool:
        """Put an edited migration in its place; True when what it does may have changed.

        The caller checks it, then calls `settle` with the schema it leaves.
        """
        position = self.position(migration.path)
        if position is None:
            return False
        old = self.migrations[position]
        self.migrations[position] = migration
        return _up_texts(old) != _up_texts(migration) or [f.path for f in old.files] != [
            f.path for f in migration.files
        ]

    def settle(self, position: int, changed: bool, after: Catalog | None) -> bool:
        """The migration at ``position`` was checked and leaves ``after`` (None: not known);
        True when the schemas after it were invalidated.

        They are kept when its text did not change, or when it leaves exactly the schema (origins
        included) it left when last checked.
        """
        known = self._after.pop(position, None)
        if after is not None:
            self._after[position] = after
        if not changed or (known is not None and known == after):
            return False
        self.invalidate_after(position)
        if after is not None and self._frontier_at <= position:
            # the check replayed the migration already: go on from the schema it left
            self._frontier = after.fork()
            self._frontier_at = position + 1
            self._marks = {}
        return True

    def check_each(
        self, settings: Settings, selection: RuleSelection
    ) -> Iterator[tuple[Migration, list[Finding], list[str]]]:
        """Check every migration in order, each against the schema its predecessors leave, as
        ``pgmig check DIRECTORY`` does; yields each migration, its findings and internal errors.
        """
        catalog = Catalog()
        names = NameLearner(self.migrations) if learns_names(settings, selection) else None
        for position, migration in enumerate(self.migrations):
            learned = None
            if names is not None:
                names.observe(position, catalog)
                learned = names.at(position)
            result = analyze(
                migration, settings, before=catalog, selection=selection, learned_names=learned
            )
            catalog = result.after_up
            yield migration, result.findings, result.internal_errors

    def reload(self, texts: Mapping[Path, str] | None = None) -> int | None:
        """Read the directory again; the first position whose migration changed, or None.

        Schemas after that position are invalidated; the ones before it are kept.
        """
        old = self.migrations
        self.migration_set = load_directory(self.directory, self.tool, texts=texts)
        self._index()
        self._old.clear()  # other migrations: what was replayed before cannot be caught up from
        self._names = NameLearner(self.migrations)
        new = self.migrations
        changed = next(
            (
                i
                for i, (a, b) in enumerate(zip(old, new, strict=False))
                # the tool and its settings decide how a migration runs (Flyway's mixed mode)
                if a.path != b.path
                or _up_texts(a) != _up_texts(b)
                or (a.tool, a.flyway) != (b.tool, b.flyway)
            ),
            None,
        )
        if changed is None and len(old) != len(new):
            changed = min(len(old), len(new))
        if changed is not None:
            self.invalidate_after(changed)
        return changed


def _large(directory: Path, budget: int) -> bool:
    """Whether ``directory`` may hold more than ``budget`` migrations (one look at its entries)."""
    try:
        with os.scandir(directory) as entries:
            return sum(1 for _ in entries) > budget
    except OSError:
        return False


@attrs.define(eq=False)
class DocumentCheck:
    """The findings of one open document, as ``pgmig check`` reports them for that file."""

    #: the document's migration (None: not a migration file pgmig knows)
    migration: Migration | None
    #: the document's text as a source file (for offsets)
    file: SourceFile
    #: findings in this file only, sorted by position
    findings: list[Finding]
    #: checked against the replayed history (False: the history was not replayed yet, so objects
    #: the file does not create count as existing)
    complete: bool
    #: the directory's history, when the file belongs to one
    history: History | None = None
    #: the document's position in its history
    position: int | None = None
    #: the edit changed what later migrations see (their schemas were invalidated)
    invalidated: bool = False
    internal_errors: list[str] = attrs.Factory(list)


@attrs.define(eq=False)
class Histories:
    """The histories of every migration directory the editor touched, by directory and tool."""

    _histories: dict[tuple[Path, Tool | None], History] = attrs.field(factory=dict)
    #: per open document, what its last check keeps for the next (`AnalysisMemory`)
    _memories: dict[Path, AnalysisMemory] = attrs.field(factory=dict)

    def get(
        self, directory: Path, tool: Tool | None, texts: Mapping[Path, str] | None = None
    ) -> History:
        """The history of ``directory``, read on first use."""
        key = (directory, tool)
        history = self._histories.get(key)
        if history is None:
            history = self._histories[key] = History.load(directory, tool, texts)
        return history

    def loaded(self) -> list[History]:
        return list(self._histories.values())

    def clear(self) -> None:
        self._histories.clear()
        self._memories.clear()

    def forget(self, path: Path) -> None:
        """Drop what the checks of a document kept (it was closed)."""
        self._memories.pop(path, None)

    def containing(self, path: Path) -> list[History]:
        """The histories a file at ``path`` may belong to (a migration, a plan, a sibling)."""
        return [
            h
            for h in self._histories.values()
            if h.directory == path.parent or h.directory in path.parents
        ]

    def check(
        self,
        path: Path,
        text: str,
        settings: Settings,
        selection: RuleSelection,
        *,
        tool: Tool | None,
        texts: Mapping[Path, str] | None = None,
        budget: int = CHECKPOINT,
        preview: bool = False,
    ) -> DocumentCheck:
        """Check an open document against its directory's history, as ``pgmig check`` would.

        When the schema before the document is more than ``budget`` replays away, the document
        is checked without its history (``complete`` False); `History.advance` then prepares it.
        ``preview``: a directory of more than ``budget`` migrations not read yet is not read now
        (the first findings of a document come without waiting for it; ``history`` is None).
        """
        known = self._histories.get((path.parent, tool))
        if (
            tool is None
            and known is not None
            and known.migration_set.tool in _FLAT_TOOLS
            and len(known.migrations) >= CHECKPOINT
        ):
            # a long history's tool does not change with one file's edit: no detection (it
            # reads the head of every file of the directory) on every keystroke
            migration = load_file(path, text=text, tool=known.migration_set.tool)
        else:
            migration = load_file(path, text=text, tool=tool)
        if migration is None:
            return DocumentCheck(None, SourceFile(path, text), [], True)
        file = migration.file_for(path) or SourceFile(path, text)
        directory = history_directory(migration)
        if preview and (directory, tool) not in self._histories and _large(directory, budget):
            result = analyze(migration, settings, selection=selection)
            mine = [f for f in result.findings if f.path == path]
            return DocumentCheck(
                migration, file, mine, False, None, None, False, result.internal_errors
            )
        history = self.get(directory, tool, texts)
        position = history.position(path)
        invalidated = changed = False
        before: Catalog | None = _UNKNOWN_HISTORY
        extra: list[Finding] = []
        if position is not None:
            changed = history.update(migration)
            before = history.before(position, budget)
            extra = problem_findings(history.problems_for(path), selection)
        learned = None
        if position is not None and before is not None and learns_names(settings, selection):
            learned = history.learned_names(position, budget)
        memory = self._memories.get(path)
        if len(text) > RESUMABLE:
            self._memories.pop(path, None)
            memory = None
        elif memory is None:
            memory = self._memories[path] = AnalysisMemory()
        result = analyze(
            migration,
            settings,
            before=before,
            selection=selection,
            learned_names=learned,
            memory=memory,
        )
        if position is not None:
            after = result.after_up if before is not None else None
            invalidated = history.settle(position, changed, after)
        findings = [f for f in result.findings if f.path == path] + extra
        findings.sort(key=lambda f: (f.span.start, f.span.end, f.rule))
        return DocumentCheck(
            migration,
            file,
            findings,
            before is not None,
            history if position is not None else None,
            position,
            invalidated,
            result.internal_errors,
        )
