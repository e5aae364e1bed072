// Edit cost benchmark: what one editor's edit costs the room on a 5,000-node running graph, through the
// real room code (update gate, chunked store, apply, GraphView, leader) in Node. The baseline, measured in
// the same run, is what every edit cost before GraphView: reading and planning the whole graph again.
// Prints one JSON line per figure. The TypeScript entry is bundled with esbuild first.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";

const ROOT = resolve(import.meta.dirname, "../..");
const out = mkdtempSync(join(tmpdir(), "weft-bench-edits-"));
try {
  await build({
    entryPoints: [join(ROOT, "bench/edits/run.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: join(out, "run.mjs"),
    logLevel: "error",
  });
  const result = spawnSync(process.execPath, [join(out, "run.mjs")], { stdio: ["ignore", "inherit", "inherit"] });
  process.exitCode = result.status ?? 1;
} finally {
  rmSync(out, { recursive: true, force: true });
}
