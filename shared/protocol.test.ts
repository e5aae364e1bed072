import { describe, expect, it } from "vitest";
import { LIMITS } from "./limits.ts";
import { parseRoomFrame, parseWorkerFrame } from "./protocol.ts";

const hello = {
  type: "hello",
  protocol: 1,
  workerId: "w1",
  name: "w",
  version: "0.1.0",
  labels: [],
  capacity: 4,
  nodeTypes: [{ type: "random", version: "1.0.0" }],
  load: 0,
};

describe("parseWorkerFrame", () => {
  it("accepts a valid hello", () => {
    expect(parseWorkerFrame(JSON.stringify(hello))).toMatchObject({ ok: true, frame: { type: "hello" } });
  });

  it("FRAME-2: malformed JSON, unknown type and bad fields each get their own code", () => {
    expect(parseWorkerFrame("{nope")).toMatchObject({ ok: false, code: "invalid_json" });
    expect(parseWorkerFrame('{"type":"teleport"}')).toEqual({
      ok: false,
      code: "unknown_frame_type",
      message: 'unknown frame type "teleport"',
    });
    expect(parseWorkerFrame("[1,2]")).toMatchObject({ ok: false, code: "invalid_frame" });
    const bad = parseWorkerFrame(JSON.stringify({ ...hello, capacity: -1 }));
    expect(bad).toMatchObject({ ok: false, code: "invalid_frame" });
    expect(!bad.ok && bad.message).toMatch(/^hello: capacity: /);
    const labels = parseWorkerFrame(JSON.stringify({ ...hello, labels: [3] }));
    expect(!labels.ok && labels.message).toMatch(/^hello: labels\.0: /);
  });

  it("FRAME-4: unknown fields are refused", () => {
    const result = parseWorkerFrame(JSON.stringify({ ...hello, colour: "red" }));
    expect(result).toMatchObject({
      ok: false,
      code: "invalid_frame",
      message: 'hello: (root): unknown field(s) "colour"',
    });
  });

  it("FRAME-1: frames over the size limit are refused before parsing", () => {
    const big = JSON.stringify({ type: "heartbeat", load: 0, processes: [], pad: "x".repeat(LIMITS.maxFrameBytes) });
    expect(parseWorkerFrame(big)).toMatchObject({ ok: false, code: "frame_too_large" });
  });

  it("accepts a publish batch and refuses an empty one", () => {
    const publish = {
      type: "publish",
      seq: 1,
      nodeId: "n",
      epoch: 2,
      port: "out",
      messages: [{ id: "m", value: 1, ts: 0 }],
    };
    expect(parseWorkerFrame(JSON.stringify(publish)).ok).toBe(true);
    expect(parseWorkerFrame(JSON.stringify({ ...publish, messages: [] })).ok).toBe(false);
  });
});

describe("parseRoomFrame", () => {
  it("validates room frames on the worker", () => {
    expect(parseRoomFrame('{"type":"published","seq":3}')).toEqual({ ok: true, frame: { type: "published", seq: 3 } });
    expect(parseRoomFrame('{"type":"published"}')).toMatchObject({ ok: false, code: "invalid_frame" });
  });
});
