"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` per finding, which
GitHub shows as an annotation on the file's line in the pull request.
"""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.report import CheckResult, display_path, locate, sorted_findings

_COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    """Escape a command's message (as ``@actions/core`` does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a command property's value: also ``:`` and ``,``, which delimit properties."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_finding(result: CheckResult, finding: Finding, *, cwd: Path | None = None) -> str:
    """``::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=pgmig [rule]::message``.

    Columns are left out when the finding spans several lines: GitHub accepts them only for a
    single-line annotation.
    """
    where = locate(result, finding)
    properties = [("file", display_path(finding.path, cwd)), ("line", str(where.line))]
    if where.end_line == where.line:
        properties.append(("col", str(where.column)))
    properties.append(("endLine", str(where.end_line)))
    if where.end_line == where.line:
        properties.append(("endColumn", str(where.end_column)))
    properties.append(("title", f"pgmig [{finding.rule}]"))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_COMMANDS[finding.severity]} {joined}::{escape_data(finding.message)}"


def render(result: CheckResult, *, cwd: Path | None = None) -> str:
    """One workflow command per finding, sorted by path, line and column."""
    return "".join(
        format_finding(result, finding, cwd=cwd) + "\n" for finding in sorted_findings(result, cwd)
    )
