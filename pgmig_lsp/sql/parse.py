"""Split and parse a section's SQL with pglast, statement by statement, with exact spans.

The fast path parses the whole section once with ``parse_sql_json`` (C parser + JSON). Only when
that fails does it fall back to the scanner: split at top-level semicolons, parse each piece, and
turn each failing piece into a syntax error at the offending token while the others are checked.
"""

from __future__ import annotations

import json
from typing import Any

import attrs
import orjson
from pglast import parser as pg

from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, body_of, kind_of
from pgmig_lsp.sql.offsets import ByteLocator
from pgmig_lsp.sql.psql import blank_psql


@attrs.define(eq=False, slots=True)
class Statement:
    """One parsed statement of a section."""

    #: ``{"Kind": {...}}`` as pglast's JSON gives it
    node: Node
    #: the statement's text in the file, code points, no leading comment, no ``;``
    span: Span
    locator: ByteLocator
    #: whether the statement runs inside a transaction block (explicit or implicit); set by
    #: the migration tool's rules after parsing
    in_transaction: bool = False
    #: inside a function body (PL/pgSQL), not run by the migration itself
    in_function: bool = False
    index: int = 0
    #: the node's kind (``"IndexStmt"``) and fields, read once: rules ask for them constantly
    kind: str = attrs.field(init=False)
    body: Node = attrs.field(init=False)
    #: facts rules derive from the statement, computed once for all of them
    memo: dict[str, Any] = attrs.field(init=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        self.kind = kind_of(self.node)
        self.body = body_of(self.node)

    def at(self, location: int | None) -> int:
        """File offset of a node's ``location`` (a byte offset into the parsed string)."""
        if location is None or location < 0:
            return self.span.start
        return self.locator.offset(location)


@attrs.frozen
class SyntaxProblem:
    message: str
    span: Span


@attrs.define(eq=False)
class ParsedSQL:
    statements: list[Statement]
    errors: list[SyntaxProblem]
    #: the string the parser read (psql lines blanked) and its file offset, for `reparse_sql`
    text: str = ""
    base: int = 0


def _trim_trivia(text: str, start: int, end: int) -> int:
    """Skip whitespace and comments from ``start``: statements never begin on a comment."""
    i = start
    while i < end:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("--", i):
            nl = text.find("\n", i, end)
            i = end if nl == -1 else nl + 1
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < end and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        else:
            break
    return i


def _rtrim(text: str, start: int, end: int) -> int:
    while end > start and (text[end - 1].isspace() or text[end - 1] == ";"):
        end -= 1
    return end


def _statements_from_json(
    raw: dict[str, Any], text: str, base: int, locator: ByteLocator
) -> list[Statement]:
    """Statements of one ``parse_sql_json`` result; ``text`` is the parsed string."""
    out = []
    for raw_stmt in raw.get("stmts", []):
        node = raw_stmt.get("stmt")
        if not node:
            continue
        byte_start = raw_stmt.get("stmt_location", 0)
        byte_len = raw_stmt.get("stmt_len")
        start = locator.offset(byte_start) - base
        end = len(text) if not byte_len else locator.offset(byte_start + byte_len) - base
        start = _trim_trivia(text, start, end)
        end = _rtrim(text, start, end)
        out.append(Statement(node=node, span=Span(base + start, base + end), locator=locator))
    return out


def _split_points(text: str) -> list[tuple[int, int]] | None:
    """Top-level statement ranges found by the scanner (no grammar), or None if it fails."""
    try:
        tokens = pg.scan(text)
    except pg.ParseError as exc:
        # an unterminated literal or comment: split what comes before it, the rest is one piece
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        if not where:
            return None
        head = _split_points(text[:where])
        if head is None:
            return None
        return [*head[:-1], (head[-1][0], len(text))]
    ranges = []
    start = 0
    depth = 0
    for token in tokens:
        if token.name == "ASCII_40":
            depth += 1
        elif token.name == "ASCII_41":
            depth = max(0, depth - 1)
        elif token.name == "ASCII_59" and depth == 0:
            ranges.append((start, token.start))
            start = token.end + 1
    ranges.append((start, len(text)))
    return ranges


def _token_span(text: str, offset: int) -> tuple[int, int]:
    """The token at ``offset`` (code points) for highlighting a syntax error."""
    if offset >= len(text):
        # "at end of input": point at the last non-blank character
        end = _rtrim(text, 0, len(text))
        return (max(end - 1, 0), max(end, 1) if text else 0)
    try:
        for token in pg.scan(text[offset:]):
            return offset + token.start, offset + token.end + 1
    except pg.ParseError:
        pass
    return offset, offset + 1


def load_json(text: str) -> Any:
    """Decode pglast's JSON parse tree (orjson: about twice as fast as the standard library)."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:  # nesting deeper than orjson's limit
        return json.loads(text)


def parse_sql(text: str, base: int = 0, *, psql: bool = False) -> ParsedSQL:
    """Parse ``text`` (which starts at file offset ``base``) into statements and syntax errors.

    ``psql``: the script runs through psql, whose meta-command lines and ``COPY … FROM stdin``
    rows never reach the server's parser.
    """
    if psql:
        text = blank_psql(text)
    return _parse(text, base)


def _parse(text: str, base: int) -> ParsedSQL:
    if not text.strip():
        return ParsedSQL([], [], text, base)
    try:
        raw = load_json(pg.parse_sql_json(text))
    except pg.ParseError:
        return _parse_piecewise(text, base)
    statements = _statements_from_json(raw, text, base, ByteLocator(text, base))
    return ParsedSQL(statements, [], text, base)


def reparse_sql(
    text: str, base: int = 0, *, psql: bool = False, previous: ParsedSQL | None = None
) -> ParsedSQL:
    """`parse_sql`, keeping the statements (the same objects) and syntax errors of ``previous``
    that end, with their ``;``, before the first character that changed: an edit re-parses only
    the statements from the one it touches onwards.
    """
    if psql:
        text = blank_psql(text)
    if previous is None or previous.base != base:
        return _parse(text, base)
    same = common_prefix(previous.text, text)
    kept = 0
    resume = 0
    for statement in previous.statements:
        end = statement.span.end - base
        while end < same and previous.text[end].isspace():
            end += 1
        if end >= same or previous.text[end] != ";":
            break
        kept += 1
        resume = end + 1
    if kept == 0:
        return _parse(text, base)
    rest = _parse(text[resume:], base + resume)
    errors = [error for error in previous.errors if error.span.end <= base + resume]
    return ParsedSQL(
        [*previous.statements[:kept], *rest.statements], [*errors, *rest.errors], text, base
    )


def common_prefix(old: str, new: str) -> int:
    """The length of the longest common prefix of two texts (slices compared in C)."""
    size = min(len(old), len(new))
    if old[:size] == new[:size]:
        return size
    low, high = 0, size  # old[:low] == new[:low], old[:high] != new[:high]
    while high - low > 1:
        middle = (low + high) // 2
        if old[low:middle] == new[low:middle]:
            low = middle
        else:
            high = middle
    return low


def _meta_command(piece: str, at: int) -> tuple[str, int] | None:
    """When the offending token opens a psql meta-command line: a clearer message, and the end
    of the line (the span covers the command)."""
    line_start = piece.rfind("\n", 0, at) + 1
    if not piece.startswith("\\", at) or piece[line_start:at].strip():
        return None
    line_end = piece.find("\n", at)
    end = _rtrim(piece, at, len(piece) if line_end == -1 else line_end)
    message = (
        f"`{piece[at:end]}` is a psql meta-command, not SQL: only psql runs it, and this tool "
        "sends the file to the server"
    )
    return message, end


def _parse_piecewise(text: str, base: int) -> ParsedSQL:
    statements: list[Statement] = []
    errors: list[SyntaxProblem] = []
    ranges = _split_points(text)
    if ranges is None:
        ranges = [(0, len(text))]
    for start, end in ranges:
        start = _trim_trivia(text, start, end)
        if start >= end or not text[start:end].strip():
            continue
        piece = text[start:end]
        try:
            raw = load_json(pg.parse_sql_json(piece))
        except pg.ParseError as exc:
            message = str(exc.args[0]) if exc.args else "syntax error"
            # pglast gives no position for "at end of input"
            located = len(exc.args) > 1 and isinstance(exc.args[1], int)
            where = exc.args[1] if located else len(piece)
            tok_start, tok_end = _token_span(piece, where)
            meta = _meta_command(piece, tok_start)
            if meta is not None:
                message, tok_end = meta
            errors.append(
                SyntaxProblem(message, Span(base + start + tok_start, base + start + tok_end))
            )
            continue
        locator = ByteLocator(piece, base + start)
        statements.extend(_statements_from_json(raw, piece, base + start, locator))
    return ParsedSQL(statements, errors, text, base)
