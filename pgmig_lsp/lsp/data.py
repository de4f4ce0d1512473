"""``Diagnostic.data``: what the code-action handler needs to offer a finding's actions without
checking the file again.

A diagnostic carries the document version it was computed on, the finding's statement span and
its fix (title, safety, edits in code points)::

    {"version": 3, "statement": [190, 402],
     "fix": {"title": "...", "safe": true, "edits": [{"span": [190, 190], "text": "..."},
                                                     {"path": "/abs/new.sql", "span": null, ...}]}}

An edit's ``path`` is left out when it is the document's. The code-action handler rebuilds the
finding from this, the diagnostic's code, message and range, and the document's text at that
version, then asks `pgmig_lsp.editor.actions.finding_actions` for the actions — the same call,
on the same text, as at publish time. Shipping the finding rather than every action
(`editor.actions.to_data`) keeps a 33 KB file's diagnostics at a quarter of the size and spares
the ignore-comment edits on every keystroke (measured: ~35 ms of 50 for 247 findings).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types

from pgmig_lsp.findings import Edit, Finding, Fix, Severity
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.source import Span

SOURCE = "pgmig"

_SEVERITIES = {
    types.DiagnosticSeverity.Error: Severity.ERROR,
    types.DiagnosticSeverity.Warning: Severity.WARNING,
    types.DiagnosticSeverity.Information: Severity.INFO,
}


def _span_data(span: Span | None) -> list[int] | None:
    return None if span is None else [span.start, span.end]


def finding_data(finding: Finding, version: int | None) -> dict[str, Any]:
    """The data of ``finding``'s diagnostic in a document at ``version``."""
    fix = finding.fix
    fix_data = None
    if fix is not None:
        edits = []
        for edit in fix.edits:
            item: dict[str, Any] = {"span": _span_data(edit.span), "text": edit.text}
            if edit.path != finding.path:
                item["path"] = str(edit.path)
            edits.append(item)
        fix_data = {"title": fix.title, "safe": fix.safe, "edits": edits}
    return {"version": version, "statement": _span_data(finding.statement), "fix": fix_data}


class _Invalid(Exception):
    """Data this module did not write (another tool's, or damaged)."""


def _span(value: Any) -> Span | None:
    if value is None:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    ):
        return Span(value[0], value[1])
    raise _Invalid


def _fix(value: Any, path: Path) -> Fix | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise _Invalid
    title, safe, edits = value.get("title"), value.get("safe"), value.get("edits")
    if not isinstance(title, str) or not isinstance(safe, bool) or not isinstance(edits, list):
        raise _Invalid
    out = []
    for edit in edits:
        if not isinstance(edit, dict) or not isinstance(edit.get("text"), str):
            raise _Invalid
        where = edit.get("path", None)
        if where is not None and not isinstance(where, str):
            raise _Invalid
        out.append(Edit(Path(where) if where else path, _span(edit.get("span")), edit["text"]))
    return Fix(title, tuple(out), safe)


def data_finding(
    diagnostic: types.Diagnostic, path: Path, index: LineIndex, version: int | None
) -> Finding | None:
    """The finding behind one of pgmig's diagnostics of the document ``path`` at ``version``
    (``index`` over its text); None for another tool's diagnostic or a stale one."""
    data = diagnostic.data
    if diagnostic.source != SOURCE or not isinstance(data, dict) or diagnostic.code is None:
        return None
    if data.get("version") != version:
        return None  # the text changed since: the spans no longer hold
    try:
        statement = _span(data.get("statement"))
        fix = _fix(data.get("fix"), path)
    except _Invalid:
        return None
    severity = _SEVERITIES.get(
        diagnostic.severity or types.DiagnosticSeverity.Warning, Severity.WARNING
    )
    return Finding(
        str(diagnostic.code),
        severity,
        diagnostic.message,
        path,
        index.span(diagnostic.range),
        statement,
        fix=fix,
    )
