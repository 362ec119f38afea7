// Float series against step, overlaid, on uPlot: drag to zoom, double-click to reset, the legend reads the
// values under the cursor.

import uPlot from "uplot";
import type { SeriesAnswer } from "./api";
import { align, smooth } from "./state";

const PALETTE = [
  "#0969da", "#cf222e", "#1a7f37", "#8250df", "#bf8700", "#0598bc", "#d1242f", "#6e7781", "#e16f24", "#2da44e",
];

export class Chart {
  private plot: uPlot | null = null;

  constructor(private readonly root: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize(this.size())).observe(root);
  }

  private size(): { width: number; height: number } {
    return { width: Math.max(this.root.clientWidth - 8, 200), height: 300 };
  }

  // The device pixels across the plot, to the next hundred: how finely the server thins a long series.
  pixels(): number {
    const across = this.size().width * (window.devicePixelRatio || 1);
    return Math.min(Math.max(Math.ceil(across / 100) * 100, 100), 8000);
  }

  clear(message: string): void {
    this.plot?.destroy();
    this.plot = null;
    const note = document.createElement("div");
    note.className = "chart-note";
    note.textContent = message;
    this.root.replaceChildren(note);
  }

  draw(answer: SeriesAnswer, log: boolean, weight: number): number {
    const started = performance.now();
    const drawn = answer.series.filter((s) => s.steps.length > 0);
    if (drawn.length === 0) {
      const notes = answer.series.map((s) => s.note).filter(Boolean);
      this.clear(notes.length ? `Nothing to plot: ${notes[0]}.` : "Nothing to plot.");
      return 0;
    }
    const several = new Set(drawn.map((s) => s.project)).size > 1; // then a legend names each run's project
    const [xs, ...ys] = align(drawn);
    const columns = ys.map((values) => {
      const shown = smooth(values, weight);
      return log ? shown.map((v) => (v !== null && v > 0 ? v : null)) : shown;
    });
    const options: uPlot.Options = {
      ...this.size(),
      scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
      axes: [
        { label: "step", stroke: "#57606a", grid: { stroke: "#eaeef2" } },
        { label: answer.path, stroke: "#57606a", grid: { stroke: "#eaeef2" }, size: 70 },
      ],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
      series: [
        { label: "step" },
        ...drawn.map((s, i) => ({
          label: several ? `${s.name || s.id} · ${s.project}` : s.name || s.id,
          stroke: PALETTE[i % PALETTE.length],
          width: 1.5,
          spanGaps: true,
          points: { show: false },
        })),
      ],
    };
    this.plot?.destroy();
    this.root.replaceChildren();
    this.plot = new uPlot(options, [xs, ...columns] as uPlot.AlignedData, this.root);
    return performance.now() - started;
  }
}
