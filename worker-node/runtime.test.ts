// Tests for the graph runtime: assign/unassign, graceful stops (SCHED-6), blocked and crashed processes
// (SCHED-7), deliver → ack, reports.

import { afterEach, describe, expect, it, vi } from "vitest";
import type { JsonValue } from "../shared/graph.ts";
import { builtinType } from "../shared/nodeTypes.ts";
import type { RoomFrame } from "../shared/protocol.ts";
import type { NodeImpl } from "../shared/sdk.ts";
import { findImpl } from "./nodes/index.ts";
import { GraphRuntime } from "./runtime.ts";
import { RecordingLink } from "./testing/frames.ts";
import { captureLogger } from "./testing/logs.ts";
import { crashingRandom } from "./testing/nodes.ts";
import { waitFor } from "./testing/waitFor.ts";

const runtimes: GraphRuntime[] = [];

function setup(extra: Record<string, NodeImpl> = {}, stopFlushMs?: number) {
  const { log, lines } = captureLogger("w1");
  const runtime = new GraphRuntime({
    graphId: "g",
    workerId: "w1",
    log,
    findImpl: (type) => extra[type] ?? findImpl(type),
    stopFlushMs,
  });
  runtimes.push(runtime);
  const link = new RecordingLink();
  runtime.attach(link, 60_000);
  return { runtime, link, lines };
}

/** Lets pending promise callbacks and I/O callbacks run once (not a timed sleep). */
const turn = () => new Promise((resolve) => setImmediate(resolve));

/** A transform whose onMessage waits for `release()` before emitting its input doubled. */
function gatedNode() {
  const gates: Array<() => void> = [];
  const impl: NodeImpl = {
    def: builtinType("factorize"),
    create() {
      let emit: ((port: string, value: JsonValue) => boolean) | undefined;
      return {
        start(ctx) {
          emit = ctx.emit;
        },
        async onMessage({ value }) {
          await new Promise<void>((resolve) => gates.push(resolve));
          emit?.("out", (value as number) * 2);
        },
      };
    },
  };
  return { impl, gates };
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
  return { type: "deliver", nodeId, epoch, port: "in", edge: "e1", messages };
}

/** The room's assign, then its credit for every output (DELIVERY-7), as the room sends them. */
function handleAssign(runtime: GraphRuntime, frame: RoomFrame): void {
  runtime.handle(frame);
  if (frame.type !== "assign") return;
  for (const port of frame.outputs) {
    runtime.handle({ type: "credit", nodeId: frame.nodeId, epoch: frame.epoch, port, messages: 1e9, bytes: 1e15 });
  }
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
    handleAssign(runtime, assign("a", 1, "teleport"));
    handleAssign(runtime, assign("b", 2, "random", { intervalMs: -5 }));
    handleAssign(runtime, assign("c", 3, "factorize", { typo: 1 }));
    expect(link.of("state").map((f) => [f.process.nodeId, f.process.state, f.process.lastError])).toEqual([
      ["a", "blocked", 'worker w1 has no implementation of node type "teleport"'],
      ["b", "blocked", 'param "intervalMs" must be at least 1, got -5'],
      ["c", "blocked", 'unknown param "typo" for node type factorize'],
    ]);
    expect(runtime.processCount()).toBe(3);
  });

  it("reports a process whose start throws as crashed and keeps it until unassigned (SCHED-7)", async () => {
    const broken = crashingRandom();
    const { runtime, link } = setup({ random: broken });
    handleAssign(runtime, assign("r", 1, "random"));
    const state = await waitFor(() => link.of("state")[0], "a state frame");
    expect(state.process).toMatchObject({ state: "crashed", errors: 1, lastError: "no entropy" });
    expect(runtime.processCount()).toBe(1);
    expect(JSON.parse(runtime.heartbeat(1)).processes[0]).toMatchObject({ nodeId: "r", state: "crashed" });
    runtime.handle({ type: "unassign", nodeId: "r", epoch: 1, reason: "crashed" });
    const stopped = await waitFor(() => link.of("state")[1], "the stopped report");
    expect(stopped.process).toMatchObject({ nodeId: "r", epoch: 1, state: "stopped", lastError: "no entropy" });
    expect(runtime.processCount()).toBe(0);
  });

  it("delivers in order, publishes results, acks only after the room stored them, nacks what threw", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("f", 7, "factorize"));
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
    expect(ack).toEqual({ type: "ack", nodeId: "f", epoch: 7, deliveries: [1, 3] });
    // The message its onMessage threw on is nacked with the error (DELIVERY-6), not acked away.
    expect(link.of("nack")).toEqual([
      { type: "nack", nodeId: "f", epoch: 7, deliveries: [2], error: expect.stringMatching(/integer/) },
    ]);
    const report = JSON.parse(runtime.heartbeat(1)).processes[0];
    expect(report).toMatchObject({ nodeId: "f", epoch: 7, state: "running", in: 3, out: 2, errors: 1 });
    expect(report.lastError).toMatch(/integer/);
  });

  it("DELIVERY-7: a transform without output credit takes no input; credit lets it go on", async () => {
    const { runtime, link } = setup();
    runtime.handle(assign("f", 7, "factorize"));
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("f", 7, [12]));
    await turn();
    await turn();
    expect(link.of("publish")).toEqual([]);
    expect(JSON.parse(runtime.heartbeat(1)).processes[0]).toMatchObject({ in: 0 });
    runtime.handle({ type: "credit", nodeId: "f", epoch: 7, port: "out", messages: 10, bytes: 1e9 });
    const publish = await waitFor(() => link.of("publish")[0], "a publish once credit came");
    expect(publish.messages.map((m) => m.value)).toEqual([{ n: 12, factors: [2, 2, 3] }]);
  });

  it("DELIVERY-6: a sink whose flush fails nacks the whole batch with the error", async () => {
    const failing: NodeImpl = {
      def: builtinType("log"),
      create: () => ({
        start() {},
        onMessage() {},
        flush() {
          throw new Error("disk full");
        },
      }),
    };
    const { runtime, link } = setup({ log: failing });
    handleAssign(runtime, assign("s", 3, "log"));
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("s", 3, [1, 2]));
    const nack = await waitFor(() => link.of("nack")[0], "a nack");
    expect([nack.deliveries, nack.error]).toEqual([[1, 2], "disk full"]);
    expect(link.of("ack")).toEqual([]);
  });

  it("does not ack deliveries for another epoch or an unknown node", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("l", 2, "log"));
    runtime.handle(deliver("l", 1, [1]));
    runtime.handle(deliver("zz", 2, [1]));
    runtime.handle(deliver("l", 2, ["x"], 5));
    const ack = await waitFor(() => link.of("ack")[0], "an ack");
    expect(ack.deliveries).toEqual([5]);
    expect(link.of("ack")).toHaveLength(1);
  });

  it("DELIVERY-4: a node slow on one deliver frame acks what it finished as it goes, not only at the frame's end", async () => {
    const gates: Array<() => void> = [];
    const slow: NodeImpl = {
      def: builtinType("log"),
      create: () => ({
        start() {},
        onMessage: () => new Promise<void>((resolve) => gates.push(resolve)),
      }),
    };
    const { runtime, link } = setup({ log: slow });
    handleAssign(runtime, assign("l", 1, "log"));
    runtime.handle(deliver("l", 1, [1, 2, 3]));
    await waitFor(() => gates.length === 1, "the first message in hand");
    // The first message takes longer than the progress interval (the clock moved on): it is acked before the
    // others are done.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 300);
    gates[0]?.();
    const first = await waitFor(() => link.of("ack")[0], "an ack of the first");
    expect(first.deliveries).toEqual([1]);
    await waitFor(() => gates.length === 2, "the second message in hand");
    gates[1]?.();
    await waitFor(() => gates.length === 3, "the third message in hand");
    gates[2]?.();
    await waitFor(() => link.of("ack").flatMap((a) => a.deliveries).length === 3, "all acked");
    expect(link.of("ack").flatMap((a) => a.deliveries)).toEqual([1, 2, 3]);
    vi.useRealTimers();
  });

  it("reports the log node's recent messages in heartbeats", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("l", 1, "log", { prefix: ">" }));
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

  it("stops on unassign for the held or a newer epoch, reporting stopped (SCHED-6)", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("r", 4, "random", { intervalMs: 1000 }));
    handleAssign(runtime, assign("s", 5, "random", { intervalMs: 1000 }));
    await waitFor(() => link.of("state").length === 2, "both running");
    runtime.handle({ type: "unassign", nodeId: "r", epoch: 3, reason: "stale" });
    expect(runtime.processCount()).toBe(2);
    // An epoch not held is reported stopped at once, so the room need not wait for it.
    expect(link.of("state").at(-1)?.process).toMatchObject({ nodeId: "r", epoch: 3, state: "stopped", in: 0 });
    // A newer epoch than the one held: ours was fenced, so it stops at once and the room's epoch is reported.
    runtime.handle({ type: "unassign", nodeId: "s", epoch: 6, reason: "newer" });
    expect(runtime.processCount()).toBe(1);
    expect(link.of("state").at(-1)?.process).toMatchObject({ nodeId: "s", epoch: 6, state: "stopped" });
    runtime.handle({ type: "unassign", nodeId: "r", epoch: 4, reason: "graph stopped" });
    const stopped = await waitFor(
      () => link.of("state").find((f) => f.process.state === "stopped" && f.process.epoch === 4),
      "epoch 4 stopped",
    );
    expect(stopped.process).toMatchObject({ nodeId: "r", state: "stopped" });
    expect(runtime.processCount()).toBe(0);
  });

  it("flushes on unassign: acks what settled, then reports stopped (SCHED-6, DELIVERY-3a)", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("f", 7, "factorize"));
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("f", 7, [12, 97]));
    const publish = await waitFor(() => link.of("publish")[0], "a publish");
    runtime.handle({ type: "unassign", nodeId: "f", epoch: 7, reason: "moving" });
    await turn();
    await turn();
    expect(link.of("state").filter((f) => f.process.state === "stopped")).toEqual([]);
    expect(link.of("ack")).toEqual([]);
    expect(runtime.processCount()).toBe(1); // a stopping process still counts in the load
    expect(JSON.parse(runtime.heartbeat(1)).processes).toEqual([]); // and is not reported as stopped early

    runtime.handle({ type: "published", seq: publish.seq });
    const stopped = await waitFor(
      () => link.of("state").find((f) => f.process.state === "stopped"),
      "the stopped report",
    );
    expect(stopped.process).toMatchObject({ nodeId: "f", epoch: 7, in: 2, out: 2, errors: 0 });
    const kinds = link.frames.map((f) => f.type);
    expect(kinds.lastIndexOf("ack")).toBeLessThan(kinds.lastIndexOf("state"));
    expect(link.of("ack")).toEqual([{ type: "ack", nodeId: "f", epoch: 7, deliveries: [1, 2] }]);
    expect(runtime.processCount()).toBe(0);
  });

  it("lets the message in hand finish and emit, hands over no more, and acks only what ran", async () => {
    const { impl, gates } = gatedNode();
    const { runtime, link } = setup({ factorize: impl });
    handleAssign(runtime, assign("t", 2, "factorize"));
    runtime.handle(deliver("t", 2, [1, 2, 3]));
    await waitFor(() => gates.length === 1, "the first message in hand");
    runtime.handle({ type: "unassign", nodeId: "t", epoch: 2, reason: "moving" });
    gates[0]?.();
    const publish = await waitFor(() => link.of("publish")[0], "the in-hand message's output");
    expect(publish.messages.map((m) => m.value)).toEqual([2]);
    runtime.handle({ type: "published", seq: publish.seq });
    const stopped = await waitFor(() => link.of("state").find((f) => f.process.state === "stopped"), "stopped");
    expect(stopped.process).toMatchObject({ in: 1, out: 1 });
    expect(link.of("ack")).toEqual([{ type: "ack", nodeId: "t", epoch: 2, deliveries: [1] }]);
    expect(gates).toHaveLength(1);
  });

  it("gives up flushing after stopFlushMs: drops, counts errors, warns and reports stopped", async () => {
    const { runtime, link, lines } = setup({}, 30);
    handleAssign(runtime, assign("f", 1, "factorize"));
    runtime.handle(deliver("f", 1, [6]));
    await waitFor(() => link.of("publish")[0], "a publish");
    runtime.handle({ type: "unassign", nodeId: "f", epoch: 1, reason: "moving" });
    const stopped = await waitFor(() => link.of("state").find((f) => f.process.state === "stopped"), "stopped");
    expect(stopped.process).toMatchObject({ errors: 1, out: 0 });
    expect(stopped.process.lastError).toMatch(/1 message\(s\) not acknowledged within 30 ms/);
    expect(link.of("ack")).toEqual([]); // its output was lost, so the delivery is not acked
    expect(lines.find((l) => l.level === 40 && /without flushing: dropped 1/.test(l.msg))).toMatchObject({
      nodeId: "f",
      workerId: "w1",
    });
    expect(runtime.publisher.pendingTotal()).toBe(0);
  });

  it("starts a newer epoch only after the old one flushed, keeping the old batches' acks", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("f", 1, "factorize"));
    runtime.handle(deliver("f", 1, [10]));
    const publish = await waitFor(() => link.of("publish")[0], "epoch 1 publishes");
    runtime.handle({ type: "unassign", nodeId: "f", epoch: 1, reason: "params changed" });
    handleAssign(runtime, assign("f", 2, "factorize"));
    runtime.handle(deliver("f", 2, [21], 5));
    await turn();
    await turn();
    expect(link.of("state").filter((f) => f.process.epoch === 2)).toEqual([]);
    expect(runtime.processCount()).toBe(2);

    runtime.handle({ type: "published", seq: publish.seq });
    const second = await waitFor(() => link.of("publish").find((f) => f.epoch === 2), "epoch 2 publishes");
    runtime.handle({ type: "published", seq: second.seq });
    await waitFor(() => link.of("ack").length === 2, "both acks");
    const order = link.frames.flatMap((f) => {
      if (f.type === "state") return [`state:${f.process.epoch}:${f.process.state}`];
      return f.type === "ack" ? [`ack:${f.epoch}`] : [];
    });
    expect(order).toEqual(["state:1:running", "ack:1", "state:1:stopped", "state:2:running", "ack:2"]);
    expect(runtime.processCount()).toBe(1);
  });

  it("ends a flush at once when the connection closes, dropping what was un-acknowledged", async () => {
    const { runtime, link, lines } = setup();
    handleAssign(runtime, assign("f", 1, "factorize"));
    runtime.handle(deliver("f", 1, [6, 7]));
    await waitFor(() => link.of("publish")[0], "a publish");
    runtime.handle({ type: "unassign", nodeId: "f", epoch: 1, reason: "moving" });
    runtime.detach();
    expect(runtime.processCount()).toBe(0);
    expect(runtime.publisher.pendingTotal()).toBe(0);
    expect(lines.some((l) => /\(the connection closed\): dropped 2 un-acknowledged/.test(l.msg))).toBe(true);
    expect(link.of("state").filter((f) => f.process.state === "stopped")).toEqual([]);
  });

  it("replaces an older epoch on a new assign and keeps the process on a repeated one", async () => {
    const { runtime, link } = setup();
    handleAssign(runtime, assign("r", 1, "random", { intervalMs: 1000 }));
    await waitFor(() => link.of("state").length === 1, "running epoch 1");
    handleAssign(runtime, assign("r", 1, "random", { intervalMs: 1000 }));
    handleAssign(runtime, assign("r", 2, "random", { intervalMs: 1000 }));
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
    handleAssign(runtime, assign("keep", 1, "log"));
    handleAssign(runtime, assign("drop", 2, "log"));
    await waitFor(() => link.of("state").length === 2, "both running");
    runtime.detach();
    const next = new RecordingLink();
    runtime.attach(next, 20);
    handleAssign(runtime, assign("keep", 1, "log"));
    await waitFor(() => runtime.processCount() === 1, "the unclaimed process stopped");
    expect(JSON.parse(runtime.heartbeat(1)).processes.map((p: { nodeId: string }) => p.nodeId)).toEqual(["keep"]);
  });
});
