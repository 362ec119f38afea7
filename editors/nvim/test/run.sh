#!/usr/bin/env bash
# Runs the Neovim plugin's end-to-end test in headless Neovim, through both ways of starting the server:
# vim.lsp.enable('nql') (Neovim 0.11+) and require('nql').setup() (0.8-0.10). nql-lsp must be on PATH.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
plugin="$(dirname "$here")"
nvim_bin="${NVIM:-nvim}"
status=0
for mode in enable setup; do
    work="$(mktemp -d)"
    # -u NONE: no user config; the plugin comes in only through runtimepath, and `filetype on` reads its ftdetect.
    if ! (cd "$work" && timeout 120 "$nvim_bin" --headless -u NONE -i NONE -n \
            --cmd "set rtp^=$plugin" --cmd 'filetype on' --cmd 'syntax on' \
            -l "$here/lsp_test.lua" "$mode" "$work" 2>&1); then
        echo "nvim: the $mode run failed" >&2
        status=1
    fi
    rm -rf "$work"
done
exit $status
