// Failover benchmark: a real hub and three real `weft worker` processes; kill -9 or SIGSTOP the worker running
// the source and time how long until status shows it running on another worker. Prints one JSON line per figure.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { wranglerDevArgs } from "../../scripts/wrangler.mjs";
import {
  AUTH_SECRET,
  adminToken,
  buildIfMissing,
  createProcesses,
  freePort,
  ROOT,
  sleep,
  waitFor,
} from "../lib/procs.mjs";

const { start, signal, stopAll, run: runBench } = createProcesses();
const TOKEN = "bench-token-0123456789";
const GRAPH = "failover";
const TRIALS = Number(process.env.WEFT_BENCH_TRIALS ?? 5);
const POLL_MS = 50;
const MODES = [
  { mode: "kill9", signal: "SIGKILL", targetMs: 3000, timeoutMs: 10_000 },
  { mode: "sigstop", signal: "SIGSTOP", targetMs: 10_000, timeoutMs: 20_000 },
];
/** The whole run must end within this, whatever happens. */
const DEADLINE_MS = 170_000;

const note = (text) => process.stderr.write(`failover: ${text}\n`);

function percentile(values, p) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function main() {
  buildIfMissing(note);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const persistDir = mkdtempSync(join(tmpdir(), "weft-bench-"));
  const hub = start(
    "npx",
    wranglerDevArgs({
      port,
      persistTo: persistDir,
      inspectorPort: await freePort(),
      // No rebalancing: only failover moves the source.
      vars: { WEFT_WORKER_TOKEN: TOKEN, WEFT_AUTH_SECRET: AUTH_SECRET, WEFT_REBALANCE_MOVES: "0" },
    }),
  );
  try {
    await waitFor(async () => (await fetch(`${url}/api/health`)).ok, `hub on ${url}`, 60_000).catch((error) => {
      throw new Error(`${error.message}\n--- wrangler output ---\n${hub.output}`);
    });
    await run(url);
  } finally {
    await stopAll();
    rmSync(persistDir, { recursive: true, force: true });
  }
}

async function run(url) {
  const token = adminToken();
  const api = async (path, init = {}) => {
    const response = await fetch(url + path, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
    });
    if (!response.ok) throw new Error(`${init?.method ?? "GET"} ${path}: HTTP ${response.status}`);
    return response.json();
  };
  const status = () => api(`/api/graphs/${GRAPH}/status`);
  const random = (s) => s.processes.find((p) => p.nodeId === "random");

  const graph = {
    name: "failover bench",
    running: false,
    nodes: [
      { id: "random", type: "random", name: "Random", x: 0, y: 0, params: { intervalMs: 50 } },
      { id: "log", type: "log", name: "Log", x: 300, y: 0, params: { prefix: "" } },
    ],
    edges: [{ id: "e1", from: "random", fromPort: "out", to: "log", toPort: "in" }],
  };
  await api(`/api/graphs/${GRAPH}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(graph),
  });

  const workers = new Map();
  let serial = 0;
  const startWorker = () => {
    const id = `bench-${++serial}`;
    const args = [join(ROOT, "dist/weft.mjs"), "worker", "--hub", url, "--graph", GRAPH, "--id", id, "--name", id];
    workers.set(id, start(process.execPath, args, { env: { WEFT_WORKER_TOKEN: TOKEN, WEFT_LOG_LEVEL: "warn" } }));
    return id;
  };
  /** Waits until status lists exactly the live workers we started and random runs on one of them. */
  const settled = () =>
    waitFor(
      async () => {
        const s = await status();
        const ids = s.workers.map((w) => w.id).sort();
        const want = [...workers.keys()].sort();
        const r = random(s);
        const ok = ids.join() === want.join() && r?.state === "running" && want.includes(r.workerId);
        return ok ? s : undefined;
      },
      "three workers and random running",
      30_000,
    );

  for (let i = 0; i < 3; i++) startWorker();
  await waitFor(async () => (await status()).workers.length === 3, "three workers", 30_000);
  await api(`/api/graphs/${GRAPH}/start`, { method: "POST" });
  await settled();

  // The measurement's own resolution: one status round trip.
  const rtts = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await status();
    rtts.push(performance.now() - t);
  }
  const rttP50 = percentile(rtts, 50);

  const results = [];
  for (const { mode, signal: sig, targetMs, timeoutMs } of MODES) {
    const times = [];
    for (let trial = 1; trial <= TRIALS; trial++) {
      const victim = random(await settled()).workerId;
      const proc = workers.get(victim);
      const t0 = performance.now();
      signal(proc, sig);
      let elapsed;
      const deadline = Date.now() + timeoutMs;
      while (elapsed === undefined) {
        if (Date.now() > deadline) throw new Error(`${mode} trial ${trial}: random did not move off ${victim}`);
        const polled = performance.now();
        const r = random(await status());
        if (r?.state === "running" && r.workerId !== victim) elapsed = performance.now() - t0;
        else await sleep(Math.max(0, POLL_MS - (performance.now() - polled)));
      }
      times.push(elapsed);
      note(`${mode} trial ${trial}: random moved off ${victim} in ${Math.round(elapsed)} ms`);
      // Replace the victim so there are always three workers.
      signal(proc, "SIGKILL");
      await proc.exited;
      workers.delete(victim);
      startWorker();
    }
    results.push({
      bench: "failover",
      mode,
      trials: times.length,
      p50_ms: Math.round(percentile(times, 50)),
      max_ms: Math.round(Math.max(...times)),
      target_ms: targetMs,
    });
  }
  results.push({ bench: "failover", mode: "baseline_status_rtt", trials: rtts.length, p50_ms: round1(rttP50) });
  for (const line of results) console.log(JSON.stringify(line));
}

const round1 = (x) => Math.round(x * 10) / 10;

await runBench(main, { deadlineMs: DEADLINE_MS, note });
