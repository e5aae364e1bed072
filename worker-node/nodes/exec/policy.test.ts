// Tests for the exec node's small policies: restart backoff, the log rate limit and the in-flight slots.
import { describe, expect, it } from "vitest";
import { LogLimit } from "./logLimit.ts";
import { RestartBackoff } from "./restart.ts";
import { Slots } from "./slots.ts";

describe("RestartBackoff", () => {
  it("waits 100 ms, doubling on each crash in a row up to 10 s", () => {
    const backoff = new RestartBackoff();
    const delays = Array.from({ length: 10 }, () => backoff.next(50));
    expect(delays).toEqual([100, 200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
  });

  it("starts again from 100 ms after a program that ran 30 s", () => {
    const backoff = new RestartBackoff();
    backoff.next(0);
    backoff.next(0);
    expect(backoff.next(29_999)).toBe(400);
    expect(backoff.next(30_000)).toBe(100);
    expect(backoff.next(0)).toBe(200);
  });
});

describe("LogLimit", () => {
  it("admits perWindow lines per window and reports the suppressed count with the next admitted line", () => {
    const limit = new LogLimit(2, 1000);
    expect(limit.admit(0)).toEqual({ log: true, suppressed: 0 });
    expect(limit.admit(10)).toEqual({ log: true, suppressed: 0 });
    expect(limit.admit(20)).toEqual({ log: false });
    expect(limit.admit(999)).toEqual({ log: false });
    expect(limit.admit(1000)).toEqual({ log: true, suppressed: 2 });
    expect(limit.admit(1001)).toEqual({ log: true, suppressed: 0 });
  });
});

describe("Slots", () => {
  it("lets size holders in at once and the next one in when one releases, in arrival order", async () => {
    const slots = new Slots(2);
    const order: string[] = [];
    await slots.acquire();
    await slots.acquire();
    const c = slots.acquire().then(() => order.push("c"));
    const d = slots.acquire().then(() => order.push("d"));
    await Promise.resolve();
    expect(order).toEqual([]);
    expect(slots.queued).toBe(2);
    slots.release();
    await c;
    expect(order).toEqual(["c"]);
    slots.release();
    await d;
    expect(order).toEqual(["c", "d"]);
  });
});
