// `npm run docs:nodes`: writes docs/node-library.md from the built-in definitions (shared/builtins/*.ts).
// Node cannot import TypeScript, so esbuild bundles the definitions and the renderer into a temporary module.
// `--check` writes nothing and exits 1 when the file is out of date.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "..");
const TARGET = join(ROOT, "docs", "node-library.md");
const check = process.argv.includes("--check");

const entry = `export { BUILTIN_NODE_TYPES } from "./shared/builtins/index.ts";
export { renderNodeLibrary } from "./shared/nodeDocsRender.ts";`;

const dir = mkdtempSync(join(tmpdir(), "weft-node-docs-"));
try {
  const outfile = join(dir, "library.mjs");
  await build({
    stdin: { contents: entry, resolveDir: ROOT, loader: "ts", sourcefile: "node-docs-entry.ts" },
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    outfile,
    logLevel: "warning",
  });
  const { BUILTIN_NODE_TYPES, renderNodeLibrary } = await import(pathToFileURL(outfile).href);
  const text = renderNodeLibrary(BUILTIN_NODE_TYPES);
  let current = "";
  try {
    current = readFileSync(TARGET, "utf8");
  } catch {
    current = "";
  }
  if (check) {
    if (current !== text) {
      console.error("docs/node-library.md is out of date: run npm run docs:nodes");
      process.exitCode = 1;
    } else {
      console.log("docs/node-library.md is up to date");
    }
  } else if (current === text) {
    console.log(`docs/node-library.md is up to date (${BUILTIN_NODE_TYPES.length} node types)`);
  } else {
    writeFileSync(TARGET, text);
    console.log(`wrote docs/node-library.md (${BUILTIN_NODE_TYPES.length} node types)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
