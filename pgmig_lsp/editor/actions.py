"""Code actions for findings: the fix, ignore comments, the rule's documentation; fix-all.

The language server ships each finding's fix and statement in ``Diagnostic.data``; its
code-action handler rebuilds the finding from that and asks `finding_actions`, without checking
the file again.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

import attrs

from pgmig_lsp.editor.ignores import ignore_file, ignore_statement
from pgmig_lsp.findings import Edit, Finding
from pgmig_lsp.fixes import chosen_fixes, fixed_texts
from pgmig_lsp.rules.docs import rule_url
from pgmig_lsp.source import SourceFile, Span

QUICKFIX = "quickfix"
FIX_ALL = "source.fixAll.pgmig"
KINDS = (QUICKFIX, FIX_ALL)

#: marks the data this module writes, so that data from elsewhere is never taken for actions


@attrs.frozen
class Action:
    """One code action: edits to apply, or a page to open."""

    title: str
    #: ``quickfix`` or ``source.fixAll.pgmig``
    kind: str
    #: edits to files; an edit whose span is None creates that file with its text
    edits: tuple[Edit, ...] = ()
    #: the editor may apply it without asking (a safe fix)
    preferred: bool = False
    #: "show the rule's documentation": open this URL (no edits)
    url: str | None = None


def finding_actions(file: SourceFile, finding: Finding) -> list[Action]:
    """The actions for one finding of ``file``, in this order: its fix (if any), ignore it for
    the statement (when it has one), ignore it for the file, show the rule's documentation."""
    rule = finding.rule
    actions: list[Action] = []
    fix = finding.fix
    if fix is not None and fix.edits:
        title = fix.title if fix.safe else f"{fix.title} (unsafe)"
        actions.append(Action(title, QUICKFIX, fix.edits, preferred=fix.safe))
    if finding.path != file.path:
        # an ignore comment silences only findings of its own file
        return [*actions, Action(f"Show documentation for {rule}", QUICKFIX, url=rule_url(rule))]
    if finding.statement is not None:
        actions.append(
            Action(
                f"Ignore {rule} for this statement",
                QUICKFIX,
                (ignore_statement(file, finding.statement, rule),),
            )
        )
    actions.append(Action(f"Ignore {rule} for this file", QUICKFIX, (ignore_file(file, rule),)))
    actions.append(Action(f"Show documentation for {rule}", QUICKFIX, url=rule_url(rule)))
    return actions


def fix_all(file: SourceFile, findings: Sequence[Finding]) -> Action | None:
    """One action applying every safe fix of the findings of ``file``; fixes that overlap one
    taken before are left out (``pgmig_lsp.fixes`` decides, as ``pgmig check --fix`` does).

    Fixes may create files; a fix that edits another existing file is left out (its text is not
    known here). None when there is nothing to apply.
    """
    fixes = [
        fix
        for fix in chosen_fixes((f for f in findings if f.path == file.path), unsafe=False)
        if all(edit.span is None or edit.path == file.path for edit in fix.edits)
    ]
    if not fixes:
        return None
    edits: list[Edit] = []
    for path, text in fixed_texts(fixes, {file.path: file.text}).items():
        if path != file.path:
            edits.append(Edit(path, None, text))
        elif text != file.text:
            edits.extend(_line_edits(file, text))
    if not edits:
        return None
    return Action("Fix all safe pgmig findings", FIX_ALL, tuple(edits), preferred=True)


def _line_edits(file: SourceFile, new: str) -> list[Edit]:
    """Edits turning the file's text into ``new``, one per run of changed lines (the editor
    keeps the cursor and folds where nothing changed)."""
    old_lines = file.text.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    starts = [0]
    for line in old_lines:
        starts.append(starts[-1] + len(line))
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    return [
        Edit(file.path, Span(starts[i1], starts[i2]), "".join(new_lines[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]
