// At-least-once through the room with real processes (DELIVERY-2..7): `counter → file-write` while the consumer
// worker is killed, the producer worker is killed, and wrangler dev restarts; a poison message is dead-lettered
// and replayable while the rest flows; a slow consumer holds the source back by credit.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EdgeStatus, GraphStatus } from "../shared/status.ts";
import { type Hub, jsonRequest, startHub, startWorker, type Worker, waitFor } from "./harness.ts";
import { RawWorker } from "./rawWorker.ts";

let hub: Hub;
const workers: Worker[] = [];
const dir = mkdtempSync(join(tmpdir(), "weft-delivery-"));

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  for (const w of workers) await w.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function worker(graphId: string, name: string, labels: string): Worker {
  const w = startWorker(hub, [
    "--graph",
    graphId,
    "--name",
    name,
    "--id",
    name,
    "--labels",
    labels,
    "--allow",
    "files",
  ]);
  workers.push(w);
  return w;
}

/** counter (on a `producer` worker) → file-write (on a `consumer` worker), through one durable edge. */
async function putPipeline(graphId: string, counter: Record<string, number>, file: string): Promise<void> {
  const response = await hub.api(
    `/api/graphs/${graphId}`,
    jsonRequest("PUT", {
      name: graphId,
      running: true,
      nodes: [
        { id: "count", type: "counter", name: "count", x: 0, y: 0, params: counter, labels: ["producer"] },
        {
          id: "sink",
          type: "file-write",
          name: "sink",
          x: 300,
          y: 0,
          params: { path: file, fsync: "always" },
          labels: ["consumer"],
        },
      ],
      edges: [{ id: "e", from: "count", fromPort: "out", to: "sink", toPort: "in" }],
    }),
  );
  expect(response.status).toBeLessThan(300);
}

const status = async (graphId: string) => (await hub.api<GraphStatus>(`/api/graphs/${graphId}/status`)).body;
const edgeOf = (s: GraphStatus, id = "e") => s.edges.find((e) => e.id === id) as EdgeStatus;

/** The numbers in a file-write file: each line's value; counts duplicates. */
function numbers(file: string): { seen: Set<number>; lines: number } {
  if (!existsSync(file)) return { seen: new Set(), lines: 0 };
  const lines = readFileSync(file, "utf8").split("\n").filter(Boolean);
  return { seen: new Set(lines.map((line) => (JSON.parse(line) as { value: number }).value)), lines: lines.length };
}

function missing(seen: Set<number>, upTo: number): number[] {
  const out: number[] = [];
  for (let n = 0; n < upTo && out.length < 10; n++) if (!seen.has(n)) out.push(n);
  return out;
}

/** Reported, not asserted: how many lines were delivered more than once (at-least-once allows them). */
function report(scenario: string, file: string, acknowledged: number): void {
  const { seen, lines } = numbers(file);
  console.log(JSON.stringify({ scenario, acknowledged, lines, distinct: seen.size, duplicates: lines - seen.size }));
}

describe("DELIVERY-2/3/4: every number the room acknowledged reaches the file", () => {
  it("the consumer's worker is killed with -9 mid-stream: the sink moves and nothing acknowledged is lost", async () => {
    const file = join(dir, "consumer-kill.ndjson");
    const total = 20_000;
    await putPipeline("ck", { ratePerSecond: 4000, start: 0, count: total }, file);
    worker("ck", "ck-producer", "producer");
    const first = worker("ck", "ck-consumer-1", "consumer");
    await waitFor(() => numbers(file).lines >= 3000 || undefined, "the first consumer writing", 30_000);
    worker("ck", "ck-consumer-2", "consumer");
    first.signal("SIGKILL");
    await first.exited;
    const done = await waitFor(
      async () => {
        const e = edgeOf(await status("ck"));
        return e && e.totalIn === total && e.depth === 0 ? e : undefined;
      },
      "every number published and acknowledged",
      60_000,
    );
    const { seen } = numbers(file);
    expect(missing(seen, total)).toEqual([]);
    expect(done.deadLetters).toBe(0);
    report("consumer kill -9", file, total);
  });

  it("the producer's worker is killed with -9: every number the room acknowledged before is in the file", async () => {
    const file = join(dir, "producer-kill.ndjson");
    await putPipeline("pk", { ratePerSecond: 4000, start: 0, count: 0 }, file);
    const producer = worker("pk", "pk-producer", "producer");
    worker("pk", "pk-consumer", "consumer");
    await waitFor(() => numbers(file).lines >= 3000 || undefined, "the consumer writing", 30_000);
    producer.signal("SIGKILL");
    await producer.exited;
    // No other worker has the producer label: nothing emits again, so what the room holds is final.
    const acknowledged = await waitFor(
      async () => {
        const s = await status("pk");
        const e = edgeOf(s);
        const count = s.processes.find((p) => p.nodeId === "count");
        return count?.state === "pending" && e.depth === 0 ? e.totalIn : undefined;
      },
      "the counter pending and the edge drained",
      30_000,
    );
    expect(acknowledged).toBeGreaterThan(3000);
    // The counter emits 0, 1, 2, … in order and batches are stored in order: the room acknowledged 0..n-1.
    expect(missing(numbers(file).seen, acknowledged)).toEqual([]);
    report("producer kill -9", file, acknowledged);
  });

  it("wrangler dev restarts mid-stream: the workers come back and every number reaches the file", async () => {
    const file = join(dir, "hub-restart.ndjson");
    const total = 20_000;
    await putPipeline("hr", { ratePerSecond: 3000, start: 0, count: total }, file);
    worker("hr", "hr-producer", "producer");
    worker("hr", "hr-consumer", "consumer");
    await waitFor(() => numbers(file).lines >= 3000 || undefined, "the consumer writing", 30_000);
    await hub.stop();
    hub = await startHub({ persistDir: hub.persistDir, port: hub.port });
    await waitFor(
      () => (missing(numbers(file).seen, total).length === 0 ? true : undefined),
      "every number in the file",
      90_000,
    );
    report("wrangler dev restart", file, total);
  });
});

describe("DELIVERY-6: a poison message", () => {
  it("is retried, dead-lettered after 5 attempts and replayable, while the rest of the stream flows", async () => {
    // A raw producer feeds factorize (a real worker), which throws on anything but a safe integer.
    const graph = {
      name: "poison",
      running: true,
      nodes: [
        { id: "src", type: "random", name: "src", x: 0, y: 0, params: { intervalMs: 3_600_000 }, labels: ["raw"] },
        { id: "f", type: "factorize", name: "f", x: 200, y: 0, params: {} },
        { id: "log", type: "log", name: "log", x: 400, y: 0, params: {} },
      ],
      edges: [
        { id: "in", from: "src", fromPort: "out", to: "f", toPort: "in" },
        { id: "out", from: "f", fromPort: "out", to: "log", toPort: "in" },
      ],
    };
    expect((await hub.api("/api/graphs/poison", jsonRequest("PUT", graph))).status).toBeLessThan(300);
    const raw = RawWorker.connect(hub, "poison");
    await raw.hello("poison-raw", { labels: ["raw"], nodeTypes: [{ type: "random", version: "1.0.0" }] });
    raw.keepAlive();
    const assign = (await raw.assignedAtLeast(1)).get("src");
    if (!assign) throw new Error("src was not assigned to the raw worker");
    await raw.next((f) => f.type === "credit" && f.nodeId === "src");
    worker("poison", "poison-worker", "none");
    const values = [12, 15, "poison", 97, 100];
    raw.send({
      type: "publish",
      seq: 1,
      nodeId: "src",
      epoch: assign.epoch,
      port: "out",
      messages: values.map((value, i) => ({ id: `p${i}`, value, ts: Date.now() })),
    });
    const settled = await waitFor(
      async () => {
        const s = await status("poison");
        const e = edgeOf(s, "in");
        const log = s.processes.find((p) => p.nodeId === "log");
        return e.deadLetters === 1 && e.depth === 0 && (log?.in ?? 0) >= 4 ? s : undefined;
      },
      "the poison dead-lettered and the rest logged",
      30_000,
    );
    expect(settled.processes.find((p) => p.nodeId === "f")?.state).toBe("running");
    const list = await hub.api<{
      deadLetters: Array<{ id: number; message: { id: string; value: unknown }; attempts: number; error: string }>;
    }>("/api/graphs/poison/edges/in/dead-letters");
    expect(list.body.deadLetters).toHaveLength(1);
    const [dead] = list.body.deadLetters;
    expect(dead).toMatchObject({ message: { id: "p2", value: "poison" }, attempts: 5 });
    expect(dead?.error).toMatch(/failed 5 times .*integer/);
    // Replayed, it goes through its 5 attempts again and comes back to the dead letters.
    const replay = await hub.api<{ replayed: number }>(`/api/graphs/poison/edges/in/dead-letters/${dead?.id}/replay`, {
      method: "POST",
    });
    expect(replay.body.replayed).toBe(1);
    await waitFor(async () => {
      const again = await hub.api<{ deadLetters: Array<{ id: number }> }>("/api/graphs/poison/edges/in/dead-letters");
      return again.body.deadLetters.length === 1 && again.body.deadLetters[0]?.id !== dead?.id ? true : undefined;
    }, "the replayed poison dead-lettered again");
    const purge = await hub.api<{ purged: number }>("/api/graphs/poison/edges/in/dead-letters", { method: "DELETE" });
    expect(purge.body.purged).toBe(1);
    raw.close();
  });
});

describe("DELIVERY-7: back-pressure as credit", () => {
  it("a slow consumer keeps its edge under the limit and slows the source; no worker is closed for silence", async () => {
    const graph = {
      name: "slow",
      running: true,
      nodes: [
        { id: "count", type: "counter", name: "count", x: 0, y: 0, params: { ratePerSecond: 0 }, labels: ["producer"] },
        { id: "sink", type: "log", name: "sink", x: 300, y: 0, params: {}, labels: ["raw"] },
      ],
      edges: [{ id: "e", from: "count", fromPort: "out", to: "sink", toPort: "in", maxDepth: 2000 }],
    };
    expect((await hub.api("/api/graphs/slow", jsonRequest("PUT", graph))).status).toBeLessThan(300);
    // The consumer is scripted: it acks 100 messages every 100 ms (1,000 msg/s) however many it holds.
    const raw = RawWorker.connect(hub, "slow");
    await raw.hello("slow-raw", { labels: ["raw"], nodeTypes: [{ type: "log", version: "1.0.0" }] });
    raw.keepAlive();
    const sink = (await raw.assignedAtLeast(1)).get("sink");
    if (!sink) throw new Error("sink was not assigned to the raw worker");
    let read = 0;
    let acked = 0;
    const held: number[] = [];
    const acker = setInterval(() => {
      for (const f of raw.frames.slice(read)) if (f.type === "deliver") held.push(...f.messages.map((m) => m.d));
      read = raw.frames.length;
      const batch = held.splice(0, 100);
      if (batch.length === 0) return;
      acked += batch.length;
      raw.send({ type: "ack", nodeId: "sink", epoch: sink.epoch, deliveries: batch });
    }, 100);
    const producer = worker("slow", "slow-producer", "producer");
    try {
      let maxDepth = 0;
      let sawPaused = false;
      const started = Date.now();
      while (Date.now() - started < 8000) {
        const e = edgeOf(await status("slow"));
        maxDepth = Math.max(maxDepth, e.depth);
        sawPaused ||= e.paused;
        await new Promise((r) => setTimeout(r, 200));
      }
      const s = await status("slow");
      const e = edgeOf(s);
      // The limit (2,000) plus the one batch a producer may overshoot by (1,000).
      expect(maxDepth).toBeLessThanOrEqual(3000);
      expect(sawPaused).toBe(true);
      // The unthrottled source produced about what the consumer took, not what it could have.
      expect(e.totalIn).toBeLessThanOrEqual(acked + 3000);
      expect(s.workers.map((w) => w.id).sort()).toEqual(["slow-producer", "slow-raw"]);
      expect(producer.output).not.toMatch(/presumed this worker dead|channel_full/);
      console.log(JSON.stringify({ scenario: "slow consumer", maxDepth, acked, published: e.totalIn }));
    } finally {
      clearInterval(acker);
      raw.close();
    }
  });
});
