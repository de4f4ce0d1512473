"""Diagnostics go out in the JSON form pygls's own converter gives them, from a kept copy."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.workspace import PositionCodec

from pgmig_lsp.analysis import select_rules
from pgmig_lsp.config import Settings
from pgmig_lsp.history import Histories
from pgmig_lsp.lsp.diagnostics import to_diagnostic, to_diagnostics, wire_converter
from pgmig_lsp.lsp.positions import LineIndex

ROOT = Path(__file__).resolve().parents[2]
SHOP = ROOT / "examples" / "shop" / "db" / "migrations"


def test_the_kept_json_form_is_what_pygls_would_send() -> None:
    settings = Settings()
    histories = Histories()
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    fixes = 0
    for path in sorted(SHOP.glob("*.sql")):
        text = path.read_text(encoding="utf-8")
        check = histories.check(path, text, settings, select_rules(settings), tool=None)
        index = LineIndex(text, codec)
        cache = None
        for version in (1, 2):  # the second time from the kept forms, with the new version
            sent, cache = to_diagnostics(check, index, version, cache)
            plain = [to_diagnostic(f, index, version) for f in check.findings]
            fixes += sum(1 for f in check.findings if f.fix is not None)
            ours = wire_converter().unstructure(
                types.PublishDiagnosticsParams(uri=path.as_uri(), diagnostics=sent, version=version)
            )
            theirs = default_converter().unstructure(  # type: ignore[no-untyped-call]
                types.PublishDiagnosticsParams(
                    uri=path.as_uri(), diagnostics=plain, version=version
                )
            )
            assert ours == theirs
            assert len(cache) == len({(f, f.span.start, f.span.end) for f in check.findings})
    assert fixes > 0  # fix edits travel in the data too


def test_an_edit_that_keeps_offsets_but_moves_lines() -> None:
    """Replacing a space by a line break (the same length) leaves every finding's offsets alone
    and moves its lines: the kept forms must not keep the old ranges."""
    settings = Settings()
    codec = PositionCodec(types.PositionEncodingKind.Utf16)
    path = SHOP / "20240401090000_add_app_user_status.sql"
    text = path.read_text(encoding="utf-8")
    at = text.index("ALTER TABLE") + len("ALTER")
    edited = text[:at] + "\n" + text[at + 1 :]
    histories = Histories()
    first = histories.check(path, text, settings, select_rules(settings), tool=None)
    _, cache = to_diagnostics(first, LineIndex(text, codec), 1, None)
    second = histories.check(path, edited, settings, select_rules(settings), tool=None)
    index = LineIndex(edited, codec)
    sent, _ = to_diagnostics(second, index, 2, cache)
    moved = [f for f in second.findings if f.span.start > at]
    assert moved and set(moved) <= set(first.findings)  # the same findings, at the same offsets
    assert [wire_converter().unstructure(d) for d in sent] == [
        default_converter().unstructure(to_diagnostic(f, index, 2))  # type: ignore[no-untyped-call]
        for f in second.findings
    ]
