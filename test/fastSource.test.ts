// A source as fast as it is allowed, with one real worker for a minute (DELIVERY-7, -11): the hub's health
// check and another graph keep answering (every probe within 5 s, p99 under a second), nothing is refused
// past credit, the worker is never presumed dead, and its memory stays bounded. WEFT_FAST_SOURCE_MS shortens
// the run.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphStatus } from "../shared/status.ts";
import { demoGraph, type Hub, jsonRequest, startHub, startWorker, type Worker, waitFor } from "./harness.ts";

const RUN_MS = Number(process.env.WEFT_FAST_SOURCE_MS ?? 60_000);
let hub: Hub;
let worker: Worker | undefined;
const dir = mkdtempSync(join(tmpdir(), "weft-fast-"));

beforeAll(async () => {
  hub = await startHub();
});
afterAll(async () => {
  await worker?.stop();
  await hub?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Resident memory of a process in MiB (Linux), or 0 when it cannot be read. */
function rssMiB(pid: number): number {
  const file = `/proc/${pid}/status`;
  if (!existsSync(file)) return 0;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(file, "utf8"));
  return match ? Number(match[1]) / 1024 : 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN;
}

describe("a source as fast as allowed (DELIVERY-7, DELIVERY-11)", () => {
  it(
    `random at 1 ms and an unthrottled counter for ${RUN_MS / 1000} s: the hub and other graphs keep answering`,
    async () => {
      const graph = {
        name: "fast",
        running: true,
        nodes: [
          { id: "random", type: "random", name: "random", x: 0, y: 0, params: { intervalMs: 1 } },
          { id: "factorize", type: "factorize", name: "factorize", x: 200, y: 0, params: {} },
          { id: "log", type: "log", name: "log", x: 400, y: 0, params: {} },
          { id: "count", type: "counter", name: "count", x: 0, y: 200, params: { ratePerSecond: 0 } },
          {
            id: "file",
            type: "file-write",
            name: "file",
            x: 400,
            y: 200,
            params: { path: join(dir, "count.ndjson"), fsync: "never" },
          },
        ],
        edges: [
          { id: "r-f", from: "random", fromPort: "out", to: "factorize", toPort: "in" },
          { id: "f-l", from: "factorize", fromPort: "out", to: "log", toPort: "in" },
          { id: "c-f", from: "count", fromPort: "out", to: "file", toPort: "in" },
        ],
      };
      expect((await hub.api("/api/graphs/fast", jsonRequest("PUT", graph))).status).toBeLessThan(300);
      expect(
        (await hub.api("/api/graphs/other", jsonRequest("PUT", { ...demoGraph(1000), running: false }))).status,
      ).toBeLessThan(300);
      const idleBytes = (await hub.api<GraphStatus>("/api/graphs/fast/status")).body.storageBytes ?? 0;
      const args = ["--graph", "fast", "--name", "fast-1", "--id", "fast-1", "--allow", "files"];
      worker = startWorker(hub, args, undefined);
      // Measured once both sources run at full speed (not while the worker starts).
      let seen = "";
      await waitFor(
        async () => {
          const s = (await hub.api<GraphStatus>("/api/graphs/fast/status")).body;
          seen = JSON.stringify({ processes: s.processes, edges: s.edges });
          return s.edges.every((e) => e.totalIn > 1000) || undefined;
        },
        "both sources flowing",
        30_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}\nlast status: ${seen}\nworker log:\n${worker?.output.slice(-3000)}`);
      });
      const latencies: number[] = [];
      const failures: string[] = [];
      let maxRss = 0;
      const started = Date.now();
      while (Date.now() - started < RUN_MS) {
        for (const path of ["/api/health", "/api/graphs/other/status"]) {
          const t = performance.now();
          try {
            const response = await hub.api(path, { signal: AbortSignal.timeout(5000) });
            if (response.status !== 200) failures.push(`${path}: ${response.status}`);
          } catch (error) {
            failures.push(`${path}: ${(error as Error).message}`);
          }
          latencies.push(performance.now() - t);
        }
        maxRss = Math.max(maxRss, rssMiB(worker.pid));
        await new Promise((r) => setTimeout(r, 100));
      }
      const status = (await hub.api<GraphStatus>("/api/graphs/fast/status")).body;
      // Storage stays bounded: acknowledged rows are deleted, so after the run the room's database is about
      // as large as it was idle (SQLite reuses the freed pages rather than shrinking the file).
      await worker.stop();
      const endBytes = (await hub.api<GraphStatus>("/api/graphs/fast/status")).body.storageBytes ?? 0;
      const sorted = [...latencies].sort((a, b) => a - b);
      const figures = {
        scenario: "fast source",
        seconds: RUN_MS / 1000,
        probes: latencies.length,
        p50Ms: Math.round(percentile(sorted, 50) * 10) / 10,
        p99Ms: Math.round(percentile(sorted, 99) * 10) / 10,
        workerMaxRssMiB: Math.round(maxRss),
        idleStorageBytes: idleBytes,
        endStorageBytes: endBytes,
        edges: status.edges.map((e) => ({ id: e.id, totalIn: e.totalIn, depth: e.depth, paused: e.paused })),
      };
      console.log(JSON.stringify(figures));
      expect(failures).toEqual([]);
      // A stall detector, not a speed target (latency targets live in `npm run bench`): the bug this guards
      // against made /api/health and other graphs time out for seconds. On this 2-core machine the p99 moves
      // between about 25 and 280 ms from run to run with the same code, as the host's load changes.
      expect(figures.p99Ms).toBeLessThan(1000);
      // The worker stayed connected and was never refused past its credit.
      expect(
        status.workers.map((w) => w.id),
        `worker log:\n${worker.output.slice(-3000)}`,
      ).toEqual(["fast-1"]);
      expect(worker.output).not.toMatch(/channel_full|presumed this worker dead|"code":40(08|10)/);
      expect(maxRss).toBeLessThan(400);
      expect(endBytes).toBeLessThan(idleBytes + 16 * 1024 * 1024);
      const counted = status.edges.find((e) => e.id === "c-f");
      expect(counted?.totalIn ?? 0).toBeGreaterThan(1000);
      for (const edge of status.edges) expect(edge.depth).toBeLessThanOrEqual(10_000 + 1000);
    },
    RUN_MS + 60_000,
  );
});
