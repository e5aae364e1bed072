// Tests for the counter source: its sequence, its rate, its count, and that it emits only within credit.
import { afterEach, describe, expect, it, vi } from "vitest";
import { testContext } from "../testing/context.ts";
import { waitFor } from "../testing/waitFor.ts";
import { counterNode } from "./counter.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("counter node", () => {
  it("emits start, start + 1, … at ratePerSecond (10 ms ticks catch up what the rate owes)", async () => {
    vi.useFakeTimers();
    const ctx = testContext({ ratePerSecond: 200, start: 5, count: 0 });
    const process = counterNode.create();
    await process.start(ctx);
    vi.advanceTimersByTime(1000);
    expect(ctx.emitted.length).toBeGreaterThanOrEqual(195);
    expect(ctx.emitted.length).toBeLessThanOrEqual(200);
    expect(ctx.emitted.map(([, v]) => v)).toEqual(ctx.emitted.map((_, i) => 5 + i));
    await process.stop?.();
  });

  it("without credit it emits nothing, and owes at most one second's worth once credit returns", async () => {
    vi.useFakeTimers();
    const ctx = testContext({ ratePerSecond: 100, start: 0, count: 0 }, { credit: false });
    const process = counterNode.create();
    await process.start(ctx);
    vi.advanceTimersByTime(5000);
    expect(ctx.emitted).toHaveLength(0);
    ctx.setCredit(true);
    vi.advanceTimersByTime(10);
    expect(ctx.emitted.length).toBeLessThanOrEqual(100);
    await process.stop?.();
  });

  it("unthrottled (rate 0) emits as fast as credit allows and stops after count", async () => {
    const ctx = testContext({ ratePerSecond: 0, start: 0, count: 2500 });
    const process = counterNode.create();
    await process.start(ctx);
    await waitFor(() => ctx.emitted.length === 2500 || undefined, "2,500 numbers");
    expect(ctx.emitted.at(-1)).toEqual(["out", 2499]);
    await process.stop?.();
  });

  it("unthrottled, it waits for credit instead of spinning, and resumes in sequence", async () => {
    const ctx = testContext({ ratePerSecond: 0, start: 0, count: 0 });
    const process = counterNode.create();
    await process.start(ctx);
    await waitFor(() => ctx.emitted.length >= 1000 || undefined, "a first burst");
    ctx.setCredit(false);
    const paused = ctx.emitted.length;
    await new Promise((resolve) => setImmediate(resolve));
    expect(ctx.emitted.length).toBe(paused);
    ctx.setCredit(true);
    await waitFor(() => ctx.emitted.length > paused + 1000 || undefined, "more after credit");
    expect(ctx.emitted.slice(0, 3000).map(([, v]) => v)).toEqual(ctx.emitted.slice(0, 3000).map((_, i) => i));
    await process.stop?.();
    ctx.abort();
  });
});
