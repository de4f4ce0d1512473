"""Finding the exact range of a sub-node (column definition, constraint, sub-command).

pglast's JSON gives a start ``location`` for most nodes but no end. The end is found with the
scanner: a list element ends at the next comma or closing parenthesis at its own nesting level.
This runs only when a finding is reported, never on the common path.
"""

from __future__ import annotations

from pglast import parser as pg

from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement

_OPEN = "ASCII_40"
_CLOSE = "ASCII_41"
_COMMA = "ASCII_44"
_SEMI = "ASCII_59"


def _tokens(text: str) -> list[pg.Token]:
    try:
        return list(pg.scan(text))
    except pg.ParseError:
        return []


def element_span(statement: Statement, text: str, location: int | None) -> Span:
    """The list element that starts at ``location`` (a node's byte location), in file offsets.

    ``text`` is the whole file text. Falls back to the statement's span.
    """
    if location is None or location < 0:
        return statement.span
    start = statement.at(location)
    if not statement.span.start <= start < statement.span.end:
        return statement.span
    chunk = text[start : statement.span.end]
    depth = 0
    end = len(chunk)
    last_end = 0
    for token in _tokens(chunk):
        if token.name == _OPEN:
            depth += 1
        elif token.name == _CLOSE:
            depth -= 1
            if depth < 0:
                end = last_end
                break
        elif token.name in (_COMMA, _SEMI) and depth == 0:
            end = last_end
            break
        last_end = token.end + 1
    else:
        end = last_end or end
    return Span(start, start + max(end, 1))


def subcommand_spans(statement: Statement, text: str) -> list[Span]:
    """Spans of each comma-separated sub-command of an ``ALTER TABLE``/``ALTER TYPE``, in order.

    The first one starts after the relation name.
    """
    body = statement.body
    relation = body.get("relation") or {}
    chunk = text[statement.span.start : statement.span.end]
    tokens = _tokens(chunk)
    if not tokens:
        return [statement.span]
    rel_loc = relation.get("location")
    rel_start = statement.at(rel_loc) - statement.span.start if rel_loc is not None else 0
    # skip the relation name (possibly qualified, quoted) and an ONLY / IF EXISTS before it
    index = 0
    while index < len(tokens) and tokens[index].start < rel_start:
        index += 1
    while index + 1 < len(tokens) and tokens[index + 1].name == "ASCII_46":  # schema.name
        index += 2
    index += 1
    if index < len(tokens) and tokens[index].name == "ASCII_42":  # table *
        index += 1
    spans: list[Span] = []
    depth = 0
    current_start: int | None = None
    last_end = 0
    for token in tokens[index:]:
        if current_start is None:
            current_start = token.start
        if token.name == _OPEN:
            depth += 1
        elif token.name == _CLOSE:
            depth -= 1
        elif token.name == _COMMA and depth == 0:
            spans.append(Span(current_start, last_end))
            current_start = None
            continue
        last_end = token.end + 1
    if current_start is not None:
        spans.append(Span(current_start, last_end))
    base = statement.span.start
    return [span.shifted(base) for span in spans] or [statement.span]


def name_span(statement: Statement, text: str, location: int | None) -> Span:
    """The span of a possibly qualified name written at ``location`` (``schema.table``)."""
    if location is None:
        return statement.span
    start = statement.at(location)
    tokens = _tokens(text[start : statement.span.end])
    if not tokens:
        return Span(start, start + 1)
    index = 0
    while index + 2 < len(tokens) and tokens[index + 1].name == "ASCII_46":
        index += 2
    return Span(start, start + tokens[index].end + 1)
