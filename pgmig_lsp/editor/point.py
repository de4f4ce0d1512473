"""A point of a migration file: the statement there, and the schema just before it.

Hover, go to definition, find references and completion all ask what the schema is at the
cursor: the schema before the migration (the history's, kept by `pgmig_lsp.history`), then the
migration's earlier sections and the statements of this section before the cursor's, replayed.
"""

from __future__ import annotations

from pathlib import Path

import attrs

from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.editor.sections import parse, run_order, sections_of
from pgmig_lsp.migrations.model import Migration, Section, SectionKind
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement


@attrs.define(eq=False)
class Point:
    """A statement (or a piece of text that does not parse) of one section of a migration."""

    migration: Migration
    section: Section
    #: the section's parsed statements
    statements: list[Statement]
    #: the statement there (None: a piece that does not parse, or text being typed)
    statement: Statement | None
    #: the statement's or piece's text
    span: Span
    #: how many of ``statements`` run before it
    preceding: int

    def replay(self, before: Catalog | None) -> Replay:
        """The replay of everything that runs before this point, on a fork of ``before``.

        ``before`` is the schema before the migration; None when the history is unknown (an
        empty schema: tables not created in this migration count as existing).
        """
        catalog = before.fork() if before is not None else Catalog()
        replay = Replay(catalog, str(self.migration.path))
        for section in run_order(self.migration):
            if section is self.section:
                if section.kind is not SectionKind.UP:
                    # a rollback runs against live tables, whoever created them
                    replay.created_tables.clear()
                apply(replay, section, self.statements[: self.preceding])
                break
            apply(replay, section, parse(section).statements)
        return replay

    def after(self, replay: Replay) -> Catalog:
        """The schema after this point's statement: a fork of ``replay``'s, with it applied."""
        catalog = replay.catalog.fork()
        if self.statement is not None:
            after = Replay(catalog, replay.migration)
            apply(after, self.section, [self.statement])
        return catalog


def apply(replay: Replay, section: Section, statements: list[Statement]) -> None:
    """Replay ``statements`` of ``section``, skipping any the replay fails on."""
    for statement in statements:
        try:
            replay.apply(
                statement,
                Origin(section.file.path, statement.span, replay.migration),
                section.file.text,
            )
        except Exception:  # a replay bug must not take the editor down (analysis reports it)
            continue


def section_at(migration: Migration, path: Path, offset: int) -> Section | None:
    """The section of the file ``path`` that holds ``offset`` (its end included)."""
    for section in sections_of(migration, path):
        if section.span.start <= offset <= section.span.end:
            return section
    return None


def statement_at(migration: Migration, path: Path, offset: int) -> Point | None:
    """The statement under ``offset``, its end included; else the piece that does not parse
    there. None outside any (between statements, in a comment)."""
    section = section_at(migration, path, offset)
    if section is None:
        return None
    parsed = parse(section)
    for index, statement in enumerate(parsed.statements):
        if statement.span.start <= offset <= statement.span.end:
            return Point(migration, section, parsed.statements, statement, statement.span, index)
    for piece in parsed.broken:
        if piece.start <= offset <= piece.end:
            preceding = sum(1 for s in parsed.statements if s.span.end <= piece.start)
            return Point(migration, section, parsed.statements, None, piece, preceding)
    return None
