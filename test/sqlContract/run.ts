// Runs a test entry inside a real Durable Object on SQLite (workerd via Miniflare): the entry is bundled with
// esbuild (vitest shimmed), its Durable Object class `className` answers a fetch with its results.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { ROOT } from "../harness.ts";

export interface ContractResult {
  name: string;
  error?: string;
}

/** Bundles `entry` (relative to the tree), starts it, fetches its results; `dispose` stops it. */
export async function runOnDurableObjectSqlite(
  entry: string,
  className: string,
): Promise<{ results: ContractResult[]; dispose: () => Promise<void> }> {
  const outdir = mkdtempSync(join(tmpdir(), "weft-sqlcontract-"));
  await build({
    entryPoints: [join(ROOT, entry)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:workers"],
    alias: { vitest: join(ROOT, "test/sqlContract/shim.ts") },
    outfile: join(outdir, "entry.mjs"),
    logLevel: "error",
  });
  const mf = new Miniflare({
    modules: true,
    modulesRoot: outdir,
    scriptPath: join(outdir, "entry.mjs"),
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    durableObjects: { RUNNER: { className, useSQLite: true } },
  });
  try {
    const results = (await (await mf.dispatchFetch("http://contract/")).json()) as ContractResult[];
    return { results, dispose: () => mf.dispose() };
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}
