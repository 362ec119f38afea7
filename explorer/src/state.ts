// The view the URL holds, after `#`: query, columns, sort, chart and project. Kept in the fragment so the
// server never sees it and the token in `?token=` stays apart from what a user bookmarks or shares.

export interface ViewState {
  q: string;
  columns: string[];
  sort: string;
  desc: boolean;
  series: string; // the float series charted, "" for none
  runs: ChartRun[]; // the runs charted; empty: the first matched ones
  log: boolean;
  smooth: number; // 0 (none) to 0.99, exponential moving average as trackers smooth
  project: string;
}

// A run is named by its project too: two projects of one export may hold the same run id.
export interface ChartRun {
  id: string;
  project: string; // "" for a source without projects
}

export function sameRun(a: ChartRun, b: ChartRun): boolean {
  return a.id === b.id && a.project === b.project;
}

// In the URL a run is `project:id` (a Neptune project name holds no colon), or its id alone without a project.
export function runName(run: ChartRun): string {
  if (run.project) return `${run.project}:${run.id}`;
  return run.id.includes(":") ? `:${run.id}` : run.id;
}

export function parseRun(text: string): ChartRun {
  const colon = text.indexOf(":");
  return colon < 0 ? { id: text, project: "" } : { id: text.slice(colon + 1), project: text.slice(0, colon) };
}

export const EMPTY: ViewState = {
  q: "",
  columns: [],
  sort: "",
  desc: false,
  series: "",
  runs: [],
  log: false,
  smooth: 0,
  project: "",
};

const LIST_SEP = ",";

export function encode(state: ViewState): string {
  const p = new URLSearchParams();
  if (state.q) p.set("q", state.q);
  if (state.columns.length) p.set("cols", state.columns.join(LIST_SEP));
  if (state.sort) p.set("sort", (state.desc ? "-" : "") + state.sort);
  if (state.series) p.set("series", state.series);
  if (state.runs.length) p.set("runs", state.runs.map(runName).join(LIST_SEP));
  if (state.log) p.set("log", "1");
  if (state.smooth > 0) p.set("smooth", String(state.smooth));
  if (state.project) p.set("project", state.project);
  return p.toString();
}

export function decode(fragment: string): ViewState {
  const p = new URLSearchParams(fragment.replace(/^#/, ""));
  const list = (key: string): string[] =>
    (p.get(key) ?? "")
      .split(LIST_SEP)
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  const sort = p.get("sort") ?? "";
  const smooth = Number(p.get("smooth") ?? "0");
  return {
    q: p.get("q") ?? "",
    columns: list("cols"),
    sort: sort.replace(/^-/, ""),
    desc: sort.startsWith("-"),
    series: p.get("series") ?? "",
    runs: list("runs").map(parseRun).filter((r) => r.id.length > 0),
    log: p.get("log") === "1",
    smooth: Number.isFinite(smooth) ? Math.min(Math.max(smooth, 0), 0.99) : 0,
    project: p.get("project") ?? "",
  };
}

// Exponential moving average with bias correction, the smoothing trackers show; gaps stay gaps.
export function smooth(values: (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return values;
  let last = 0;
  let n = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    n += 1;
    return last / (1 - Math.pow(weight, n));
  });
}

// Per-run series on one shared x axis: the union of steps, each run's value or null where it has none.
export function align(series: { steps: number[]; values: (number | null)[] }[]): [number[], ...(number | null)[][]] {
  const shared = series[0]?.steps;
  if (shared !== undefined && increasing(shared) && series.every((s) => sameSteps(s.steps, shared))) {
    return [shared, ...series.map((s) => s.values.map((v) => v ?? null))]; // runs logged at the same steps
  }
  const steps = Array.from(new Set(series.flatMap((s) => s.steps))).sort((a, b) => a - b);
  const where = new Map(steps.map((s, i) => [s, i]));
  const columns = series.map((s) => {
    const out: (number | null)[] = new Array<number | null>(steps.length).fill(null);
    s.steps.forEach((step, i) => {
      const at = where.get(step);
      if (at !== undefined) out[at] = s.values[i] ?? null;
    });
    return out;
  });
  return [steps, ...columns];
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function increasing(steps: number[]): boolean {
  for (let i = 1; i < steps.length; i++) if (!((steps[i - 1] ?? Infinity) < (steps[i] ?? -Infinity))) return false;
  return true;
}

function sameSteps(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
