// Unit tests of the conversion commands' arguments and messages (plain Node: `node --test`), on a bundle built
// from src/convert.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { createRequire } from 'node:module';

const here = path.dirname(new URL(import.meta.url).pathname);
const out = path.join(os.tmpdir(), `nql-convert-${process.pid}.cjs`);
execFileSync(path.join(here, '..', 'node_modules', '.bin', 'esbuild'),
  [path.join(here, '..', 'src', 'convert.ts'), '--bundle', '--platform=node', '--format=cjs', `--outfile=${out}`],
  { stdio: 'inherit' });
const { convertArguments, problemsText } = createRequire(import.meta.url)(out);

test('an empty selection sends the cursor, a selection its range', () => {
  const cursor = { start: { line: 2, character: 7 }, end: { line: 2, character: 7 }, isEmpty: true };
  assert.deepEqual(convertArguments('file:///a.py', cursor, 'filter'), ['file:///a.py', { line: 2, character: 7 }, 'filter']);
  const range = { start: { line: 1, character: 0 }, end: { line: 3, character: 4 }, isEmpty: false };
  assert.deepEqual(convertArguments('file:///a.py', range, 'nql'), [
    'file:///a.py',
    { start: { line: 1, character: 0 }, end: { line: 3, character: 4 } },
    'nql',
  ]);
});

test('problems are said one after another as the command line says them, else the error', () => {
  const result = { text: null, message: '1:20: CNV101 min\n2:1: CNV102 artifact', error: '1:20: CNV101 min\n2:1: CNV102 artifact' };
  assert.equal(problemsText(result), 'line 1:20: CNV101 min; line 2:1: CNV102 artifact');
  assert.equal(problemsText({ text: null, message: '', error: 'no query at line 3' }), 'no query at line 3');
  assert.equal(problemsText({ text: 'x', message: '' }), '');
});
