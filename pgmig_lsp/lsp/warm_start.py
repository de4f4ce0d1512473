"""A faster start: the byte code of the methods attrs generates for lsprotocol's classes, kept.

Importing ``lsprotocol.types`` makes ~570 attrs classes, and attrs writes and compiles their
``__init__``, ``__eq__``, ``__repr__``… at every start: 765 calls to ``compile``, about 40 % of
the import, which is itself most of the server's start-up. Python keeps the byte code of modules
in ``__pycache__``; this keeps the byte code of those generated methods the same way, in
``pgmig_lsp/lsp/__pycache__`` (or under ``sys.pycache_prefix``), keyed by the generated source
itself, and written only when Python may write byte code (not with ``PYTHONDONTWRITEBYTECODE``).

attrs has no public hook for this: the private function it compiles with is replaced while the
server's modules are imported, and left alone when it is not there (another attrs version).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import marshal
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import CodeType
from typing import Any

#: cache files are read only up to this size (a damaged or foreign file is ignored)
_MAX_BYTES = 32 * 1024 * 1024
#: the number attrs mixes into a class's ``__hash__``: the hash of a string, so it changes with
#: every process (``PYTHONHASHSEED``). Any number does the job (it only tells classes apart):
#: the kept byte code keeps the one it was compiled with, and the key leaves it out.
_HASH_SALT = re.compile(r"(return hash\(\(\s*)-?\d+,")


def cache_file() -> Path:
    """Where the byte code is kept, for this Python and these attrs and lsprotocol versions."""
    versions = []
    for name in ("attrs", "lsprotocol"):
        try:
            versions.append(importlib.metadata.version(name))
        except importlib.metadata.PackageNotFoundError:
            versions.append("none")
    name = f"attrs-methods.{sys.implementation.cache_tag}.{'-'.join(versions)}.marshal"
    here = Path(__file__).resolve().parent
    if sys.pycache_prefix:
        return Path(sys.pycache_prefix + str(here)) / name
    return here / "__pycache__" / name


def _read(path: Path) -> dict[bytes, CodeType]:
    with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
        if path.stat().st_size <= _MAX_BYTES:
            loaded = marshal.loads(path.read_bytes())
            if isinstance(loaded, dict):
                return {
                    key: code
                    for key, code in loaded.items()
                    if isinstance(key, bytes) and isinstance(code, CodeType)
                }
    return {}


def _write(path: Path, codes: dict[bytes, CodeType]) -> None:
    """Write atomically (another server may start at the same time); never fails the start."""
    with contextlib.suppress(OSError, ValueError):
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_bytes(marshal.dumps(codes))
        os.replace(partial, path)


@contextlib.contextmanager
def kept_attrs_methods(path: Path | None = None) -> Iterator[dict[str, int]]:
    """While active, attrs takes the byte code of a generated method from the cache when it
    has it (compiling and keeping it otherwise). Yields counts: ``reused`` and ``compiled``."""
    counts = {"reused": 0, "compiled": 0}
    try:
        from attr import _make
    except ImportError:  # pragma: no cover - attrs is a dependency
        yield counts
        return
    original = getattr(_make, "_compile_and_eval", None)
    if original is None:
        yield counts
        return
    path = path or cache_file()
    codes = _read(path)
    used: dict[bytes, CodeType] = {}

    def compile_and_eval(
        script: str,
        globs: dict[str, Any] | None,
        locs: Mapping[str, object] | None = None,
        filename: str = "",
    ) -> None:
        stable = _HASH_SALT.sub(r"\1SALT,", script)
        key = hashlib.blake2b(f"{filename}\0{stable}".encode(), digest_size=16).digest()
        code = codes.get(key)
        if code is None:
            code = compile(script, filename, "exec")
            counts["compiled"] += 1
        else:
            counts["reused"] += 1
        used[key] = code
        eval(code, globs, locs)  # what attrs does with the code it compiles

    _make._compile_and_eval = compile_and_eval
    try:
        yield counts
    finally:
        _make._compile_and_eval = original
        # rewritten when something was compiled, or to drop what no longer was asked for
        if used.keys() != codes.keys() and not sys.dont_write_bytecode:
            _write(path, used)
