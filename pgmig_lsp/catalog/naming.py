"""The names PostgreSQL gives objects created without one.

What ``CREATE TABLE t (id int PRIMARY KEY, email text UNIQUE)`` or ``CREATE INDEX ON t
(lower(email))`` call their constraints and indexes, following PostgreSQL's own rules
(``makeObjectName``, ``ChooseRelationName``, ``ChooseConstraintName`` and
``ChooseIndexColumnNames`` in its sources): ``t_pkey``, ``t_email_key``, ``t_lower_idx``,
``t_a_b_fkey``, ``t_amount_check``; a number after the label when the name is taken
(``t_email_idx1``); parts shortened so that the whole fits in 63 bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from pgmig_lsp.sql.nodes import Node, strings

#: PostgreSQL's NAMEDATALEN: names hold at most 63 bytes
NAMEDATALEN = 64


def _clip(name: str, size: int) -> str:
    """The longest prefix of ``name`` of at most ``size`` UTF-8 bytes (whole characters)."""
    encoded = name.encode("utf-8")
    if len(encoded) <= size:
        return name
    return encoded[:size].decode("utf-8", errors="ignore")


def object_name(name1: str, name2: str | None, label: str | None) -> str:
    """``name1_name2_label``, the first two shortened (longest first) to fit in 63 bytes."""
    overhead = 1 if name2 else 0  # the underscores and the label
    if label:
        overhead += len(label.encode("utf-8")) + 1
    available = NAMEDATALEN - 1 - overhead
    size1 = len(name1.encode("utf-8"))
    size2 = len(name2.encode("utf-8")) if name2 else 0
    while size1 + size2 > available:
        if size1 > size2:
            size1 -= 1
        else:
            size2 -= 1
    parts = [_clip(name1, size1)]
    if name2:
        parts.append(_clip(name2, size2))
    if label:
        parts.append(label)
    return "_".join(parts)


def choose_name(name1: str, name2: str | None, label: str, taken: Callable[[str], bool]) -> str:
    """The first of ``name1_name2_label``, ``…_label1``, ``…_label2``, … that is not taken."""
    candidate = object_name(name1, name2, label)
    number = 0
    while taken(candidate):
        number += 1
        candidate = object_name(name1, name2, f"{label}{number}")
    return candidate


def name_addition(names: Iterable[str]) -> str:
    """Column names joined by ``_``, cut where the text reaches the name length limit."""
    text = ""
    for name in names:
        if text:
            text += "_"
        text += name
        if len(text.encode("utf-8")) >= NAMEDATALEN:
            break
    return _clip(text, NAMEDATALEN - 1)


def expression_column_name(node: Node | None) -> str | None:
    """The column name PostgreSQL figures for an expression (``lower(email)``: ``lower``).

    None where it would say ``?column?`` (index columns are then called ``expr``).
    """
    name, _ = _figure(node)
    return name


def _figure(node: Node | None) -> tuple[str | None, int]:
    """(name, strength) as PostgreSQL's FigureColnameInternal: 2 a real name, 1 a guess."""
    if not node:
        return None, 0
    kind, body = next(iter(node.items()))
    if kind == "ColumnRef":
        fields = strings(body.get("fields"))
        if fields and fields[-1] != "*":
            return fields[-1], 2
    elif kind == "A_Indirection":
        for item in reversed(body.get("indirection") or []):
            if "String" in item:
                return item["String"].get("sval"), 2
        return _figure(body.get("arg"))
    elif kind == "FuncCall":
        names = strings(body.get("funcname"))
        if names:
            return names[-1], 2
    elif kind == "A_Expr" and body.get("kind") == "AEXPR_NULLIF":
        return "nullif", 2
    elif kind == "TypeCast":
        name, strength = _figure(body.get("arg"))
        if strength <= 1:
            type_names = strings((body.get("typeName") or {}).get("names"))
            if type_names:
                return type_names[-1], 1
        return name, strength
    elif kind == "CollateClause":
        return _figure(body.get("arg"))
    elif kind == "CaseExpr":
        name, strength = _figure(body.get("defresult"))
        return (name, strength) if strength > 1 else ("case", 1)
    elif kind == "CoalesceExpr":
        return "coalesce", 2
    elif kind == "MinMaxExpr":
        return ("greatest" if body.get("op") == "IS_GREATEST" else "least"), 2
    elif kind == "NullIfExpr":
        return "nullif", 2
    elif kind == "A_ArrayExpr":
        return "array", 2
    elif kind == "RowExpr":
        return "row", 2
    elif kind == "SQLValueFunction":
        return _sql_value_function(str(body.get("op", ""))), 2
    return None, 0


def _sql_value_function(op: str) -> str:
    words = {
        "SVFOP_CURRENT_DATE": "current_date",
        "SVFOP_CURRENT_TIME": "current_time",
        "SVFOP_CURRENT_TIME_N": "current_time",
        "SVFOP_CURRENT_TIMESTAMP": "current_timestamp",
        "SVFOP_CURRENT_TIMESTAMP_N": "current_timestamp",
        "SVFOP_LOCALTIME": "localtime",
        "SVFOP_LOCALTIME_N": "localtime",
        "SVFOP_LOCALTIMESTAMP": "localtimestamp",
        "SVFOP_LOCALTIMESTAMP_N": "localtimestamp",
        "SVFOP_CURRENT_ROLE": "current_role",
        "SVFOP_CURRENT_USER": "current_user",
        "SVFOP_USER": "user",
        "SVFOP_SESSION_USER": "session_user",
        "SVFOP_CURRENT_CATALOG": "current_catalog",
        "SVFOP_CURRENT_SCHEMA": "current_schema",
    }
    return words.get(op, "?column?")


def index_column_names(params: list[Node]) -> list[str]:
    """The names of an index's columns (``IndexElem`` nodes), made unique as PostgreSQL does."""
    out: list[str] = []
    for param in params:
        elem = param.get("IndexElem") or {}
        original = (
            elem.get("indexcolname")
            or elem.get("name")
            or expression_column_name(elem.get("expr"))
            or "expr"
        )
        name, number = original, 0
        while name in out:
            number += 1
            suffix = str(number)
            name = _clip(original, NAMEDATALEN - 1 - len(suffix)) + suffix
        out.append(name)
    return out


def expression_columns(node: Node | None) -> list[str]:
    """The distinct columns an expression reads, in order of first use (``ColumnRef`` nodes)."""
    found: list[str] = []
    stack: list[object] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            ref = current.get("ColumnRef")
            if isinstance(ref, dict):
                fields = strings(ref.get("fields"))
                if fields and fields[-1] != "*" and fields[-1] not in found:
                    found.append(fields[-1])
                continue
            stack.extend(reversed(list(current.values())))
        elif isinstance(current, list):
            stack.extend(reversed(current))
    return found
