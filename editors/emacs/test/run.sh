#!/usr/bin/env bash
# Runs nql-mode's batch test in Emacs with Eglot against nql-lsp on PATH. nql-mode comes in as users get it:
# installed with package.el into a fresh package directory, so the test sees only what its autoloads provide
# until something loads the file.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
export HOME="$work"   # no user init file, no ~/.emacs.d of the machine's
elpa="$work/elpa"
# `emacs -Q' skips Debian's site start, which names the system package directory (elpa-eglot's home); name it
# here, as a user's Emacs does, so package.el sees the Eglot that nql-mode depends on.
setup="(setq package-user-dir \"$elpa\" package-archives nil package-directory-list '(\"/usr/share/emacs/site-lisp/elpa\"))"
timeout 120 emacs --batch -Q \
    --eval "$setup" \
    --eval '(package-initialize)' \
    --eval "(package-install-file \"$here/../nql-mode.el\")" 2>&1 | grep -v '^\(Loading\|Wrote\|Checking\)' || true
ls -d "$elpa"/nql-mode-* >/dev/null || { echo "nql-mode did not install" >&2; exit 1; }
timeout 180 emacs --batch -Q \
    --eval "$setup" \
    -l "$here/nql-test.el" "$work"
