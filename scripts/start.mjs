// `npm start`: build, start the hub (wrangler dev) and one local worker, seed the demo graph, print the URL.
// `npm run hub` (--hub-only): the hub alone. Ctrl-C stops everything this script started.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { wranglerDevArgs } from "./wrangler.mjs";

const ROOT = resolve(import.meta.dirname, "..");
const hubOnly = process.argv.includes("--hub-only");
const port = Number(process.env.PORT ?? 8787);
const hubUrl = `http://127.0.0.1:${port}`;
const started = Date.now();
const children = [];
let stopping = false;

function say(text) {
  console.log(`weft: ${text}`);
}
function elapsed() {
  return `${((Date.now() - started) / 1000).toFixed(1)} s`;
}

const DEV_VARS = join(ROOT, ".dev.vars");

/** Reads a secret from .dev.vars (wrangler dev reads it too), generating it on first start. */
function devSecret(name, what) {
  const text = existsSync(DEV_VARS) ? readFileSync(DEV_VARS, "utf8") : "";
  const found = new RegExp(`^${name}=(.+)$`, "m").exec(text);
  if (found) return found[1].trim();
  const value = randomBytes(32).toString("hex");
  writeFileSync(DEV_VARS, `${text}${text && !text.endsWith("\n") ? "\n" : ""}${name}=${value}\n`);
  say(`generated ${what} into .dev.vars`);
  return value;
}

/** A 30-day admin access token for this machine's login link, signed by the bundled CLI. */
function loginToken() {
  const result = spawnSync(
    process.execPath,
    [join(ROOT, "dist/weft.mjs"), "token", "create", "--user", "local", "--name", "Local admin", "--role", "admin"],
    {
      cwd: ROOT,
      env: { ...process.env, WEFT_AUTH_SECRET: devSecret("WEFT_AUTH_SECRET", "an auth secret") },
      encoding: "utf8",
    },
  );
  if (result.status !== 0) throw new Error(`weft token create failed: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function build(script, what) {
  const t = Date.now();
  const result = spawnSync("npm", ["run", "--silent", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  if (result.status !== 0) {
    process.stderr.write(result.stdout);
    process.stderr.write(result.stderr);
    say(`building ${what} failed (npm run ${script}); see the output above`);
    process.exit(1);
  }
  say(`built ${what} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}

function run(command, args, options) {
  const child = spawn(command, args, { cwd: ROOT, detached: true, ...options });
  children.push(child);
  return child;
}

/** Stops the worker first (it drains while the hub is still up), then the hub; at most ~6 s. */
async function stopAll(code = 0) {
  if (stopping) return;
  stopping = true;
  const [hub, ...workers] = children;
  await Promise.all(workers.filter(Boolean).map((child) => signalAndWait(child, 5000)));
  if (hub) await signalAndWait(hub, 3000);
  process.exit(code);
}

function signalAndWait(child, timeoutMs) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => {
      kill(child, "SIGKILL");
      done();
    }, timeoutMs);
    child.once("exit", () => {
      clearTimeout(timer);
      done();
    });
    kill(child, "SIGTERM");
  });
}

function kill(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function waitForHub(hub) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (hub.exitCode !== null) return false;
    try {
      if ((await fetch(`${hubUrl}/api/health`)).ok) return true;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

async function seedDemo(token) {
  const headers = { authorization: `Bearer ${token}` };
  const existing = await fetch(`${hubUrl}/api/graphs/demo`, { headers });
  if (existing.ok) {
    say('graph "demo" already exists; leaving it as it is');
    return;
  }
  const body = readFileSync(join(ROOT, "scripts/demo-graph.json"), "utf8");
  const response = await fetch(`${hubUrl}/api/graphs/demo`, { method: "PUT", body, headers });
  if (!response.ok) throw new Error(`seeding the demo graph failed: ${response.status} ${await response.text()}`);
  say('seeded graph "demo" (random → factorize → log), running');
}

async function main() {
  process.env.WRANGLER_SEND_METRICS = "false";
  const workerToken = devSecret("WEFT_WORKER_TOKEN", "a worker token");
  devSecret("WEFT_AUTH_SECRET", "an auth secret (it signs access tokens)");
  build("build:app", "the editor app");
  build("build:worker", "the worker");
  const token = loginToken();
  const stateDir = join(ROOT, ".weft/state");
  mkdirSync(stateDir, { recursive: true });
  const logFile = join(ROOT, ".weft/hub.log");
  say(`starting the hub on ${hubUrl} (wrangler dev; state in .weft/state, log in .weft/hub.log)`);
  const hub = await startHub(stateDir, logFile);
  if (!hub) {
    say(`the hub did not start; is port ${port} in use? Set PORT=… to pick another. Last lines of .weft/hub.log:`);
    console.log(readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n"));
    await stopAll(1);
    return;
  }
  say(`hub ready (${elapsed()})`);
  if (!hubOnly) {
    await seedDemo(token);
    // This laptop's own worker: you are the editor and the operator, so it may run code and files (--allow).
    say("starting a local worker for all graphs (weft worker --all --allow exec,files)");
    const workerArgs = ["worker", "--hub", hubUrl, "--all", "--name", "local", "--allow", "exec,files"];
    run(process.execPath, [join(ROOT, "dist/weft.mjs"), ...workerArgs], {
      stdio: "inherit",
      env: { WEFT_LOG_FORMAT: "pretty", ...process.env, WEFT_WORKER_TOKEN: workerToken },
    });
  }
  const page = `${hubUrl}/${hubOnly ? "" : "g/demo"}`;
  say(`ready in ${elapsed()}: open ${page}?token=${token}`);
  say("  (that link signs this browser in as a local admin for 30 days; Ctrl-C stops everything)");
  void watchHub(stateDir, logFile);
}

/** Starts wrangler dev as children[0]; resolves with it once /api/health answers, or undefined. */
async function startHub(stateDir, logFile) {
  const hub = spawn("npx", wranglerDevArgs({ port, persistTo: stateDir }), {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children[0] = hub;
  const log = createWriteStream(logFile, { flags: "a" });
  hub.stdout.pipe(log);
  hub.stderr.pipe(log);
  hub.on("exit", (code) => {
    if (stopping || children[0] !== hub) return;
    say(`the hub exited (code ${code}); see .weft/hub.log`);
    void stopAll(1);
  });
  return (await waitForHub(hub)) ? hub : undefined;
}

/** Health checks every HEALTH_EVERY_MS; this many failures in a row mean workerd is dead or hung. */
const HEALTH_EVERY_MS = 5000;
const HEALTH_TIMEOUT_MS = 3000;
const HEALTH_FAILURES = 3;
/** Restarts allowed within RESTART_WINDOW_MS before giving up. */
const MAX_RESTARTS = 3;
const RESTART_WINDOW_MS = 10 * 60_000;

/**
 * Watches the running hub: wrangler dev can stay up while its workerd has crashed or hangs, answering 503
 * or nothing. After 15 s without a healthy answer the hub is restarted (state is on disk; workers
 * reconnect by themselves), at most 3 times in 10 minutes; then this script stops with the reason.
 */
async function watchHub(stateDir, logFile) {
  const restarts = [];
  let failures = 0;
  while (!stopping) {
    await new Promise((r) => setTimeout(r, HEALTH_EVERY_MS));
    if (stopping) return;
    const problem = await healthProblem();
    if (!problem) {
      failures = 0;
      continue;
    }
    failures += 1;
    if (failures < HEALTH_FAILURES) continue;
    failures = 0;
    const now = Date.now();
    while (restarts.length > 0 && now - restarts[0] > RESTART_WINDOW_MS) restarts.shift();
    if (restarts.length >= MAX_RESTARTS) {
      say(
        `the hub stopped answering again (${problem}) after ${MAX_RESTARTS} restarts in 10 minutes; stopping. See .weft/hub.log`,
      );
      await stopAll(1);
      return;
    }
    restarts.push(now);
    say(
      `the hub stopped answering for ${(HEALTH_EVERY_MS * HEALTH_FAILURES) / 1000} s (${problem}): workerd is dead or hung; restarting it`,
    );
    const old = children[0];
    children[0] = undefined;
    if (old) await signalAndWait(old, 3000);
    const hub = await startHub(stateDir, logFile);
    if (!hub) {
      say("the hub did not come back; stopping. Last lines of .weft/hub.log:");
      console.log(readFileSync(logFile, "utf8").split("\n").slice(-15).join("\n"));
      await stopAll(1);
      return;
    }
    say("hub restarted; workers reconnect by themselves");
  }
}

/** Why /api/health did not answer 200 within HEALTH_TIMEOUT_MS, or undefined when it did. */
async function healthProblem() {
  try {
    const response = await fetch(`${hubUrl}/api/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
    return response.ok ? undefined : `/api/health answered ${response.status}`;
  } catch (error) {
    return error.name === "TimeoutError" ? `no answer within ${HEALTH_TIMEOUT_MS} ms` : error.message;
  }
}

process.on("SIGINT", () => {
  say("stopping: the worker drains, then the hub stops");
  void stopAll(0);
});
process.on("SIGTERM", () => void stopAll(0));
main().catch((error) => {
  say(error.message);
  void stopAll(1);
});
