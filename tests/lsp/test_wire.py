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
