#!/usr/bin/env bash
# The explorer's front end and its end-to-end test: installs what they need (Debian's chromium, the locked npm
# packages), then type-checks, runs the unit tests, checks that nql_lsp/explore/static is what the sources
# build, and drives the page in headless Chromium. Needs an active virtual environment with nql-lsp installed
# with the explore extra (`pip install -e '.[explore]'`). Idempotent; screenshots go to explorer/artifacts/.
set -euo pipefail
explorer="$(cd "$(dirname "$0")" && pwd)"
artifacts="$explorer/artifacts"
mkdir -p "$artifacts"
say() { printf '\n== %s\n' "$*"; }
fail_setup() { echo "explorer/test.sh: $*" >&2; exit 1; }

[[ -n "${VIRTUAL_ENV:-}" ]] || fail_setup "activate the project's virtual environment first"
python -c 'import aiohttp, nql_lsp' 2>/dev/null || fail_setup "pip install -e '.[explore]' in the active virtual environment"

say "apt packages"
if ! dpkg-query -W -f='${Status}' chromium 2>/dev/null | grep -q 'install ok installed'; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
chromium --version

say "npm ci, type check, unit tests"
cd "$explorer"
stamp="node_modules/.nql-lock-$(sha256sum package-lock.json | cut -c1-16)"
if [[ ! -f "$stamp" ]]; then
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
fi
npm run --silent typecheck
node --test test/unit/

say "the shipped page is what the sources build"
node build.mjs --check

say "end to end in headless Chromium"
PYTHON="$(command -v python)" timeout 600 node test/e2e.mjs "$artifacts"
