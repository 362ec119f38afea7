// The view state the URL holds, and the chart's data shaping: built from src/state.ts with esbuild, then
// tested as plain JavaScript.
import { build } from "esbuild";
import assert from "node:assert/strict";
import { test } from "node:test";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const bundled = await build({
  entryPoints: [join(here, "..", "..", "src", "state.ts")],
  bundle: true,
  format: "esm",
  write: false,
  logLevel: "error",
});
const state = await import(`data:text/javascript;base64,${Buffer.from(bundled.outputFiles[0].contents).toString("base64")}`);

test("a view survives the URL fragment, with characters a query holds", () => {
  const view = {
    ...state.EMPTY,
    q: 'sys/name:string MATCHES "a&b=c#d" AND `odd,path`:int > 1',
    columns: ["parameters/lr", "sys/tags"],
    sort: "val/acc",
    desc: true,
    series: "train/loss",
    runs: [
      { id: "CLS-1", project: "team/ws" },
      { id: "CLS-1", project: "team/other" }, // the same id in another project: another run
      { id: "CLS-2", project: "" },
      { id: "odd:id", project: "" },
    ],
    log: true,
    smooth: 0.6,
    project: "team/ws",
  };
  assert.deepEqual(state.decode("#" + state.encode(view)), view);
});

test("a charted run is written project:id, and an old link's bare id still reads", () => {
  const runs = [
    { id: "CLS-1", project: "team/ws" },
    { id: "CLS-1", project: "" },
    { id: "a:b", project: "" },
    { id: "a:b", project: "p" },
  ];
  assert.deepEqual(runs.map(state.runName), ["team/ws:CLS-1", "CLS-1", ":a:b", "p:a:b"]);
  assert.deepEqual(state.decode("#runs=CLS-7,team%2Fws%3ACLS-8").runs, [
    { id: "CLS-7", project: "" },
    { id: "CLS-8", project: "team/ws" },
  ]);
  assert.ok(state.sameRun({ id: "X", project: "p" }, { id: "X", project: "p" }));
  assert.ok(!state.sameRun({ id: "X", project: "p" }, { id: "X", project: "q" }));
});

test("an empty view is an empty fragment, and a broken fragment reads as defaults", () => {
  assert.equal(state.encode(state.EMPTY), "");
  assert.deepEqual(state.decode(""), state.EMPTY);
  const odd = state.decode("#smooth=abc&cols=,,a,&sort=-");
  assert.equal(odd.smooth, 0);
  assert.deepEqual(odd.columns, ["a"]);
  assert.equal(odd.sort, "");
  assert.equal(state.decode("#smooth=7").smooth, 0.99);
});

test("smoothing is a bias-corrected moving average that keeps gaps", () => {
  assert.deepEqual(state.smooth([1, 2, 3], 0), [1, 2, 3]);
  const out = state.smooth([2, null, 4], 0.5);
  assert.equal(out[0], 2); // the first point is itself: bias correction
  assert.equal(out[1], null);
  assert.ok(Math.abs(out[2] - (0.5 * 0.5 * 2 + 0.5 * 4) / 0.75) < 1e-12);
});

test("series logged at the same steps keep them, gaps as null", () => {
  const [xs, a, b] = state.align([
    { steps: [0, 0.5, 1], values: [1, null, 3] },
    { steps: [0, 0.5, 1], values: [4, 5, 6] },
  ]);
  assert.deepEqual(xs, [0, 0.5, 1]);
  assert.deepEqual(a, [1, null, 3]);
  assert.deepEqual(b, [4, 5, 6]);
  // A step logged twice is not a shared axis: the union of steps is.
  assert.deepEqual(state.align([{ steps: [0, 0, 1], values: [1, 2, 3] }])[0], [0, 1]);
});

test("series of different steps share one x axis", () => {
  const [xs, a, b] = state.align([
    { steps: [0, 2], values: [1, 3] },
    { steps: [1, 2], values: [10, 30] },
  ]);
  assert.deepEqual(xs, [0, 1, 2]);
  assert.deepEqual(a, [1, null, 3]);
  assert.deepEqual(b, [null, 10, 30]);
});
