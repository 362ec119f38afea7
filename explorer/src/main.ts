// The explorer page: wires the editor, the table, the run panel and the chart to the URL's view state.

import type { EditorView } from "@codemirror/view";
import { ApiError, get, link, post, token, type Info, type Page, type RunDetail, type SeriesAnswer } from "./api";
import { Chart } from "./chart";
import { copyText, setUpConversions } from "./convert";
import { createEditor, type Diagnostic } from "./editor";
import { decode, encode, formatCount, runName, sameRun, type ChartRun, type ViewState } from "./state";
import { RunsTable, el } from "./table";

const DEBOUNCE_MS = 60; // a pause in typing asks for the table, not every key of a word
const DEFAULT_CHART_RUNS = 20;
const MAX_CHART_RUNS = 50;

const $ = <T extends HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page lacks #${id}`);
  return found as T;
};

let state: ViewState = decode(location.hash);
let info: Info | null = null;
let editor: EditorView | null = null;
let lastPage: Page | null = null;
let inflight: AbortController | null = null;
let timer: number | undefined;

const table = new RunsTable($("table"), {
  onSort: (column) => {
    state = { ...state, desc: state.sort === column ? !state.desc : false, sort: column };
    saveState();
    refresh();
  },
  onOpen: (id, project) => void openRun(id, project),
  onPick: (run, picked) => {
    const runs = state.runs.filter((r) => !sameRun(r, run));
    state = { ...state, runs: picked ? [...runs, run].slice(0, MAX_CHART_RUNS) : runs };
    saveState();
    void drawChart();
  },
  isPicked: (run) => state.runs.some((r) => sameRun(r, run)),
});
const chart = new Chart($("chart"));

function saveState(): void {
  const fragment = encode(state);
  history.replaceState(null, "", `${location.pathname}${location.search}${fragment ? "#" + fragment : ""}`);
}

function params(): Record<string, string> {
  return {
    q: state.q,
    columns: state.columns.join(","),
    sort: state.sort,
    desc: state.desc ? "1" : "",
    project: state.project,
  };
}

function schedule(): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(refresh, DEBOUNCE_MS);
}

async function refresh(): Promise<void> {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  const started = performance.now();
  try {
    const page = await get<Page>("/api/table", { ...params(), limit: "200" }, controller.signal);
    if (controller.signal.aborted) return;
    lastPage = page;
    const source = { page: (offset: number, limit: number) => get<Page>("/api/table", { ...params(), offset: String(offset), limit: String(limit) }) };
    table.show(page, source, state.sort, state.desc);
    showCounts(page);
    const timing = $("timing");
    timing.textContent = `${Math.round(performance.now() - started)} ms`;
    timing.dataset.t = String(Number(timing.dataset.t ?? "0") + 1); // a refresh count, for tests to wait on
    document.body.dataset.ready = "1";
    void drawChart();
  } catch (e) {
    if (controller.signal.aborted) return;
    showError(e instanceof Error ? e.message : String(e));
  }
}

function showCounts(page: Page): void {
  const count = $("count");
  count.textContent = `${formatCount(page.matched)} of ${formatCount(page.total)} runs`;
  count.classList.toggle("stale", page.stale);
  $("stale").hidden = !page.stale;
  const error = $("query-error");
  error.hidden = page.error === null;
  error.textContent = page.error === null ? "" : `Syntax error: ${page.error}`;
  const clauses = $("clauses");
  clauses.replaceChildren(
    ...page.counts.map((c) => {
      const item = el("li", "clause");
      const code = el("code", "");
      code.textContent = state.q.slice(c.start, c.end);
      const n = el("span", "n");
      n.textContent = formatCount(c.count);
      item.append(code, n);
      return item;
    }),
  );
}

function showError(message: string): void {
  const error = $("query-error");
  error.hidden = false;
  error.textContent = message;
}

function showDiagnostics(found: Diagnostic[]): void {
  const list = $("diagnostics");
  list.replaceChildren(
    ...found.map((d) => {
      const item = el("li", `diag sev${d.severity ?? 1}`);
      item.textContent = `${d.code ? d.code + ": " : ""}${d.message}`;
      return item;
    }),
  );
}

async function openRun(id: string, project: string): Promise<void> {
  const panel = $("panel");
  panel.hidden = false;
  $("panel-title").textContent = project && (info?.projects?.length ?? 0) > 1 ? `${id} · ${project}` : id;
  const body = $("panel-body");
  body.textContent = "Loading…";
  try {
    const run = await get<RunDetail>("/api/run", { id, q: state.q, project });
    const why = el("pre", "explain");
    why.textContent = run.explain;
    const attrs = el("table", "attrs");
    for (const a of run.attributes) {
      const tr = document.createElement("tr");
      const path = document.createElement("td");
      path.textContent = a.path;
      path.className = "path";
      const type = document.createElement("td");
      type.textContent = a.type;
      type.className = "type";
      const value = document.createElement("td");
      value.textContent = a.summary ?? a.value;
      value.className = "value";
      tr.append(path, type, value);
      attrs.append(tr);
    }
    const heading = el("h3", "");
    heading.textContent = "Why it does or does not match";
    const heading2 = el("h3", "");
    heading2.textContent = `Attributes (${run.attributes.length})`;
    body.replaceChildren(heading, why, heading2, attrs);
  } catch (e) {
    body.textContent = e instanceof Error ? e.message : String(e);
  }
}

// The chart is asked for again after every table refresh: the last answer is kept, and a chart already showing
// the same runs, series, width and options is left as it is.
let charted: { key: string; answer: SeriesAnswer } | null = null;
let drawnAs = "";
let chartTicket = 0;

function clearChart(message: string): void {
  drawnAs = "";
  chart.clear(message);
}

async function drawChart(): Promise<void> {
  const ticket = ++chartTicket;
  const select = $<HTMLSelectElement>("series");
  if (!state.series) {
    clearChart("Pick a float series to plot the matched runs (or the ones ticked in the table).");
    return;
  }
  select.value = state.series;
  const runs: ChartRun[] = state.runs.length
    ? state.runs
    : (lastPage?.ids ?? []).slice(0, DEFAULT_CHART_RUNS).map((id, i) => ({ id, project: lastPage?.projects[i] ?? "" }));
  if (runs.length === 0) {
    clearChart("No runs to plot.");
    return;
  }
  const width = chart.pixels();
  const key = JSON.stringify([state.series, runs.map(runName), width]);
  const look = JSON.stringify([key, state.log, state.smooth]);
  if (look === drawnAs) return;
  try {
    let answer = charted?.key === key ? charted.answer : null;
    if (answer === null) {
      answer = await get<SeriesAnswer>("/api/series", {
        path: state.series,
        ids: runs.map((r) => r.id).join(","),
        projects: runs.map((r) => r.project).join(","),
        project: state.project,
        width: String(width),
      });
      charted = { key, answer };
    }
    if (ticket !== chartTicket) return; // a later pick or refresh draws instead
    const ms = chart.draw(answer, state.log, state.smooth);
    drawnAs = look;
    const points = Math.max(0, ...answer.series.map((s) => s.steps.length));
    $("chart-timing").textContent = `${answer.series.length} runs × ${formatCount(points)} points, drawn in ${Math.round(ms)} ms`;
  } catch (e) {
    if (ticket === chartTicket) clearChart(e instanceof Error ? e.message : String(e));
  }
}

function setUpControls(): void {
  const fields = info?.fields ?? [];
  const list = $("field-list");
  list.replaceChildren(
    ...fields.map((f) => {
      const option = document.createElement("option");
      option.value = f.path;
      option.label = f.type;
      return option;
    }),
  );
  const column = $<HTMLInputElement>("add-column");
  column.addEventListener("keydown", (e) => {
    if (e.key !== "Enter" || !column.value.trim()) return;
    state = { ...state, columns: [...state.columns.filter((c) => c !== column.value.trim()), column.value.trim()] };
    column.value = "";
    saveState();
    renderColumns();
    refresh();
  });
  renderColumns();

  const select = $<HTMLSelectElement>("series");
  select.replaceChildren(
    new Option("— float series —", ""),
    ...(info?.series ?? []).map((s) => new Option(s, s)),
  );
  select.value = state.series;
  select.addEventListener("change", () => {
    state = { ...state, series: select.value };
    saveState();
    void drawChart();
  });
  const logBox = $<HTMLInputElement>("log");
  logBox.checked = state.log;
  logBox.addEventListener("change", () => {
    state = { ...state, log: logBox.checked };
    saveState();
    void drawChart();
  });
  const smoothing = $<HTMLInputElement>("smooth");
  smoothing.value = String(state.smooth);
  smoothing.addEventListener("input", () => {
    state = { ...state, smooth: Number(smoothing.value) };
    saveState();
    void drawChart();
  });
  $("clear-runs").addEventListener("click", () => {
    state = { ...state, runs: [] };
    saveState();
    table.refresh();
    void drawChart();
  });

  const projects = info?.projects ?? [];
  const picker = $<HTMLSelectElement>("project");
  picker.hidden = projects.length < 2;
  picker.replaceChildren(
    new Option("all projects", ""),
    ...projects.map((p) => new Option(`${p.name} (${formatCount(p.runs)})`, p.name)),
  );
  picker.value = state.project;
  picker.addEventListener("change", () => {
    state = { ...state, project: picker.value };
    saveState();
    refresh();
  });

  $<HTMLAnchorElement>("csv").addEventListener("click", (e) => {
    (e.currentTarget as HTMLAnchorElement).href = link("/api/csv", params());
  });
  $("copy-nql").addEventListener("click", async () => toast((await copyText(state.q)) ? "NQL copied." : "The browser refused the clipboard."));
  setUpConversions(() => ({ q: state.q, project: state.project }));
  $("panel-close").addEventListener("click", () => ($("panel").hidden = true));
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape") $("panel").hidden = true;
  });
  void setUpViews();
}

function toast(text: string): void {
  const box = $("toast");
  box.textContent = text;
  box.hidden = false;
  window.setTimeout(() => (box.hidden = true), 1800);
}

function renderColumns(): void {
  const chips = $("columns");
  chips.replaceChildren(
    ...state.columns.map((c) => {
      const chip = el("span", "chip");
      chip.textContent = c;
      const x = el("button", "x");
      x.textContent = "×";
      x.title = `remove ${c}`;
      x.addEventListener("click", () => {
        state = { ...state, columns: state.columns.filter((k) => k !== c) };
        saveState();
        renderColumns();
        refresh();
      });
      chip.append(x);
      return chip;
    }),
  );
}

async function setUpViews(): Promise<void> {
  const picker = $<HTMLSelectElement>("views");
  const fill = (views: Record<string, string>) => {
    picker.replaceChildren(new Option("saved views…", ""), ...Object.keys(views).map((n) => new Option(n, n)));
    picker.onchange = () => {
      const chosen = views[picker.value];
      if (chosen !== undefined) {
        location.hash = chosen;
        location.reload();
      }
    };
  };
  try {
    fill((await get<{ views: Record<string, string> }>("/api/views")).views);
  } catch {
    picker.hidden = true;
  }
  $("save-view").addEventListener("click", async () => {
    const name = prompt("Save this view as:");
    if (!name) return;
    try {
      fill((await post<{ views: Record<string, string> }>("/api/views", { name, state: encode(state) })).views);
    } catch (e) {
      showError(e instanceof Error ? e.message : String(e));
    }
  });
}

async function waitForRuns(): Promise<Info> {
  for (;;) {
    const answer = await get<Info>("/api/info");
    $("source").textContent = answer.source ?? answer.progress;
    if (answer.error) throw new Error(answer.error);
    if (!answer.loading) return answer;
    $("loading").hidden = false;
    $("loading").textContent = `Loading runs: ${answer.progress}`;
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function start(): Promise<void> {
  if (!token) {
    showError("Open the URL nql-lsp explore printed: it carries the access token.");
    return;
  }
  try {
    info = await waitForRuns();
  } catch (e) {
    $("loading").hidden = false;
    $("loading").textContent = e instanceof ApiError || e instanceof Error ? e.message : String(e);
    return;
  }
  $("loading").hidden = true;
  $("source").textContent = `${info.source} · ${formatCount(info.total ?? 0)} runs`;
  setUpControls();
  const first = refresh(); // the table does not wait for the editor's socket
  const ws = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/lsp?token=${encodeURIComponent(token)}`;
  editor = await createEditor($("editor"), state.q, ws, {
    onChange: (text) => {
      state = { ...state, q: text };
      saveState();
      schedule();
    },
    onDiagnostics: showDiagnostics,
    onStatus: (text) => {
      $("lsp-status").textContent = text;
    },
  });
  editor.focus();
  await first;
}

void start();
