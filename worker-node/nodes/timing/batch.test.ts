// Tests for the batch node: full batches by count, partial ones by timeout, one batch per key, its limits
// and the partial batches it emits on stop.
import { describe, expect, it } from "vitest";
import { BATCH_MAX_GROUPS, TIMING_TYPES } from "../../../shared/builtins/timing.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { startNode, testContext } from "../../testing/context.ts";
import { BATCH_MAX_BYTES, createBatchNode } from "./batch.ts";
import { ManualClock } from "./manualClock.ts";

async function start(params: Record<string, unknown>) {
  const clock = new ManualClock();
  const node = await startNode(createBatchNode(clock), params);
  return { clock, node, ctx: node.ctx };
}

describe("batch node", () => {
  it("has a definition that passes nodeTypeProblem, with in, out and error", () => {
    const def = TIMING_TYPES.find((d) => d.type === "batch");
    expect(def && nodeTypeProblem(def)).toBeUndefined();
    expect(def).toMatchObject({ category: "processing", version: "1.0.0", inputs: ["in"], outputs: ["out", "error"] });
    expect(def?.description).toMatch(/crash loses a partial batch/);
  });

  it("refuses a count outside 1..10000 before the process starts", async () => {
    await expect(startNode(createBatchNode(new ManualClock()), { count: 0 })).rejects.toThrow(/count.*at least 1/);
    await expect(startNode(createBatchNode(new ManualClock()), { count: 10_001 })).rejects.toThrow(
      /count.*at most 10000/,
    );
  });

  it("emits the array of values, in arrival order, each time count messages are held", async () => {
    const { node, ctx, clock } = await start({ count: 3, timeout: "0ms" });
    for (const v of [1, "two", { three: 3 }, 4, 5, 6, 7]) await node.send(v);
    expect(ctx.emitted).toEqual([
      ["out", [1, "two", { three: 3 }], { headers: { "batch.count": "3" } }],
      ["out", [4, 5, 6], { headers: { "batch.count": "3" } }],
    ]);
    // timeout "0ms": the seventh waits however long it takes, and no timer is set.
    await clock.advance(86_400_000);
    expect(ctx.emitted).toHaveLength(2);
    expect(clock.pending).toBe(0);
  });

  it("emits a partial batch timeout after its first message, and the next batch's clock starts afresh", async () => {
    const { node, ctx, clock } = await start({ count: 100, timeout: "5s" });
    await node.send("a");
    await clock.advance(3000);
    await node.send("b");
    await clock.advance(1999);
    expect(ctx.emitted).toEqual([]);
    await clock.advance(1);
    expect(ctx.emitted).toEqual([["out", ["a", "b"], { headers: { "batch.count": "2" } }]]);
    await node.send("c");
    await clock.advance(4999);
    expect(ctx.emitted).toHaveLength(1);
    await clock.advance(1);
    expect(ctx.emitted[1]).toEqual(["out", ["c"], { headers: { "batch.count": "1" } }]);
    expect(clock.pending).toBe(0);
  });

  it("a batch filled by count cancels its timeout", async () => {
    const { node, ctx, clock } = await start({ count: 2, timeout: "1s" });
    await node.send(1);
    await node.send(2);
    expect(clock.pending).toBe(0);
    await clock.advance(5000);
    expect(ctx.emitted).toEqual([["out", [1, 2], { headers: { "batch.count": "2" } }]]);
  });

  it("with groupBy key keeps one batch per key and emits each with its key; keyless messages share one", async () => {
    const { node, ctx, clock } = await start({ count: 2, timeout: "1s", groupBy: "key" });
    await node.send("a1", "in", { key: "a" });
    await node.send("b1", "in", { key: "b" });
    await node.send("n1");
    await node.send("a2", "in", { key: "a" });
    expect(ctx.emitted).toEqual([["out", ["a1", "a2"], { key: "a", headers: { "batch.count": "2" } }]]);
    await clock.advance(1000);
    expect(ctx.emitted.slice(1)).toEqual([
      ["out", ["b1"], { key: "b", headers: { "batch.count": "1" } }],
      ["out", ["n1"], { headers: { "batch.count": "1" } }],
    ]);
  });

  it("without groupBy puts every key into one batch and emits it without a key", async () => {
    const { node, ctx } = await start({ count: 2, timeout: "0ms" });
    await node.send(1, "in", { key: "a" });
    await node.send(2, "in", { key: "b" });
    expect(ctx.emitted).toEqual([["out", [1, 2], { headers: { "batch.count": "2" } }]]);
  });

  it(`refuses a message for a new key once ${BATCH_MAX_GROUPS} keys have a batch open, naming the limit`, async () => {
    const { node, ctx } = await start({ count: 10, timeout: "0ms", groupBy: "key" });
    for (let i = 0; i < BATCH_MAX_GROUPS; i++) await node.send(i, "in", { key: `k${i}` });
    await expect(node.send("x", "in", { key: "new" })).rejects.toThrow(
      /batch: 1000 keys already have a batch open .*new key "new" was refused/,
    );
    // A key already open still takes messages.
    await node.send("more", "in", { key: "k7" });
    await node.process.stop?.();
    expect(ctx.emitted).toHaveLength(BATCH_MAX_GROUPS);
    expect(ctx.emitted.find((e) => e[2]?.key === "k7")?.[1]).toEqual([7, "more"]);
    expect(ctx.emitted.some((e) => e[2]?.key === "new")).toBe(false);
  });

  it("sends a batch early when one more value would make it larger than one message may be", async () => {
    const { node, ctx } = await start({ count: 10_000, timeout: "0ms" });
    const big = "x".repeat(100_000);
    await node.send(big);
    await node.send(big);
    expect(ctx.emitted).toEqual([]);
    await node.send(big);
    expect(ctx.emitted).toEqual([["out", [big, big], { headers: { "batch.count": "2" } }]]);
    expect(JSON.stringify([big, big]).length).toBeLessThanOrEqual(BATCH_MAX_BYTES);
    expect(JSON.stringify([big, big, big]).length).toBeGreaterThan(BATCH_MAX_BYTES);
  });

  it("on stop emits every partial batch and clears its timers", async () => {
    const { node, ctx, clock } = await start({ count: 5, timeout: "1m", groupBy: "key" });
    await node.send(1, "in", { key: "a" });
    await node.send(2, "in", { key: "b" });
    await node.send(3, "in", { key: "a" });
    expect(clock.pending).toBe(2);
    await node.process.stop?.();
    expect(ctx.emitted).toEqual([
      ["out", [1, 3], { key: "a", headers: { "batch.count": "2" } }],
      ["out", [2], { key: "b", headers: { "batch.count": "1" } }],
    ]);
    expect(clock.pending).toBe(0);
    ctx.abort();
  });

  it("leaves a batch whose timeout passes after the stop signal to stop() instead of emitting it then", async () => {
    const clock = new ManualClock();
    const ctx = testContext({ count: 5, timeout: 1000, groupBy: "none" });
    // The signal aborted but emits still taken, as the runtime does between halting a process and its stop().
    const stopping = { ...ctx, signal: AbortSignal.abort() };
    const process = createBatchNode(clock).create();
    await process.start(stopping);
    await process.onMessage?.({ id: "m1", value: 9, ts: 0 }, "in");
    await clock.advance(1000);
    expect(ctx.emitted).toEqual([]);
    await process.stop?.();
    expect(ctx.emitted).toEqual([["out", [9], { headers: { "batch.count": "1" } }]]);
  });
});
