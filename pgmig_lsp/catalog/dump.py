"""Read a ``pg_dump --schema-only`` file (dbmate's ``db/schema.sql``) into a `Catalog`.

The dump is replayed like a migration (`pgmig_lsp.catalog.replay`), after psql meta-commands
(``\\restrict``, ``\\connect``, ...) and ``COPY`` data are blanked out and with ``INSERT`` and
``COPY`` statements (dbmate's ``INSERT INTO public.schema_migrations``) skipped. Offsets stay
those of the file, so every object's origin points into it.

A dump is what the server printed: its defaults, constraint, index, trigger, view and policy
definitions are ``pg_get_expr`` / ``pg_get_*def`` output, and its types are ``format_type``
output. The catalog keeps those texts as the server prints them for `introspect` (with
``search_path`` = ``public``): pg_dump printed them with an empty ``search_path``, so names in
``public`` lose their qualification (``'x'::public.status`` reads ``'x'::status``). A catalog
read from a dump then compares with one read from the live database name for name and text for
text (`pgmig_lsp.catalog.compare.differences`), except where the dump does not say: the types
of view columns that are neither a table's column nor a cast (``unknown``).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

import attrs

from pgmig_lsp.catalog.builtins import Builtins, available_versions, builtins_for
from pgmig_lsp.catalog.model import Catalog, Column, Key, Origin, Table
from pgmig_lsp.catalog.naming import expression_column_name
from pgmig_lsp.catalog.replay import Replay, split_qualified, type_text
from pgmig_lsp.catalog.snapshot import format_type
from pgmig_lsp.sql.nodes import (
    Node,
    QualifiedName,
    quote_identifier,
    relation_name,
    strings,
    type_ref,
)
from pgmig_lsp.sql.parse import Statement, SyntaxProblem, parse_sql
from pgmig_lsp.sql.psql import blank_psql

#: the ``search_path`` a catalog read from a dump spells names for (as `introspect` does)
SEARCH_PATH = ("public",)

#: statements that carry data, not schema (dbmate's ``INSERT INTO schema_migrations``)
_DATA_STATEMENTS = frozenset({"InsertStmt", "CopyStmt"})

#: the lines recent pg_dump writes before its first statement and after its last one
_RESTRICT = re.compile(r"^\\(?:un)?restrict\b[^\n]*", re.MULTILINE)
#: pg_dump writes a function's ``RETURNS`` on its first line, ``LANGUAGE`` on the next
_LANGUAGE_LINE = re.compile(r"\s*LANGUAGE\b", re.IGNORECASE)
_DUMPED_FROM = re.compile(r"^-- Dumped from database version (\d+)", re.MULTILINE)
_VIEW_SUFFIX = re.compile(
    r"\s+WITH\s+(?:NO\s+DATA|DATA|(?:CASCADED\s+|LOCAL\s+)?CHECK\s+OPTION)\s*$", re.IGNORECASE
)

_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*(?:[^*]|\*(?!/))*\*/)
    | (?P<string>[eE]'(?:[^'\\]|\\.|'')*'|(?:[bBxXnN]|[uU]&)?'(?:[^']|'')*')
    | (?P<dollar>\$(?P<tag>(?:[^\W\d]\w*)?)\$.*?\$(?P=tag)\$)
    | (?P<quoted>"(?:[^"]|"")*")
    | (?P<word>[^\W\d][\w$]*)
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<punct>::|[(),;.\[\]])
    | (?P<op>[+\-*/<>=~!@\#%^&|`?]+)
    | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)

#: where a column's ``DEFAULT`` expression ends, after its first token (pg_dump prints the
#: expression as ``pg_get_expr`` does: operators in parentheses)
_AFTER_DEFAULT = frozenset(
    {"not", "null", "constraint", "check", "collate", "primary", "unique", "references"}
    | {"generated", "default", "deferrable", "initially"}
)


class _Token(NamedTuple):
    kind: str
    text: str
    start: int
    end: int

    @property
    def word(self) -> str:
        """The keyword or unquoted identifier, lower case; empty for other tokens."""
        return self.text.lower() if self.kind == "word" else ""

    @property
    def identifier(self) -> str | None:
        """The identifier this token names (folded or unquoted), None if it names none."""
        if self.kind == "word":
            return self.text.lower()
        if self.kind == "quoted":
            return self.text[1:-1].replace('""', '"')
        return None


def _tokens(text: str, start: int, end: int) -> list[_Token]:
    """The tokens of ``text[start:end]``, without spaces and comments."""
    out = []
    for match in _TOKEN.finditer(text, start, end):
        kind = match.lastgroup or "other"
        if kind not in ("space", "comment"):
            out.append(_Token(kind, match.group(), match.start(), match.end()))
    return out


def _top_level(tokens: list[_Token]) -> Iterable[tuple[int, _Token]]:
    """(index, token) of the tokens outside parentheses."""
    depth = 0
    for i, token in enumerate(tokens):
        if token.text in ("(", "["):
            if depth == 0:
                yield i, token
            depth += 1
        elif token.text in (")", "]"):
            depth -= 1
        elif depth == 0:
            yield i, token


def _group_end(tokens: list[_Token], i: int) -> int:
    """The index of the token that closes the parenthesis at ``tokens[i]``."""
    depth = 0
    for j in range(i, len(tokens)):
        if tokens[j].text in ("(", "["):
            depth += 1
        elif tokens[j].text in (")", "]"):
            depth -= 1
            if depth == 0:
                return j
    return len(tokens) - 1


def _expression_end(tokens: list[_Token], i: int, stops: frozenset[str]) -> int:
    """The index just past an expression starting at ``tokens[i]``: at the first top-level
    ``,`` / ``;`` / unbalanced ``)``, or a word of ``stops`` after the first token."""
    depth = 0
    for j in range(i, len(tokens)):
        token = tokens[j]
        if token.text in ("(", "["):
            depth += 1
        elif token.text in (")", "]"):
            if depth == 0:
                return j
            depth -= 1
        elif depth == 0 and (token.text in (",", ";") or (j > i and token.word in stops)):
            return j
    return len(tokens)


def _unqualified(text: str, tokens: list[_Token], schemas: tuple[str, ...]) -> str:
    """``text`` (the span of ``tokens``) with names in ``schemas`` unqualified, as the server
    prints them when those schemas are on the search path: ``public.t`` -> ``t``,
    ``'public.s'::regclass`` -> ``'s'::regclass``, ``OPERATOR(public.~~)`` -> ``~~``."""
    if not tokens:
        return ""
    out: list[str] = []
    position = tokens[0].start
    i = 0
    count = len(tokens)
    while i < count:
        token = tokens[i]
        out.append(text[position : token.start])
        position = token.end
        following = tokens[i + 1] if i + 1 < count else None
        previous = tokens[i - 1] if i > 0 else None
        if (
            token.word == "operator"
            and i + 5 < count
            and tokens[i + 1].text == "("
            and tokens[i + 2].identifier in schemas
            and tokens[i + 3].text == "."
            and tokens[i + 4].kind == "op"
            and tokens[i + 5].text == ")"
        ):
            out.append(tokens[i + 4].text)
            position = tokens[i + 5].end
            i += 6
            continue
        if (
            token.identifier in schemas
            and following is not None
            and following.text == "."
            and (previous is None or previous.text != ".")
            and i + 2 < count
            and tokens[i + 2].kind in ("word", "quoted")
        ):
            position = following.end
            i += 2
            continue
        if (
            token.kind == "string"
            and token.text.startswith("'")
            and i + 2 < count
            and tokens[i + 1].text == "::"
            and tokens[i + 2].word in ("regclass", "regtype", "regproc", "regprocedure")
        ):
            out.append(_unqualified_literal(token.text, schemas))
        else:
            out.append(token.text)
        i += 1
    return "".join(out)


def _unqualified_literal(literal: str, schemas: tuple[str, ...]) -> str:
    """``'public.s'`` -> ``'s'`` (a qualified name in a string literal)."""
    content = literal[1:-1]
    dot = _first_unquoted_dot(content)
    if dot is None:
        return literal
    schema = split_qualified(content[:dot])
    if len(schema) != 1 or schema[0] not in schemas:
        return literal
    return "'" + content[dot + 1 :] + "'"


def _first_unquoted_dot(text: str) -> int | None:
    quoted = False
    for i, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "." and not quoted:
            return i
    return None


def _builtins(text: str) -> Builtins:
    """The built-ins of the dumped server's major version (the newest known if not said)."""
    known = available_versions()
    match = _DUMPED_FROM.search(text, 0, 4096)
    major = int(match.group(1)) if match else known[-1]
    return builtins_for(major if major in known else known[-1])


@attrs.frozen
class Dump:
    """What `load_dump` read: the catalog, and the statements it could not parse."""

    catalog: Catalog
    problems: tuple[SyntaxProblem, ...]


def read_dump(text: str, path: Path) -> Catalog:
    """The schema a ``pg_dump --schema-only`` file describes (complete)."""
    return load_dump(text, path).catalog


def load_dump(text: str, path: Path) -> Dump:
    """`read_dump`, also returning the syntax errors (their statements are left out)."""
    # blanked first (they are never inside a statement), so that `blank_psql` need not scan
    # every character of a dump that has no other psql command
    sql = blank_psql(_RESTRICT.sub(lambda match: " " * len(match.group()), text))
    parsed = parse_sql(sql)
    catalog = Catalog(complete=True)
    replay = Replay(catalog, str(path))
    printed = _AsPrinted(catalog, sql, _builtins(text))
    for statement in parsed.statements:
        if statement.kind in _DATA_STATEMENTS:
            continue
        replay.apply(statement, Origin(path, statement.span, replay.migration))
        printed.statement(statement)
    printed.finish()
    return Dump(catalog, tuple(parsed.errors))


class _AsPrinted:
    """Keeps what the dump's statements say as the server printed it, for `SEARCH_PATH`."""

    def __init__(self, catalog: Catalog, text: str, builtins: Builtins) -> None:
        self.catalog = catalog
        self.text = text
        self.builtins = builtins
        #: views and materialized views, in file order: their columns are read at the end
        self.views: list[tuple[Key, Node, tuple[str, ...]]] = []
        #: function returns as printed, by (schema, name, arguments as replayed)
        self.returns: dict[tuple[str, str, tuple[str, ...]], str] = {}
        self._handlers: dict[str, Callable[[Statement], None]] = {
            "CreateStmt": self._create_table,
            "AlterTableStmt": self._alter_table,
            "IndexStmt": self._index,
            "CreateTrigStmt": self._trigger,
            "CreatePolicyStmt": self._policy,
            "ViewStmt": self._view,
            "CreateTableAsStmt": self._view,
            "CreateFunctionStmt": self._function,
            "CompositeTypeStmt": self._composite,
            "CreateDomainStmt": self._domain,
        }

    def statement(self, statement: Statement) -> None:
        handler = self._handlers.get(statement.kind)
        if handler is not None:
            handler(statement)

    # -- helpers ---------------------------------------------------------------------------

    def _statement_tokens(self, statement: Statement) -> list[_Token]:
        return _tokens(self.text, statement.span.start, statement.span.end)

    def _printed(self, tokens: list[_Token]) -> str | None:
        """The text of ``tokens`` as printed for `SEARCH_PATH`; None when there are none."""
        if not tokens:
            return None
        return _unqualified(self.text, tokens, SEARCH_PATH)

    def _table(self, relation: Node | None) -> Table | None:
        name = relation_name(relation)
        if name is None:
            return None
        found = self.catalog.table(name.schema, name.name)
        return self.catalog.writable_table(found.key) if found is not None else None

    def _type(self, node: Node | None) -> str:
        return format_type(type_text(type_ref(node)), self.builtins, SEARCH_PATH)

    @staticmethod
    def _at(tokens: list[_Token], offset: int) -> int:
        """The index of the token that starts at ``offset`` (or the first after it)."""
        return bisect.bisect_left(tokens, offset, key=lambda token: token.start)

    # -- statements ------------------------------------------------------------------------

    def _create_table(self, statement: Statement) -> None:
        table = self._table(statement.body.get("relation"))
        if table is None or not _has_printed_texts(statement.body):
            return
        tokens = self._statement_tokens(statement)
        for element in statement.body.get("tableElts") or []:
            if "ColumnDef" in element:
                column = table.columns.get(element["ColumnDef"].get("colname", ""))
                if column is not None:
                    self._column(statement, tokens, element["ColumnDef"], column)
            elif "Constraint" in element:
                con = element["Constraint"]
                start = self._at(tokens, statement.at(con.get("location")))
                self._constraint(table, con, tokens, start)

    def _column(
        self, statement: Statement, tokens: list[_Token], coldef: Node, column: Column
    ) -> None:
        for item in coldef.get("constraints") or []:
            con = item.get("Constraint") or {}
            start = self._at(tokens, statement.at(con.get("location")))
            if start + 1 >= len(tokens):
                continue
            if con.get("contype") == "CONSTR_DEFAULT" and tokens[start].word == "default":
                end = _expression_end(tokens, start + 1, _AFTER_DEFAULT)
                column.default = self._printed(tokens[start + 1 : end])
            elif con.get("contype") == "CONSTR_GENERATED":
                opening = next(
                    (i for i in range(start, len(tokens)) if tokens[i].text == "("), None
                )
                if opening is not None:
                    closing = _group_end(tokens, opening)
                    column.generation_expression = self._printed(tokens[opening + 1 : closing])

    def _constraint(self, table: Table, con: Node, tokens: list[_Token], start: int) -> None:
        """A constraint's definition: from after ``CONSTRAINT name`` to its end."""
        name = con.get("conname")
        constraint = table.constraints.get(name or "")
        if constraint is None or start >= len(tokens):
            return
        if tokens[start].word == "constraint":
            start += 2
        end = _expression_end(tokens, start, frozenset())
        constraint.definition = self._printed(tokens[start:end])

    def _alter_table(self, statement: Statement) -> None:
        commands = statement.body.get("cmds") or []
        if len(commands) != 1:
            return  # pg_dump writes one change per statement
        cmd = commands[0].get("AlterTableCmd") or {}
        subtype = cmd.get("subtype")
        if subtype not in ("AT_ColumnDefault", "AT_AddConstraint"):
            return  # OWNER TO, ENABLE ROW LEVEL SECURITY, ATTACH PARTITION, ...: no text kept
        table = self._table(statement.body.get("relation"))
        if table is None:
            return
        tokens = self._statement_tokens(statement)
        definition = cmd.get("def") or {}
        if subtype == "AT_ColumnDefault" and definition:
            column = table.columns.get(cmd.get("name", ""))
            start = next((i for i, t in enumerate(tokens) if t.word == "default"), None)
            if column is not None and start is not None:
                column.default = self._printed(tokens[start + 1 :])
        elif subtype == "AT_AddConstraint" and "Constraint" in definition:
            con = definition["Constraint"]
            start = self._at(tokens, statement.at(con.get("location")))
            self._constraint(table, con, tokens, start)

    def _index(self, statement: Statement) -> None:
        body = statement.body
        table = self._table(body.get("relation"))
        name = body.get("idxname") or ""
        index = self.catalog.indexes.get((table.schema, name)) if table is not None else None
        if index is None:
            return
        # pg_get_indexdef always qualifies the table; the rest follows the search path
        index.definition = self._qualified_relation_kept(self._statement_tokens(statement))

    def _qualified_relation_kept(self, tokens: list[_Token]) -> str | None:
        """A statement's text, names unqualified but the relation after ``ON [ONLY]``."""
        on = next((i for i, t in _top_level(tokens) if t.word == "on"), None)
        if on is None:
            return self._printed(tokens)
        after = on + 1
        if after < len(tokens) and tokens[after].word == "only":
            after += 1
        while after + 1 < len(tokens) and tokens[after + 1].text == ".":
            after += 2
        kept = self.text[tokens[0].start : tokens[after].end] if after < len(tokens) else ""
        rest = tokens[after + 1 :]
        if not rest:
            return kept
        gap = self.text[tokens[after].end : rest[0].start]
        return kept + gap + (self._printed(rest) or "")

    def _trigger(self, statement: Statement) -> None:
        table = self._table(statement.body.get("relation"))
        trigger = table.triggers.get(statement.body.get("trigname", "")) if table else None
        if trigger is not None:
            trigger.definition = self._qualified_relation_kept(self._statement_tokens(statement))

    def _policy(self, statement: Statement) -> None:
        table = self._table(statement.body.get("table"))
        policy = table.policies.get(statement.body.get("policy_name", "")) if table else None
        if policy is None:
            return
        tokens = self._statement_tokens(statement)
        previous = ""
        for i, token in _top_level(tokens):
            opens = i + 1 < len(tokens) and tokens[i + 1].text == "("
            if opens and token.word == "using":
                policy.using = self._printed(tokens[i + 2 : _group_end(tokens, i + 1)])
            elif opens and token.word == "check" and previous == "with":
                policy.check = self._printed(tokens[i + 2 : _group_end(tokens, i + 1)])
            previous = token.word

    def _view(self, statement: Statement) -> None:
        body = statement.body
        if statement.kind == "CreateTableAsStmt":
            into: Node = body.get("into") or {}
            into = into.get("IntoClause") or into
            relation, aliases = into.get("rel"), strings(into.get("colNames"))
        else:
            relation, aliases = body.get("view"), strings(body.get("aliases"))
        table = self._table(relation)
        if table is None or table.kind not in ("view", "matview"):
            return
        # a schema-only dump says WITH NO DATA whatever the database holds
        table.unpopulated = False
        query = (body.get("query") or {}).get("SelectStmt")
        if query is not None:
            self.views.append((table.key, query, aliases))
        tokens = self._statement_tokens(statement)
        # pg_dump writes `… AS` and a new line, then pg_get_viewdef's text without its `;`
        start = next(
            (
                i + 1
                for i, t in _top_level(tokens)
                if t.word == "as" and self.text.startswith("\n", t.end)
            ),
            None,
        )
        if start is None or start >= len(tokens):
            return
        text = self.text[tokens[start - 1].end + 1 : tokens[-1].end]
        text = _VIEW_SUFFIX.sub("", text)
        query_tokens = _tokens(text, 0, len(text))
        table.definition = (
            text[: query_tokens[0].start] + _unqualified(text, query_tokens, SEARCH_PATH) + ";"
            if query_tokens
            else None
        )

    def _function(self, statement: Statement) -> None:
        body = statement.body
        if not body.get("returnType"):
            return
        tokens = self._statement_tokens(statement)
        returns = next((i for i, t in _top_level(tokens) if t.word == "returns"), None)
        if returns is None or returns + 1 >= len(tokens):
            return
        start = tokens[returns + 1].start
        line_end = self.text.find("\n", start, statement.span.end)
        if line_end == -1 or not _LANGUAGE_LINE.match(self.text, line_end):
            return  # not pg_dump's layout: the replayed type stays
        result = _tokens(self.text, start, line_end)
        name = QualifiedName.from_parts(strings(body.get("funcname")))
        key = self.catalog.resolve(name.schema, name.name, self.catalog.functions)  # type: ignore[arg-type]
        functions = self.catalog.functions.get(key) or []
        if functions:
            latest = functions[-1]
            self.returns[(key[0], key[1], latest.arguments)] = self._printed(result) or ""

    def _composite(self, statement: Statement) -> None:
        name = relation_name(statement.body.get("typevar"))
        typedef = self.catalog.type(name.schema, name.name) if name else None
        if typedef is not None:
            typedef.attributes = tuple(
                (
                    item["ColumnDef"].get("colname", ""),
                    self._type(item["ColumnDef"].get("typeName")),
                )
                for item in statement.body.get("coldeflist") or []
                if "ColumnDef" in item
            )

    def _domain(self, statement: Statement) -> None:
        name = QualifiedName.from_parts(strings(statement.body.get("domainname")))
        typedef = self.catalog.type(name.schema, name.name)
        if typedef is not None:
            typedef.base_type = self._type(statement.body.get("typeName"))

    # -- the end -----------------------------------------------------------------------------

    def finish(self) -> None:
        """Types spelled by ``format_type``, view columns, and the search path of the texts."""
        catalog = self.catalog
        for table in catalog.tables.values():
            for column in table.columns.values():
                column.type = format_type(column.type, self.builtins, SEARCH_PATH)
            for trigger in table.triggers.values():
                if trigger.function is not None:
                    trigger.function = _regproc(trigger.function)
        for key, functions in catalog.functions.items():
            for function in functions:
                printed = self.returns.get((key[0], key[1], function.arguments))
                function.arguments = tuple(
                    format_type(a, self.builtins, SEARCH_PATH) for a in function.arguments
                )
                if printed is not None:
                    function.returns = printed
                elif function.returns is not None:
                    function.returns = format_type(function.returns, self.builtins, SEARCH_PATH)
        for key, query, aliases in self.views:
            view = catalog.tables.get(key)
            if view is not None:
                view.columns = _select_columns(catalog, query, aliases, self._type)
        catalog.search_path = SEARCH_PATH


def _has_printed_texts(body: Node) -> bool:
    """Whether a ``CREATE TABLE`` has a default, generated column or table constraint."""
    for element in body.get("tableElts") or []:
        if "Constraint" in element:
            return True
        for item in (element.get("ColumnDef") or {}).get("constraints") or []:
            if (item.get("Constraint") or {}).get("contype") in (
                "CONSTR_DEFAULT",
                "CONSTR_GENERATED",
            ):
                return True
    return False


def _regproc(function: str) -> str:
    """A trigger's function as ``regproc`` prints it for `SEARCH_PATH` (``public.f`` -> ``f``)."""
    parts = function.split(".")
    if len(parts) == 2 and parts[0] in SEARCH_PATH:
        parts = parts[1:]
    return ".".join(quote_identifier(part) for part in parts)


def _select_columns(
    catalog: Catalog, query: Node, aliases: tuple[str, ...], spell: Callable[[Node | None], str]
) -> dict[str, Column]:
    """A view's columns from its query: names, and types where the query says them (a table's
    column, a cast); ``unknown`` elsewhere."""
    while query.get("op") not in (None, "SETOP_NONE") and query.get("larg"):
        query = query["larg"].get("SelectStmt", query["larg"])
    sources = dict(_from_items(catalog, query.get("fromClause") or []))
    columns: dict[str, Column] = {}
    for position, item in enumerate(query.get("targetList") or []):
        target = item.get("ResTarget") or {}
        value = target.get("val") or {}
        name = target.get("name") or expression_column_name(value) or "?column?"
        if position < len(aliases):
            name = aliases[position]
        columns[name] = Column(name, _expression_type(value, sources, spell))
    return columns


def _from_items(catalog: Catalog, items: Iterable[Node]) -> Iterable[tuple[str, Table | None]]:
    """(name a query refers to it by, table) for each relation of a ``FROM`` list."""
    for item in items:
        if "RangeVar" in item:
            var = item["RangeVar"]
            alias = ((var.get("alias") or {}).get("aliasname")) or var.get("relname", "")
            yield alias, catalog.table(var.get("schemaname"), var.get("relname", ""))
        elif "JoinExpr" in item:
            join = item["JoinExpr"]
            yield from _from_items(catalog, [join.get("larg") or {}, join.get("rarg") or {}])
        elif "RangeSubselect" in item:
            alias = (item["RangeSubselect"].get("alias") or {}).get("aliasname", "")
            yield alias, None


def _expression_type(
    value: Node, sources: dict[str, Table | None], spell: Callable[[Node | None], str]
) -> str:
    if "TypeCast" in value:
        return spell(value["TypeCast"].get("typeName"))
    ref = value.get("ColumnRef")
    if ref is None:
        return "unknown"
    fields = strings(ref.get("fields"))
    if len(fields) == 2:
        table = sources.get(fields[0])
        column = table.columns.get(fields[1]) if table is not None else None
        return column.type if column is not None else "unknown"
    if len(fields) == 1:
        found = [
            t.columns[fields[0]]
            for t in sources.values()
            if t is not None and fields[0] in t.columns
        ]
        return found[0].type if len(found) == 1 else "unknown"
    return "unknown"
