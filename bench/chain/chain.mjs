// Chain benchmark (the figure 1): counter → factorize (a pass-through transform) → file-write, durable
// edges, so each message crosses the room twice. A real hub (a `wrangler dev` of a snapshot of the tree) and
// real `weft worker` processes; end-to-end msg/s is N / (first line in the sink's file → its N-th line), read by
// polling the file. Run (a) on one worker and (b) on three workers, one node each, against a baseline measured
// in the same run: counter → file-write on one worker (one room crossing). Also reports the CPU each process
// used over the measured window (from /proc/<pid>/stat), so the bottleneck is visible, and the room's SQLite
// size (status storageBytes) before and after. Prints one JSON line per figure; progress goes to stderr.
import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
} from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
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
  snapshotHub,
  waitFor,
} from "../lib/procs.mjs";

const { start, stop, scratch, run: runBench } = createProcesses();
const TOKEN = "bench-token-0123456789";
/** Messages per run (the counter's count). */
const MESSAGES = Number(process.env.WEFT_BENCH_CHAIN_MESSAGES ?? 500_000);
/** One run may take this long from the first line on; a slower run is reported on what arrived by then. */
const RUN_MS = Number(process.env.WEFT_BENCH_CHAIN_RUN_MS ?? 40_000);
/** No new line for this long (after the first) means the run is stuck. */
const STALL_MS = 10_000;
const TARGET_MSG_PER_SEC = 100_000;
const STARTUP_MS = 60_000;
const _POLL_MS = 100;
/** The sink file is polled this often during a run (the measurement's resolution). */
const FILE_POLL_MS = 5;
/** The whole run must end within this, whatever happens. */
const DEADLINE_MS = Number(process.env.WEFT_BENCH_CHAIN_DEADLINE_MS ?? 175_000);
const TICKS_PER_SECOND = 100;

const note = (text) => process.stderr.write(`chain: ${text}\n`);

// ---- CPU from /proc ----------------------------------------------------------------------------------------

function readStat(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return {
      comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")),
      pgid: Number(fields[2]),
      ticks: Number(fields[11]) + Number(fields[12]),
    };
  } catch {
    return undefined; // gone
  }
}

/** Processes in a process group, optionally only those whose command name starts with `comm`. */
function groupPids(pgid, comm) {
  const pids = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(Number(entry));
    if (stat && stat.pgid === pgid && (comm === undefined || stat.comm.startsWith(comm))) pids.push(Number(entry));
  }
  return pids;
}

const cmdline = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
};

/**
 * The hub's workerd processes: `wrangler dev` runs the user worker (the API and the rooms) in one workerd and
 * its proxy worker, which owns the public --port and forwards to the user worker, in another. The proxy is the
 * one whose entry socket is on the hub's port.
 */
function hubWorkerd(pgid, port) {
  const all = groupPids(pgid, "workerd");
  const isProxy = (pid) => cmdline(pid).some((arg) => arg.includes("entry=") && arg.endsWith(`:${port}`));
  const proxy = all.filter(isProxy);
  const user = all.filter((pid) => !isProxy(pid));
  // wrangler itself (node, npx, esbuild): carries no traffic, counted so that it is not "other" load.
  const rest = groupPids(pgid).filter((pid) => !all.includes(pid));
  return { user, proxy, rest };
}

function ticks(pids) {
  let sum = 0;
  for (const pid of pids) sum += readStat(pid)?.ticks ?? 0;
  return sum;
}

/** CPU ticks the whole machine spent busy (all cores), from /proc/stat. */
function machineBusyTicks() {
  const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "").trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return user + nice + system + irq + softirq + steal;
}

/**
 * Percent of one core each named group of pids used between `begin()` and `end()`; "otherOnMachine" is
 * everyone else's (other people's builds and tests).
 */
function cpuMeter(groups) {
  let before;
  let wall;
  let machine;
  const ownTicks = () => {
    const u = process.cpuUsage();
    return ((u.user + u.system) / 1e6) * TICKS_PER_SECOND;
  };
  const sample = () => Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, ticks(pids)]));
  const ours = new Set([process.pid, ...Object.values(groups).flat()]);
  /** Every other process's ticks, to name where "otherOnMachine" went. */
  const others = () => {
    const map = new Map();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry) || ours.has(Number(entry))) continue;
      const stat = readStat(Number(entry));
      if (stat) map.set(Number(entry), stat);
    }
    return map;
  };
  let othersBefore;
  return {
    begin() {
      before = { ...sample(), bench: ownTicks() };
      othersBefore = others();
      machine = machineBusyTicks();
      wall = performance.now();
    },
    end() {
      const seconds = (performance.now() - wall) / 1000;
      const after = { ...sample(), bench: ownTicks() };
      const pct = {};
      let ours = 0;
      for (const [name, value] of Object.entries(after)) {
        const delta = value - before[name];
        ours += delta;
        pct[name] = Math.round((100 * delta) / TICKS_PER_SECOND / seconds);
      }
      const busy = machineBusyTicks() - machine;
      pct.otherOnMachine = Math.max(0, Math.round((100 * (busy - ours)) / TICKS_PER_SECOND / seconds));
      // The whole machine, of cores × 100 %: near the top means the cores, not one process, are the limit.
      pct.machineBusy = Math.round((100 * busy) / TICKS_PER_SECOND / seconds);
      pct.machineCores = availableParallelism();
      const top = [];
      for (const [pid, stat] of others()) {
        const delta = stat.ticks - (othersBefore.get(pid)?.ticks ?? 0);
        const p = Math.round((100 * delta) / TICKS_PER_SECOND / seconds);
        if (p >= 5) top.push({ pid, comm: stat.comm, pct: p });
      }
      // Busy time no process owns (interrupts, loopback softirq) shows as the gap to these.
      pct.otherProcesses = top.sort((a, b) => b.pct - a.pct).slice(0, 3);
      return pct;
    },
  };
}

// ---- the sink file -----------------------------------------------------------------------------------------

/** Counts the lines appended to `path` so far, reading only what is new since the last call. */
function lineCounter(path) {
  const buffer = Buffer.alloc(4 * 1024 * 1024);
  let fd;
  let offset = 0;
  let lines = 0;
  return {
    poll() {
      if (fd === undefined) {
        if (!existsSync(path)) return 0;
        fd = openSync(path, "r");
      }
      const size = fstatSync(fd).size;
      while (offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (n <= 0) break;
        offset += n;
        let at = buffer.indexOf(10);
        while (at !== -1 && at < n) {
          lines++;
          at = buffer.indexOf(10, at + 1);
        }
      }
      return lines;
    },
    close() {
      if (fd !== undefined) closeSync(fd);
    },
  };
}

/** Distinct integers among the file's lines (`value` for the baseline, `value.n` after factorize). */
function checkFile(path, count) {
  const seen = new Uint8Array(count);
  let lines = 0;
  let distinct = 0;
  let outside = 0;
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (line === "") continue;
    lines++;
    const value = JSON.parse(line).value;
    const n = typeof value === "number" ? value : value?.n;
    if (Number.isInteger(n) && n >= 0 && n < count) {
      if (seen[n] === 0) distinct++;
      seen[n] = 1;
    } else outside++;
  }
  return { lines, distinct, duplicates: lines - distinct - outside, missing: count - distinct, outside };
}

// ---- the run -----------------------------------------------------------------------------------------------

async function main() {
  buildIfMissing(note);
  const out = mkdtempSync(join(tmpdir(), "weft-bench-chain-"));
  scratch.add(out);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const persistDir = join(out, "persist");
  mkdirSync(persistDir);
  note("bundling a snapshot of the hub");
  const config = snapshotHub(join(out, "hub"));
  note(`starting the hub on :${port}`);
  const hub = start("npx", [
    ...wranglerDevArgs({
      port,
      persistTo: persistDir,
      inspectorPort: await freePort(),
      // No rebalancing: nothing moves mid-run. No room rate: the bench measures capacity (the default
      // WEFT_ROOM_MAX_RATE of 20,000 msg/s is a safety default for laptops).
      vars: {
        WEFT_WORKER_TOKEN: TOKEN,
        WEFT_AUTH_SECRET: AUTH_SECRET,
        WEFT_REBALANCE_MOVES: "0",
        WEFT_ROOM_MAX_RATE: "0",
      },
    }),
    "--config",
    config,
    "--no-bundle",
  ]);
  await waitFor(
    async () => hub.child.exitCode === null && (await fetch(`${url}/api/health`)).ok,
    "the hub",
    STARTUP_MS,
  ).catch((error) => {
    throw new Error(`${error.message}\n--- wrangler output ---\n${hub.output}`);
  });
  const workerd = hubWorkerd(hub.child.pid, port);
  note(`hub up: user workerd ${workerd.user.join(",") || "?"}, proxy workerd ${workerd.proxy.join(",") || "?"}`);
  if (workerd.user.length === 0) throw new Error(`no workerd found in the hub's process group\n${hub.output}`);
  await run({ url, out, hub, workerd });
  if (hub.child.exitCode !== null) throw new Error(`the hub exited during the run:\n${hub.output}`);
}

/** The figures, in the order they run: the baseline first, so that each chain run can report its ratio. */
const FIGURES = [
  { figure: "baseline_one_worker", graphId: "chain-baseline", middle: false, workers: [[]] },
  { figure: "chain_one_worker", graphId: "chain-one", middle: true, workers: [[]] },
  { figure: "chain_three_workers", graphId: "chain-three", middle: true, workers: [["p"], ["t"], ["s"]] },
];

function graphFor({ figure, middle, workers }, path) {
  const split = workers.length > 1;
  const labels = (label) => (split ? { labels: [label] } : {});
  const nodes = [
    {
      id: "count",
      type: "counter",
      name: "Counter",
      x: 0,
      y: 0,
      params: { ratePerSecond: 0, start: 0, count: MESSAGES },
      ...labels("p"),
    },
  ];
  const edges = [];
  if (middle) {
    nodes.push({ id: "pass", type: "factorize", name: "Factorize", x: 300, y: 0, params: {}, ...labels("t") });
    edges.push({ id: "a", from: "count", fromPort: "out", to: "pass", toPort: "in" });
    edges.push({ id: "b", from: "pass", fromPort: "out", to: "sink", toPort: "in" });
  } else {
    edges.push({ id: "a", from: "count", fromPort: "out", to: "sink", toPort: "in" });
  }
  nodes.push({
    id: "sink",
    type: "file-write",
    name: "File write",
    x: 600,
    y: 0,
    params: { path, fsync: "never" },
    ...labels("s"),
  });
  return { name: `chain bench ${figure}`, running: false, nodes, edges };
}

async function run({ url, out, hub, workerd }) {
  const token = adminToken();
  const api = async (path, init = {}) => {
    const response = await fetch(url + path, {
      ...init,
      headers: { ...init.headers, authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok)
      throw new Error(`${init?.method ?? "GET"} ${path}: HTTP ${response.status} ${await response.text()}`);
    return response.json();
  };

  const results = [];
  let baselineMsgPerSec;
  for (const spec of FIGURES) {
    const result = await runFigure(spec, { url, out, hub, workerd, api });
    if (spec.figure === "baseline_one_worker") baselineMsgPerSec = result.msgPerSec;
    else {
      result.baselineMsgPerSec = baselineMsgPerSec;
      result.ratio = baselineMsgPerSec ? Math.round((100 * result.msgPerSec) / baselineMsgPerSec) / 100 : null;
      result.target = { msgPerSec: TARGET_MSG_PER_SEC };
      result.met = result.complete && result.msgPerSec >= TARGET_MSG_PER_SEC;
    }
    results.push(result);
  }
  for (const r of results) {
    // The figure first, then the evidence.
    const { bench, figure, msgPerSec, messages, baselineMsgPerSec: b, ratio, target, met, cpu, ...rest } = r;
    const head =
      b === undefined
        ? { bench, figure, msgPerSec, messages }
        : { bench, figure, msgPerSec, messages, baselineMsgPerSec: b, ratio, target, met };
    console.log(JSON.stringify({ ...head, cpu, ...rest }));
  }
}

async function runFigure(spec, { url, out, hub, workerd, api }) {
  const { figure, graphId, workers: workerLabels } = spec;
  const path = join(out, `${graphId}.ndjson`);
  const status = () => api(`/api/graphs/${graphId}/status`);
  await api(`/api/graphs/${graphId}`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(graphFor(spec, path)),
  });

  const workers = workerLabels.map((labels, i) => {
    const id = `${graphId}-w${i + 1}`;
    const args = [join(ROOT, "dist/weft.mjs"), "worker", "--hub", url, "--graph", graphId, "--id", id, "--name", id];
    // The sink is file-write: a worker offers the file nodes only with --allow files.
    args.push("--allow", "files");
    if (labels.length > 0) args.push("--labels", labels.join(","));
    return {
      id,
      labels,
      proc: start(process.execPath, args, { env: { WEFT_WORKER_TOKEN: TOKEN, WEFT_LOG_LEVEL: "warn" } }),
    };
  });
  try {
    await waitFor(
      async () => (await status()).workers.length === workers.length,
      `${workers.length} worker(s) on ${graphId}`,
      30_000,
    );
    const before = await status();
    // CPU per process: the hub's user workerd (rooms and API), its proxy workerd, each worker, this process.
    const groups = { workerd: workerd.user, workerdProxy: workerd.proxy, wrangler: workerd.rest };
    for (const w of workers) groups[w.labels.length > 0 ? `worker_${w.labels[0]}` : "worker"] = [w.proc.child.pid];
    const meter = cpuMeter(groups);

    note(`${figure}: starting ${MESSAGES} messages`);
    const counter = lineCounter(path);
    const startedAt = performance.now();
    await api(`/api/graphs/${graphId}/start`, { method: "POST" });
    let firstAt;
    let lastAt;
    let lines = 0;
    let lastGrowth = performance.now();
    let atFirstLine;
    let complete = false;
    let nextProgress = 0;
    let peakStorage = 0;
    const peakDepth = {};
    const peakInflight = {};
    for (;;) {
      const now = performance.now();
      const seen = counter.poll();
      if (seen > lines) {
        lines = seen;
        lastAt = now;
        lastGrowth = now;
        if (firstAt === undefined) {
          firstAt = now;
          meter.begin();
          // The queues when the first line landed (a producer that started early shows up as depth here).
          atFirstLine = status().catch(() => undefined);
        }
      }
      if (lines >= MESSAGES) {
        complete = true;
        break;
      }
      if (hub.child.exitCode !== null) throw new Error(`the hub exited:\n${hub.output}`);
      for (const w of workers) {
        if (w.proc.child.exitCode !== null) throw new Error(`worker ${w.id} exited:\n${w.proc.output}`);
      }
      if (firstAt === undefined && now - startedAt > 30_000) throw new Error(`${figure}: no line after 30 s`);
      if (firstAt !== undefined && now - firstAt > RUN_MS) {
        note(`${figure}: only ${lines} of ${MESSAGES} lines after ${RUN_MS} ms; reporting what arrived`);
        break;
      }
      if (firstAt !== undefined && now - lastGrowth > STALL_MS) {
        note(`${figure}: stalled at ${lines} lines; status ${JSON.stringify(await status().catch(String))}`);
        break;
      }
      if (firstAt !== undefined && now > nextProgress) {
        nextProgress = now + 2000;
        note(`${figure}: ${lines} lines after ${Math.round(now - firstAt)} ms`);
        // One status call per 2 s: the room's size and queues mid-run.
        void status()
          .then((s) => {
            peakStorage = Math.max(peakStorage, s.storageBytes ?? 0);
            for (const e of s.edges) {
              peakDepth[e.id] = Math.max(peakDepth[e.id] ?? 0, e.depth);
              peakInflight[e.id] = Math.max(peakInflight[e.id] ?? 0, e.inflight);
            }
          })
          .catch(() => {});
      }
      await sleep(FILE_POLL_MS);
    }
    const cpu = meter.end();
    counter.close();
    const seconds = (lastAt - firstAt) / 1000;
    const msgPerSec = Math.round(lines / seconds);
    note(`${figure}: ${lines} lines in ${seconds.toFixed(2)} s = ${msgPerSec} msg/s; cpu ${JSON.stringify(cpu)}`);

    // Cross-check with the room's own counts once it has every ack (bounded wait).
    const want = complete ? MESSAGES : lines;
    const after = await waitFor(
      async () => {
        const s = await status();
        return s.edges.every((e) => e.totalOut >= want && e.depth === 0) ? s : undefined;
      },
      "the room's edges to show every message acknowledged",
      10_000,
    ).catch(async (error) => {
      note(`${figure}: ${error.message}`);
      return status();
    });
    // Process in/out come with the workers' heartbeats (every 2 s): give the last one time to land.
    const sinkIn = (s) => s.processes.find((p) => p.nodeId === "sink")?.in ?? 0;
    const reported = await waitFor(
      async () => {
        const s = await status();
        return sinkIn(s) >= want ? s : undefined;
      },
      "a heartbeat with the sink's final count",
      4000,
    ).catch(() => after);
    const check = checkFile(path, MESSAGES);
    if (check.duplicates > 0 || check.outside > 0) note(`${figure}: file check ${JSON.stringify(check)}`);
    const first = await atFirstLine;
    const edgeSummary = (s) =>
      Object.fromEntries(
        (s?.edges ?? []).map((e) => [e.id, { totalIn: e.totalIn, totalOut: e.totalOut, depth: e.depth }]),
      );
    const result = {
      bench: "chain",
      figure,
      msgPerSec,
      messages: lines,
      requested: MESSAGES,
      complete,
      seconds: Math.round(seconds * 100) / 100,
      roomCrossings: spec.middle ? 2 : 1,
      workers: workers.length,
      cpu,
      edges: edgeSummary(after),
      depthAtFirstLine: Object.fromEntries((first?.edges ?? []).map((e) => [e.id, e.depth])),
      /** Largest depth seen by the status sampled every 2 s during the run. */
      depthSampledMax: peakDepth,
      inflightSampledMax: peakInflight,
      processes: Object.fromEntries(
        reported.processes.map((p) => [
          p.nodeId,
          { state: p.state, worker: p.workerId, in: p.in, out: p.out, errors: p.errors },
        ]),
      ),
      file: { lines: check.lines, distinct: check.distinct, duplicates: check.duplicates, missing: check.missing },
      storageBytes: {
        before: before.storageBytes ?? null,
        sampledMax: Math.max(peakStorage, first?.storageBytes ?? 0) || null,
        after: after.storageBytes ?? null,
      },
    };
    return result;
  } finally {
    await api(`/api/graphs/${graphId}/stop`, { method: "POST" }).catch(() => {});
    await Promise.all(workers.map((w) => stop(w.proc)));
    rmSync(path, { force: true });
  }
}

await runBench(main, { deadlineMs: DEADLINE_MS, note });
