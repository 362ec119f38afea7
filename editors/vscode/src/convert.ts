// The conversion commands' side that needs no editor: the arguments of the server's `nql.convert`, and its
// answer's problems as one line of text. Kept free of the `vscode` module so that the
// unit tests (test/convert.test.mjs) run under plain Node.

/** What `nql.convert` converts to: neptune-query Filter code, an MLflow search, or NQL (from Filter code). */
export type ConvertTarget = 'filter' | 'mlflow' | 'nql';

/** A position as VS Code and LSP both write it (0-based line, UTF-16 character). */
export interface Place {
  line: number;
  character: number;
}

/** A selection as the editor has it: the cursor is its `active` end; empty when nothing is selected. */
export interface Selection {
  start: Place;
  end: Place;
  isEmpty: boolean;
}

/** One problem of a conversion: its code, severity, message and range in the document. */
export interface ConvertProblem {
  code: string;
  severity: string;
  message: string;
  range?: { start: Place; end: Place };
}

/** The server's answer to `nql.convert` (docs/convert.md, "In the editor"). */
export interface ConvertResult {
  target?: ConvertTarget;
  text: string | null;
  language?: string;
  edit?: unknown;
  problems?: ConvertProblem[];
  message?: string;
  error?: string;
  filterString?: string | null;
}

/** `nql.convert [uri, where, target]`: the cursor when nothing is selected, else the selection's range. */
export function convertArguments(uri: string, selection: Selection, target: ConvertTarget): unknown[] {
  const place = (p: Place): Place => ({ line: p.line, character: p.character });
  const where = selection.isEmpty ? place(selection.start) : { start: place(selection.start), end: place(selection.end) };
  return [uri, where, target];
}

/**
 * The answer's problems on one line, for a notification: each as the command line writes it
 * (`row:column: CODE message`, 1-based), `; ` between them; else the error that stopped the conversion.
 */
export function problemsText(result: ConvertResult): string {
  const lines = (result.message ?? '').split('\n').filter((line) => line.trim() !== '');
  if (lines.length > 0) {
    return lines.map((line) => `line ${line}`).join('; ');
  }
  return result.error ?? '';
}
