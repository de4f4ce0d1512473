"""Bad and unusual input: binary, non-UTF-8, unreadable, empty, non-ASCII and CRLF files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from pgmig_lsp.migrations.discover import load_directory, load_file
from pgmig_lsp.migrations.model import SectionKind, Tool
from tests.test_formats_support import section, statements, write

LATIN1 = "-- migrate:up\n-- café\nSELECT 1;\n".encode("latin-1")
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("20240101_a.sql", BINARY, "binary file"),
        ("20240101_a.sql", LATIN1, "not valid UTF-8 (byte 0xE9 on line 2)"),
    ],
    ids=["binary", "latin-1"],
)
@pytest.mark.parametrize("tool", [Tool.DBMATE, Tool.GOOSE, Tool.SUPABASE, Tool.PLAIN, Tool.SQLX])
def test_undecodable_file_is_one_problem_and_no_sections(
    tmp_path: Path, name: str, content: bytes, expected: str, tool: Tool
) -> None:
    write(tmp_path, {name: content})
    [migration] = load_directory(tmp_path, tool).migrations
    assert migration.sections == []
    [problem] = migration.problems
    assert problem.rule == "invalid-migration"
    assert expected in problem.message
    assert migration.files[0].text == ""


def test_a_bad_down_file_keeps_the_up_section(tmp_path: Path) -> None:
    write(tmp_path, {"1_a.up.sql": "SELECT 1;", "1_a.down.sql": BINARY})
    [migration] = load_directory(tmp_path).migrations
    assert [s.kind for s in migration.sections] == [SectionKind.UP]
    assert [p.file.path.name for p in migration.problems] == ["1_a.down.sql"]
    assert not migration.down_expected


def test_unreadable_file_is_reported_not_raised(tmp_path: Path) -> None:
    (tmp_path / "20240101_a.sql").symlink_to(tmp_path / "missing.sql")
    [migration] = load_directory(tmp_path, Tool.DBMATE).migrations
    assert migration.sections == [] and migration.files[0].text == ""
    [problem] = migration.problems
    assert "cannot read this file" in problem.message


@pytest.mark.parametrize(
    ("files", "main", "tool"),
    [
        ({"20240101_a.sql": ""}, "20240101_a.sql", Tool.DBMATE),
        ({"1_a.sql": "\n  \n"}, "1_a.sql", Tool.GOOSE),
        ({"1_a.up.sql": ""}, "1_a.up.sql", None),
        ({"V1__a.sql": ""}, "V1__a.sql", None),
        ({"a.sql": ""}, "a.sql", None),
    ],
    ids=["dbmate", "goose-blank", "golang-migrate", "flyway", "plain"],
)
def test_empty_files_load_without_problems(
    tmp_path: Path, files: dict[str, str], main: str, tool: Tool | None
) -> None:
    write(tmp_path, files)
    migration = load_file(tmp_path / main, tool=tool)
    assert migration is not None
    assert migration.problems == []
    assert all(not s.text.strip() for s in migration.sections)


NON_ASCII = (
    "-- ünïcödé 日本語 before the marker\n"
    "-- migrate:up\n"
    "-- 日本語のコメント ü\n"
    "CREATE TABLE café (ü text); -- trailing ü\n"
    "/* 日本語 */ CREATE INDEX ON café (ü);\n"
    "-- migrate:down\n"
    "-- ü\n"
    "DROP TABLE café;\n"
)


def test_spans_are_code_points_with_non_ascii_comments(tmp_path: Path) -> None:
    write(tmp_path, {"20240101_a.sql": NON_ASCII})
    [migration] = load_directory(tmp_path).migrations
    text = migration.files[0].text
    found = statements(migration)
    assert [text[s.span.start : s.span.end] for s in found] == [
        "CREATE TABLE café (ü text)",
        "CREATE INDEX ON café (ü)",
    ]
    [drop] = statements(migration, SectionKind.DOWN)
    assert text[drop.span.start : drop.span.end] == "DROP TABLE café"
    assert migration.files[0].position(found[1].span.start) == (4, 10)


def test_byte_order_mark_is_dropped_so_markers_are_found(tmp_path: Path) -> None:
    write(
        tmp_path, {"20240101_a.sql": "\ufeff-- migrate:up\nSELECT 1;\n-- migrate:down\n".encode()}
    )
    [migration] = load_directory(tmp_path).migrations
    assert migration.problems == []
    assert section(migration).text == "SELECT 1;\n"


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "20240101_a.sql",
            "-- migrate:up transaction:false\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n",
        ),
        (
            "1_a.sql",
            "-- +goose NO TRANSACTION\r\n-- +goose Up\r\nSELECT 1;\r\n"
            "-- +goose Down\r\nSELECT 2;\r\n",
        ),
    ],
    ids=["dbmate", "goose"],
)
def test_crlf_files(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_bytes(text.encode())
    [migration] = load_directory(tmp_path).migrations
    assert migration.problems == []
    up = section(migration)
    assert up.text == "SELECT 1;\r\n" and up.opted_out
    marker = up.marker
    assert marker is not None and not text[marker.start : marker.end].endswith("\r")
    assert section(migration, SectionKind.DOWN).text == "SELECT 2;\r\n"


def test_thousands_of_files_load_fast(tmp_path: Path) -> None:
    body = (
        "-- migrate:up\nCREATE TABLE t{n} (id bigint PRIMARY KEY);\n\n"
        "-- migrate:down\nDROP TABLE t{n};\n"
    )
    for n in range(3000):
        (tmp_path / f"{20240101000000 + n}_create_t{n}.sql").write_text(body.format(n=n))
    load_directory(tmp_path)  # warm the OS cache: the budget is for pgmig's own work
    # CPU time, best of three: other processes on the machine do not count
    elapsed = io = float("inf")
    for _ in range(3):
        start = time.process_time()
        found = load_directory(tmp_path)
        elapsed = min(elapsed, time.process_time() - start)
        start = time.process_time()
        for path in tmp_path.iterdir():
            with open(path, "rb") as handle:
                handle.read().decode()
        io = min(io, time.process_time() - start)
    assert len(found.migrations) == 3000
    # about 0.1 s on a 2-core CI machine; the margin catches accidental quadratic work
    assert elapsed - io < 0.3, (elapsed, io)
