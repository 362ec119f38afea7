// Where nql-lsp is: the configured path, then PATH, then the Python environment next to the interpreter VS Code
// uses, then a virtual environment in the workspace. Plain Node (no vscode import) so it is unit-tested alone.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ServerSearch {
  /** `nql.server.path`; empty for the default search. */
  configured: string;
  /** The selected Python interpreter, if any (its directory holds the environment's scripts). */
  pythonInterpreter?: string;
  workspaceFolders: string[];
  envPath: string;
  platform: NodeJS.Platform;
}

export interface ServerLookup {
  command?: string;
  /** Every place looked at, in order, for the message when none holds the server. */
  tried: string[];
}

function isExecutable(file: string): boolean {
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile()) {
      return false;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findServer(search: ServerSearch): ServerLookup {
  const exe = search.platform === 'win32' ? 'nql-lsp.exe' : 'nql-lsp';
  const scripts = search.platform === 'win32' ? 'Scripts' : 'bin';
  const tried: string[] = [];
  const check = (candidate: string): string | undefined => {
    tried.push(candidate);
    return isExecutable(candidate) ? candidate : undefined;
  };

  const configured = search.configured.trim();
  if (configured) {
    // An explicit setting is the only place looked at: silently using another server would hide a typo.
    const resolved = path.isAbsolute(configured)
      ? configured
      : path.resolve(search.workspaceFolders[0] ?? process.cwd(), configured);
    return { command: check(resolved), tried };
  }

  const pathDirs = search.envPath.split(path.delimiter).filter(Boolean);
  tried.push(`${exe} on PATH`);
  for (const dir of pathDirs) {
    const candidate = path.join(dir, exe);
    if (isExecutable(candidate)) {
      return { command: candidate, tried };
    }
  }
  if (search.pythonInterpreter) {
    const found = check(path.join(path.dirname(search.pythonInterpreter), exe));
    if (found) {
      return { command: found, tried };
    }
  }
  for (const folder of search.workspaceFolders) {
    for (const venv of ['.venv', 'venv']) {
      const found = check(path.join(folder, venv, scripts, exe));
      if (found) {
        return { command: found, tried };
      }
    }
  }
  return { tried };
}
