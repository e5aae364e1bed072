// Checks through the worker's GraphRuntime that what batch and delay emit from stop() — the messages they
// hold — is published when the room unassigns them (a graceful stop, SCHED-6), before `stopped` is reported.
import { afterEach, describe, expect, it } from "vitest";
import type { RoomFrame } from "../../../shared/protocol.ts";
import { GraphRuntime } from "../../runtime.ts";
import { RecordingLink } from "../../testing/frames.ts";
import { captureLogger } from "../../testing/logs.ts";
import { waitFor } from "../../testing/waitFor.ts";

const runtimes: GraphRuntime[] = [];

afterEach(async () => {
  for (const runtime of runtimes.splice(0)) {
    await runtime.stopAll();
    runtime.close();
  }
});

function setup() {
  const { log } = captureLogger("w1");
  const runtime = new GraphRuntime({ graphId: "g", workerId: "w1", log });
  runtimes.push(runtime);
  const link = new RecordingLink();
  runtime.attach(link, 60_000);
  return { runtime, link };
}

/** The room's assign and then credit for out, as the room sends them. */
function assign(runtime: GraphRuntime, nodeId: string, nodeType: string, params: object): void {
  runtime.handle({
    type: "assign",
    nodeId,
    epoch: 1,
    nodeType,
    params: params as never,
    inputs: ["in"],
    outputs: ["out"],
  });
  runtime.handle({ type: "credit", nodeId, epoch: 1, port: "out", messages: 1e9, bytes: 1e15 });
}

function deliver(nodeId: string, values: number[]): RoomFrame {
  const messages = values.map((value, i) => ({ id: `m${i + 1}`, value, ts: 1, d: i + 1, key: "k" }));
  return { type: "deliver", nodeId, epoch: 1, port: "in", edge: "e1", messages };
}

describe("timing nodes in the GraphRuntime", () => {
  it("a batch's partial batch, emitted from stop(), is published on unassign before stopped is reported", async () => {
    const { runtime, link } = setup();
    assign(runtime, "b", "batch", { count: 10, timeout: "1h", groupBy: "key" });
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("b", [1, 2, 3]));
    // Held, not emitted: the deliveries are acked at once.
    await waitFor(() => link.of("ack")[0], "the ack of the held messages");
    expect(link.of("publish")).toEqual([]);
    runtime.handle({ type: "unassign", nodeId: "b", epoch: 1, reason: "graph stopped" });
    const publish = await waitFor(() => link.of("publish")[0], "the partial batch published");
    expect(publish.messages.map((m) => [m.value, m.key, m.headers])).toEqual([
      [[1, 2, 3], "k", { "batch.count": "3" }],
    ]);
    expect(link.of("state").some((f) => f.process.state === "stopped")).toBe(false);
    runtime.handle({ type: "published", seq: publish.seq });
    const stopped = await waitFor(() => link.of("state").find((f) => f.process.state === "stopped"), "stopped");
    expect(stopped.process).toMatchObject({ nodeId: "b", in: 3, out: 1, errors: 0 });
  });

  it("a delay's held messages, emitted from stop(), are published on unassign", async () => {
    const { runtime, link } = setup();
    assign(runtime, "d", "delay", { delay: "1h" });
    await waitFor(() => link.of("state").some((f) => f.process.state === "running"), "running");
    runtime.handle(deliver("d", [1, 2]));
    await waitFor(() => link.of("ack")[0], "the ack of the held messages");
    runtime.handle({ type: "unassign", nodeId: "d", epoch: 1, reason: "graph stopped" });
    const publish = await waitFor(() => link.of("publish")[0], "the held messages published");
    expect(publish.messages.map((m) => m.value)).toEqual([1, 2]);
    runtime.handle({ type: "published", seq: publish.seq });
    const stopped = await waitFor(() => link.of("state").find((f) => f.process.state === "stopped"), "stopped");
    expect(stopped.process).toMatchObject({ nodeId: "d", in: 2, out: 2, errors: 0 });
  });
});
