"""What a statement does, in a few words, with the kind of object it works on (the outline's names).

Reads pglast's JSON trees (never the Python AST). Names are shown as written, quoted where
needed: ``CREATE TABLE public.orders``, ``ALTER TABLE app_user: ADD COLUMN email, SET NOT
NULL``, ``CREATE INDEX CONCURRENTLY orders_created_idx ON orders``.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import attrs
from pglast import parser as pg

from pgmig_lsp.locks import command_name, vacuum_full
from pgmig_lsp.source import Span
from pgmig_lsp.sql.nodes import Node, drop_object_names, quote_identifier, strings
from pgmig_lsp.sql.parse import Statement
from pgmig_lsp.sql.spans import name_span


@attrs.frozen
class Label:
    """A statement's outline entry: its words, its object kind and where its name is written."""

    name: str
    kind: str
    selection: Span


@attrs.frozen
class _Words:
    """What a handler finds: the words, the kind, and the object's name to point at."""

    name: str
    kind: str
    #: the object's name as identifier parts, to find in the text
    parts: tuple[str, ...] = ()
    #: byte location of a ``RangeVar`` naming the object, when the tree has one
    location: int | None = None


_OBJECT_KINDS = {
    "OBJECT_TABLE": ("TABLE", "table"),
    "OBJECT_FOREIGN_TABLE": ("FOREIGN TABLE", "table"),
    "OBJECT_INDEX": ("INDEX", "index"),
    "OBJECT_VIEW": ("VIEW", "view"),
    "OBJECT_MATVIEW": ("MATERIALIZED VIEW", "view"),
    "OBJECT_FUNCTION": ("FUNCTION", "function"),
    "OBJECT_PROCEDURE": ("PROCEDURE", "function"),
    "OBJECT_ROUTINE": ("ROUTINE", "function"),
    "OBJECT_AGGREGATE": ("AGGREGATE", "function"),
    "OBJECT_TYPE": ("TYPE", "type"),
    "OBJECT_DOMAIN": ("DOMAIN", "type"),
    "OBJECT_TRIGGER": ("TRIGGER", "trigger"),
    "OBJECT_POLICY": ("POLICY", "policy"),
    "OBJECT_SCHEMA": ("SCHEMA", "schema"),
    "OBJECT_EXTENSION": ("EXTENSION", "extension"),
    "OBJECT_SEQUENCE": ("SEQUENCE", "sequence"),
    "OBJECT_COLUMN": ("COLUMN", "table"),
    "OBJECT_TABCONSTRAINT": ("CONSTRAINT", "table"),
    "OBJECT_RULE": ("RULE", "statement"),
}

_TRANSACTION_WORDS = {
    "TRANS_STMT_BEGIN": "BEGIN",
    "TRANS_STMT_START": "START TRANSACTION",
    "TRANS_STMT_COMMIT": "COMMIT",
    "TRANS_STMT_ROLLBACK": "ROLLBACK",
    "TRANS_STMT_SAVEPOINT": "SAVEPOINT",
    "TRANS_STMT_RELEASE": "RELEASE",
    "TRANS_STMT_ROLLBACK_TO": "ROLLBACK TO",
    "TRANS_STMT_PREPARE": "PREPARE TRANSACTION",
    "TRANS_STMT_COMMIT_PREPARED": "COMMIT PREPARED",
    "TRANS_STMT_ROLLBACK_PREPARED": "ROLLBACK PREPARED",
}

_CONSTRAINT_WORDS = {
    "CONSTR_CHECK": "CHECK",
    "CONSTR_FOREIGN": "FOREIGN KEY",
    "CONSTR_UNIQUE": "UNIQUE",
    "CONSTR_PRIMARY": "PRIMARY KEY",
    "CONSTR_EXCLUSION": "EXCLUDE",
    "CONSTR_NOTNULL": "NOT NULL",
}

#: ALTER TABLE sub-commands on one column: the words after ``ALTER COLUMN c``
_COLUMN_COMMANDS = {
    "AT_AlterColumnType": "TYPE",
    "AT_SetNotNull": "SET NOT NULL",
    "AT_DropNotNull": "DROP NOT NULL",
    "AT_SetStatistics": "SET STATISTICS",
    "AT_SetStorage": "SET STORAGE",
    "AT_SetCompression": "SET COMPRESSION",
    "AT_SetOptions": "SET (…)",
    "AT_ResetOptions": "RESET (…)",
    "AT_AddIdentity": "ADD IDENTITY",
    "AT_SetIdentity": "SET IDENTITY",
    "AT_DropIdentity": "DROP IDENTITY",
    "AT_DropExpression": "DROP EXPRESSION",
    "AT_SetExpression": "SET EXPRESSION",
}

#: ALTER TABLE sub-commands whose ``name`` is the object they work on
_NAMED_COMMANDS = {
    "AT_DropColumn": "DROP COLUMN",
    "AT_DropConstraint": "DROP CONSTRAINT",
    "AT_ValidateConstraint": "VALIDATE CONSTRAINT",
    "AT_EnableTrig": "ENABLE TRIGGER",
    "AT_DisableTrig": "DISABLE TRIGGER",
    "AT_EnableAlwaysTrig": "ENABLE ALWAYS TRIGGER",
    "AT_EnableReplicaTrig": "ENABLE REPLICA TRIGGER",
    "AT_ClusterOn": "CLUSTER ON",
    "AT_SetTableSpace": "SET TABLESPACE",
    "AT_SetAccessMethod": "SET ACCESS METHOD",
}

#: ALTER TABLE sub-commands whose words the generic fallback would get wrong
_OTHER_COMMANDS = {
    "AT_ChangeOwner": "OWNER TO",
    "AT_SetRelOptions": "SET (…)",
    "AT_ResetRelOptions": "RESET (…)",
    "AT_ReplaceRelOptions": "SET (…)",
    "AT_AddInherit": "INHERIT",
    "AT_DropInherit": "NO INHERIT",
    "AT_AddOf": "OF",
    "AT_DropOf": "NOT OF",
    "AT_DropCluster": "SET WITHOUT CLUSTER",
    "AT_DropOids": "SET WITHOUT OIDS",
}

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _name(parts: tuple[str, ...]) -> str:
    return ".".join(quote_identifier(part) for part in parts if part)


def _relation(node: Node | None) -> tuple[tuple[str, ...], int | None]:
    """(identifier parts, location) of a ``RangeVar``."""
    if not node:
        return (), None
    node = node.get("RangeVar", node)
    parts = tuple(p for p in (node.get("schemaname"), node.get("relname")) if p)
    return parts, node.get("location")


def _object_parts(node: Node | None) -> tuple[str, ...]:
    """The name of a ``List``/``String``/``TypeName``/``ObjectWithArgs`` object node."""
    names = drop_object_names({"objects": [node]}) if node else []
    return names[0] if names else ()


# -- one function per statement kind -----------------------------------------------------------


def _create_table(body: Node) -> _Words:
    parts, location = _relation(body.get("relation"))
    persistence = {"t": "TEMPORARY ", "u": "UNLOGGED "}.get(
        (body.get("relation") or {}).get("relpersistence", "p"), ""
    )
    name = f"CREATE {persistence}TABLE {_name(parts)}"
    parents = body.get("inhRelations") or []
    if body.get("partbound") and parents:
        name += f" PARTITION OF {_name(_relation(parents[0])[0])}"
    return _Words(name, "table", parts, location)


def _index(body: Node) -> _Words:
    table, location = _relation(body.get("relation"))
    words = "CREATE UNIQUE INDEX" if body.get("unique") else "CREATE INDEX"
    if body.get("concurrent"):
        words += " CONCURRENTLY"
    index = body.get("idxname")
    if index:
        return _Words(f"{words} {_name((index,))} ON {_name(table)}", "index", (index,))
    return _Words(f"{words} ON {_name(table)}", "index", table, location)


def _alter_table(body: Node) -> _Words:
    word, kind = _OBJECT_KINDS.get(body.get("objtype", "OBJECT_TABLE"), ("TABLE", "table"))
    parts, location = _relation(body.get("relation"))
    commands: list[str] = []
    previous_column: str | None = None
    for item in body.get("cmds") or []:
        cmd = item.get("AlterTableCmd", {})
        text, column, action = _subcommand(cmd)
        if action is not None and column == previous_column:
            # "ADD COLUMN email, SET NOT NULL": the column was just named
            text = action
        commands.append(text)
        previous_column = column
    name = f"ALTER {word} {_name(parts)}"
    if commands:
        name += ": " + ", ".join(commands)
    return _Words(name, kind, parts, location)


def _subcommand(cmd: Node) -> tuple[str, str | None, str | None]:
    """One ALTER TABLE sub-command in words, the column it names (if any), and for ``ALTER
    COLUMN`` forms the words without ``ALTER COLUMN c``."""
    subtype = cmd.get("subtype", "")
    name = cmd.get("name")
    definition = cmd.get("def") or {}
    if subtype == "AT_AddColumn":
        column = definition.get("ColumnDef", {}).get("colname", "")
        return f"ADD COLUMN {_name((column,))}", column, None
    if subtype == "AT_ColumnDefault" or subtype in _COLUMN_COMMANDS:
        if subtype == "AT_ColumnDefault":
            action = "SET DEFAULT" if definition else "DROP DEFAULT"
        else:
            action = _COLUMN_COMMANDS[subtype]
        return f"ALTER COLUMN {_name((name or '',))} {action}", name, action
    if subtype == "AT_DropColumn":
        return f"DROP COLUMN {_name((name or '',))}", name, None
    if subtype == "AT_AddConstraint":
        constraint = definition.get("Constraint", {})
        what = _CONSTRAINT_WORDS.get(constraint.get("contype", ""), "CONSTRAINT")
        conname = constraint.get("conname")
        text = f"ADD CONSTRAINT {_name((conname,))} {what}" if conname else f"ADD {what}"
        if constraint.get("skip_validation"):
            text += " NOT VALID"
        return text, None, None
    if subtype in _NAMED_COMMANDS:
        return f"{_NAMED_COMMANDS[subtype]} {_name((name or '',))}".rstrip(), None, None
    if subtype in ("AT_AttachPartition", "AT_DetachPartition", "AT_DetachPartitionFinalize"):
        partition, _ = _relation(definition.get("PartitionCmd", {}).get("name"))
        words = "ATTACH PARTITION" if subtype == "AT_AttachPartition" else "DETACH PARTITION"
        if definition.get("PartitionCmd", {}).get("concurrent"):
            words += " CONCURRENTLY"
        return f"{words} {_name(partition)}", None, None
    return _OTHER_COMMANDS.get(subtype) or _words_of(subtype), None, None


def _words_of(subtype: str) -> str:
    """``AT_EnableRowSecurity`` -> ``ENABLE ROW SECURITY`` (a readable fallback)."""
    words = _CAMEL.sub(" ", subtype.removeprefix("AT_")).upper()
    return words.replace("ROW SECURITY", "ROW LEVEL SECURITY").replace("UN LOGGED", "UNLOGGED")


def _drop(body: Node) -> _Words:
    word, kind = _OBJECT_KINDS.get(body.get("removeType", ""), ("", "statement"))
    if not word:
        word = command_name_of(body.get("removeType", ""))
    words = f"DROP {word}"
    if body.get("concurrent"):
        words += " CONCURRENTLY"
    names = drop_object_names(body)
    if body.get("removeType") in ("OBJECT_TRIGGER", "OBJECT_POLICY", "OBJECT_RULE"):
        # ``List [table…, name]``: the object's name last, its table before it
        shown = [f"{_name(n[-1:])} ON {_name(n[:-1])}" for n in names]
        names = [n[-1:] for n in names]
    else:
        shown = [_name(n) for n in names]
    return _Words(f"{words} {', '.join(shown)}".rstrip(), kind, names[0] if names else ())


def command_name_of(object_type: str) -> str:
    """``OBJECT_FOREIGN_SERVER`` -> ``FOREIGN SERVER``."""
    return object_type.removeprefix("OBJECT_").replace("_", " ")


def _rename(body: Node) -> _Words:
    rename = body.get("renameType", "")
    relation, location = _relation(body.get("relation"))
    new = _name((body.get("newname", ""),))
    if rename in ("OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"):
        word, kind = _OBJECT_KINDS.get(body.get("relationType", ""), ("TABLE", "table"))
        if word not in ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE"):
            word = "TABLE"
        what = "COLUMN" if rename == "OBJECT_COLUMN" else "CONSTRAINT"
        old = _name((body.get("subname", ""),))
        name = f"ALTER {word} {_name(relation)} RENAME {what} {old} TO {new}"
        return _Words(name, kind, relation, location)
    word, kind = _OBJECT_KINDS.get(rename, (command_name_of(rename), "statement"))
    if relation:
        return _Words(f"ALTER {word} {_name(relation)} RENAME TO {new}", kind, relation, location)
    parts = _object_parts(body.get("object"))
    if not parts and body.get("subname"):
        parts = (body["subname"],)
    return _Words(f"ALTER {word} {_name(parts)} RENAME TO {new}", kind, parts)


def _create_function(body: Node) -> _Words:
    parts = strings(body.get("funcname"))
    word = "PROCEDURE" if body.get("is_procedure") else "FUNCTION"
    replace = " OR REPLACE" if body.get("replace") else ""
    return _Words(f"CREATE{replace} {word} {_name(parts)}", "function", parts)


def _create_enum(body: Node) -> _Words:
    parts = strings(body.get("typeName"))
    return _Words(f"CREATE TYPE {_name(parts)} AS ENUM", "type", parts)


def _create_range(body: Node) -> _Words:
    parts = strings(body.get("typeName"))
    return _Words(f"CREATE TYPE {_name(parts)} AS RANGE", "type", parts)


def _create_composite(body: Node) -> _Words:
    parts, location = _relation(body.get("typevar"))
    return _Words(f"CREATE TYPE {_name(parts)}", "type", parts, location)


def _create_domain(body: Node) -> _Words:
    parts = strings(body.get("domainname"))
    return _Words(f"CREATE DOMAIN {_name(parts)}", "type", parts)


def _alter_enum(body: Node) -> _Words:
    parts = strings(body.get("typeName"))
    new = body.get("newVal", "")
    if body.get("oldVal"):
        action = f"RENAME VALUE '{body['oldVal']}' TO '{new}'"
    else:
        action = f"ADD VALUE '{new}'"
    return _Words(f"ALTER TYPE {_name(parts)} {action}", "type", parts)


def _trigger(body: Node) -> _Words:
    table, _ = _relation(body.get("relation"))
    trigger = body.get("trigname", "")
    word = "CREATE OR REPLACE" if body.get("replace") else "CREATE"
    if body.get("isconstraint"):
        word += " CONSTRAINT"
    return _Words(f"{word} TRIGGER {_name((trigger,))} ON {_name(table)}", "trigger", (trigger,))


def _policy(verb: str) -> Callable[[Node], _Words]:
    def words(body: Node) -> _Words:
        table, _ = _relation(body.get("table"))
        policy = body.get("policy_name", "")
        return _Words(f"{verb} POLICY {_name((policy,))} ON {_name(table)}", "policy", (policy,))

    return words


def _schema(body: Node) -> _Words:
    schema = body.get("schemaname") or ""
    return _Words(f"CREATE SCHEMA {_name((schema,))}".rstrip(), "schema", (schema,))


def _extension(verb: str) -> Callable[[Node], _Words]:
    def words(body: Node) -> _Words:
        extension = body.get("extname", "")
        return _Words(f"{verb} EXTENSION {_name((extension,))}", "extension", (extension,))

    return words


def _sequence(verb: str) -> Callable[[Node], _Words]:
    def words(body: Node) -> _Words:
        parts, location = _relation(body.get("sequence"))
        return _Words(f"{verb} SEQUENCE {_name(parts)}", "sequence", parts, location)

    return words


def _view(body: Node) -> _Words:
    parts, location = _relation(body.get("view"))
    replace = " OR REPLACE" if body.get("replace") else ""
    return _Words(f"CREATE{replace} VIEW {_name(parts)}", "view", parts, location)


def _table_as(body: Node) -> _Words:
    parts, location = _relation((body.get("into") or {}).get("rel"))
    if body.get("objtype") == "OBJECT_MATVIEW":
        return _Words(f"CREATE MATERIALIZED VIEW {_name(parts)}", "view", parts, location)
    return _Words(f"CREATE TABLE {_name(parts)} AS", "table", parts, location)


def _refresh(body: Node) -> _Words:
    parts, location = _relation(body.get("relation"))
    words = "REFRESH MATERIALIZED VIEW"
    if body.get("concurrent"):
        words += " CONCURRENTLY"
    return _Words(f"{words} {_name(parts)}", "view", parts, location)


def _on_relation(words: str) -> Callable[[Node], _Words]:
    def label(body: Node) -> _Words:
        parts, location = _relation(body.get("relation"))
        return _Words(f"{words} {_name(parts)}".rstrip(), "statement", parts, location)

    return label


def _truncate(body: Node) -> _Words:
    relations = [_relation(r) for r in body.get("relations") or []]
    shown = ", ".join(_name(parts) for parts, _ in relations)
    first = relations[0] if relations else ((), None)
    return _Words(f"TRUNCATE {shown}".rstrip(), "statement", first[0], first[1])


def _vacuum(body: Node) -> _Words:
    words = "VACUUM FULL" if vacuum_full(body) else "VACUUM"
    if not body.get("is_vacuumcmd"):
        words = "ANALYZE"
    relations = [
        _relation((item.get("VacuumRelation") or {}).get("relation"))
        for item in body.get("rels") or []
    ]
    shown = ", ".join(_name(parts) for parts, _ in relations)
    first = relations[0] if relations else ((), None)
    return _Words(f"{words} {shown}".rstrip(), "statement", first[0], first[1])


def _reindex(body: Node) -> _Words:
    target = command_name_of(body.get("kind", "").removeprefix("REINDEX_"))
    words = f"REINDEX {target}"
    if any(
        (option.get("DefElem") or {}).get("defname") == "concurrently"
        for option in body.get("params") or []
    ):
        words += " CONCURRENTLY"
    parts, location = _relation(body.get("relation"))
    if not parts and body.get("name"):
        parts = (body["name"],)
    return _Words(f"{words} {_name(parts)}".rstrip(), "statement", parts, location)


def _comment(body: Node) -> _Words:
    objtype = body.get("objtype", "")
    word = _OBJECT_KINDS.get(objtype, (command_name_of(objtype), ""))[0]
    parts = _object_parts(body.get("object"))
    return _Words(f"COMMENT ON {word} {_name(parts)}".rstrip(), "statement", parts)


def _set(body: Node) -> _Words:
    variable = body.get("name") or ""
    if body.get("kind") == "VAR_RESET":
        return _Words(f"RESET {variable}".rstrip(), "statement")
    if body.get("kind") == "VAR_RESET_ALL":
        return _Words("RESET ALL", "statement")
    local = "LOCAL " if body.get("is_local") else ""
    return _Words(f"SET {local}{variable}".rstrip(), "statement")


def _transaction(body: Node) -> _Words:
    return _Words(_TRANSACTION_WORDS.get(body.get("kind", ""), "TRANSACTION"), "statement")


def _set_schema(body: Node) -> _Words:
    word, kind = _OBJECT_KINDS.get(body.get("objectType", ""), ("", "statement"))
    parts, location = _relation(body.get("relation"))
    if not parts:
        parts = _object_parts(body.get("object"))
    new = _name((body.get("newschema", ""),))
    return _Words(f"ALTER {word} {_name(parts)} SET SCHEMA {new}", kind, parts, location)


_HANDLERS: dict[str, Callable[[Node], _Words]] = {
    "CreateStmt": _create_table,
    "IndexStmt": _index,
    "AlterTableStmt": _alter_table,
    "DropStmt": _drop,
    "RenameStmt": _rename,
    "CreateFunctionStmt": _create_function,
    "CreateEnumStmt": _create_enum,
    "CreateRangeStmt": _create_range,
    "CompositeTypeStmt": _create_composite,
    "CreateDomainStmt": _create_domain,
    "AlterEnumStmt": _alter_enum,
    "CreateTrigStmt": _trigger,
    "CreatePolicyStmt": _policy("CREATE"),
    "AlterPolicyStmt": _policy("ALTER"),
    "CreateSchemaStmt": _schema,
    "CreateExtensionStmt": _extension("CREATE"),
    "AlterExtensionStmt": _extension("ALTER"),
    "CreateSeqStmt": _sequence("CREATE"),
    "AlterSeqStmt": _sequence("ALTER"),
    "ViewStmt": _view,
    "CreateTableAsStmt": _table_as,
    "RefreshMatViewStmt": _refresh,
    "UpdateStmt": _on_relation("UPDATE"),
    "DeleteStmt": _on_relation("DELETE FROM"),
    "InsertStmt": _on_relation("INSERT INTO"),
    "MergeStmt": _on_relation("MERGE INTO"),
    "TruncateStmt": _truncate,
    "VacuumStmt": _vacuum,
    "ReindexStmt": _reindex,
    "CommentStmt": _comment,
    "VariableSetStmt": _set,
    "TransactionStmt": _transaction,
    "AlterObjectSchemaStmt": _set_schema,
}


# -- entry points ------------------------------------------------------------------------------


def statement_label(statement: Statement, text: str) -> Label:
    """The outline entry of a parsed statement; ``text`` is the whole file's text."""
    handler = _HANDLERS.get(statement.kind)
    words: _Words | None = None
    if handler is not None:
        # an unexpected tree shape gives the plain fallback, never an error
        try:
            words = handler(statement.body)
        except (AttributeError, KeyError, TypeError, ValueError, IndexError):
            words = None
    if words is None:
        first = first_words(text, statement.span)
        words = _Words(first or command_name(statement), "statement")
    return Label(words.name, words.kind, _selection(statement, text, words))


def piece_label(text: str, span: Span) -> Label:
    """The outline entry of a piece that does not parse (a half-typed statement)."""
    return Label(first_words(text, span) or "…", "statement", _first_token(text, span))


def first_words(text: str, span: Span, limit: int = 60) -> str:
    """The start of a statement's text on one line, cut at ``limit`` characters."""
    words = " ".join(text[span.start : span.end].split("\n", 1)[0].split())
    return words if len(words) <= limit else words[: limit - 1].rstrip() + "…"


def _selection(statement: Statement, text: str, words: _Words) -> Span:
    span = statement.span
    if words.location is not None and words.location >= 0:
        found = name_span(statement, text, words.location)
        if span.start <= found.start and found.end <= span.end:
            return found
    if words.parts:
        found_parts = _find_name(text, span, words.parts)
        if found_parts is not None:
            return found_parts
    return _first_token(text, span)


def _first_token(text: str, span: Span) -> Span:
    """The span of the statement's first word (its first keyword)."""
    chunk = text[span.start : span.end]
    stripped = chunk.lstrip()
    start = span.start + len(chunk) - len(stripped)
    length = len(stripped.split(None, 1)[0]) if stripped else 0
    return Span(start, start + length)


def _identifier(token_text: str) -> str:
    if token_text.startswith('"') and token_text.endswith('"') and len(token_text) >= 2:
        return token_text[1:-1].replace('""', '"')
    return token_text.lower()


def _find_name(text: str, span: Span, parts: tuple[str, ...]) -> Span | None:
    """Where the (possibly qualified) name ``parts`` is written in the statement, skipping its
    first word; the name alone (unqualified) is looked for too."""
    chunk = text[span.start : span.end]
    try:
        tokens = list(pg.scan(chunk))
    except pg.ParseError:
        return None
    # identifier tokens and dots; ``a . b`` counts as a qualified name
    for wanted in (parts, parts[-1:]):
        count = len(wanted)
        for index in range(1, len(tokens)):
            matched = index
            ok = True
            for position, part in enumerate(wanted):
                if matched >= len(tokens):
                    ok = False
                    break
                token = tokens[matched]
                if _identifier(chunk[token.start : token.end + 1]) != part:
                    ok = False
                    break
                matched += 1
                if position < count - 1:
                    if matched >= len(tokens) or tokens[matched].name != "ASCII_46":
                        ok = False
                        break
                    matched += 1
            if ok:
                last = tokens[matched - 1]
                return Span(span.start + tokens[index].start, span.start + last.end + 1)
    return None
