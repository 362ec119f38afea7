// End to end, in headless Chromium: the explorer over the bundled sample, driven as a person would, with a
// screenshot of each step in the artifacts folder. Usage: node test/e2e.mjs [ARTIFACTS]. Needs Debian's
// chromium and the project's Python on PATH (or $PYTHON); installs nothing.
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import http from "node:http";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const artifacts = process.argv[2] ?? join(here, "..", "artifacts");
mkdirSync(artifacts, { recursive: true });
const python = process.env.PYTHON ?? "python";
const repo = join(here, "..", "..");
const profile = mkdtempSync(join(tmpdir(), "nql-explore-chromium-"));
const config = mkdtempSync(join(tmpdir(), "nql-explore-config-"));
const exports = mkdtempSync(join(tmpdir(), "nql-explore-export-"));
const env = { ...process.env, XDG_CONFIG_HOME: config, NQL_LSP_CACHE_DIR: join(exports, "cache") };

// The explorer over PATH (null: the bundled sample); resolves with the URL it prints.
function startExplorer(path = null) {
  const code = "import sys; from nql_lsp.cli.explore import run_explore; sys.exit(run_explore(sys.argv[1] or None, '127.0.0.1', 0, False))";
  const child = spawn(python, ["-c", code, path ?? ""], { env, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the explorer printed no URL in 30 s")), 30000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const line = out.split("\n").find((l) => l.startsWith("http://"));
      if (line) {
        clearTimeout(timer);
        resolve({ child, url: line.trim() });
      }
    });
    child.on("exit", (code) => reject(new Error(`the explorer exited with ${code}`)));
  });
}

function preview(query, runs = null) {
  const args = ["-m", "nql_lsp", "--preview", query, "--output-format", "json", ...(runs ? ["--runs", runs] : [])];
  const text = execFileSync(python, args, { encoding: "utf8", env, stdio: ["ignore", "pipe", "ignore"] });
  const answer = JSON.parse(text);
  return { matched: answer.matched, total: answer.total };
}

const results = [];
async function step(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push([name, "ok", Date.now() - started]);
    console.log(`ok   ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push([name, "FAILED", Date.now() - started]);
    console.log(`FAIL ${name}: ${e instanceof Error ? e.stack : e}`);
    await page?.screenshot({ path: join(artifacts, `failed-${name.replace(/\W+/g, "-")}.png`) }).catch(() => {});
  }
}

const { child, url } = await startExplorer();
const origin = new URL(url).origin;
const children = [child];
process.on("exit", () => children.forEach((c) => c.kill("SIGTERM")));
// A fresh profile per run (playwright passes it as --user-data-dir).
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
const browser = context;
await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
let page = context.pages()[0] ?? (await context.newPage());
const pageErrors = [];
page.on("pageerror", (e) => pageErrors.push(String(e)));
const shot = (name) => page.screenshot({ path: join(artifacts, `${name}.png`) });
const countText = () => page.locator("#count").innerText();
const editor = page.locator(".cm-content");

async function typeQuery(text) {
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.type(text, { delay: 15 });
}

async function countIs(expected) {
  await page.waitForFunction(
    (want) => document.getElementById("count")?.textContent === want,
    `${expected.matched.toLocaleString("en-US")} of ${expected.total.toLocaleString("en-US")} runs`,
    { timeout: 10000 },
  );
}

try {
  await step("a request without the token is refused", async () => {
    for (const path of ["/", "/api/info", "/api/table?q=", "/static/app.js"]) {
      const r = await fetch(origin + path);
      assert.equal(r.status, 403, path);
    }
    const wrong = await fetch(`${origin}/api/info?token=wrong`);
    assert.equal(wrong.status, 403);
    // A DNS name rebound to 127.0.0.1 arrives with its own Host header (fetch would not send a forged one).
    const rebound = await new Promise((resolve, reject) => {
      const u = new URL(url);
      http
        .get({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { Host: `attacker.example:${u.port}` } }, (r) => {
          r.resume();
          resolve(r.statusCode);
        })
        .on("error", reject);
    });
    assert.equal(rebound, 403);
  });

  await step("the page opens with the table filled", async () => {
    const started = Date.now();
    await page.goto(url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
    const ms = Date.now() - started;
    console.log(`     page open to a filled table: ${ms} ms`);
    await countIs(preview(""));
    assert.ok((await page.locator(".tr").count()) > 10, "rows are shown");
    await shot("01-open");
  });

  await step("the WebSocket needs the token too", async () => {
    const refused = await page.evaluate(
      (u) =>
        new Promise((resolve) => {
          const s = new WebSocket(u);
          s.onopen = () => resolve(false);
          s.onerror = () => resolve(true);
        }),
      origin.replace("http", "ws") + "/lsp",
    );
    assert.equal(refused, true);
  });

  await step("a query with an error shows a squiggle and its message, and the table goes stale", async () => {
    await typeQuery('sys/tags CONTAINS "baseline"');
    await countIs(preview('sys/tags CONTAINS "baseline"'));
    await typeQuery("sys/tags CONTAINS ");
    await page.waitForSelector(".cm-lintRange-error, .cm-lintPoint-error", { state: "attached", timeout: 10000 });
    await page.waitForSelector("#diagnostics .diag", { timeout: 10000 });
    const message = await page.locator("#diagnostics .diag").first().innerText();
    assert.ok(message.length > 5, `a diagnostic message: ${message}`);
    await page.waitForSelector("#stale:not([hidden])", { timeout: 5000 });
    await page.locator(".cm-lint-marker-error").first().hover();
    await page.waitForSelector(".cm-tooltip-lint", { timeout: 5000 });
    await shot("02-error");
  });

  await step("a completion is accepted", async () => {
    await typeQuery("sys/ta");
    await page.waitForSelector(".cm-tooltip-autocomplete li", { timeout: 10000 });
    const option = page.locator(".cm-tooltip-autocomplete li", { hasText: "sys/tags" }).first();
    await option.waitFor({ timeout: 5000 });
    await shot("03-completion");
    await option.click();
    const text = await editor.innerText();
    assert.ok(text.startsWith("sys/tags"), `completed to ${JSON.stringify(text)}`);
  });

  await step("hovering a field shows its statistics from the runs", async () => {
    await typeQuery("parameters/lr:float > 0.001");
    await page.waitForSelector("#diagnostics:empty", { state: "attached", timeout: 10000 });
    const field = page.locator(".cm-content").getByText("parameters/lr", { exact: false }).first();
    const box = await field.boundingBox();
    assert.ok(box, "the field is on screen");
    await page.mouse.move(box.x + 20, box.y + box.height / 2);
    const tooltip = page.locator(".cm-tooltip-hover");
    await tooltip.waitFor({ timeout: 10000 });
    const text = await tooltip.innerText();
    assert.match(text, /parameters\/lr/);
    assert.match(text, /in [\d,]+ runs/, `run count in ${JSON.stringify(text)}`);
    assert.match(text, /min [\d.e-]+, max [\d.e-]+/, `min and max in ${JSON.stringify(text)}`);
    await shot("04-hover");
    await page.mouse.move(5, 5);
  });

  await step("a quick fix from the server is applied", async () => {
    await typeQuery('sys/tags:stringSet = "prod"');
    await page.waitForSelector(".cm-lint-marker-warning", { timeout: 10000 });
    await page.locator(".cm-lint-marker-warning").first().hover();
    const fix = page.locator(".cm-tooltip-lint .cm-diagnosticAction").first();
    await fix.waitFor({ timeout: 10000 });
    assert.match(await fix.innerText(), /CONTAINS/);
    await shot("05-quick-fix");
    await fix.click();
    await page.waitForFunction(() => document.querySelector(".cm-content")?.textContent === 'sys/tags:stringSet CONTAINS "prod"');
    await countIs(preview('sys/tags:stringSet CONTAINS "prod"'));
  });

  const query = 'last(val/acc:floatSeries) > 0.9 AND sys/tags:stringSet CONTAINS "baseline"';
  await step("the count equals nql-lsp --preview's", async () => {
    await typeQuery(query);
    await countIs(preview(query));
    await page.waitForSelector("#diagnostics:empty", { state: "attached", timeout: 10000 }); // a typed query: no lint
    assert.equal(await page.locator("#clauses .clause").count(), 2, "a count per clause");
    await shot("06-query");
  });

  await step("a column is added and the table sorts", async () => {
    await page.locator("#add-column").fill("parameters/lr");
    await page.locator("#add-column").press("Enter");
    await page.waitForSelector(".th[data-column='parameters/lr']");
    await page.locator(".th[data-column='val/acc']").click();
    await page.waitForSelector(".th.sorted[data-column='val/acc']");
    await page.locator(".th[data-column='val/acc']").click();
    await page.waitForFunction(() => document.querySelector(".th.sorted .arrow")?.textContent === "▼");
    await page.waitForTimeout(300);
    const col = await page.evaluate(() => [...document.querySelectorAll(".th")].findIndex((t) => t.dataset.column === "val/acc"));
    const values = await page.evaluate(
      (i) => [...document.querySelectorAll(".tr")].sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top)).map((r) => parseFloat(r.children[i].textContent)),
      col,
    );
    assert.ok(values.length > 1);
    for (let i = 1; i < values.length; i++) assert.ok(values[i - 1] >= values[i], `sorted descending: ${values}`);
    await shot("07-sorted");
  });

  await step("a run opens with its explanation", async () => {
    await page.locator(".tr").first().click();
    await page.waitForSelector("#panel:not([hidden]) .explain", { timeout: 10000 });
    const why = await page.locator(".explain").innerText();
    assert.match(why, /matches the query/);
    assert.ok((await page.locator(".attrs tr").count()) > 10);
    await shot("08-run");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#panel[hidden]", { state: "attached" });
  });

  await step("two series are plotted", async () => {
    await page.locator("#series").selectOption("val/acc");
    const boxes = page.locator(".tr input[type=checkbox]");
    await boxes.nth(0).click();
    await boxes.nth(1).click();
    await page.waitForFunction(() => document.querySelectorAll(".u-legend .u-series").length === 3, null, { timeout: 10000 });
    await page.locator("#log").check();
    await page.locator(".u-over").hover();
    await shot("09-chart");
    // NQL_README_SHOT=1 bash explorer/test.sh refreshes the README's picture from this step.
    if (process.env.NQL_README_SHOT) await page.screenshot({ path: join(repo, "docs", "images", "explore.png") });
  });

  let before = "";
  await step("a reload from the URL gives the same view", async () => {
    before = page.url();
    assert.match(before, /#.*q=/);
    await page.reload();
    await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
    await countIs(preview(query));
    assert.equal(await editor.innerText(), query);
    await page.waitForSelector(".th.sorted[data-column='val/acc']");
    await page.waitForSelector(".th[data-column='parameters/lr']");
    await page.waitForFunction(() => document.querySelectorAll(".u-legend .u-series").length === 3, null, { timeout: 10000 });
    assert.equal(await page.locator("#log").isChecked(), true);
    await shot("10-reloaded");
  });

  const clipboard = () => page.evaluate(() => navigator.clipboard.readText());
  await step("copy as Filter shows the code and puts it on the clipboard", async () => {
    await page.locator("#copy-filter").click();
    await page.waitForSelector("#convert[open][data-done='1']", { timeout: 10000 });
    const code = await page.locator("#convert-code").innerText();
    // By hand: last() is the bare series in neptune-query, CONTAINS is contains_all, AND is &.
    assert.match(code, /^from neptune_query\.filters import /);
    assert.match(code, /Filter\.gt\(Attribute\("val\/acc", type="float_series"\), 0\.9\)/);
    assert.match(code, /Filter\.contains_all\(Attribute\("sys\/tags", type="string_set"\), "baseline"\)/);
    assert.match(code, / & /);
    assert.match(await page.locator("#convert-status").innerText(), /Copied/);
    assert.equal((await clipboard()).trimEnd(), code.trimEnd());
    await shot("11-copy-filter");
    await page.keyboard.press("Escape");
    await page.waitForSelector("#convert:not([open])", { state: "attached" });
  });

  await step("copy as MLflow shows the search and what MLflow cannot say", async () => {
    await page.locator("#copy-mlflow").click();
    await page.waitForSelector("#convert[open][data-done='1']", { timeout: 10000 });
    const code = await page.locator("#convert-code").innerText();
    assert.match(code, /metrics\.`val\/acc` > 0\.9/, code); // the last value is what MLflow keeps
    assert.equal((await clipboard()).trimEnd(), code.trimEnd());
    await page.keyboard.press("Escape");
    const blocked = "max(val/acc:floatSeries) > 0.9";
    await typeQuery(blocked);
    await countIs(preview(blocked));
    await page.locator("#copy-mlflow").click();
    await page.waitForSelector("#convert[open][data-done='1']", { timeout: 10000 });
    assert.equal(await page.locator("#convert-code").isHidden(), true, "no code when a problem stops it");
    const problem = page.locator("#convert-problems .problem.error").first();
    assert.match(await problem.innerText(), /CNV302/);
    await shot("12-copy-mlflow-problem");
    await page.keyboard.press("Escape");
  });

  await step("the page raised no errors", async () => {
    assert.deepEqual(pageErrors, []);
  });
  await step("the project picker narrows a two-project export", async () => {
    execFileSync(python, [join(here, "two_projects.py"), join(exports, "two")], {
      cwd: repo,
      env: { ...env, PYTHONPATH: repo },
    });
    const two = await startExplorer(join(exports, "two"));
    children.push(two.child);
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(two.url).origin });
    await page.goto(two.url);
    await page.waitForSelector("body[data-ready='1']", { timeout: 20000 });
    const picker = page.locator("#project");
    await picker.waitFor({ state: "visible" });
    const options = await picker.locator("option").allInnerTexts();
    assert.deepEqual(options, ["all projects", "team/speech (2)", "team/vision (3)"]);
    await countIs({ matched: 5, total: 5 });
    await page.waitForSelector(".th[data-column='(project)']"); // several projects: a column says whose
    const q = "last(train/acc:floatSeries) > 0.6"; // by hand: vision 0.9, 0.8; speech 0.7
    await typeQuery(q);
    await countIs({ matched: 3, total: 5 });
    await countIs(preview(q, join(exports, "two")));
    await shot("13-projects-all");
    await picker.selectOption("team/vision");
    await countIs({ matched: 2, total: 3 });
    assert.equal(await page.locator(".th[data-column='(project)']").count(), 0);
    assert.deepEqual(await page.locator("#clauses .clause .n").allInnerTexts(), ["2"]);
    await shot("14-projects-vision");
    await picker.selectOption("team/speech");
    await countIs({ matched: 1, total: 2 });
    await page.locator(".tr").first().click(); // RUN-1 of team/speech, not team/vision's RUN-1
    await page.waitForSelector("#panel:not([hidden]) .explain", { timeout: 10000 });
    assert.match(await page.locator("#panel-title").innerText(), /RUN-1 · team\/speech/);
    assert.match(await page.locator(".attrs").innerText(), /speech-run-1/);
    await shot("15-projects-speech-run");
    await page.keyboard.press("Escape");
    await page.reload();
    await page.waitForSelector("body[data-ready='1']", { timeout: 20000 });
    await countIs({ matched: 1, total: 2 }); // the project is in the URL too
    assert.equal(await picker.inputValue(), "team/speech");
    assert.deepEqual(pageErrors, []);
  });
  await step("a chart over all projects draws each ticked run of its own project", async () => {
    const picker = page.locator("#project");
    await picker.selectOption("");
    await countIs({ matched: 3, total: 5 }); // vision RUN-1 and RUN-3, speech RUN-1
    const box = (project, run) => page.locator(`.tr[data-project='${project}'][data-run='${run}'] input[type=checkbox]`);
    // team/vision's RUN-1, the second run of that id in the export's order (a lookup by id finds speech's).
    await box("team/vision", "RUN-1").click();
    assert.equal(await box("team/speech", "RUN-1").isChecked(), false); // the same id, another run
    await page.locator("#series").selectOption("train/acc");
    const legend = () => page.locator(".u-legend").innerText();
    await page.waitForFunction(() => document.querySelectorAll(".u-legend .u-series").length === 2, null, { timeout: 10000 });
    assert.match(await legend(), /vision-run-1/);
    assert.doesNotMatch(await legend(), /speech-run-1/);
    await box("team/speech", "RUN-1").click();
    await page.waitForFunction(() => document.querySelectorAll(".u-legend .u-series").length === 3, null, { timeout: 10000 });
    assert.match(await legend(), /speech-run-1 · team\/speech/); // two projects drawn: each named
    assert.match(await legend(), /vision-run-1 · team\/vision/);
    await shot("16-projects-chart");
    await page.reload(); // the ticked runs are in the URL with their projects
    await page.waitForSelector("body[data-ready='1']", { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll(".u-legend .u-series").length === 3, null, { timeout: 10000 });
    assert.match(await legend(), /speech-run-1 · team\/speech/);
    assert.deepEqual(pageErrors, []);
  });
} finally {
  await browser.close();
  children.forEach((c) => c.kill("SIGTERM"));
  rmSync(profile, { recursive: true, force: true });
  rmSync(config, { recursive: true, force: true });
  rmSync(exports, { recursive: true, force: true });
}
const failed = results.filter((r) => r[1] !== "ok").length;
console.log(`explorer e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
