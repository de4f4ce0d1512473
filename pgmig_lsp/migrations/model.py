"""What a migration is, whatever tool wrote it: a version, a name and ordered sections."""

from __future__ import annotations

import enum
from pathlib import Path

import attrs

from pgmig_lsp.source import SourceFile, Span


class Tool(enum.Enum):
    """The migration tools pgmig knows (FORMATS.md)."""

    DBMATE = "dbmate"
    GOOSE = "goose"
    GOLANG_MIGRATE = "golang-migrate"
    FLYWAY = "flyway"
    SQITCH = "sqitch"
    SUPABASE = "supabase"
    PRISMA = "prisma"
    DIESEL = "diesel"
    SQLX = "sqlx"
    PLAIN = "plain"

    @property
    def has_down(self) -> bool:
        """Whether the tool has a rollback section at all (Supabase, Prisma, plain do not)."""
        return self in _TOOLS_WITH_DOWN


_TOOLS_WITH_DOWN = frozenset(
    {Tool.DBMATE, Tool.GOOSE, Tool.GOLANG_MIGRATE, Tool.FLYWAY, Tool.SQITCH, Tool.DIESEL, Tool.SQLX}
)


class SectionKind(enum.Enum):
    UP = "up"
    DOWN = "down"
    VERIFY = "verify"


class Delivery(enum.Enum):
    """How the tool sends a section's SQL to the server."""

    #: the whole section in one query string: several statements share PostgreSQL's implicit
    #: transaction even when the tool opens none.
    ONE_STRING = "one-string"
    #: the tool splits statements and sends them one by one (goose, Flyway).
    PER_STATEMENT = "per-statement"


@attrs.frozen
class FormatProblem:
    """Something the migration tool would refuse or mishandle, found while reading the format."""

    rule: str
    message: str
    file: SourceFile
    span: Span


@attrs.frozen(eq=False)
class Section:
    """An up, down or verify section: a region of one file with the tool's execution rules."""

    kind: SectionKind
    file: SourceFile
    #: the SQL body of the section (after its marker line), code points in ``file.text``
    span: Span
    #: the tool wraps the section in a transaction block (BEGIN … COMMIT)
    wrapped: bool
    delivery: Delivery
    #: the section header opts out of the tool's transaction (dbmate ``transaction:false``,
    #: goose ``NO TRANSACTION``, sqlx ``-- no-transaction``, diesel ``run_in_transaction``)
    opted_out: bool = False
    #: span of the marker line (``-- migrate:up``), for findings about the section itself
    marker: Span | None = None
    #: the tool runs the script through psql (sqitch, plain files): psql meta-commands and
    #: ``COPY … FROM stdin`` rows are part of the script, not SQL for the server
    psql: bool = False

    @property
    def text(self) -> str:
        return self.file.text[self.span.start : self.span.end]


@attrs.frozen
class FlywaySettings:
    """Flyway options that change how a migration runs (flyway.conf / flyway.toml / .sql.conf)."""

    execute_in_transaction: bool = True
    mixed: bool = False
    transactional_lock: bool = True
    #: ``defaultSchema`` (else the first of ``schemas``): Flyway puts it first on the
    #: connection's search_path (keeping the others) and creates it if it is missing
    default_schema: str | None = None


@attrs.define(eq=False)
class Migration:
    """One migration: version, name, its files and its ordered sections."""

    tool: Tool
    #: the tool's version key (timestamp, number, Flyway ``V`` version); None for repeatables
    version: str | None
    name: str
    #: every file the migration is made of; the first is the main one (the up file)
    files: tuple[SourceFile, ...]
    sections: list[Section] = attrs.Factory(list)
    problems: list[FormatProblem] = attrs.Factory(list)
    #: goose ``ENVSUB ON`` / templating is expected
    templated: bool = False
    #: Flyway-specific execution settings, None for other tools
    flyway: FlywaySettings | None = None
    #: True when the tool can have a down section for this migration but none was found
    down_expected: bool = False

    @property
    def path(self) -> Path:
        return self.files[0].path

    def section(self, kind: SectionKind) -> Section | None:
        for section in self.sections:
            if section.kind is kind:
                return section
        return None

    def file_for(self, path: Path) -> SourceFile | None:
        for file in self.files:
            if file.path == path:
                return file
        return None
