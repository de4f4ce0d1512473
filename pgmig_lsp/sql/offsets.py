"""Conversion of pglast's UTF-8 byte offsets to code-point offsets, once, at the parser's edge."""

from __future__ import annotations

import bisect
import re

_NON_ASCII = re.compile(r"[^\x00-\x7f]")


class ByteLocator:
    """Maps byte offsets within a parsed string to code-point offsets in the file.

    ``parse_sql_json`` reports UTF-8 byte offsets; everything else in pgmig speaks code points.
    For ASCII text (the common case) the mapping is a plain shift.
    """

    __slots__ = ("_base", "_byte_ends", "_extra")

    def __init__(self, text: str, base: int) -> None:
        self._base = base
        self._byte_ends: list[int] = []
        self._extra: list[int] = []
        if text.isascii():
            return
        extra = 0
        for match in _NON_ASCII.finditer(text):
            width = len(match.group().encode()) - 1
            # byte offset just past this character, counted in bytes
            byte_end = match.end() + extra + width
            extra += width
            self._byte_ends.append(byte_end)
            self._extra.append(extra)

    def offset(self, byte_pos: int) -> int:
        """The file code-point offset of a byte offset into the parsed string."""
        if not self._byte_ends:
            return self._base + byte_pos
        index = bisect.bisect_right(self._byte_ends, byte_pos) - 1
        extra = self._extra[index] if index >= 0 else 0
        return self._base + byte_pos - extra
