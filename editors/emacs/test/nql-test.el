;;; nql-test.el --- Batch test of nql-mode with Eglot and the real nql-lsp -*- lexical-binding: t; -*-

;; Run by run.sh: emacs --batch -Q -l nql-mode.el -l test/nql-test.el WORKDIR
;; Opens .nql files, starts nql-lsp through the `eglot-server-programs' entry nql-mode registers, and checks
;; font-lock, flymake diagnostics (message and column), completion-at-point, formatting and a code action.
;; Prints one line per check and `N passed, N failed'; exits non-zero on any failure.

;;; Code:

(require 'package)
(package-initialize)
;; Debian's elpa-eglot lives in the system package directory, which `emacs -Q' does not activate.
(unless (locate-library "eglot")
  (dolist (dir (file-expand-wildcards "/usr/share/emacs/site-lisp/elpa/*"))
    (add-to-list 'load-path dir)))
(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defvar nql-test-dir (car command-line-args-left))
(defvar nql-test-passed 0)
(defvar nql-test-failed 0)
(setq eglot-sync-connect 30
      eglot-autoreconnect nil
      eglot-events-buffer-size 0
      inhibit-message nil)

(defmacro nql-check (name &rest body)
  "Run BODY as the check NAME."
  (declare (indent 1))
  `(condition-case err
       (progn ,@body
              (setq nql-test-passed (1+ nql-test-passed))
              (princ (format "ok   %s\n" ,name)))
     (error (setq nql-test-failed (1+ nql-test-failed))
            (princ (format "FAIL %s: %s\n" ,name (error-message-string err))))))

(defun nql-expect (cond fmt &rest args)
  (unless cond (error "%s" (apply #'format fmt args))))

(defun nql-wait (pred seconds)
  "Process events until PRED holds or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun nql-open (name text)
  "Visit a new file NAME holding TEXT, with nql-lsp managing it."
  (let ((file (expand-file-name name nql-test-dir)))
    (with-temp-file file (insert text))
    (find-file file)
    (nql-expect (eq major-mode 'nql-mode) "major mode is %s" major-mode)
    ;; The contact comes from `eglot-server-programs', which nql-mode's registration filled in.
    (unless (eglot-current-server)
      (apply #'eglot (eglot--guess-contact)))
    (nql-expect (nql-wait (lambda () (eglot-managed-p)) 30) "eglot does not manage %s" name)
    (current-buffer)))

(nql-check "nql-lsp is registered with eglot for nql-mode"
  (nql-expect (assoc 'nql-mode eglot-server-programs) "no entry: %S" (car eglot-server-programs))
  (nql-expect (equal (cdr (assoc 'nql-mode eglot-server-programs)) '("nql-lsp" "--stdio"))
              "entry: %S" (assoc 'nql-mode eglot-server-programs)))

(nql-check "font-lock faces"
  (with-temp-buffer
    (nql-mode)
    (insert "(`a`:flot > 1) AND last(`x`:floatSeries) >= 50MB")
    (font-lock-ensure)
    (cl-flet ((face-at (s) (goto-char (point-min)) (search-forward s) (get-text-property (match-beginning 0) 'face)))
      (nql-expect (eq (face-at "AND") 'font-lock-keyword-face) "AND: %S" (face-at "AND"))
      (nql-expect (eq (face-at "floatSeries") 'font-lock-type-face) "type: %S" (face-at "floatSeries"))
      (nql-expect (eq (face-at "flot") 'font-lock-warning-face) "unknown type: %S" (face-at "flot"))
      (nql-expect (eq (face-at "last") 'font-lock-function-name-face) "aggregate: %S" (face-at "last"))
      (nql-expect (eq (face-at "`x`") 'font-lock-variable-name-face) "name: %S" (face-at "`x`"))
      (nql-expect (eq (face-at "50MB") 'font-lock-constant-face) "size: %S" (face-at "50MB")))))

;; `é' before the error: a UTF-16 slip would move the diagnostic off `flot'.
(nql-check "flymake diagnostic for an unknown type, at the right column"
  (with-current-buffer (nql-open "bad.nql" "(`sys/name`:string = \"café\") AND (`f1`:flot >= 0.85)\n")
    (let ((diags (nql-wait (lambda () (flymake-diagnostics)) 30)))
      (nql-expect (= (length diags) 1) "diagnostics: %S" diags)
      (let* ((d (car diags))
             (beg (flymake-diagnostic-beg d))
             (end (flymake-diagnostic-end d)))
        (nql-expect (string-match-p "unknown type `flot`" (flymake-diagnostic-text d))
                    "message: %s" (flymake-diagnostic-text d))
        (nql-expect (eq (flymake-diagnostic-type d) 'eglot-error) "type: %S" (flymake-diagnostic-type d))
        ;; `flot' is characters 39-42 of the line (0-based).
        (nql-expect (and (= (- beg (point-min)) 39) (= (- end (point-min)) 43))
                    "range %d-%d" (- beg (point-min)) (- end (point-min)))))))

(nql-check "a code action fixes the type"
  (with-current-buffer (find-buffer-visiting (expand-file-name "bad.nql" nql-test-dir))
    (let* ((beg (+ (point-min) 39))
           ;; Eglot's own request, with the flymake diagnostics in the range as context.
           (actions (eglot-code-actions beg (+ beg 4) "quickfix"))
           (fix (cl-find-if (lambda (a) (string-match-p "float" (plist-get a :title))) actions)))
      (nql-expect fix "no fix naming float in %S" actions)
      (eglot--apply-workspace-edit (plist-get fix :edit))
      (nql-expect (equal (buffer-substring-no-properties (point-min) (line-end-position 1))
                         "(`sys/name`:string = \"café\") AND (`f1`:float >= 0.85)")
                  "after the fix: %s" (buffer-string)))))

(nql-check "completion-at-point after typing"
  (with-current-buffer (nql-open "complete.nql" "")
    (insert "(`sys/state`:experimentState = ")
    (eglot--signal-textDocument/didChange)
    (let* ((capf (eglot-completion-at-point))
           (labels (all-completions "" (nth 2 capf))))
      (nql-expect (and (member "running" labels) (member "idle" labels)) "completions: %S" labels)
      (nql-expect (not (member "AND" labels)) "AND offered where a value is expected: %S" labels))))

(nql-check "eglot-format-buffer"
  (with-current-buffer (nql-open "format.nql" "(`a`:int>1) and (`b`:float<2)\n")
    (eglot-format-buffer)
    (nql-expect (equal (string-trim-right (buffer-string)) "(`a`:int > 1) AND (`b`:float < 2)")
                "formatted: %S" (buffer-string))))

(nql-check "nql-preview shows the server result (or its error)"
  (with-current-buffer (find-buffer-visiting (expand-file-name "format.nql" nql-test-dir))
    (let* ((provider (eglot--server-capable :executeCommandProvider))
           (offered (and provider (seq-contains-p (plist-get provider :commands) "nql.preview"))))
      (if offered
          (let ((buf (nql-preview)))
            (nql-expect (> (buffer-size buf) 0) "empty preview"))
        ;; A server without the command: the request still goes out and its error reaches the user.
        (condition-case err
            (progn (nql-preview) (error "no error from a server without nql.preview"))
          (jsonrpc-error
           (nql-expect (string-match-p "nql.preview" (format "%S" err)) "error: %S" err)
           (princ "     (the server does not offer nql.preview; checked that its error is shown)\n")))))))

(ignore-errors (eglot-shutdown-all))
(princ (format "%d passed, %d failed\n" nql-test-passed nql-test-failed))
(kill-emacs (if (= nql-test-failed 0) 0 1))
;;; nql-test.el ends here
