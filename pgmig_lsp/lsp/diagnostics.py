"""Diagnostics: document open/change/save/close, pull requests, and findings as diagnostics.

A diagnostic carries what the editor needs without asking again: ``code`` (the rule id),
``codeDescription.href`` (the rule's documentation), ``source`` ``pgmig`` and, in ``data``, what
its code actions are made from, with the document version it was computed on (`lsp.data`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import cattrs
from lsprotocol import types
from pygls.protocol import default_converter

from pgmig_lsp.findings import Finding, Severity
from pgmig_lsp.history import DocumentCheck, History
from pgmig_lsp.lsp.data import SOURCE, finding_data
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.rules.docs import rule_url

if TYPE_CHECKING:
    from pgmig_lsp.lsp.server import PgmigServer

_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}
#: rules whose finding marks text that does nothing (editors fade it)
_UNNECESSARY = frozenset({"unused-ignore"})


def to_diagnostic(finding: Finding, index: LineIndex, version: int | None) -> types.Diagnostic:
    """One finding as an LSP diagnostic of a document at ``version`` (``index`` over its text)."""
    return types.Diagnostic(
        range=index.range(finding.span),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.rule,
        code_description=types.CodeDescription(href=rule_url(finding.rule)),
        source=SOURCE,
        tags=[types.DiagnosticTag.Unnecessary] if finding.rule in _UNNECESSARY else None,
        data=finding_data(finding, version),
    )


@attrs.define
class WireDiagnostic(types.Diagnostic):
    """A diagnostic carrying its JSON form, which `wire_converter` sends as it is."""

    wire: dict[str, Any] = attrs.field(factory=dict, kw_only=True, eq=False, repr=False)


@functools.cache
def _diagnostic_form() -> Callable[[types.Diagnostic], dict[str, Any]]:
    """The JSON form of a diagnostic, as pygls's converter writes it (made on first use: it
    generates code)."""
    converter: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    form: Callable[[types.Diagnostic], dict[str, Any]] = converter.get_unstructure_hook(
        types.Diagnostic
    )
    return form


#: per finding: its diagnostic, that diagnostic's JSON form without range and data, and its
#: data without the version (see `to_diagnostics`)
DiagnosticCache = dict[Finding, tuple[types.Diagnostic, dict[str, Any], dict[str, Any]]]


def wire_converter() -> cattrs.Converter:
    """pygls's converter, sending a `WireDiagnostic` as its ready JSON form: a keystroke's
    findings are mostly those of the last one, whose JSON form is kept."""
    converter: cattrs.Converter = default_converter()  # type: ignore[no-untyped-call]
    generated = converter.get_unstructure_hook(types.Diagnostic)

    def unstructure(diagnostic: types.Diagnostic) -> Any:
        if isinstance(diagnostic, WireDiagnostic):
            return diagnostic.wire
        return generated(diagnostic)

    converter.register_unstructure_hook(types.Diagnostic, unstructure)
    converter.register_unstructure_hook(WireDiagnostic, unstructure)
    return converter


def to_diagnostics(
    check: DocumentCheck,
    index: LineIndex,
    version: int | None,
    cache: DiagnosticCache | None = None,
) -> tuple[list[types.Diagnostic], DiagnosticCache]:
    """The document's findings as diagnostics, and the cache for its next check (the JSON form
    of each finding, from ``cache`` when it was there; the range is always computed again: an
    edit can move the lines of a finding whose offsets it leaves alone)."""
    cache = cache or {}
    kept: DiagnosticCache = {}
    diagnostics: list[types.Diagnostic] = []
    for finding in check.findings:
        known = cache.get(finding) or kept.get(finding)
        if known is None:
            plain = to_diagnostic(finding, index, None)
            form = _diagnostic_form()(plain)
            del form["range"], form["data"]
            known = (plain, form, finding_data(finding, None))
        kept[finding] = known
        plain, form, data_form = known
        where = index.range(finding.span)
        data = {**data_form, "version": version}
        diagnostics.append(
            WireDiagnostic(
                range=where,
                message=plain.message,
                severity=plain.severity,
                code=plain.code,
                code_description=plain.code_description,
                source=plain.source,
                tags=plain.tags,
                data=data,
                wire={**form, "range": _range_form(where), "data": data},
            )
        )
    return diagnostics, kept


def _range_form(where: types.Range) -> dict[str, Any]:
    """A range's JSON form."""
    start, end = where.start, where.end
    return {
        "start": {"line": start.line, "character": start.character},
        "end": {"line": end.line, "character": end.character},
    }


# -- handlers ------------------------------------------------------------------------------------


def did_open(ls: PgmigServer, params: types.DidOpenTextDocumentParams) -> None:
    from pgmig_lsp.lsp.server import uri_path

    uri = params.text_document.uri
    path = uri_path(uri)
    if path is None:
        return
    if ls.pull_diagnostics and uri in ls.checker.pushed:
        # pushed by `pgmig.checkWorkspace` while closed: the client pulls from now on
        ls.checker.publish(uri, [], None)
    ls.checker.open(uri, path)


def did_change(ls: PgmigServer, params: types.DidChangeTextDocumentParams) -> None:
    state = ls.checker.documents.get(params.text_document.uri)
    if state is not None:
        ls.checker.schedule(state)


def did_save(ls: PgmigServer, params: types.DidSaveTextDocumentParams) -> None:
    state = ls.checker.documents.get(params.text_document.uri)
    if state is None:
        return
    ls.checker.schedule(state, forced=True)
    check = state.check
    if check is not None and check.history is not None and check.position is not None:
        # the other files of this migration, and the later ones, read it from disk
        ls.checker.recheck_after(check.history, check.position, skip=state.uri)


def did_close(ls: PgmigServer, params: types.DidCloseTextDocumentParams) -> None:
    # synchronous: a didOpen of the same document may follow at once
    uri = params.text_document.uri
    state = ls.checker.close(uri)
    if not ls.pull_diagnostics:
        ls.checker.publish(uri, [], None)
    if state is not None and state.check is not None and state.check.history is not None:
        history = state.check.history
        ls.checker.spawn(_forget_unsaved(ls, history), f"reloading {history.directory}")


async def _forget_unsaved(ls: PgmigServer, history: History) -> None:
    """Unsaved text is dropped on close: the history takes the file from disk again."""
    changed = await ls.checker.run(history.reload, ls.open_texts())
    if changed is not None:
        ls.checker.recheck_after(history, changed)


async def pull(
    ls: PgmigServer, params: types.DocumentDiagnosticParams
) -> types.DocumentDiagnosticReport:
    """``textDocument/diagnostic``: the findings of the document's current version."""
    state = ls.checker.documents.get(params.text_document.uri)
    if state is None:
        return types.RelatedFullDocumentDiagnosticReport(items=[])
    await ls.checker.current(state)
    result_id = str(state.serial)
    if params.previous_result_id == result_id:
        return types.RelatedUnchangedDocumentDiagnosticReport(result_id=result_id)
    return types.RelatedFullDocumentDiagnosticReport(items=state.diagnostics, result_id=result_id)


def register(ls: PgmigServer) -> None:
    ls.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    ls.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    ls.feature(types.TEXT_DOCUMENT_DID_SAVE)(did_save)
    ls.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    ls.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        # a migration's findings depend on the ones before it
        types.DiagnosticOptions(
            identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=False
        ),
    )(pull)
