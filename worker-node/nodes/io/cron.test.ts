// Tests for the cron source: it fires on its schedule, skips ticks without credit, and refuses bad schedules.
import { afterEach, describe, expect, it, vi } from "vitest";
import { startNode } from "../../testing/context.ts";
import { cronJob, cronNode } from "./cron.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("cron node", () => {
  it("emits { firedAt, schedule } at each due time of a seconds schedule, and nothing after stop", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:01.000Z") });
    const node = await startNode(cronNode, { schedule: "*/5 * * * * *", timezone: "UTC" });
    await vi.advanceTimersByTimeAsync(4000);
    expect(node.ctx.emitted).toEqual([["out", { firedAt: "2030-01-01T00:00:05.000Z", schedule: "*/5 * * * * *" }]]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(node.ctx.emitted.map(([, v]) => (v as { firedAt: string }).firedAt)).toEqual([
      "2030-01-01T00:00:05.000Z",
      "2030-01-01T00:00:10.000Z",
      "2030-01-01T00:00:15.000Z",
    ]);
    await node.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(node.ctx.emitted).toHaveLength(3);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("emits the payload instead when one is set", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00.500Z") });
    const node = await startNode(cronNode, { schedule: "* * * * * *", payload: { kind: "tick", n: [1] } });
    await vi.advanceTimersByTimeAsync(1000);
    expect(node.ctx.emitted).toEqual([["out", { kind: "tick", n: [1] }]]);
    await node.stop();
  });

  it("skips ticks while there is no credit, instead of queueing them, and resumes once credit returns", async () => {
    vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00.500Z") });
    const node = await startNode(cronNode, { schedule: "* * * * * *" }, { credit: false });
    await vi.advanceTimersByTimeAsync(5000);
    expect(node.ctx.emitted).toHaveLength(0);
    node.ctx.setCredit(true);
    await vi.advanceTimersByTimeAsync(1000);
    expect(node.ctx.emitted).toEqual([["out", { firedAt: "2030-01-01T00:00:06.000Z", schedule: "* * * * * *" }]]);
    await node.stop();
  });

  it("reads the schedule in the given time zone", () => {
    const job = cronJob("0 9 * * *", "America/New_York", () => {});
    // 9:00 in New York in January is 14:00 UTC.
    expect(job.nextRun(new Date("2030-01-15T12:00:00Z"))?.toISOString()).toBe("2030-01-15T14:00:00.000Z");
    job.stop();
  });

  it("refuses an invalid expression at start, naming it and croner's reason", async () => {
    await expect(startNode(cronNode, { schedule: "61 * * * *" })).rejects.toThrow(
      /cron: param "schedule" "61 \* \* \* \*" is not a valid cron expression: .*minute: 61/,
    );
    await expect(startNode(cronNode, { schedule: "every minute" })).rejects.toThrow(
      /param "schedule" "every minute" is not a valid cron expression: .*five, six, or seven/,
    );
  });

  it("refuses an unknown time zone naming the param, and an empty schedule by its schema", async () => {
    await expect(startNode(cronNode, { schedule: "* * * * *", timezone: "Mars/Olympus" })).rejects.toThrow(
      /param "timezone" "Mars\/Olympus" is not an IANA time zone/,
    );
    await expect(startNode(cronNode, {})).rejects.toThrow(/param "schedule" is required/);
  });

  it("refuses a schedule that can never fire again", async () => {
    await expect(startNode(cronNode, { schedule: "0 0 0 1 1 * 2001" })).rejects.toThrow(/never fires from now on/);
  });
});
