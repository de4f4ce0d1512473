"""Statements inside function bodies (PL/pgSQL, SQL functions, ``DO`` blocks), with exact spans.

A function body is a string constant to PostgreSQL's main parser, so the statements inside it
are invisible to rules until asked for. :func:`function_statements` parses the body on demand
(``parse_plpgsql_json`` for PL/pgSQL, ``parse_sql_json`` for SQL bodies), gives each statement
found its span in the file, and caches the answer on the statement, so the common path (rules
that never look inside functions) pays nothing.

PL/pgSQL keeps every embedded SQL statement as the text it was written with, with two
changes: ``INTO target`` is blanked out with spaces, and ``PERFORM`` becomes ``SELECT`` (one
character shorter, put back to ``SELECT `` here so offsets line up). Each text is found in the
body (near the line PL/pgSQL gives, in order) and parsed there, so locations inside it map to
the file exactly, non-ASCII text and ``''`` in quoted bodies included.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

from pglast import parser as pg

from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, def_options
from pgmig_lsp.sql.offsets import ByteLocator
from pgmig_lsp.sql.parse import Statement, load_json, parse_sql

_CACHE: weakref.WeakKeyDictionary[Statement, list[Statement]] = weakref.WeakKeyDictionary()

_TRAILING_INTO = re.compile(r"\s*(into\b[^;'\"]*?)\s*(?:;|$)", re.IGNORECASE)

#: parseMode of a PLpgSQL_expr that holds a whole SQL statement (RAW_PARSE_DEFAULT)
_FULL_STATEMENT = 0


class _MappedLocator(ByteLocator):
    """Byte offsets in a piece of an unescaped string constant → file offsets.

    Used for bodies written as ``'…'`` literals, where ``''`` in the file is one quote in the
    body: the piece's own locator gives body offsets, ``mapping`` turns them into file offsets.
    """

    __slots__ = ("_inner", "_mapping")

    def __init__(self, inner: ByteLocator, mapping: list[int]) -> None:
        self._inner = inner
        self._mapping = mapping

    def offset(self, byte_pos: int) -> int:
        index = self._inner.offset(byte_pos)
        return self._mapping[max(0, min(index, len(self._mapping) - 1))]


class _Body:
    """A function body's text (the string constant's value) and where each character sits."""

    def __init__(self, text: str, start: int, mapping: list[int] | None) -> None:
        self.text = text
        #: file offset of the body's first character (dollar quoting: offsets are a shift)
        self.start = start
        #: file offset of every body character, plus one past the end (quoted literals only)
        self.mapping = mapping

    def file_offset(self, index: int) -> int:
        if self.mapping is None:
            return self.start + index
        return self.mapping[max(0, min(index, len(self.mapping) - 1))]

    def statements(self, text: str, at: int) -> list[Statement]:
        """Parse ``text``, which sits at body offset ``at``; nothing if it does not parse."""
        if self.mapping is None:
            parsed = parse_sql(text, self.start + at)
            return [] if parsed.errors else parsed.statements
        # a quoted literal: parse in body offsets, then map them through the literal
        parsed = parse_sql(text, at)
        if parsed.errors:
            return []
        for statement in parsed.statements:
            start, end = statement.span.start, statement.span.end
            statement.locator = _MappedLocator(statement.locator, self.mapping)
            statement.span = Span(self.file_offset(start), self.file_offset(end))
        return parsed.statements


def function_statements(statement: Statement, file_text: str) -> list[Statement]:
    """The SQL statements inside a function's or ``DO`` block's body, in order, with file spans.

    Handles ``CREATE FUNCTION``/``PROCEDURE`` in PL/pgSQL or SQL (string bodies and
    ``BEGIN ATOMIC``) and ``DO`` blocks in PL/pgSQL. Every statement returned has
    ``in_function`` set and runs inside a transaction (the caller's). A body that does not parse
    gives no statements. The answer is cached per statement.
    """
    cached = _CACHE.get(statement)
    if cached is not None:
        return cached
    try:
        found = _function_statements(statement, file_text)
    except (pg.ParseError, ValueError, KeyError, TypeError, IndexError, AttributeError):
        # a body we cannot read is not a finding of this module: the syntax rule speaks for it
        found = []
    for nested in found:
        nested.in_function = True
        nested.in_transaction = True
        nested.index = statement.index
    _CACHE[statement] = found
    return found


def function_language(statement: Statement) -> str | None:
    """``plpgsql``, ``sql`` or another language of a function or ``DO`` block; None otherwise."""
    kind = statement.kind
    if kind not in ("CreateFunctionStmt", "DoStmt"):
        return None
    options = statement.body.get("options" if kind == "CreateFunctionStmt" else "args")
    language = def_options(options).get("language")
    if language and "String" in language:
        return str(language["String"].get("sval", "")).lower()
    if kind == "DoStmt":
        return "plpgsql"
    return "sql" if statement.body.get("sql_body") is not None else None


def _function_statements(statement: Statement, file_text: str) -> list[Statement]:
    kind = statement.kind
    if kind not in ("CreateFunctionStmt", "DoStmt"):
        return []
    language = function_language(statement)
    body = statement.body
    if kind == "CreateFunctionStmt" and body.get("sql_body") is not None:
        return _atomic_statements(statement, file_text)
    if language not in ("plpgsql", "sql"):
        return []
    source = _body_of(statement, file_text)
    if source is None:
        return []
    if language == "sql":
        return source.statements(source.text, 0)
    return _plpgsql_statements(statement, file_text, source)


def _as_option(statement: Statement) -> Node | None:
    """The ``AS`` option's ``DefElem`` (the body string), or None."""
    key = "options" if statement.kind == "CreateFunctionStmt" else "args"
    for option in statement.body.get(key, []) or []:
        elem = option.get("DefElem")
        if elem is not None and elem.get("defname") == "as":
            return dict(elem)
    return None


def _body_of(statement: Statement, file_text: str) -> _Body | None:
    """The body text and its place in the file, from the ``AS`` string constant."""
    elem = _as_option(statement)
    if elem is None:
        return None
    arg = elem.get("arg") or {}
    if "List" in arg:
        items = arg["List"].get("items", []) or []
        if len(items) != 1:  # ``AS 'obj_file', 'link_symbol'``: C functions
            return None
        arg = items[0]
    value = (arg.get("String") or {}).get("sval")
    location = elem.get("arg_location")
    if value is None or location is None or location < 0:
        return None
    start = statement.at(location)
    if not statement.span.start <= start < statement.span.end:
        return None
    raw = file_text[start : statement.span.end]
    if raw.startswith("$"):
        tag_end = raw.find("$", 1)
        if tag_end == -1:
            return None
        tag = raw[: tag_end + 1]
        end = len(tag) + len(value)
        if raw[len(tag) : end] != value or not raw.startswith(tag, end):
            return None
        return _Body(value, start + len(tag), None)
    if raw.startswith("'"):
        mapping = _quoted_mapping(raw, start)
        if mapping is None or len(mapping) != len(value) + 1:
            return None
        return _Body(value, start, mapping)
    return None


def _quoted_mapping(raw: str, start: int) -> list[int] | None:
    """File offsets of each character of a ``'…'`` literal's value (``''`` is one quote)."""
    mapping: list[int] = []
    index = 1
    while index < len(raw):
        char = raw[index]
        if char == "'":
            if raw.startswith("''", index):
                mapping.append(start + index)
                index += 2
                continue
            mapping.append(start + index)  # one past the last character: the closing quote
            return mapping
        mapping.append(start + index)
        index += 1
    return None


def _plpgsql_statements(statement: Statement, file_text: str, source: _Body) -> list[Statement]:
    text = file_text[statement.span.start : statement.span.end]
    tree = load_json(pg.parse_plpgsql_json(text))
    queries: list[tuple[str, int]] = []
    for function in tree if isinstance(tree, list) else [tree]:
        _collect(function, 0, queries)
    body = source.text
    lowered = body.lower()
    line_starts = [0]
    position = body.find("\n")
    while position != -1:
        line_starts.append(position + 1)
        position = body.find("\n", position + 1)
    claimed: set[int] = set()
    located: list[tuple[int, str]] = []
    for query, lineno in queries:
        stripped = query.lstrip()
        if not stripped.strip():
            continue
        stripped = stripped.rstrip()
        hint = line_starts[min(max(lineno - 1, 0), len(line_starts) - 1)] if lineno else 0
        found = _locate(body, lowered, stripped, hint, claimed)
        if found is None and hint:
            found = _locate(body, lowered, stripped, 0, claimed)
        if found is None:
            continue
        claimed.add(found[0])
        located.append(found)
    out: list[Statement] = []
    for at, query in sorted(located):
        parsed = source.statements(query, at)
        if len(parsed) == 1:
            # a trailing ``INTO target`` is not in the query text: the span still covers it
            tail = _TRAILING_INTO.match(body, at + len(query))
            if tail is not None:
                parsed[0].span = Span(parsed[0].span.start, source.file_offset(tail.end(1)))
        out.extend(parsed)
    return out


def _collect(node: Any, lineno: int, out: list[tuple[str, int]]) -> None:
    """Every PL/pgSQL expression that is a whole SQL statement, with the nearest line number."""
    if isinstance(node, list):
        for item in node:
            _collect(item, lineno, out)
        return
    if not isinstance(node, dict):
        return
    expr = node.get("PLpgSQL_expr")
    if isinstance(expr, dict):
        if expr.get("parseMode") == _FULL_STATEMENT and isinstance(expr.get("query"), str):
            out.append((expr["query"], lineno))
        return
    line = node.get("lineno")
    if isinstance(line, int) and line > 0:
        lineno = line
    for value in node.values():
        if isinstance(value, (dict, list)):
            _collect(value, lineno, out)


def _locate(
    body: str, lowered: str, query: str, start: int, claimed: set[int]
) -> tuple[int, str] | None:
    """Where ``query`` was written in ``body`` at or after ``start``, and the text to parse there
    (the query with the body's offsets).

    The query text equals the body text there except where PL/pgSQL blanked ``INTO …`` out with
    spaces, and for ``PERFORM``, which it turned into ``SELECT`` (one character shorter).
    """
    anchors = [query.split(None, 1)[0].lower()]
    if query[:6].upper() == "SELECT":
        anchors.append("perform")
    best: tuple[int, str] | None = None
    for anchor in anchors:
        pos = lowered.find(anchor, start)
        while pos != -1 and (best is None or pos < best[0]):
            if pos not in claimed:
                text = _match(body, lowered, pos, query)
                if text is not None:
                    best = (pos, text)
                    break
            pos = lowered.find(anchor, pos + 1)
    return best


def _match(body: str, lowered: str, pos: int, query: str) -> str | None:
    """The text to parse if ``query`` was written at ``pos`` of ``body``, else None."""
    if pos > 0 and (body[pos - 1].isalnum() or body[pos - 1] in "_$"):
        return None
    first = 0
    if lowered.startswith("perform", pos) and query[:6].upper() == "SELECT":
        query, first = "SELECT " + query[6:], 7
    if pos + len(query) > len(body):
        return None
    for index in range(first, len(query)):
        char = query[index]
        if char != body[pos + index] and not char.isspace():
            return None
    return query


def _atomic_statements(statement: Statement, file_text: str) -> list[Statement]:
    """The statements of a ``BEGIN ATOMIC … END`` body (already parsed with the statement)."""
    sql_body = statement.body.get("sql_body") or {}
    if "List" not in sql_body:
        return []  # ``RETURN expr``: an expression, not statements
    nodes: list[Node] = []
    for item in sql_body["List"].get("items", []) or []:
        if "List" in item:
            nodes.extend(item["List"].get("items", []) or [])
        elif item:
            nodes.append(item)
    if not nodes:
        return []
    text = file_text[statement.span.start : statement.span.end]
    tokens = list(pg.scan(text))
    index = next(
        (i for i, tok in enumerate(tokens) if text[tok.start : tok.end + 1].upper() == "ATOMIC"),
        None,
    )
    if index is None:
        return []
    pieces: list[tuple[int, int]] = []
    depth = 0
    piece_start: int | None = None
    last_end = 0
    for token in tokens[index + 1 :]:
        if token.name == "ASCII_59" and depth == 0:
            if piece_start is not None:
                pieces.append((piece_start, last_end))
            piece_start = None
            continue
        if piece_start is None:
            piece_start = token.start
        if token.name == "ASCII_40":
            depth += 1
        elif token.name == "ASCII_41":
            depth = max(0, depth - 1)
        last_end = token.end + 1
    if len(pieces) < len(nodes):
        return []
    base = statement.span.start
    out = []
    for node, (start, end) in zip(nodes, pieces, strict=False):
        if not isinstance(node, dict) or not node:
            continue
        out.append(
            Statement(node=node, span=Span(base + start, base + end), locator=statement.locator)
        )
    return out
