"""Reading pglast's JSON parse trees: names, types, and walking nested nodes.

The trees are plain dicts as ``parse_sql_json`` gives them: ``{"NodeKind": {fields…}}``. Working
on these instead of pglast's Python AST objects keeps the common path ~10× cheaper.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import attrs
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

Node = dict[str, Any]


def kind_of(node: Node) -> str:
    """The node's kind, e.g. ``"IndexStmt"``."""
    return next(iter(node))


def body_of(node: Node) -> Node:
    """The node's fields, whatever its kind."""
    body: Node = next(iter(node.values()))
    return body


#: keywords that cannot be a bare identifier everywhere (all but the unreserved ones)
_KEYWORDS = (
    frozenset(RESERVED_KEYWORDS) | frozenset(COL_NAME_KEYWORDS) | frozenset(TYPE_FUNC_NAME_KEYWORDS)
)
_SIMPLE_NAME = re.compile(r"[a-z_][a-z0-9_]*")


def quote_identifier(name: str) -> str:
    """``name`` as PostgreSQL's ``quote_ident`` writes it: bare when it is lower-case letters,
    digits and underscores and not a keyword (but the unreserved ones), else double-quoted."""
    if _SIMPLE_NAME.fullmatch(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


def strings(items: list[Node] | None) -> tuple[str, ...]:
    """The values of a list of ``String`` nodes (qualified names, option lists)."""
    if not items:
        return ()
    out = []
    for item in items:
        value = item.get("String")
        if value is not None:
            out.append(value.get("sval", ""))
        elif "A_Star" in item:
            out.append("*")
    return tuple(out)


@attrs.frozen
class QualifiedName:
    """A possibly schema-qualified object name, as written."""

    schema: str | None
    name: str

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @classmethod
    def from_parts(cls, parts: tuple[str, ...]) -> QualifiedName:
        if len(parts) >= 2:
            return cls(parts[-2], parts[-1])
        return cls(None, parts[0] if parts else "")


def relation_name(rangevar: Node | None) -> QualifiedName | None:
    """The name in a ``RangeVar`` body (``{"relname": …, "schemaname": …}``)."""
    if not rangevar:
        return None
    if "RangeVar" in rangevar:
        rangevar = rangevar["RangeVar"]
    name = rangevar.get("relname")
    if name is None:
        return None
    return QualifiedName(rangevar.get("schemaname"), name)


@attrs.frozen
class TypeRef:
    """A type as written in a ``TypeName`` node."""

    names: tuple[str, ...]
    modifiers: tuple[int | str, ...]
    array: bool
    location: int | None
    #: ``SETOF`` / ``%TYPE`` references
    pct_type: bool = False

    @property
    def name(self) -> str:
        """The type's own name without schema (``int4``, ``varchar``, ``my_enum``)."""
        return self.names[-1] if self.names else ""

    @property
    def schema(self) -> str | None:
        return self.names[-2] if len(self.names) >= 2 else None

    @property
    def is_builtin_spelling(self) -> bool:
        """Types the grammar rewrote into ``pg_catalog.x`` (``int``, ``varchar``, ``timestamp``)."""
        return self.schema == "pg_catalog"


def type_ref(type_name: Node | None) -> TypeRef | None:
    """The type in a ``TypeName`` body."""
    if not type_name:
        return None
    if "TypeName" in type_name:
        type_name = type_name["TypeName"]
    modifiers: list[int | str] = []
    for mod in type_name.get("typmods", []) or []:
        const = mod.get("A_Const")
        if const is None:
            continue
        if "ival" in const:
            modifiers.append(int(const["ival"].get("ival", 0)))
        elif "sval" in const:
            modifiers.append(str(const["sval"].get("sval", "")))
    return TypeRef(
        names=strings(type_name.get("names")),
        modifiers=tuple(modifiers),
        array=bool(type_name.get("arrayBounds")),
        location=type_name.get("location"),
        pct_type=bool(type_name.get("pct_type")),
    )


def walk(node: Any) -> Iterator[tuple[str, Node]]:
    """Every node below (and including) ``node``, as ``(kind, fields)`` pairs, depth first."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            for key, value in current.items():
                if key[:1].isupper() and isinstance(value, dict):
                    yield key, value
                if isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(current, list):
            stack.extend(reversed(current))


def const_value(node: Node | None) -> Any:
    """The Python value of an ``A_Const`` node (None for NULL or anything else)."""
    if not node:
        return None
    const = node.get("A_Const")
    if const is None:
        return None
    for key in ("ival", "fval", "sval", "boolval", "bsval"):
        if key in const:
            inner = const[key]
            if key == "ival":
                return int(inner.get("ival", 0))
            if key == "boolval":
                return bool(inner.get("boolval", False))
            return inner.get(key if key != "fval" else "fval")
    return None


def def_options(options: list[Node] | None) -> dict[str, Node | None]:
    """``DefElem`` options by name (``WITH (…)``, function options)."""
    out: dict[str, Node | None] = {}
    for option in options or []:
        elem = option.get("DefElem")
        if elem is not None:
            out[elem.get("defname", "")] = elem.get("arg")
    return out


def drop_object_names(body: Node) -> list[tuple[str, ...]]:
    """The names a ``DropStmt`` drops, as identifier parts (``("audit", "user_actions")``)."""
    out: list[tuple[str, ...]] = []
    for obj in body.get("objects", []) or []:
        if not isinstance(obj, dict):
            continue
        if "List" in obj:
            parts = strings(obj["List"].get("items"))
        elif "String" in obj:
            parts = (obj["String"].get("sval", ""),)
        elif "TypeName" in obj:
            parts = strings(obj["TypeName"].get("names"))
        elif "ObjectWithArgs" in obj:
            parts = strings(obj["ObjectWithArgs"].get("objname"))
        else:
            continue
        if parts:
            out.append(parts)
    return out
