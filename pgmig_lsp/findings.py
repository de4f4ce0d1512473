"""Findings: what a rule reports, with the fix it proposes as data."""

from __future__ import annotations

import enum
from pathlib import Path

import attrs

from pgmig_lsp.source import Span


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "info": 1}[self.value]


@attrs.frozen
class Edit:
    """Replace ``span`` of ``path`` with ``text``; ``span`` None creates ``path`` with ``text``."""

    path: Path
    span: Span | None
    text: str


@attrs.frozen(cache_hash=True)
class Fix:
    """A rewrite that removes the finding.

    ``safe`` fixes leave the resulting schema identical and change nothing else; ``pgmig check
    --fix`` applies those, ``--unsafe-fixes`` the others too (type changes and the like).
    """

    title: str
    edits: tuple[Edit, ...]
    safe: bool = True


@attrs.frozen(cache_hash=True)  # (keys of the editor's caches, hashed at every keystroke)
class Finding:
    rule: str
    severity: Severity
    message: str
    path: Path
    #: the smallest node responsible, code points in the file
    span: Span
    #: the statement the finding belongs to (for suppression comments), if any
    statement: Span | None = None
    #: ``up``, ``down`` or ``verify``, when the finding is about a section
    section: str | None = None
    fix: Fix | None = None
