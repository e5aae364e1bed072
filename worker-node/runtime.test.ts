// Tests for the graph runtime: assign/unassign, blocked and crashed processes, deliver → ack, reports.
import { afterEach, describe, expect, it } from "vitest";
import type { RoomFrame } from "../shared/protocol.ts";
import { silentLogger } from "./log.ts";
import { findImpl } from "./nodes/index.ts";
import type { NodeImpl } from "./nodes/types.ts";
import { GraphRuntime } from "./runtime.ts";
import { RecordingLink } from "./testing/frames.ts";
import { waitFor } from "./testing/waitFor.ts";

const runtimes: GraphRuntime[] = [];

function setup(extra: Record<string, NodeImpl> = {}) {
  const runtime = new GraphRuntime({
    graphId: "g",
    workerId: "w1",
    log: silentLogger(),
    findImpl: (type) => extra[type] ?? findImpl(type),
  });
  runtimes.push(runtime);
  const link = new RecordingLink();
  runtime.attach(link, 60_000);
  return { runtime, link };
}

function assign(
  nodeId: string,
  epoch: number,
  nodeType: string,
  params: Record<string, never> | object = {},
): RoomFrame {
  return { type: "assign", nodeId, epoch, nodeType, params: params as never, inputs: ["in"], outputs: ["out"] };
}

function deliver(nodeId: string, epoch: number, values: unknown[], firstD = 1): RoomFrame {
  const messages = values.map((value, i) => ({ id: `m${firstD + i}`, value: value as never, ts: 1, d: firstD + i }));
  return { type: "deliver", nodeId, epoch, port: "in", messages };
}

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) {
    await runtime.stopAll();
    runtime.close();
  }
});

describe("GraphRuntime", () => {
  it("blocks an unknown node type or invalid params with the reason, without throwing", () => {
    const { runtime, link } = setup();
    runtime.handle(assign("a", 1, "teleport"));
    runtime.handle(assign("b", 2, "random", { intervalMs: -5 }));
    runtime.handle(assign("c", 3, "factorize", { typo: 1 }));
    expect(link.of("state").map((f) => [f.process.nodeId, f.process.state, f.process.lastError])).toEqual([
      ["a", "blocked", 'unknown node type "teleport"'],
      ["b", "blocked", 'param "intervalMs" must be at least 1, got -5'],
      ["c", "blocked", 'unknown param "typo" for node type factorize'],
    ]);
    expect(runtime.processCount()).toBe(3);
  });

  it("marks a process whose start throws as crashed", async () => {
    const broken: NodeImpl = {
      type: "random",
      version: "1.0.0",
      create: () => ({
        start() {
          throw new Error("no entropy");
        },
      }),
    };
    const { runtime, link } = setup({ random: broken });
    runtime.handle(assign("r", 1, "random"));
    const state = await waitFor(() => link.of("state")[0], "a state frame");
    expect(state.process).toMatchObject({ state: "crashed", errors: 1, lastError: "no entropy" });
  });

  it("delivers in order, publishes results and acks only after the room stored them", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("f", 7, "factorize"));
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("f", 7, [12, "nope", 97]));
    const publish = await waitFor(() => link.of("publish")[0], "a publish");
    expect(publish).toMatchObject({ nodeId: "f", epoch: 7, port: "out" });
    expect(publish.messages.map((m) => m.value)).toEqual([
      { n: 12, factors: [2, 2, 3] },
      { n: 97, factors: [97] },
    ]);
    expect(link.of("ack")).toHaveLength(0);
    runtime.handle({ type: "published", seq: publish.seq });
    const ack = await waitFor(() => link.of("ack")[0], "an ack");
    expect(ack).toEqual({ type: "ack", nodeId: "f", epoch: 7, deliveries: [1, 2, 3] });
    const report = JSON.parse(runtime.heartbeat(1)).processes[0];
    expect(report).toMatchObject({ nodeId: "f", epoch: 7, state: "running", in: 3, out: 2, errors: 1 });
    expect(report.lastError).toMatch(/integer/);
  });

  it("does not ack deliveries for another epoch or an unknown node", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("l", 2, "log"));
    runtime.handle(deliver("l", 1, [1]));
    runtime.handle(deliver("zz", 2, [1]));
    runtime.handle(deliver("l", 2, ["x"], 5));
    const ack = await waitFor(() => link.of("ack")[0], "an ack");
    expect(ack.deliveries).toEqual([5]);
    expect(link.of("ack")).toHaveLength(1);
  });

  it("reports the log node's recent messages in heartbeats", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("l", 1, "log", { prefix: ">" }));
    runtime.handle(
      deliver(
        "l",
        1,
        Array.from({ length: 105 }, (_, i) => i),
      ),
    );
    await waitFor(() => link.of("ack")[0], "an ack");
    const report = JSON.parse(runtime.heartbeat(0)).processes[0];
    expect(report.recent).toHaveLength(100);
    expect(report.recent[0]).toBe(5);
    expect(report.recent[99]).toBe(104);
    expect(report.in).toBe(105);
  });

  it("stops on unassign for the same or a newer epoch, reporting stopped", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("r", 4, "random", { intervalMs: 1000 }));
    runtime.handle({ type: "unassign", nodeId: "r", epoch: 3, reason: "stale" });
    expect(runtime.processCount()).toBe(1);
    runtime.handle({ type: "unassign", nodeId: "r", epoch: 4, reason: "graph stopped" });
    expect(runtime.processCount()).toBe(0);
    expect(link.of("state").at(-1)?.process).toMatchObject({ nodeId: "r", epoch: 4, state: "stopped" });
  });

  it("replaces an older epoch on a new assign and keeps the process on a repeated one", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("r", 1, "random", { intervalMs: 1000 }));
    await waitFor(() => link.of("state").length === 1, "running epoch 1");
    runtime.handle(assign("r", 1, "random", { intervalMs: 1000 }));
    runtime.handle(assign("r", 2, "random", { intervalMs: 1000 }));
    await waitFor(() => link.of("state").some((f) => f.process.epoch === 2), "running epoch 2");
    expect(link.of("state").map((f) => [f.process.epoch, f.process.state])).toEqual([
      [1, "running"],
      [1, "running"],
      [2, "running"],
    ]);
    expect(runtime.processCount()).toBe(1);
  });

  it("stops processes the room does not re-assign after a reconnect", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("keep", 1, "log"));
    runtime.handle(assign("drop", 2, "log"));
    await waitFor(() => link.of("state").length === 2, "both running");
    runtime.detach();
    const next = new RecordingLink();
    runtime.attach(next, 20);
    runtime.handle(assign("keep", 1, "log"));
    await waitFor(() => runtime.processCount() === 1, "the unclaimed process stopped");
    expect(JSON.parse(runtime.heartbeat(1)).processes.map((p: { nodeId: string }) => p.nodeId)).toEqual(["keep"]);
  });
});
