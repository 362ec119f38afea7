// Builds the page into nql_lsp/explore/static/: app.js (one minified bundle), style.css (uPlot's and ours)
// and index.html. The output depends only on the sources and the locked packages, byte for byte, so the
// shipped copy can be checked against a fresh build (`node build.mjs --check`).
import { build } from "esbuild";
import { mkdir, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "nql_lsp", "explore", "static");
const check = process.argv.includes("--check");

async function outputs() {
  const result = await build({
    entryPoints: [join(here, "src", "main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "eof",
    charset: "utf8",
    write: false,
    outfile: "app.js",
    absWorkingDir: here,
    logLevel: "error",
  });
  const js = result.outputFiles.find((f) => f.path.endsWith("app.js"));
  const uplotCss = await readFile(join(here, "node_modules", "uplot", "dist", "uPlot.min.css"), "utf8");
  const css = `${uplotCss.trim()}\n${await readFile(join(here, "src", "style.css"), "utf8")}`;
  return {
    "app.js": Buffer.from(js.contents),
    "style.css": Buffer.from(css),
    "index.html": await readFile(join(here, "src", "index.html")),
  };
}

const files = await outputs();
if (check) {
  const stale = [];
  for (const [name, body] of Object.entries(files)) {
    let shipped = null;
    try {
      shipped = await readFile(join(target, name));
    } catch {}
    if (shipped === null || !shipped.equals(body)) stale.push(name);
  }
  const extra = (await readdir(target).catch(() => [])).filter((n) => !(n in files));
  if (stale.length || extra.length) {
    console.error(`nql_lsp/explore/static is out of date (${[...stale, ...extra].join(", ")}): run npm run build in explorer/`);
    process.exit(1);
  }
  console.log("nql_lsp/explore/static matches the sources");
} else {
  await mkdir(target, { recursive: true });
  for (const name of await readdir(target)) if (!(name in files)) await rm(join(target, name));
  for (const [name, body] of Object.entries(files)) await writeFile(join(target, name), body);
  console.log(`built ${Object.keys(files).join(", ")} into ${target}`);
}
