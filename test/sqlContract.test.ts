// The storage contracts against real Durable Object SQLite (workerd via Miniflare); the same suites run
// against the in-memory stores in edge/room/stores.test.ts and edge/room/docLog.test.ts.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "./harness.ts";

type Result = { name: string; error?: string };
let results: Result[] = [];
let mf: Miniflare | undefined;

beforeAll(async () => {
  const outdir = mkdtempSync(join(tmpdir(), "weft-sqlcontract-"));
  await build({
    entryPoints: [join(ROOT, "test/sqlContract/entry.ts")],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    external: ["cloudflare:workers"],
    alias: { vitest: join(ROOT, "test/sqlContract/shim.ts") },
    outfile: join(outdir, "contract.mjs"),
    logLevel: "error",
  });
  mf = new Miniflare({
    modules: true,
    modulesRoot: outdir,
    scriptPath: join(outdir, "contract.mjs"),
    compatibilityDate: "2026-04-20",
    compatibilityFlags: ["nodejs_compat"],
    durableObjects: { RUNNER: { className: "ContractRunner", useSQLite: true } },
  });
  results = (await (await mf.dispatchFetch("http://contract/")).json()) as Result[];
});
afterAll(async () => {
  await mf?.dispose();
});

describe("storage contracts on Durable Object SQLite", () => {
  it("LeaderStore: runs every contract test, and each passes", () => {
    const leader = results.filter((r) => r.name.startsWith("LeaderStore contract"));
    expect(leader.length).toBeGreaterThanOrEqual(8);
    expect(leader.filter((r) => r.error)).toEqual([]);
  });

  it("QueueStore: runs every contract test, and each passes (one row per batch, atomic dead-lettering)", () => {
    const queue = results.filter((r) => r.name.startsWith("QueueStore contract"));
    expect(queue.length).toBeGreaterThanOrEqual(10);
    expect(queue.filter((r) => r.error)).toEqual([]);
  });

  it("first-cut storage migrates to node runs, worker links and dead letters", () => {
    const migration = results.filter((r) => r.name.startsWith("first-cut room storage"));
    expect(migration).toHaveLength(1);
    expect(migration.filter((r) => r.error)).toEqual([]);
  });

  it("DocLog: runs every contract test, and each passes (chunks under the 2 MB row limit, atomic compaction)", () => {
    const log = results.filter((r) => r.name.startsWith("DocLog contract"));
    expect(log.length).toBeGreaterThanOrEqual(8);
    expect(log.filter((r) => r.error)).toEqual([]);
  });
});
