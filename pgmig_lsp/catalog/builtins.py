"""PostgreSQL's built-in functions, types and binary-coercible casts, per major version.

The data in ``builtins/pg<major>.json`` is dumped from real servers by
:mod:`pgmig_lsp.catalog.builtins_gen`; nothing here is typed by hand. Files are read on first
use and cached, so importing this module costs nothing.

Names are accepted two ways:

- as SQL text (``"integer"``, ``"pg_catalog.int4"``, ``"timestamp with time zone"``,
  ``'"char"'``): unquoted words fold to lower case and the grammar's spellings apply;
- as identifier parts, already folded, as pglast gives them (``("pg_catalog", "int4")``,
  ``["text"]``, ``["serial"]``).

Type names come without typmods or array brackets: ``varchar``, not ``varchar(20)`` or
``varchar[]``.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

#: The layout of the JSON files this loader reads (see ``builtins_gen``).
FORMAT = 1

DATA_DIR = Path(__file__).with_name("builtins")

#: A name as SQL text, or as identifier parts that are already folded.
Name = str | Sequence[str]

#: Volatility codes of pg_proc.provolatile, least volatile first.
_VOLATILITY_RANK = {"i": 0, "s": 1, "v": 2}

_FILE_NAME = re.compile(r"pg(\d+)\.json")

# PostgreSQL folds only ASCII letters of unquoted identifiers (downcase_identifier in UTF-8).
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class Overload(NamedTuple):
    """How many arguments one built-in overload takes, and its volatility."""

    min_args: int
    """Arguments without a default."""
    max_args: int | None
    """All declared arguments; None when the last one is VARIADIC."""
    volatility: str
    """'i' (immutable), 's' (stable) or 'v' (volatile)."""

    def accepts(self, nargs: int) -> bool:
        """Whether a call with `nargs` arguments can reach this overload."""
        return self.min_args <= nargs and (self.max_args is None or nargs <= self.max_args)


class Builtins:
    """What one PostgreSQL major version ships: functions, types, binary-coercible casts."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        if data.get("format") != FORMAT:
            raise ValueError(f"built-in catalog format {data.get('format')!r}, expected {FORMAT}")
        self.server_version: str = data["server_version"]
        """The server the data was dumped from, as `SHOW server_version` gave it."""
        self.server_version_num: int = data["server_version_num"]
        self.major: int = self.server_version_num // 10000
        self._functions: dict[str, list[list[Any]]] = data["functions"]
        # typname -> [format_type spelling, typcategory, typtype]
        self._types: dict[str, list[str]] = data["types"]
        self._aliases: dict[str, str] = data["aliases"]
        self._serials: dict[str, str] = data["serial_aliases"]
        self._binary_casts = frozenset(
            (source, target) for source, target, _ in data["binary_casts"]
        )

    def __repr__(self) -> str:
        return f"Builtins(PostgreSQL {self.server_version})"

    # Functions

    def function_overloads(self, name: Name) -> tuple[Overload, ...]:
        """Every overload of a built-in function; empty if there is no such function."""
        key = _function_key(name)
        raw = self._functions.get(key) if key is not None else None
        if raw is None:
            return ()
        return tuple(
            Overload(min_args, max_args, volatility) for min_args, max_args, volatility in raw
        )

    def has_function(self, name: Name) -> bool:
        """Whether `name` is a built-in function (pg_catalog, or information_schema-qualified)."""
        key = _function_key(name)
        return key is not None and key in self._functions

    def function_volatility(self, name: Name, nargs: int | None = None) -> str | None:
        """'i', 's' or 'v' for a built-in function; None if it is not built in.

        Overloads can differ, so the answer is the most volatile among those a call with `nargs`
        arguments can reach; without `nargs`, or when no overload takes that many, among all.
        """
        overloads = self.function_overloads(name)
        if not overloads:
            return None
        if nargs is not None:
            overloads = tuple(o for o in overloads if o.accepts(nargs)) or overloads
        return max((o.volatility for o in overloads), key=_VOLATILITY_RANK.__getitem__)

    # Types

    def has_type(self, name: Name) -> bool:
        """Whether `name` is a built-in type, in any spelling the grammar accepts (or serial)."""
        return self._typname(name) is not None

    def type_name(self, name: Name) -> str | None:
        """The pg_type name of a built-in type ('integer' -> 'int4'); None if not built in."""
        return self._typname(name)

    def canonical_type(self, name: Name) -> str | None:
        """The type's `format_type` spelling ('int4' -> 'integer'); None if not built in."""
        typname = self._typname(name)
        return self._types[typname][0] if typname is not None else None

    def type_category(self, name: Name) -> str | None:
        """pg_type.typcategory of a built-in type ('N' numeric, 'S' string, ...); else None."""
        typname = self._typname(name)
        return self._types[typname][1] if typname is not None else None

    def binary_coercible(self, source: Name, target: Name) -> bool:
        """Whether a value of `source` converts to `target` without a function (pg_cast 'b').

        A type is coercible to itself, built in or not.
        """
        source_typname = self._typname(source)
        target_typname = self._typname(target)
        if source_typname is None or target_typname is None:
            return _parts(source)[0] == _parts(target)[0]
        return source_typname == target_typname or (
            (source_typname, target_typname) in self._binary_casts
        )

    def _typname(self, name: Name) -> str | None:
        """The pg_type key of a built-in type, whatever the spelling; None if not built in."""
        parts, sql_words = _parts(name)
        if not parts:
            return None
        schema, obj = (parts[-2] if len(parts) > 1 else None), parts[-1]
        if schema is None:
            # Unquoted SQL words take the grammar's meaning first: `char` is bpchar, while the
            # identifier "char" (quoted, or as pglast reports it) is the one-byte internal type.
            if sql_words and obj in self._aliases:
                return self._aliases[obj]
            if obj in self._types:
                return obj
            return self._aliases.get(obj) or self._serials.get(obj)
        if schema == "pg_catalog":
            # CREATE TABLE accepts pg_catalog.serial too (transformColumnDefinition).
            return obj if obj in self._types else self._serials.get(obj)
        if schema == "information_schema":
            key = f"{schema}.{obj}"
            return key if key in self._types else None
        return None


def _parts(name: Name) -> tuple[tuple[str, ...], bool]:
    """Split a name into identifiers; also say whether its last part was unquoted SQL words."""
    if not isinstance(name, str):
        return tuple(name), False
    parts: list[str] = []
    current: list[str] = []
    quoted_part = False
    index = 0
    while index < len(name):
        char = name[index]
        if char == '"':
            end = index + 1
            while True:
                end = name.find('"', end)
                if end == -1:
                    end = len(name)
                    break
                if name.startswith('""', end):
                    end += 2
                    continue
                break
            current.append(name[index + 1 : end].replace('""', '"'))
            quoted_part = True
            index = end + 1
        elif char == ".":
            parts.append("".join(current))
            current, quoted_part = [], False
            index += 1
        else:
            end = min(
                (i for i in (name.find('"', index), name.find(".", index)) if i != -1),
                default=len(name),
            )
            words = " ".join(name[index:end].split()).translate(_ASCII_LOWER)
            if words:
                current.append(words)
            index = end
    parts.append("".join(current))
    return tuple(parts), not quoted_part


def _function_key(name: Name) -> str | None:
    parts, _ = _parts(name)
    if not parts or not parts[-1]:
        return None
    if len(parts) == 1 or parts[-2] == "pg_catalog":
        return parts[-1]
    if parts[-2] == "information_schema":
        return f"information_schema.{parts[-1]}"
    return None


@functools.lru_cache(maxsize=1)
def available_versions() -> tuple[int, ...]:
    """The PostgreSQL major versions with shipped data, ascending."""
    majors = (_FILE_NAME.fullmatch(path.name) for path in DATA_DIR.iterdir())
    return tuple(sorted(int(match.group(1)) for match in majors if match))


@functools.lru_cache(maxsize=16)
def _load(major: int) -> Builtins:
    path = DATA_DIR / f"pg{major}.json"
    return Builtins(json.loads(path.read_text(encoding="utf-8")))


def builtins_for(pg_version: int) -> Builtins:
    """The built-ins of a PostgreSQL major version (15), or of a server_version_num (150004).

    Without data for that major, the nearest lower one that has data is used, else the nearest
    higher one.
    """
    major = pg_version // 10000 if pg_version >= 10000 else pg_version
    versions = available_versions()
    if not versions:
        raise LookupError(f"no built-in catalog data in {DATA_DIR}")
    lower = [v for v in versions if v <= major]
    return _load(lower[-1] if lower else versions[0])
