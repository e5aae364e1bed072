// The message sampler's loop: at most one fetch per interval, never two at once, and nothing after a stop.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createSampler } from "./sampler.ts";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** A fetch whose answers the test releases by hand. */
function manualFetch() {
  const pending: Array<{ resolve: (n: number) => void; reject: (e: unknown) => void }> = [];
  let calls = 0;
  const fetch = () => {
    calls++;
    return new Promise<number>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return {
    fetch,
    get calls() {
      return calls;
    },
    async answer(value: number) {
      pending.shift()?.resolve(value);
      await vi.advanceTimersByTimeAsync(0);
    },
    async fail(error: unknown) {
      pending.shift()?.reject(error);
      await vi.advanceTimersByTimeAsync(0);
    },
  };
}

describe("createSampler", () => {
  it("fetches at once, then at most once a second", async () => {
    const f = manualFetch();
    const samples: number[] = [];
    const sampler = createSampler({ fetch: f.fetch, onSample: (n) => samples.push(n), onError: () => {} });
    sampler.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(f.calls).toBe(1);
    await f.answer(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(f.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls).toBe(2);
    await f.answer(2);
    expect(samples).toEqual([1, 2]);
    sampler.stop();
  });

  it("never overlaps: a slow answer delays the next fetch until it is in", async () => {
    const f = manualFetch();
    const sampler = createSampler({ fetch: f.fetch, onSample: () => {}, onError: () => {} });
    sampler.start();
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(5000);
    expect(f.calls).toBe(1);
    await f.answer(1);
    // The interval since the slow fetch began has passed: the next goes at once.
    expect(f.calls).toBe(2);
    sampler.stop();
  });

  it("stops: no fetch after stop, and a late answer is dropped", async () => {
    const f = manualFetch();
    const samples: number[] = [];
    const sampler = createSampler({ fetch: f.fetch, onSample: (n) => samples.push(n), onError: () => {} });
    sampler.start();
    await vi.advanceTimersByTimeAsync(0);
    sampler.stop();
    expect(sampler.running).toBe(false);
    await f.answer(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(f.calls).toBe(1);
    expect(samples).toEqual([]);
  });

  it("re-opened at once, it still waits out the interval since the last fetch began", async () => {
    const f = manualFetch();
    const sampler = createSampler({ fetch: f.fetch, onSample: () => {}, onError: () => {} });
    sampler.start();
    await vi.advanceTimersByTimeAsync(0);
    await f.answer(1);
    sampler.stop();
    await vi.advanceTimersByTimeAsync(300);
    sampler.start();
    await vi.advanceTimersByTimeAsync(699);
    expect(f.calls).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(f.calls).toBe(2);
    sampler.stop();
  });

  it("a failed fetch stops the loop and is reported once", async () => {
    const f = manualFetch();
    const errors: unknown[] = [];
    const sampler = createSampler({ fetch: f.fetch, onSample: () => {}, onError: (e) => errors.push(e) });
    sampler.start();
    await vi.advanceTimersByTimeAsync(0);
    await f.fail(new Error("edge_not_found"));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(errors).toHaveLength(1);
    expect(f.calls).toBe(1);
    expect(sampler.running).toBe(false);
  });
});
