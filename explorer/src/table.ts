// The runs table: only the rows in view are in the DOM, fetched a page at a time, so ten thousand matched
// runs scroll as smoothly as ten.

import type { Page } from "./api";
import type { ChartRun } from "./state";

export const ROW_HEIGHT = 30;
export const PROJECT_COLUMN = "(project)"; // the server's name for the project a run is held in
const PAGE = 200;

export interface TableSource {
  page(offset: number, limit: number): Promise<Page>;
}

export interface TableHooks {
  onSort: (column: string) => void;
  onOpen: (runId: string, project: string) => void;
  onPick: (run: ChartRun, picked: boolean) => void;
  isPicked: (run: ChartRun) => boolean;
}

export class RunsTable {
  private pages = new Map<number, Page>();
  private pending = new Set<number>();
  private generation = 0;
  private matched = 0;
  private columns: string[] = [];
  private sort = "";
  private desc = false;
  private source: TableSource | null = null;
  private readonly head: HTMLElement;
  private readonly body: HTMLElement;
  private readonly spacer: HTMLElement;
  private readonly rows: HTMLElement;

  constructor(
    private readonly root: HTMLElement,
    private readonly hooks: TableHooks,
  ) {
    this.head = el("div", "thead");
    this.body = el("div", "tbody");
    this.spacer = el("div", "spacer");
    this.rows = el("div", "rows");
    this.spacer.append(this.rows);
    this.body.append(this.spacer);
    root.append(this.head, this.body);
    this.body.addEventListener("scroll", () => this.render(), { passive: true });
    new ResizeObserver(() => this.render()).observe(this.body);
  }

  // A new result: its first page is given, the rest are fetched as they scroll into view.
  show(first: Page, source: TableSource, sort: string, desc: boolean): void {
    this.generation += 1;
    this.pages.clear();
    this.pending.clear();
    this.pages.set(0, first);
    this.source = source;
    this.matched = first.matched;
    this.columns = first.columns;
    this.sort = sort;
    this.desc = desc;
    this.renderHead();
    this.spacer.style.height = `${Math.max(this.matched * ROW_HEIGHT, 1)}px`;
    this.render();
  }

  refresh(): void {
    this.render();
  }

  private template(): string {
    return `36px ${this.columns.map((c) => (c === "sys/name" ? "minmax(220px, 2fr)" : "minmax(110px, 1fr)")).join(" ")}`;
  }

  private renderHead(): void {
    this.head.replaceChildren(el("div", "th pick"));
    this.head.style.gridTemplateColumns = this.template();
    for (const name of this.columns) {
      const th = el("div", "th");
      th.dataset.column = name;
      th.title = `sort by ${name}`;
      const label = el("span", "label");
      label.textContent = name === PROJECT_COLUMN ? "project" : name;
      th.append(label);
      if (name === this.sort) {
        const arrow = el("span", "arrow");
        arrow.textContent = this.desc ? "▼" : "▲";
        th.append(arrow);
        th.classList.add("sorted");
      }
      th.addEventListener("click", () => this.hooks.onSort(name));
      this.head.append(th);
    }
  }

  private render(): void {
    const top = this.body.scrollTop;
    const height = this.body.clientHeight || 600;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - 10);
    const last = Math.min(this.matched, Math.ceil((top + height) / ROW_HEIGHT) + 10);
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) {
      const at = Math.floor(i / PAGE) * PAGE;
      const page = this.pages.get(at);
      if (page === undefined) {
        this.fetch(at);
        continue;
      }
      const cells = page.rows[i - at];
      const id = page.ids[i - at];
      if (cells === undefined || id === undefined) continue;
      out.push(this.row(i, id, page.projects[i - at] ?? "", cells));
    }
    this.rows.replaceChildren(...out);
    this.head.style.paddingRight = `${this.body.offsetWidth - this.body.clientWidth}px`;
  }

  private row(index: number, id: string, project: string, cells: string[]): HTMLElement {
    const row = el("div", "tr");
    row.style.top = `${index * ROW_HEIGHT}px`;
    row.style.gridTemplateColumns = this.template();
    row.dataset.run = id;
    if (project) row.dataset.project = project;
    const pick = el("div", "td pick");
    const box = document.createElement("input");
    box.type = "checkbox";
    box.title = "chart this run";
    box.checked = this.hooks.isPicked({ id, project });
    box.addEventListener("click", (e) => {
      e.stopPropagation();
      this.hooks.onPick({ id, project }, box.checked);
    });
    pick.append(box);
    row.append(pick);
    cells.forEach((text, i) => {
      const td = el("div", "td");
      td.textContent = text;
      td.title = text;
      if (this.columns[i] === "sys/id") td.classList.add("id");
      if (/^-?\d[\d.e+-]*$/.test(text)) td.classList.add("num");
      row.append(td);
    });
    row.addEventListener("click", () => this.hooks.onOpen(id, project));
    return row;
  }

  private fetch(offset: number): void {
    if (this.pending.has(offset) || this.source === null) return;
    this.pending.add(offset);
    const generation = this.generation;
    this.source
      .page(offset, PAGE)
      .then((page) => {
        if (generation !== this.generation) return;
        this.pages.set(offset, page);
        this.render();
      })
      .catch(() => undefined)
      .finally(() => this.pending.delete(offset));
  }
}

export function el(tag: string, className: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  return e;
}
