"""Template placeholders (goose ``${VAR}``, Go templates ``{{ … }}``) in migration SQL."""

from __future__ import annotations

import re

from pgmig_lsp.source import Span

_PLACEHOLDER = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}|\{\{.*?\}\}", re.DOTALL)


def placeholders(text: str) -> list[Span]:
    """Spans of every template placeholder in ``text``."""
    return [Span(m.start(), m.end()) for m in _PLACEHOLDER.finditer(text)]


def substitute(text: str, spans: list[Span]) -> str:
    """Replace each placeholder by an identifier of the same length, so offsets stay valid.

    A placeholder usually stands for a name (schema, role, table); an identifier keeps the
    statement parseable in most cases. Newlines inside ``{{ … }}`` are kept.
    """
    if not spans:
        return text
    parts: list[str] = []
    last = 0
    for span in spans:
        parts.append(text[last : span.start])
        chunk = text[span.start : span.end]
        filler = "".join("\n" if ch == "\n" else "_" for ch in chunk)
        parts.append("x" + filler[1:] if filler[0] != "\n" else filler)
        last = span.end
    parts.append(text[last:])
    return "".join(parts)
