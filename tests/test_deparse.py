"""CHECK constraints and index definitions: the replay prints them as a real PostgreSQL does.

Every case runs on the test server (``pg_get_constraintdef`` / ``pg_get_indexdef``) and in the
replay; the two must print the same text. Cases the replay does not know how to print must give
None (unknown), never another text.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from pgmig_lsp.catalog.deparse import mentions
from pgmig_lsp.catalog.model import Catalog, Origin
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.shadow.server import ThrowawayPostgres
from pgmig_lsp.sql.parse import parse_sql

SETUP = """
CREATE TYPE mood AS ENUM ('ok', 'sad');
CREATE SCHEMA app;
CREATE FUNCTION my_function(int) RETURNS boolean LANGUAGE sql IMMUTABLE AS 'SELECT true';
CREATE TYPE app.level AS ENUM ('lo', 'hi');
CREATE TABLE t (
  i int, s smallint, b bigint, n numeric, n2 numeric(10,2), r real, d double precision,
  tx text, vc varchar(20), vc2 varchar, c char(3), bo boolean, m mood, lv app.level,
  dt date, ts timestamp, tstz timestamptz, u uuid, j jsonb, ia int[], ta text[],
  iv interval, js json, "Odd" text, "select" int, inet_col inet
);
"""

#: CHECK expressions on ``t`` the replay prints exactly
CHECKS = [
    "i > 0",
    "i > -1",
    "i > - i",
    "i > +1",
    "-i < 0",
    "0 < i",
    "i <> 0",
    "i != 0",
    "n > 0",
    "n > -1",
    "n > 1.5",
    "n > -1.5",
    "n >= 0.0",
    "n > 00.50",
    "n > 5.",
    "n > .5",
    "n = 0.0",
    "n2 > 0",
    "n > 3000000000",
    "n = 123456789012345678901234567890",
    "d > 0",
    "d > 1.5",
    "r > 0",
    "r > 1.5",
    "r > i",
    "i > r",
    "n > d",
    "d > n",
    "b > 0",
    "b > -5",
    "b > 3000000000",
    "b = 9223372036854775807",
    "i > 3000000000",
    "i = 2147483647",
    "i = -2147483648",
    "s > 0",
    "s > -5",
    "i > b",
    "i > 0.5",
    "n > i",
    "i + s > b",
    "i * 2 > n",
    "i / 2 > 1",
    "i % 2 = 0",
    "s % 2 = 0",
    "b % 2 = 0",
    "n % 2 = 0",
    "i % s = 0",
    "s + s > 0",
    "s * 2 > 0",
    "(i + s) * 2 > 0",
    "i - s - b > 0",
    "i - (s - b) > 0",
    "abs(i) < 10",
    "abs(n) < 1",
    "abs(s) < 1",
    "i > '5'",
    "s > '5'",
    "b > '5'",
    "n > '5'",
    "n > '-2.50'",
    "d > '5'",
    "r > '5.5'",
    "tx = 'x'",
    "tx <> 'x'",
    "tx != 'x'",
    "'x' = tx",
    "tx = 'it''s'",
    "tx = E'a\\nb'",
    "tx = 'back\\slash'",
    "tx = NULL",
    "vc = 'x'",
    "vc <> 'x'",
    "vc2 = 'x'",
    "vc = tx",
    "vc = vc2",
    "c = 'x'",
    "c = tx",
    "c = vc",
    "m = 'ok'",
    "m <> 'sad'",
    "lv = 'hi'",
    "m IN ('ok', 'sad')",
    "lv IN ('lo', 'hi')",
    "tx IN ('a', 'b')",
    "tx IN ('a', NULL)",
    "vc IN ('a', 'b')",
    "c IN ('a', 'b')",
    "i IN (1, 2, 3)",
    "i IN (-1, 2)",
    "i IN (1, 2.5)",
    "n IN (1, 2)",
    "i IN (1)",
    "i NOT IN (1, 2)",
    "tx NOT IN ('a', 'b')",
    "tx NOT IN ('a')",
    "i = ANY (ARRAY[1, 2])",
    "tx = ANY (ARRAY['a', 'b'])",
    "i BETWEEN 1 AND 10",
    "i NOT BETWEEN 1 AND 10",
    "n BETWEEN 0 AND 100",
    "length(vc) BETWEEN 1 AND 10",
    "char_length(tx) BETWEEN 1 AND 10",
    "i IS NOT NULL",
    "i IS NULL",
    "inet_col IS NOT NULL",
    "u IS NOT NULL",
    "ta IS NOT NULL",
    "NOT (i > 0)",
    "NOT bo",
    "bo",
    "bo = true",
    "bo = 't'",
    "bo IS TRUE",
    "bo IS NOT FALSE",
    "bo IS UNKNOWN",
    "tx <> '' IS TRUE",
    "true",
    "1 = 1",
    "i > 0 AND s > 0 AND b > 0",
    "(i > 0 AND s > 0) AND b > 0",
    "i > 0 OR s > 0 AND b > 0",
    "i > 0 AND (s > 0 OR b > 0)",
    "NOT (i > 0 AND s > 0)",
    "(i > 0) = (s > 0)",
    "i <= 10 and i >= 0",
    "(i) > (0)",
    "((i > 0))",
    "n IS NOT NULL AND n >= 0",
    "tx = 'a' OR tx = 'b'",
    "t.i > 0",
    "public.t.i > 0",
    "i IS DISTINCT FROM s",
    "i IS NOT DISTINCT FROM 1",
    "lower(tx) = tx",
    "lower(vc) = 'x'",
    "upper(vc) = vc",
    "upper(tx) = tx",
    "lower(tx) <> upper(tx)",
    "lower(c) = 'x'",
    "pg_catalog.lower(tx) = 'x'",
    "char_length(vc) > 0",
    "char_length(tx) <= 100",
    "char_length(c) < 10",
    "character_length(tx) > 0",
    "length(vc) < 10",
    "length(tx) < 10",
    "length(c) < 10",
    "octet_length(tx) < 10",
    "btrim(tx) <> ''",
    "ltrim(tx) = tx",
    "trim(tx) <> ''",
    "trim(both 'x' from tx) <> ''",
    "trim(leading from tx) <> ''",
    "length(trim(vc)) > 0",
    "length(trim(tx)) > 0",
    "coalesce(i, 0) > 0",
    "coalesce(n, 0) > 0",
    "coalesce(tx, 'x') <> ''",
    "coalesce(i, s) > 0",
    "coalesce(s, i) > 0",
    "coalesce(tx, vc) <> ''",
    "coalesce(vc, '') <> ''",
    "greatest(i, s) > 0",
    "least(n, 1) > 0",
    "num_nonnulls(i, s) = 1",
    "num_nulls(i, tx) <= 1",
    "ts <= now()",
    "tstz <= now()",
    "dt <= now()",
    "dt <= current_date",
    "tstz > CURRENT_TIMESTAMP",
    "ts <= localtimestamp",
    "dt > current_date - 30",
    "ts < tstz",
    "dt < ts",
    "tstz - tstz > iv",
    "vc ~* '^[^@]+@[^@]+$'",
    "tx ~ '^a'",
    "tx !~ '^a'",
    "vc LIKE 'a%'",
    "tx ILIKE 'a%'",
    "tx NOT LIKE 'a%'",
    "tx NOT ILIKE 'a%'",
    "tx ~ '^[a-z]+$' AND length(tx) < 5",
    "tx || 'a' <> ''",
    "vc || 'a' <> ''",
    "tx || vc <> ''",
    "i::text <> ''",
    "n::int > 0",
    "vc::text = tx",
    "tx::varchar(5) = vc",
    "cast(i as bigint) > 0",
    "i::bigint > 0",
    "i::int > 0",
    "tx::text <> ''",
    "vc::varchar <> ''",
    "5::numeric > 0",
    "b > 0::bigint",
    "'5'::int > i",
    "'x'::text = tx",
    "'x'::varchar = vc",
    "lower(m::text) = 'ok'",
    "m = 'ok'::mood",
    "bo::int = 1",
    "u <> '00000000-0000-0000-0000-000000000000'",
    "u <> '{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}'",
    "j ? 'a'",
    "j ->> 'a' <> ''",
    "(j -> 'a') IS NOT NULL",
    "jsonb_typeof(j) = 'object'",
    "ia @> ARRAY[1]",
    "array_length(ia, 1) > 0",
    "cardinality(ia) > 0",
    "ia IS NULL OR cardinality(ia) > 0",
    "\"Odd\" <> ''",
    '"select" > 0',
    "date_trunc('day', ts) = ts",
    "s > 1.5",
    "r + 1 > 0",
    "r * r > 0",
    "n * 1.5 > d",
    "i + 1.5 > 0",
    "b / 2.0 > 1",
    "ts + iv > now()",
    "dt - dt > 5",
    "dt + 1 > current_date",
    "m > 'ok'",
    "tx >= vc",
    "c || 'x' <> ''",
    "tx || 'x' || vc <> ''",
    "vc = ANY (ARRAY['a', 'b'])",
    "i = ANY (ia)",
    "n = ANY (ARRAY[1, 2])",
    "s IN (1, 2)",
    "b IN (1, 2)",
    "i IN ('1', '2')",
    "lower(tx) IN ('a', 'b')",
    "coalesce(i, 0) BETWEEN 0 AND 5",
    "length(tx) > 0 AND length(tx) < 100",
    "NOT (tx IS NULL)",
    "bo AND i > 0",
    "bo IS NOT NULL",
    "bo <> false",
    "greatest(i, 1.5) > 0",
    "coalesce(n2, 0) > 0",
    "tstz < now() + iv",
    "date_trunc('day', tstz) = tstz",
    "vc = upper(vc)",
    "c = upper(c)",
    "tx = c",
    "vc2 = c",
    "char_length(vc) = length(tx)",
    "octet_length(c) > 0",
    "abs(r) < 1",
    "-n < 0",
    "i > -(1)",
    "+i > 0",
    "j ->> 0 = 'x'",
    "js ->> 'a' = 'x'",
    "json_typeof(js) = 'object'",
    "jsonb_array_length(j) > 0",
    "now() > tstz",
    "current_date + 1 > dt",
    "tx::int > 0",
    "i::numeric(10,2) > 0",
    "tx::mood = 'ok'",
    "u::text <> ''",
    "i::bool",
    "bo::text = 'true'",
    "(i + s)::text <> ''",
    "lower(tx)::varchar(3) <> ''",
    "vc::varchar(20) <> ''",
    "n2::numeric > 0",
    "c::bpchar = 'x'",
    "s::smallint > 0",
    "m IN ('ok')",
    "i IN (1, NULL)",
    "tx IN ('a', 'b', 'c') OR tx IS NULL",
    "'x' || c <> ''",
    "'x' || vc <> ''",
    "vc::varchar(10) <> ''",
    "n2::numeric(10,2) > 0",
    "n2::numeric(5,1) > 0",
    "n::numeric(5,1) > 0",
]

#: valid CHECK expressions the replay does not print (it says so: None)
UNKNOWN_CHECKS = [
    "CASE WHEN i > 0 THEN true ELSE false END",
    "tx SIMILAR TO 'a%'",
    "extract(year from dt) > 2000",
    "date_part('year', dt) > 2000",
    "substring(tx from 1 for 2) = 'ab'",
    "position('a' in tx) > 0",
    "tx > 'a' COLLATE \"C\"",
    "nullif(i, 0) > 1",
    "i > 1e3",
    "ts > '2020-01-01'",
    "dt > '2020-01-01'",
    "tstz > now() - interval '1 day'",
    "iv > '1 day'",
    "j @> '{}'",
    "i IN (s, 1)",
    "i BETWEEN SYMMETRIC 1 AND 10",
    "inet_col <> '127.0.0.1'",
    "my_function(i)",
    "i OPERATOR(pg_catalog.>) 0",
    "ia = '{1,2}'",
]

#: index definitions (after ``CREATE INDEX name ON t``) the replay prints exactly
INDEXES = [
    "(lower(vc))",
    "(lower(tx))",
    "(upper(vc) DESC)",
    "(lower(tx) text_pattern_ops)",
    '(lower(tx) COLLATE "C")',
    "((i + s))",
    "((i + 1) DESC NULLS LAST)",
    "((i + 1) NULLS FIRST)",
    "(i, lower(vc))",
    "(lower(vc)) INCLUDE (i)",
    "(i) WHERE i > 0",
    "(i) WHERE bo",
    "(i) WHERE NOT bo",
    "(i) WHERE i > 0 AND tx IS NOT NULL",
    "(tx) WHERE m = 'ok'",
    "(tx) WHERE vc IN ('a', 'b')",
    "(i DESC, tx) WHERE i IS NOT NULL OR s IS NOT NULL",
    "(i) INCLUDE (tx, s) WHERE tstz IS NULL",
    "USING hash (lower(tx))",
    "(coalesce(i, 0))",
    "((tx || vc))",
    "((j->>'a'))",
    "((i::text))",
    "((i))",
    "(date_trunc('day', ts))",
    "((lower(tx)))",
    "((trim(tx)))",
    '(lower("Odd"))',
    "(lower(tx) DESC NULLS FIRST)",
    "(tx text_pattern_ops, lower(tx))",
    "(i) WHERE NOT (bo IS NULL)",
    "((tx || 'x'))",
    "(m) WHERE m IN ('ok')",
    "(i) WHERE i IN (1, 2)",
    "(abs(i), (i + 1), lower(tx))",
    '(tx) WHERE "select" > 0',
]

#: valid index definitions the replay does not print
UNKNOWN_INDEXES = [
    "(i) WHERE ts > '2020-01-01'",
    "(i) WITH (fillfactor = 70) WHERE i > 0",
    "(lower(tx) varchar_ops)",
    "USING gin (to_tsvector('english', tx))",
    "(i) WHERE CASE WHEN i > 0 THEN true ELSE false END",
    "((i * 1e3))",
]


def _statements() -> list[tuple[str, str, str]]:
    """(kind, name, statement) per case."""
    out = []
    for number, expr in enumerate([*CHECKS, *UNKNOWN_CHECKS]):
        out.append(("c", f"c{number}", f"ALTER TABLE t ADD CONSTRAINT c{number} CHECK ({expr});"))
    for number, tail in enumerate([*INDEXES, *UNKNOWN_INDEXES]):
        out.append(("i", f"i{number}", f"CREATE INDEX i{number} ON t {tail};"))
    return out


def replayed(sql: str) -> Catalog:
    catalog = Catalog()
    replay = Replay(catalog, "m.sql")
    for statement in parse_sql(sql).statements:
        replay.apply(statement, Origin(Path("m.sql"), statement.span, "m.sql"), sql)
    return catalog


def _replayed_definition(catalog: Catalog, kind: str, name: str) -> str | None:
    if kind == "c":
        return catalog.tables[("public", "t")].constraints[name].definition
    return catalog.indexes[("public", name)].definition


def _server_definitions(dsn: str, sql: str, names: list[tuple[str, str]]) -> dict[str, str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.encode())
        conn.execute("SET search_path = public")
        out = {}
        for kind, name in names:
            query = (
                "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = %s"
                if kind == "c"
                else "SELECT pg_get_indexdef(%s::regclass)"
            )
            row = conn.execute(query, [name]).fetchone()
            assert row is not None
            out[name] = row[0]
    return out


@pytest.fixture(scope="module")
def printed(postgres: ThrowawayPostgres) -> dict[str, tuple[str | None, str]]:
    """Per case name: (what the replay prints, what PostgreSQL prints)."""
    statements = _statements()
    sql = SETUP + "\n".join(statement for _, _, statement in statements)
    dsn = postgres.create_database("deparse")
    try:
        server = _server_definitions(dsn, sql, [(kind, name) for kind, name, _ in statements])
    finally:
        postgres.drop_database("deparse")
    catalog = replayed(sql)
    return {
        name: (_replayed_definition(catalog, kind, name), server[name])
        for kind, name, _ in statements
    }


def _name(kind: str, case: str) -> str:
    cases = [*CHECKS, *UNKNOWN_CHECKS] if kind == "c" else [*INDEXES, *UNKNOWN_INDEXES]
    return f"{kind}{cases.index(case)}"


@pytest.mark.parametrize("expr", CHECKS)
def test_check_is_printed_as_pg_get_constraintdef(
    printed: dict[str, tuple[str | None, str]], expr: str
) -> None:
    mine, server = printed[_name("c", expr)]
    assert mine == server


@pytest.mark.parametrize("tail", INDEXES)
def test_index_is_printed_as_pg_get_indexdef(
    printed: dict[str, tuple[str | None, str]], tail: str
) -> None:
    mine, server = printed[_name("i", tail)]
    assert mine == server


@pytest.mark.parametrize("expr", UNKNOWN_CHECKS)
def test_check_not_known_is_none(printed: dict[str, tuple[str | None, str]], expr: str) -> None:
    mine, server = printed[_name("c", expr)]
    assert server.startswith("CHECK (")
    assert mine is None


@pytest.mark.parametrize("tail", UNKNOWN_INDEXES)
def test_index_not_known_is_none(printed: dict[str, tuple[str | None, str]], tail: str) -> None:
    mine, server = printed[_name("i", tail)]
    assert server.startswith("CREATE INDEX")
    assert mine is None


#: changes after the definitions were printed; what the replay still prints must be right
CHANGES = """
CREATE TABLE k (id int, a int, vc varchar(10), m mood, w text,
  CONSTRAINT k_a CHECK (a > 0), CONSTRAINT k_vc CHECK (vc <> ''),
  CONSTRAINT k_m CHECK (m <> 'sad'), CONSTRAINT k_w CHECK (w <> 'x'));
ALTER TABLE k ADD CONSTRAINT k_later CHECK (id < 100) NOT VALID;
ALTER TABLE k ADD CONSTRAINT k_valid CHECK (id < 1000) NOT VALID;
ALTER TABLE k VALIDATE CONSTRAINT k_valid;
ALTER TABLE k ADD CONSTRAINT k_no_inherit CHECK (id <> 5) NO INHERIT;
CREATE INDEX k_lower ON k (lower(vc));
CREATE INDEX k_partial ON k (id) WHERE a > 0;
CREATE INDEX k_renamed ON k (lower(w));
CREATE UNIQUE INDEX k_unique ON k (lower(w)) WHERE w IS NOT NULL;
ALTER TABLE k RENAME COLUMN a TO a2;
ALTER TABLE k ALTER COLUMN vc TYPE text;
ALTER INDEX k_renamed RENAME TO k_lower_w;
ALTER TABLE k RENAME TO k2;
ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
"""


def test_definitions_follow_renames_and_type_changes(postgres: ThrowawayPostgres) -> None:
    sql = SETUP + CHANGES
    catalog = replayed(sql)
    table = catalog.tables[("public", "k2")]
    mine = {name: c.definition for name, c in table.constraints.items()}
    indexes = {i.name: i.definition for i in catalog.indexes_on(table.key)}
    mine.update(indexes)
    dsn = postgres.create_database("deparse_changes")
    try:
        kinds = [("i" if name in indexes else "c", name) for name in mine]
        server = _server_definitions(dsn, sql, kinds)
    finally:
        postgres.drop_database("deparse_changes")
    known = {name: text for name, text in mine.items() if text is not None}
    assert known == {name: server[name] for name in known}
    # what a change may have reprinted is forgotten; the rest is still known
    assert set(known) == {"k_w", "k_later", "k_valid", "k_no_inherit", "k_lower_w", "k_unique"}


@pytest.mark.parametrize(
    ("definition", "name", "found"),
    [
        ("CHECK ((a > 0))", "a", True),
        ("CHECK ((ab > 0))", "a", False),
        ("CHECK ((b_a > 0))", "a", False),
        ('CHECK (("Odd" > 0))', "Odd", True),
        ("CHECK ((m <> 'x'::mood))", "mood", True),
    ],
)
def test_mentions_finds_a_name_as_printed(definition: str, name: str, found: bool) -> None:
    assert mentions(definition, name) is found


QUOTED = """
CREATE TABLE app."Weird T" (x int, lv app.level, "Mixed" text);
CREATE INDEX "Odd Idx" ON app."Weird T" (abs(x)) WHERE lv = 'hi';
CREATE UNIQUE INDEX plain_idx ON app."Weird T" (lower("Mixed"));
ALTER TABLE app."Weird T" ADD CONSTRAINT w CHECK (lv <> 'lo' AND "Mixed" <> '');
ALTER INDEX app."Odd Idx" RENAME TO "Odd Idx2";
ALTER TABLE app."Weird T" RENAME TO "Weird U";
"""


def test_quoted_names_and_other_schemas(postgres: ThrowawayPostgres) -> None:
    sql = SETUP + QUOTED
    catalog = replayed(sql)
    key = ("app", "Weird U")
    mine = {"w": catalog.tables[key].constraints["w"].definition}
    indexes = {i.name: i.definition for i in catalog.indexes_on(key)}
    dsn = postgres.create_database("deparse_quoted")
    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.encode())
            conn.execute("SET search_path = public")
            server = {
                name: definition
                for name, definition in conn.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conname = 'w'"
                    " UNION ALL SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid)"
                    " FROM pg_index WHERE indrelid = 'app.\"Weird U\"'::regclass"
                ).fetchall()
            }
    finally:
        postgres.drop_database("deparse_quoted")
    assert mine["w"] == server["w"]
    assert indexes == {
        "Odd Idx2": server['app."Odd Idx2"'],
        "plain_idx": server["app.plain_idx"],
    }
