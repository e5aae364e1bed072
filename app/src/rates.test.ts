// Node rates come from the change of the pushed counters over time, smoothed, and restart from zero with a process.
import { describe, expect, it } from "vitest";
import { createRateMeter } from "./rates.ts";

const push = (inCount: number, outCount: number) => [{ nodeId: "n", in: inCount, out: outCount }];

describe("createRateMeter", () => {
  it("has no rate from one push, then the change per second, smoothed", () => {
    const meter = createRateMeter();
    expect(meter.update(push(0, 0), 0)).toEqual({});
    expect(meter.update(push(100, 50), 1000)).toEqual({ n: { in: 100, out: 50, at: 1000 } });
    // 300 more in over 1 s: halfway between 100 and 300.
    expect(meter.update(push(400, 50), 2000).n).toEqual({ in: 200, out: 25, at: 2000 });
  });

  it("folds pushes a few ms apart into the next interval", () => {
    const meter = createRateMeter();
    meter.update(push(0, 0), 0);
    expect(meter.update(push(10, 0), 100)).toEqual({});
    expect(meter.update(push(100, 0), 1000).n?.in).toBe(100);
  });

  it("starts again when a counter goes down (the process restarted elsewhere) and forgets removed nodes", () => {
    const meter = createRateMeter();
    meter.update(push(0, 0), 0);
    meter.update(push(500, 500), 1000);
    expect(meter.update(push(5, 5), 2000)).toEqual({});
    expect(meter.update(push(15, 5), 3000).n).toEqual({ in: 10, out: 0, at: 3000 });
    expect(meter.update([], 4000)).toEqual({});
  });
});
