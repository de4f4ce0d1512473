"""The outline of a migration file (sections, then statements) and its folding ranges."""

from __future__ import annotations

import re
from pathlib import Path

import attrs

from pgmig_lsp.editor.labels import piece_label, statement_label
from pgmig_lsp.editor.sections import ParsedSection, parse, sections_of
from pgmig_lsp.migrations.model import Migration, Section
from pgmig_lsp.migrations.transactions import mark_transactions, section_in_transaction
from pgmig_lsp.source import SourceFile, Span

IN_TRANSACTION = "in transaction"
OUTSIDE_TRANSACTION = "outside transaction"
SYNTAX_ERROR = "syntax error"

_COMMENT_LINE = re.compile(r"[^\S\n]*--")


@attrs.frozen
class Symbol:
    """One entry of the outline: a section, or a statement inside one."""

    #: sections: ``up`` / ``down`` / ``verify`` (with the file's name where a migration has
    #: several files); statements: what it does (``CREATE TABLE public.orders``)
    name: str
    #: ``section``, ``table``, ``index``, ``view``, ``function``, ``type``, ``trigger``,
    #: ``policy``, ``schema``, ``extension``, ``sequence`` or ``statement``
    kind: str
    #: the whole section or statement
    span: Span
    #: the object's name where known, else the first keyword; inside ``span``
    selection: Span
    #: ``in transaction`` / ``outside transaction`` (``syntax error`` for a piece that does
    #: not parse)
    detail: str = ""
    children: tuple[Symbol, ...] = ()


@attrs.frozen
class Fold:
    """A range of lines the editor can fold."""

    #: 0-based
    start_line: int
    #: 0-based, inclusive
    end_line: int
    #: ``region`` or ``comment``
    kind: str = "region"


def document_symbols(migration: Migration, path: Path) -> list[Symbol]:
    """The sections of the file ``path``, each with its statements as children.

    Never raises on bad SQL: a piece that does not parse is a statement of kind ``statement``
    with detail ``syntax error``.
    """
    file = migration.file_for(path)
    if file is None:
        return []
    several = len(migration.files) > 1
    symbols = []
    for section in sections_of(migration, path):
        parsed = parse(section)
        mark_transactions(migration, section, parsed.statements)
        in_transaction = section_in_transaction(migration, section, parsed.statements)
        span = section_span(section)
        name = section.kind.value + (f" ({path.name})" if several else "")
        symbols.append(
            Symbol(
                name=name,
                kind="section",
                span=span,
                selection=_section_selection(section, span),
                detail=IN_TRANSACTION if in_transaction else OUTSIDE_TRANSACTION,
                children=_statement_symbols(file, parsed),
            )
        )
    return symbols


def section_span(section: Section) -> Span:
    """The whole section: its marker line (if any) to its last character that is not blank."""
    start = section.marker.start if section.marker is not None else section.span.start
    end = section.span.start + len(section.text.rstrip())
    if section.marker is not None:
        end = max(end, section.marker.end)
    return Span(start, max(start, end))


def _section_selection(section: Section, span: Span) -> Span:
    if section.marker is not None:
        return section.marker
    # no marker (a whole file is the section): its first line that is not blank
    text = section.file.text[span.start : span.end]
    stripped = text.lstrip()
    start = span.start + len(text) - len(stripped)
    line = stripped.split("\n", 1)[0].rstrip()
    return Span(start, start + len(line))


def _statement_symbols(file: SourceFile, parsed: ParsedSection) -> tuple[Symbol, ...]:
    text = file.text
    children: list[Symbol] = []
    for statement in parsed.statements:
        label = statement_label(statement, text)
        children.append(
            Symbol(
                name=label.name,
                kind=label.kind,
                span=statement.span,
                selection=label.selection,
                detail=IN_TRANSACTION if statement.in_transaction else OUTSIDE_TRANSACTION,
            )
        )
    for piece in parsed.broken:
        label = piece_label(text, piece)
        children.append(Symbol(label.name, label.kind, piece, label.selection, SYNTAX_ERROR))
    children.sort(key=lambda symbol: symbol.span.start)
    return tuple(children)


def folding_ranges(migration: Migration, path: Path) -> list[Fold]:
    """Folds for the file ``path``: sections with a marker line, statements (and pieces that do
    not parse) spanning 3 lines or more, and runs of 3 or more ``--`` comment lines."""
    file = migration.file_for(path)
    if file is None:
        return []
    folds: list[Fold] = []
    markers: set[int] = set()
    for section in sections_of(migration, path):
        span = section_span(section)
        if section.marker is not None:
            markers.add(file.position(section.marker.start)[0])
            _add(folds, file, span, minimum_lines=2)
        parsed = parse(section)
        for piece in [*(s.span for s in parsed.statements), *parsed.broken]:
            _add(folds, file, piece, minimum_lines=3)
    folds.extend(_comment_runs(file, markers))
    folds.sort(key=lambda fold: (fold.start_line, -fold.end_line, fold.kind))
    return folds


def _add(folds: list[Fold], file: SourceFile, span: Span, *, minimum_lines: int) -> None:
    first = file.position(span.start)[0]
    last = file.position(max(span.end - 1, span.start))[0]
    if last - first + 1 >= minimum_lines:
        folds.append(Fold(first, last))


def _comment_runs(file: SourceFile, markers: set[int]) -> list[Fold]:
    """Runs of 3 or more lines that hold only a ``--`` comment (section markers excluded)."""
    folds: list[Fold] = []
    run_start: int | None = None
    text = file.text
    for line in range(file.line_count + 1):
        is_comment = False
        if line < file.line_count and line not in markers:
            span = file.line_span(line)
            is_comment = _COMMENT_LINE.match(text, span.start, span.end) is not None
        if is_comment and run_start is None:
            run_start = line
        elif not is_comment and run_start is not None:
            if line - run_start >= 3:
                folds.append(Fold(run_start, line - 1, "comment"))
            run_start = None
    return folds
