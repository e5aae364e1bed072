// Tests for --all: one connection per listed graph, load summed across graphs, graphs that leave the list closed;
// and the worker-wide drain (DRAIN-1/2) with its timeout.
import { afterEach, describe, expect, it } from "vitest";
import { Fleet } from "./fleet.ts";
import { type FakeConnection, FakeRoom } from "./testing/fakeRoom.ts";
import { captureLogger } from "./testing/logs.ts";
import { waitFor } from "./testing/waitFor.ts";

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startFleet(room: FakeRoom, token = room.token, graphs: string[] = []) {
  const { log, lines } = captureLogger("w-fleet");
  const fleet = new Fleet({
    hub: new URL(room.url),
    token,
    graphs,
    all: graphs.length === 0,
    pollMs: 20,
    workerId: "w-fleet",
    name: "fleet",
    version: "0.0.0",
    labels: [],
    capacity: 8,
    log,
    agent: { backoff: { initialMs: 10, maxMs: 50 } },
  });
  const exit = fleet.run();
  cleanups.push(async () => {
    await fleet.stop();
    await exit;
  });
  return { fleet, exit, lines };
}

describe("Fleet --all", () => {
  it("serves every listed graph, reports load across graphs and drops graphs that disappear", async () => {
    const room = await FakeRoom.start({ graphs: ["a", "b"] });
    cleanups.push(() => room.close());
    room.onWelcome = (connection) => {
      if (connection.graphId !== "a") return;
      connection.send({
        type: "assign",
        nodeId: "n1",
        epoch: 1,
        nodeType: "log",
        params: {},
        inputs: ["in"],
        outputs: [],
      });
    };
    const { fleet } = startFleet(room);
    const b = await waitFor(() => room.forGraph("b")[0], "a connection to graph b");
    await waitFor(() => room.forGraph("a")[0]?.of("state")[0], "the process on graph a");
    const beat = await waitFor(() => b.of("heartbeat").find((f) => f.load === 1), "graph b reporting load 1");
    expect(beat.processes).toEqual([]);
    expect(fleet.load()).toBe(1);

    room.graphs = ["a"];
    await waitFor(() => b.closed, "graph b's connection to close");
    expect(b.closeCode).toBe(1000);
    expect(fleet.graphIds()).toEqual(["a"]);
  });

  it("drops a graph the hub refuses and retries it only after it leaves the listing", async () => {
    const room = await FakeRoom.start({ graphs: ["a"] });
    cleanups.push(() => room.close());
    room.refusal = { status: 404, code: "graph_not_found", message: "gone" };
    const { lines } = startFleet(room);
    await waitFor(() => lines.find((l) => /^dropped graph a/.test(l.msg)), "graph a dropped");
    const polls = room.listRequests;
    await waitFor(() => room.listRequests >= polls + 2, "two more polls listing graph a");
    expect(room.attempts.get("a")).toBe(1);

    room.refusal = undefined;
    room.graphs = [];
    const emptied = room.listRequests;
    await waitFor(() => room.listRequests >= emptied + 2, "two polls of an empty listing");
    room.graphs = ["a"];
    await waitFor(() => room.forGraph("a")[0]?.of("hello")[0], "graph a served again");
    expect(room.attempts.get("a")).toBe(2);
  });

  it("exits 1 when the hub refuses the token for the graph list", async () => {
    const room = await FakeRoom.start();
    cleanups.push(() => room.close());
    const { exit, lines } = startFleet(room, "wrong");
    expect(await exit).toBe(1);
    expect(lines.some((l) => /cannot list graphs: .*401.*WEFT_WORKER_TOKEN/.test(l.msg))).toBe(true);
  });
});

function assignLog(connection: FakeConnection, nodeId: string, epoch: number): void {
  connection.send({ type: "assign", nodeId, epoch, nodeType: "log", params: {}, inputs: ["in"], outputs: [] });
}

describe("Fleet drain (DRAIN-1/2)", () => {
  it("drains every graph, logs progress with ids and exits 0", async () => {
    const room = await FakeRoom.start({ graphs: ["a", "b"] });
    cleanups.push(() => room.close());
    room.onWelcome = (connection) => {
      assignLog(connection, `${connection.graphId}1`, 1);
      if (connection.graphId === "a") assignLog(connection, "a2", 2);
    };
    const { fleet, exit, lines } = startFleet(room, room.token, ["a", "b"]);
    await waitFor(() => fleet.load() === 3 && room.connections.every((c) => c.of("state").length > 0), "3 processes");

    expect(await fleet.drain(5000)).toBe("drained");
    expect(await exit).toBe(0);
    for (const connection of room.connections) {
      expect(connection.of("drain")).toHaveLength(1);
      expect(connection.held().size).toBe(0);
      expect(connection.closeCode).toBe(1000);
    }
    const messages = lines.map((l) => l.msg);
    const at = (msg: string) => messages.indexOf(msg);
    expect(at("draining: 3 processes on 2 graphs")).toBeGreaterThanOrEqual(0);
    expect(at("graph a drained")).toBeGreaterThan(at("draining: 3 processes on 2 graphs"));
    expect(at("graph b drained")).toBeGreaterThan(at("draining: 3 processes on 2 graphs"));
    expect(at("drained; exiting")).toBeGreaterThan(Math.max(at("graph a drained"), at("graph b drained")));
    expect(lines.find((l) => l.msg === "graph a drained")).toMatchObject({ graphId: "a", workerId: "w-fleet" });
  });

  it("ends promptly when a graph's connection is down", async () => {
    const room = await FakeRoom.start({ graphs: ["a"] });
    cleanups.push(() => room.close());
    room.refusal = { status: 503, code: "unavailable", message: "down" };
    const { fleet, exit, lines } = startFleet(room, room.token, ["a"]);
    await waitFor(() => room.attempts.get("a"), "a connection attempt");
    const startedAt = Date.now();
    expect(await fleet.drain(30_000)).toBe("drained");
    expect(await exit).toBe(0);
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(lines.some((l) => l.msg === "drained; exiting")).toBe(true);
  });

  it("stops what is left when the drain times out", async () => {
    const room = await FakeRoom.start({ graphs: ["a"] });
    cleanups.push(() => room.close());
    room.autoDrain = false;
    room.onWelcome = (connection) => assignLog(connection, "a1", 1);
    const { fleet, exit, lines } = startFleet(room, room.token, ["a"]);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("state")[0], "the process running");
    expect(await fleet.drain(100)).toBe("timeout");
    expect(await exit).toBe(0);
    expect(connection.of("drain")).toHaveLength(1);
    await waitFor(() => connection.closed, "the socket to close");
    expect(connection.closeCode).toBe(1000);
    const warning = lines.find((l) => /^drain timed out after 0.1 s with 1 process not handed over/.test(l.msg));
    expect(warning).toMatchObject({ graphs: ["a"], level: 40 });
  });

  it("stops at once when stop() interrupts a drain (second signal)", async () => {
    const room = await FakeRoom.start({ graphs: ["a"] });
    cleanups.push(() => room.close());
    room.autoDrain = false;
    room.onWelcome = (connection) => assignLog(connection, "a1", 1);
    const { fleet, exit } = startFleet(room, room.token, ["a"]);
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("state")[0], "the process running");
    const drained = fleet.drain(30_000);
    await waitFor(() => connection.of("drain")[0], "the drain frame");
    await fleet.stop();
    expect(await drained).toBe("stopped");
    expect(await exit).toBe(0);
    expect(connection.closeCode).toBe(1000);
  });
});
