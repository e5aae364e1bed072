// EDITOR-1: the editor accepts well-formed status pushes and drops anything else.
import { describe, expect, it, vi } from "vitest";
import { parsePush } from "./statusPush.ts";

const process = {
  nodeId: "n-1",
  type: "log",
  state: "running",
  workerId: "w",
  in: 1,
  out: 0,
  errors: 0,
  lastError: null,
};
const worker = {
  id: "w",
  name: "w",
  labels: [],
  capacity: 4,
  load: 1,
  version: "1",
  lastHeartbeat: 0,
  processes: 1,
  draining: false,
};

describe("parsePush (EDITOR-1)", () => {
  it("accepts a status push", () => {
    const push = parsePush(
      JSON.stringify({ type: "status", status: { running: true, workers: [worker], processes: [process] } }),
    );
    expect(push?.status.processes).toEqual([process]);
    expect(push?.status.workers).toEqual([worker]);
    expect(push?.status.running).toBe(true);
  });

  it("fills processes and draining for workers from a hub that does not send them", () => {
    const { processes: _p, draining: _d, ...old } = worker;
    const push = parsePush(
      JSON.stringify({ type: "status", status: { running: true, workers: [old], processes: [] } }),
    );
    expect(push?.status.workers).toEqual([{ ...old, processes: 0, draining: false }]);
  });

  it("drops non-JSON, unknown types and malformed statuses", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(parsePush("not json")).toBeUndefined();
    expect(parsePush(JSON.stringify({ type: "hello" }))).toBeUndefined();
    expect(parsePush(JSON.stringify({ type: "status", status: { workers: [] } }))).toBeUndefined();
    warn.mockRestore();
  });

  it("drops entries without their key fields", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const push = parsePush(
      JSON.stringify({
        type: "status",
        status: { running: false, workers: [{ name: "x" }], processes: [process, { state: "running" }] },
      }),
    );
    expect(push?.status.processes).toEqual([process]);
    expect(push?.status.workers).toEqual([]);
    warn.mockRestore();
  });
});
