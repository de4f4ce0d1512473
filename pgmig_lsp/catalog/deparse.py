"""Definitions printed as PostgreSQL prints them, from parse trees and the catalog's column types.

``pg_get_constraintdef`` and ``pg_get_indexdef`` print the *analyzed* expression: the operators
and functions resolved, the implicit casts added (``(0)::numeric``, ``(email)::text``), string
literals typed (``'x'::text``), ``IN`` lists turned into ``= ANY (ARRAY[…])``. This module does
that analysis for the common cases, with what ruleutils.c prints, checked against a real server
(tests/test_deparse.py). Whatever it cannot be sure of (an operator or function it does not know,
a type it cannot resolve, a literal whose type would normalize it) makes the whole definition
unknown: None, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import ClassVar

import attrs

from pgmig_lsp.catalog.model import Catalog, Table
from pgmig_lsp.sql.nodes import Node, quote_identifier, strings


class _Unknown(Exception):
    """The expression holds something this module cannot print as PostgreSQL does."""


# -- types ---------------------------------------------------------------------------------------

#: the built-in types known here, as ``format_type`` spells them without a typmod
_SPELLING = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "numeric": "numeric",
    "float4": "real",
    "float8": "double precision",
    "text": "text",
    "varchar": "character varying",
    "bpchar": "bpchar",
    "bool": "boolean",
    "date": "date",
    "timestamp": "timestamp without time zone",
    "timestamptz": "timestamp with time zone",
    "time": "time without time zone",
    "interval": "interval",
    "uuid": "uuid",
    "jsonb": "jsonb",
    "json": "json",
    "bytea": "bytea",
}
_INTS = {"int2": 0, "int4": 1, "int8": 2}
_FLOATS = ("float4", "float8")
_NUMBERS = (*_INTS, "numeric", *_FLOATS)
_STRINGS = ("text", "varchar", "bpchar")
_DATETIMES = ("date", "timestamp", "timestamptz")
#: types whose ``=``, ``<`` … take two values of the type itself
_COMPARABLE = (*_STRINGS, *_NUMBERS, *_DATETIMES, "bool", "time", "interval", "uuid", "jsonb")
#: typcategory, for ``select_common_type``; a type not listed is a category of its own
_CATEGORY = {
    **dict.fromkeys(_NUMBERS, "N"),
    **dict.fromkeys(_STRINGS, "S"),
    **dict.fromkeys(_DATETIMES, "D"),
}
_PREFERRED = ("float8", "text", "timestamptz")
#: pg_cast entries with context 'i' among the types above
_IMPLICIT = frozenset(
    [
        *(
            (a, b)
            for a in _INTS
            for b in (*_INTS, "numeric", *_FLOATS)
            if _INTS.get(b, 9) > _INTS[a]
        ),
        ("numeric", "float4"),
        ("numeric", "float8"),
        ("float4", "float8"),
        *((a, b) for a in _STRINGS for b in _STRINGS if a != b),
        ("date", "timestamp"),
        ("date", "timestamptz"),
        ("timestamp", "timestamptz"),
    ]
)
#: sources of explicit casts to any type known here (I/O conversion), and their targets
_FROM_ANY = ("text", "varchar")

#: the column types ``type_text`` spells without ``pg_catalog`` that are aliases here
_TYPE_ALIASES = {"int": "int4", "integer": "int4", "boolean": "bool", "decimal": "numeric"}

#: enum types are ``schema.name``; a type this module does not know is ``?`` and its spelling
_OPAQUE = "?"


def _is_enum(type_: str) -> bool:
    return "." in type_ and not type_.startswith(_OPAQUE)


def _element(type_: str) -> str | None:
    return type_[:-2] if type_.endswith("[]") else None


def _spell(type_: str, typmod: str = "") -> str:
    """``format_type_with_typemod``: introspection runs with ``search_path`` = public."""
    element = _element(type_)
    if element is not None:
        return _spell(element) + "[]"
    if _is_enum(type_):
        schema, name = type_.split(".", 1)
        name = quote_identifier(name)
        return name if schema == "public" else f"{quote_identifier(schema)}.{name}"
    spelled = _SPELLING.get(type_)
    if spelled is None:
        raise _Unknown(type_)
    return spelled + typmod


def _typmod(modifiers: Sequence[object]) -> str:
    return "(" + ",".join(str(m) for m in modifiers) + ")" if modifiers else ""


# -- analyzed expressions ------------------------------------------------------------------------


@attrs.frozen
class _Const:
    #: the value as the type's output function prints it; None for NULL
    value: str | None
    type: str


@attrs.frozen
class _Var:
    name: str
    type: str
    #: the column type's modifiers as ``format_type`` prints them (``(20)``), or empty
    typmod: str = ""


@attrs.frozen
class _Op:
    op: str
    left: _Expr | None
    right: _Expr
    type: str


@attrs.frozen
class _Call:
    """A function call (``lower(x)``), or a call-like keyword (``COALESCE(…)``, ``GREATEST``)."""

    name: str
    args: tuple[_Expr, ...]
    type: str
    keyword: bool = False


@attrs.frozen
class _Cast:
    arg: _Expr
    type: str
    typmod: str = ""
    implicit: bool = True


@attrs.frozen
class _Bool:
    op: str  # AND, OR, NOT
    args: tuple[_Expr, ...]
    type: str = "bool"


@attrs.frozen
class _Test:
    """``x IS [NOT] NULL``, ``x IS [NOT] TRUE`` …, ``x IS DISTINCT FROM y``."""

    arg: _Expr
    words: str
    other: _Expr | None = None
    type: str = "bool"


@attrs.frozen
class _AnyAll:
    op: str
    use_or: bool
    left: _Expr
    right: _Expr
    type: str = "bool"


@attrs.frozen
class _Array:
    elements: tuple[_Expr, ...]
    type: str


@attrs.frozen
class _Keyword:
    """``CURRENT_DATE`` and the like."""

    text: str
    type: str


@attrs.frozen
class _Trim:
    where: str  # BOTH, LEADING, TRAILING
    arg: _Expr
    chars: _Expr | None
    type: str = "text"


_Expr = _Const | _Var | _Op | _Call | _Cast | _Bool | _Test | _AnyAll | _Array | _Keyword | _Trim

_UNKNOWN = "unknown"


# -- printing (ruleutils.c, not pretty: every operator in parentheses) ---------------------------


def _quote_literal(value: str) -> str:
    # standard_conforming_strings is on: only quotes are doubled, and never an E'' string
    return "'" + value.replace("'", "''") + "'"


def _const_text(const: _Const, label: bool = True) -> str:
    """``get_const_expr``: numbers bare where they read back as the same type, else labelled."""
    type_ = const.type
    if const.value is None:
        return "NULL" + ("::" + _spell(type_) if label else "")
    value = const.value
    if type_ == "bool":
        return value
    if type_ == "int4" and not value.startswith("-"):
        return value
    if type_ == "numeric" and value[:1].isdigit() and "." in value:
        return value
    return _quote_literal(value) + ("::" + _spell(type_) if label else "")


def _show(node: _Expr, implicit: bool) -> str:
    """``get_rule_expr``; ``implicit``: whether implicit casts are printed (showimplicit)."""
    if isinstance(node, _Var):
        return quote_identifier(node.name)
    if isinstance(node, _Const):
        return _const_text(node)
    if isinstance(node, _Op):
        right = _show(node.right, True)
        if node.left is None:
            return f"({node.op} {right})"
        return f"({_show(node.left, True)} {node.op} {right})"
    if isinstance(node, _Cast):
        if node.implicit and not implicit:
            return _show(node.arg, False)
        arg = node.arg
        if isinstance(arg, _Const) and arg.type == node.type and not node.typmod:
            text = _const_text(arg, label=False)
        else:
            text = f"({_show(arg, False)})"
        return f"{text}::{_spell(node.type, node.typmod)}"
    if isinstance(node, _Call):
        return f"{node.name}({', '.join(_show(a, True) for a in node.args)})"
    if isinstance(node, _Bool):
        if node.op == "NOT":
            return f"(NOT {_show(node.args[0], False)})"
        return "(" + f" {node.op} ".join(_show(a, False) for a in node.args) + ")"
    if isinstance(node, _Test):
        other = "" if node.other is None else " " + _show(node.other, True)
        return f"({_show(node.arg, True)} {node.words}{other})"
    if isinstance(node, _AnyAll):
        which = "ANY" if node.use_or else "ALL"
        return f"({_show(node.left, True)} {node.op} {which} ({_show(node.right, True)}))"
    if isinstance(node, _Array):
        return "ARRAY[" + ", ".join(_show(e, True) for e in node.elements) + "]"
    if isinstance(node, _Keyword):
        return node.text
    chars = "" if node.chars is None else " " + _show(node.chars, False)
    return f"TRIM({node.where}{chars} FROM {_show(node.arg, False)})"


# -- analysis (transformExpr, for the common cases) ----------------------------------------------

_INT4_RANGE = range(-(2**31), 2**31)
_INT8_RANGE = range(-(2**63), 2**63)
_INT_RANGES = {"int2": range(-(2**15), 2**15), "int4": _INT4_RANGE, "int8": _INT8_RANGE}
_INTEGER = re.compile(r"\s*([+-]?\d+)\s*")
_DECIMAL = re.compile(r"\s*([+-]?)(\d*)(?:\.(\d*))?\s*")
_FLOAT = re.compile(r"(0|[1-9]\d*)(\.\d*[1-9])?")
_UUID = re.compile(r"[0-9a-f]{32}")
_BOOLEANS = {
    **dict.fromkeys(("t", "true", "y", "yes", "on", "1"), "true"),
    **dict.fromkeys(("f", "false", "n", "no", "off", "0"), "false"),
}


def _numeric_text(text: str) -> str | None:
    """``numeric_out`` of a decimal written without exponent; None for anything else."""
    match = _DECIMAL.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)):
        return None
    sign, whole, fraction = match.groups()
    whole = whole.lstrip("0") or "0"
    value = whole + ("." + fraction if fraction else "")
    zero = not value.strip("0.")
    return ("-" if sign == "-" and not zero else "") + value


def _number(text: str) -> _Const:
    """A numeric constant as the grammar and ``make_const`` type it."""
    if _INTEGER.fullmatch(text):
        number = int(text)
        if number in _INT4_RANGE:
            return _Const(str(number), "int4")
        if number in _INT8_RANGE:
            return _Const(str(number), "int8")
    value = _numeric_text(text)
    if value is None:
        raise _Unknown(text)  # an exponent: numeric_out would print it otherwise
    return _Const(value, "numeric")


class _Scope:
    """What an expression over one table's columns may name."""

    def __init__(self, table: Table, catalog: Catalog) -> None:
        self.table = table
        self.catalog = catalog
        self.enums: dict[str, list[str]] = {}

    def type_of(self, text: str) -> str:
        """The type of a column as the replay spells it (``varchar(255)``, ``app.mood[]``)."""
        array = text.endswith("[]")
        base = text.removesuffix("[]")
        if base.endswith("[]"):
            return _OPAQUE + text
        name = base.split("(", 1)[0]
        name = _TYPE_ALIASES.get(name, name)
        if name in _SPELLING:
            return name + ("[]" if array else "")
        parts = name.split(".")
        if len(parts) > 2 or "(" in base:
            return _OPAQUE + text
        found = self.catalog.type(parts[0] if len(parts) == 2 else None, parts[-1])
        if found is None or found.kind != "enum":
            return _OPAQUE + text
        key = f"{found.schema}.{found.name}"
        self.enums[key] = found.values
        return key + ("[]" if array else "")

    def type_name(self, node: Node | None) -> tuple[str, str]:
        """The type and spelled typmod of a ``TypeName``."""
        body = (node or {}).get("TypeName", node) or {}
        if body.get("setof") or body.get("pct_type"):
            raise _Unknown("type")
        names = strings(body.get("names"))
        if names[:1] == ("pg_catalog",):
            names = names[1:]
        modifiers = []
        for item in body.get("typmods") or []:
            const = item.get("A_Const") or {}
            if "ival" not in const:
                raise _Unknown("typmod")
            modifiers.append(const["ival"].get("ival", 0))
        bounds = body.get("arrayBounds")
        text = ".".join(names) + ("[]" if bounds else "")
        type_ = self.type_of(text)
        if type_.startswith(_OPAQUE) or (modifiers and type_ not in ("varchar", "numeric")):
            raise _Unknown(text)
        return type_, _typmod(modifiers)

    def column(self, ref: Node) -> _Var:
        fields = strings(ref.get("fields"))
        table = self.table
        if not fields or len(fields) > 3 or "*" in fields:
            raise _Unknown("column")
        if len(fields) >= 2 and fields[-2] != table.name:
            raise _Unknown("column")
        if len(fields) == 3 and fields[0] != table.schema:
            raise _Unknown("column")
        column = table.columns.get(fields[-1])
        if column is None:
            raise _Unknown(fields[-1])
        typmod = column.type.removesuffix("[]").partition("(")[2]
        return _Var(column.name, self.type_of(column.type), "(" + typmod if typmod else "")


def _literal(value: str | None, target: str, scope: _Scope) -> _Const:
    """An untyped string literal (or NULL) given ``target``'s type, printed as its output."""
    if value is None:
        _spell(target)
        return _Const(None, target)
    if target in _STRINGS:
        return _Const(value, target)
    if _is_enum(target):
        if value not in scope.enums.get(target, ()):
            raise _Unknown(value)
        return _Const(value, target)
    if target in _INTS:
        match = _INTEGER.fullmatch(value)
        if match is None or int(match.group(1)) not in _INT_RANGES[target]:
            raise _Unknown(value)
        return _Const(str(int(match.group(1))), target)
    if target == "numeric":
        text = _numeric_text(value)
        if text is None:
            raise _Unknown(value)
        return _Const(text, target)
    if target in _FLOATS:
        digits = value.replace(".", "").lstrip("0")
        if not _FLOAT.fullmatch(value) or len(digits) > (6 if target == "float4" else 15):
            raise _Unknown(value)
        return _Const(value, target)
    if target == "bool":
        if value.strip().lower() not in _BOOLEANS:
            raise _Unknown(value)
        return _Const(_BOOLEANS[value.strip().lower()], target)
    if target == "uuid":
        hexdigits = value.strip().lower().replace("-", "").removeprefix("{").removesuffix("}")
        if not _UUID.fullmatch(hexdigits):
            raise _Unknown(value)
        cut = (hexdigits[:8], hexdigits[8:12], hexdigits[12:16], hexdigits[16:20], hexdigits[20:])
        return _Const("-".join(cut), target)
    raise _Unknown(target)


def _coerce(node: _Expr, target: str, scope: _Scope) -> _Expr:
    """``coerce_type`` with an implicit cast: the node itself, a typed literal, or a cast."""
    if node.type == target:
        return node
    if node.type == _UNKNOWN and isinstance(node, _Const):
        return _literal(node.value, target, scope)
    source, element = node.type, _element(node.type)
    if element is not None and _element(target) is not None:
        source, target_element = element, _element(target)
        if (source, target_element) in _IMPLICIT:
            return _Cast(node, target)
    elif (source, target) in _IMPLICIT:
        return _Cast(node, target)
    raise _Unknown(f"{node.type} -> {target}")


def _common_type(types: Sequence[str]) -> str:
    """``select_common_type``."""
    known = [t for t in types if t != _UNKNOWN]
    if not known:
        return "text"
    chosen = known[0]
    for other in known[1:]:
        if other == chosen:
            continue
        category = _CATEGORY.get(chosen)
        if category is None or category != _CATEGORY.get(other):
            raise _Unknown(f"{chosen} / {other}")
        if (
            chosen not in _PREFERRED
            and (chosen, other) in _IMPLICIT
            and (other, chosen) not in _IMPLICIT
        ):
            chosen = other
    return chosen


_COMPARISONS = ("=", "<>", "<", ">", "<=", ">=")
_ARITHMETIC = ("+", "-", "*", "/")
_PATTERNS = ("~", "~*", "!~", "!~*", "~~", "~~*", "!~~", "!~~*")


def _numeric_operands(left: str, right: str) -> tuple[str, str]:
    """The operand types of a numeric operator: integers and floats mix (``int48gt``,
    ``float48pl``); otherwise both are cast to a float, or to numeric."""
    if (left in _INTS and right in _INTS) or (left in _FLOATS and right in _FLOATS):
        return left, right
    if left in _FLOATS or right in _FLOATS:
        return (left if left in _FLOATS else "float8"), (right if right in _FLOATS else "float8")
    return "numeric", "numeric"


def _operator(op: str, left: str, right: str) -> tuple[str, str, str]:
    """(left operand type, right operand type, result type) of a binary operator."""
    if op in _COMPARISONS:
        if left in _NUMBERS and right in _NUMBERS:
            return (*_numeric_operands(left, right), "bool")
        if left in _STRINGS and right in _STRINGS:
            if left == right and left != "varchar":
                return left, right, "bool"
            if {left, right} == {"bpchar", "varchar"}:
                return "bpchar", "bpchar", "bool"
            return "text", "text", "bool"
        if left in _DATETIMES and right in _DATETIMES:
            return left, right, "bool"
        if left == right and (left in _COMPARABLE or _is_enum(left)):
            return left, right, "bool"
    elif op in _ARITHMETIC and left in _NUMBERS and right in _NUMBERS:
        if left in _INTS and right in _INTS:
            return left, right, max(left, right, key=_INTS.__getitem__)
        operands = _numeric_operands(left, right)
        if operands == ("float4", "float4"):
            return (*operands, "float4")
        return (*operands, "float8" if operands[0] in _FLOATS else "numeric")
    elif op == "%" and left in _NUMBERS and right in _NUMBERS:
        if left in _INTS and right in _INTS:
            wider = max(left, right, key=_INTS.__getitem__)
            return wider, wider, wider
        if left not in _FLOATS and right not in _FLOATS:
            return "numeric", "numeric", "numeric"
    elif op in ("+", "-") and left in ("timestamptz", "timestamp") and right == "interval":
        return left, right, left
    elif op in ("+", "-") and left == "date" and right == "int4":
        return left, right, "date"
    elif op == "-" and left == right and left in ("date", "timestamp", "timestamptz"):
        return left, right, "int4" if left == "date" else "interval"
    elif op == "||" and left in _STRINGS and right in _STRINGS:
        return "text", "text", "text"
    elif op in _PATTERNS and left in ("text", "varchar") and right in _STRINGS:
        return "text", "text", "bool"
    elif op in ("->>", "->") and left in ("jsonb", "json") and right in ("text", "int4"):
        return left, right, "text" if op == "->>" else left
    elif op == "?" and left == "jsonb" and right in ("text", "varchar"):
        return left, "text", "bool"
    elif op in ("@>", "<@", "&&") and left == right and _element(left) is not None:
        return left, right, "bool"
    raise _Unknown(f"{left} {op} {right}")


#: the type an untyped literal takes on the right of these operators, whatever the left is
_LITERAL_OPERAND = {
    **dict.fromkeys(_PATTERNS, "text"),
    **dict.fromkeys(("->>", "->", "?", "||"), "text"),
}


def _binary(op: str, left: _Expr, right: _Expr, scope: _Scope) -> _Op:
    """An operator applied: untyped literals typed, operands cast as the operator takes them."""
    left, right = _typed_operands(op, left, right, scope)
    left_type, right_type, result = _operator(op, left.type, right.type)
    return _Op(op, _coerce(left, left_type, scope), _coerce(right, right_type, scope), result)


def _typed_operands(op: str, left: _Expr, right: _Expr, scope: _Scope) -> tuple[_Expr, _Expr]:
    """An untyped literal takes the other operand's type (text for a ``varchar`` one)."""
    if left.type == _UNKNOWN and right.type == _UNKNOWN:
        raise _Unknown("two literals")
    if right.type == _UNKNOWN and op in _LITERAL_OPERAND:
        return left, _coerce(right, _LITERAL_OPERAND[op], scope)
    if right.type == _UNKNOWN:
        return left, _coerce(right, "text" if left.type == "varchar" else left.type, scope)
    if left.type == _UNKNOWN and op == "||":
        return _coerce(left, "text", scope), right
    if left.type == _UNKNOWN:
        return _coerce(left, "text" if right.type == "varchar" else right.type, scope), right
    return left, right


def _unary(op: str, arg: _Expr) -> _Op:
    if op not in ("-", "+") or arg.type not in _NUMBERS:
        raise _Unknown(op)
    return _Op(op, None, arg, arg.type)


def _function(name: str, args: list[_Expr], scope: _Scope) -> _Expr:
    """A call of a built-in function known here, its arguments cast as the function takes them."""
    types = [a.type for a in args]
    if name in ("lower", "upper", "btrim", "ltrim", "rtrim", "initcap", "md5") and args:
        if len(args) > (2 if name.endswith("trim") else 1):
            raise _Unknown(name)
        return _Call(name, tuple(_coerce(a, "text", scope) for a in args), "text")
    if name in ("length", "char_length", "character_length", "octet_length") and len(args) == 1:
        kept = ("bpchar", "bytea") if name in ("length", "octet_length") else ("bpchar",)
        arg = args[0] if types[0] in kept else _coerce(args[0], "text", scope)
        return _Call(name, (arg,), "int4")
    if name == "abs" and len(args) == 1 and types[0] in _NUMBERS:
        return _Call(name, tuple(args), types[0])
    if name in ("now", "statement_timestamp", "transaction_timestamp", "clock_timestamp"):
        if args:
            raise _Unknown(name)
        return _Call(name, (), "timestamptz")
    if name == "cardinality" and len(args) == 1 and _element(types[0]) is not None:
        return _Call(name, tuple(args), "int4")
    if name == "array_length" and len(args) == 2 and _element(types[0]) is not None:
        return _Call(name, (args[0], _coerce(args[1], "int4", scope)), "int4")
    if name in ("jsonb_typeof", "jsonb_array_length", "json_typeof") and len(args) == 1:
        source = "json" if name.startswith("json_") else "jsonb"
        result = "int4" if name.endswith("length") else "text"
        return _Call(name, (_coerce(args[0], source, scope),), result)
    if name in ("num_nulls", "num_nonnulls") and args and _UNKNOWN not in types:
        return _Call(name, tuple(args), "int4")
    if name == "date_trunc" and len(args) == 2 and types[1] in ("timestamp", "timestamptz"):
        return _Call(name, (_coerce(args[0], "text", scope), args[1]), types[1])
    raise _Unknown(name)


_TRIMS = {"btrim": "BOTH", "ltrim": "LEADING", "rtrim": "TRAILING"}
_VALUE_FUNCTIONS = {
    "SVFOP_CURRENT_DATE": ("CURRENT_DATE", "date"),
    "SVFOP_CURRENT_TIMESTAMP": ("CURRENT_TIMESTAMP", "timestamptz"),
    "SVFOP_LOCALTIMESTAMP": ("LOCALTIMESTAMP", "timestamp"),
}
_NULL_TESTS = {"IS_NULL": "IS NULL", "IS_NOT_NULL": "IS NOT NULL"}
_BOOLEAN_TESTS = {
    "IS_TRUE": "IS TRUE",
    "IS_NOT_TRUE": "IS NOT TRUE",
    "IS_FALSE": "IS FALSE",
    "IS_NOT_FALSE": "IS NOT FALSE",
    "IS_UNKNOWN": "IS UNKNOWN",
    "IS_NOT_UNKNOWN": "IS NOT UNKNOWN",
}
#: FuncCall fields that make a call something else than a plain call
_CALL_EXTRAS = ("agg_order", "agg_filter", "over", "agg_star", "agg_distinct", "func_variadic")


class _Analyzer:
    """``transformExpr`` over the raw parse tree, for the node kinds known here."""

    #: the method for each node kind (names: bound methods kept on the instance would make it a
    #: reference cycle, left for the garbage collector)
    _KINDS: ClassVar[dict[str, str]] = {
        "A_Const": "_const",
        "A_Expr": "_a_expr",
        "BoolExpr": "_bool",
        "NullTest": "_null_test",
        "BooleanTest": "_boolean_test",
        "TypeCast": "_cast",
        "FuncCall": "_call",
        "CoalesceExpr": "_coalesce",
        "MinMaxExpr": "_min_max",
        "A_ArrayExpr": "_array",
        "SQLValueFunction": "_value_function",
    }

    def __init__(self, scope: _Scope) -> None:
        self.scope = scope

    def expr(self, node: Node | None) -> _Expr:
        if not node:
            raise _Unknown("empty")
        kind, body = next(iter(node.items()))
        if kind == "ColumnRef":
            return self.scope.column(body)
        handler = self._KINDS.get(kind)
        if handler is None:
            raise _Unknown(kind)
        result: _Expr = getattr(self, handler)(body)
        return result

    def boolean(self, node: Node | None) -> _Expr:
        """``coerce_to_boolean``."""
        expr = self.expr(node)
        if expr.type == _UNKNOWN:
            return _coerce(expr, "bool", self.scope)
        if expr.type != "bool":
            raise _Unknown("not boolean")
        return expr

    def _const(self, body: Node) -> _Const:
        if body.get("isnull"):
            return _Const(None, _UNKNOWN)
        if "ival" in body:
            return _Const(str(body["ival"].get("ival", 0)), "int4")
        if "fval" in body:
            return _number(str(body["fval"].get("fval", "0")))
        if "boolval" in body:
            return _Const("true" if body["boolval"].get("boolval") else "false", "bool")
        if "sval" in body:
            return _Const(str(body["sval"].get("sval", "")), _UNKNOWN)
        raise _Unknown("constant")

    def _a_expr(self, body: Node) -> _Expr:
        kind = body.get("kind")
        names = strings(body.get("name"))
        if len(names) != 1:
            raise _Unknown("qualified operator")
        op = names[0]
        scope = self.scope
        if kind in ("AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE"):
            right = self.expr(body.get("rexpr"))
            if body.get("lexpr") is None:
                return _unary(op, right)
            return _binary(op, self.expr(body.get("lexpr")), right, scope)
        left = self.expr(body.get("lexpr"))
        if kind in ("AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT"):
            compared = _binary(op, left, self.expr(body.get("rexpr")), scope)
            assert compared.left is not None
            test = _Test(compared.left, "IS DISTINCT FROM", compared.right)
            return _Bool("NOT", (test,)) if kind == "AEXPR_NOT_DISTINCT" else test
        if kind in ("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN"):
            low, high = self._list(body.get("rexpr"), 2)
            if kind == "AEXPR_BETWEEN":
                parts = (_binary(">=", left, low, scope), _binary("<=", left, high, scope))
                return _Bool("AND", parts)
            return _Bool("OR", (_binary("<", left, low, scope), _binary(">", left, high, scope)))
        if kind == "AEXPR_IN":
            return self._in(op, left, self._list(body.get("rexpr")))
        if kind in ("AEXPR_OP_ANY", "AEXPR_OP_ALL"):
            return self._any_all(op, left, self.expr(body.get("rexpr")), kind == "AEXPR_OP_ANY")
        raise _Unknown(str(kind))

    def _list(self, node: Node | None, size: int | None = None) -> list[_Expr]:
        items = ((node or {}).get("List") or {}).get("items") or []
        if not items or (size is not None and len(items) != size):
            raise _Unknown("list")
        return [self.expr(item) for item in items]

    def _in(self, op: str, left: _Expr, items: list[_Expr]) -> _Expr:
        """``transformAExprIn``: one value is compared alone, more make an array."""
        if any(_reads_columns(item) for item in items):
            raise _Unknown("IN with columns")  # those are compared one by one, ORed
        if len(items) == 1:
            return _binary(op, left, items[0], self.scope)
        element = _common_type([left.type, *(item.type for item in items)])
        array = _Array(tuple(_coerce(item, element, self.scope) for item in items), element + "[]")
        return self._any_all(op, left, array, op == "=")

    def _any_all(self, op: str, left: _Expr, right: _Expr, use_or: bool) -> _AnyAll:
        element = _element(right.type)
        if element is None or left.type == _UNKNOWN:
            raise _Unknown("ANY")
        left_type, right_type, result = _operator(op, left.type, element)
        if result != "bool":
            raise _Unknown("ANY")
        coerced = _coerce(right, right_type + "[]", self.scope)
        return _AnyAll(op, use_or, _coerce(left, left_type, self.scope), coerced)

    def _array(self, body: Node) -> _Array:
        items = [self.expr(item) for item in body.get("elements") or []]
        if not items:
            raise _Unknown("empty array")
        element = _common_type([item.type for item in items])
        if _element(element) is not None:
            raise _Unknown("nested array")
        return _Array(tuple(_coerce(i, element, self.scope) for i in items), element + "[]")

    def _bool(self, body: Node) -> _Bool:
        op = {"AND_EXPR": "AND", "OR_EXPR": "OR", "NOT_EXPR": "NOT"}[body.get("boolop", "")]
        return _Bool(op, tuple(self.boolean(arg) for arg in body.get("args") or []))

    def _null_test(self, body: Node) -> _Test:
        if body.get("argisrow"):
            raise _Unknown("row")
        words = _NULL_TESTS[body.get("nulltesttype", "")]
        arg = self.expr(body.get("arg"))
        if arg.type == _UNKNOWN:
            raise _Unknown("NULL test of a literal")
        return _Test(arg, words)

    def _boolean_test(self, body: Node) -> _Test:
        return _Test(self.boolean(body.get("arg")), _BOOLEAN_TESTS[body.get("booltesttype", "")])

    def _cast(self, body: Node) -> _Expr:
        target, typmod = self.scope.type_name(body.get("typeName"))
        arg = self.expr(body.get("arg"))
        if arg.type == _UNKNOWN and isinstance(arg, _Const):
            if typmod:
                raise _Unknown("literal with typmod")
            return _literal(arg.value, target, self.scope)
        if arg.type == target and not typmod:
            if isinstance(arg, _Var) and arg.typmod:
                return _Cast(arg, target, implicit=False)  # the modifier is cast away
            return arg  # a cast to its own type is no cast at all
        if arg.type == target and isinstance(arg, _Var) and arg.typmod == typmod:
            return arg
        source = arg.type
        if source == target and isinstance(arg, _Var):
            return _Cast(arg, target, typmod, implicit=False)  # a length coercion
        if source == target or (typmod and isinstance(arg, _Const)):
            raise _Unknown("length coercion")
        allowed = (
            (source, target) in _IMPLICIT
            or (source in _NUMBERS and target in _NUMBERS)
            or (source in _SPELLING and target in _FROM_ANY)
            or (source in _FROM_ANY and (target in _SPELLING or _is_enum(target)))
            or (_is_enum(source) and target in _FROM_ANY)
            or {source, target} == {"bool", "int4"}
        )
        if not allowed:
            raise _Unknown(f"{source}::{target}")
        return _Cast(arg, target, typmod, implicit=False)

    def _call(self, body: Node) -> _Expr:
        if any(body.get(extra) for extra in _CALL_EXTRAS):
            raise _Unknown("call")
        names = strings(body.get("funcname"))
        if len(names) == 2 and names[0] == "pg_catalog":
            names = names[1:]
        if len(names) != 1:
            raise _Unknown(".".join(names))
        arguments = body.get("args") or []
        if any("NamedArgExpr" in a for a in arguments):
            raise _Unknown("named argument")
        args = [self.expr(a) for a in arguments]
        name = names[0]
        if body.get("funcformat") == "COERCE_SQL_SYNTAX":
            if name not in _TRIMS or not 1 <= len(args) <= 2:
                raise _Unknown(name)
            coerced = [_coerce(a, "text", self.scope) for a in args]
            chars = coerced[1] if len(coerced) == 2 else None
            return _Trim(_TRIMS[name], coerced[0], chars)
        return _function(name, args, self.scope)

    def _coalesce(self, body: Node) -> _Call:
        return self._keyword_call("COALESCE", body)

    def _min_max(self, body: Node) -> _Call:
        return self._keyword_call("GREATEST" if body.get("op") == "IS_GREATEST" else "LEAST", body)

    def _keyword_call(self, name: str, body: Node) -> _Call:
        args = [self.expr(a) for a in body.get("args") or []]
        common = _common_type([a.type for a in args])
        return _Call(name, tuple(_coerce(a, common, self.scope) for a in args), common, True)

    def _value_function(self, body: Node) -> _Keyword:
        found = _VALUE_FUNCTIONS.get(str(body.get("op")))
        if found is None or body.get("typmod", -1) != -1:
            raise _Unknown("value function")
        return _Keyword(*found)


def _reads_columns(node: object) -> bool:
    if isinstance(node, _Var):
        return True
    if isinstance(node, tuple):
        return any(_reads_columns(item) for item in node)
    if isinstance(node, _Expr):
        return any(_reads_columns(value) for value in attrs.astuple(node, recurse=False))
    return False


# -- definitions ---------------------------------------------------------------------------------


def check_definition(
    expr: Node | None,
    table: Table,
    catalog: Catalog,
    *,
    validated: bool = True,
    no_inherit: bool = False,
) -> str | None:
    """A ``CHECK`` constraint of ``table`` as ``pg_get_constraintdef`` prints it, or None."""
    try:
        text = _show(_Analyzer(_Scope(table, catalog)).boolean(expr), False)
    except (_Unknown, KeyError):
        return None
    return (
        f"CHECK ({text})"
        + (" NO INHERIT" if no_inherit else "")
        + ("" if validated else " NOT VALID")
    )


#: the operator classes printed after an index expression (a default one is not printed)
_OPCLASSES = ("text_pattern_ops", "varchar_pattern_ops", "bpchar_pattern_ops")


def _index_key(elem: Node, analyzer: _Analyzer) -> str:
    """One key of an index: a column or an expression, and what follows it."""
    if elem.get("name"):
        column = analyzer.scope.column({"fields": [{"String": {"sval": elem["name"]}}]})
        text = quote_identifier(column.name)
    else:
        expr = analyzer.expr(elem.get("expr"))
        shown = _show(expr, False)
        if isinstance(expr, _Var):
            text = shown
        elif isinstance(expr, _Call | _Keyword | _Trim):
            text = shown  # looks_like_function: printed without parentheses of its own
        else:
            text = f"({shown})"
    collation = strings(elem.get("collation"))
    if collation:
        if len(collation) != 1:
            raise _Unknown("collation")
        text += " COLLATE " + quote_identifier(collation[0])
    opclass = strings(elem.get("opclass"))
    if opclass:
        if opclass[-1] not in _OPCLASSES or elem.get("opclassopts"):
            raise _Unknown("opclass")
        text += " " + opclass[-1]
    return text + key_order(elem)


def key_order(elem: Node) -> str:
    """`` DESC`` and ``NULLS FIRST/LAST`` of an index key, as ``pg_get_indexdef`` prints them:
    the NULLS placement only where it is not the direction's default (NULLS FIRST for DESC)."""
    text = ""
    descending = elem.get("ordering") == "SORTBY_DESC"
    if descending:
        text += " DESC"
    nulls = elem.get("nulls_ordering")
    if nulls == "SORTBY_NULLS_FIRST" and not descending:
        text += " NULLS FIRST"
    elif nulls == "SORTBY_NULLS_LAST" and descending:
        text += " NULLS LAST"
    return text


def index_head(name: str, table: tuple[str, str], unique: bool) -> str:
    """The start of ``pg_get_indexdef``: ``CREATE [UNIQUE] INDEX name ON schema.table``."""
    relation = f"{quote_identifier(table[0])}.{quote_identifier(table[1])}"
    return f"CREATE {'UNIQUE ' if unique else ''}INDEX {quote_identifier(name)} ON {relation}"


def index_definition(body: Node, name: str, table: Table, catalog: Catalog) -> str | None:
    """An ``IndexStmt`` with expressions or a ``WHERE`` as ``pg_get_indexdef`` prints it, or
    None (options this module does not print: storage parameters, NULLS NOT DISTINCT, ONLY …)."""
    relation: Node = body.get("relation") or {}
    relation = relation.get("RangeVar", relation)
    if (
        body.get("options")
        or body.get("tableSpace")
        or body.get("nulls_not_distinct")
        or not relation.get("inh")  # ONLY
        or table.kind != "table"
    ):
        return None
    analyzer = _Analyzer(_Scope(table, catalog))
    try:
        keys = [
            _index_key(p.get("IndexElem") or {}, analyzer) for p in body.get("indexParams") or []
        ]
        including = [
            quote_identifier(analyzer.scope.column({"fields": [{"String": {"sval": n}}]}).name)
            for n in (
                (p.get("IndexElem") or {}).get("name") or ""
                for p in body.get("indexIncludingParams") or []
            )
        ]
        where = body.get("whereClause")
        predicate = _show(analyzer.boolean(where), False) if where is not None else None
    except (_Unknown, KeyError):
        return None
    method = quote_identifier(body.get("accessMethod") or "btree")
    text = f"{index_head(name, table.key, bool(body.get('unique')))} USING {method}"
    text += f" ({', '.join(keys)})"
    if including:
        text += f" INCLUDE ({', '.join(including)})"
    if predicate is not None:
        text += f" WHERE {predicate}"
    return text


_WORD = r"(?<![\w$\"]){}(?![\w$\"])"


def mentions(definition: str, name: str) -> bool:
    """Whether a printed definition may name ``name`` (a column, a type): a cheap, safe test
    for forgetting definitions a rename or a type change would print otherwise."""
    return re.search(_WORD.format(re.escape(quote_identifier(name))), definition) is not None
