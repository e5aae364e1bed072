// Tests for --all: one connection per listed graph, load summed across graphs, graphs that leave the list closed.
import { afterEach, describe, expect, it } from "vitest";
import { Fleet } from "./fleet.ts";
import { FakeRoom } from "./testing/fakeRoom.ts";
import { captureLogger } from "./testing/logs.ts";
import { waitFor } from "./testing/waitFor.ts";

const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function startFleet(room: FakeRoom, token = room.token) {
  const { log, lines } = captureLogger("w-fleet");
  const fleet = new Fleet({
    hub: new URL(room.url),
    token,
    graphs: [],
    all: true,
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
