"""Lines are split as LSP counts them: at ``\\n``, ``\\r\\n`` and ``\\r`` only."""

from __future__ import annotations

import random
import re

from pgmig_lsp.lsp.positions import lsp_lines


def _by_the_spec(text: str) -> list[str]:
    return [line for line in re.split(r"(?<=\r\n)|(?<=\r)(?!\n)|(?<=\n)", text) if line]


def test_lines_as_lsp_counts_them() -> None:
    rng = random.Random(3)
    pieces = ["a", " ", "\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "é"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(0, 25)))
        lines = lsp_lines(text)
        assert lines == _by_the_spec(text), repr(text)
        assert "".join(lines) == text
