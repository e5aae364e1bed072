// Tests for reconnect delays: exponential from 250 ms, capped at 10 s, jittered.
import { describe, expect, it } from "vitest";
import { backoffDelay } from "./backoff.ts";

describe("backoffDelay", () => {
  it("doubles from about 250 ms and never exceeds 10 s", () => {
    expect(backoffDelay(0, undefined, () => 0.5)).toBe(250);
    expect(backoffDelay(1, undefined, () => 0.5)).toBe(500);
    expect(backoffDelay(5, undefined, () => 0.5)).toBe(8000);
    expect(backoffDelay(6, undefined, () => 0.5)).toBe(10_000);
    for (const r of [0, 0.999]) expect(backoffDelay(1000, undefined, () => r)).toBeLessThanOrEqual(10_000);
  });

  it("jitters by ±20 %", () => {
    expect(backoffDelay(0, undefined, () => 0)).toBe(200);
    expect(backoffDelay(0, undefined, () => 1)).toBe(300);
  });
});
