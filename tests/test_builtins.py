"""The built-in catalog: what rules ask of it, and proof that the shipped data is generated."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from pgmig_lsp.catalog import builtins_gen
from pgmig_lsp.catalog.builtins import (
    DATA_DIR,
    Builtins,
    Name,
    available_versions,
    builtins_for,
)
from pgmig_lsp.shadow.server import ThrowawayPostgres

SHIPPED = available_versions()

# (function name as a rule would pass it, argument count or None, volatility)
VOLATILITY_CASES = [
    ("now", 0, "s"),
    ("now", None, "s"),
    ("NOW", 0, "s"),
    ("pg_catalog.now", 0, "s"),
    ("statement_timestamp", 0, "s"),
    ("clock_timestamp", 0, "v"),
    ("random", 0, "v"),
    ("random", None, "v"),
    ("gen_random_uuid", 0, "v"),
    ("nextval", 1, "v"),
    ("setval", 2, "v"),
    ("lower", 1, "i"),
    ("upper", 1, "i"),
    ("length", 1, "i"),
    ("abs", 1, "i"),
    ("count", 1, "i"),
    ("concat", 3, "s"),  # VARIADIC "any": any number of arguments
    ("format", 1, "s"),
    ("make_interval", 0, "i"),  # seven arguments, all with defaults
    ("make_interval", 7, "i"),
    ("to_char", 2, "s"),
    ("txid_current", 0, "s"),
    ("information_schema._pg_expandarray", 1, "i"),
    (("pg_catalog", "now"), 0, "s"),  # pglast's FuncCall.funcname
    (("lower",), 1, "i"),
]

UNKNOWN_FUNCTIONS = [
    "no_such_function",
    "public.now",  # only pg_catalog holds the built-ins
    "myschema.lower",
    '"NOW"',  # a quoted identifier keeps its case
    "_pg_expandarray",  # information_schema is not on the search path
    "",
]

# (spelling, format_type spelling)
TYPE_CASES = [
    ("int", "integer"),
    ("integer", "integer"),
    ("INTEGER", "integer"),
    ("int4", "integer"),
    ("pg_catalog.int4", "integer"),
    (("pg_catalog", "int4"), "integer"),
    ("smallint", "smallint"),
    ("int2", "smallint"),
    ("bigint", "bigint"),
    ("int8", "bigint"),
    ("serial", "integer"),
    (["serial"], "integer"),
    ("bigserial", "bigint"),
    ("smallserial", "smallint"),
    ("pg_catalog.serial8", "bigint"),
    ("varchar", "character varying"),
    ("character varying", "character varying"),
    ("Character  Varying", "character varying"),
    ("national character varying", "character varying"),
    (("pg_catalog", "varchar"), "character varying"),
    ("char", "character"),
    ("character", "character"),
    ("bpchar", "character"),
    (("pg_catalog", "bpchar"), "character"),
    ('"char"', '"char"'),  # the one-byte internal type, not char(1)
    (["char"], '"char"'),  # pglast's name for a quoted "char"
    ("pg_catalog.char", '"char"'),
    ("text", "text"),
    (["text"], "text"),
    ("timestamptz", "timestamp with time zone"),
    ("timestamp with time zone", "timestamp with time zone"),
    (("pg_catalog", "timestamptz"), "timestamp with time zone"),
    (["timestamptz"], "timestamp with time zone"),
    ("timestamp", "timestamp without time zone"),
    ("timestamp without time zone", "timestamp without time zone"),
    ("timetz", "time with time zone"),
    ("time with time zone", "time with time zone"),
    ("double precision", "double precision"),
    ("float", "double precision"),
    ("float8", "double precision"),
    ("real", "real"),
    ("float4", "real"),
    ("decimal", "numeric"),
    ("numeric", "numeric"),
    ("bool", "boolean"),
    ("boolean", "boolean"),
    (["bool"], "boolean"),
    (("pg_catalog", "bool"), "boolean"),
    ("bit varying", "bit varying"),
    ("varbit", "bit varying"),
    ("uuid", "uuid"),
    (["uuid"], "uuid"),
    ("jsonb", "jsonb"),
    (["jsonb"], "jsonb"),
    ("json", "json"),
    ("bytea", "bytea"),
    ("interval", "interval"),
    ("inet", "inet"),
    ("information_schema.cardinal_number", "information_schema.cardinal_number"),
]

UNKNOWN_TYPES = [
    "no_such_type",
    "public.int4",
    "pg_catalog.integer",  # grammar spellings are not catalog names
    "int[]",  # arrays are the caller's to strip
    "_int4",
    "cardinal_number",  # information_schema is not on the search path
    '"INT4"',
    "",
]

# (source, target, binary-coercible)
COERCIBLE_CASES = [
    ("varchar", "text", True),
    ("character varying", "text", True),
    (("pg_catalog", "varchar"), ["text"], True),
    ("text", "varchar", True),
    ("text", "character varying", True),
    ("cidr", "inet", True),
    ("int4", "int4", True),
    ("int", "integer", True),
    ("timestamptz", "timestamp with time zone", True),
    ("my_enum", "my_enum", True),  # the same type, even one we do not know
    ("int4", "int8", False),
    ("int", "bigint", False),
    ("int2", "int4", False),
    ("text", "int4", False),
    ("timestamp", "timestamptz", False),
    ("char", "text", False),  # bpchar -> text trims: a function cast
    ("inet", "cidr", False),
    ("my_enum", "text", False),
]


@pytest.fixture(scope="module", params=SHIPPED, ids=[f"pg{v}" for v in SHIPPED])
def builtins(request: pytest.FixtureRequest) -> Builtins:
    return builtins_for(request.param)


@pytest.mark.parametrize(("name", "nargs", "expected"), VOLATILITY_CASES)
def test_function_volatility(
    builtins: Builtins, name: Name, nargs: int | None, expected: str
) -> None:
    assert builtins.has_function(name)
    assert builtins.function_volatility(name, nargs) == expected


@pytest.mark.parametrize("name", UNKNOWN_FUNCTIONS)
def test_unknown_function(builtins: Builtins, name: Name) -> None:
    assert not builtins.has_function(name)
    assert builtins.function_volatility(name) is None
    assert builtins.function_volatility(name, 0) is None


def test_overloads_are_kept_per_argument_count(builtins: Builtins) -> None:
    # to_timestamp(double precision) is immutable, to_timestamp(text, text) stable.
    assert builtins.function_volatility("to_timestamp", 1) == "i"
    assert builtins.function_volatility("to_timestamp", 2) == "s"
    assert builtins.function_volatility("to_timestamp") == "s"  # the conservative answer
    # An argument count no overload takes falls back to the conservative answer.
    assert builtins.function_volatility("to_timestamp", 5) == "s"
    assert {(o.min_args, o.volatility) for o in builtins.function_overloads("to_timestamp")} == {
        (1, "i"),
        (2, "s"),
    }


@pytest.mark.parametrize(("name", "canonical"), TYPE_CASES)
def test_type_spellings(builtins: Builtins, name: Name, canonical: str) -> None:
    assert builtins.has_type(name)
    assert builtins.canonical_type(name) == canonical


@pytest.mark.parametrize("name", UNKNOWN_TYPES)
def test_unknown_type(builtins: Builtins, name: Name) -> None:
    assert not builtins.has_type(name)
    assert builtins.canonical_type(name) is None
    assert builtins.type_category(name) is None


def test_type_category(builtins: Builtins) -> None:
    assert builtins.type_category("integer") == "N"
    assert builtins.type_category("varchar") == "S"
    assert builtins.type_category("timestamptz") == "D"
    assert builtins.type_category("bool") == "B"


@pytest.mark.parametrize(("source", "target", "expected"), COERCIBLE_CASES)
def test_binary_coercible(builtins: Builtins, source: Name, target: Name, expected: bool) -> None:
    assert builtins.binary_coercible(source, target) is expected


@pytest.mark.parametrize(
    ("asked", "expected"),
    [
        (SHIPPED[0], SHIPPED[0]),
        (SHIPPED[-1], SHIPPED[-1]),
        (SHIPPED[0] - 3, SHIPPED[0]),  # older than any data: the nearest higher
        (SHIPPED[-1] + 5, SHIPPED[-1]),  # newer than any data: the nearest lower
        (SHIPPED[0] * 10000 + 4, SHIPPED[0]),  # a server_version_num
    ],
)
def test_version_fallback(asked: int, expected: int) -> None:
    assert builtins_for(asked).major == expected


def test_every_major_from_15_on_picks_a_shipped_file() -> None:
    for major in range(10, 25):
        chosen = builtins_for(major).major
        assert chosen in SHIPPED
        lower = [v for v in SHIPPED if v <= major]
        assert chosen == (lower[-1] if lower else SHIPPED[0])
    assert builtins_for(16) is builtins_for(160004)  # cached, one load per file


def test_shipped_files_are_small_and_named_after_their_server() -> None:
    assert 15 in SHIPPED
    for major in SHIPPED:
        path = DATA_DIR / f"pg{major}.json"
        assert path.stat().st_size < 300_000
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["server_version_num"] // 10000 == major
        assert data["server_version"].startswith(f"{major}.")


def test_import_loads_nothing() -> None:
    code = (
        "import sys\n"
        "import pgmig_lsp.catalog.builtins as b\n"
        "assert 'psycopg' not in sys.modules\n"
        "assert b._load.cache_info().currsize == 0\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_shipped_data_is_what_a_real_server_generates(
    postgres: ThrowawayPostgres, database_dsn: str
) -> None:
    if postgres.binaries.major not in SHIPPED:
        pytest.skip(f"no shipped data for PostgreSQL {postgres.binaries.major}")

    generated = builtins_gen.generate(database_dsn)

    shipped_path = builtins_gen.default_out(generated)
    shipped_text = shipped_path.read_text(encoding="utf-8")
    if generated["server_version"] == json.loads(shipped_text)["server_version"]:
        assert builtins_gen.dumps(generated) == shipped_text
    else:
        # Another minor release of the same major: the catalog must still be the same.
        shipped = json.loads(shipped_text)
        for key in ("server_version", "server_version_num"):
            del shipped[key], generated[key]
        assert generated == shipped
