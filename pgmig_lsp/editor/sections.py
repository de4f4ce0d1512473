"""The sections of one file of a migration, parsed once, with the pieces that did not parse."""

from __future__ import annotations

from pathlib import Path

import attrs
from pglast import parser as pg

from pgmig_lsp.analysis import parse_section
from pgmig_lsp.migrations.model import Migration, Section, SectionKind
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement, SyntaxProblem

#: the order the engine runs sections in (analysis.analyze)
SECTION_ORDER = {SectionKind.UP: 0, SectionKind.DOWN: 1, SectionKind.VERIFY: 2}


@attrs.define(eq=False)
class ParsedSection:
    """One section with its statements and the statement-sized pieces that failed to parse."""

    section: Section
    statements: list[Statement]
    errors: list[SyntaxProblem]
    #: the text of statements PostgreSQL would reject (half-typed ones), as pieces
    broken: list[Span]


def sections_of(migration: Migration, path: Path) -> list[Section]:
    """The sections of ``migration`` that live in the file ``path``, in file order."""
    return sorted(
        (section for section in migration.sections if section.file.path == path),
        key=lambda section: section.span.start,
    )


def run_order(migration: Migration) -> list[Section]:
    """Every section of the migration in the order the engine checks and replays them."""
    return sorted(migration.sections, key=lambda section: SECTION_ORDER[section.kind])


def parse(section: Section) -> ParsedSection:
    """Parse a section (template placeholders substituted, as the analysis does)."""
    parsed = parse_section(section).parsed
    for index, statement in enumerate(parsed.statements):
        statement.index = index
    broken = broken_pieces(section, parsed.statements) if parsed.errors else []
    return ParsedSection(section, parsed.statements, parsed.errors, broken)


def broken_pieces(section: Section, statements: list[Statement]) -> list[Span]:
    """The pieces of the section between parsed statements that hold anything but comments.

    Each gap is split at top-level semicolons, as the parser's fallback does; a gap the scanner
    cannot read (an unterminated string) is one piece.
    """
    text = section.file.text
    pieces: list[Span] = []
    position = section.span.start
    for boundary in [*(s.span for s in statements), Span(section.span.end, section.span.end)]:
        if boundary.start > position:
            pieces.extend(_split(text, position, boundary.start))
        position = max(position, boundary.end)
    return pieces


def _split(text: str, start: int, end: int) -> list[Span]:
    chunk = text[start:end]
    cuts: list[tuple[int, int]] = []
    try:
        tokens = pg.scan(chunk)
    except pg.ParseError:
        tokens = None
    if tokens is None:
        cuts = [(0, len(chunk))]
    else:
        depth, piece_start = 0, 0
        for token in tokens:
            if token.name == "ASCII_40":
                depth += 1
            elif token.name == "ASCII_41":
                depth = max(0, depth - 1)
            elif token.name == "ASCII_59" and depth == 0:
                cuts.append((piece_start, token.start))
                piece_start = token.end + 1
        cuts.append((piece_start, len(chunk)))
    spans = []
    for piece_start, piece_end in cuts:
        trimmed = _trim(chunk, piece_start, piece_end)
        if trimmed is not None:
            spans.append(Span(start + trimmed[0], start + trimmed[1]))
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The range without surrounding whitespace, comments and ``;``; None when nothing is left."""
    i = start
    while i < end:
        if text[i].isspace() or text[i] == ";":
            i += 1
        elif text.startswith("--", i):
            newline = text.find("\n", i, end)
            i = end if newline == -1 else newline + 1
        elif text.startswith("/*", i):
            close = text.find("*/", i + 2, end)
            i = end if close == -1 else close + 2
        else:
            break
    while end > i and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return (i, end) if i < end else None
