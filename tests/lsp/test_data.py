"""``Diagnostic.data`` round trip (no server): what the code-action handler rebuilds."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.lsp.data import data_finding
from pgmig_lsp.lsp.diagnostics import to_diagnostic
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.source import Span

TEXT = "-- migrate:up\n-- ünï 😀\nALTER TABLE t ADD COLUMN c varchar(9);\n"
PATH = Path("/project/db/migrations/001_a.sql")


def _finding(fix: Fix | None) -> Finding:
    start = TEXT.index("varchar")
    return Finding(
        "prefer-text",
        Severity.INFO,
        "use text",
        PATH,
        Span(start, start + len("varchar(9)")),
        statement=Span(TEXT.index("ALTER"), len(TEXT) - 2),
        fix=fix,
    )


def test_the_finding_comes_back_from_its_diagnostic() -> None:
    index = LineIndex(TEXT, PositionCodec())
    fix = Fix(
        "Use text",
        (
            Edit(PATH, Span(40, 50), "text"),
            Edit(PATH.with_name("002_b.sql"), None, "-- migrate:up\n"),
        ),
        safe=False,
    )
    for original in (_finding(fix), _finding(None)):
        diagnostic = to_diagnostic(original, index, 7)
        assert diagnostic.severity == types.DiagnosticSeverity.Information
        assert data_finding(diagnostic, PATH, index, 7) == original


def test_stale_or_foreign_data_gives_nothing() -> None:
    index = LineIndex(TEXT, PositionCodec())
    diagnostic = to_diagnostic(_finding(None), index, 7)
    assert data_finding(diagnostic, PATH, index, 8) is None
    for data in (None, [], {"version": 7, "statement": "x"}, {"version": 7, "fix": {"title": 1}}):
        diagnostic.data = data
        assert data_finding(diagnostic, PATH, index, 7) is None
    diagnostic.data = {"version": 7}
    diagnostic.source = "other"
    assert data_finding(diagnostic, PATH, index, 7) is None
