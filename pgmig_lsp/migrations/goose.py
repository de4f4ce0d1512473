"""goose: ``<version>_<name>.sql`` with ``-- +goose Up`` / ``-- +goose Down`` annotations.

Mirrors goose's SQL parser (internal/sqlparser/parser.go, v3.2x): any line whose trimmed text
starts with ``--`` and contains ``+goose`` is an annotation, matched case-insensitively against
Up, Down, StatementBegin, StatementEnd, NO TRANSACTION, ENVSUB ON and ENVSUB OFF; anything else
(or leading whitespace) makes goose refuse the file. goose splits a section into statements at
lines ending with ``;`` (a StatementBegin/StatementEnd block is one statement) and sends them one
by one, inside one transaction unless the file says ``NO TRANSACTION``.
"""

from __future__ import annotations

import enum
import re
from pathlib import Path

import attrs

from pgmig_lsp.migrations.files import (
    FileReader,
    is_blank,
    line_bounds,
    problem,
    unreadable_migration,
)
from pgmig_lsp.migrations.model import (
    Delivery,
    FormatProblem,
    Migration,
    Section,
    SectionKind,
    Tool,
)
from pgmig_lsp.source import SourceFile, Span

_FILE = re.compile(r"^(\d+)_(.*)\.sql$")
# a line whose trimmed text starts with "--" and that contains "+goose"
_ANNOTATION = re.compile(r"^[^\S\n]*--[^\n]*\+goose[^\n]*$", re.MULTILINE)
_UP_MARKER = re.compile(r"^--[^\n]*\+goose[ \t]+up[ \t\r]*$", re.MULTILINE | re.IGNORECASE)


class Annotation(enum.Enum):
    UP = "up"
    DOWN = "down"
    STATEMENT_BEGIN = "statementbegin"
    STATEMENT_END = "statementend"
    NO_TRANSACTION = "no transaction"
    ENVSUB_ON = "envsub on"
    ENVSUB_OFF = "envsub off"


_BY_NAME = {annotation.value: annotation for annotation in Annotation}
_SEE = "see https://pressly.github.io/goose/documentation/annotations/"


def has_up_marker(text: str) -> bool:
    """Whether the text holds a ``-- +goose Up`` annotation (format detection)."""
    return "+goose" in text and _UP_MARKER.search(text) is not None


def file_version(name: str) -> tuple[str, str] | None:
    """(version, name) of a goose SQL migration file name, None for other names."""
    match = _FILE.match(name)
    return (match.group(1), match.group(2)) if match else None


@attrs.frozen
class _Line:
    annotation: Annotation | None
    span: Span
    #: why goose refuses this annotation line, if it does
    error: str | None = None


def _annotation(line: str) -> tuple[Annotation | None, str | None]:
    """goose's extractAnnotation: the annotation, or why goose rejects the line."""
    if line[:1] in (" ", "\t"):
        return None, "goose refuses an annotation with leading whitespace"
    command = line.replace("--", "").replace("+goose", "", 1)
    if "+goose" in command:
        return None, "goose refuses a line with two `+goose` annotations"
    command = command.strip()
    if not command:
        return None, "goose refuses an empty `-- +goose` annotation"
    found = _BY_NAME.get(command.lower())
    if found is None:
        return None, (
            f"goose refuses the unknown annotation `{command}` (any `--` comment line that "
            "contains `+goose` is read as an annotation)"
        )
    return found, None


def _annotations(text: str) -> list[_Line]:
    lines = []
    for match in _ANNOTATION.finditer(text):
        raw = match.group().rstrip("\r")
        found, error = _annotation(raw)
        lines.append(_Line(found, Span(match.start(), match.start() + len(raw)), error))
    return lines


def ends_with_semicolon(line: str) -> bool:
    """goose's endsWithSemicolon: the last word before a ``--`` word ends with ``;``."""
    previous = ""
    for word in line.split():
        if word.startswith("--"):
            break
        previous = word
    return previous.endswith(";")


class _State(enum.Enum):
    START = 0
    UP = 1
    UP_BLOCK = 2
    DOWN = 4
    DOWN_BLOCK = 5


def _unfinished(text: str, start: int, end: int) -> Span | None:
    """The last SQL line of ``[start, end)`` when it does not end a statement: goose then
    refuses the file ("unexpected unfinished SQL query … missing semicolon?")."""
    parts = text[start:end].split("\n")
    offset = end
    for part in reversed(parts):
        line_start = offset - len(part)
        offset = line_start - 1
        line = part.rstrip("\r")
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            if ends_with_semicolon(line):
                return None
            left = line_start + len(line) - len(line.lstrip())
            return Span(left, line_start + len(line.rstrip()))
    return None


def parse(file: SourceFile, version: str | None, name: str) -> Migration:
    """One goose migration from its file."""
    migration = Migration(tool=Tool.GOOSE, version=version, name=name, files=(file,))
    text = file.text
    if is_blank(text):
        return migration
    problems: list[FormatProblem] = migration.problems
    state = _State.START
    up_marker: Span | None = None
    down_marker: Span | None = None
    no_transaction = False
    block_start: _Line | None = None
    # where the current run of ";"-terminated statements began (after Up/Down/StatementEnd)
    run_start = 0
    runs: list[tuple[int, int]] = []

    annotations = _annotations(text)
    has_up = any(line.annotation is Annotation.UP for line in annotations)
    for line in annotations:
        if line.error is not None:
            problems.append(problem(file, line.span, f"{line.error}; {_SEE}"))
            continue
        body = line_bounds(text, line.span.start)[2]
        match line.annotation:
            case Annotation.UP:
                if state is _State.START:
                    state, up_marker, run_start = _State.UP, line.span, body
                else:
                    problems.append(
                        problem(file, line.span, "goose refuses a second `-- +goose Up`")
                    )
            case Annotation.DOWN:
                if state is _State.UP:
                    runs.append((run_start, line.span.start))
                    state, down_marker, run_start = _State.DOWN, line.span, body
                elif state is _State.START:
                    down_marker = down_marker or line.span
                    if has_up:
                        problems.append(
                            problem(
                                file,
                                line.span,
                                "goose refuses `-- +goose Down` before `-- +goose Up`: the "
                                "file must start with the up section",
                            )
                        )
                elif state in (_State.UP_BLOCK, _State.DOWN_BLOCK):
                    problems.append(
                        problem(
                            file,
                            line.span,
                            "goose refuses `-- +goose Down` inside a StatementBegin block: "
                            "close it with `-- +goose StatementEnd` first",
                        )
                    )
                else:
                    problems.append(
                        problem(file, line.span, "goose refuses a second `-- +goose Down`")
                    )
            case Annotation.STATEMENT_BEGIN:
                if state in (_State.UP, _State.DOWN):
                    # an unfinished statement above is not refused: goose glues it to the block
                    state = _State.UP_BLOCK if state is _State.UP else _State.DOWN_BLOCK
                    block_start = line
                elif state is _State.START:
                    problems.append(
                        problem(
                            file,
                            line.span,
                            "goose refuses `-- +goose StatementBegin` before `-- +goose Up`",
                        )
                    )
                else:
                    problems.append(
                        problem(
                            file,
                            line.span,
                            "goose refuses a StatementBegin inside another StatementBegin "
                            "block: add the missing `-- +goose StatementEnd` above",
                        )
                    )
            case Annotation.STATEMENT_END:
                if state in (_State.UP_BLOCK, _State.DOWN_BLOCK):
                    state = _State.UP if state is _State.UP_BLOCK else _State.DOWN
                    block_start, run_start = None, body
                else:
                    problems.append(
                        problem(
                            file,
                            line.span,
                            "goose refuses `-- +goose StatementEnd` without a "
                            "`-- +goose StatementBegin` before it",
                        )
                    )
            case Annotation.NO_TRANSACTION:
                no_transaction = True
            case Annotation.ENVSUB_ON:
                migration.templated = True
            case Annotation.ENVSUB_OFF:
                pass

    if block_start is not None:
        problems.append(
            problem(
                file,
                block_start.span,
                "goose refuses this file: this `-- +goose StatementBegin` has no "
                "`-- +goose StatementEnd`",
            )
        )
    elif state in (_State.UP, _State.DOWN):
        runs.append((run_start, len(text)))

    if up_marker is None:
        problems.append(
            problem(
                file,
                Span(0, line_bounds(text, 0)[1]),
                "goose refuses this file: it has no `-- +goose Up` annotation. Start the file "
                "with `-- +goose Up`, then the SQL to apply; `-- +goose Down` and the SQL that "
                "undoes it may follow",
            )
        )
        # still check the SQL: everything before the down annotation as the up section
        up_end = down_marker.start if down_marker is not None else len(text)
        migration.sections.append(
            _section(SectionKind.UP, file, Span(0, up_end), no_transaction, None)
        )
        if down_marker is not None:
            down_body = line_bounds(text, down_marker.start)[2]
            migration.sections.append(
                _section(
                    SectionKind.DOWN, file, Span(down_body, len(text)), no_transaction, down_marker
                )
            )
        return migration

    first_marker = up_marker.start
    if down_marker is not None:
        first_marker = min(first_marker, down_marker.start)
    before = _statements_before(text, first_marker)
    if before is not None:
        problems.append(
            problem(
                file,
                before,
                "goose refuses this file: only comments may come before `-- +goose Up`. Move "
                "these statements below it",
            )
        )
    for run_start_, run_end in runs:
        unfinished = _unfinished(text, run_start_, run_end)
        if unfinished is not None:
            problems.append(
                problem(
                    file,
                    unfinished,
                    "goose refuses this file: the statement ending here has no `;` at the end "
                    "of its last line (goose splits statements at lines ending with `;`)",
                )
            )

    up_body = line_bounds(text, up_marker.start)[2]
    if down_marker is None:
        migration.down_expected = True
        up_span = Span(up_body, len(text))
    else:
        down_body = line_bounds(text, down_marker.start)[2]
        if down_marker.start < up_marker.start:
            up_span = Span(up_body, len(text))
            down_span = Span(down_body, max(down_body, up_marker.start))
        else:
            up_span = Span(up_body, max(up_body, down_marker.start))
            down_span = Span(down_body, len(text))
    migration.sections.append(_section(SectionKind.UP, file, up_span, no_transaction, up_marker))
    if down_marker is not None:
        migration.sections.append(
            _section(SectionKind.DOWN, file, down_span, no_transaction, down_marker)
        )
    return migration


def _statements_before(text: str, end: int) -> Span | None:
    """Lines before ``-- +goose Up`` that are neither blank, comments nor annotations."""
    first: int | None = None
    last = 0
    pos = 0
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        stripped = text[pos:line_end].strip()
        if stripped and not stripped.startswith("--"):
            left = pos + len(text[pos:line_end]) - len(text[pos:line_end].lstrip())
            first = left if first is None else first
            last = pos + len(text[pos:line_end].rstrip())
        pos = line_end + 1
    return None if first is None else Span(first, last)


def _section(
    kind: SectionKind, file: SourceFile, span: Span, no_transaction: bool, marker: Span | None
) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=span,
        wrapped=not no_transaction,
        delivery=Delivery.PER_STATEMENT,
        opted_out=no_transaction,
        marker=marker,
    )


def statement_batches(section: Section) -> list[Span]:
    """The pieces of SQL goose sends to the server one at a time, as file spans.

    goose accumulates lines until one ends with ``;`` (or a StatementBegin/StatementEnd block
    closes), then sends the piece as one query string: two statements on one line, or in one
    block, share PostgreSQL's implicit transaction even under ``NO TRANSACTION``.
    """
    text = section.file.text
    batches: list[Span] = []
    in_block = False
    start: int | None = None
    last_end = 0
    pos = section.span.start
    end = section.span.end
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        line = text[pos:line_end].rstrip("\r")
        stripped = line.strip()
        next_pos = line_end + 1
        if stripped.startswith("--") and "+goose" in line:
            found, _ = _annotation(line)
            if found is Annotation.STATEMENT_BEGIN:
                # an unfinished statement above becomes part of the block's piece
                in_block = True
            elif found is Annotation.STATEMENT_END and in_block:
                if start is not None:
                    batches.append(Span(start, last_end))
                in_block, start = False, None
            pos = next_pos
            continue
        if start is None and (stripped.startswith("--") or not line):
            pos = next_pos
            continue
        if start is None:
            start = pos
        last_end = pos + len(line)
        if not in_block and ends_with_semicolon(line):
            batches.append(Span(start, last_end))
            start = None
        pos = next_pos
    if start is not None:
        batches.append(Span(start, last_end))
    return batches


def load_file(path: Path, reader: FileReader) -> Migration | None:
    """The migration in ``path``; a ``.sql`` file without a version is reported, since goose
    refuses to run a directory holding one."""
    if not path.name.endswith(".sql"):
        return None
    named = file_version(path.name)
    file = reader.read(path)
    version, name = named if named is not None else (None, path.name[: -len(".sql")])
    bad = unreadable_migration(Tool.GOOSE, version, name, file, reader)
    if bad is not None:
        return bad
    migration = parse(file, version, name)
    if named is None:
        migration.problems.append(
            problem(
                file,
                Span(0, line_bounds(file.text, 0)[1]),
                "goose refuses to run this directory: this file name has no numeric version "
                "prefix (`<version>_<name>.sql`)",
            )
        )
    elif int(named[0]) <= 0:
        migration.problems.append(
            problem(
                file,
                Span(0, line_bounds(file.text, 0)[1]),
                "goose refuses version 0: migration versions must be greater than zero",
            )
        )
    return migration


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration of a goose directory, in goose's order (numeric version)."""
    migrations = []
    listing = reader.listing(directory)
    for name in listing.sql_files():
        migration = load_file(listing.path(name), reader)
        if migration is not None:
            migrations.append(migration)
    migrations.sort(key=lambda m: (m.version is None, int(m.version or 0), m.path.name))
    return migrations
