"""The server keeps the byte code attrs generates for lsprotocol's classes between starts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import json, sys
from pathlib import Path
from pgmig_lsp.lsp.warm_start import kept_attrs_methods
with kept_attrs_methods(Path(sys.argv[1])) as counts:
    from lsprotocol import types
    from pgmig_lsp.source import Span
position = types.Position(line=1, character=2)
same = position == types.Position(line=1, character=2)
# a frozen class's hash, with the kept salt: equal values hash alike
hashes = hash(Span(1, 2)) == hash(Span(1, 2)) and Span(1, 2) in {Span(1, 2)}
print(json.dumps({**counts, "same": same and hashes, "repr": repr(position)}))
"""


def _start(cache: Path, **env: str) -> dict[str, object]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment.update(env)
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(cache)],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_second_start_reuses_the_byte_code(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    first = _start(cache)
    assert first["reused"] == 0 and int(first["compiled"]) > 500  # type: ignore[call-overload]
    assert cache.exists()
    second = _start(cache)
    # every method is reused, also ``__hash__``, whose salt changes with each process
    assert second["compiled"] == 0
    assert second["reused"] == first["compiled"]
    assert second["same"] is True
    assert second["repr"] == first["repr"] == "1:2"


def test_nothing_is_written_when_python_writes_no_byte_code(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    _start(cache, PYTHONDONTWRITEBYTECODE="1")
    assert not cache.exists()


def test_a_damaged_cache_is_ignored_and_replaced(tmp_path: Path) -> None:
    cache = tmp_path / "methods.marshal"
    cache.write_bytes(b"\x00not marshal data")
    started = _start(cache)
    assert started["reused"] == 0 and started["same"] is True
    assert _start(cache)["reused"] != 0
