// Tests for the delay node: each message goes `delay` after it arrived, in order, unchanged; at most maxHeld
// wait; without credit it waits; on stop everything held goes at once.
import { describe, expect, it } from "vitest";
import { TIMING_TYPES } from "../../../shared/builtins/timing.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { startNode, testContext } from "../../testing/context.ts";
import { createDelayNode } from "./delay.ts";
import { ManualClock } from "./manualClock.ts";

async function start(params: Record<string, unknown>, opts: { credit?: boolean } = {}) {
  const clock = new ManualClock();
  const node = await startNode(createDelayNode(clock), params, opts);
  return { clock, node, ctx: node.ctx };
}

const values = (emitted: unknown[][]) => emitted.map((e) => e[1]);

describe("delay node", () => {
  it("has a definition that passes nodeTypeProblem, with in, out and error", () => {
    const def = TIMING_TYPES.find((d) => d.type === "delay");
    expect(def && nodeTypeProblem(def)).toBeUndefined();
    expect(def).toMatchObject({ category: "processing", version: "1.0.0", inputs: ["in"], outputs: ["out", "error"] });
  });

  it("refuses a delay over 1h and a maxHeld over 100000 before the process starts", async () => {
    await expect(startNode(createDelayNode(new ManualClock()), { delay: "2h" })).rejects.toThrow(/delay.*at most 1h/);
    await expect(startNode(createDelayNode(new ManualClock()), { maxHeld: 100_001 })).rejects.toThrow(
      /maxHeld.*at most 100000/,
    );
  });

  it("emits each message delay after it arrived, in arrival order, with its key and headers", async () => {
    const { node, ctx, clock } = await start({ delay: "1s" });
    await node.send("a", "in", { key: "k", headers: { trace: "t1" } });
    await clock.advance(300);
    await node.send("b");
    await clock.advance(699);
    expect(ctx.emitted).toEqual([]);
    await clock.advance(1);
    expect(ctx.emitted).toEqual([["out", "a", { key: "k", headers: { trace: "t1" } }]]);
    await clock.advance(299);
    expect(ctx.emitted).toHaveLength(1);
    await clock.advance(1);
    expect(ctx.emitted[1]).toEqual(["out", "b"]);
    expect(clock.pending).toBe(0);
  });

  it("does not hold up onMessage: many messages arriving together all go one delay later", async () => {
    const { node, ctx, clock } = await start({ delay: "1s" });
    for (let i = 0; i < 500; i++) await node.send(i);
    expect(clock.pending).toBe(1); // one timer, for the head of the queue
    await clock.advance(1000);
    expect(values(ctx.emitted)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it("throws once maxHeld messages wait, and takes messages again once some went out", async () => {
    const { node, ctx, clock } = await start({ delay: "1s", maxHeld: 3 });
    for (const v of [1, 2, 3]) await node.send(v);
    await expect(node.send(4)).rejects.toThrow(/^delay holds 3 messages already \(maxHeld\)/);
    await clock.advance(1000);
    await node.send(5);
    await clock.advance(1000);
    expect(values(ctx.emitted)).toEqual([1, 2, 3, 5]);
  });

  it("without credit on out it holds due messages, and sends them in order once credit returns", async () => {
    const { node, ctx, clock } = await start({ delay: "100ms" });
    await node.send(1);
    await clock.advance(100);
    expect(values(ctx.emitted)).toEqual([1]);
    ctx.setCredit(false);
    await node.send(2);
    await node.send(3);
    await clock.advance(10_000);
    expect(values(ctx.emitted)).toEqual([1]);
    await node.send(4);
    ctx.setCredit(true);
    await clock.advance(0);
    // 2 and 3 were due: they go at once; 4 still waits its 100 ms.
    expect(values(ctx.emitted)).toEqual([1, 2, 3]);
    await clock.advance(100);
    expect(values(ctx.emitted)).toEqual([1, 2, 3, 4]);
  });

  it("checks credit before each emit: credit lost midway stops the rest until it returns", async () => {
    const { node, ctx, clock } = await start({ delay: "10ms" });
    for (const v of [1, 2, 3]) await node.send(v);
    const emit = ctx.emit;
    ctx.emit = (port, value, options) => {
      const ok = emit(port, value, options);
      if (value === 1) ctx.setCredit(false);
      return ok;
    };
    await clock.advance(10);
    expect(values(ctx.emitted)).toEqual([1]);
    ctx.setCredit(true);
    await clock.advance(0);
    expect(values(ctx.emitted)).toEqual([1, 2, 3]);
  });

  it("on stop emits everything held at once, in order, and clears its timer", async () => {
    const { node, ctx, clock } = await start({ delay: "1h" });
    for (const v of [1, 2, 3]) await node.send(v, "in", { key: `k${v}` });
    await node.process.stop?.();
    expect(ctx.emitted).toEqual([
      ["out", 1, { key: "k1" }],
      ["out", 2, { key: "k2" }],
      ["out", 3, { key: "k3" }],
    ]);
    expect(clock.pending).toBe(0);
    ctx.abort();
  });

  it("once the stop signal aborts, a pump waiting for credit gives up and leaves the messages to stop()", async () => {
    const clock = new ManualClock();
    const ctx = testContext({ delay: 10, maxHeld: 10 }, { credit: false });
    const controller = new AbortController();
    // As the runtime's: after the abort, waitForCredit resolves at once and credit stays false; emits are
    // still taken (from stop()). Waits are counted, and refused past 100, so a pump that spins fails here.
    let waits = 0;
    const stopping = {
      ...ctx,
      signal: controller.signal,
      waitForCredit: (port: string) => {
        waits += 1;
        if (waits > 100) return Promise.reject(new Error("the pump spins on waitForCredit"));
        return controller.signal.aborted
          ? Promise.resolve()
          : Promise.race([ctx.waitForCredit(port), aborted(controller)]);
      },
    };
    const process = createDelayNode(clock).create();
    await process.start(stopping);
    await process.onMessage?.({ id: "m1", value: 1, ts: 0 }, "in");
    await process.onMessage?.({ id: "m2", value: 2, ts: 0 }, "in");
    await clock.advance(10);
    controller.abort();
    await clock.advance(1000);
    expect(waits).toBe(1);
    expect(ctx.emitted).toEqual([]);
    expect(clock.pending).toBe(0);
    await process.stop?.();
    expect(values(ctx.emitted)).toEqual([1, 2]);
  });
});

function aborted(controller: AbortController): Promise<void> {
  return new Promise((resolve) => controller.signal.addEventListener("abort", () => resolve(), { once: true }));
}
