"""A migration history replayed once, keeping the statements that built each object.

`pgmig analyze` and the conventions learned from a history both need more than the final
catalog: which statement created a view (to know what it reads), a policy (to read its
expression), and whether a ``CREATE INDEX`` went on a table that existed before its migration.
`replay_history` replays the up sections as `pgmig_lsp.analysis.replay_up` does and records
each statement with the table it acts on, as the catalog resolved it at that point.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from pgmig_lsp.catalog.model import Catalog, Key, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.migrations.model import Migration, SectionKind
from pgmig_lsp.sql.nodes import relation_name
from pgmig_lsp.sql.parse import Statement

#: where each statement kind names the table it acts on
_TARGET_FIELDS = {
    "CreateStmt": "relation",
    "AlterTableStmt": "relation",
    "IndexStmt": "relation",
    "CreateTrigStmt": "relation",
    "CreatePolicyStmt": "table",
}


@attrs.frozen(eq=False)
class ReplayedStatement:
    """One statement of an up section, as the replay met it."""

    migration: Migration
    path: Path
    statement: Statement
    #: the table the statement acts on (``CREATE INDEX … ON t``, ``ALTER TABLE t``), resolved
    #: against the catalog just before the statement; None for other statements
    target: Key | None
    #: the target was created earlier in the same migration (so it is new and empty)
    target_is_new: bool


@attrs.frozen(eq=False)
class ReplayedHistory:
    """The migrations of one directory, the catalog they build and the statements that built it."""

    migrations: tuple[Migration, ...]
    #: the schema after every up section
    catalog: Catalog
    #: every up statement, in the order the tool runs them
    statements: tuple[ReplayedStatement, ...]
    #: the migration directory (file names in reports are relative to it); None: not known
    directory: Path | None = None
    _by_origin: dict[tuple[Path, int], ReplayedStatement] = attrs.field(init=False, factory=dict)
    _shown: dict[Path, str] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        for replayed in self.statements:
            self._by_origin[(replayed.path, replayed.statement.span.start)] = replayed

    def statement_at(self, origin: Origin | None) -> Statement | None:
        """The statement that created (or last changed) an object, from its origin."""
        if origin is None:
            return None
        replayed = self._by_origin.get((origin.path, origin.span.start))
        return replayed.statement if replayed is not None else None

    def shown_path(self, path: Path | None) -> str | None:
        """A file name as reports show it: relative to the migration directory when inside it."""
        if path is None:
            return None
        shown = self._shown.get(path)
        if shown is None:
            directory = self.directory
            if directory is not None and path.is_relative_to(directory):
                shown = path.relative_to(directory).as_posix()
            else:
                shown = path.as_posix()
            self._shown[path] = shown
        return shown


def replay_history(
    migrations: Sequence[Migration], directory: Path | None = None
) -> ReplayedHistory:
    """Replay the up sections of ``migrations``, in order, into an empty (complete) catalog."""
    # imported here: `analysis` imports the rule registry, and rules may import modules that
    # import this one
    from pgmig_lsp.analysis import parse_section

    catalog = Catalog(complete=True)
    recorded: list[ReplayedStatement] = []
    for migration in migrations:
        replay = Replay(catalog, str(migration.path))
        for section in migration.sections:
            if section.kind is not SectionKind.UP:
                continue
            path = section.file.path
            for statement in parse_section(section).parsed.statements:
                field = _TARGET_FIELDS.get(statement.kind)
                target: Key | None = None
                if field is not None:
                    name = relation_name(statement.body.get(field))
                    if name is not None:
                        target = catalog.resolve(name.schema, name.name, catalog.tables)  # type: ignore[arg-type]
                is_new = target is not None and target in replay.created_tables
                recorded.append(ReplayedStatement(migration, path, statement, target, is_new))
                replay.apply(
                    statement, Origin(path, statement.span, replay.migration), section.file.text
                )
    return ReplayedHistory(tuple(migrations), catalog, tuple(recorded), directory)
