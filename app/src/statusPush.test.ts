// EDITOR-1: the editor accepts well-formed status pushes and drops anything else.
import { describe, expect, it, vi } from "vitest";
import type { EditorPush } from "../../shared/status.ts";
import { parsePush } from "./statusPush.ts";

const statusOf = (push: EditorPush | undefined) => (push?.type === "status" ? push.status : undefined);

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
    expect(statusOf(push)?.processes).toEqual([process]);
    expect(statusOf(push)?.workers).toEqual([worker]);
    expect(statusOf(push)?.running).toBe(true);
  });

  it("fills processes and draining for workers from a hub that does not send them", () => {
    const { processes: _p, draining: _d, ...old } = worker;
    const push = parsePush(
      JSON.stringify({ type: "status", status: { running: true, workers: [old], processes: [] } }),
    );
    expect(statusOf(push)?.workers).toEqual([{ ...old, processes: 0, draining: false }]);
  });

  it("accepts a refusal of an edit, and drops a malformed one", () => {
    expect(parsePush(JSON.stringify({ type: "refused", code: "read_only", reason: "viewers cannot edit" }))).toEqual({
      type: "refused",
      code: "read_only",
      reason: "viewers cannot edit",
    });
    expect(parsePush(JSON.stringify({ type: "refused", code: 5 }))).toBeUndefined();
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
    expect(statusOf(push)?.processes).toEqual([process]);
    expect(statusOf(push)?.workers).toEqual([]);
    warn.mockRestore();
  });
});
