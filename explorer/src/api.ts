// The explorer's JSON endpoints, each call carrying the launch token from the page's own URL.

export const token = new URLSearchParams(location.search).get("token") ?? "";

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(message);
  }
}

export async function get<T>(path: string, params: Record<string, string> = {}, signal?: AbortSignal): Promise<T> {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== "") url.searchParams.set(k, v);
  const response = await fetch(url, { headers: { "X-NQL-Token": token }, signal });
  return answer<T>(response);
}

export async function post<T>(path: string, body: unknown): Promise<T> {
  const response = await fetch(new URL(path, location.origin), {
    method: "POST",
    headers: { "X-NQL-Token": token, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return answer<T>(response);
}

async function answer<T>(response: Response): Promise<T> {
  let body: Record<string, unknown> = {};
  try {
    body = (await response.json()) as Record<string, unknown>;
  } catch {
    body = { error: `the explorer answered ${response.status}` };
  }
  if (!response.ok) throw new ApiError(String(body.error ?? response.statusText), response.status, body);
  return body as T;
}

export function link(path: string, params: Record<string, string>): string {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) if (v !== "") url.searchParams.set(k, v);
  url.searchParams.set("token", token);
  return url.toString();
}

export interface Field {
  path: string;
  type: string;
}

export interface Info {
  version: string;
  loading: boolean;
  progress: string;
  error: string | null;
  source?: string;
  total?: number;
  fields?: Field[];
  series?: string[];
  projects?: { name: string; runs: number }[];
}

export interface Page {
  matched: number;
  total: number;
  columns: string[];
  rows: string[][];
  ids: string[];
  projects: string[];
  offset: number;
  stale: boolean;
  error: string | null;
  counts: { start: number; end: number; count: number }[];
}

export interface RunDetail {
  id: string;
  project: string;
  attributes: { path: string; type: string; value: string; summary?: string }[];
  explain: string;
}

export interface SeriesAnswer {
  path: string;
  series: { id: string; project: string; name: string; steps: number[]; values: (number | null)[]; note?: string }[];
}

export interface ConvertProblem {
  code: string;
  severity: "error" | "warning" | "information" | "hint";
  message: string;
  start: number;
  end: number;
  text: string;
}

export interface ConvertAnswer {
  to: "filter" | "mlflow";
  text: string | null; // null: a problem stops the conversion
  exact: boolean;
  filter_string?: string | null;
  problems: ConvertProblem[];
}
