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
const profile = mkdtempSync(join(tmpdir(), "nql-explore-chromium-"));
const config = mkdtempSync(join(tmpdir(), "nql-explore-config-"));

function startExplorer() {
  const child = spawn(
    python,
    ["-c", "import sys; from nql_lsp.cli.explore import run_explore; sys.exit(run_explore(None, '127.0.0.1', 0, False))"],
    { env: { ...process.env, XDG_CONFIG_HOME: config }, stdio: ["ignore", "pipe", "inherit"] },
  );
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

function preview(query) {
  const text = execFileSync(python, ["-m", "nql_lsp", "--preview", query, "--output-format", "json"], { encoding: "utf8" });
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
process.on("exit", () => child.kill("SIGTERM"));
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

  await step("a quick fix from the server is applied", async () => {
    await typeQuery('sys/tags:stringSet = "prod"');
    await page.waitForSelector(".cm-lint-marker-warning", { timeout: 10000 });
    await page.locator(".cm-lint-marker-warning").first().hover();
    const fix = page.locator(".cm-tooltip-lint .cm-diagnosticAction").first();
    await fix.waitFor({ timeout: 10000 });
    assert.match(await fix.innerText(), /CONTAINS/);
    await shot("04-quick-fix");
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
    await shot("05-query");
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
    await shot("06-sorted");
  });

  await step("a run opens with its explanation", async () => {
    await page.locator(".tr").first().click();
    await page.waitForSelector("#panel:not([hidden]) .explain", { timeout: 10000 });
    const why = await page.locator(".explain").innerText();
    assert.match(why, /matches the query/);
    assert.ok((await page.locator(".attrs tr").count()) > 10);
    await shot("07-run");
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
    await shot("08-chart");
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
    await shot("09-reloaded");
  });

  await step("the page raised no errors", async () => {
    assert.deepEqual(pageErrors, []);
  });
} finally {
  await browser.close();
  child.kill("SIGTERM");
  rmSync(profile, { recursive: true, force: true });
  rmSync(config, { recursive: true, force: true });
}
const failed = results.filter((r) => r[1] !== "ok").length;
console.log(`explorer e2e: ${results.length - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
