// The browser half of benchmarks/bench_explore.py: usage node test/bench.mjs URL [EXPLORER_PID]. Prints one
// JSON object: page open to a filled table, keystroke-to-table times (seconds, the page's debounce included),
// a chart of the first 20 matched runs drawn (in the page's own clock, and the driver's), and the editor's
// language server's memory (children of PID).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, pid] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), "nql-bench-chromium-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const page = context.pages()[0] ?? (await context.newPage());
const out = {};

function rssMb(id) {
  const line = readFileSync(`/proc/${id}/status`, "utf8").split("\n").find((l) => l.startsWith("VmRSS:"));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : 0;
}

const refreshes = () => page.evaluate(() => Number(document.getElementById("timing")?.dataset.t ?? "0"));
const log = (m) => process.stderr.write(`${m}\n`);

// Seconds from a key press to the table's next refresh (the page counts them in #timing's data-t).
async function keystroke(key) {
  const before = await refreshes();
  const t0 = Date.now();
  await page.keyboard.press(key);
  await page.waitForFunction((n) => Number(document.getElementById("timing")?.dataset.t ?? "0") > n, before, {
    timeout: 20000,
    polling: "raf",
  });
  return (Date.now() - t0) / 1000;
}

try {
  const started = Date.now();
  await page.goto(url);
  await page.waitForSelector("body[data-ready='1']", { timeout: 120000 });
  out.open_ms = Date.now() - started;
  out.first_table_ms = Number(/(\d+) ms/.exec(await page.locator("#timing").innerText())?.[1] ?? NaN); // the page's own

  const editor = page.locator(".cm-content");
  await editor.click();
  await page.keyboard.type("last(`metrics/m0`:floatSeries) > 0.5", { delay: 5 });
  await page.waitForTimeout(1500);
  await page.keyboard.press("End");
  // Each key to the table's refresh in the page's own clock too (the driver's round trips left out).
  await page.evaluate(() => {
    const marks = (window.__keys = { pressed: 0, took: [] });
    document.addEventListener("keydown", () => (marks.pressed = performance.now()), { capture: true });
    new MutationObserver(() => marks.took.push(performance.now() - marks.pressed)).observe(
      document.getElementById("timing"),
      { attributes: true, attributeFilter: ["data-t"] },
    );
  });
  out.keys_s = [];
  // 0.5 -> 0.51 -> 0.512 ... then back: each keystroke a different valid query.
  const keys = [..."123456789012", ..."Backspace ".repeat(12).trim().split(" ")];
  for (const key of keys) {
    out.keys_s.push(await keystroke(key));
    log(`${key}: ${out.keys_s.at(-1)} s`);
    await page.waitForTimeout(100);
  }

  // The editor's language server answers the last keystrokes for a while (diagnostics and lints over every
  // run, in its own process on the same cores): the chart is timed once it has settled, as a user picks one.
  await page.waitForTimeout(2000);
  // Pick to drawn as the page sees it (the select's change event to the chart's timing line written), and as
  // the driver does (its round trips to the browser included).
  await page.evaluate(() => {
    const marks = (window.__chart = {});
    document.getElementById("series").addEventListener("change", () => (marks.picked = performance.now()), {
      capture: true,
      once: true,
    });
    const timing = document.getElementById("chart-timing");
    new MutationObserver((_, observer) => {
      if (!/drawn in/.test(timing.textContent ?? "")) return;
      marks.drawn = performance.now();
      observer.disconnect();
    }).observe(timing, { childList: true, characterData: true, subtree: true });
  });
  out.keys_page_s = await page.evaluate(() => window.__keys.took.map((ms) => ms / 1000));
  const drawn = Date.now();
  await page.locator("#series").selectOption("metrics/m0");
  await page.waitForFunction(() => /drawn in/.test(document.getElementById("chart-timing")?.textContent ?? ""), null, {
    timeout: 60000,
  });
  out.chart_ms = Date.now() - drawn;
  out.chart_page_ms = await page.evaluate(() => window.__chart.drawn - window.__chart.picked);
  const timing = await page.locator("#chart-timing").innerText(); // "20 runs × 1,000 points, drawn in 12 ms"
  out.chart_runs = Number(/^(\d+) runs/.exec(timing)?.[1] ?? 0);
  out.chart_points = Number((/× ([\d,]+) points/.exec(timing)?.[1] ?? "0").replaceAll(",", "")); // per run
  out.draw_ms = Number(/drawn in (\d+) ms/.exec(timing)?.[1] ?? NaN);
  if (pid) {
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(/\s+/).filter(Boolean);
    out.lsp_rss_mb = children.reduce((sum, c) => sum + rssMb(c), 0);
  }
  console.log(JSON.stringify(out));
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
