"""Names written in SQL statements, read from PostgreSQL's scanner tokens (no parse needed).

The editor needs the names of statements being typed (half-written ones that do not parse) and
of every statement of a directory's migrations (find references), quickly. So names are read
from the scanner's tokens with a small model of the grammar around them: what a keyword
announces (``TABLE`` a relation, ``::`` a type, ``REFERENCES t (`` columns of ``t``), which
relations an expression sees (the ``FROM`` of its query, its statement's table). What a name
refers to is decided later, against a catalog (`pgmig_lsp.editor.objects`).

The names in a function's body (``$$ … $$``) count as its ``CREATE FUNCTION``'s; other string
literals are not read.
"""

from __future__ import annotations

import enum
import functools
import sys
from collections.abc import Iterator
from typing import NamedTuple

import attrs
from pglast import parser as pg

from pgmig_lsp.source import Span

Parts = tuple[str, ...]


class Role(enum.Enum):
    """What the grammar says a name is."""

    #: a table, view, materialized view or sequence
    RELATION = "relation"
    INDEX = "index"
    TYPE = "type"
    FUNCTION = "function"
    SCHEMA = "schema"
    #: a column of `Name.relation`
    COLUMN = "column"
    #: a name in an expression: a column of a relation in `Name.scope`, or ``relation.column``
    EXPRESSION = "expression"
    TRIGGER = "trigger"
    POLICY = "policy"
    CONSTRAINT = "constraint"
    EXTENSION = "extension"


@attrs.frozen
class Name:
    """A possibly qualified name written in a statement (``app.orders``, ``o.status``)."""

    #: identifiers as PostgreSQL reads them (unquoted ones folded to lower case)
    parts: Parts
    #: where each part is written
    spans: tuple[Span, ...]
    role: Role
    #: columns, triggers, policies and constraints: the relation they belong to; expressions
    #: with a qualifier: the relation it stands for (an alias resolved)
    relation: Parts | None = None
    #: unqualified expressions: the relations they may belong to, the nearest first
    scope: tuple[Parts, ...] = ()
    #: the statement creates the object (``CREATE TABLE t``, a column definition)
    defines: bool = False

    @property
    def span(self) -> Span:
        return Span(self.spans[0].start, self.spans[-1].end)

    def part_at(self, offset: int) -> int | None:
        """The index of the part written at ``offset`` (its end included), or None."""
        for index, span in enumerate(self.spans):
            if span.start <= offset <= span.end:
                return index
        return None


@attrs.frozen
class StatementNames:
    """The names of one statement (or piece of text between semicolons)."""

    span: Span
    names: tuple[Name, ...]
    #: the relation the statement is about (``ALTER TABLE t``, ``CREATE INDEX … ON t``)
    subject: Parts | None


@attrs.frozen
class Expected:
    """What a name typed at a point of a statement would be (for completion)."""

    role: Role
    #: the parts typed before the last ``.`` (``app.`` → ``("app",)``)
    qualifier: Parts
    relation: Parts | None = None
    scope: tuple[Parts, ...] = ()
    defines: bool = False
    #: an expression where only keywords are expected (``ALTER TABLE t |``): offer nothing
    keyword_position: bool = False


class _Token(NamedTuple):
    name: str
    #: ``""`` (not a keyword), ``reserved`` or ``unreserved`` (may be an identifier)
    keyword: str
    start: int
    end: int
    #: an identifier's value (quotes removed, or folded to lower case); keywords: lower case
    value: str


_OPEN, _CLOSE, _COMMA, _SEMI, _DOT = "ASCII_40", "ASCII_41", "ASCII_44", "ASCII_59", "ASCII_46"
_CURSOR = "CURSOR"
_COMMENTS = {"SQL_COMMENT", "C_COMMENT"}
_OPERATORS = {
    "Op",
    "ASCII_60",
    "ASCII_61",
    "ASCII_62",
    "ASCII_43",
    "ASCII_45",
    "ASCII_42",
    "ASCII_47",
    "ASCII_37",
    "LESS_EQUALS",
    "GREATER_EQUALS",
    "NOT_EQUALS",
}


def _scan(chunk: str) -> tuple[list[pg.Token], int | None]:
    """The scanner's tokens of ``chunk``; where it stopped reading (None: it read it all)."""
    try:
        return list(pg.scan(chunk)), None
    except pg.ParseError as exc:
        where = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        try:
            return (list(pg.scan(chunk[:where])) if where > 0 else []), where
        except pg.ParseError:
            return [], 0


def in_literal(text: str, start: int, offset: int) -> bool:
    """Whether ``offset`` is inside a string, a quoted name or a comment (scanning from
    ``start``, where a statement begins)."""
    scanned, stopped = _scan(text[start:offset])
    if stopped is not None:
        return True  # an unterminated string, quoted name or comment runs to the cursor
    # a ``--`` comment runs to the end of its line
    last = scanned[-1] if scanned else None
    return last is not None and last.name == "SQL_COMMENT" and start + last.end + 1 == offset


def tokens(text: str, start: int, end: int) -> list[_Token]:
    """The tokens of ``text[start:end]`` (file offsets), comments left out.

    Text the scanner cannot read (an unterminated string or comment) ends the list there.
    """
    chunk = text[start:end]
    scanned, _ = _scan(chunk)
    out = []
    for token in scanned:
        if token.name in _COMMENTS:
            continue
        first = start + token.start
        last = start + token.end + 1
        if token.kind == "NO_KEYWORD":
            keyword = ""
            value = chunk[token.start : token.end + 1] if token.name == "IDENT" else ""
            quoted = value.startswith('"')
            value = value[1:-1].replace('""', '"') if quoted else value.lower()
        else:
            # type and function name keywords (``IS``, ``JOIN``) cannot name a column or table
            names = token.kind in ("UNRESERVED_KEYWORD", "COL_NAME_KEYWORD")
            keyword = "unreserved" if names else "reserved"
            value = chunk[token.start : token.end + 1].lower()
        out.append(_Token(token.name, keyword, first, last, sys.intern(value)))
    return out


def _identifier(token: _Token) -> bool:
    """An identifier, or a keyword that may be one."""
    return token.name in ("IDENT", _CURSOR) or token.keyword == "unreserved"


def statements(toks: list[_Token]) -> Iterator[list[_Token]]:
    """The tokens split at top-level semicolons."""
    depth = 0
    current: list[_Token] = []
    for token in toks:
        if token.name == _OPEN:
            depth += 1
        elif token.name == _CLOSE:
            depth = max(0, depth - 1)
        elif token.name == _SEMI and depth == 0:
            if current:
                yield current
            current = []
            continue
        current.append(token)
    if current:
        yield current


def statement_start(text: str, start: int, offset: int) -> int:
    """Where the statement being typed at ``offset`` begins: after the last top-level ``;``
    between ``start`` and ``offset`` (``offset`` itself right after one)."""
    scanned, _ = _scan(text[start:offset])
    depth = 0
    begin: int | None = None
    for token in scanned:
        name = token.name
        if name in _COMMENTS:
            continue
        if begin is None:
            begin = start + token.start
        if name == _OPEN:
            depth += 1
        elif name == _CLOSE:
            depth = max(0, depth - 1)
        elif name == _SEMI and depth == 0:
            begin = None
    return offset if begin is None else begin


def section_names(text: str, span: Span, *, bodies: bool = True) -> list[StatementNames]:
    """The names of every statement in ``text[span]`` (a section), statement by statement.

    The names in the body of a function (``$$ … $$``) count as its statement's, unless
    ``bodies`` is False.
    """
    return [_read(text, run, bodies) for run in statements(tokens(text, span.start, span.end))]


def statement_names(text: str, span: Span) -> StatementNames:
    """The names of the one statement in ``text[span]`` (and of its function body)."""
    return _read(text, tokens(text, span.start, span.end), True)


def _read(text: str, run: list[_Token], bodies: bool) -> StatementNames:
    found = _Reader(run).read()
    if not bodies or not run or run[0].name not in ("CREATE", "DO"):
        return found
    names = list(found.names)
    for token in run:
        if token.name == "SCONST" and text.startswith("$", token.start):
            tag = text[token.start : text.find("$", token.start + 1) + 1]
            body = Span(token.start + len(tag), token.end - len(tag))
            if body.start < body.end:
                for inner in section_names(text, body, bodies=False):
                    names.extend(inner.names)
    return attrs.evolve(found, names=tuple(names))


def expected_at(text: str, span: Span, offset: int) -> Expected | None:
    """What a name typed at ``offset`` would be, in the statement starting at ``span.start``
    (``span`` may run past its end: the statement ends at a top-level ``;``).

    The name being typed (the word before ``offset``, with its qualifiers) is replaced by a
    marker; the text after it still tells the aliases and ``FROM`` of a query. None where no
    name can go (inside a string or a comment, right after a literal or a keyword).
    """
    if in_literal(text, span.start, offset):
        return None
    # the statement only: up to the first top-level ``;`` after the cursor
    toks = next(statements(tokens(text, span.start, max(span.end, offset))), [])
    cut = next((i for i, t in enumerate(toks) if t.end > offset or t.start >= offset), len(toks))
    rest = cut
    if rest < len(toks) and toks[rest].start < offset:
        rest += 1  # the cursor is inside a word: the whole word is replaced
    if cut and _identifier(toks[cut - 1]) and toks[cut - 1].end == offset:
        cut -= 1  # the word being typed
    elif cut and toks[cut - 1].end == offset and toks[cut - 1].name not in _AFTER:
        return None  # right after a literal or a keyword: no name here
    qualifier: list[str] = []
    while cut >= 2 and toks[cut - 1].name == _DOT and _chain_part(toks[cut - 2]):
        qualifier.insert(0, toks[cut - 2].value)
        cut -= 2
    start = toks[cut].start if cut < len(toks) else offset
    marker = _Token(_CURSOR, "", start, offset, "")
    reader = _Reader([*toks[:cut], marker, *toks[rest:]], qualifier=tuple(qualifier))
    reader.read()
    return reader.expected


#: what a name may follow with nothing between them
_AFTER = {_DOT, _OPEN, _COMMA, "TYPECAST", *_OPERATORS}


def _chain_part(token: _Token) -> bool:
    return token.name == "IDENT" or bool(token.keyword)


# -- the reader --------------------------------------------------------------------------------


class _Kind(enum.Enum):
    ROOT = "root"
    #: ``CREATE TABLE t ( … )``: column definitions and table constraints
    ELEMENTS = "elements"
    #: a list of the columns of `_Group.owner` (``ON t (…)``, ``REFERENCES t (…)``, ``KEY (…)``)
    COLUMNS = "columns"
    #: ``name type`` pairs: function parameters, composite type attributes
    PARAMS = "params"
    #: a function call's arguments
    ARGS = "args"
    CAST = "cast"
    EXPRESSION = "expression"


class _Group:
    """A parenthesized part of a statement."""

    __slots__ = (
        "aliases",
        "element_start",
        "expression",
        "kind",
        "listing",
        "owner",
        "parent",
        "relations",
    )

    def __init__(self, kind: _Kind, parent: _Group | None, owner: Parts | None = None) -> None:
        self.kind = kind
        self.parent = parent
        #: ELEMENTS, COLUMNS: the relation; None for the statement's subject
        self.owner = owner
        #: relations its query reads (FROM, JOIN, UPDATE)
        self.relations: list[Parts] = []
        self.aliases: dict[str, Parts] = {}
        self.element_start = True
        #: inside an expression (keywords that are not reserved are names here)
        self.expression = kind in (_Kind.ARGS, _Kind.CAST, _Kind.EXPRESSION)
        #: a list of names a keyword announced (``DROP TABLE a, b``): a comma announces another
        self.listing: _Expect | None = None

    def chain(self) -> Iterator[_Group]:
        group: _Group | None = self
        while group is not None:
            yield group
            group = group.parent


@attrs.frozen
class _Expect:
    """A keyword announced a name."""

    role: Role
    #: a keyword that is not reserved may be the name (else identifiers only)
    strong: bool = True
    skip: frozenset[str] = frozenset()
    stop: frozenset[str] = frozenset()
    #: a comma-separated list of them (``DROP TABLE a, b``)
    many: bool = False
    defines: bool = False
    #: a column definition: its type follows
    then_type: bool = False
    #: the keyword (``FROM``, ``ON``, ``TABLE``…)
    via: str = ""


_IF = frozenset({"IF_P", "NOT", "EXISTS"})
_INTRODUCERS: dict[str, _Expect] = {
    "TABLE": _Expect(Role.RELATION, skip=_IF | {"ONLY"}, many=True, via="TABLE"),
    "VIEW": _Expect(Role.RELATION, skip=_IF | {"CONCURRENTLY"}, many=True, via="VIEW"),
    "SEQUENCE": _Expect(Role.RELATION, skip=_IF, many=True, via="SEQUENCE"),
    "INDEX": _Expect(Role.INDEX, skip=_IF | {"CONCURRENTLY"}, many=True, via="INDEX"),
    "TYPE_P": _Expect(Role.TYPE, skip=_IF, many=True, via="TYPE"),
    "DOMAIN_P": _Expect(Role.TYPE, skip=_IF, many=True, via="DOMAIN"),
    "FUNCTION": _Expect(Role.FUNCTION, skip=_IF, many=True, via="FUNCTION"),
    "PROCEDURE": _Expect(Role.FUNCTION, skip=_IF, many=True, via="FUNCTION"),
    "ROUTINE": _Expect(Role.FUNCTION, skip=_IF, many=True, via="FUNCTION"),
    "SCHEMA": _Expect(Role.SCHEMA, skip=_IF, many=True, via="SCHEMA"),
    "TRIGGER": _Expect(Role.TRIGGER, skip=_IF, via="TRIGGER"),
    "POLICY": _Expect(Role.POLICY, skip=_IF, via="POLICY"),
    "CONSTRAINT": _Expect(Role.CONSTRAINT, skip=_IF, via="CONSTRAINT"),
    "COLUMN": _Expect(Role.COLUMN, skip=_IF, via="COLUMN"),
    "EXTENSION": _Expect(Role.EXTENSION, skip=_IF, via="EXTENSION"),
    "REFERENCES": _Expect(Role.RELATION, via="REFERENCES"),
    "JOIN": _Expect(Role.RELATION, skip=frozenset({"ONLY", "LATERAL_P"}), via="FROM"),
    "INTO": _Expect(Role.RELATION, skip=frozenset({"ONLY"}), via="INTO"),
    "RETURNS": _Expect(Role.TYPE, skip=frozenset({"SETOF"}), stop=frozenset({"TABLE"})),
    "TYPECAST": _Expect(Role.TYPE),
}
_FROM = _Expect(Role.RELATION, skip=frozenset({"ONLY", "LATERAL_P"}), many=True, via="FROM")
_ON = _Expect(
    Role.RELATION,
    skip=frozenset({"ONLY"}),
    stop=frozenset({"DELETE_P", "UPDATE", "CONFLICT", "COMMIT", "TRUE_P", "FALSE_P"}),
    via="ON",
)
_TYPE = _Expect(Role.TYPE)
#: ``UPDATE t``; ``TRUNCATE a, b``, ``ANALYZE a``…
_UPDATE = _Expect(Role.RELATION, skip=frozenset({"ONLY"}), via="FROM")
_RELATIONS = _Expect(Role.RELATION, skip=_FROM.skip | {"TABLE"}, many=True, via="FROM")
#: ``CREATE TRIGGER … UPDATE OF a, b``, ``OWNED BY t.c``, ``(LIKE t)``
_TRIGGER_COLUMNS = _Expect(Role.COLUMN, strong=False, many=True, via="OF")
_OWNED_BY = _Expect(Role.COLUMN, via="BY")
_LIKE = _Expect(Role.RELATION, via="LIKE")
#: ``ALTER TABLE t ADD c …``, ``ALTER c …``, ``DROP c``, ``RENAME c TO …``: a column, when the
#: next word is an identifier (not ``CONSTRAINT``, ``DEFAULT``…)
_SUBCOMMANDS = {
    name: _Expect(
        Role.COLUMN,
        strong=False,
        skip=_IF,
        defines=name == "ADD_P",
        then_type=name == "ADD_P",
        via=name,
    )
    for name in ("ADD_P", "ALTER", "DROP", "RENAME")
}
#: ``ADD COLUMN c type``
_NEW_COLUMN = attrs.evolve(_INTRODUCERS["COLUMN"], defines=True, then_type=True)


@functools.cache
def _defining(expect: _Expect) -> _Expect:
    return attrs.evolve(expect, defines=True)


@functools.cache
def _listed(expect: _Expect) -> _Expect:
    return attrs.evolve(expect, defines=False)


#: keywords whose next name is not an object of the catalog (a role, a method, a new name)
_CONSUMES = {"TO", "USING", "LANGUAGE", "AUTHORIZATION", "COLLATE", "TABLESPACE", "OWNER"}
#: keywords after which names are part of an expression
_EXPRESSION_STARTS = {
    "WHERE",
    "SELECT",
    "DEFAULT",
    "RETURNING",
    "HAVING",
    "BY",
    "WHEN",
    "THEN",
    "ELSE",
    "CHECK",
    "VALUES",
    *_OPERATORS,
}
#: words that open a table element that is not a column
_ELEMENT_KEYWORDS = {"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "LIKE"}
_MODIFIERS = {"IN_P", "OUT_P", "INOUT", "VARIADIC"}
#: what a CREATE / ALTER / DROP / COMMENT works on
_OBJECT_WORDS = {
    "TABLE",
    "VIEW",
    "INDEX",
    "SEQUENCE",
    "TYPE_P",
    "DOMAIN_P",
    "FUNCTION",
    "PROCEDURE",
    "TRIGGER",
    "POLICY",
    "SCHEMA",
    "EXTENSION",
}


class _Reader:
    """Reads the names of one statement's tokens, left to right."""

    def __init__(self, toks: list[_Token], qualifier: Parts = ()) -> None:
        self.toks = toks
        #: for completion: the parts typed before the marker (`expected_at`)
        self.qualifier = qualifier
        self.verb = toks[0].name if toks else ""
        self.object = next((t.name for t in toks[1:7] if t.name in _OBJECT_WORDS), "")
        self.root = _Group(_Kind.ROOT, None)
        self.group = self.root
        #: the name the last keyword announced
        self.expect: _Expect | None = None
        #: the last thing read, for what a parenthesis opens: (what, keyword or via, parts)
        self.previous: tuple[str, str, Parts] = ("", "", ())
        self.subject: Parts | None = None
        #: the statement's own object was read (``CREATE TABLE t``: ``t``)
        self.defined = False
        #: a token that is not a name of the catalog (an alias, a role, a new name)
        self.skipped = -1
        self.found: list[tuple[Parts, tuple[Span, ...], Role, _Group, Parts | None, bool]] = []
        self.expected: Expected | None = None
        self.expected_group: _Group | None = None

    def read(self) -> StatementNames:
        toks = self.toks
        index = 0
        while index < len(toks):
            index = self._step(index)
        span = Span(toks[0].start, toks[-1].end) if toks else Span(0, 0)
        return StatementNames(span, tuple(self._names()), self.subject)

    def _step(self, index: int) -> int:
        token = self.toks[index]
        expect = self.expect
        if expect is not None:
            if token.name in expect.skip:
                return index + 1
            self.expect = None
            if token.name in expect.stop:
                self.previous = ("keyword", token.name, ())
                return index + 1
            if token.name in ("IDENT", _CURSOR) or (
                expect.strong and token.keyword == "unreserved"
            ):
                return self._announced(index, expect)
        name = token.name
        if index == self.skipped:
            return self._chain(index)[2]
        if name == _OPEN:
            self._open()
        elif name == _CLOSE:
            if self.group.parent is not None:
                self.group = self.group.parent
            self.previous = ("close", "", ())
        elif name == _COMMA:
            self._comma()
        elif name == _DOT:
            pass
        elif not self._keyword(index):
            return self._bare(index)
        return index + 1

    # -- punctuation -------------------------------------------------------------------------

    def _open(self) -> None:
        what, via, parts = self.previous
        group = self.group
        owner: Parts | None = None
        kind = _Kind.EXPRESSION
        if what == "relation" and via == "TABLE" and self.verb == "CREATE" and group is self.root:
            kind, owner = _Kind.ELEMENTS, parts
        elif what == "relation" and via in ("ON", "REFERENCES", "INTO", "VIEW", "TABLE"):
            kind, owner = _Kind.COLUMNS, parts
        elif what == "keyword" and via in ("KEY", "UNIQUE", "INCLUDE"):
            kind, owner = _Kind.COLUMNS, self._table_of(group)
        elif what == "function":
            kind = _Kind.PARAMS if via == "FUNCTION" else _Kind.ARGS
        elif what == "keyword" and via == "CAST":
            kind = _Kind.CAST
        elif what == "keyword" and (via == "TABLE" or (via == "AS" and self.object == "TYPE_P")):
            kind = _Kind.PARAMS  # RETURNS TABLE (…), CREATE TYPE t AS (…)
        self.group = _Group(kind, group, owner)
        self.previous = ("open", "", ())

    def _table_of(self, group: _Group) -> Parts | None:
        """The relation a table element is about (None: the statement's subject)."""
        for outer in group.chain():
            if outer.kind is _Kind.ELEMENTS:
                return outer.owner
        return None

    def _comma(self) -> None:
        group = self.group
        group.element_start = True
        if group.kind is _Kind.ELEMENTS or (group is self.root and self.verb == "ALTER"):
            group.expression = False  # the next element or sub-command
        if group.listing is not None:
            self.expect = _listed(group.listing)
        self.previous = ("comma", "", ())

    # -- keywords ----------------------------------------------------------------------------

    def _keyword(self, index: int) -> bool:
        """Handle the token at ``index`` as a keyword or punctuation; False: it is a name."""
        token = self.toks[index]
        name = token.name
        group = self.group
        following = self.toks[index + 1] if index + 1 < len(self.toks) else None
        before = self.previous
        self.previous = ("keyword", name, ())
        group.listing = None
        if name == "TYPECAST":
            return self._announce(_INTRODUCERS["TYPECAST"])
        if name in _EXPRESSION_STARTS and (token.keyword == "reserved" or name in _OPERATORS):
            if not (name == "CHECK" and following is not None and following.name == _OPEN):
                group.expression = True
            return True
        if name == "SET" and self.verb == "UPDATE" and group is self.root:
            group.expression = True
            return True
        if token.keyword == "":
            return name not in ("IDENT", _CURSOR)
        if group.kind in (_Kind.ELEMENTS, _Kind.PARAMS) and group.element_start:
            if name in _ELEMENT_KEYWORDS:
                group.element_start = False
            elif group.kind is _Kind.PARAMS and name in _MODIFIERS:
                return True
            elif token.keyword == "unreserved":
                return False  # a column or parameter name
        if name == "FROM":
            return self._from(index)
        if name == "ON":
            if following is not None and following.name in _ON.stop:
                group.expression = False
                self.skipped = index + 1  # ON DELETE, ON CONFLICT: keywords
                return True
            if group.relations or group.kind in (_Kind.ARGS, _Kind.CAST):
                group.expression = True  # JOIN … ON condition
                return True
            return self._announce(_ON)
        if index == 0 and name == "UPDATE":
            return self._announce(_UPDATE)
        if index == 0 and name in ("TRUNCATE", "LOCK_P", "CLUSTER", "VACUUM", "ANALYZE"):
            return self._announce(_RELATIONS)
        if name == "AS":
            return self._as(index, before)
        if name == "OF" and self.object == "TRIGGER":
            return self._announce(_TRIGGER_COLUMNS)
        if name == "BY" and index > 0 and self.toks[index - 1].name == "OWNED":
            return self._announce(_OWNED_BY)
        if name == "LIKE" and group.kind is _Kind.ELEMENTS:
            return self._announce(_LIKE)
        if name in _SUBCOMMANDS and index > 0 and self.verb == "ALTER" and group is self.root:
            return self._announce(_SUBCOMMANDS[name]) if self.object == "TABLE" else True
        if name in _CONSUMES:
            if name == "USING" and not (self.object == "INDEX" and group is self.root):
                group.expression = True  # USING (expression), ALTER … TYPE t USING expression
                return True
            if name == "USING":
                self.previous = before  # ON t USING gin (…): the columns of t follow
            if following is not None and following.name != _OPEN and _identifier(following):
                self.skipped = index + 1
            return True
        if name in _INTRODUCERS:
            intro = _INTRODUCERS[name]
            if name == "COLUMN" and index > 0 and self.toks[index - 1].name == "ADD_P":
                intro = _NEW_COLUMN
            return self._announce(intro)
        return token.keyword == "reserved" or not group.expression

    def _announce(self, expect: _Expect) -> bool:
        """A keyword that announces a name: the next identifier is one."""
        group = self.group
        if (
            self.verb == "CREATE"
            and not self.defined
            and group is self.root
            and expect.via
            and expect.via == _VIA.get(self.object)
        ):
            expect = _defining(expect)
        if expect.role is not Role.TYPE:
            group.expression = False
        self.expect = expect
        return True

    def _from(self, index: int) -> bool:
        group = self.group
        before = self.toks[index - 1].name if index > 0 else ""
        if group.kind in (_Kind.ARGS, _Kind.CAST) or before == "DISTINCT" or self.verb == "REVOKE":
            return True  # EXTRACT(… FROM …), IS DISTINCT FROM, REVOKE … FROM role
        return self._announce(_FROM)

    def _as(self, index: int, before: tuple[str, str, Parts]) -> bool:
        group = self.group
        if group.kind is _Kind.CAST or (self.object == "DOMAIN_P" and group is self.root):
            return self._announce(_TYPE)
        following = self.toks[index + 1] if index + 1 < len(self.toks) else None
        if following is not None and following.name == "IDENT":
            # an alias: of a relation read by a query, or of a column
            self.skipped = index + 1
            what, via, parts = before
            if what == "relation" and via == "FROM":
                group.aliases[following.value] = parts
        return True

    # -- names ---------------------------------------------------------------------------------

    def _chain(self, index: int) -> tuple[Parts, tuple[Span, ...], int]:
        """The qualified name starting at ``index``, and the index after it."""
        toks = self.toks
        token = toks[index]
        if token.name == _CURSOR:
            typed = tuple(Span(token.start, token.start) for _ in self.qualifier)
            return (*self.qualifier, ""), (*typed, Span(token.start, token.end)), index + 1
        parts = [token.value]
        spans = [Span(token.start, token.end)]
        index += 1
        while index + 1 < len(toks) and toks[index].name == _DOT and _chain_part(toks[index + 1]):
            parts.append(toks[index + 1].value)
            spans.append(Span(toks[index + 1].start, toks[index + 1].end))
            index += 2
        return tuple(parts), tuple(spans), index

    def _announced(self, index: int, expect: _Expect) -> int:
        """A name the keyword before announced."""
        parts, spans, after = self._chain(index)
        role = expect.role
        group = self.group
        following = self.toks[after] if after < len(self.toks) else None
        relation: Parts | None = None
        if role is Role.RELATION and expect.via == "FROM" and _opens(following):
            role = Role.FUNCTION  # FROM generate_series(…)
        if role is Role.COLUMN and len(parts) > 1:
            relation = parts[:-1]  # COMMENT ON COLUMN t.c, OWNED BY t.c
        elif role in (Role.COLUMN, Role.CONSTRAINT):
            relation = self._table_of(group)
        if expect.defines:
            self.defined = True
        group.listing = expect if expect.many else None
        self._record(index, parts, spans, role, relation, expect.defines)
        if role is Role.RELATION:
            self._relation_read(parts, expect.via, group, following, after)
            self.previous = ("relation", expect.via, parts)
        elif role is Role.FUNCTION:
            self.previous = ("function", expect.via, parts)
        else:
            self.previous = ("name", role.value, parts)
        if expect.then_type:
            self.expect = _TYPE
        return after

    def _relation_read(
        self, parts: Parts, via: str, group: _Group, following: _Token | None, after: int
    ) -> None:
        # a query's FROM is the subject of DELETE, UPDATE, TRUNCATE only
        if (
            group is self.root
            and self.subject is None
            and via not in ("REFERENCES", "LIKE")
            and (via != "FROM" or self.verb in ("DELETE_P", "UPDATE", "TRUNCATE"))
        ):
            self.subject = parts
        if via == "FROM":
            group.relations.append(parts)
            if following is not None and following.name == "IDENT":
                group.aliases[following.value] = parts
                self.skipped = after

    def _bare(self, index: int) -> int:
        """A name no keyword announced: a column definition, a call, an expression."""
        parts, spans, after = self._chain(index)
        group = self.group
        following = self.toks[after] if after < len(self.toks) else None
        role = Role.EXPRESSION
        relation: Parts | None = None
        defines = False
        start = group.element_start
        group.element_start = False
        group.listing = None
        self.previous = ("name", "", parts)
        if group.kind is _Kind.ELEMENTS and start:
            role, relation, defines = Role.COLUMN, group.owner, True
            self.expect = _TYPE
        elif group.kind is _Kind.PARAMS and start:
            if following is not None and following.name not in (_COMMA, _CLOSE, "DEFAULT"):
                self.expect = _TYPE  # a parameter's name, then its type
                return after
            role = Role.TYPE
        elif group.kind is _Kind.PARAMS:
            return after
        elif _opens(following):
            role = Role.FUNCTION
            self.previous = ("function", "", parts)
        elif group.kind is _Kind.COLUMNS and start:
            role, relation = Role.COLUMN, group.owner
        elif group.kind is _Kind.COLUMNS:
            return after  # an operator class
        elif group is self.root and not group.expression and self.toks[index].name != _CURSOR:
            return after  # a word where the grammar has keywords (``LANGUAGE plpgsql``)
        self._record(index, parts, spans, role, relation, defines)
        return after

    def _record(
        self,
        index: int,
        parts: Parts,
        spans: tuple[Span, ...],
        role: Role,
        relation: Parts | None,
        defines: bool,
    ) -> None:
        if self.toks[index].name != _CURSOR:
            self.found.append((parts, spans, role, self.group, relation, defines))
            return
        group = self.group
        keyword_position = role is Role.EXPRESSION and group is self.root and not group.expression
        self.expected = Expected(role, self.qualifier, relation, (), defines, keyword_position)
        self.expected_group = group

    # -- the result ----------------------------------------------------------------------------

    def _names(self) -> Iterator[Name]:
        subject = self.subject
        for parts, spans, role, group, relation, defines in self.found:
            relation, scope = _context(parts, role, group, relation, subject)
            yield Name(parts, spans, role, relation, scope, defines)
        expected, where = self.expected, self.expected_group
        if expected is not None and where is not None:
            parts = (*expected.qualifier, "")
            relation, scope = _context(parts, expected.role, where, expected.relation, subject)
            self.expected = attrs.evolve(expected, relation=relation, scope=scope)


def _context(
    parts: Parts, role: Role, group: _Group, relation: Parts | None, subject: Parts | None
) -> tuple[Parts | None, tuple[Parts, ...]]:
    """The relation a name belongs to, and the scope of an unqualified expression."""
    if role in (Role.COLUMN, Role.CONSTRAINT, Role.TRIGGER, Role.POLICY):
        return relation or subject, ()
    if role is Role.EXPRESSION and len(parts) == 2:
        return _alias(group, parts[0]), ()
    if role is Role.EXPRESSION and len(parts) > 2:
        return parts[:-1], ()
    if role is Role.EXPRESSION:
        return None, _scope(group, subject)
    return relation, ()


_VIA = {
    "TABLE": "TABLE",
    "VIEW": "VIEW",
    "INDEX": "INDEX",
    "SEQUENCE": "SEQUENCE",
    "TYPE_P": "TYPE",
    "DOMAIN_P": "DOMAIN",
    "FUNCTION": "FUNCTION",
    "PROCEDURE": "FUNCTION",
    "TRIGGER": "TRIGGER",
    "POLICY": "POLICY",
    "SCHEMA": "SCHEMA",
    "EXTENSION": "EXTENSION",
}


def _opens(token: _Token | None) -> bool:
    return token is not None and token.name == _OPEN


def _alias(group: _Group, name: str) -> Parts:
    for outer in group.chain():
        if name in outer.aliases:
            return outer.aliases[name]
    return (name,)


def _scope(group: _Group, subject: Parts | None) -> tuple[Parts, ...]:
    """The relations an unqualified name in ``group`` may belong to, the nearest first."""
    found: list[Parts] = []
    for outer in group.chain():
        for relation in outer.relations:
            if relation not in found:
                found.append(relation)
        if outer.owner is not None and outer.owner not in found:
            found.append(outer.owner)
    if subject is not None and subject not in found:
        found.append(subject)
    return tuple(found)
