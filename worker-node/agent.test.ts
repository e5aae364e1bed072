// End-to-end tests of one graph connection against a fake room: hello/welcome, publish/ack, re-send after
// reconnect (DELIVERY-2), fencing by epoch (SCHED-3), graceful stop (SCHED-6), crashes (SCHED-7), drain
// (DRAIN-1/2), refusals before the upgrade (CONN-2/3), close codes (CLOSE-*, HELLO-4/5).

import { afterEach, describe, expect, it } from "vitest";
import { nodeTypeProblem } from "../shared/nodeTypeDef.ts";
import { CloseCode, PROTOCOL_VERSION, type WorkerFrameOf } from "../shared/protocol.ts";
import { type AgentOptions, GraphAgent } from "./agent.ts";
import { BUILTIN_IMPLS, findImpl } from "./nodes/index.ts";
import { createRandomNode } from "./nodes/random.ts";
import { type FakeConnection, FakeRoom, type FakeRoomOptions } from "./testing/fakeRoom.ts";
import { captureLogger } from "./testing/logs.ts";
import { crashingRandom } from "./testing/nodes.ts";
import { seededRandom, waitFor } from "./testing/waitFor.ts";

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
    // The random source draws from a seeded generator so a failing run replays.
    runtime: { findImpl: (type) => (type === "random" ? createRandomNode(seededRandom(7)) : findImpl(type)) },
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
    expect(hello).toMatchObject({
      protocol: PROTOCOL_VERSION,
      workerId: "w-test",
      labels: ["gpu"],
      capacity: 4,
      load: 0,
    });
    // Full definitions of every type it runs (TYPES-1), each one the room accepts.
    expect(hello?.nodeTypes.map((t) => t.type).sort()).toEqual(BUILTIN_IMPLS.map((i) => i.def.type).sort());
    expect(hello?.nodeTypes.map((t) => nodeTypeProblem(t))).toEqual(hello?.nodeTypes.map(() => undefined));
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

describe("GraphAgent stopping and draining", () => {
  it("flushes on unassign: every publish is acknowledged before state stopped (SCHED-6)", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 3);
    room.autoAck = false;
    const { agent } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => publishes(connection).length >= 3, "un-acked publishes");

    connection.send({ type: "unassign", nodeId: "n1", epoch: 3, reason: "moving" });
    const unassignedAt = connection.events.length;
    // A heartbeat after the unassign shows time passed; the process still waits for its acks.
    await waitFor(
      () => connection.events.slice(unassignedAt).some((e) => e.dir === "in" && e.frame.type === "heartbeat"),
      "a heartbeat after the unassign",
    );
    expect(connection.of("state").filter((f) => f.process.state === "stopped")).toEqual([]);
    expect(agent.processCount()).toBe(1);

    room.autoAck = true;
    connection.ackAll();
    const stoppedAt = await waitFor(() => {
      const at = connection.indexOf(
        (e) => e.dir === "in" && e.frame.type === "state" && e.frame.process.state === "stopped",
      );
      return at >= 0 ? at : undefined;
    }, "state stopped");
    const acked = new Set<number>();
    connection.events.slice(0, stoppedAt).forEach((e) => {
      if (e.dir === "out" && e.frame.type === "published") acked.add(e.frame.seq);
    });
    const sent = publishes(connection).map((f) => f.seq);
    expect(sent.every((seq) => acked.has(seq))).toBe(true);
    expect(connection.events.slice(stoppedAt + 1).some((e) => e.frame.type === "publish")).toBe(false);
    const stopped = connection.events[stoppedAt]?.frame;
    expect(stopped?.type === "state" && stopped.process).toMatchObject({ nodeId: "n1", epoch: 3, errors: 0 });
    expect(stopped?.type === "state" && stopped.process.out).toBe(
      publishes(connection).reduce((n, f) => n + f.messages.length, 0),
    );
    await waitFor(() => agent.processCount() === 0, "the process forgotten");
  });

  it("reports a crash in start and forgets the process on unassign (SCHED-7)", async () => {
    const broken = crashingRandom();
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 5);
    const { agent } = startAgent(room, { runtime: { findImpl: () => broken } });
    const connection = await waitFor(() => room.connections[0], "a connection");
    const crashed = await waitFor(() => connection.of("state")[0], "a state report");
    expect(crashed.process).toMatchObject({ nodeId: "n1", epoch: 5, state: "crashed", lastError: "no entropy" });
    const beat = await waitFor(
      () => connection.of("heartbeat").find((f) => f.processes[0]?.state === "crashed"),
      "a heartbeat with the crashed process",
    );
    expect(beat.load).toBe(1);

    connection.send({ type: "unassign", nodeId: "n1", epoch: 5, reason: "crashed" });
    await waitFor(() => connection.of("state").find((f) => f.process.state === "stopped"), "state stopped");
    expect(agent.processCount()).toBe(0);
    const after = connection.of("heartbeat").length;
    const next = await waitFor(() => connection.of("heartbeat")[after], "the next heartbeat");
    expect(next).toMatchObject({ load: 0, processes: [] });
  });

  it("drains: sends drain, stops what the room unassigns, waits for drained, closes (DRAIN-1/2)", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 2);
    const { agent, lines } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => publishes(connection).length >= 2, "publishes");

    expect(await agent.drain()).toBe("drained");
    const kinds = connection.events.map((e) => `${e.dir}:${e.frame.type}`);
    const drainAt = kinds.indexOf("in:drain");
    const unassignAt = kinds.indexOf("out:unassign");
    const stoppedAt = connection.indexOf(
      (e) => e.dir === "in" && e.frame.type === "state" && e.frame.process.state === "stopped",
    );
    const drainedAt = kinds.indexOf("out:drained");
    expect(0 <= drainAt && drainAt < unassignAt && unassignAt < stoppedAt && stoppedAt < drainedAt).toBe(true);
    await waitFor(() => connection.closed, "the socket to close");
    expect(connection.closeCode).toBe(1000);
    expect(await agent.done).toEqual({ kind: "stopped" });
    expect(room.connections).toHaveLength(1);
    expect(lines.some((l) => l.msg === "graph demo drained" && l.graphId === "demo")).toBe(true);
  });

  it("ends a drain at once when the connection is not up (DRAIN-2)", async () => {
    const room = await startRoom();
    room.refusal = { status: 503, code: "unavailable", message: "down" };
    const { agent, lines } = startAgent(room);
    await waitFor(() => (room.attempts.get("demo") ?? 0) >= 1, "a connection attempt");
    const startedAt = Date.now();
    expect(await agent.drain()).toBe("closed");
    expect(await agent.done).toEqual({ kind: "stopped" });
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(lines.some((l) => /graph demo is not connected; stopping its 0 processes/.test(l.msg))).toBe(true);
  });

  it("ends a drain when the connection closes meanwhile, dropping and counting what was un-acked", async () => {
    const room = await startRoom();
    room.onWelcome = (connection) => assignRandom(connection, 2);
    room.autoDrain = false;
    room.autoAck = false;
    const { agent, lines } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => publishes(connection).length >= 2, "un-acked publishes");
    const draining = agent.drain();
    await waitFor(() => connection.of("drain")[0], "the drain frame");
    connection.ws.terminate();
    expect(await draining).toBe("closed");
    expect(room.connections).toHaveLength(1); // no reconnect while draining
    const left = lines.find((l) => /^left graph demo: stopped 1 process; \d+ messages? not acknowledged/.test(l.msg));
    expect(left?.lost).toBeGreaterThan(0);
  });

  it("stays connected and idle when the hub drains it through its API (DRAIN-1)", async () => {
    const room = await startRoom();
    const { agent, lines } = startAgent(room);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => lines.find((l) => l.msg === "connected to graph demo as w-test"), "a welcome");
    connection.send({ type: "drained" });
    await waitFor(() => lines.find((l) => /drained this worker; it stays connected/.test(l.msg)), "the log line");
    const beats = connection.of("heartbeat").length;
    await waitFor(() => connection.of("heartbeat").length > beats, "another heartbeat");
    expect(connection.closed).toBe(false);
    expect(agent.processCount()).toBe(0);
  });

  it("retries with backoff when the room refuses a duplicate worker id (4007, HELLO-4)", async () => {
    const room = await startRoom();
    room.helloClose = { code: CloseCode.DuplicateWorker, reason: "worker id w-test is already connected" };
    const { lines } = startAgent(room);
    await waitFor(() => room.connections.length >= 2, "a second attempt");
    const warning = lines.find((l) => l.level === 40 && /refused worker id w-test as already connected/.test(l.msg));
    expect(warning?.msg).toMatch(/worker id w-test is already connected/);
    room.helloClose = undefined;
    await waitFor(() => lines.find((l) => l.msg === "connected to graph demo as w-test"), "a welcome at last");
  });

  it("gives up on the graph when the room refuses the hello (4006, HELLO-5)", async () => {
    const room = await startRoom();
    room.helloClose = { code: CloseCode.HelloRefused, reason: "unknown node type teleport" };
    const { agent, lines } = startAgent(room);
    const end = await agent.done;
    expect(end).toMatchObject({ kind: "refused", code: "close_4006" });
    expect(end.kind === "refused" && end.message).toMatch(/unknown node type teleport/);
    expect(lines.some((l) => l.level === 50 && /unknown node type teleport/.test(l.msg))).toBe(true);
    expect(room.connections).toHaveLength(1);
  });
});
