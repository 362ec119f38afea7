#!/usr/bin/env bash
# Installs code-server (VS Code in a browser) into a cache directory for the end-to-end test, without GitHub
# or nodejs.org: @vscode/ripgrep's postinstall would download ripgrep from GitHub, so its download cache is
# seeded with Debian's `rg` first, under the file name that postinstall script looks for; native modules are
# built against the Node headers installed with Node.
# Usage: install-code-server.sh DEST_DIR   (prints nothing on a cache hit)
set -euo pipefail

CODE_SERVER_VERSION="${CODE_SERVER_VERSION:-4.100.3}"
dest="$1"
marker="$dest/.installed-$CODE_SERVER_VERSION"
if [[ -f "$marker" && -x "$dest/node_modules/.bin/code-server" ]]; then
    exit 0
fi

rg_bin="$(command -v rg || true)"
if [[ -z "$rg_bin" ]]; then
    echo "install-code-server: ripgrep (Debian package ripgrep) is needed to seed @vscode/ripgrep's cache" >&2
    exit 1
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"

# Which @vscode/ripgrep this code-server pins, and which ripgrep release that version downloads.
npm pack --silent "code-server@$CODE_SERVER_VERSION" >/dev/null
tar xzf "code-server-$CODE_SERVER_VERSION.tgz" package/lib/vscode/npm-shrinkwrap.json
rg_pkg_version="$(node -e '
  const s = require("./package/lib/vscode/npm-shrinkwrap.json");
  process.stdout.write(s.packages["node_modules/@vscode/ripgrep"].version);')"
npm pack --silent "@vscode/ripgrep@$rg_pkg_version" >/dev/null
mkdir rgpkg && tar xzf "vscode-ripgrep-$rg_pkg_version.tgz" -C rgpkg
rg_release="$(sed -n "s/^const VERSION = '\(.*\)';/\1/p" rgpkg/package/lib/postinstall.js)"
case "$(uname -m)" in
    x86_64) rg_target=x86_64-unknown-linux-musl ;;
    aarch64) rg_target=aarch64-unknown-linux-musl ;;
    *) echo "install-code-server: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
cache_dir="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rg_pkg_version"
mkdir -p "$cache_dir" seed
cp "$rg_bin" seed/rg
tar czf "$cache_dir/ripgrep-$rg_release-$rg_target.tar.gz" -C seed rg

mkdir -p "$dest"
cd "$dest"
[[ -f package.json ]] || echo '{"name": "nql-editors-code-server", "private": true}' > package.json
export npm_config_unsafe_perm=true npm_config_yes=true
# Native modules (argon2, node-pty, ...) whose prebuilt binaries come from GitHub are built here instead, and
# node-gyp would download Node's headers for that: point it at the headers installed with Node itself.
node_prefix="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
if [[ -f "$node_prefix/include/node/common.gypi" ]]; then
    export npm_config_nodedir="$node_prefix"
else
    echo "install-code-server: Node's headers are not in $node_prefix/include/node; native modules need them" >&2
    exit 1
fi
npm install --no-audit --no-fund --loglevel=error "$work/code-server-$CODE_SERVER_VERSION.tgz"
touch "$marker"
