"""The text report: one ``path:line:col: severity [rule] message`` line per finding, a summary."""

from __future__ import annotations

from pathlib import Path

from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.report import CheckResult, display_path, locate, severity_counts, sorted_findings

_RESET = "\033[0m"
_BOLD = "\033[1m"
_SEVERITY_COLOURS = {
    Severity.ERROR: "\033[1;31m",
    Severity.WARNING: "\033[1;33m",
    Severity.INFO: "\033[1;36m",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _paint(text: str, code: str, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour else text


def format_finding(
    result: CheckResult, finding: Finding, *, cwd: Path | None = None, colour: bool = False
) -> str:
    """One finding as ``path:line:col: severity [rule] message``."""
    where = locate(result, finding)
    path = _paint(display_path(finding.path, cwd), _BOLD, colour)
    severity = _paint(finding.severity.value, _SEVERITY_COLOURS[finding.severity], colour)
    # continuation lines are indented so that every line starting with a path is a finding
    message = finding.message.replace("\n", "\n    ")
    return f"{path}:{where.line}:{where.column}: {severity} [{finding.rule}] {message}"


def summary(result: CheckResult) -> str:
    """``Found N findings (E errors, W warnings, I infos) in F files; K fixable with --fix``, or
    ``All checked: F files, no findings``.

    F counts the files with findings in the first form and every checked file in the second; K
    counts the safe fixes (``--fix`` applies only those), and the unsafe ones are added in
    parentheses when there are any.
    """
    findings = result.findings
    if not findings:
        return f"All checked: {_plural(len(result.files), 'file')}, no findings"
    counts = severity_counts(findings)
    by_severity = ", ".join(
        _plural(counts[severity.value], severity.value) for severity in Severity
    )
    files = len({finding.path for finding in findings})
    safe = sum(1 for finding in findings if finding.fix is not None and finding.fix.safe)
    unsafe = sum(1 for finding in findings if finding.fix is not None and not finding.fix.safe)
    line = (
        f"Found {_plural(len(findings), 'finding')} ({by_severity}) in {_plural(files, 'file')}; "
        f"{safe} fixable with --fix"
    )
    if unsafe:
        line += f" ({unsafe} more with --unsafe-fixes)"
    return line


def render(result: CheckResult, *, cwd: Path | None = None, colour: bool = False) -> str:
    """The whole report, sorted by path, line and column, ending with the summary line.

    ``result.messages`` are not part of it: the CLI prints them to stderr.
    """
    lines = [
        format_finding(result, finding, cwd=cwd, colour=colour)
        for finding in sorted_findings(result, cwd)
    ]
    if lines:
        lines.append("")
    lines.append(_paint(summary(result), _BOLD, colour))
    return "\n".join(lines) + "\n"
