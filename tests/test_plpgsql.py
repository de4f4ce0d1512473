"""Statements inside function bodies and DO blocks: kinds, exact spans, locations, laziness."""

from __future__ import annotations

import pytest
from pglast import parser as pg

from pgmig_lsp.sql import plpgsql
from pgmig_lsp.sql.nodes import walk
from pgmig_lsp.sql.parse import Statement, parse_sql
from pgmig_lsp.sql.plpgsql import function_language, function_statements

NON_ASCII = "-- ünïcödé 日本語 before the function\n"


def _statements(text: str) -> list[Statement]:
    parsed = parse_sql(text)
    assert not parsed.errors
    return parsed.statements


def _only(text: str) -> tuple[Statement, list[Statement]]:
    statements = _statements(text)
    assert len(statements) == 1
    return statements[0], function_statements(statements[0], text)


def _texts(text: str, nested: list[Statement]) -> list[str]:
    return [text[s.span.start : s.span.end] for s in nested]


def _relation_texts(text: str, statement: Statement) -> list[str]:
    """The text at each relation's location, as the statement maps it into the file."""
    found = []
    for kind, node in walk(statement.node):
        if kind == "RangeVar":
            start = statement.at(node["location"])
            found.append(text[start : start + len(node["relname"])])
    relation = statement.body.get("relation")
    if relation:
        start = statement.at(relation["location"])
        found.append(text[start : start + len(relation["relname"])])
    return found


PLPGSQL = (
    NON_ASCII
    + """CREATE OR REPLACE FUNCTION refresh_all(p_id int) RETURNS void AS $body$
DECLARE
  n int := (SELECT 1);
  r record;
  cur CURSOR FOR SELECT id FROM ünïcode_tab;
BEGIN
  -- 日本語 in a comment
  REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales_summary;
  PERFORM pg_notify('chan', 'ü');
  IF p_id > 0 THEN
    INSERT INTO events VALUES ('ü', p_id);
  ELSE
    UPDATE events SET note = 'é' WHERE id = p_id RETURNING id INTO n;
  END IF;
  FOR r IN SELECT * FROM events LOOP DELETE FROM events WHERE id = r.id; END LOOP;
  SELECT 'ü' INTO STRICT n FROM events;
  EXECUTE 'DROP TABLE not_a_statement_here';
EXCEPTION WHEN others THEN
  CREATE INDEX ON events (id);
END;
$body$ LANGUAGE plpgsql;"""
)


def test_plpgsql_statements_in_order_with_exact_spans() -> None:
    outer, nested = _only(PLPGSQL)
    assert [s.kind for s in nested] == [
        "SelectStmt",
        "RefreshMatViewStmt",
        "SelectStmt",
        "InsertStmt",
        "UpdateStmt",
        "SelectStmt",
        "DeleteStmt",
        "SelectStmt",
        "IndexStmt",
    ]
    assert _texts(PLPGSQL, nested) == [
        "SELECT id FROM ünïcode_tab",
        "REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales_summary",
        "PERFORM pg_notify('chan', 'ü')",
        "INSERT INTO events VALUES ('ü', p_id)",
        "UPDATE events SET note = 'é' WHERE id = p_id RETURNING id INTO n",
        "SELECT * FROM events",
        "DELETE FROM events WHERE id = r.id",
        "SELECT 'ü' INTO STRICT n FROM events",
        "CREATE INDEX ON events (id)",
    ]
    for statement in nested:
        assert statement.in_function
        assert statement.in_transaction
        assert outer.span.start < statement.span.start < statement.span.end < outer.span.end


def test_locations_inside_the_body_map_to_the_file() -> None:
    _, nested = _only(PLPGSQL)
    by_kind = {s.kind: s for s in nested}
    assert _relation_texts(PLPGSQL, nested[0]) == ["ünïcode_tab"]
    assert _relation_texts(PLPGSQL, by_kind["RefreshMatViewStmt"]) == ["daily_sales_summary"]
    assert _relation_texts(PLPGSQL, by_kind["UpdateStmt"]) == ["events"]
    # a constant after non-ASCII text in the same statement
    update = by_kind["UpdateStmt"]
    const = next(node for kind, node in walk(update.node) if kind == "A_Const")
    start = update.at(const["location"])
    assert PLPGSQL[start : start + 3] == "'é'"
    perform = nested[2]
    call = next(node for kind, node in walk(perform.node) if kind == "FuncCall")
    start = perform.at(call["location"])
    assert PLPGSQL[start : start + len("pg_notify")] == "pg_notify"


def test_do_block_in_a_quoted_literal() -> None:
    text = NON_ASCII + "DO 'BEGIN INSERT INTO t VALUES (''日本''); PERFORM 1; END';"
    _, nested = _only(text)
    assert _texts(text, nested) == ["INSERT INTO t VALUES (''日本'')", "PERFORM 1"]
    insert = nested[0]
    const = next(node for kind, node in walk(insert.node) if kind == "A_Const")
    start = insert.at(const["location"])
    assert text[start : start + 6] == "''日本''"
    assert _relation_texts(text, insert) == ["t"]


def test_do_block_with_language_and_dollar_tag() -> None:
    text = "DO LANGUAGE plpgsql $do$\nBEGIN\n  VACUUM orders;\nEND\n$do$;"
    statement, nested = _only(text)
    assert function_language(statement) == "plpgsql"
    assert [s.kind for s in nested] == ["VacuumStmt"]
    assert _texts(text, nested) == ["VACUUM orders"]


def test_sql_function_bodies() -> None:
    text = (
        NON_ASCII
        + "CREATE FUNCTION f() RETURNS int LANGUAGE sql\n"
        + "AS $$ SELECT 1; INSERT INTO ü VALUES (1) $$;\n"
        + "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT ''ü''; DELETE FROM t';\n"
        + "CREATE FUNCTION h() RETURNS int LANGUAGE sql\n"
        + "BEGIN ATOMIC\n  SELECT 'ü';\n  INSERT INTO t VALUES (1);\nEND;\n"
        + "CREATE FUNCTION k(a int) RETURNS int LANGUAGE sql RETURN a + 1;"
    )
    f, g, h, k = _statements(text)
    assert _texts(text, function_statements(f, text)) == ["SELECT 1", "INSERT INTO ü VALUES (1)"]
    assert _texts(text, function_statements(g, text)) == ["SELECT ''ü''", "DELETE FROM t"]
    atomic = function_statements(h, text)
    assert _texts(text, atomic) == ["SELECT 'ü'", "INSERT INTO t VALUES (1)"]
    assert _relation_texts(text, atomic[1]) == ["t"]
    assert function_statements(k, text) == []
    assert all(s.in_function for s in atomic)


@pytest.mark.parametrize(
    "text",
    [
        # PL/pgSQL that PostgreSQL rejects: an unknown variable, bad syntax, an unclosed block
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SELECT 1 INTO x; END $$",
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SELEC 1; END $$",
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN $$",
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ $$",
        "DO $$ BEGIN INSERT INTO t VALUES (; END $$",
        # a SQL body that does not parse
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELEC 1 $$",
        # other languages and C functions
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS $$ return 1 $$",
        "CREATE FUNCTION f() RETURNS int LANGUAGE c AS 'lib', 'sym'",
        "DO LANGUAGE plperl $$ print 1 $$",
    ],
)
def test_bodies_that_cannot_be_read_give_nothing(text: str) -> None:
    _, nested = _only(text)
    assert nested == []


def test_not_a_function() -> None:
    text = "CREATE TABLE t (id int)"
    statement, nested = _only(text)
    assert nested == []
    assert function_language(statement) is None


def test_the_body_is_parsed_once_and_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = pg.parse_plpgsql_json

    def counting(text: str) -> str:
        calls.append(text)
        return str(real(text))

    monkeypatch.setattr(plpgsql.pg, "parse_plpgsql_json", counting)
    statements = _statements(PLPGSQL)
    assert calls == []  # parsing a file never parses function bodies
    first = function_statements(statements[0], PLPGSQL)
    second = function_statements(statements[0], PLPGSQL)
    assert first is second
    assert len(calls) == 1


def test_nested_blocks_loops_and_handlers() -> None:
    text = """CREATE PROCEDURE p() LANGUAGE plpgsql AS $$
DECLARE
  i int;
BEGIN
  <<outer>>
  BEGIN
    WHILE i < 10 LOOP
      UPDATE t SET n = n + 1;
      CASE WHEN i = 1 THEN DELETE FROM t WHERE n = 1; ELSE NULL; END CASE;
    END LOOP;
  EXCEPTION WHEN unique_violation THEN
    INSERT INTO errors VALUES (1);
  END;
  FOREACH i IN ARRAY ARRAY[1, 2] LOOP
    INSERT INTO t VALUES (i);
  END LOOP;
  RETURN;
END $$"""
    _, nested = _only(text)
    assert _texts(text, nested) == [
        "UPDATE t SET n = n + 1",
        "DELETE FROM t WHERE n = 1",
        "INSERT INTO errors VALUES (1)",
        "INSERT INTO t VALUES (i)",
    ]


def test_identical_statements_get_their_own_spans() -> None:
    text = """DO $$
BEGIN
  INSERT INTO t VALUES (1);
  IF true THEN INSERT INTO t VALUES (1); END IF;
  INSERT INTO t VALUES (1);
END $$"""
    _, nested = _only(text)
    starts = [s.span.start for s in nested]
    assert len(set(starts)) == 3
    assert [text.count("\n", 0, start) + 1 for start in starts] == [3, 4, 5]
    assert _texts(text, nested) == ["INSERT INTO t VALUES (1)"] * 3
