// The room as leader, driven by scripted workers: crash backoff, graceful drain, the fleet API.
import { describe, expect, it } from "vitest";
import type { RoomFrameOf } from "../shared/protocol.ts";
import type { GraphStatus } from "../shared/status.ts";
import { demoGraph, jsonRequest, waitFor } from "./harness.ts";
import { hubWithRawWorkers } from "./rawWorker.ts";

const env = hubWithRawWorkers();
const worker = env.worker.bind(env);

const status = async (id: string) => (await env.hub.api<GraphStatus>(`/api/graphs/${id}/status`)).body;
const report = (a: RoomFrameOf<"assign">, state: string, lastError: string | null = null) => ({
  nodeId: a.nodeId,
  epoch: a.epoch,
  state,
  in: 0,
  out: 0,
  errors: 0,
  lastError,
});

describe("SCHED-7: crash loops back off", () => {
  it("a crashed process is shown crashed with its error and restarted after 1 s, then 2 s", async () => {
    await env.hub.api("/api/graphs/crashy", jsonRequest("PUT", demoGraph()));
    const w = worker("crashy");
    await w.hello("w-crash");
    w.keepAlive();
    const first = await waitFor(() => w.assigned().get("random"), "random assigned");
    const crashAt = Date.now();
    w.send({ type: "state", process: report(first, "crashed", "boom: cannot open device") });
    await w.next((f) => f.type === "unassign" && f.nodeId === "random" && f.epoch === first.epoch);
    const crashed = (await status("crashy")).processes.find((p) => p.nodeId === "random")!;
    expect(crashed).toMatchObject({ state: "crashed", lastError: "boom: cannot open device" });
    expect(crashed.reason).toMatch(/^crashed 1 time; restarting in [01] s$/);

    const second = await waitFor(() => {
      const a = w.assigned().get("random");
      return a && a.epoch > first.epoch ? a : undefined;
    }, "restart after the backoff");
    const firstWait = Date.now() - crashAt;
    expect(firstWait).toBeGreaterThanOrEqual(900);

    const crashAgain = Date.now();
    w.send({ type: "state", process: report(second, "crashed", "boom again") });
    await waitFor(() => {
      const a = w.assigned().get("random");
      return a && a.epoch > second.epoch;
    }, "second restart");
    expect(Date.now() - crashAgain).toBeGreaterThanOrEqual(1900);
    const after = (await status("crashy")).processes.find((p) => p.nodeId === "random")!;
    expect(after.state).toBe("assigned");
  });

  it("editing the crashed node's params resets the backoff and restarts it at once", async () => {
    await env.hub.api("/api/graphs/crashedit", jsonRequest("PUT", demoGraph()));
    const w = worker("crashedit");
    await w.hello("w-crashedit");
    w.keepAlive();
    let a = await waitFor(() => w.assigned().get("random"), "random assigned");
    // Three crashes in a row put the next restart 4 s away...
    for (let crash = 1; crash <= 3; crash++) {
      w.send({ type: "state", process: report(a, "crashed", `crash ${crash}`) });
      if (crash === 3) break;
      const epoch = a.epoch;
      a = await waitFor(() => {
        const next = w.assigned().get("random");
        return next && next.epoch > epoch ? next : undefined;
      }, `restart ${crash}`);
    }
    await waitFor(
      async () =>
        (await status("crashy")).processes.length > 0 &&
        (await status("crashedit")).processes.find((p) => p.nodeId === "random")?.reason?.startsWith("crashed 3 times"),
      "three crashes",
    );
    // ...but an edit restarts it now.
    const edited = demoGraph();
    edited.nodes[0]!.params.intervalMs = 777;
    const editedAt = Date.now();
    await env.hub.api("/api/graphs/crashedit", jsonRequest("PUT", edited));
    const restarted = await waitFor(() => {
      const next = w.assigned().get("random");
      return next && next.params.intervalMs === 777 ? next : undefined;
    }, "restart after the edit");
    expect(restarted.epoch).toBeGreaterThan(a.epoch);
    expect(Date.now() - editedAt).toBeLessThan(3000);
  });
});

describe("edits restart only what they must", () => {
  it("rewiring and moving restart nothing; removing a node stops only its process", async () => {
    await env.hub.api("/api/graphs/rewire", jsonRequest("PUT", demoGraph()));
    const w = worker("rewire");
    await w.hello("w-rewire");
    w.keepAlive();
    await w.assignedAtLeast(3);
    const mark = w.frames.length;
    const rewired = demoGraph();
    rewired.edges = [{ id: "e3", from: "random", fromPort: "out", to: "log", toPort: "in" }];
    rewired.nodes[2]!.x = 5;
    await env.hub.api("/api/graphs/rewire", jsonRequest("PUT", rewired));
    const removed = { ...rewired, nodes: rewired.nodes.filter((n) => n.id !== "factorize") };
    await env.hub.api("/api/graphs/rewire", jsonRequest("PUT", removed));
    const stop = await w.next<RoomFrameOf<"unassign">>((f) => f.type === "unassign", mark, "unassign");
    expect(stop.nodeId).toBe("factorize");
    const changes = w.frames.slice(mark).filter((f) => f.type === "assign" || f.type === "unassign");
    expect(changes).toEqual([stop]);
  });
});

describe("DRAIN: processes move away before a worker leaves", () => {
  it("DRAIN-1/2 and SCHED-6: a drain frame moves every process to the other worker, then says drained", async () => {
    await env.hub.api("/api/graphs/drainy", jsonRequest("PUT", demoGraph()));
    const a = worker("drainy");
    await a.hello("w-drain-a");
    a.keepAlive();
    await a.assignedAtLeast(3);
    const b = worker("drainy");
    await b.hello("w-drain-b");
    b.keepAlive();
    const mark = a.frames.length;
    a.send({ type: "drain" });
    const stops = await waitFor(() => {
      const list = a.frames.slice(mark).filter((f): f is RoomFrameOf<"unassign"> => f.type === "unassign");
      return list.length === 3 ? list : undefined;
    }, "three unassigns");
    // Nothing runs on b until a has stopped each process.
    expect(b.frames.some((f) => f.type === "assign")).toBe(false);
    expect(a.frames.slice(mark).some((f) => f.type === "drained")).toBe(false);
    for (const stop of stops) {
      const held = a.assigned().get(stop.nodeId)!;
      a.send({ type: "state", process: report(held, "stopped") });
    }
    await b.assignedAtLeast(3);
    await a.next((f) => f.type === "drained", mark, "drained");
    const s = await status("drainy");
    expect(s.processes.every((p) => p.workerId === "w-drain-b")).toBe(true);
    expect(s.workers.find((w) => w.id === "w-drain-a")).toMatchObject({ draining: true, processes: 0 });
  });

  it("the fleet API lists workers across graphs and drains one everywhere", async () => {
    await env.hub.api("/api/graphs/fleet-1", jsonRequest("PUT", demoGraph()));
    await env.hub.api("/api/graphs/fleet-2", jsonRequest("PUT", { ...demoGraph(), running: false }));
    const one = worker("fleet-1");
    const two = worker("fleet-2");
    await one.hello("w-fleet");
    await two.hello("w-fleet");
    one.keepAlive();
    two.keepAlive();
    type Fleet = Array<{ id: string; graphs: string[]; processes: number; draining: boolean }>;
    const listed = await waitFor(async () => {
      const fleet = await env.hub.api<Fleet>("/api/workers");
      const w = fleet.body.find((x) => x.id === "w-fleet");
      return w?.processes === 3 ? w : undefined;
    }, "the worker in the fleet list");
    expect({ ...listed, graphs: [...listed.graphs].sort() }).toMatchObject({
      graphs: ["fleet-1", "fleet-2"],
      draining: false,
    });

    const drain = await env.hub.api<{ id: string; graphs: string[]; draining: boolean }>("/api/workers/w-fleet/drain", {
      method: "POST",
    });
    expect(drain.status).toBe(200);
    expect({ ...drain.body, graphs: [...drain.body.graphs].sort() }).toEqual({
      id: "w-fleet",
      graphs: ["fleet-1", "fleet-2"],
      draining: true,
      unreachable: [],
    });
    await one.next((f) => f.type === "unassign");
    await two.next((f) => f.type === "drained");
    const missing = await env.hub.api<{ error: { code: string } }>("/api/workers/nobody/drain", { method: "POST" });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: "worker_not_found" } } });
    const perGraph = await env.hub.api<{ error: { code: string } }>("/api/graphs/fleet-1/workers/nobody/drain", {
      method: "POST",
    });
    expect(perGraph).toMatchObject({ status: 404, body: { error: { code: "worker_not_found" } } });
  });
});
