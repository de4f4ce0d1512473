"""Checking open documents: one worker thread, the newest version wins, results delivered once.

- Every core call runs on one worker thread (`Checker.run`): the core keeps caches that are not
  thread-safe, and the event loop stays free to read the next edit.
- A document is checked by one task at a time. Edits that arrive meanwhile only mark it dirty;
  the task then checks the newest text. A result for a version the editor has moved past is
  dropped, never published.
- A document whose history is not replayed yet gets its in-file findings at once (the history
  unknown); the history is replayed in small steps between keystroke checks, then the document is
  checked again. Once a complete result was shown, incomplete ones are not shown over it.
- Push (``publishDiagnostics``) unless the client pulls (``textDocument/diagnostic``); then a
  result the client did not ask for (history ready, an earlier migration changed) asks it to
  pull again (``workspace/diagnostic/refresh``).
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
from lsprotocol import types

from pgmig_lsp.analysis import RuleSelection, select_rules
from pgmig_lsp.history import DocumentCheck, History
from pgmig_lsp.lsp.configuration import configured_tool
from pgmig_lsp.lsp.positions import LineIndex
from pgmig_lsp.runtime import collect_when_idle

if TYPE_CHECKING:
    from pgmig_lsp.lsp.server import PgmigServer

_T = TypeVar("_T")

#: wait this long after an edit before checking (edits typed meanwhile are checked together)
DEBOUNCE = 0.001
#: documents after a changed migration are checked again this long after the last change
DEPENDENT_DELAY = 0.25
#: how long the first checks wait for the editor's settings after ``initialized``
CONFIGURATION_WAIT = 2.0
#: migrations replayed per step when preparing a history (keystroke checks run between steps)
REPLAY_STEP = 16
#: documents larger than this (characters) are checked on open and save, not on every edit
LARGE_DOCUMENT = 1_000_000
#: the collector's full sweep runs once no check was delivered for this long (seconds)
IDLE = 2.0


@attrs.define(eq=False)
class Outcome:
    """What one check of one document version produced (computed on the worker thread)."""

    version: int | None
    check: DocumentCheck
    diagnostics: list[types.Diagnostic]
    messages: list[str]


@attrs.define(eq=False)
class DocumentState:
    """An open document, as the checker sees it."""

    uri: str
    path: Path
    dirty: bool = False
    #: the next check also runs for a large document (it was opened or saved)
    forced: bool = True
    #: the next check was not asked for by the client (pull clients must be told to pull)
    background: bool = False
    not_before: float = 0.0
    closed: bool = False
    task: asyncio.Task[None] | None = None
    #: the last result shown, and the document version it is for
    check: DocumentCheck | None = None
    version: int | None = None
    diagnostics: list[types.Diagnostic] = attrs.Factory(list)
    #: a complete result (checked against the history) was shown
    complete_shown: bool = False
    #: the first check ran (it does not wait for a long history to be read)
    previewed: bool = False
    #: a new number with each result (pull clients get it as ``resultId``)
    serial: int = 0
    updated: asyncio.Event = attrs.Factory(asyncio.Event)
    #: the JSON form of the last check's diagnostics (worker thread only; see `to_diagnostics`)
    diagnostic_cache: dict[Any, Any] = attrs.Factory(dict)


@attrs.define(eq=False)
class _Preparation:
    history: History
    target: int
    waiting: set[str] = attrs.Factory(set)


class Checker:
    """Schedules, runs and delivers the checks of open documents."""

    def __init__(self, ls: PgmigServer) -> None:
        self.ls = ls
        self.documents: dict[str, DocumentState] = {}
        self.configured = asyncio.Event()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pgmig-check")
        self._selections: dict[str, RuleSelection] = {}
        self._preparing: dict[int, _Preparation] = {}
        self._refresh_scheduled = False
        #: documents with pushed diagnostics (to clear them when a pull client opens one)
        self.pushed: set[str] = set()
        self._serials = itertools.count(1)
        self._reported_errors: set[str] = set()
        #: every task the checker started (kept so that none is garbage-collected mid-way)
        self._tasks: set[asyncio.Task[Any]] = set()
        #: the next full sweep of the collector, once the editor is idle
        self._sweep: asyncio.TimerHandle | None = None

    # -- the worker thread ----------------------------------------------------------------------

    async def run(self, function: Callable[..., _T], *args: Any) -> _T:
        """Run a core function on the worker thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._worker, functools.partial(function, *args))

    def stop(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    def spawn(self, coroutine: Any, what: str) -> asyncio.Task[Any]:
        """Start a background task whose failure is logged, never lost."""

        async def guarded() -> None:
            try:
                await coroutine
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.ls.log_exception(what, exc)

        task = asyncio.ensure_future(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    def selection(self, settings: Any) -> RuleSelection:
        """The rule selection of some settings, computed once (worker thread)."""
        key = settings.fingerprint()
        selection = self._selections.get(key)
        if selection is None:
            selection = self._selections[key] = select_rules(settings)
        return selection

    # -- documents ------------------------------------------------------------------------------

    def open(self, uri: str, path: Path) -> None:
        state = self.documents.get(uri) or DocumentState(uri, path)
        state.closed = False
        self.documents[uri] = state
        self.schedule(state, forced=True)

    def close(self, uri: str) -> DocumentState | None:
        state = self.documents.pop(uri, None)
        if state is not None:
            # on the worker thread, after a check of this document that may be running
            self.spawn(self.run(self.ls.histories.forget, state.path), f"closing {state.path}")
            state.closed = True
            state.updated.set()
            if state.task is not None:
                state.task.cancel()
        return state

    def schedule(
        self,
        state: DocumentState,
        *,
        forced: bool = False,
        background: bool = False,
        delay: float = 0.0,
    ) -> None:
        """Check the document's newest version soon (one task per document)."""
        if state.closed:
            return
        state.dirty = True
        state.forced |= forced
        state.background |= background
        loop = asyncio.get_running_loop()
        state.not_before = max(state.not_before, loop.time() + delay)
        if state.task is None or state.task.done():
            state.task = asyncio.ensure_future(self._check_loop(state))

    def recheck_all(self) -> None:
        """Check every open document again (settings changed)."""
        for state in self.documents.values():
            self.schedule(state, forced=True, background=True)

    def recheck_after(
        self, history: History, position: int, *, skip: str | None = None, delay: float = 0.0
    ) -> None:
        """Check again the open documents of ``history`` at ``position`` or later."""
        for state in list(self.documents.values()):
            check = state.check
            if state.uri == skip or check is None or check.history is not history:
                continue
            if check.position is not None and check.position >= position:
                self.schedule(state, background=True, delay=delay)

    async def _check_loop(self, state: DocumentState) -> None:
        try:
            if not self.configured.is_set():
                try:
                    await asyncio.wait_for(self.configured.wait(), CONFIGURATION_WAIT)
                except TimeoutError:
                    self.configured.set()
            loop = asyncio.get_running_loop()
            while state.dirty and not state.closed:
                state.dirty = False
                await asyncio.sleep(max(DEBOUNCE, state.not_before - loop.time()))
                document = self.ls.document(state.uri)
                if document is None or state.closed:
                    return
                version, text = document.version, document.source
                if len(text) > LARGE_DOCUMENT and not state.forced:
                    continue
                forced, background = state.forced, state.background
                state.forced = state.background = False
                try:
                    outcome = await self.run(
                        self._check, state, text, version, self.ls.open_texts()
                    )
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    self.ls.log_exception(f"checking {state.path}", exc)
                    # a pull request waiting for this version gets the last result
                    state.version = version
                    state.serial = next(self._serials)
                    state.updated.set()
                    continue
                self.show_messages(outcome.messages)
                if state.closed or document.version != version:
                    # superseded by a newer edit; it keeps the flags of this one
                    state.forced |= forced
                    state.background |= background
                    continue
                self._deliver(state, outcome, background)
        finally:
            state.task = None

    def _check(
        self, state: DocumentState, text: str, version: int | None, texts: dict[Path, str]
    ) -> Outcome:
        """Check one document version (worker thread)."""
        from pgmig_lsp.lsp.diagnostics import to_diagnostics

        path = state.path
        resolver = self.ls.resolver
        settings = resolver.for_file(path)
        check = self.ls.histories.check(
            path,
            text,
            settings,
            self.selection(settings),
            tool=configured_tool(settings),
            texts=texts,
            preview=not state.previewed,
        )
        state.previewed = True
        index = LineIndex(text, self.ls.workspace.position_codec)
        diagnostics, state.diagnostic_cache = to_diagnostics(
            check, index, version, state.diagnostic_cache
        )
        return Outcome(version, check, diagnostics, resolver.take_messages())

    # -- results --------------------------------------------------------------------------------

    def _sweep_when_idle(self) -> None:
        """Run the collector's full sweep `IDLE` seconds after the last delivered check (not in
        the middle of the next keystroke's)."""
        if self._sweep is not None:
            self._sweep.cancel()
        self._sweep = asyncio.get_running_loop().call_later(IDLE, self._sweep_now)

    def _sweep_now(self) -> None:
        self._sweep = None
        if any(
            state.task is not None and not state.task.done() for state in self.documents.values()
        ):
            self._sweep_when_idle()
            return
        collect_when_idle()

    def _deliver(self, state: DocumentState, outcome: Outcome, background: bool) -> None:
        self._sweep_when_idle()
        check = outcome.check
        for error in check.internal_errors:
            if error not in self._reported_errors:
                self._reported_errors.add(error)
                self.ls.log(f"pgmig: {error}", types.MessageType.Error)
        if check.complete or not state.complete_shown:
            state.check = check
            state.version = outcome.version
            state.diagnostics = outcome.diagnostics
            state.complete_shown |= check.complete
            state.serial = next(self._serials)
            state.updated.set()
            if self.ls.pull_diagnostics:
                if background or not check.complete:
                    self.request_refresh()
            else:
                self.publish(state.uri, outcome.diagnostics, outcome.version)
        if check.history is None and not check.complete:
            # a preview: check again, reading the history this time
            self.schedule(state, background=True)
        if check.history is not None and check.position is not None:
            if not check.complete:
                self._prepare(check.history, check.position, state.uri)
            if check.invalidated:
                self.recheck_after(
                    check.history, check.position, skip=state.uri, delay=DEPENDENT_DELAY
                )

    def show_messages(self, messages: list[str]) -> None:
        for message in messages:
            self.ls.show(f"pgmig: {message}")

    def publish(self, uri: str, diagnostics: list[types.Diagnostic], version: int | None) -> None:
        if diagnostics:
            self.pushed.add(uri)
        else:
            self.pushed.discard(uri)
        self.ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=diagnostics, version=version)
        )

    def request_refresh(self) -> None:
        """Ask a pull client to pull again (once per turn of the event loop)."""
        if self._refresh_scheduled or not self.ls.client_supports(
            "workspace.diagnostics.refresh_support"
        ):
            return
        self._refresh_scheduled = True

        def send() -> None:
            self._refresh_scheduled = False
            self.ls.workspace_diagnostic_refresh(None)

        asyncio.get_running_loop().call_soon(send)

    async def current(self, state: DocumentState) -> DocumentState:
        """The state once its result is for the document's current version (pull requests)."""
        while not state.closed:
            document = self.ls.document(state.uri)
            if document is None:
                break
            if state.version == document.version and state.serial and not state.dirty:
                break
            if len(document.source) > LARGE_DOCUMENT and state.serial and not state.forced:
                break  # checked on save only
            state.updated.clear()
            if state.task is None:
                self.schedule(state, forced=True)
            await state.updated.wait()
        return state

    # -- histories ------------------------------------------------------------------------------

    def _prepare(self, history: History, position: int, uri: str) -> None:
        """Replay ``history`` up to ``position`` in steps, then check ``uri`` again."""
        preparation = self._preparing.get(id(history))
        if preparation is not None:
            preparation.target = max(preparation.target, position)
            preparation.waiting.add(uri)
            return
        preparation = _Preparation(history, position, {uri})
        self._preparing[id(history)] = preparation
        self.spawn(self._replay(preparation), f"replaying {history.directory}")

    async def _replay(self, preparation: _Preparation) -> None:
        history = preparation.history
        try:
            while not await self.run(history.advance, preparation.target, REPLAY_STEP):
                pass
        finally:
            del self._preparing[id(history)]
        for uri in preparation.waiting:
            state = self.documents.get(uri)
            if state is not None:
                self.schedule(state, background=True)
