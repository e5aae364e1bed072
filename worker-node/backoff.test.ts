// Tests for reconnect delays: exponential from 250 ms, capped at half the heartbeat timeout (3 s), jittered.
import { describe, expect, it } from "vitest";
import { TIMING } from "../shared/limits.ts";
import { backoffDelay } from "./backoff.ts";

describe("backoffDelay", () => {
  it("doubles from about 250 ms and never exceeds 3 s, so a worker is back within the room's 6 s (HELLO-4)", () => {
    expect(backoffDelay(0, undefined, () => 0.5)).toBe(250);
    expect(backoffDelay(1, undefined, () => 0.5)).toBe(500);
    expect(backoffDelay(3, undefined, () => 0.5)).toBe(2000);
    expect(backoffDelay(4, undefined, () => 0.5)).toBe(TIMING.reconnectMaxMs);
    for (const r of [0, 0.999]) expect(backoffDelay(1000, undefined, () => r)).toBeLessThanOrEqual(3000);
    expect(TIMING.reconnectMaxMs * 2).toBeLessThanOrEqual(TIMING.heartbeatTimeoutMs);
  });

  it("jitters by ±20 %", () => {
    expect(backoffDelay(0, undefined, () => 0)).toBe(200);
    expect(backoffDelay(0, undefined, () => 1)).toBe(300);
  });
});
