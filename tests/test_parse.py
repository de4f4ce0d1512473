"""Parsing: exact code-point spans (also after non-ASCII text), syntax errors as data."""

from __future__ import annotations

import pytest

from pgmig_lsp.sql.parse import parse_sql


def _texts(sql: str, base: int = 0) -> list[str]:
    parsed = parse_sql(sql, base)
    prefix = " " * base
    full = prefix + sql
    return [full[s.span.start : s.span.end] for s in parsed.statements]


def test_statements_exclude_leading_comments_and_semicolons() -> None:
    sql = "-- first\nCREATE TABLE a (id int);\n\n/* block */ -- and line\nDROP TABLE b;"
    assert _texts(sql) == ["CREATE TABLE a (id int)", "DROP TABLE b"]


@pytest.mark.parametrize("comment", ["-- ünïcödé 日本語", "/* émoji 🎉 */", "-- ascii only"])
def test_spans_are_code_points_after_non_ascii_comments(comment: str) -> None:
    sql = f"{comment}\nALTER TABLE t ADD COLUMN é text;\n{comment}\nCREATE INDEX i ON t (é);"
    parsed = parse_sql(sql, 7)
    full = " " * 7 + sql
    assert [full[s.span.start : s.span.end] for s in parsed.statements] == [
        "ALTER TABLE t ADD COLUMN é text",
        "CREATE INDEX i ON t (é)",
    ]
    # nested node locations convert too: the relation name of the index
    index = parsed.statements[1]
    at = index.at(index.body["relation"]["location"])
    assert full[at : at + 1] == "t"


def test_syntax_error_points_at_the_offending_token_and_the_rest_is_parsed() -> None:
    sql = "CREATE TABLE a (id int);\nCREATE TABLEX b (id int);\nDROP TABLE c;"
    parsed = parse_sql(sql)
    assert [s.kind for s in parsed.statements] == ["CreateStmt", "DropStmt"]
    (error,) = parsed.errors
    assert sql[error.span.start : error.span.end] == "TABLEX"
    assert "TABLEX" in error.message


def test_error_at_end_of_input_points_at_the_last_token() -> None:
    sql = "SELECT 1;\nCREATE TABLE t (a int,"
    parsed = parse_sql(sql)
    (error,) = parsed.errors
    assert sql[error.span.start : error.span.end] == ","
    assert len(parsed.statements) == 1


def test_unterminated_string_keeps_earlier_statements() -> None:
    parsed = parse_sql("CREATE TABLE a (id int);\nSELECT 'abc")
    assert [s.kind for s in parsed.statements] == ["CreateStmt"]
    assert parsed.errors


@pytest.mark.parametrize("text", ["", "   \n", "-- only a comment\n", "\x00\x01", "$$", "/*", "'"])
def test_odd_input_never_raises(text: str) -> None:
    parse_sql(text)


_PSQL_SCRIPT = """\\set ON_ERROR_STOP on
SET client_encoding = 'UTF8';
\\connect app
CREATE TABLE pays (id int, nom text);

--
-- Data for Name: pays; Type: TABLE DATA; Schema: public; Owner: app
--

COPY pays (id, nom) FROM stdin;
1\tFrançe; 'quoted
2\t\\N
\\.
  \\echo done
CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$
\\not_a_command
SELECT E'\\\\x'
$$;
"""


def test_psql_meta_commands_and_copy_rows_are_not_sql() -> None:
    parsed = parse_sql(_PSQL_SCRIPT, 3, psql=True)
    assert not parsed.errors
    full = " " * 3 + _PSQL_SCRIPT
    texts = [full[s.span.start : s.span.end] for s in parsed.statements]
    assert texts[:3] == [
        "SET client_encoding = 'UTF8'",
        "CREATE TABLE pays (id int, nom text)",
        "COPY pays (id, nom) FROM stdin",
    ]
    # a backslash line inside a function body is the function's text, not a meta-command
    assert texts[3].startswith("CREATE FUNCTION f()") and "\\not_a_command" in texts[3]


def test_psql_syntax_is_an_error_for_tools_that_send_sql_to_the_server() -> None:
    parsed = parse_sql(_PSQL_SCRIPT)
    assert parsed.errors


def test_a_meta_command_sent_to_the_server_is_named_in_the_error() -> None:
    parsed = parse_sql("CREATE TABLE a (id int);\n\\connect app\nCREATE TABLE b (id int);\n")
    [error] = parsed.errors
    assert error.message.startswith("`\\connect app` is a psql meta-command, not SQL")
    assert (error.span.start, error.span.end) == (25, 37)
