;;; nql-test.el --- Batch test of nql-mode with Eglot and the real nql-lsp -*- lexical-binding: t; -*-

;; Run by run.sh, after it installed nql-mode.el with package.el into a fresh package directory:
;;   emacs --batch -Q --eval (setq package-user-dir ...) -l test/nql-test.el WORKDIR
;; Checks what the package's autoloads do when Eglot loads, then opens .nql files, starts nql-lsp through the
;; `eglot-server-programs' entry nql-mode registers, and checks font-lock, flymake diagnostics (message and
;; column), completion-at-point, formatting, a code action, and the server's commands on the query at point.
;; Prints one line per check and `N passed, N failed'; exits non-zero on any failure.

;;; Code:

(require 'package)
(require 'cl-lib)
(defvar nql-python-enable)
(defvar nql-test-dir (car command-line-args-left))
(defvar nql-test-passed 0)
(defvar nql-test-failed 0)

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

;; As a user's init file would: packages activated (only autoloads run), the option set before anything loads.
(package-initialize)
(setq nql-python-enable t)

(nql-check "installed as a package, nql-mode is autoloaded, not loaded"
  (nql-expect (package-installed-p 'nql-mode) "nql-mode is not an installed package")
  (nql-expect (autoloadp (symbol-function 'nql-mode)) "nql-mode is not autoloaded: %S" (symbol-function 'nql-mode))
  (nql-expect (not (featurep 'nql-mode)) "nql-mode.el was loaded by its autoloads")
  (nql-expect (not (featurep 'eglot)) "eglot was loaded before the test asked for it"))

;; A user's init file may load Eglot before nql-mode.el is ever loaded: the package's autoloads must not
;; need anything that only nql-mode.el defines.
(nql-check "loading Eglot after the package's autoloads"
  (condition-case err
      (require 'eglot)
    (error (error "loading eglot failed: %s" (error-message-string err)))))

(nql-check "opening an .nql file registers nql-lsp with Eglot"
  (with-temp-buffer
    (setq buffer-file-name (expand-file-name "probe.nql" nql-test-dir))
    (set-auto-mode)
    (nql-expect (eq major-mode 'nql-mode) "major mode %s" major-mode)
    (set-buffer-modified-p nil)
    (setq buffer-file-name nil))
  (let ((contact (nth 2 (eglot--lookup-mode 'nql-mode))))
    (nql-expect contact "no eglot-server-programs entry for nql-mode")
    (nql-expect (equal (if (functionp contact) (funcall contact nil) contact) '("nql-lsp" "--stdio"))
                "nql-mode's contact: %S" contact)))

(nql-check "nql-python-enable leaves Python buffers to the Python server Eglot already has"
  (let ((python (nth 2 (eglot--lookup-mode 'python-mode))))
    (nql-expect python "Eglot has no Python entry at all")
    (nql-expect (not (or (eq python 'nql--eglot-contact) (equal python '("nql-lsp" "--stdio")))) "nql-lsp took python-mode from Eglot's own entry")
    (nql-expect (rassq 'nql--eglot-contact (cdr (memq (rassq python eglot-server-programs) eglot-server-programs)))
                "no nql-lsp entry after Eglot's Python entry")))

(nql-check "nql-mode.el uses only Eglot's public functions"
  (let ((private nil))
    (with-temp-buffer
      (insert-file-contents (locate-library "nql-mode.el"))
      (goto-char (point-min))
      (while (re-search-forward "\\_<\\(eglot--[^ \t\n()']+\\)" nil t)
        (push (match-string 1) private)))
    (nql-expect (null private) "private Eglot functions used: %S" (delete-dups private))))

(require 'flymake)
(setq eglot-sync-connect 30
      eglot-autoreconnect nil
      eglot-events-buffer-size 0
      inhibit-message nil)

(defun nql-wait (pred seconds)
  "Process events until PRED holds or SECONDS pass; return PRED's value."
  (let ((deadline (+ (float-time) seconds)) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.05))
    value))

(defun nql-open (name text &optional mode)
  "Visit a new file NAME holding TEXT in MODE (`nql-mode' by default), with nql-lsp managing it."
  (let ((file (expand-file-name name nql-test-dir)))
    (with-temp-file file (insert text))
    (find-file file)
    (nql-expect (eq major-mode (or mode 'nql-mode)) "major mode is %s" major-mode)
    ;; The contact comes from `eglot-server-programs', which nql-mode's registration filled in.
    (unless (eglot-current-server)
      (apply #'eglot (eglot--guess-contact)))
    (nql-expect (nql-wait (lambda () (eglot-managed-p)) 30) "eglot does not manage %s" name)
    (current-buffer)))

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

(nql-check "nql-preview shows the runs the query matches"
  (with-current-buffer (find-buffer-visiting (expand-file-name "format.nql" nql-test-dir))
    ;; The server loads the runs in the background and says so until they are in: ask again, as a user would.
    (let ((text (nql-wait (lambda ()
                            (let ((s (with-current-buffer (nql-preview) (buffer-string))))
                              (and (not (string-match-p "still loading" s)) s)))
                          30)))
      (nql-expect text "the runs never finished loading")
      (nql-expect (string-match-p "matches [0-9]+ of [0-9]+ runs" text) "preview: %s"
                  (substring text 0 (min 200 (length text)))))))

;; A Python file with two queries: the commands act on the query at point, numbered as the server's lenses
;; number them. The first query matches CLS-23, the second does not.
(nql-check "nql-explain and nql-preview act on the query at point in a Python file"
  ;; nql-lsp serves Python buffers where no other entry does: take Eglot's own Python entry out, as the
  ;; documentation says.
  (setq eglot-server-programs
        (cl-remove-if (lambda (entry)
                        (and (not (eq (cdr entry) 'nql--eglot-contact))
                             (memq 'python-mode (mapcar (lambda (m) (car (ensure-list m))) (ensure-list (car entry))))))
                      eglot-server-programs))
  (with-current-buffer (nql-open "two.py"
                                 (concat "first = fetch_runs_table(query=\"`sys/failed`:bool = false\")\n"
                                         "second = fetch_runs_table(query=\"`sys/failed`:bool = true\")\n")
                                 'python-mode)
    ;; The lenses ("matches N of M runs", one at the start of each query) come once the runs are in.
    (let* ((lenses (nql-wait (lambda ()
                               (let ((found (jsonrpc-request (eglot-current-server) :textDocument/codeLens
                                                             `(:textDocument (:uri ,(nql--uri buffer-file-name))))))
                                 (and (= (length found) 2) found)))
                             30))
           (titles (mapcar (lambda (lens) (plist-get (plist-get lens :command) :title))
                           (sort (append lenses nil)
                                 (lambda (a b) (< (plist-get (plist-get (plist-get a :range) :start) :line)
                                                  (plist-get (plist-get (plist-get b :range) :start) :line)))))))
      (nql-expect lenses "no lens for each query")
      (nql-expect (not (equal (car titles) (cadr titles))) "the two queries match as many runs: %S" titles)
      (goto-char (point-min))
      (forward-line 1)
      (search-forward "true")
      (let ((text (with-current-buffer (nql-explain "CLS-23") (buffer-string))))
        (nql-expect (and (string-match-p "does not match" text) (string-match-p "bool = true" text))
                    "explain on the second query: %s" text))
      (let ((text (with-current-buffer (nql-preview) (buffer-string))))
        (nql-expect (string-match-p (regexp-quote (cadr titles)) text) "preview of the second query: %s"
                    (substring text 0 (min 200 (length text)))))
      (goto-char (point-min))
      (search-forward "false")
      (let ((text (with-current-buffer (nql-explain "CLS-23") (buffer-string))))
        (nql-expect (string-match-p "matches the query" text) "explain on the first query: %s" text))
      (let ((text (with-current-buffer (nql-preview) (buffer-string))))
        (nql-expect (string-match-p (regexp-quote (car titles)) text) "preview of the first query: %s"
                    (substring text 0 (min 200 (length text))))))))

(nql-check "nql-convert shows an MLflow search, and says what cannot be converted"
  (with-current-buffer (nql-open "mlflow.nql" "sys/name = \"baseline\"\n")
    (let ((text (with-current-buffer (nql-convert "mlflow") (buffer-string))))
      (nql-expect (string-match-p (regexp-quote "filter_string=\"params.`sys/name` = 'baseline'\"") text)
                  "shown: %s" text)))
  (with-current-buffer (nql-open "min.nql" "min(`loss`:floatSeries) < 0.5\n")
    (let ((said (condition-case err (progn (nql-convert "filter") nil) (user-error (error-message-string err)))))
      (nql-expect (and said (string-match-p "Not converted: 1:1: CNV101" said)) "said: %S" said))))

(ignore-errors (eglot-shutdown-all))
(princ (format "%d passed, %d failed\n" nql-test-passed nql-test-failed))
(kill-emacs (if (= nql-test-failed 0) 0 1))
;;; nql-test.el ends here
