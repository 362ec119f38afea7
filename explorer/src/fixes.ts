// Diagnostics with the server's quick fixes: @codemirror/lsp-client draws published diagnostics but asks
// for no code actions, so this handler draws them itself and then attaches each fix the server offers
// (textDocument/codeAction) as an action on its diagnostic, applied as the server's edit.

import { type Action, type Diagnostic as LintDiagnostic, setDiagnostics } from "@codemirror/lint";
import { type LSPClient, LSPPlugin } from "@codemirror/lsp-client";
import type { EditorView } from "@codemirror/view";

interface Position {
  line: number;
  character: number;
}
interface Range {
  start: Position;
  end: Position;
}
export interface ServerDiagnostic {
  range: Range;
  message: string;
  severity?: number;
  code?: string | number;
}
interface TextEdit {
  range: Range;
  newText: string;
}
interface CodeAction {
  title: string;
  kind?: string;
  diagnostics?: ServerDiagnostic[];
  edit?: { changes?: Record<string, TextEdit[]>; documentChanges?: { textDocument: { uri: string }; edits: TextEdit[] }[] };
}

const SEVERITY = ["error", "error", "warning", "info", "hint"] as const;

function same(a: ServerDiagnostic, b: ServerDiagnostic): boolean {
  return (
    a.message === b.message &&
    a.range.start.line === b.range.start.line &&
    a.range.start.character === b.range.start.character &&
    a.range.end.line === b.range.end.line &&
    a.range.end.character === b.range.end.character
  );
}

function editsOf(action: CodeAction, uri: string): TextEdit[] {
  const edit = action.edit;
  if (!edit) return [];
  if (edit.documentChanges) return edit.documentChanges.filter((c) => c.textDocument.uri === uri).flatMap((c) => c.edits);
  return edit.changes?.[uri] ?? [];
}

function draw(view: EditorView, plugin: LSPPlugin, found: ServerDiagnostic[], actions: CodeAction[], uri: string): void {
  const at = (p: Position) => plugin.unsyncedChanges.mapPos(plugin.fromPosition(p, plugin.syncedDoc));
  const lint: LintDiagnostic[] = found.map((d) => {
    const fixes: Action[] = actions
      .filter((a) => (a.diagnostics ?? []).some((x) => same(x, d)) && editsOf(a, uri).length > 0)
      .map((a) => ({
        name: a.title,
        apply(target: EditorView) {
          const edits = editsOf(a, uri);
          target.dispatch({ changes: edits.map((e) => ({ from: at(e.range.start), to: at(e.range.end), insert: e.newText })) });
        },
      }));
    return {
      from: at(d.range.start),
      to: at(d.range.end),
      severity: SEVERITY[d.severity ?? 1] ?? "error",
      message: d.code ? `${d.message} (${d.code})` : d.message,
      actions: fixes,
    };
  });
  view.dispatch(setDiagnostics(view.state, lint));
}

export function showDiagnostics(client: LSPClient, params: { uri: string; version?: number; diagnostics: ServerDiagnostic[] }): boolean {
  const file = client.workspace.getFile(params.uri);
  if (!file || (params.version != null && params.version !== file.version)) return false;
  const view = file.getView();
  const plugin = view && LSPPlugin.get(view);
  if (!view || !plugin) return false;
  draw(view, plugin, params.diagnostics, [], params.uri);
  if (params.diagnostics.length === 0) return true;
  const version = file.version;
  const end = plugin.syncedDoc.lineAt(plugin.syncedDoc.length);
  client
    .request<unknown, CodeAction[] | null>("textDocument/codeAction", {
      textDocument: { uri: params.uri },
      range: { start: { line: 0, character: 0 }, end: { line: end.number - 1, character: end.length } },
      context: { diagnostics: params.diagnostics, only: ["quickfix"] },
    })
    .then((actions) => {
      if (file.version !== version || !actions) return; // the text moved on: the next publish brings its own
      draw(view, plugin, params.diagnostics, actions, params.uri);
    })
    .catch(() => undefined);
  return true;
}
