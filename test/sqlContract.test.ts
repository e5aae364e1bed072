// The storage contracts against real Durable Object SQLite (workerd via Miniflare); the same suites run
// against the in-memory stores in edge/room/stores.test.ts and edge/room/docLog.test.ts.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ContractResult, runOnDurableObjectSqlite } from "./sqlContract/run.ts";

let results: ContractResult[] = [];
let dispose: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ results, dispose } = await runOnDurableObjectSqlite("test/sqlContract/entry.ts", "ContractRunner"));
});
afterAll(async () => {
  await dispose?.();
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
