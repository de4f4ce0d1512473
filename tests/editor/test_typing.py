"""Simulated typing: every prefix of a real migration gives an outline, folds, hovers and actions
without raising, and every outline range is sound."""

from __future__ import annotations

from pathlib import Path

import pytest

from pgmig_lsp.analysis import analyze_migration, select_rules
from pgmig_lsp.config import Settings
from pgmig_lsp.editor.actions import finding_actions, fix_all
from pgmig_lsp.editor.hover import hover
from pgmig_lsp.editor.outline import Symbol, document_symbols, folding_ranges
from pgmig_lsp.migrations.discover import load_file
from pgmig_lsp.migrations.model import Tool

SEED = Path(__file__).resolve().parent.parent / "fixtures" / "seed"
FILES = ["20240131120300_optimize_orders_table.sql", "20240131120500_user_status_enum.sql"]


def _walk(symbols: tuple[Symbol, ...] | list[Symbol]) -> list[Symbol]:
    out: list[Symbol] = []
    for symbol in symbols:
        out += [symbol, *_walk(symbol.children)]
    return out


@pytest.mark.parametrize("name", FILES)
def test_every_prefix_gives_sound_editor_answers(tmp_path: Path, name: str) -> None:
    text = (SEED / name).read_text(encoding="utf-8")
    path = tmp_path / "db" / "migrations" / name
    settings = Settings()
    selection = select_rules(settings)
    checked = 0
    for end in range(0, len(text) + 1, 13):
        prefix = text[:end]
        migration = load_file(path, prefix, Tool.DBMATE)
        assert migration is not None
        for symbol in _walk(document_symbols(migration, path)):
            assert 0 <= symbol.span.start <= symbol.selection.start, (end, symbol)
            assert symbol.selection.end <= symbol.span.end <= end, (end, symbol)
        for fold in folding_ranges(migration, path):
            assert 0 <= fold.start_line < fold.end_line <= prefix.count("\n"), (end, fold)
        findings = analyze_migration(migration, settings, selection=selection)
        for offset in (max(end - 1, 0), end // 2):
            shown = hover(migration, path, offset, settings, findings)
            if shown is not None:
                assert shown.markdown and 0 <= shown.span.start <= shown.span.end <= end
        file = migration.files[0]
        actions = [a for f in findings if f.path == path for a in finding_actions(file, f)]
        everything = fix_all(file, findings)
        if everything is not None:
            actions.append(everything)
        assert all(a.title for a in actions)
        checked += 1
    assert checked > 100
