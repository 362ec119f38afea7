#!/usr/bin/env bash
# Lints the editor integrations with each ecosystem's own tools; exits non-zero on any finding.
#   Emacs: package-lint (Debian elpa-package-lint) and checkdoc on nql-mode.el.
#   Neovim: luacheck (Debian lua-check, editors/nvim/.luacheckrc) and stylua --check (editors/nvim/stylua.toml).
#   VS Code: tsc --strict (tsconfig.json) and eslint (eslint.config.mjs).
# Needs the Debian packages and editors/vscode/node_modules (npm ci) that editors/test.sh installs.
set -euo pipefail
editors="$(cd "$(dirname "$0")" && pwd)"
bin="$editors/vscode/node_modules/.bin"
status=0
run() {
    local name="$1"
    shift
    if "$@"; then echo "ok   $name"; else echo "FAIL $name"; status=1; fi
}

# package-lint and checkdoc on one file; any finding makes Emacs exit non-zero. package-lint checks that each
# dependency is installable from the archives; with no archive fetched, the packages installed from Debian's
# elpa-* (GNU ELPA's) stand for them.
emacs_lint() {
    HOME="$(mktemp -d)" emacs --batch -Q \
        --eval "(setq package-directory-list '(\"/usr/share/emacs/site-lisp/elpa\") package-archives nil)" \
        --eval '(package-initialize)' \
        --eval '(require (quote package-lint))' \
        --eval '(require (quote checkdoc))' \
        --eval '(dolist (installed package-alist) (push installed package-archive-contents))' \
        --eval "(setq checkdoc-arguments-in-order-flag nil)" \
        --eval '(let ((file (car command-line-args-left)) (failed nil))
                  (with-current-buffer (find-file-noselect file)
                    (emacs-lisp-mode)
                    (dolist (issue (package-lint-buffer))
                      (setq failed t)
                      (message "%s:%d:%d: package-lint %s: %s" file (nth 0 issue) (nth 1 issue) (nth 2 issue) (nth 3 issue)))
                    (let ((checkdoc-diagnostic-buffer "*checkdoc*"))
                      (checkdoc-file file))
                    (dolist (buffer (list "*checkdoc*" "*Warnings*"))
                      (with-current-buffer (get-buffer-create buffer)
                        (goto-char (point-min))
                        (while (re-search-forward "^\\(.*\\.el:[0-9]+: .*\\)$" nil t)
                          (setq failed t)
                          (message "checkdoc %s" (match-string 1))))))
                  (kill-emacs (if failed 1 0)))' \
        "$1"
}

run "package-lint, checkdoc: emacs/nql-mode.el" emacs_lint "$editors/emacs/nql-mode.el"
run "luacheck: nvim" luacheck --quiet --config "$editors/nvim/.luacheckrc" "$editors/nvim"
run "stylua --check: nvim" "$bin/stylua" --check --config-path "$editors/nvim/stylua.toml" "$editors/nvim"
run "tsc --strict: vscode" bash -c "cd '$editors/vscode' && '$bin/tsc' --noEmit -p ."
run "eslint: vscode" bash -c "cd '$editors/vscode' && '$bin/eslint' --max-warnings 0 src test e2e"
exit $status
