;;; nql-mode.el --- Major mode for the Neptune Query Language (NQL) -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1"))
;; Keywords: languages
;; SPDX-License-Identifier: Apache-2.0

;;; Commentary:

;; Font-lock for NQL, the filter language of Neptune's `fetch_runs_table(query=...)', files ending in
;; `.nql', and the registration of the `nql-lsp' language server with Eglot:
;;
;;   (require 'nql-mode)
;;   (add-hook 'nql-mode-hook #'eglot-ensure)
;;
;; With `nql-python-enable', Eglot also starts nql-lsp for Python buffers to check the queries in their
;; strings (nql-lsp then serves only NQL; use it beside your usual Python server through a separate client).
;; `nql-preview' shows the runs a query matches (the server's `nql.preview' command).

;;; Code:

(defgroup nql nil
  "Neptune Query Language."
  :group 'languages
  :prefix "nql-")

(defcustom nql-lsp-command '("nql-lsp" "--stdio")
  "Command that starts the nql-lsp language server over stdio."
  :type '(repeat string))

(defcustom nql-python-enable nil
  "When non-nil, register nql-lsp for `python-mode' too, to check NQL in Python strings."
  :type 'boolean)

(defconst nql-keywords '("AND" "OR" "NOT")
  "Logical keywords, in any case.")

(defconst nql-operator-words '("CONTAINS" "MATCHES" "EXISTS")
  "Word operators, in any case.")

(defconst nql-types
  '("float" "int" "integer" "bool" "string" "datetime" "stringSet" "floatSeries" "stringSeries"
    "experimentState" "fileRef" "artifact")
  "Type names written after a field's `:'.")

(defconst nql-aggregates '("last" "min" "max" "average" "variance")
  "Aggregates of a float series.")

(defconst nql-run-states '("running" "idle" "active" "inactive")
  "Values of `sys/state'.")

(defvar nql-mode-syntax-table
  (let ((table (make-syntax-table)))
    (modify-syntax-entry ?\" "\"" table)
    (modify-syntax-entry ?\\ "\\" table)
    (modify-syntax-entry ?` "\"" table)   ; a backquoted name reads as one balanced unit
    (modify-syntax-entry ?' "\"" table)
    (dolist (c '(?_ ?- ?. ?/))
      (modify-syntax-entry c "_" table))
    (modify-syntax-entry ?: "." table)
    table)
  "Syntax table of `nql-mode'.")

(defun nql--words (words)
  "A case-insensitive regexp matching any of WORDS as a whole symbol."
  (concat "\\_<" (regexp-opt (append words (mapcar #'downcase words)) t) "\\_>"))

(defvar nql-font-lock-keywords
  `(;; Backquoted names are strings to the syntax table; show them as names.
    ("`\\(?:[^`\\\\]\\|\\\\.\\)*`" 0 font-lock-variable-name-face t)
    (,(concat ":[ \t]*" (regexp-opt nql-types 'symbols)) 1 font-lock-type-face)
    (":[ \t]*\\([A-Za-z_][A-Za-z0-9_]*\\)" 1 font-lock-warning-face)
    (,(concat (regexp-opt nql-aggregates 'symbols) "[ \t]*(") 1 font-lock-function-name-face)
    (,(nql--words nql-keywords) . font-lock-keyword-face)
    (,(nql--words nql-operator-words) . font-lock-builtin-face)
    ("\"\\([+-]?[0-9]+[hdMmswy]\\)\"" 1 font-lock-constant-face t)
    ("\\_<[+-]?[0-9]+\\(?:\\.[0-9]+\\)?\\(?:[kKmMgGtT]?[bB]\\)\\_>" . font-lock-constant-face)
    ("\\_<[+-]?\\(?:[0-9]+\\(?:\\.[0-9]*\\)?\\|\\.[0-9]+\\)\\(?:[eE][+-]?[0-9]+\\)?\\_>" . font-lock-constant-face)
    (,(nql--words '("TRUE" "FALSE")) . font-lock-constant-face)
    (,(regexp-opt nql-run-states 'symbols) . font-lock-constant-face))
  "Highlighting of `nql-mode'.")

;;;###autoload
(define-derived-mode nql-mode prog-mode "NQL"
  "Major mode for Neptune Query Language (NQL) queries."
  :syntax-table nql-mode-syntax-table
  (setq-local font-lock-defaults '(nql-font-lock-keywords nil nil))
  (setq-local comment-start "")
  (setq-local electric-pair-pairs '((?\" . ?\") (?` . ?`) (?\( . ?\)))))

;;;###autoload
(add-to-list 'auto-mode-alist '("\\.nql\\'" . nql-mode))

(defun nql--register-with-eglot ()
  "Tell Eglot to start nql-lsp for NQL buffers (and Python buffers with `nql-python-enable')."
  (defvar eglot-server-programs)
  (add-to-list 'eglot-server-programs
               `(,(if nql-python-enable '(nql-mode python-mode) 'nql-mode) . ,nql-lsp-command)))

;;;###autoload
(with-eval-after-load 'eglot (nql--register-with-eglot))

(declare-function eglot--current-server-or-lose "eglot")
(declare-function jsonrpc-request "jsonrpc")

(defun nql--show (title result)
  "Show RESULT of a server command in a buffer named after TITLE."
  (let ((text (cond ((stringp result) result)
                    ((and (listp result) (stringp (plist-get result :markdown))) (plist-get result :markdown))
                    ((and (listp result) (stringp (plist-get result :text))) (plist-get result :text))
                    ((null result) "(no result)")
                    (t (format "%S" result)))))
    (with-current-buffer (get-buffer-create (format "*%s*" title))
      (let ((inhibit-read-only t))
        (erase-buffer)
        (insert text))
      (special-mode)
      (display-buffer (current-buffer))
      (current-buffer))))

(defun nql--execute (command &rest arguments)
  "Run the server's COMMAND with the buffer's URI and ARGUMENTS; return its result."
  (require 'eglot)
  (jsonrpc-request (eglot--current-server-or-lose) :workspace/executeCommand
                   `(:command ,command
                     :arguments ,(vconcat (list (nql--uri buffer-file-name)) arguments))))

(defun nql--uri (file)
  "The file: URI of FILE, as Eglot spells it."
  (funcall (if (fboundp 'eglot-path-to-uri) 'eglot-path-to-uri 'eglot--path-to-uri) (expand-file-name file)))

(defun nql-preview ()
  "Show the runs the query in this buffer matches (nql-lsp's `nql.preview')."
  (interactive)
  (nql--show "nql-preview" (nql--execute "nql.preview")))

(defun nql-explain (run-id)
  "Explain why the run RUN-ID matches the query in this buffer or not (nql-lsp's `nql.explain')."
  (interactive "sRun ID: ")
  (nql--show "nql-explain" (nql--execute "nql.explain" run-id)))

(provide 'nql-mode)
;;; nql-mode.el ends here
