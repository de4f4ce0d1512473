"""JSON snapshots of a catalog: what ``pgmig snapshot`` writes, and reads back.

The layout other tools rely on (version 1)::

    {"version": 1,
     "tables": [{"schema", "name", "rls_enabled", "columns": [{"name", "type", "nullable",
                 "default"}], "indexes": [{"name", "unique", "definition"}],
                 "constraints": [{"name", "type", "definition"}], "policies": [{"name"}],
                 "triggers": [{"name"}]}],
     "types": [{"schema", "name", "kind", "values"}],
     "functions": [{"schema", "name", "arguments", "returns", "volatility", "language"}],
     "views": [{"schema", "name", "materialized", "definition"}],
     "sequences": [{"schema", "name"}], "extensions": [{"schema", "name"}]}

Types are spelled as PostgreSQL's ``format_type`` spells them (``character varying(255)``,
``timestamp with time zone``); constraint ``type`` is one of ``p u f c x``; columns come in
table order, everything else by name. A definition pgmig cannot print as PostgreSQL does (a
view's, or a ``CHECK`` expression whose types the replay does not resolve) is null.
"""

from __future__ import annotations

from typing import Any

from pgmig_lsp.catalog.builtins import Builtins
from pgmig_lsp.catalog.model import (
    Catalog,
    Column,
    Constraint,
    Function,
    Index,
    Key,
    Policy,
    Sequence,
    Table,
    Trigger,
    TypeDef,
)
from pgmig_lsp.catalog.replay import type_text_parts
from pgmig_lsp.sql.nodes import quote_identifier

VERSION = 1

_TIME_TYPES = {
    "timestamp": "timestamp{} without time zone",
    "timestamptz": "timestamp{} with time zone",
    "time": "time{} without time zone",
    "timetz": "time{} with time zone",
}


class SnapshotError(Exception):
    """A snapshot file pgmig cannot read (not JSON, another version, a wrong shape)."""


def qualified(key: Key, search_path: tuple[str, ...]) -> str:
    """A name as PostgreSQL prints it: with its schema unless that is on the search path."""
    name = quote_identifier(key[1])
    return name if key[0] in search_path else f"{quote_identifier(key[0])}.{name}"


def format_type(text: str, builtins: Builtins, search_path: tuple[str, ...]) -> str:
    """A replayed type (``varchar(255)``, ``int4[]``, ``app.status``) as ``format_type``
    prints it (``character varying(255)``, ``integer[]``, ``app.status``)."""
    if text == "unknown":
        return text
    parts = type_text_parts(text)
    names = parts.names
    suffix = "[]" if parts.array else ""
    modifiers = f"({','.join(parts.modifiers)})" if parts.modifiers else ""
    if len(names) == 1 and builtins.has_type(names):
        typname = builtins.type_name(names)
        if typname in _TIME_TYPES:
            return _TIME_TYPES[typname].format(modifiers) + suffix
        spelled = builtins.canonical_type(names) or names[0]
        if typname == "bpchar" and not modifiers:
            modifiers = "(1)"  # `char` alone is char(1)
        return spelled + modifiers + suffix
    if len(names) == 2:
        return qualified((names[0], names[1]), search_path) + modifiers + suffix
    return ".".join(quote_identifier(n) for n in names) + modifiers + suffix


def _default(column: Column, spelled_type: str) -> str | None:
    """A replayed default as ``pg_get_expr`` prints it, where that is certain."""
    value = column.default
    if value is None or value.startswith("{") or value == "expr":
        return None  # not a default pgmig can print (kept as a parse tree)
    if value.startswith("'") and "::" not in value:
        # a bare string literal takes the column's type, without its modifiers
        base = spelled_type.removesuffix("[]").split("(")[0]
        if spelled_type.endswith("[]"):
            base += "[]"
        return f"{value}::{base}"
    return value


def _index_definition(index: Index) -> str | None:
    if index.definition is not None:
        return index.definition
    if index.partial or index.options is None or any(c is None for c in index.columns):
        return None  # an expression or predicate the replay could not print as the server does
    keys = ", ".join(
        quote_identifier(column) + option
        for column, option in zip(index.columns, index.options, strict=False)
        if column is not None
    )
    unique = "UNIQUE " if index.unique else ""
    table = f"{quote_identifier(index.table[0])}.{quote_identifier(index.table[1])}"
    text = f"CREATE {unique}INDEX {quote_identifier(index.name)} ON {table} USING {index.method}"
    text += f" ({keys})"
    if index.include:
        text += " INCLUDE (" + ", ".join(quote_identifier(c) for c in index.include) + ")"
    return text


def _constraint_definition(
    catalog: Catalog, constraint: Constraint, search_path: tuple[str, ...]
) -> str | None:
    if constraint.definition is not None:
        return constraint.definition
    columns = ", ".join(quote_identifier(c) for c in constraint.columns)
    if constraint.type == "p":
        text = f"PRIMARY KEY ({columns})"
    elif constraint.type == "u":
        text = f"UNIQUE ({columns})"
    elif constraint.type == "f" and constraint.references is not None:
        referenced = constraint.referenced_columns or _primary_key(catalog, constraint.references)
        if not referenced:
            return None
        target = ", ".join(quote_identifier(c) for c in referenced)
        text = (
            f"FOREIGN KEY ({columns}) REFERENCES "
            f"{qualified(constraint.references, search_path)}({target})"
        )
        if constraint.on_update not in (None, "NO ACTION"):
            text += f" ON UPDATE {constraint.on_update}"
        if constraint.on_delete not in (None, "NO ACTION"):
            text += f" ON DELETE {constraint.on_delete}"
    else:
        return None  # CHECK and EXCLUDE: the expression is not kept as text
    return text if constraint.validated else text + " NOT VALID"


def _primary_key(catalog: Catalog, key: Key) -> tuple[str, ...]:
    table = catalog.tables.get(key)
    if table is None:
        return ()
    primary = next((c for c in table.constraints.values() if c.type == "p"), None)
    return primary.columns if primary is not None else ()


def _table(catalog: Catalog, table: Table, builtins: Builtins) -> dict[str, Any]:
    search_path = catalog.search_path
    columns = []
    for column in table.columns.values():
        spelled = format_type(column.type, builtins, search_path)
        columns.append(
            {
                "name": column.name,
                "type": spelled,
                "nullable": not column.not_null,
                "default": _default(column, spelled),
            }
        )
    indexes = sorted(catalog.indexes_on(table.key), key=lambda i: i.name)
    return {
        "schema": table.schema,
        "name": table.name,
        "rls_enabled": table.rls_enabled,
        "columns": columns,
        "indexes": [
            {
                "name": index.name,
                "unique": index.unique,
                "definition": _index_definition(index),
            }
            for index in indexes
        ],
        "constraints": [
            {
                "name": constraint.name,
                "type": constraint.type,
                "definition": _constraint_definition(catalog, constraint, search_path),
            }
            for constraint in sorted(table.constraints.values(), key=lambda c: c.name)
        ],
        "policies": [{"name": name} for name in sorted(table.policies)],
        "triggers": [{"name": name} for name in sorted(table.triggers)],
    }


def to_json(catalog: Catalog, builtins: Builtins) -> dict[str, Any]:
    """The snapshot of ``catalog`` (a JSON-ready dict)."""
    search_path = catalog.search_path
    relations = sorted(catalog.tables.values(), key=lambda t: t.key)
    types = []
    for key, typedef in sorted(catalog.types.items()):
        entry: dict[str, Any] = {"schema": key[0], "name": key[1], "kind": typedef.kind}
        if typedef.kind == "enum":
            entry["values"] = list(typedef.values)
        types.append(entry)
    functions = []
    for key, overloads in sorted(catalog.functions.items()):
        for function in overloads:
            functions.append(
                {
                    "schema": key[0],
                    "name": key[1],
                    "arguments": [
                        format_type(a, builtins, search_path) for a in function.arguments
                    ],
                    "returns": format_type(function.returns, builtins, search_path)
                    if function.returns
                    else None,
                    "volatility": function.volatility,
                    "language": function.language,
                }
            )
    return {
        "version": VERSION,
        "tables": [_table(catalog, t, builtins) for t in relations if t.kind == "table"],
        "types": types,
        "functions": functions,
        "views": [
            {
                "schema": t.schema,
                "name": t.name,
                "materialized": t.kind == "matview",
                "definition": t.definition,
            }
            for t in relations
            if t.kind in ("view", "matview")
        ],
        "sequences": [{"schema": k[0], "name": k[1]} for k in sorted(catalog.sequences)],
        "extensions": [{"schema": None, "name": name} for name in sorted(catalog.extensions)],
    }


# -- reading ------------------------------------------------------------------------------------


def _list(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise SnapshotError(f"`{key}` must be a list of objects")
    return value


def _text(item: dict[str, Any], key: str, where: str) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value:
        raise SnapshotError(f"{where}: `{key}` must be a non-empty string")
    return value


def from_json(data: object) -> Catalog:
    """A catalog from a snapshot (complete: what it does not hold does not exist)."""
    if not isinstance(data, dict):
        raise SnapshotError("a snapshot is a JSON object")
    if data.get("version") != VERSION:
        raise SnapshotError(f"snapshot version {data.get('version')!r}; this pgmig reads {VERSION}")
    catalog = Catalog(complete=True)
    for item in _list(data, "tables"):
        _read_table(catalog, item)
    for item in _list(data, "views"):
        key = (_text(item, "schema", "view"), _text(item, "name", "view"))
        kind = "matview" if item.get("materialized") else "view"
        catalog.schemas.add(key[0])
        catalog.tables[key] = Table(key[0], key[1], kind=kind, definition=item.get("definition"))
    for item in _list(data, "types"):
        key = (_text(item, "schema", "type"), _text(item, "name", "type"))
        values = [str(v) for v in item.get("values") or []]
        catalog.types[key] = TypeDef(key[0], key[1], str(item.get("kind", "enum")), values)
    for item in _list(data, "functions"):
        key = (_text(item, "schema", "function"), _text(item, "name", "function"))
        function = Function(
            key[0],
            key[1],
            arguments=tuple(str(a) for a in item.get("arguments") or []),
            returns=item.get("returns"),
            volatility=str(item.get("volatility", "v")),
            language=str(item.get("language", "sql")),
        )
        catalog.functions[key] = [*catalog.functions.get(key, []), function]
    for item in _list(data, "sequences"):
        key = (_text(item, "schema", "sequence"), _text(item, "name", "sequence"))
        catalog.sequences[key] = Sequence(key[0], key[1])
    for item in _list(data, "extensions"):
        catalog.extensions.add(_text(item, "name", "extension"))
    return catalog


def _read_table(catalog: Catalog, item: dict[str, Any]) -> None:
    schema, name = _text(item, "schema", "table"), _text(item, "name", "table")
    where = f"table {schema}.{name}"
    catalog.schemas.add(schema)
    table = Table(schema, name, rls_enabled=bool(item.get("rls_enabled", False)))
    for column in _list(item, "columns"):
        column_name = _text(column, "name", where)
        table.columns[column_name] = Column(
            column_name,
            _text(column, "type", f"{where}.{column_name}"),
            not_null=not column.get("nullable", True),
            default=column.get("default"),
        )
    for constraint in _list(item, "constraints"):
        kind = constraint.get("type")
        if kind not in ("p", "u", "f", "c", "x"):
            raise SnapshotError(f"{where}: constraint `type` must be one of p u f c x")
        constraint_name = _text(constraint, "name", where)
        table.constraints[constraint_name] = Constraint(
            constraint_name, kind, definition=constraint.get("definition")
        )
    for policy in _list(item, "policies"):
        policy_name = _text(policy, "name", where)
        table.policies[policy_name] = Policy(policy_name)
    for trigger in _list(item, "triggers"):
        trigger_name = _text(trigger, "name", where)
        table.triggers[trigger_name] = Trigger(trigger_name)
    catalog.tables[table.key] = table
    for index in _list(item, "indexes"):
        index_name = _text(index, "name", where)
        catalog.put_index(
            (schema, index_name),
            Index(
                schema,
                index_name,
                table.key,
                unique=bool(index.get("unique", False)),
                definition=index.get("definition"),
            ),
        )
