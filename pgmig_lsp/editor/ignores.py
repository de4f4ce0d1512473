"""The edits that silence a rule with a suppression comment, as ``pgmig_lsp.suppression`` reads it.

- for a statement: ``-- pgmig-ignore: <rule>`` on its own line right above the statement's first
  line, with that line's indentation; when an ignore comment already applies to the statement
  (alone on a line above it, or at the end of its first line), ``, <rule>`` is added to its list;
- for the file: ``, <rule>`` is added to the first ``-- pgmig-ignore-file:`` comment that names
  rules; without one, ``-- pgmig-ignore-file: <rule>`` becomes the file's first line — or its
  second when the first line must stay first: a shebang (``#!``) or sqlx's
  ``-- no-transaction``, which sqlx reads only at the very start of the file. The other tools'
  markers (``-- migrate:up``, ``-- +goose Up``) may follow comments.
"""

from __future__ import annotations

import re

from pgmig_lsp.findings import Edit
from pgmig_lsp.migrations.sqlx import NO_TRANSACTION
from pgmig_lsp.source import SourceFile, Span

# the same comment syntax suppression.py reads
_IGNORE = re.compile(r"--\s*pgmig-ignore(?P<file>-file)?\s*:(?P<rules>.*)$", re.MULTILINE)
_RULE_NAME = re.compile(r"[a-z0-9-]+")
_COMMENT_LINE = re.compile(r"[^\S\n]*--")


def ignore_statement(file: SourceFile, statement: Span, rule: str) -> Edit:
    """The edit that silences ``rule`` for the statement at ``statement``."""
    line, _ = file.position(statement.start)
    existing = _statement_ignore(file, line)
    if existing is not None:
        return _extend(file, existing, rule)
    line_span = file.line_span(line)
    content = file.text[line_span.start : line_span.end]
    indent = content[: len(content) - len(content.lstrip(" \t"))]
    return Edit(
        file.path, Span(line_span.start, line_span.start), f"{indent}-- pgmig-ignore: {rule}\n"
    )


def ignore_file(file: SourceFile, rule: str) -> Edit:
    """The edit that silences ``rule`` in the whole file."""
    for match in _IGNORE.finditer(file.text):
        if match.group("file") and _names(match):
            return _extend(file, match, rule)
    insert = 0
    if file.line_count > 1 and _must_stay_first(file.text[: file.line_span(0).end]):
        insert = file.line_span(1).start
    elif _must_stay_first(file.text):
        # a one-line file whose only line must stay first: the comment goes on a new line
        end = len(file.text)
        return Edit(file.path, Span(end, end), f"\n-- pgmig-ignore-file: {rule}")
    return Edit(file.path, Span(insert, insert), f"-- pgmig-ignore-file: {rule}\n")


def _must_stay_first(first_line: str) -> bool:
    return first_line.startswith("#!") or first_line.startswith(NO_TRANSACTION)


def _names(match: re.Match[str]) -> list[re.Match[str]]:
    """The rule names of an ignore comment, up to the ``--`` of its free-text reason."""
    rules = match.group("rules")
    cut = rules.find("--")
    listed = rules if cut == -1 else rules[:cut]
    return list(_RULE_NAME.finditer(listed))


def _extend(file: SourceFile, match: re.Match[str], rule: str) -> Edit:
    """Add ``rule`` to the list of an existing ignore comment (before any reason)."""
    names = _names(match)
    base = match.start("rules")
    if names:
        at = base + names[-1].end()
        return Edit(file.path, Span(at, at), f", {rule}")
    return Edit(file.path, Span(base, base), f" {rule}")


def _statement_ignore(file: SourceFile, line: int) -> re.Match[str] | None:
    """An ignore comment that already applies to the statement starting on ``line``.

    ``suppression`` applies a comment alone on its line to the next line that is neither blank
    nor a comment, and a comment after code to that line.
    """
    text = file.text
    span = file.line_span(line)
    for match in _IGNORE.finditer(text, span.start, span.end):
        if not match.group("file") and text[span.start : match.start()].strip():
            return match
    above = line - 1
    while above >= 0:
        span = file.line_span(above)
        content = text[span.start : span.end]
        if content.strip() and not _COMMENT_LINE.match(content):
            break
        alone = _IGNORE.search(text, span.start, span.end)
        if (
            alone is not None
            and not alone.group("file")
            and not text[span.start : alone.start()].strip()
        ):
            return alone
        above -= 1
    return None
