"""Code-point offsets (pgmig's spans) ↔ LSP positions in the client's position encoding.

LSP lines end at ``\\n``, ``\\r\\n`` or ``\\r`` only; Python's ``str.splitlines`` also breaks at
form feeds, ``\\x1c``–``\\x1e``, ``\\x85`` and ``\\u2028``/``\\u2029``, so pygls's documents are
given `lsp_lines` (see `LspTextDocument`) and the conversions here use the same rule. Columns are
converted with pygls's position codec (UTF-16 unless the client negotiated UTF-8 or UTF-32).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace import TextDocument, Workspace
from pygls.workspace.position_codec import PositionCodec

from pgmig_lsp.source import Span

_LINE_END = re.compile(r"\r\n|\r|\n")
#: the line breaks of ``str.splitlines`` that LSP does not count
_OTHER_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def lsp_lines(text: str) -> list[str]:
    """The lines of ``text`` as LSP counts them, each with its line ending."""
    if _OTHER_BREAKS.search(text) is None:
        return text.splitlines(keepends=True)  # the same lines, split in C
    lines: list[str] = []
    start = 0
    for match in _LINE_END.finditer(text):
        lines.append(text[start : match.end()])
        start = match.end()
    if start < len(text):
        lines.append(text[start:])
    return lines


class LineIndex:
    """Converts between code-point offsets into one text and LSP positions."""

    def __init__(self, text: str, codec: PositionCodec) -> None:
        self.text = text
        self.codec = codec
        self._starts = [0, *(m.end() for m in _LINE_END.finditer(text))]
        # every encoding counts an ASCII character as one unit
        self._plain = text.isascii() or codec.encoding == types.PositionEncodingKind.Utf32

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._starts, offset) - 1
        start = self._starts[line]
        if self._plain:
            return types.Position(line=line, character=offset - start)
        return types.Position(
            line=line, character=self.codec.client_num_units(self.text[start:offset])
        )

    def range(self, span: Span) -> types.Range:
        return types.Range(start=self.position(span.start), end=self.position(span.end))

    def _line_end(self, line: int) -> int:
        """The offset where ``line``'s content ends (before its line ending)."""
        if line + 1 < len(self._starts):
            end = self._starts[line + 1]
            ending = self.text[end - 2 : end]
            return end - (2 if ending == "\r\n" else 1)
        return len(self.text)

    def offset(self, position: types.Position) -> int:
        """The code-point offset of an LSP position, clamped to its line and the text."""
        if position.line < 0:
            return 0
        if position.line >= len(self._starts):
            return len(self.text)
        start = self._starts[position.line]
        end = self._line_end(position.line)
        if self._plain:
            return min(start + max(position.character, 0), end)
        units = 0
        offset = start
        while offset < end and units < position.character:
            units += self.codec.client_num_units(self.text[offset])
            offset += 1
        return offset

    def span(self, range_: types.Range) -> Span:
        return Span(self.offset(range_.start), self.offset(range_.end))


class LspTextDocument(TextDocument):
    """A pygls document whose lines follow LSP's rule (incremental edits land where the client
    meant them even after a form feed or a ``\\u2028`` in a comment)."""

    @property
    def lines(self) -> Sequence[str]:
        return lsp_lines(self.source)


class LspWorkspace(Workspace):
    """pygls's workspace, creating `LspTextDocument` documents."""

    def _create_text_document(
        self,
        doc_uri: str,
        source: str | None = None,
        version: int | None = None,
        language_id: str | None = None,
    ) -> TextDocument:
        return LspTextDocument(
            doc_uri,
            source=source,
            version=version,
            language_id=language_id,
            sync_kind=self._sync_kind,
            position_codec=self.position_codec,
        )
