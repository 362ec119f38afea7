// VS Code client for nql-lsp: starts the server over stdio for NQL files (and Python files when
// `nql.python.enable` is on). The language client registers the server's `nql.preview` / `nql.explain`
// commands; this extension's middleware fills in their arguments from the editor (document, query at the
// cursor, run ID) and shows what they return. The conversion commands (NQL: Convert ...) call the server's
// `nql.convert` on the query or Filter expression at the cursor (see ./convert.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  CodeLensRequest,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  type ExecuteCommandSignature,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

import { convertArguments, type ConvertResult, type ConvertTarget, problemsText } from './convert';
import { findServer, type ServerLookup } from './server-path';

/** Server commands whose results this extension shows; the arguments are filled in from the editor. */
const QUERY_COMMANDS = new Set(['nql.preview', 'nql.explain']);
/** A context key the command palette reads: the query commands exist while the server runs. */
const RUNNING = 'nql.serverRunning';
const RESULT_SCHEME = 'nql-result';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;
const results = new Map<string, string>();
const resultsChanged = new vscode.EventEmitter<vscode.Uri>();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('NQL Language Server');
  context.subscriptions.push(output, resultsChanged);

  context.subscriptions.push(
    vscode.workspace.registerTextDocumentContentProvider(RESULT_SCHEME, {
      onDidChange: resultsChanged.event,
      provideTextDocumentContent: (uri) => results.get(uri.toString()) ?? '',
    }),
    vscode.commands.registerCommand('nql.restartServer', async () => {
      await stopClient();
      await startClient(context);
    }),
    // The conversions call the server's `nql.convert`, which the language client registers itself.
    vscode.commands.registerCommand('nql.convertToFilter', () => convert('filter')),
    vscode.commands.registerCommand('nql.convertToMlflow', () => convert('mlflow')),
    vscode.commands.registerCommand('nql.convertToNql', () => convert('nql')),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // Settings that change how the client itself is set up need a restart; the rest reach the running
      // server through workspace/didChangeConfiguration.
      if (event.affectsConfiguration('nql.server.path') || event.affectsConfiguration('nql.python.enable')) {
        await stopClient();
        await startClient(context);
      } else if (event.affectsConfiguration('nql') && client?.isRunning()) {
        // The server asks for the settings it reads (workspace/configuration) when told they changed.
        await client.sendNotification(DidChangeConfigurationNotification.type, { settings: null });
      }
    }),
  );

  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

async function stopClient(): Promise<void> {
  const running = client;
  client = undefined;
  void vscode.commands.executeCommand('setContext', RUNNING, false);
  if (running) {
    await running.stop().catch(() => undefined);
  }
}

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('nql');
  const lookup: ServerLookup = findServer({
    configured: config.get<string>('server.path', ''),
    pythonInterpreter: await pythonInterpreter(),
    workspaceFolders: workspaceFolders(),
    envPath: process.env.PATH ?? '',
    platform: process.platform,
  });
  if (!lookup.command) {
    reportMissingServer(lookup.tried);
    return;
  }
  output.appendLine(`Starting ${lookup.command} --stdio`);

  const serverOptions: ServerOptions = {
    command: lookup.command,
    args: ['--stdio'],
    transport: TransportKind.stdio,
    options: { cwd: workspaceFolders()[0] },
  };
  const documentSelector: LanguageClientOptions['documentSelector'] = [{ language: 'nql' }];
  if (config.get<boolean>('python.enable', true)) {
    documentSelector.push({ language: 'python' });
  }
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    initializationOptions: { nql: serverSettings() },
    middleware: { executeCommand: runQueryCommand },
  };

  const created = new LanguageClient('nql', 'NQL Language Server', serverOptions, clientOptions);
  client = created;
  try {
    await created.start();
    void vscode.commands.executeCommand('setContext', RUNNING, true);
  } catch (error) {
    client = undefined;
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`nql-lsp failed to start: ${message}`);
    void vscode.window
      .showErrorMessage(
        `NQL: the language server \`${lookup.command} --stdio\` failed to start: ${message}. ` +
          'Check that `nql-lsp --version` runs in a terminal, or set `nql.server.path`.',
        'Open Settings',
        'Show Output',
      )
      .then((choice) => {
        handleChoice(choice);
      });
  }
  context.subscriptions.push({ dispose: () => void stopClient() });
}

/** The `nql.*` settings as the server reads them (the client-only `server.path` left out; an empty `runs` too). */
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('nql');
  const settings: Record<string, unknown> = {
    lineWidth: config.get('lineWidth'),
    severity: config.get('severity'),
    python: { enable: config.get('python.enable') },
  };
  const runs = config.get<string | boolean>('runs', '');
  if (runs !== '') {
    settings.runs = runs;
  }
  return settings;
}

/** The part of the Python extension's API read here; every step may be missing in another version. */
interface PythonApi {
  environments?: { getActiveEnvironmentPath?: (resource?: vscode.Uri) => { path?: string } | undefined };
}

async function pythonInterpreter(): Promise<string | undefined> {
  // The Python extension's selected environment, when it is installed; else its default-interpreter setting.
  const python = vscode.extensions.getExtension('ms-python.python');
  if (python) {
    try {
      const api = (python.isActive ? python.exports : await python.activate()) as PythonApi | undefined;
      const env = api?.environments?.getActiveEnvironmentPath?.(vscode.workspace.workspaceFolders?.[0]?.uri);
      if (env?.path) {
        return env.path;
      }
    } catch {
      // Fall through to the setting.
    }
  }
  const configured = vscode.workspace.getConfiguration('python').get<string>('defaultInterpreterPath');
  return configured && configured !== 'python' ? configured : undefined;
}

function reportMissingServer(tried: string[]): void {
  const list = tried.map((t) => `  - ${t}`).join('\n');
  output.appendLine(`Cannot find the nql-lsp language server. Tried:\n${list}`);
  output.appendLine(
    'Fix: `pip install nql-lsp` in the Python environment VS Code uses (or on your PATH), ' +
      'or set `nql.server.path` to the full path of the nql-lsp executable.',
  );
  void vscode.window
    .showErrorMessage(
      `NQL: cannot find the language server \`nql-lsp\` (tried ${tried.length} places: ${tried.join(', ')}). ` +
        'Install it with `pip install nql-lsp`, or set `nql.server.path` to its full path.',
      'Open Settings',
      'Show Output',
    )
    .then((choice) => {
        handleChoice(choice);
      });
}

function handleChoice(choice: string | undefined): void {
  if (choice === 'Open Settings') {
    void vscode.commands.executeCommand('workbench.action.openSettings', 'nql.server.path');
  } else if (choice === 'Show Output') {
    output.show();
  }
}

/**
 * The client's handler of the server's commands. A code lens passes its own arguments (URI, query index);
 * from the command palette they come from the active editor: its document, the query at the cursor, and
 * for `nql.explain` a run ID the user types. The arguments the server takes are `nql.preview [uri, index]`
 * and `nql.explain [uri, runId, index]`.
 */
async function runQueryCommand(command: string, args: unknown[], next: ExecuteCommandSignature): Promise<unknown> {
  if (!QUERY_COMMANDS.has(command)) {
    return next(command, args);
  }
  const editor = vscode.window.activeTextEditor;
  let source: vscode.Uri;
  let index: number;
  if (typeof args[0] === 'string' && typeof args[1] === 'number') {
    source = vscode.Uri.parse(args[0]);
    index = args[1];
  } else if (editor) {
    source = editor.document.uri;
    index = await queryIndexAt(source, editor.selection.active);
  } else {
    void vscode.window.showWarningMessage(`${command}: open an NQL file (or a Python file with a query) first.`);
    return undefined;
  }
  let serverArgs: unknown[] = [source.toString(), index];
  if (command === 'nql.explain') {
    const runId = await vscode.window.showInputBox({
      title: 'NQL: Explain a Run',
      prompt: 'Run ID (e.g. CLS-123) to explain against this query',
      ignoreFocusOut: true,
    });
    if (!runId) {
      return undefined;
    }
    serverArgs = [source.toString(), runId.trim(), index];
  }
  let result: unknown;
  try {
    result = await next(command, serverArgs);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`${command} failed: ${message}`);
    return undefined;
  }
  await showResult(command, source, resultText(result));
  return result;
}

/**
 * The index of the query at `position` among the document's queries (a Python file may hold several). Each
 * of the server's code lenses sits at the start of a query and carries its index; the query at the cursor is
 * the last to start before it. Without lenses (the runs are not loaded yet) it is the first.
 */
async function queryIndexAt(uri: vscode.Uri, position: vscode.Position): Promise<number> {
  if (!client) {
    return 0;
  }
  const lenses = await client
    .sendRequest(CodeLensRequest.type, { textDocument: { uri: uri.toString() } })
    .catch(() => null);
  let index = 0;
  let best: vscode.Position | undefined;
  for (const lens of lenses ?? []) {
    const start = new vscode.Position(lens.range.start.line, lens.range.start.character);
    const at: unknown = lens.command?.arguments?.[1];
    if (typeof at === 'number' && !start.isAfter(position) && (!best || start.isAfter(best))) {
      index = at;
      best = start;
    }
  }
  return index;
}

/** A command's result as text: a string as is, `{text}` / `{markdown}` fields, anything else as JSON. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') {
    return result;
  }
  if (result && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    for (const key of ['markdown', 'text', 'message']) {
      const value = record[key];
      if (typeof value === 'string') {
        return value;
      }
    }
  }
  return result === null || result === undefined ? '(no result)' : JSON.stringify(result, null, 2);
}

async function showResult(command: string, source: vscode.Uri, text: string): Promise<void> {
  const name = path.basename(source.fsPath || source.path);
  const uri = vscode.Uri.from({ scheme: RESULT_SCHEME, path: `/${command} ${name}.md` });
  results.set(uri.toString(), text);
  resultsChanged.fire(uri);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.languages.setTextDocumentLanguage(doc, 'markdown');
  await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true, preserveFocus: true });
}

/**
 * An NQL: Convert command on the query (or, to NQL, the Filter expression) at the cursor or the selection.
 * What a user is after decides where the result goes:
 * - NQL to Filter code in a Python file replaces the query string in place, as the code action does (undo
 *   takes it back): the code is being moved to neptune-query;
 * - every other result (Filter code of a .nql file, an MLflow search, the NQL of a Filter expression) opens
 *   beside, in a new untitled document of its language, leaving the source as it is; an exact MLflow
 *   `filter_string` can also be copied to the clipboard.
 * What cannot be converted is an error message naming each problem; caveats of a conversion a warning.
 */
async function convert(target: ConvertTarget): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage('NQL: open an NQL file or a Python file first.');
    return;
  }
  if (!client?.isRunning()) {
    void vscode.window.showWarningMessage('NQL: the language server is not running (NQL: Restart Language Server).');
    return;
  }
  const running = client;
  const document = editor.document;
  const uri = running.code2ProtocolConverter.asUri(document.uri);
  let answer: unknown;
  try {
    answer = await running.sendRequest(ExecuteCommandRequest.type, {
      command: 'nql.convert',
      arguments: convertArguments(uri, editor.selection, target),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`NQL: the conversion failed: ${message}`);
    return;
  }
  if (!answer || typeof answer !== 'object') {
    void vscode.window.showErrorMessage('NQL: the language server gave no conversion.');
    return;
  }
  const result = answer as ConvertResult;
  if (typeof result.text !== 'string') {
    void vscode.window.showErrorMessage(`NQL: not converted: ${problemsText(result) || 'nothing to convert here'}`);
    return;
  }
  if (target === 'filter' && result.edit) {
    const edit = await running.protocol2CodeConverter.asWorkspaceEdit(result.edit);
    if (!(await vscode.workspace.applyEdit(edit))) {
      void vscode.window.showErrorMessage('NQL: the document changed; run the conversion again.');
      return;
    }
  } else {
    const shown = await vscode.workspace.openTextDocument({ language: result.language ?? 'plaintext', content: result.text });
    await vscode.window.showTextDocument(shown, { viewColumn: vscode.ViewColumn.Beside, preview: false });
  }
  const caveats = problemsText(result);
  if (caveats) {
    void vscode.window.showWarningMessage(`NQL: converted, with caveats: ${caveats}`);
  }
  const filterString = result.filterString;
  if (typeof filterString === 'string' && filterString) {
    const copy = 'Copy filter_string';
    void vscode.window
      .showInformationMessage('NQL: the query is exactly an MLflow filter_string.', copy)
      .then(async (choice) => {
        if (choice === copy) {
          await vscode.env.clipboard.writeText(filterString);
        }
      });
  }
}
