// Tests for the rate-limit node: a token bucket with burst = rate; delay mode holds a message until its token
// is due (so the next one waits too), drop mode drops and counts, logging at most once a second.
import { describe, expect, it } from "vitest";
import { TIMING_TYPES } from "../../../shared/builtins/timing.ts";
import { nodeTypeProblem } from "../../../shared/nodeTypeDef.ts";
import { checkParams } from "../../../shared/nodeTypes.ts";
import { startNode, testContext } from "../../testing/context.ts";
import { captureLogger } from "../../testing/logs.ts";
import { ManualClock } from "./manualClock.ts";
import { createRateLimitNode } from "./rateLimit.ts";

async function start(params: Record<string, unknown>) {
  const clock = new ManualClock();
  const node = await startNode(createRateLimitNode(clock), params);
  return { clock, node, ctx: node.ctx };
}

/** A drop-mode node whose log lines are kept. */
async function startLogged(params: Record<string, unknown>) {
  const clock = new ManualClock();
  const impl = createRateLimitNode(clock);
  const checked = checkParams(impl.def, params, "runtime");
  if (!checked.ok) throw new Error(checked.error);
  const { log, lines } = captureLogger("w1");
  const ctx = { ...testContext(checked.params), log };
  const process = impl.create();
  await process.start(ctx);
  let n = 0;
  const send = (value: number) => process.onMessage?.({ id: `m${++n}`, value, ts: 0 }, "in");
  const warnings = () => lines.filter((l) => l.level === 40).map((l) => [l.dropped, l.droppedTotal]);
  return { clock, ctx, process, send, warnings };
}

const values = (emitted: unknown[][]) => emitted.map((e) => e[1]);

describe("rate-limit node", () => {
  it("has a definition that passes nodeTypeProblem, with in, out and error", () => {
    const def = TIMING_TYPES.find((d) => d.type === "rate-limit");
    expect(def && nodeTypeProblem(def)).toBeUndefined();
    expect(def).toMatchObject({ category: "processing", version: "1.0.0", inputs: ["in"], outputs: ["out", "error"] });
  });

  it("refuses a rate of 0 or a period of 0 before the process starts", async () => {
    const impl = createRateLimitNode(new ManualClock());
    await expect(startNode(impl, { rate: 0 })).rejects.toThrow(/rate.*at least 1/);
    await expect(startNode(impl, { per: "0ms" })).rejects.toThrow(/per.*at least 1ms/);
  });

  it("passes a burst of rate messages at once, unchanged, with key and headers", async () => {
    const { node, ctx } = await start({ rate: 3, per: "1s" });
    await node.send("a", "in", { key: "k", headers: { h: "1" } });
    await node.send("b");
    await node.send("c");
    expect(ctx.emitted).toEqual([
      ["out", "a", { key: "k", headers: { h: "1" } }],
      ["out", "b"],
      ["out", "c"],
    ]);
  });

  it("delay mode: a message over the rate waits until its token is due, and onMessage returns only then", async () => {
    const { node, ctx, clock } = await start({ rate: 2, per: "1s", mode: "delay" });
    await node.send(1);
    await node.send(2);
    let third = false;
    const sent = node.send(3).then(() => {
      third = true;
    });
    await clock.advance(499);
    expect([values(ctx.emitted), third]).toEqual([[1, 2], false]);
    await clock.advance(1);
    await sent;
    expect([values(ctx.emitted), third]).toEqual([[1, 2, 3], true]);
    // The bucket is empty again: the next waits another 500 ms (one token per per/rate).
    const fourth = node.send(4);
    await clock.advance(499);
    expect(values(ctx.emitted)).toEqual([1, 2, 3]);
    await clock.advance(1);
    await fourth;
    expect(values(ctx.emitted)).toEqual([1, 2, 3, 4]);
    expect(clock.pending).toBe(0);
  });

  it("delay mode: over a long run, passes rate per period after the first burst", async () => {
    const { node, ctx, clock } = await start({ rate: 10, per: "1s" });
    const times: number[] = [];
    const t0 = clock.now();
    const run = (async () => {
      for (let i = 0; i < 40; i++) {
        await node.send(i);
        times.push(clock.now() - t0);
      }
    })();
    await clock.advance(3000);
    await run;
    expect(values(ctx.emitted)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // 10 in the first burst, then one every 100 ms: message 39 passes at 3 s.
    expect(times.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(times.slice(10)).toEqual(Array.from({ length: 30 }, (_, i) => (i + 1) * 100));
  });

  it("the bucket refills over a quiet spell, but to at most rate messages", async () => {
    const { node, ctx, clock } = await start({ rate: 5, per: "1s", mode: "drop" });
    for (let i = 0; i < 5; i++) await node.send(i);
    await clock.advance(60_000);
    for (let i = 5; i < 15; i++) await node.send(i);
    expect(values(ctx.emitted)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    await node.stop();
  });

  it("delay mode: a message waiting when the stop signal aborts passes at once and its wait timer is cleared", async () => {
    const clock = new ManualClock();
    const ctx = testContext({ rate: 1, per: 3_600_000, mode: "delay" });
    const controller = new AbortController();
    const process = createRateLimitNode(clock).create();
    await process.start({ ...ctx, signal: controller.signal });
    await process.onMessage?.({ id: "m1", value: 1, ts: 0 }, "in");
    const waiting = process.onMessage?.({ id: "m2", value: 2, ts: 0 }, "in");
    await clock.advance(1000);
    expect(values(ctx.emitted)).toEqual([1]);
    controller.abort();
    await waiting;
    expect(values(ctx.emitted)).toEqual([1, 2]);
    expect(clock.pending).toBe(0);
    await process.stop?.();
  });

  it("drop mode: drops what is over the rate without throwing, and logs the count at most once a second", async () => {
    const { clock, ctx, process, send, warnings } = await startLogged({ rate: 2, per: "1s", mode: "drop" });
    for (let i = 0; i < 6; i++) await send(i);
    expect(values(ctx.emitted)).toEqual([0, 1]);
    // The first drop is logged at once; the next three wait for the one-second window to end.
    expect(warnings()).toEqual([[1, 1]]);
    await clock.advance(999);
    expect(warnings()).toEqual([[1, 1]]);
    await clock.advance(1);
    expect(warnings()).toEqual([
      [1, 1],
      [3, 4],
    ]);
    // A quiet window ends the logging; the next drop is logged at once again.
    await clock.advance(5000);
    expect(clock.pending).toBe(0);
    for (let i = 6; i < 9; i++) await send(i);
    expect(values(ctx.emitted)).toEqual([0, 1, 6, 7]);
    expect(warnings().at(-1)).toEqual([1, 5]);
    await process.stop?.();
    expect(clock.pending).toBe(0);
  });

  it("drop mode: stop logs the drops not yet reported and clears the log timer", async () => {
    const { clock, process, send, warnings } = await startLogged({ rate: 1, per: "1m", mode: "drop" });
    for (let i = 0; i < 4; i++) await send(i);
    expect(warnings()).toEqual([[1, 1]]);
    await process.stop?.();
    expect(warnings()).toEqual([
      [1, 1],
      [2, 3],
    ]);
    expect(clock.pending).toBe(0);
  });
});
