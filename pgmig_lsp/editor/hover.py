"""Hover: the object under the cursor, the statement's performance impact (locks, rewrites,
scans, transaction) and the findings there.

The migration is replayed up to the hovered statement, so the hover knows the schema at that
point of the history: what a name stands for (`objects.object_at`), and which tables this
migration created (empty, unused: their locks make nothing wait). pglast's Python AST is never
built.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from pgmig_lsp.catalog.builtins import Builtins, builtins_for
from pgmig_lsp.catalog.model import Catalog, Table
from pgmig_lsp.catalog.replay import Replay
from pgmig_lsp.config import Settings
from pgmig_lsp.editor import objects
from pgmig_lsp.editor.advice import LOCK_TIMEOUT, safe_alternative
from pgmig_lsp.editor.describe import describe
from pgmig_lsp.editor.labels import statement_label
from pgmig_lsp.editor.navigation import NameIndex, relations_read, views_reading
from pgmig_lsp.editor.point import Point, statement_at
from pgmig_lsp.findings import Finding
from pgmig_lsp.locks import LockMode, TableLock, display_name, statement_locks
from pgmig_lsp.migrations.model import Migration, Section
from pgmig_lsp.migrations.transactions import mark_transactions, transaction_plan
from pgmig_lsp.rules.base import MigrationContext
from pgmig_lsp.rules.docs import rule_url
from pgmig_lsp.source import Span
from pgmig_lsp.sql.parse import Statement


@attrs.frozen
class HoverText:
    """What the editor shows on hover, and the range it is about."""

    markdown: str
    #: the name under the cursor, the hovered statement, or the range of the findings there
    span: Span


def hover(
    migration: Migration,
    path: Path,
    offset: int,
    settings: Settings,
    findings: Sequence[Finding] = (),
    before: Catalog | None = None,
    history: Sequence[Migration] = (),
    names: NameIndex | None = None,
) -> HoverText | None:
    """The hover at ``offset`` of the file ``path``: the object named there, the statement's
    impact, then the findings whose range holds the offset. None where there is nothing
    (whitespace, comments).

    ``before`` is the schema before this migration; None means the history is unknown: tables
    not created in this migration count as existing. ``history`` (the directory's migrations)
    and ``names`` tell which views read a hovered table.
    """
    file = migration.file_for(path)
    if file is None:
        return None
    here = [f for f in findings if f.path == path and _covers(f.span, offset)]
    # the file is parsed once: the object and the statement's impact share it and its replay
    point = statement_at(migration, path, offset)
    replay = point.replay(before) if point is not None else None
    parts: list[str] = []
    span: Span | None = None
    about = None
    if point is not None and replay is not None:
        builtins = builtins_for(settings.pg_version)
        about = _object(point, offset, replay, history, names, builtins)
    if about is not None:
        parts.append(about.markdown)
        span = about.span
    statement = point.statement if point is not None else None
    if point is not None and replay is not None and statement is not None:
        end = statement.span.end
        if offset < end or file.text[end : end + 1] == ";":
            parts.append(_impact(point, statement, replay, settings))
            span = span or statement.span
    if here:
        parts.append(_findings(here))
        if span is None:
            span = Span(min(f.span.start for f in here), max(f.span.end for f in here))
    if span is None:
        return None
    return HoverText("\n\n---\n\n".join(parts), span)


def _object(
    point: Point,
    offset: int,
    replay: Replay,
    history: Sequence[Migration],
    names: NameIndex | None,
    builtins: Builtins,
) -> HoverText | None:
    """What the name under the cursor stands for, at this point of the history."""
    found = objects.object_in(point, offset, replay)
    if found is None:
        return None
    migration = point.migration
    readers: list[Table] = []
    reads: list[Table] = []
    if found.object.kind == objects.TABLE and names is not None:
        files = [*history, migration]
        readers = views_reading(found.object, found.catalog, files, names)
        reads = relations_read(found.object, found.catalog, files, names)
    markdown = describe(found.object, found.catalog, str(migration.path), readers, builtins, reads)
    return None if markdown is None else HoverText(markdown, found.span)


def _covers(span: Span, offset: int) -> bool:
    return span.contains(offset) or span.start == span.end == offset


def _impact(point: Point, statement: Statement, replay: Replay, settings: Settings) -> str:
    """The statement's performance impact assessment, in Markdown."""
    migration, section, statements = point.migration, point.section, point.statements
    mark_transactions(migration, section, statements, pg_major=settings.pg_version)
    context = MigrationContext(
        migration=migration,
        catalog=replay.catalog,
        pg_version=settings.pg_version,
        builtins=builtins_for(settings.pg_version),
    )
    context.created_tables = replay.created_tables
    locks = statement_locks(statement, context)
    label = statement_label(statement, section.file.text)
    lines = [f"**{label.name}** — performance impact", ""]
    if not locks:
        lines.append("- takes no lock on a table that pgmig knows of")
    for lock in locks:
        lines.extend(_lock_lines(lock))
    lines.append(_transaction_line(migration, section, statements, statement, settings))
    if statement.in_transaction and any(lock.concurrent for lock in locks):
        lines.append("- **fails as written:** `CONCURRENTLY` cannot run inside a transaction block")
    advice = _advice(statement, locks, statements)
    if advice:
        lines += ["", *advice]
    return "\n".join(lines)


def _lock_lines(lock: TableLock) -> list[str]:
    target = lock.target
    if lock.new_table:
        return [
            f"- **{lock.mode.pg_name}** on {target}: new in this migration, so empty and not in "
            "use yet; nothing waits for it"
        ]
    text = f"- **{lock.mode.pg_name}** on {target}: {_blocks(lock)}"
    if lock.index_mode is not None and lock.index_mode is not lock.mode and lock.index:
        text += f"; **{lock.index_mode.pg_name}** on index `{display_name(lock.index)}`"
    lines = [text]
    if lock.effect.description:
        lines.append(f"  - {lock.effect.description}, holding that lock")
    else:
        lines.append("  - no rewrite and no scan: brief once the lock is granted")
    if lock.why:
        lines.append(f"  - {lock.why}")
    return lines


def _blocks(lock: TableLock) -> str:
    if lock.blocks_reads:
        return "blocks reads and writes"
    if lock.blocks_writes:
        return "blocks writes; reads go on"
    return f"blocks {lock.mode.blocks}"


def _transaction_line(
    migration: Migration,
    section: Section,
    statements: list[Statement],
    statement: Statement,
    settings: Settings,
) -> str:
    reason = transaction_plan(migration, section, statements, pg_major=settings.pg_version).reason
    if statement.in_transaction:
        text = "- runs **inside a transaction**: its locks are held until the transaction ends"
    else:
        text = "- runs **outside a transaction**: its locks are released when it finishes"
    return text + (f" ({reason})" if reason else "")


def _advice(statement: Statement, locks: list[TableLock], statements: list[Statement]) -> list[str]:
    """The safe alternative for a risky statement, or the lock_timeout tip for a brief lock."""
    found: list[str] = []
    for lock in locks:
        alternative = safe_alternative(statement, lock)
        if alternative is not None and alternative not in found:
            found.append(alternative)
    if found:
        return [f"**Safe alternative:** {alternative}" for alternative in found]
    blocking = [lock for lock in locks if not lock.new_table and lock.strongest >= LockMode.SHARE]
    if blocking and not _lock_timeout_before(statement, statements):
        return [f"**Tip:** {LOCK_TIMEOUT}"]
    return []


def _lock_timeout_before(statement: Statement, statements: list[Statement]) -> bool:
    """A ``SET [LOCAL] lock_timeout`` earlier in the section."""
    return any(
        earlier.kind == "VariableSetStmt" and earlier.body.get("name") == "lock_timeout"
        for earlier in statements[: statement.index]
    )


def _findings(findings: list[Finding]) -> str:
    """The findings under the cursor: rule (a link to its page), message, and the fix."""
    lines = []
    for finding in findings:
        line = (
            f"**[`{finding.rule}`]({rule_url(finding.rule)})** ({finding.severity.value}): "
            f"{finding.message}"
        )
        if finding.fix is None:
            line += "  \nNo automatic fix."
        elif finding.fix.safe:
            line += f"  \nQuick fix: *{finding.fix.title}*"
        else:
            line += f"  \nQuick fix (unsafe, review it): *{finding.fix.title}*"
        lines.append(line)
    return "\n\n".join(lines)
