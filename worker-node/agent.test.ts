// End-to-end tests of one graph connection against a fake room: hello/welcome, publish/ack, re-send after
// reconnect (DELIVERY-2), fencing by epoch (SCHED-3), refusals before the upgrade (CONN-2/3), close codes.
import { afterEach, describe, expect, it } from "vitest";
import { CloseCode, type WorkerFrameOf } from "../shared/protocol.ts";
import { type AgentOptions, GraphAgent } from "./agent.ts";
import { type FakeConnection, FakeRoom, type FakeRoomOptions } from "./testing/fakeRoom.ts";
import { captureLogger } from "./testing/logs.ts";
import { waitFor } from "./testing/waitFor.ts";

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRoom(options: FakeRoomOptions = {}): Promise<FakeRoom> {
  const room = await FakeRoom.start(options);
  cleanups.push(() => room.close());
  return room;
}

function startAgent(room: FakeRoom, overrides: Partial<AgentOptions> = {}) {
  const { log, lines } = captureLogger("w-test");
  const agent: GraphAgent = new GraphAgent({
    hub: new URL(room.url),
    graphId: "demo",
    token: room.token,
    workerId: "w-test",
    name: "test worker",
    version: "0.0.0",
    labels: ["gpu"],
    capacity: 4,
    log,
    load: () => agent.processCount(),
    backoff: { initialMs: 10, maxMs: 50 },
    ...overrides,
  });
  agent.start();
  cleanups.push(() => agent.stop());
  return { agent, lines };
}

function assignRandom(connection: FakeConnection, epoch: number): void {
  connection.send({
    type: "assign",
    nodeId: "n1",
    epoch,
    nodeType: "random",
    params: { intervalMs: 10 },
    inputs: [],
    outputs: ["out"],
  });
}

const publishes = (connection: FakeConnection | undefined): Array<WorkerFrameOf<"publish">> =>
  connection?.of("publish") ?? [];

describe("GraphAgent against a fake room", () => {
  it("registers, runs an assigned random node, publishes, heartbeats and closes with 1000", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 3);
    const { agent, lines } = startAgent(room);

    const connection = await waitFor(() => room.connections[0], "a connection");
    const hello = await waitFor(() => connection.of("hello")[0], "a hello");
    expect(hello).toMatchObject({ protocol: 1, workerId: "w-test", labels: ["gpu"], capacity: 4, load: 0 });
    expect(hello?.nodeTypes.map((t) => t.type).sort()).toEqual(["factorize", "log", "random"]);
    expect(connection.frames[0]?.type).toBe("hello");

    await waitFor(() => connection.of("state").find((f) => f.process.state === "running"), "state running");
    await waitFor(() => publishes(connection).length >= 3, "three publishes");
    for (const frame of publishes(connection)) {
      expect(frame).toMatchObject({ nodeId: "n1", epoch: 3, port: "out" });
      for (const message of frame.messages) expect(message.value).toBeTypeOf("number");
    }
    const beat = await waitFor(
      () => connection.of("heartbeat").find((f) => (f.processes[0]?.out ?? 0) > 0),
      "a heartbeat counting acked messages",
    );
    expect(beat.load).toBe(1);
    expect(beat.processes[0]).toMatchObject({ nodeId: "n1", epoch: 3, state: "running", errors: 0 });
    expect(connection.invalid).toEqual([]);

    expect(lines.some((l) => l.msg === "connected to graph demo as w-test" && l.workerId === "w-test")).toBe(true);
    const running = lines.find((l) => l.msg === "running random (node n1, epoch 3)");
    expect(running).toMatchObject({ graphId: "demo", nodeId: "n1", workerId: "w-test" });

    await agent.stop();
    await waitFor(() => connection.closed, "the socket to close");
    expect(connection.closeCode).toBe(1000);
    expect(await agent.done).toEqual({ kind: "stopped" });
  });

  it("re-sends un-acked batches after a reconnect when the room re-assigns the same epoch", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 3);
    startAgent(room);

    const first = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => publishes(first).length >= 2, "acked publishes");
    room.autoAck = false;
    const ackedCount = publishes(first).length;
    await waitFor(() => publishes(first).length >= ackedCount + 3, "un-acked publishes");
    const unacked = publishes(first).slice(ackedCount);
    first.ws.terminate();

    const second = await waitFor(() => room.connections[1], "a reconnection");
    const resent = await waitFor(() => {
      const seqs = new Set(publishes(second).map((f) => f.seq));
      return unacked.every((f) => seqs.has(f.seq)) ? publishes(second) : undefined;
    }, "the un-acked batches again");
    for (const original of unacked) {
      const again = resent.find((f) => f.seq === original.seq);
      expect(again?.messages.map((m) => m.id)).toEqual(original.messages.map((m) => m.id));
      expect(again?.epoch).toBe(3);
    }
    const seqs = publishes(second).map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(second.invalid).toEqual([]);
    room.autoAck = true; // lets stop() drain at once
  });

  it("drops un-acked batches when the room assigns a new epoch after a reconnect", async () => {
    const room = await startRoom();
    let epoch = 3;
    room.onWelcome = (connection) => assignRandom(connection, epoch);
    room.autoAck = false;
    startAgent(room);

    const first = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => publishes(first).length >= 2, "un-acked publishes");
    const old = new Set(publishes(first).map((f) => f.seq));
    epoch = 4;
    room.autoAck = true;
    first.ws.terminate();

    const second = await waitFor(() => room.connections[1], "a reconnection");
    await waitFor(() => publishes(second).length >= 3, "publishes of epoch 4");
    for (const frame of publishes(second)) {
      expect(frame.epoch).toBe(4);
      expect(old.has(frame.seq)).toBe(false);
    }
  });

  it("stops on a 401 before the upgrade without retrying (CONN-2)", async () => {
    const room = await startRoom({ token: "right" });
    const { agent, lines } = startAgent(room, { token: "wrong" });
    const end = await agent.done;
    expect(end).toMatchObject({ kind: "refused", status: 401, code: "unauthorized" });
    expect(end.kind === "refused" && end.message).toMatch(/worker token.*WEFT_WORKER_TOKEN/);
    expect(room.attempts.get("demo")).toBe(1);
    expect(lines.some((l) => l.level === 50 && /worker token/.test(l.msg))).toBe(true);
  });

  it("stops on a 404 for an unknown graph (CONN-3)", async () => {
    const room = await startRoom({ graphs: ["other"] });
    const { agent } = startAgent(room);
    const end = await agent.done;
    expect(end).toMatchObject({ kind: "refused", status: 404, code: "graph_not_found" });
    expect(end.kind === "refused" && end.message).toMatch(/graph demo does not exist/);
    expect(room.attempts.get("demo")).toBe(1);
  });

  it("keeps retrying with backoff on a 503 and logs each attempt", async () => {
    const room = await startRoom();
    room.refusal = { status: 503, code: "worker_token_unset", message: "no token configured" };
    const { agent, lines } = startAgent(room);
    await waitFor(() => (room.attempts.get("demo") ?? 0) >= 3, "three attempts");
    expect(lines.filter((l) => /^reconnecting to graph demo in \d+ ms/.test(l.msg)).length).toBeGreaterThanOrEqual(2);
    expect(lines.some((l) => /WEFT_WORKER_TOKEN configured/.test(l.msg))).toBe(true);
    room.refusal = undefined;
    await waitFor(() => room.connections[0]?.of("hello")[0], "a hello once the hub accepts");
    await agent.stop();
  });

  it("gives up and stops its processes when the room closes with 4005 (graph deleted)", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 1);
    const { agent } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("state")[0], "the process running");
    expect(agent.processCount()).toBe(1);
    connection.ws.close(CloseCode.GraphDeleted, "graph deleted");
    const end = await agent.done;
    expect(end).toMatchObject({ kind: "refused", code: "close_4005" });
    expect(agent.processCount()).toBe(0);
    expect(room.connections).toHaveLength(1);
  });

  it("logs and ignores invalid frames from the room", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => {
      connection.ws.send("not json");
      connection.ws.send(JSON.stringify({ type: "assign", nodeId: "n1" }));
      assignRandom(connection, 1);
    };
    const { lines } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("state")[0], "the valid assign to run");
    const ignored = lines.filter((l) => l.msg.startsWith("ignored an invalid frame from the room"));
    expect(ignored.map((l) => l.code)).toEqual(["invalid_json", "invalid_frame"]);
  });
});
