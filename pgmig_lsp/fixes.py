"""Applying fixes: edits to files' text, and new files a fix creates."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pgmig_lsp.findings import Edit, Finding, Fix
from pgmig_lsp.migrations.standalone import migration_version


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` with the edits applied (spans refer to the original text; overlaps skipped)."""
    ordered = sorted((e for e in edits if e.span is not None), key=lambda e: e.span.start)  # type: ignore[union-attr]
    out: list[str] = []
    position = 0
    for edit in ordered:
        assert edit.span is not None
        if edit.span.start < position:
            continue  # overlaps an earlier edit: leave it for the next run
        out.append(text[position : edit.span.start])
        out.append(edit.text)
        position = edit.span.end
    out.append(text[position:])
    return "".join(out)


def chosen_fixes(findings: Iterable[Finding], unsafe: bool) -> list[Fix]:
    """The fixes to apply: safe ones, and the unsafe ones too when asked."""
    return [f.fix for f in findings if f.fix is not None and (f.fix.safe or unsafe)]


def fixed_texts(fixes: Iterable[Fix], read: dict[Path, str]) -> dict[Path, str]:
    """The new text of every file the fixes touch or create; ``read`` holds current texts.

    Fixes are applied in order; a fix whose edits overlap an earlier one is skipped whole, and so
    is a fix that would create a migration with the version of one another fix creates (each
    computed "the next version" on its own): the next run picks a free one.
    """
    taken: dict[Path, list[tuple[int, int]]] = {}
    edits_by_path: dict[Path, list[Edit]] = {}
    created: dict[Path, str] = {}
    created_versions: set[tuple[Path, str]] = set()
    for fix in fixes:
        versions = _created_versions(fix)
        if versions & created_versions:
            continue
        spans = [(e.path, e.span) for e in fix.edits if e.span is not None]
        if any(
            (s.start < end and start < s.end) or (s.start == s.end == start)
            for path, s in spans
            for start, end in taken.get(path, [])
        ):
            continue
        if any(e.span is None and (e.path in created or e.path in read) for e in fix.edits):
            continue
        created_versions |= versions
        for edit in fix.edits:
            if edit.span is None:
                created[edit.path] = edit.text
            else:
                taken.setdefault(edit.path, []).append((edit.span.start, edit.span.end))
                edits_by_path.setdefault(edit.path, []).append(edit)
    result = {path: apply_edits(read[path], edits) for path, edits in edits_by_path.items()}
    result.update(created)
    return result


def _created_versions(fix: Fix) -> set[tuple[Path, str]]:
    """(directory, version) of the migrations a fix creates (a file, or a folder of files)."""
    versions = set()
    for edit in fix.edits:
        if edit.span is not None:
            continue
        for part in (edit.path, edit.path.parent):
            version = migration_version(part.name)
            if version is not None:
                versions.add((part.parent, version))
                break
    return versions
