// EDITOR-1, TYPES-1: the editor accepts well-formed status and node-type pushes and drops anything else.
import { describe, expect, it, vi } from "vitest";
import { BUILTIN_NODE_TYPES } from "../../shared/nodeTypes.ts";
import type { EditorPush, NodeTypeInfo } from "../../shared/status.ts";
import { parseNodeTypes, parsePush } from "./statusPush.ts";

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
  it("accepts a status delta, drops its malformed entries, and refuses one without its removed ids", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const delta = {
      running: true,
      workers: [worker],
      processes: [process, { nodeId: 7 }],
      removedProcesses: ["n-2"],
      edges: [],
      removedEdges: ["e-1"],
      storageBytes: 12,
    };
    const push = parsePush(JSON.stringify({ type: "statusDelta", delta }));
    expect(push).toEqual({
      type: "statusDelta",
      delta: { ...delta, processes: [process], removedProcesses: ["n-2"], removedEdges: ["e-1"] },
    });
    expect(parsePush(JSON.stringify({ type: "statusDelta", delta: { ...delta, removedEdges: undefined } }))).toBe(
      undefined,
    );
    expect(parsePush(JSON.stringify({ type: "statusDelta", delta: { ...delta, removedProcesses: [1] } }))).toBe(
      undefined,
    );
    expect(parsePush(JSON.stringify({ type: "statusDelta", delta: { ...delta, workers: "w" } }))).toBe(undefined);
    warn.mockRestore();
  });

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

describe("parsePush worker problems", () => {
  it("keeps a worker's problems as strings, cut to length, and leaves the field out when there are none", () => {
    const long = "x".repeat(600);
    const push = parsePush(
      JSON.stringify({
        type: "status",
        status: {
          running: true,
          workers: [
            { ...worker, id: "a", problems: ['plugin "./ocr.mjs" failed to load: no such file', 7, "", long] },
            { ...worker, id: "b", problems: [] },
            { ...worker, id: "c", problems: "not a list" },
          ],
          processes: [],
        },
      }),
    );
    const [a, b, c] = statusOf(push)?.workers ?? [];
    expect(a?.problems).toEqual(['plugin "./ocr.mjs" failed to load: no such file', `${"x".repeat(500)}…`]);
    expect(b && "problems" in b).toBe(false);
    expect(c && "problems" in c).toBe(false);
  });
});

const pluginInfo: NodeTypeInfo = {
  type: "upper",
  version: "1.0.0",
  title: "Upper case",
  category: "text",
  description: "Upper-cases the text on in and emits it on out.",
  inputs: ["in"],
  outputs: ["out", "error"],
  params: { trim: { type: "boolean", title: "Trim", description: "Trim spaces first.", default: false } },
  labels: [],
  source: "worker",
  available: false,
  workers: [],
  reason: "no connected worker announced node type upper",
};

describe("parsePush node types (TYPES-1)", () => {
  it("accepts the registry as the room sends it: every built-in and a plugin type", () => {
    const builtins = BUILTIN_NODE_TYPES.map((def) => ({ ...def, source: "builtin", available: true, workers: ["w"] }));
    const push = parsePush(JSON.stringify({ type: "nodeTypes", types: [...builtins, pluginInfo] }));
    expect(push?.type).toBe("nodeTypes");
    const types = push?.type === "nodeTypes" ? push.types : [];
    expect(types).toHaveLength(BUILTIN_NODE_TYPES.length + 1);
    expect(types.at(-1)).toEqual(pluginInfo);
    expect(types.find((t) => t.type === "log")).toMatchObject({ source: "builtin", available: true, workers: ["w"] });
  });

  it("drops malformed entries (bad definition, bad registry fields, a repeat) with a warning and keeps the rest", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const types = parseNodeTypes([
      pluginInfo,
      { ...pluginInfo, type: "no-error-port", outputs: ["out"] },
      { ...pluginInfo, type: "bad-param", params: { n: { type: "integer", title: "N", default: "x" } } },
      { ...pluginInfo, type: "bad-source", source: "plugin" },
      { ...pluginInfo, type: "bad-available", available: "yes" },
      { ...pluginInfo, type: "bad-workers", workers: [1] },
      { ...pluginInfo, title: "Second upper" },
      "log",
    ]);
    expect(types).toEqual([pluginInfo]);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/7 malformed entries/);
    warn.mockRestore();
  });

  it("ignores registry fields it does not know and leaves out an empty reason", () => {
    const { reason: _r, ...available } = pluginInfo;
    const types = parseNodeTypes([{ ...available, available: true, workers: ["w1"], reason: "", graphs: ["g"] }]);
    expect(types).toEqual([{ ...available, available: true, workers: ["w1"] }]);
  });

  it("drops a push whose types are not a list", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(parsePush(JSON.stringify({ type: "nodeTypes", types: { upper: pluginInfo } }))).toBeUndefined();
    expect(parsePush(JSON.stringify({ type: "nodeTypes" }))).toBeUndefined();
    warn.mockRestore();
  });
});
