// Relay benchmark: how fast the room as broker moves 200-byte messages (durable edges 1→1 and 1→3, a memory
// edge) and how long one takes at 1,000 msg/s, each against a baseline measured in the same run: a minimal
// durable Durable Object relay (baseline/, its own `wrangler dev`) and a bare `ws` relay in Node. This file
// starts and stops the servers; the client (run.ts, bundled with esbuild) prints one JSON line per figure.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { wranglerDevArgs } from "../../scripts/wrangler.mjs";
import { createProcesses, freePort, ROOT, sleep, snapshotHub } from "../lib/procs.mjs";

const { start, signal, stop, scratch, run: runBench } = createProcesses();
const HERE = import.meta.dirname;
const WORKER_TOKEN = "bench-token-0123456789";
/** Signs the bench's access tokens (WEFT_AUTH_SECRET of its hub). */
const AUTH_SECRET = "bench-auth-secret-0123456789-abcdefghijklmnop";
/** The whole run must end within this, whatever happens. */
const DEADLINE_MS = Number(process.env.WEFT_BENCH_RELAY_DEADLINE_MS ?? 230_000);
const STARTUP_MS = 60_000;
const POLL_MS = 100;
const PROFILE_MS = 40_000;

const note = (text) => process.stderr.write(`relay: ${text}\n`);

async function waitHealthy(url, proc, what) {
  const deadline = Date.now() + STARTUP_MS;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) break;
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not up yet
    }
    await sleep(POLL_MS);
  }
  throw new Error(`${what} did not come up on ${url}\n--- wrangler output ---\n${proc.output}`);
}

async function main() {
  if (!existsSync(join(ROOT, "dist/app/index.html"))) {
    note("dist/app is missing (the hub serves it); running npm run build:app");
    const result = spawnSync("npm", ["run", "build:app"], { cwd: ROOT, stdio: ["ignore", 2, 2] });
    if (result.status !== 0) throw new Error("npm run build:app failed");
  }
  const out = mkdtempSync(join(tmpdir(), "weft-bench-relay-"));
  scratch.add(out);
  await build({
    entryPoints: [join(HERE, "run.ts"), join(HERE, "rawRelay.ts"), join(HERE, "profile.mjs")],
    bundle: true,
    platform: "node",
    format: "esm",
    outdir: out,
    logLevel: "error",
    // ws requires its optional native helpers inside try/catch; bundled ESM needs a real require for them.
    banner: { js: 'import { createRequire as __cr } from "node:module"; const require = __cr(import.meta.url);' },
  });
  // wrangler keeps its build next to the config it is given; remove it unless it was there before.
  const baselineDir = join(HERE, "baseline");
  if (!existsSync(join(baselineDir, ".wrangler"))) scratch.add(join(baselineDir, ".wrangler"));

  const hubPort = await freePort();
  const basePort = await freePort();
  const hubPersist = mkdtempSync(join(tmpdir(), "weft-bench-relay-hub-"));
  const basePersist = mkdtempSync(join(tmpdir(), "weft-bench-relay-base-"));
  scratch.add(hubPersist);
  scratch.add(basePersist);
  note(`starting the hub on :${hubPort} and the baseline relay on :${basePort}`);
  const hubConfig = snapshotHub(join(out, "hub"));
  const hub = start("npx", [
    ...wranglerDevArgs({
      port: hubPort,
      persistTo: hubPersist,
      inspectorPort: await freePort(),
      // No rebalancing: nothing moves mid-run. No room rate: the bench measures what one room can do (the
      // default WEFT_ROOM_MAX_RATE keeps a laptop hub responsive; test/fastSource.test.ts checks that).
      vars: {
        WEFT_WORKER_TOKEN: WORKER_TOKEN,
        WEFT_AUTH_SECRET: AUTH_SECRET,
        WEFT_REBALANCE_MOVES: "0",
        WEFT_ROOM_MAX_RATE: process.env.WEFT_ROOM_MAX_RATE ?? "0",
      },
    }),
    "--config",
    hubConfig,
    "--no-bundle",
  ]);
  const baseline = start("npx", [
    ...wranglerDevArgs({ port: basePort, persistTo: basePersist, inspectorPort: await freePort() }),
    "--config",
    join(baselineDir, "wrangler.toml"),
  ]);
  const hubUrl = `http://127.0.0.1:${hubPort}`;
  const baselineUrl = `http://127.0.0.1:${basePort}`;
  await Promise.all([
    waitHealthy(`${hubUrl}/api/health`, hub, "the hub"),
    waitHealthy(`${baselineUrl}/health`, baseline, "the baseline relay"),
  ]);
  note("both servers are up");

  const config = {
    hubUrl,
    baselineUrl,
    hubPgid: hub.child.pid,
    baselinePgid: baseline.child.pid,
    workerToken: WORKER_TOKEN,
    authSecret: AUTH_SECRET,
    rawRelayPath: join(out, "rawRelay.js"),
  };
  // The client's stdout is this benchmark's stdout: JSON lines only.
  const client = start(process.execPath, [join(out, "run.js")], {
    env: { WEFT_BENCH_RELAY_CONFIG: JSON.stringify(config) },
    stdout: "inherit",
  });
  client.child.stderr.on("data", (d) => process.stderr.write(d));
  const code = await client.exited;
  const failed = [hub, baseline].filter((p) => p.child.exitCode !== null);
  for (const p of failed) note(`a server exited during the run:\n${p.output}`);
  if (code !== 0) {
    note(`--- hub output (tail) ---\n${hub.output.slice(-3000)}`);
    note(`--- baseline output (tail) ---\n${baseline.output.slice(-1500)}`);
    throw new Error(`the client exited with ${code}`);
  }
  if (failed.length > 0) throw new Error("a server exited during the run");
  await Promise.all([stop(hub), stop(baseline)]);
  await profile(out);
}

/** Where the room's time goes, on stderr; informative only: a failure here is reported, not fatal. */
async function profile(out) {
  const proc = start(process.execPath, [join(out, "profile.js")]);
  proc.child.stdout.on("data", (d) => process.stderr.write(d));
  proc.child.stderr.on("data", (d) => process.stderr.write(d));
  const timer = setTimeout(() => signal(proc, "SIGKILL"), PROFILE_MS);
  const code = await proc.exited;
  clearTimeout(timer);
  if (code !== 0) note(`the profile did not finish (exit ${code}); the figures above stand`);
}

await runBench(main, { deadlineMs: DEADLINE_MS, note });
