// Tests for heartbeat frames: valid per the protocol, and trimmed to the frame limit (FRAME-1).
import { describe, expect, it } from "vitest";
import { exceedsFrameLimit, type ProcessReport, parseWorkerFrame } from "../shared/protocol.ts";
import { heartbeatText } from "./heartbeat.ts";

function report(nodeId: string, recent?: string[]): ProcessReport {
  const base: ProcessReport = { nodeId, epoch: 1, state: "running", in: 0, out: 0, errors: 0, lastError: null };
  return recent ? { ...base, recent } : base;
}

describe("heartbeatText", () => {
  it("keeps small heartbeats whole", () => {
    const { text, trimmed } = heartbeatText(2, [report("a", ["x"]), report("b")]);
    expect(trimmed).toBe("none");
    expect(parseWorkerFrame(text)).toMatchObject({ ok: true, frame: { load: 2, processes: [{ recent: ["x"] }, {}] } });
  });

  it("drops recent lists first when the frame would be too large", () => {
    const big = Array.from({ length: 100 }, () => "y".repeat(1000));
    const processes = Array.from({ length: 20 }, (_, i) => report(`n${i}`, big));
    const { text, trimmed } = heartbeatText(20, processes);
    expect(trimmed).toBe("recent");
    expect(exceedsFrameLimit(text)).toBe(false);
    const parsed = parseWorkerFrame(text);
    expect(parsed.ok && parsed.frame.type === "heartbeat" && parsed.frame.processes.length).toBe(20);
  });
});
