// Unit tests of the server lookup (plain Node: `node --test`), on a bundle built from src/server-path.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(os.tmpdir(), `nql-server-path-${process.pid}.cjs`);
execFileSync(path.join(here, '..', 'node_modules', '.bin', 'esbuild'),
  [path.join(here, '..', 'src', 'server-path.ts'), '--bundle', '--platform=node', '--format=cjs', `--outfile=${out}`],
  { stdio: 'inherit' });
const { findServer } = createRequire(import.meta.url)(out);

function tree() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nql-lookup-'));
  const make = (rel, mode = 0o755) => {
    const file = path.join(root, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, '#!/bin/sh\n');
    fs.chmodSync(file, mode);
    return file;
  };
  return { root, make };
}

const base = { configured: '', workspaceFolders: [], envPath: '', platform: 'linux' };

test('PATH wins over the Python environment', async () => {
  const { root, make } = tree();
  const onPath = make('bin1/nql-lsp');
  make('env/bin/nql-lsp');
  const r = await findServer({ ...base, envPath: `/nonexistent:${root}/bin1`, pythonInterpreter: `${root}/env/bin/python` });
  assert.equal(r.command, onPath);
});

test('a non-executable file on PATH is skipped for the interpreter\'s environment', async () => {
  const { root, make } = tree();
  make('bin1/nql-lsp', 0o644);
  const inEnv = make('env/bin/nql-lsp');
  const r = await findServer({ ...base, envPath: `${root}/bin1`, pythonInterpreter: `${root}/env/bin/python` });
  assert.equal(r.command, inEnv);
  assert.deepEqual(r.tried, ['nql-lsp on PATH', inEnv]);
});

test('the workspace .venv is the last resort', async () => {
  const { root, make } = tree();
  const venv = make('ws/.venv/bin/nql-lsp');
  const r = await findServer({ ...base, workspaceFolders: [`${root}/ws`] });
  assert.equal(r.command, venv);
});

test('a configured path is the only place looked at, relative to the workspace', async () => {
  const { root, make } = tree();
  make('bin1/nql-lsp');
  const r = await findServer({ ...base, configured: 'tools/nql-lsp', envPath: `${root}/bin1`, workspaceFolders: [root] });
  assert.equal(r.command, undefined);
  assert.deepEqual(r.tried, [path.join(root, 'tools/nql-lsp')]);
});

test('nothing found lists every place tried, in order', async () => {
  const { root } = tree();
  const r = await findServer({ ...base, envPath: '/nonexistent', pythonInterpreter: `${root}/py/bin/python3`, workspaceFolders: [root] });
  assert.equal(r.command, undefined);
  assert.deepEqual(r.tried, [
    'nql-lsp on PATH',
    `${root}/py/bin/nql-lsp`,
    `${root}/.venv/bin/nql-lsp`,
    `${root}/venv/bin/nql-lsp`,
  ]);
});
