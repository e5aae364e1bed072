// A real `weft worker` process runs the demo flow through a real hub; kill it and the work waits, start one and it resumes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphStatus } from "../shared/status.ts";
import { demoGraph, type Hub, jsonRequest, startHub, startWorker, type Worker, waitFor } from "./harness.ts";

let hub: Hub;
const workers: Worker[] = [];
/** The worker that takes over the flow after the first is killed. */
let flow2: Worker | undefined;
beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await hub?.stop();
});

const status = async (id: string) => (await hub.api<GraphStatus>(`/api/graphs/${id}/status`)).body;
const proc = (s: GraphStatus, nodeId: string) => s.processes.find((p) => p.nodeId === nodeId)!;

describe("weft worker", () => {
  it("runs random → factorize → log; the log node's count rises", async () => {
    await hub.api("/api/graphs/demo", jsonRequest("PUT", demoGraph(50)));
    const w = startWorker(hub, ["--graph", "demo", "--name", "flow-1", "--id", "flow-1"]);
    workers.push(w);
    const first = await waitFor(
      async () => {
        const s = await status("demo");
        return proc(s, "log").in >= 3 ? s : undefined;
      },
      "log node receiving messages",
      30_000,
    );
    expect(first.workers.map((x) => x.id)).toEqual(["flow-1"]);
    for (const p of first.processes) expect(p).toMatchObject({ state: "running", workerId: "flow-1", errors: 0 });
    const recent = proc(first, "log").recent ?? [];
    expect(recent.length).toBeGreaterThan(0);
    for (const item of recent) {
      const { n, factors } = item as { n: number; factors: number[] };
      // 0 and 1 have no prime factors (random emits 0 one time in a thousand).
      if (n < 2) expect(factors, JSON.stringify(item)).toEqual([]);
      else
        expect(
          factors.reduce((a, b) => a * b, 1),
          JSON.stringify(item),
        ).toBe(n);
    }
    const count = proc(first, "log").in;
    await waitFor(async () => proc(await status("demo"), "log").in > count + 2, "count still rising");
  });

  it("when the worker is killed, processes go pending with a reason; a new worker picks them up", async () => {
    const [w] = workers;
    w!.signal("SIGKILL");
    await w!.exited;
    const pending = await waitFor(async () => {
      const s = await status("demo");
      return s.processes.every((p) => p.state === "pending") ? s : undefined;
    }, "processes pending after kill");
    expect(proc(pending, "random").reason).toMatch(/no live worker/);
    const next = startWorker(hub, ["--graph", "demo", "--name", "flow-2", "--id", "flow-2"]);
    workers.push(next);
    flow2 = next;
    await waitFor(
      async () => {
        const s = await status("demo");
        return s.processes.every((p) => p.state === "running" && p.workerId === "flow-2") && proc(s, "log").in > 0;
      },
      "new worker running the flow",
      30_000,
    );
  });

  it("a wrong token is refused with a clear message and exit code", async () => {
    const w = startWorker(hub, ["--graph", "demo"], "wrong-token");
    workers.push(w);
    const code = await w.exited;
    expect(code).not.toBe(0);
    expect(w.output).toMatch(/token/i);
  });

  it("after a restart of the hub (same state, same port), the worker reconnects and the flow resumes", async () => {
    // The worker now running the flow (not the wrong-token one the previous test started).
    const worker = flow2;
    if (!worker) throw new Error("worker flow-2 is not running");
    const starts = () => worker.output.split("running random").length - 1;
    const startsBefore = starts();
    // The count must be able to change: flow-2 started the source once already.
    expect(
      startsBefore,
      worker.output
        .split("\n")
        .filter((l) => l.includes("random"))
        .join("\n"),
    ).toBe(1);
    await hub.stop();
    hub = await startHub({ persistDir: hub.persistDir, port: hub.port });
    const s = await waitFor(
      async () => {
        const s = await status("demo");
        const counts = s.processes.map((p) => p.in);
        const back = s.workers.some((w) => w.id === "flow-2");
        return back && s.processes.every((p) => p.state === "running") && proc(s, "log").in > 2
          ? { s, counts }
          : undefined;
      },
      "flow running again after the restart",
      40_000,
    );
    expect(s.s.workers.map((w) => w.id).sort()).toEqual(["flow-2"]);
    expect(new Set(s.s.processes.map((p) => p.workerId))).toEqual(new Set(["flow-2"]));
    // HELLO-4: a worker that returns keeps its assignments and epochs, so nothing restarts — unless the room
    // saw the socket close before it went down (wrangler dev stops gracefully, and a close is a worker gone,
    // SCHED-5): then each process was replaced once, by a newer epoch, never run twice.
    const lifecycle = worker.output.split("\n").filter((line) => !line.includes('"nodeId":"log","messageId"'));
    const restarted = starts() - startsBefore;
    expect(restarted, lifecycle.slice(-30).join("\n")).toBeLessThanOrEqual(1);
    if (restarted === 1)
      expect(worker.output).toMatch(/stopped random \(node random, epoch \d+\): replaced by epoch \d+/);
  });

  it("an --all worker serves graphs created after it started", async () => {
    const w = startWorker(hub, ["--all", "--name", "all-1", "--id", "all-1"]);
    workers.push(w);
    await hub.api("/api/graphs/later", jsonRequest("PUT", demoGraph(50)));
    await waitFor(
      async () => {
        const s = await status("later");
        return s.workers.some((x) => x.id === "all-1") && proc(s, "log").in > 0;
      },
      "--all worker running the new graph",
      30_000,
    );
  });
});
