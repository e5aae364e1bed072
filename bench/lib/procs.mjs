// What every benchmark needs to run servers and workers: processes in their own groups (stopped with everything
// they started, also on errors), free loopback ports, condition waits, and a snapshot of the hub's bundle.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
export const BENCH_ENV = { WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Signs the benches' access tokens (WEFT_AUTH_SECRET of their hubs). */
export const AUTH_SECRET = "bench-auth-secret-0123456789-abcdefghijklmnop";

/** A hub-wide admin access token for a bench's API calls and login links, signed by the bundled CLI. */
export function adminToken() {
  const args = [join(ROOT, "dist/weft.mjs"), "token", "create", "--user", "bench", "--role", "admin", "--ttl", "1h"];
  const result = spawnSync(process.execPath, args, {
    env: { ...process.env, WEFT_AUTH_SECRET: AUTH_SECRET },
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`weft token create failed: ${result.stderr}`);
  return result.stdout.trim();
}

/** Processes started by one benchmark, and scratch directories to remove at the end. */
export function createProcesses() {
  const procs = new Set();
  const scratch = new Set();

  /** Starts a process in its own group; its last 20 kB of output are kept for error messages. */
  function start(command, args, { env = {}, stdout = "pipe" } = {}) {
    const child = spawn(command, args, {
      cwd: ROOT,
      detached: true,
      env: { ...process.env, ...BENCH_ENV, ...env },
      stdio: ["ignore", stdout, "pipe"],
    });
    const proc = { child, output: "", exited: new Promise((done) => child.on("exit", done)) };
    const keep = (d) => {
      proc.output = (proc.output + d.toString()).slice(-20_000);
    };
    child.stdout?.on("data", keep);
    child.stderr.on("data", keep);
    procs.add(proc);
    child.on("exit", () => procs.delete(proc));
    return proc;
  }

  /** Sends a signal to the process group (wrangler's workerd children included). */
  function signal(proc, name) {
    try {
      process.kill(-proc.child.pid, name);
    } catch {
      // already gone
    }
  }

  /** SIGTERM (after SIGCONT, for a stopped one), SIGKILL after 5 s; then the group, where workerd may linger. */
  async function stop(proc) {
    if (proc.child.exitCode === null && proc.child.signalCode === null) {
      signal(proc, "SIGCONT");
      signal(proc, "SIGTERM");
      const timer = setTimeout(() => signal(proc, "SIGKILL"), 5000);
      await proc.exited;
      clearTimeout(timer);
    }
    signal(proc, "SIGKILL");
  }

  async function stopAll() {
    await Promise.all([...procs].map(stop));
    for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  }

  /**
   * Runs a benchmark's `main` within `deadlineMs`, stops everything it started at the end (also on an
   * error, the deadline or SIGINT/SIGTERM), and sets a failing exit code when it throws.
   */
  async function run(main, { deadlineMs, note }) {
    const guard = setTimeout(() => {
      note(`still running after ${deadlineMs} ms; stopping`);
      void stopAll().then(() => process.exit(1));
    }, deadlineMs);
    guard.unref();
    // Set on SIGINT/SIGTERM: the errors that stopping the servers causes in the run are not news then.
    let interrupted = false;
    for (const name of ["SIGINT", "SIGTERM"]) {
      process.on(name, () => {
        interrupted = true;
        note(`${name}: stopping`);
        void stopAll().then(() => process.exit(130));
      });
    }
    try {
      await main();
    } catch (error) {
      if (!interrupted) note(`failed: ${error.stack ?? error}`);
      process.exitCode = 1;
    } finally {
      await stopAll();
      clearTimeout(guard);
    }
  }

  return { start, signal, stop, stopAll, run, scratch };
}

/** Builds the worker bundle and the editor app when they are missing (the hub serves the app). */
export function buildIfMissing(note) {
  for (const [artifact, script] of [
    ["dist/weft.mjs", "build:worker"],
    ["dist/app/index.html", "build:app"],
  ]) {
    if (existsSync(join(ROOT, artifact))) continue;
    note(`${artifact} is missing; running npm run ${script}`);
    const result = spawnSync("npm", ["run", script], { cwd: ROOT, stdio: ["ignore", 2, 2] });
    if (result.status !== 0) throw new Error(`npm run ${script} failed`);
  }
}

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

/** Polls `check` until it returns something truthy; throws after `timeoutMs` naming `what`. */
export async function waitFor(check, what, timeoutMs, pollMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    await sleep(pollMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}

/**
 * Bundles the hub once (`wrangler deploy --dry-run`) into `dir` with the built editor, and returns a
 * wrangler.toml for `wrangler dev --no-bundle`, so that edits to the tree during a run do not reload it.
 */
export function snapshotHub(dir) {
  mkdirSync(dir, { recursive: true });
  const result = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", dir], {
    cwd: ROOT,
    env: { ...process.env, ...BENCH_ENV },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (result.status !== 0) throw new Error(`bundling the hub failed:\n${result.stdout}\n${result.stderr}`);
  const config = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  const main = /^main\s*=\s*"[^"]*"/m;
  const assets = /^directory\s*=\s*"[^"]*"/m;
  if (!main.test(config) || !assets.test(config) || !existsSync(join(dir, "index.js"))) {
    throw new Error("wrangler.toml has no main or assets directory line to point at the snapshot");
  }
  cpSync(join(ROOT, "dist/app"), join(dir, "app"), { recursive: true });
  const path = join(dir, "wrangler.toml");
  writeFileSync(path, config.replace(main, 'main = "index.js"').replace(assets, 'directory = "./app"'));
  return path;
}
