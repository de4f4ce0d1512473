"""The editor's histories (no server): same findings as `pgmig check FILE`, schemas kept right."""

from __future__ import annotations

from pathlib import Path

from bench.corpus import write_corpus
from pgmig_lsp.analysis import replay_up, select_rules
from pgmig_lsp.catalog.model import Catalog
from pgmig_lsp.config import Settings
from pgmig_lsp.findings import Finding
from pgmig_lsp.history import CHECKPOINT, Histories, History
from pgmig_lsp.workspace import check_paths


def _key(findings: list[Finding]) -> list[tuple[object, ...]]:
    return sorted((f.rule, f.span.start, f.span.end, f.message) for f in findings)


def _replayed(history: History, position: int) -> Catalog:
    catalog = Catalog()
    for migration in history.migrations[:position]:
        replay_up(migration, catalog)
    return catalog


def test_findings_equal_pgmig_check_even_after_an_edit(tmp_path: Path) -> None:
    files = write_corpus(tmp_path, files=3 * CHECKPOINT + 5, seed=4)
    settings = Settings()
    selection = select_rules(settings)
    histories = Histories()
    # far positions first: each is prepared as the language server does, in steps
    for path in (files[-1], files[CHECKPOINT + 3], files[0], files[2 * CHECKPOINT]):
        text = path.read_text(encoding="utf-8")
        check = histories.check(path, text, settings, selection, tool=None)
        while not check.complete:
            assert check.history is not None and check.position is not None
            check.history.advance(check.position, CHECKPOINT)
            check = histories.check(path, text, settings, selection, tool=None)
        expected = check_paths([path], settings).findings
        assert _key(check.findings) == _key(expected), path.name
    # an unsaved edit of an early migration changes what a later one sees
    early = files[5]
    edited = early.read_text(encoding="utf-8").replace(
        "-- migrate:down", "\nCREATE TABLE zz_new (id bigint);\n-- migrate:down", 1
    )
    check = histories.check(early, edited, settings, selection, tool=None, budget=10_000)
    assert check.invalidated
    early.write_text(edited, encoding="utf-8")
    later = files[-2]
    check = histories.check(
        later, later.read_text(encoding="utf-8"), settings, selection, tool=None, budget=10_000
    )
    assert _key(check.findings) == _key(check_paths([later], settings).findings)


def test_kept_schemas_match_a_fresh_replay(tmp_path: Path) -> None:
    write_corpus(tmp_path, files=2 * CHECKPOINT + 7, seed=5)
    history = History.load(tmp_path, None)
    count = len(history.migrations)
    for position in (count - 1, 3, CHECKPOINT, CHECKPOINT + 1, count - 1):
        before = history.before(position, budget=count)
        assert before is not None
        assert set(before.tables) == set(_replayed(history, position).tables)
    history.invalidate_after(CHECKPOINT + 2)
    assert history.replayed <= CHECKPOINT + 3  # goes on from the edited migration's schema
    assert history.before(count - 1, budget=2) is None, "far from the frontier: not replayed here"
    while not history.advance(count - 1, 4):
        pass
    before = history.before(count - 1, budget=0)
    assert before is not None and set(before.tables) == set(_replayed(history, count - 1).tables)


def test_an_edit_that_leaves_the_same_schema_keeps_the_later_ones(tmp_path: Path) -> None:
    files = write_corpus(tmp_path, files=3 * CHECKPOINT, seed=6)
    settings = Settings()
    selection = select_rules(settings)
    histories = Histories()
    middle, last = files[CHECKPOINT + 2], files[-1]

    def check(path: Path, text: str) -> bool:
        result = histories.check(path, text, settings, selection, tool=None, budget=10_000)
        assert result.complete
        return result.invalidated

    original = middle.read_text(encoding="utf-8")
    assert not check(middle, original)
    check(last, last.read_text(encoding="utf-8"))
    history = histories.loaded()[0]
    replayed = history.replayed
    up, down = original.split("-- migrate:down", 1)
    # typing a statement at the end of the up section: it does not parse yet, changes nothing
    for typed in ("ALTER TABLE", "-- a note\nALTER TABLE zz ADD COLUMN", "UPDATE zz SET a = 1;"):
        assert not check(middle, f"{up}{typed}\n-- migrate:down{down}"), typed
        assert history.replayed == replayed
    # the statement is complete: the schema after the migration changed
    edited = f"{up}CREATE TABLE zz_typed (id bigint);\n-- migrate:down{down}"
    assert check(middle, edited)
    assert history.replayed <= CHECKPOINT + 3  # goes on from the edited migration's schema
    middle.write_text(edited, encoding="utf-8")
    text = last.read_text(encoding="utf-8")
    result = histories.check(last, text, settings, selection, tool=None, budget=10_000)
    assert _key(result.findings) == _key(check_paths([last], settings).findings)
    # a comment typed above a statement moves where the objects come from: not the same schema
    assert check(middle, "-- moved\n" + edited)


def test_a_preview_does_not_wait_for_a_long_history(tmp_path: Path) -> None:
    files = write_corpus(tmp_path, files=2 * CHECKPOINT, seed=5)
    settings = Settings()
    selection = select_rules(settings)
    histories = Histories()
    path = files[-1]
    text = path.read_text(encoding="utf-8")
    preview = histories.check(path, text, settings, selection, tool=None, preview=True)
    assert preview.history is None and not preview.complete
    assert histories.loaded() == []  # the directory was not read
    check = histories.check(path, text, settings, selection, tool=None)
    assert check.history is not None and not check.complete
    # the preview found what the first check without the schema before the file finds
    assert _key(preview.findings) == _key(check.findings)


def test_a_short_history_is_read_at_once_even_for_a_preview(tmp_path: Path) -> None:
    files = write_corpus(tmp_path, files=3, seed=5)
    settings = Settings()
    check = Histories().check(
        files[-1], files[-1].read_text(), settings, select_rules(settings), tool=None, preview=True
    )
    assert check.history is not None and check.complete
    assert _key(check.findings) == _key(check_paths([files[-1]], settings).findings)
