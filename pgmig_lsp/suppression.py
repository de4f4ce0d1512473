"""Suppression comments (RULES.md): ``pgmig-ignore``, ``-ignore-file``, ``pgmig: irreversible``.

- ``-- pgmig-ignore: rule-a, rule-b -- reason`` on the line(s) right before a statement, or at
  the end of its first line, silences those rules for that statement;
- ``-- pgmig-ignore-file: rule-a`` anywhere silences them for the file (no names: every rule);
- ``-- pgmig: irreversible [reason]`` accepts an empty or partial rollback;
- an ignore that silences nothing, or names an unknown rule, is reported as ``unused-ignore``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import attrs

from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.source import SourceFile, Span

_IGNORE = re.compile(r"--\s*pgmig-ignore(?P<file>-file)?\s*:(?P<rules>.*)$", re.MULTILINE)
_IRREVERSIBLE = re.compile(r"--\s*pgmig\s*:\s*irreversible\b", re.IGNORECASE)
_RULE_NAME = re.compile(r"[a-z0-9-]+")
_COMMENT_LINE = re.compile(r"\s*--")


@attrs.define
class Ignore:
    """One rule named in one suppression comment."""

    rule: str
    span: Span
    whole_file: bool
    #: zero-based line of the statement it applies to (ignore comments only)
    line: int | None
    used: bool = False


@attrs.define
class FileSuppressions:
    file: SourceFile
    ignores: list[Ignore]
    file_wide_all: bool = False
    irreversible: bool = False


def _rule_names(text: str) -> Iterable[tuple[str, int, int]]:
    """Rule names of a comment's list, stopping at a second ``--`` (the free-text reason)."""
    cut = text.find("--")
    names = text if cut == -1 else text[:cut]
    for match in _RULE_NAME.finditer(names):
        yield match.group(), match.start(), match.end()


def read_suppressions(file: SourceFile) -> FileSuppressions:
    """Every suppression comment of a file. Cheap when the file has none."""
    text = file.text
    result = FileSuppressions(file, [], irreversible=bool(_IRREVERSIBLE.search(text)))
    if "pgmig-ignore" not in text:
        return result
    for match in _IGNORE.finditer(text):
        whole_file = bool(match.group("file"))
        line, _ = file.position(match.start())
        target = None if whole_file else _statement_line(file, line, match.start())
        names = list(_rule_names(match.group("rules")))
        if whole_file and not names:
            result.file_wide_all = True
        base = match.start("rules")
        for name, start, end in names:
            result.ignores.append(Ignore(name, Span(base + start, base + end), whole_file, target))
    return result


def _statement_line(file: SourceFile, line: int, offset: int) -> int:
    """The line of the statement an ignore comment on ``line`` applies to.

    A comment alone on its line applies to the next line that is not a comment; a comment after
    code applies to the statement on that line.
    """
    line_span = file.line_span(line)
    before = file.text[line_span.start : offset]
    if before.strip():
        return line
    following = line + 1
    while following < file.line_count:
        span = file.line_span(following)
        content = file.text[span.start : span.end]
        if content.strip() and not _COMMENT_LINE.match(content):
            return following
        following += 1
    return following


def apply_suppressions(
    findings: list[Finding],
    suppressions: dict[Path, FileSuppressions],
    known_rules: set[str],
    unused_severity: Severity | None,
) -> list[Finding]:
    """Drop suppressed findings; add ``unused-ignore`` findings (unless that rule is off)."""
    kept: list[Finding] = []
    for finding in findings:
        entry = suppressions.get(finding.path)
        if entry is None or not _suppressed(finding, entry):
            kept.append(finding)
    if unused_severity is None:
        return kept
    for entry in suppressions.values():
        for ignore in entry.ignores:
            if ignore.rule in known_rules and ignore.used:
                continue
            if ignore.rule == "unused-ignore":
                continue
            message = (
                f"`{ignore.rule}` is not a pgmig rule: this ignore comment does nothing"
                if ignore.rule not in known_rules
                else f"`pgmig-ignore{'-file' if ignore.whole_file else ''}: {ignore.rule}` "
                "silences nothing here: remove it"
            )
            kept.append(
                Finding(
                    rule="unused-ignore",
                    severity=unused_severity,
                    message=message,
                    path=entry.file.path,
                    span=ignore.span,
                )
            )
    return kept


def _suppressed(finding: Finding, entry: FileSuppressions) -> bool:
    if finding.rule == "unused-ignore":
        return False
    statement_lines: tuple[int, int] | None = None
    if finding.statement is not None:
        first, _ = entry.file.position(finding.statement.start)
        last, _ = entry.file.position(max(finding.statement.end - 1, finding.statement.start))
        statement_lines = (first, last)
    hit = False
    for ignore in entry.ignores:
        if ignore.rule != finding.rule:
            continue
        if ignore.whole_file or (
            statement_lines is not None
            and ignore.line is not None
            and (ignore.line == statement_lines[0])
        ):
            ignore.used = True
            hit = True
    return hit or entry.file_wide_all
