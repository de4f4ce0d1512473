"""Building blocks for fixes: edits that remove, insert or replace text around statements."""

from __future__ import annotations

import re

from pgmig_lsp.findings import Edit
from pgmig_lsp.source import SourceFile, Span
from pgmig_lsp.sql.parse import Statement

_KEYWORD_CACHE: dict[str, re.Pattern[str]] = {}
#: comment lines that belong to the tool or to pgmig, never to a statement
_MARKER = re.compile(r"\s*--\s*(migrate:|\+goose|pgmig|no-transaction)", re.IGNORECASE)


def statement_with_terminator(file: SourceFile, statement: Statement) -> Span:
    """The statement's span extended over its ``;``."""
    text = file.text
    end = statement.span.end
    probe = end
    while probe < len(text) and text[probe] in " \t":
        probe += 1
    if probe < len(text) and text[probe] == ";":
        end = probe + 1
    return Span(statement.span.start, end)


def removal(file: SourceFile, statement: Statement) -> Edit:
    """Delete a statement, its ``;`` and, when it stands on lines of its own, those lines and the
    comment lines right above it."""
    text = file.text
    span = statement_with_terminator(file, statement)
    start, end = span.start, span.end
    line_start = text.rfind("\n", 0, start) + 1
    if not text[line_start:start].strip():
        start = line_start
        # take the comment lines that introduce the statement
        while start > 0:
            previous = text.rfind("\n", 0, start - 1) + 1
            line = text[previous : start - 1]
            if line.lstrip().startswith("--") and not _MARKER.match(line):
                start = previous
            else:
                break
        newline = text.find("\n", end)
        rest = text[end : newline if newline != -1 else len(text)]
        if not rest.strip():
            end = newline + 1 if newline != -1 else len(text)
    return Edit(file.path, Span(start, end), "")


def insert_before(file: SourceFile, statement: Statement, text: str) -> Edit:
    """Insert lines before a statement, at the start of its line."""
    line_start = file.text.rfind("\n", 0, statement.span.start) + 1
    at = (
        line_start
        if not file.text[line_start : statement.span.start].strip()
        else (statement.span.start)
    )
    return Edit(file.path, Span(at, at), text)


def keyword_span(file: SourceFile, within: Span, keyword: str) -> Span | None:
    """The first whole-word, case-insensitive occurrence of ``keyword`` (may hold spaces)."""
    pattern = _KEYWORD_CACHE.get(keyword)
    if pattern is None:
        words = r"\s+".join(re.escape(word) for word in keyword.split())
        pattern = re.compile(rf"\b{words}\b", re.IGNORECASE)
        _KEYWORD_CACHE[keyword] = pattern
    match = pattern.search(file.text, within.start, within.end)
    return Span(match.start(), match.end()) if match else None


def statement_text(file: SourceFile, statement: Statement) -> str:
    return file.text[statement.span.start : statement.span.end]
