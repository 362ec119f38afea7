#!/usr/bin/env bash
# Runs nql-mode's batch test in Emacs with Eglot against nql-lsp on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
timeout 180 emacs --batch -Q -l "$here/../nql-mode.el" -l "$here/nql-test.el" "$work"
