"""Rendering findings for people and machines: text, JSON, SARIF, GitHub annotations."""

from __future__ import annotations

import functools
import os
from pathlib import Path

import attrs

from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.source import SourceFile


@attrs.define
class CheckResult:
    """What one ``pgmig check`` run found."""

    findings: list[Finding]
    #: every file that was checked, by path (for line/column conversion and the summary)
    files: dict[Path, SourceFile]
    #: notes for the user that are not findings (unknown config keys, skipped paths)
    messages: list[str] = attrs.Factory(list)


@attrs.frozen
class Location:
    """1-based lines and columns (code points), end exclusive."""

    line: int
    column: int
    end_line: int
    end_column: int


def locate(result: CheckResult, finding: Finding) -> Location:
    file = result.files.get(finding.path)
    if file is None:
        return Location(1, 1, 1, 1)
    line, column = file.position(finding.span.start)
    end_line, end_column = file.position(finding.span.end)
    return Location(line + 1, column + 1, end_line + 1, end_column + 1)


def display_path(path: Path, cwd: Path | None = None) -> str:
    """``path`` relative to the current directory when below it, else absolute."""
    # keyed on the directory's text: building a Path for the current directory on every call
    # cost more than the rest of a large report
    return _display_path(path, str(cwd) if cwd is not None else os.getcwd())


@functools.lru_cache(maxsize=65536)
def _display_path(path: Path, directory: str) -> str:
    cwd = _resolved(directory)
    absolute = path if path.is_absolute() else (Path(directory) / path)
    # resolve the folder (few of them), not each file: a file keeps the name it was given
    absolute = _resolved(str(absolute.parent)) / absolute.name
    try:
        return absolute.relative_to(cwd).as_posix()
    except ValueError:
        return str(absolute)


@functools.lru_cache(maxsize=4096)
def _resolved(directory: str) -> Path:
    return Path(directory).resolve()


def sorted_findings(result: CheckResult, cwd: Path | None = None) -> list[Finding]:
    """Findings sorted by displayed path, line, column."""
    return sorted(
        result.findings,
        key=lambda f: (display_path(f.path, cwd), f.span.start, f.span.end, f.rule),
    )


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return counts


def use_colour(stream_isatty: bool) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    return stream_isatty or bool(os.environ.get("FORCE_COLOR"))
