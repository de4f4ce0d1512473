"""The JSON report: the contract other tools read (``pgmig check --format json``).

```
{"version": 1,
 "diagnostics": [{"path", "rule", "severity", "message",
                  "line", "column", "end_line", "end_column",
                  "section", "url", "fix"}],
 "summary": {"files", "findings", "by_severity": {"error", "warning", "info"}}}
```

Paths are relative to the current directory when below it, else absolute. Lines and columns are
1-based, columns count code points, ends are exclusive. Diagnostics are sorted by path, line and
column. ``fix`` is null or ``{"title", "safe", "edits"}``; an edit is ``{"path", "line",
"column", "end_line", "end_column", "offset", "end_offset", "text"}`` (offsets are 0-based code
points; an edit in a file that was not checked has offsets only), or ``{"path", "create": true,
"text"}`` for a new file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pgmig_lsp.findings import Edit, Finding, Fix
from pgmig_lsp.report import CheckResult, display_path, locate, severity_counts, sorted_findings
from pgmig_lsp.rules.docs import rule_url

#: the version of the JSON contract; bumped only when a key changes meaning or goes away
VERSION = 1


def _edit(result: CheckResult, edit: Edit, cwd: Path | None) -> dict[str, Any]:
    path = display_path(edit.path, cwd)
    if edit.span is None:
        return {"path": path, "create": True, "text": edit.text}
    out: dict[str, Any] = {"path": path}
    file = result.files.get(edit.path)
    if file is not None:
        line, column = file.position(edit.span.start)
        end_line, end_column = file.position(edit.span.end)
        out |= {
            "line": line + 1,
            "column": column + 1,
            "end_line": end_line + 1,
            "end_column": end_column + 1,
        }
    out |= {"offset": edit.span.start, "end_offset": edit.span.end, "text": edit.text}
    return out


def _fix(result: CheckResult, fix: Fix, cwd: Path | None) -> dict[str, Any]:
    return {
        "title": fix.title,
        "safe": fix.safe,
        "edits": [_edit(result, edit, cwd) for edit in fix.edits],
    }


def diagnostic(result: CheckResult, finding: Finding, cwd: Path | None = None) -> dict[str, Any]:
    """One finding as a diagnostic of the contract."""
    where = locate(result, finding)
    return {
        "path": display_path(finding.path, cwd),
        "rule": finding.rule,
        "severity": finding.severity.value,
        "message": finding.message,
        "line": where.line,
        "column": where.column,
        "end_line": where.end_line,
        "end_column": where.end_column,
        "section": finding.section,
        "url": rule_url(finding.rule),
        "fix": _fix(result, finding.fix, cwd) if finding.fix else None,
    }


def to_json(result: CheckResult, *, cwd: Path | None = None) -> dict[str, Any]:
    """The report as a JSON-ready dict."""
    cwd = cwd or Path.cwd()  # once, not once per path
    return {
        "version": VERSION,
        "diagnostics": [diagnostic(result, f, cwd) for f in sorted_findings(result, cwd)],
        "summary": {
            "files": len(result.files),
            "findings": len(result.findings),
            "by_severity": severity_counts(result.findings),
        },
    }


def compact_chunks(result: CheckResult, *, cwd: Path | None = None) -> Iterator[str]:
    """`render` with ``indent=None``, in pieces: one diagnostic is built at a time (a large
    report as one Python structure would cost several times its text in memory)."""
    cwd = cwd or Path.cwd()  # once, not once per path
    yield '{"version": ' + str(VERSION) + ', "diagnostics": ['
    for index, finding in enumerate(sorted_findings(result, cwd)):
        text = json.dumps(diagnostic(result, finding, cwd), ensure_ascii=False)
        yield text if index == 0 else ", " + text
    summary = {
        "files": len(result.files),
        "findings": len(result.findings),
        "by_severity": severity_counts(result.findings),
    }
    yield '], "summary": ' + json.dumps(summary, ensure_ascii=False) + "}\n"


def render(result: CheckResult, *, cwd: Path | None = None, indent: int | None = 2) -> str:
    """The report as JSON text (UTF-8 characters kept as they are, not ``\\u`` escaped)."""
    return json.dumps(to_json(result, cwd=cwd), indent=indent, ensure_ascii=False) + "\n"
