"""Source files and spans: code-point offsets into a file's text, and line/column conversion."""

from __future__ import annotations

import bisect
from pathlib import Path

import attrs


@attrs.frozen(order=True)
class Span:
    """A half-open range ``[start, end)`` of code-point offsets into a file's text."""

    start: int
    end: int

    def contains(self, offset: int) -> bool:
        return self.start <= offset < self.end

    def shifted(self, delta: int) -> Span:
        return Span(self.start + delta, self.end + delta)


@attrs.frozen(eq=False)
class SourceFile:
    """One file of a migration: its path and its whole text."""

    path: Path
    text: str
    _line_starts: list[int] = attrs.field(init=False, repr=False)

    def __attrs_post_init__(self) -> None:
        starts = [0]
        find = self.text.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
        object.__setattr__(self, "_line_starts", starts)

    @property
    def line_count(self) -> int:
        return len(self._line_starts)

    def position(self, offset: int) -> tuple[int, int]:
        """Zero-based (line, column) of a code-point offset; columns count code points."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self._line_starts, offset) - 1
        return line, offset - self._line_starts[line]

    def offset(self, line: int, column: int) -> int:
        """Code-point offset of a zero-based (line, column), clamped to the text."""
        if line >= len(self._line_starts):
            return len(self.text)
        start = self._line_starts[max(line, 0)]
        end = (
            self._line_starts[line + 1] - 1 if line + 1 < len(self._line_starts) else len(self.text)
        )
        return min(start + max(column, 0), end)

    def line_span(self, line: int) -> Span:
        """The span of a zero-based line, without its newline."""
        start = self._line_starts[line]
        end = (
            self._line_starts[line + 1] - 1 if line + 1 < len(self._line_starts) else len(self.text)
        )
        return Span(start, end)
