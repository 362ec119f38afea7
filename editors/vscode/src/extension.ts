// VS Code client for nql-lsp: starts the server over stdio for NQL files (and Python files when
// `nql.python.enable` is on), and adds the `nql.preview` / `nql.explain` commands that show what the
// server's commands of the same names return.
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

import { findServer, type ServerLookup } from './server-path';

/** Server commands this extension wraps in its own VS Code commands (with arguments taken from the editor). */
const OWN_COMMANDS = new Set(['nql.preview', 'nql.explain']);
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
    vscode.commands.registerCommand('nql.preview', () => runQueryCommand('nql.preview')),
    vscode.commands.registerCommand('nql.explain', async () => {
      const runId = await vscode.window.showInputBox({
        title: 'NQL: Explain a Run',
        prompt: 'Run ID (e.g. CLS-123) to explain against this query',
        ignoreFocusOut: true,
      });
      if (runId) {
        await runQueryCommand('nql.explain', runId.trim());
      }
    }),
    vscode.commands.registerCommand('nql.restartServer', async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      // Settings that change how the client itself is set up need a restart; the rest reach the running
      // server through workspace/didChangeConfiguration.
      if (event.affectsConfiguration('nql.server.path') || event.affectsConfiguration('nql.python.enable')) {
        await stopClient();
        await startClient(context);
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
  if (running) {
    await running.stop().catch(() => undefined);
  }
}

function workspaceFolders(): string[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('nql');
  const lookup: ServerLookup = await findServer({
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
  if (config.get<boolean>('python.enable', false)) {
    documentSelector.push({ language: 'python' });
  }
  const clientOptions: LanguageClientOptions = {
    documentSelector,
    outputChannel: output,
    synchronize: { configurationSection: 'nql' },
    initializationOptions: { nql: serverSettings() },
  };

  const created = new LanguageClient('nql', 'NQL Language Server', serverOptions, clientOptions);
  skipOwnServerCommands(created);
  client = created;
  try {
    await created.start();
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
      .then((choice) => handleChoice(choice));
  }
  context.subscriptions.push({ dispose: () => void stopClient() });
}

/** The `nql.*` settings as the server reads them (the client-only `server.path` left out, empty paths too). */
function serverSettings(): Record<string, unknown> {
  const config = vscode.workspace.getConfiguration('nql');
  const settings: Record<string, unknown> = {
    lineWidth: config.get('lineWidth'),
    severity: config.get('severity'),
    python: { enable: config.get('python.enable') },
  };
  const runs = config.get<string>('runs', '');
  if (runs) {
    settings.runs = runs;
  }
  return settings;
}

/**
 * The language client turns every command the server announces into a VS Code command; `nql.preview` and
 * `nql.explain` are registered here instead (they take their arguments from the active editor), so the
 * client must not register them a second time.
 */
function skipOwnServerCommands(languageClient: LanguageClient): void {
  const feature = languageClient.getFeature(ExecuteCommandRequest.method) as unknown as {
    register(data: { id: string; registerOptions: { commands?: string[] } }): void;
  };
  const register = feature.register.bind(feature);
  feature.register = (data) => {
    const commands = (data.registerOptions.commands ?? []).filter((c) => !OWN_COMMANDS.has(c));
    register({ ...data, registerOptions: { ...data.registerOptions, commands } });
  };
}

async function pythonInterpreter(): Promise<string | undefined> {
  // The Python extension's selected environment, when it is installed; else its default-interpreter setting.
  const python = vscode.extensions.getExtension('ms-python.python');
  if (python) {
    try {
      const api = python.isActive ? python.exports : await python.activate();
      const env = api?.environments?.getActiveEnvironmentPath?.(vscode.workspace.workspaceFolders?.[0]?.uri);
      if (env?.path) {
        return env.path as string;
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
    .then((choice) => handleChoice(choice));
}

function handleChoice(choice: string | undefined): void {
  if (choice === 'Open Settings') {
    void vscode.commands.executeCommand('workbench.action.openSettings', 'nql.server.path');
  } else if (choice === 'Show Output') {
    output.show();
  }
}

async function runQueryCommand(command: string, ...extra: string[]): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showWarningMessage(`${command}: open an NQL file (or a Python file with a query) first.`);
    return;
  }
  if (!client) {
    void vscode.window.showErrorMessage(`${command}: the NQL language server is not running (see the NQL output).`);
    return;
  }
  const uri = editor.document.uri.toString();
  let result: unknown;
  try {
    result = await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: [uri, ...extra] });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    void vscode.window.showErrorMessage(`${command} failed: ${message}`);
    return;
  }
  await showResult(command, editor.document.uri, resultText(result));
}

/** A command's result as text: a string as is, `{text}` / `{markdown}` fields, anything else as JSON. */
export function resultText(result: unknown): string {
  if (typeof result === 'string') {
    return result;
  }
  if (result && typeof result === 'object') {
    const record = result as Record<string, unknown>;
    for (const key of ['markdown', 'text', 'message']) {
      if (typeof record[key] === 'string') {
        return record[key] as string;
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
