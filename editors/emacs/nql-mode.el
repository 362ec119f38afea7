;;; nql-mode.el --- Major mode for the Neptune Query Language (NQL) -*- lexical-binding: t; -*-

;; Copyright (C) 2026 The nql-lsp authors

;; Author: The nql-lsp authors
;; URL: https://github.com/nql-lsp/nql-lsp
;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages
;; SPDX-License-Identifier: Apache-2.0

;;; Commentary:

;; Font-lock for NQL, the filter language of Neptune's `fetch_runs_table(query=...)', files ending in
;; `.nql', and the registration of the `nql-lsp' language server with Eglot:
;;
;;   (add-hook 'nql-mode-hook #'eglot-ensure)
;;
;; Eglot runs one server for a major mode in a project, so nql-lsp cannot check the queries in Python
;; strings beside your Python server.  With `nql-python-enable' set before nql-mode loads (or
;; `nql-eglot-register' called after), nql-lsp serves Python buffers only where no other entry of
;; `eglot-server-programs' does (Eglot's own list names Python servers).
;; `nql-preview' shows the runs the query at point matches (the server's `nql.preview' command),
;; `nql-explain' why a run is matched or not (`nql.explain'), and `nql-convert' converts the
;; query at point to neptune-query Filter code or an MLflow search, or the Filter expression at point
;; to NQL (`nql.convert'), showing the result in a buffer.

;;; Code:

(require 'eglot)
(require 'seq)
(require 'url-util)

(defgroup nql nil
  "Neptune Query Language."
  :group 'languages
  :prefix "nql-")

(defcustom nql-lsp-command '("nql-lsp" "--stdio")
  "Command that starts the nql-lsp language server over stdio."
  :type '(repeat string))

(defcustom nql-python-enable nil
  "When non-nil, nql-lsp may serve Python buffers, to check their queries.
Eglot runs one server for a major mode, and nql-lsp does not take Python buffers
from another: its entry goes after every other of `eglot-server-programs', so it
serves them only where no earlier entry names a Python mode.  Eglot's own list
names Python servers; to use nql-lsp in Python buffers, take that entry out.
Set this before nql-mode loads, or call `nql-eglot-register' after."
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

(defun nql-eglot-register ()
  "Register nql-lsp in `eglot-server-programs' for NQL buffers.
With `nql-python-enable', for Python buffers too, after any other entry.
Loading nql-mode does this; call it again after changing `nql-python-enable'."
  (add-to-list 'eglot-server-programs '(nql-mode . nql--eglot-contact))
  (when nql-python-enable
    (add-to-list 'eglot-server-programs '((python-mode python-ts-mode) . nql--eglot-contact) t)))

(defun nql--eglot-contact (&optional _interactive)
  "Return `nql-lsp-command' to Eglot, read anew for each server."
  nql-lsp-command)

(nql-eglot-register)

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

(defun nql--server ()
  "The Eglot server of this buffer, or an error saying how to start one."
  (or (eglot-current-server)
      (user-error "No language server manages this buffer; start one with `M-x eglot'")))

(defun nql--uri (file)
  "The file: URI of FILE, spelled as Eglot spells those of the files it opens."
  (let ((allowed (copy-sequence url-path-allowed-chars)))
    (aset allowed ?: nil)
    (concat "file://" (url-hexify-string (file-truename file) allowed))))

(defun nql--utf16-column ()
  "The column of point in UTF-16 code units, as LSP counts characters."
  (/ (length (encode-coding-string (buffer-substring-no-properties (line-beginning-position) (point))
                                   'utf-16le))
     2))

(defun nql--query-index (server uri)
  "The index of the query at point in URI, as SERVER numbers a file's queries.
A Python file may hold several queries; each has a code lens at its start that
carries its index, and the query at point is the last to start before point.
Without lenses (the runs are not loaded yet) it is the first query."
  (let ((line (1- (line-number-at-pos)))
        (column (nql--utf16-column))
        (index 0)
        (best nil))
    (seq-doseq (lens (jsonrpc-request server :textDocument/codeLens `(:textDocument (:uri ,uri))))
      (let* ((start (plist-get (plist-get lens :range) :start))
             (at (cons (plist-get start :line) (plist-get start :character)))
             (arguments (plist-get (plist-get lens :command) :arguments)))
        (when (and (> (length arguments) 1)
                   (integerp (elt arguments 1))
                   (or (< (car at) line) (and (= (car at) line) (<= (cdr at) column)))
                   (or (null best) (> (car at) (car best)) (and (= (car at) (car best)) (> (cdr at) (cdr best)))))
          (setq best at
                index (elt arguments 1)))))
    index))

(defun nql--execute (command &optional run-id)
  "Run the server's COMMAND on the query at point; return its result.
The arguments are the document's URI, then RUN-ID if given, then the index of
the query at point."
  (unless buffer-file-name
    (user-error "This buffer visits no file"))
  (let* ((server (nql--server))
         (uri (nql--uri buffer-file-name))
         (arguments (vconcat (list uri) (and run-id (list run-id)) (list (nql--query-index server uri)))))
    (if (fboundp 'eglot-execute)
        (eglot-execute server (list :title command :command command :arguments arguments))
      (eglot-execute-command server command arguments))))

;;;###autoload
(defun nql-preview ()
  "Show the matches of the query at point.
These are the runs that nql-lsp's `nql.preview' command returns."
  (interactive)
  (nql--show "nql-preview" (nql--execute "nql.preview")))

;;;###autoload
(defun nql-explain (run-id)
  "Explain why the run RUN-ID matches the query at point or not.
This is nql-lsp's `nql.explain' command."
  (interactive "sRun ID: ")
  (nql--show "nql-explain" (nql--execute "nql.explain" run-id)))

(defconst nql-convert-targets '("filter" "mlflow" "nql")
  "What `nql-convert' converts to.
Filter code of neptune-query, an MLflow search, or NQL from Filter code.")

(defun nql--lsp-position ()
  "Point as an LSP position, its column counted as Eglot agreed.
Eglot's public variable for that is `eglot-current-linepos-function'
\(from 1.12), `eglot-current-column-function' before; without either,
UTF-16, the LSP default."
  (let ((count (seq-find (lambda (name) (and (boundp name) (functionp (symbol-value name))))
                         '(eglot-current-linepos-function eglot-current-column-function))))
    (list :line (1- (line-number-at-pos))
          :character (if count (funcall (symbol-value count)) (nql--utf16-column)))))

;;;###autoload
(defun nql-convert (target)
  "Convert the query at point to TARGET and show the result.
TARGET is \"filter\" (neptune-query Filter code), \"mlflow\" (an MLflow
search over runs loaded by neptune-exporter) or \"nql\" (the Filter
expression at point, in a Python buffer, as NQL).  This is nql-lsp's
`nql.convert' command; the result is shown in the buffer *nql-convert*,
and what cannot be converted is reported as an error naming each problem."
  (interactive (list (completing-read "Convert to: " nql-convert-targets nil t)))
  (unless buffer-file-name
    (user-error "This buffer visits no file"))
  (let* ((server (nql--server))
         (arguments (vector (nql--uri buffer-file-name) (nql--lsp-position) target))
         (result (if (fboundp 'eglot-execute)
                     (eglot-execute server (list :title "nql.convert" :command "nql.convert" :arguments arguments))
                   (eglot-execute-command server "nql.convert" arguments)))
         (text (and (listp result) (plist-get result :text)))
         (problems (and (listp result) (plist-get result :message))))
    (unless (stringp text)
      (user-error "Not converted: %s"
                  (or (and (stringp problems) (not (string-empty-p problems)) problems)
                      (and (listp result) (plist-get result :error))
                      "nothing to convert here")))
    (prog1 (nql--show "nql-convert" text)
      (when (and (stringp problems) (not (string-empty-p problems)))
        (message "Converted, with caveats: %s" problems)))))

(provide 'nql-mode)
;;; nql-mode.el ends here
