"""psql's own syntax in a script: meta-command lines and ``COPY … FROM stdin`` data.

Scripts that psql runs (sqitch's, plain ``psql -f`` files, ``pg_dump`` output) may hold lines
the server never sees: ``\\connect db``, ``\\set ON_ERROR_STOP on``, ``\\restrict key`` — and
the rows of a ``COPY … FROM stdin`` up to the ``\\.`` line, which psql streams as data.
`blank_psql` replaces them with spaces (newlines kept), so the server's parser sees what the
server would see and every offset stays where it was.
"""

from __future__ import annotations

import re

#: a line psql may treat specially: a backslash first, or a ``COPY … FROM stdin``
_HINT = re.compile(r"^[ \t]*\\|\bstdin\b", re.IGNORECASE | re.MULTILINE)
# pg_dump writes comments (``-- Data for Name: …``) before each COPY
_COPY_FROM_STDIN = re.compile(
    r"^(?:\s+|--[^\n]*(?:\n|$)|/\*.*?\*/)*COPY\b.*\bFROM\s+STDIN\b", re.IGNORECASE | re.DOTALL
)
_DOLLAR_TAG = re.compile(r"\$([A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def blank_psql(text: str) -> str:
    """``text`` with psql meta-command lines and ``COPY … FROM stdin`` data blanked out."""
    if not _HINT.search(text):
        return text
    chars = list(text)
    n = len(text)
    i = 0
    statement_start = 0
    line_start = True
    while i < n:
        ch = text[i]
        if line_start:
            j = i
            while j < n and text[j] in " \t":
                j += 1
            if j < n and text[j] == "\\":
                # a meta-command: psql reads it to the end of its line
                end = text.find("\n", j)
                end = n if end == -1 else end
                _blank(chars, j, end)
                i = end
                continue
        line_start = False
        if ch == "\n":
            line_start = True
            i += 1
        elif text.startswith("--", i):
            end = text.find("\n", i)
            i = n if end == -1 else end
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                if text.startswith("/*", i):
                    depth, i = depth + 1, i + 2
                elif text.startswith("*/", i):
                    depth, i = depth - 1, i + 2
                else:
                    i += 1
        elif ch == "'":
            escapes = i > 0 and text[i - 1] in "eE"
            i += 1
            while i < n:
                if escapes and text[i] == "\\":
                    i += 2
                elif text[i] == "'":
                    if text.startswith("''", i):
                        i += 2
                    else:
                        i += 1
                        break
                else:
                    i += 1
        elif ch == '"':
            end = text.find('"', i + 1)
            i = n if end == -1 else end + 1
        elif ch == "$" and (match := _DOLLAR_TAG.match(text, i)) and not _in_word(text, i):
            end = text.find(match.group(0), match.end())
            i = n if end == -1 else end + len(match.group(0))
        elif ch == ";":
            statement = text[statement_start:i]
            i += 1
            statement_start = i
            if _COPY_FROM_STDIN.match(statement):
                i = _skip_copy_data(text, chars, i)
                statement_start = i
                line_start = True
        else:
            i += 1
    return "".join(chars)


def _in_word(text: str, i: int) -> bool:
    """A ``$`` that continues an identifier or a parameter (``a$1``, ``$1``) opens no string."""
    return i > 0 and (text[i - 1].isalnum() or text[i - 1] == "_")


def _skip_copy_data(text: str, chars: list[str], i: int) -> int:
    """Blank the rows after ``COPY … FROM stdin;`` through the ``\\.`` line.

    Returns the offset where SQL resumes.
    """
    n = len(text)
    newline = text.find("\n", i)
    if newline == -1:
        return n
    start = newline + 1
    pos = start
    while pos < n:
        end = text.find("\n", pos)
        end = n if end == -1 else end
        if text[pos:end].rstrip("\r") == "\\.":
            _blank(chars, start, end)
            return end
        pos = end + 1
    _blank(chars, start, n)
    return n
