// End-to-end test of the packaged extension in real VS Code (code-server) driven through headless Chromium:
// installs the .vsix, opens a workspace of .nql files, and checks what a person sees: the error squiggle and its
// Problems entry, completion after typing, hover, Format Document, a quick fix, the lints (an impossible query, a
// greyed redundant clause and its fix), NQL: Preview, and the conversions (a query string in Python converted to
// neptune-query Filter code by its code action, and that code back to NQL by the NQL: Convert command).
// Usage: node e2e.mjs CODE_SERVER_BIN VSIX ARTIFACT_DIR   (nql-lsp must be on PATH)
// Prints one line per check and `N passed, N failed`; exits non-zero on any failure.
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium } from 'playwright-core';

const [codeServer, vsix, artifacts] = process.argv.slice(2);
if (!codeServer || !vsix || !artifacts) {
  console.error('usage: node e2e.mjs CODE_SERVER_BIN VSIX ARTIFACT_DIR');
  process.exit(2);
}
const STEP = 30_000;
const mod = process.platform === 'darwin' ? 'Meta' : 'Control';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'nql-vscode-e2e-'));
const workspace = path.join(root, 'workspace');
const userData = path.join(root, 'user-data');
const extensions = path.join(root, 'extensions');
fs.mkdirSync(workspace);
fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
fs.mkdirSync(artifacts, { recursive: true });

// `é` before the error: a UTF-16/UTF-8 slip would move the squiggle off `flot`.
fs.writeFileSync(path.join(workspace, 'bad.nql'), '(`sys/name`:string = "café") AND (`f1`:flot >= 0.85)\n');
fs.writeFileSync(path.join(workspace, 'complete.nql'), '');
fs.writeFileSync(path.join(workspace, 'hover.nql'), '(`sys/tags`:stringSet CONTAINS "prod")\n');
fs.writeFileSync(path.join(workspace, 'format.nql'), '(`a`:int>1) and (`b`:float<2)\n');
// No run can be above 0.9 and below 0.5; the second clause of the other query is implied by the first.
fs.writeFileSync(path.join(workspace, 'never.nql'), '`acc`:float > 0.9 AND `acc`:float < 0.5\n');
fs.writeFileSync(path.join(workspace, 'redundant.nql'), '`x`:int > 5 AND `x`:int > 3\n');
// Two queries in one Python file: the first matches CLS-23, the second does not.
fs.writeFileSync(path.join(workspace, 'two.py'), [
  'first = fetch_runs_table(query="`sys/failed`:bool = false")',
  'second = fetch_runs_table(query="`sys/failed`:bool = true")',
  '',
].join('\n'));
// A query string to convert to neptune-query Filter code, and back to NQL.
fs.writeFileSync(path.join(workspace, 'convert.py'), 'runs = fetch_runs_table(query="`sys/failed`:bool = true")\n');
// code-server's extension host takes PATH from a login shell, which may not hold the test's PATH: name the
// server found on the test's PATH explicitly (the PATH lookup itself is unit-tested in test/server-path.test.mjs).
const serverPath = execFileSync('sh', ['-c', 'command -v nql-lsp'], { encoding: 'utf8' }).trim();
const baseSettings = {
    'workbench.startupEditor': 'none',
    'workbench.enableExperiments': false,
    'workbench.tips.enabled': false,
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'security.workspace.trust.enabled': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'update.mode': 'none',
    'telemetry.telemetryLevel': 'off',
    'editor.quickSuggestions': { other: false, comments: false, strings: false },
    'editor.acceptSuggestionOnEnter': 'off',
    'editor.hover.delay': 100,
    // The server's inlay hints (match counts after clauses) are rendered inside the lines; the checks compare
    // the document's text, so they are hidden.
    'editor.inlayHints.enabled': 'off',
    'files.autoSave': 'off',
    'chat.disableAIFeatures': true,
};
fs.writeFileSync(
  path.join(userData, 'User', 'settings.json'),
  JSON.stringify({ ...baseSettings, 'nql.server.path': serverPath }),
);

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${name}: ${String(error?.message ?? error).split('\n').slice(0, 6).join('\n')}`);
    await page?.screenshot({ path: path.join(artifacts, `vscode-fail-${passed + failed}.png`) }).catch(() => {});
  }
}
function expect(cond, message) {
  if (!cond) {
    throw new Error(message);
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitForHttp(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) {
        return;
      }
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer at ${url} within ${ms} ms`);
}

const editor = () => page.locator('.editor-group-container.active .monaco-editor').first();
const editorText = async () =>
  (await editor().locator('.view-lines').innerText()).replace(/\u00a0/g, ' ').replace(/\n$/, '');

// Playwright's actionability checks wait for two equal animation frames, which the workbench in headless
// Chromium does not always give; the mouse is moved to the element's box instead.
async function pointAt(locator, { click = true, offsetX } = {}) {
  // An element the workbench re-renders meanwhile (a code lens refreshed) has no box for a moment: ask again.
  // A box that moved since the last look (a code lens pushed the line down) is not yet where the click lands.
  let box = null;
  let previous = null;
  const same = (a, b) => a && b && a.x === b.x && a.y === b.y && a.width === b.width && a.height === b.height;
  for (let attempt = 0; attempt < 20 && !(box && same(box, previous)); attempt += 1) {
    await locator.waitFor();
    previous = box;
    box = await locator.boundingBox();
    if (!(box && same(box, previous))) {
      await page.waitForTimeout(100);
    }
  }
  expect(box, 'element has no box');
  const x = box.x + (offsetX ?? box.width / 2);
  const y = box.y + box.height / 2;
  if (click) {
    await page.mouse.click(x, y);
  } else {
    await page.mouse.move(x, y);
  }
}

async function openFile(name) {
  for (let attempt = 1; ; attempt += 1) {
    await page.keyboard.press(`${mod}+P`);
    const input = page.locator('.quick-input-widget input');
    await input.waitFor();
    await input.fill(name);
    await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: name }).first().waitFor();
    await page.keyboard.press('Enter');
    try {
      // The tab's label starts with the file name; a result tab beside it (`nql.preview hover.nql.md`) does not.
      await page.locator(`.tabs-container .tab.active[aria-label^="${name}"]`).first().waitFor({ timeout: 5000 });
      break;
    } catch (error) {
      if (attempt === 3) {
        throw error;
      }
      await page.keyboard.press('Escape');
    }
  }
  await page.waitForTimeout(300);
}

async function runCommand(title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor();
  await input.fill(`>${title}`);
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}


const browserArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

function startCodeServer(dataDir, port, logName) {
  const log = fs.openSync(path.join(artifacts, logName), 'w');
  return spawn(
    codeServer,
    ['--user-data-dir', dataDir, '--extensions-dir', extensions, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
      '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust',
      '--disable-getting-started-override', workspace],
    { stdio: ['ignore', log, log], detached: true },
  );
}

async function openWorkbench(port) {
  await waitForHttp(`http://127.0.0.1:${port}/healthz`, 60_000);
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: browserArgs });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.setDefaultTimeout(STEP);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor();
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'bad.nql' }).waitFor();
}

const common = ['--user-data-dir', userData, '--extensions-dir', extensions];
execFileSync(codeServer, [...common, '--install-extension', path.resolve(vsix)], { stdio: 'inherit', timeout: 120_000 });

const port = await freePort();
let server = startCodeServer(userData, port, 'code-server.log');
let browser;
let page;
const stopAll = async () => {
  await browser?.close().catch(() => {});
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch {
    // already gone
  }
};

try {
  await openWorkbench(port);

  await check('the error squiggle under the unknown type, and its Problems entry', async () => {
    await openFile('bad.nql');
    const squiggle = editor().locator('.squiggly-error');
    await squiggle.first().waitFor();
    // The squiggle must sit under `flot`: compare its left edge with the rendered span of that text.
    const word = editor().locator('.view-lines span span', { hasText: 'flot' }).first();
    // Decorations are re-rendered when the server republishes (a fast incremental pass, then the full one),
    // so a box can be missing for a moment: poll for both.
    let sq = null;
    let w = null;
    for (let i = 0; i < 40 && !(sq && w); i += 1) {
      [sq, w] = [await squiggle.first().boundingBox(), await word.boundingBox()];
      if (!(sq && w)) {
        await page.waitForTimeout(250);
      }
    }
    expect(sq && w, 'no boxes for the squiggle or the word');
    const charWidth = w.width / (await word.innerText()).length;
    const wordLeft = w.x + (await word.innerText()).indexOf('flot') * charWidth;
    expect(Math.abs(sq.x - wordLeft) < charWidth / 2, `squiggle at x=${sq.x}, \`flot\` at x=${wordLeft}`);
    expect(Math.abs(sq.width - 4 * charWidth) < charWidth / 2, `squiggle width ${sq.width}, 4 chars ${4 * charWidth}`);
    await runCommand('View: Toggle Problems');
    const entry = page.locator('.markers-panel .monaco-list-row', { hasText: 'unknown type' }).first();
    await entry.waitFor();
    const text = await entry.innerText();
    expect(text.includes('unknown type `flot`'), `Problems entry: ${text}`);
    // 1-based UTF-16 column of `flot`: 39 characters precede it, `é` is one UTF-16 unit.
    expect(text.includes('[Ln 1, Col 40]'), `Problems entry position: ${text}`);
    await page.screenshot({ path: path.join(artifacts, 'vscode-diagnostics.png') });
    await runCommand('View: Toggle Problems');
  });

  await check('a quick fix applied', async () => {
    await openFile('bad.nql');
    const word = editor().locator('.view-lines span span', { hasText: 'flot' }).first();
    const box = await word.boundingBox();
    await pointAt(word, { offsetX: box.width - 2 }); // the end of `:flot`, inside the diagnostic's range
    await page.keyboard.press(`${mod}+.`);
    const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Change to `float`' }).first();
    await fix.waitFor();
    await page.keyboard.press('Enter'); // the first (focused) action
    await page.waitForFunction(
      () => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.innerText
        .includes(':float'),
    );
    const text = await editorText();
    expect(text === '(`sys/name`:string = "café") AND (`f1`:float >= 0.85)', `after the fix: ${text}`);
    await editor().locator('.squiggly-error').first().waitFor({ state: 'detached' });
  });

  await check('a query that can never match: its warning squiggle and Problems entry', async () => {
    await openFile('never.nql');
    await editor().locator('.squiggly-warning').first().waitFor();
    await runCommand('View: Toggle Problems');
    const problems = page.locator('.markers-panel .monaco-list-row', { hasText: 'can never hold' });
    await problems.first().waitFor();
    const text = await problems.first().innerText();
    expect(text.includes('cannot be above 0.9 and be below 0.5'), `Problems entry: ${text}`);
    await runCommand('View: Toggle Problems');
  });

  await check('a redundant clause is greyed out, and its quick fix removes it', async () => {
    await openFile('redundant.nql');
    // VS Code renders a diagnostic tagged Unnecessary by fading its text, not with a squiggle.
    const faded = editor().locator('.squiggly-inline-unnecessary');
    await faded.first().waitFor();
    const word = editor().locator('.view-lines span span', { hasText: '3' }).last();
    await pointAt(word);
    await page.keyboard.press(`${mod}+.`);
    const fix = page.locator('.action-widget .monaco-list-row.focused', { hasText: 'Remove the redundant part' });
    await fix.first().waitFor(); // the preferred fix is the focused row
    await page.keyboard.press('Enter');
    // The editor renders spaces as U+00A0: wait on the clause's operator alone, which the fix removes.
    await page.waitForFunction(
      () => !document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.innerText
        .includes('AND'),
    );
    const text = await editorText();
    expect(text === '`x`:int > 5', `after the fix: ${JSON.stringify(text)}`);
    await faded.first().waitFor({ state: 'detached' });
  });

  await check('completion items after typing', async () => {
    await openFile('complete.nql');
    // Backquotes and parentheses auto-close: typing the closing backquote steps over the inserted one.
    await page.keyboard.type('(`sys/state`:experimentState = ', { delay: 20 });
    await page.keyboard.press(`${mod}+Space`);
    const rows = page.locator('.suggest-widget .monaco-list-row');
    await rows.first().waitFor();
    const labels = await rows.allInnerTexts();
    expect(labels.some((l) => l.includes('running')) && labels.some((l) => l.includes('idle')),
      `suggestions: ${labels.join(' | ')}`);
    await page.keyboard.press('Escape');
  });

  await check('hover text on an operator', async () => {
    await openFile('hover.nql');
    const hover = page.locator('.monaco-hover', { hasText: 'substring' });
    // The server's code lens above the line can arrive after the mouse is placed and push the line down: point
    // again at the word's new place until the hover shows.
    for (let attempt = 1; ; attempt += 1) {
      await page.mouse.move(0, 0);
      await pointAt(editor().locator('.view-lines span span', { hasText: 'CONTAINS' }).first(), { click: false });
      try {
        await hover.first().waitFor({ timeout: 4000 });
        break;
      } catch (error) {
        if (attempt === 5) {
          throw error;
        }
      }
    }
    const text = await hover.first().innerText();
    expect(text.includes('CONTAINS'), `hover: ${text}`);
  });

  await check('Format Document', async () => {
    await openFile('format.nql');
    await runCommand('Format Document');
    await page.waitForFunction(
      () => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.innerText
        .includes('AND'),
    );
    const text = await editorText();
    expect(text === '(`a`:int > 1) AND (`b`:float < 2)', `formatted: ${JSON.stringify(text)}`);
  });

  await check('a code lens counts the runs the query matches', async () => {
    await openFile('hover.nql');
    const lens = editor().locator('.codelens-decoration', { hasText: 'matches' }).first();
    await lens.waitFor();
    const text = await lens.innerText();
    expect(/matches [\d,]+ of [\d,]+ runs/.test(text), `lens: ${text}`);
  });

  await check('NQL: Preview Matching Runs shows the runs the query matches', async () => {
    let text = '';
    // The server loads the runs in the background and says so until they are in: ask again, as a user would.
    for (let attempt = 0; attempt < 15 && (text === '' || text.includes('still loading')); attempt += 1) {
      if (attempt > 0) {
        await page.waitForTimeout(1000);
      }
      await openFile('hover.nql');
      await runCommand('NQL: Preview Matching Runs');
      await page.locator('.tabs-container .tab', { hasText: 'nql.preview' }).first().waitFor();
      const group = page.locator('.editor-group-container', { has: page.locator('.tab', { hasText: 'nql.preview' }) });
      text = (await group.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    }
    expect(/matches \d+ of \d+ runs/.test(text), `preview: ${text.slice(0, 200)}`);
  });

  await check("NQL: Explain a Run's Match asks for a run and shows the explanation", async () => {
    await openFile('hover.nql');
    await runCommand("NQL: Explain a Run's Match");
    const input = page.locator('.quick-input-widget input');
    await page.locator('.quick-input-widget', { hasText: 'Run ID' }).first().waitFor();
    await input.fill('CLS-23');
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'nql.explain' }).first().waitFor();
    const group = page.locator('.editor-group-container', { has: page.locator('.tab', { hasText: 'nql.explain' }) });
    const text = (await group.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    expect(text.includes('CLS-23'), `explanation: ${text.slice(0, 200)}`);
  });

  const resultText = async (tab) => {
    const group = page.locator('.editor-group-container', { has: page.locator('.tab', { hasText: tab }) });
    return (await group.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
  };

  await check('a Python file with two queries: each lens previews its own query, Explain the one at the cursor',
    async () => {
      await openFile('two.py');
      const lenses = editor().locator('.codelens-decoration', { hasText: 'matches' });
      await page.waitForFunction(
        () => document.querySelectorAll('.editor-group-container.active .codelens-decoration a').length >= 2,
      );
      const boxes = [];
      for (const lens of await lenses.all()) {
        boxes.push({ lens, y: (await lens.boundingBox()).y, text: await lens.innerText() });
      }
      boxes.sort((a, b) => a.y - b.y);
      expect(boxes.length === 2 && boxes[0].text !== boxes[1].text, `lenses: ${boxes.map((b) => b.text)}`);
      await pointAt(boxes[1].lens.locator('a').first());
      await page.locator('.tabs-container .tab', { hasText: 'nql.preview two.py' }).first().waitFor();
      // The preview's first line may wrap in a narrow editor, even inside a word: compare without white space.
      const flat = (s) => s.replace(/\s+/g, '');
      let text = '';
      for (let i = 0; i < 20 && !flat(text).includes(flat(boxes[1].text)); i += 1) {
        await page.waitForTimeout(250);
        text = await resultText('nql.preview two.py');
      }
      expect(flat(text).includes(flat(boxes[1].text)), `second lens (${boxes[1].text}) previewed: ${text.slice(0, 200)}`);
      await openFile('two.py');
      // The cursor below the second query (the file's last line): the second is the query at the cursor.
      await pointAt(editor().locator('.view-lines'));
      await page.keyboard.press(`${mod}+End`);
      await runCommand("NQL: Explain a Run's Match");
      await page.locator('.quick-input-widget', { hasText: 'Run ID' }).first().waitFor();
      await page.locator('.quick-input-widget input').fill('CLS-23');
      await page.keyboard.press('Enter');
      await page.locator('.tabs-container .tab', { hasText: 'nql.explain two.py' }).first().waitFor();
      const explained = await resultText('nql.explain two.py');
      expect(explained.includes('does not match'), `explain on the second query: ${explained.slice(0, 200)}`);
    });

  await check('the code action "Convert to neptune-query Filter" replaces a query string in a Python file', async () => {
    await openFile('convert.py');
    // The server's code lens above the query pushes the line down when it arrives: a click placed before that
    // lands on the lens and leaves the cursor outside the string. Wait for it, and point again on each attempt.
    await editor().locator('.codelens-decoration', { hasText: 'matches' }).first().waitFor();
    const action = page.locator('.action-widget .monaco-list-row', { hasText: 'Convert to neptune-query Filter' });
    // The menu lists what the server answered when it opened; ask again if it opened before the server was ready.
    for (let attempt = 1; ; attempt += 1) {
      // The cursor inside the string, on the query's text.
      await pointAt(editor().locator('.view-lines span span', { hasText: 'sys/failed' }).first());
      await runCommand('Refactor...');
      try {
        await action.first().waitFor({ timeout: 5000 });
        break;
      } catch (error) {
        if (attempt === 3) {
          throw error;
        }
        await page.keyboard.press('Escape');
      }
    }
    await pointAt(action.first());
    await page.waitForFunction(
      () => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.innerText
        .includes('Filter.eq('),
    );
    const text = await editorText();
    // Worked out by hand (docs/convert.md): the import goes first, the literal becomes the expression.
    expect(text === [
      'from neptune_query.filters import Attribute, Filter',
      'runs = fetch_runs_table(query=Filter.eq(Attribute("sys/failed", type="bool"), True))',
    ].join('\n'), `after the conversion: ${JSON.stringify(text)}`);
  });

  await check('NQL: Convert Filter expression to NQL opens the NQL beside, leaving the code as it is', async () => {
    await openFile('convert.py');
    await pointAt(editor().locator('.view-lines'));
    // Into the Filter expression: the last line is empty, the one above ends with `True))`.
    await page.keyboard.press(`${mod}+End`);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    await runCommand('NQL: Convert Filter expression to NQL');
    // An untitled document's tab is named after its first line, then `Untitled-N`.
    await page.locator('.tabs-container .tab.active[aria-label*="Untitled-"]').first().waitFor();
    // neptune-query writes every value as a quoted string: `True` reaches NQL as "True".
    const want = '`sys/failed`:bool = "True"';
    await page.waitForFunction(
      (query) => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.innerText
        .replace(/\u00a0/g, ' ').includes(query),
      want,
    );
    const text = (await editorText()).replace(/\n$/, '');
    expect(text === want, `the NQL shown: ${JSON.stringify(text)}`);
    const source = page.locator('.editor-group-container', { has: page.locator('.tab', { hasText: 'convert.py' }) });
    const code = (await source.locator('.view-lines').first().innerText()).replace(/\u00a0/g, ' ');
    expect(code.includes('query=Filter.eq('), `convert.py changed: ${code}`);
    await page.screenshot({ path: path.join(artifacts, 'vscode-convert.png') });
  });

  await page.screenshot({ path: path.join(artifacts, 'vscode-e2e.png') });
} catch (error) {
  failed += 1;
  console.log(`FAIL setup: ${error?.stack ?? error}`);
  await page?.screenshot({ path: path.join(artifacts, 'vscode-setup-failure.png') }).catch(() => {});
} finally {
  await stopAll();
}

// A second, short session whose nql.server.path holds no server: the user must be told what was tried and how
// to fix it.
await check('a clear message when the server cannot be started', async () => {
  const dataDir = path.join(root, 'user-data-no-server');
  fs.mkdirSync(path.join(dataDir, 'User'), { recursive: true });
  fs.writeFileSync(path.join(dataDir, 'User', 'settings.json'),
    JSON.stringify({ ...baseSettings, 'nql.server.path': '/nonexistent/nql-lsp' }));
  const port2 = await freePort();
  server = startCodeServer(dataDir, port2, 'code-server-no-server.log');
  try {
    await openWorkbench(port2);
    await openFile('bad.nql');
    const toast = page.locator('.notification-toast', { hasText: 'cannot find the language server' }).first();
    await toast.waitFor();
    const text = await toast.innerText();
    expect(text.includes('/nonexistent/nql-lsp') && text.includes('pip install nql-lsp')
      && text.includes('nql.server.path'), `message: ${text}`);
    await page.screenshot({ path: path.join(artifacts, 'vscode-no-server.png') });
  } finally {
    await stopAll();
  }
});

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
