"""Only ``pgmig_lsp/lsp/`` may import pygls or lsprotocol (STYLE.md): the rest is plain Python."""

from __future__ import annotations

import ast
from pathlib import Path

import pgmig_lsp

PACKAGE = Path(pgmig_lsp.__file__).parent
FORBIDDEN = ("pygls", "lsprotocol")


def forbidden_imports(source: str) -> list[str]:
    """The modules of ``source`` that are pygls or lsprotocol (or below them)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.extend(name for name in names if name.split(".")[0] in FORBIDDEN)
    return found


def test_the_checker_sees_every_import_form() -> None:
    source = (
        "import os\n"
        "import pygls.server\n"
        "from lsprotocol import types\n"
        "def f():\n"
        "    import lsprotocol.types as t\n"
        "from .pygls import x\n"
    )
    assert forbidden_imports(source) == ["pygls.server", "lsprotocol", "lsprotocol.types"]


def test_nothing_outside_lsp_imports_pygls_or_lsprotocol() -> None:
    lsp = PACKAGE / "lsp"
    offenders = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if lsp not in path.parents
        for names in [forbidden_imports(path.read_text(encoding="utf-8"))]
        if names
    }
    assert offenders == {}
    assert (PACKAGE / "editor" / "outline.py") in set(PACKAGE.rglob("*.py"))  # walk sanity
