"""dbmate: ``<version>_<name>.sql`` files with ``-- migrate:up`` and ``-- migrate:down`` sections.

Mirrors dbmate's own parser (pkg/dbmate/migration.go): the directives are found with the same
regular expressions, the options are the ``key:value`` words on the directive's line, and the file
is refused without an up block, without a down block, with down before up, or with anything but
blank and ``--`` comment lines before ``-- migrate:up``. Each section is sent as one query string,
in a transaction unless its directive says ``transaction:false``.
"""

from __future__ import annotations

import re
from pathlib import Path

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

# Go's \s is ASCII whitespace only; Python's would also match Unicode spaces.
_WS = r"[ \t\n\f\r]"
_UP = re.compile(rf"^--{_WS}*migrate:up({_WS}*$|{_WS}+[^ \t\n\f\r]+)", re.MULTILINE)
# dbmate 2 (pkg/dbmate/migration.go): no ``$`` after the options any more, so a CRLF line or text
# after them still opens the down section
_DOWN = re.compile(rf"^--{_WS}*migrate:down({_WS}*$|{_WS}+[^ \t\n\f\r]+)", re.MULTILINE)
_FILE = re.compile(r"^(\d+).*\.sql$")


def has_up_marker(text: str) -> bool:
    """Whether the text holds dbmate's ``-- migrate:up`` directive (format detection)."""
    return "migrate:up" in text and _UP.search(text) is not None


def file_version(name: str) -> tuple[str, str] | None:
    """(version, name) of a file dbmate would run, None for other files."""
    match = _FILE.match(name)
    if match is None:
        return None
    version = match.group(1)
    return version, name[len(version) : -len(".sql")].lstrip("_")


def _options(line: str) -> dict[str, str]:
    """dbmate's options: whitespace-separated words with exactly one ``:``."""
    options = {}
    for word in line.split():
        parts = word.split(":")
        if len(parts) == 2:
            options[parts[0]] = parts[1]
    return options


def _directive(file: SourceFile, match: re.Match[str], keyword: str) -> tuple[Span, int, bool]:
    """(marker line, offset where the section's body starts, opted out of the transaction)."""
    text = file.text
    at = text.index(keyword, match.start())
    newline = text.find("\n", at)
    end = len(text) if newline == -1 else newline
    body = len(text) if newline == -1 else newline + 1
    if end > at and text[end - 1] == "\r":
        end -= 1
    line = text[match.start() : end]
    opted_out = "transaction" in line and _options(line).get("transaction") == "false"
    return Span(match.start(), end), body, opted_out


def _section(
    kind: SectionKind, file: SourceFile, span: Span, opted_out: bool, marker: Span | None
) -> Section:
    return Section(
        kind=kind,
        file=file,
        span=span,
        wrapped=not opted_out,
        delivery=Delivery.ONE_STRING,
        opted_out=opted_out,
        marker=marker,
    )


def _statements_before(file: SourceFile, end: int) -> Span | None:
    """The lines before the first directive that are neither blank nor ``--`` comments."""
    text = file.text
    first: int | None = None
    last = 0
    pos = 0
    while pos < end:
        newline = text.find("\n", pos, end)
        line_end = end if newline == -1 else newline
        line = text[pos:line_end]
        stripped = line.strip()
        if stripped and not stripped.startswith("--"):
            left = pos + len(line) - len(line.lstrip())
            first = left if first is None else first
            last = pos + len(line.rstrip())
        pos = line_end + 1
    return None if first is None else Span(first, last)


def parse(file: SourceFile, version: str | None, name: str) -> Migration:
    """One dbmate migration from its file."""
    migration = Migration(tool=Tool.DBMATE, version=version, name=name, files=(file,))
    text = file.text
    if is_blank(text):
        # a file being written: nothing to run yet, nothing to report
        return migration
    up = _UP.search(text)
    down = _DOWN.search(text)
    problems: list[FormatProblem] = migration.problems

    if up is None:
        problems.append(
            problem(
                file,
                Span(0, line_bounds(text, 0)[1]),
                "dbmate refuses this file: it has no `-- migrate:up` line. Start the file with "
                "`-- migrate:up`, then the SQL to apply, then `-- migrate:down` and the SQL that "
                "undoes it",
            )
        )
        # still check the SQL: treat everything before the down block as the up section
        up_end = down.start() if down is not None else len(text)
        migration.sections.append(_section(SectionKind.UP, file, Span(0, up_end), False, None))
        if down is not None:
            down_marker, down_body, down_opt = _directive(file, down, "migrate:down")
            migration.sections.append(
                _section(SectionKind.DOWN, file, Span(down_body, len(text)), down_opt, down_marker)
            )
        return migration

    up_marker, up_body, up_opt = _directive(file, up, "migrate:up")
    first_directive = up.start() if down is None else min(up.start(), down.start())
    before = _statements_before(file, first_directive) if first_directive else None
    if before is not None:
        problems.append(
            problem(
                file,
                before,
                "dbmate refuses this file: only comments may come before `-- migrate:up`. "
                "Move these statements below it",
            )
        )

    if down is None:
        migration.down_expected = True
        problems.append(
            problem(
                file,
                up_marker,
                "dbmate refuses this file: it has no `-- migrate:down` line. Add "
                "`-- migrate:down` at the end, followed by the SQL that undoes the up section "
                "(it may stay empty)",
            )
        )
        migration.sections.append(
            _section(SectionKind.UP, file, Span(up_body, len(text)), up_opt, up_marker)
        )
        return migration

    down_marker, down_body, down_opt = _directive(file, down, "migrate:down")
    if down.start() < up.start():
        problems.append(
            problem(
                file,
                down_marker,
                "dbmate refuses this file: `-- migrate:down` comes before `-- migrate:up`. "
                "Put the up section first",
            )
        )
        up_span = Span(up_body, len(text))
        down_span = Span(down_body, max(down_body, up.start()))
    else:
        up_span = Span(up_body, max(up_body, down.start()))
        down_span = Span(down_body, len(text))
    migration.sections.append(_section(SectionKind.UP, file, up_span, up_opt, up_marker))
    migration.sections.append(_section(SectionKind.DOWN, file, down_span, down_opt, down_marker))
    return migration


def load_file(path: Path, reader: FileReader) -> Migration | None:
    """The migration in ``path``, None when dbmate would not run that file."""
    named = file_version(path.name)
    if named is None:
        return None
    version, name = named
    file = reader.read(path)
    bad = unreadable_migration(Tool.DBMATE, version, name, file, reader)
    return bad if bad is not None else parse(file, version, name)


def load(directory: Path, reader: FileReader) -> list[Migration]:
    """Every migration of a dbmate directory, in the order dbmate applies them (file name)."""
    migrations = []
    listing = reader.listing(directory)
    for name in listing.files:
        migration = load_file(listing.path(name), reader)
        if migration is not None:
            migrations.append(migration)
    return migrations
