// Test harness: starts real `wrangler dev` hubs and `weft worker` processes on free loopback ports, and stops them.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { signAccessToken, type TokenRequest } from "../shared/tokens.ts";

export const ROOT = resolve(import.meta.dirname, "..");

/** Debian's Chromium, headless, as the end-to-end tests launch it (no sandbox, no network side-traffic). */
export const CHROMIUM_FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
/** The worker token test hubs accept (WEFT_WORKER_TOKEN). */
export const TOKEN = "test-token-0123456789";
/** The secret test hubs sign access tokens with (WEFT_AUTH_SECRET). */
export const AUTH_SECRET = "test-auth-secret-0123456789-abcdefghijklmnop";

/** An access token for the test hubs; by default a hub-wide admin. */
export function accessToken(request: Partial<TokenRequest> = {}): Promise<string> {
  return signAccessToken(AUTH_SECRET, { user: "test-admin", role: "admin", ttlSeconds: 3600, ...request });
}

export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.unref();
    server.on("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(
  check: () => T | Promise<T>,
  what: string,
  timeoutMs = 15_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ""}`);
}

class Proc {
  output = "";
  exited: Promise<number | null>;
  constructor(readonly child: ChildProcess) {
    child.stdout?.on("data", (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on("data", (d: Buffer) => (this.output += d.toString()));
    this.exited = new Promise((done) => child.on("exit", (code) => done(code)));
  }
  get pid(): number {
    return this.child.pid ?? -1;
  }
  signal(signal: NodeJS.Signals): void {
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.signal("SIGTERM");
    const timer = setTimeout(() => this.signal("SIGKILL"), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

export interface Hub {
  url: string;
  port: number;
  persistDir: string;
  /** wrangler dev's inspector (Chrome DevTools protocol), for profiling the hub. */
  inspectorPort: number;
  proc: Proc;
  /** A hub-wide admin access token, sent by `api` unless the request names its own (or `token: null`). */
  adminToken: string;
  stop(): Promise<void>;
  api<T = unknown>(path: string, init?: ApiInit): Promise<{ status: number; body: T }>;
}

/** A fetch init for Hub.api: `token` overrides the admin token; null sends none (anonymous). */
export type ApiInit = RequestInit & { token?: string | null };

/** Starts `wrangler dev` on a free port; `persistDir` keeps SQLite state across restarts; `vars` are extra env vars. */
export async function startHub(
  options: { persistDir?: string; token?: string | null; port?: number; vars?: Record<string, string> } = {},
): Promise<Hub> {
  const port = options.port ?? (await freePort());
  const persistDir = options.persistDir ?? mkdtempSync(join(tmpdir(), "weft-hub-"));
  const token = options.token === undefined ? TOKEN : options.token;
  const args = ["wrangler", "dev", "--ip", "127.0.0.1", "--port", String(port), "--persist-to", persistDir];
  const inspectorPort = await freePort();
  args.push("--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false");
  if (token) args.push("--var", `WEFT_WORKER_TOKEN:${token}`);
  args.push("--var", `WEFT_AUTH_SECRET:${AUTH_SECRET}`);
  for (const [name, value] of Object.entries(options.vars ?? {})) args.push("--var", `${name}:${value}`);
  const child = spawn("npx", args, {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const proc = new Proc(child);
  const url = `http://127.0.0.1:${port}`;
  const adminToken = await accessToken();
  const hub: Hub = {
    url,
    port,
    persistDir,
    inspectorPort,
    proc,
    adminToken,
    stop: () => proc.stop(),
    async api<T>(path: string, init: ApiInit = {}) {
      const { token = adminToken, ...rest } = init;
      const headers = new Headers(rest.headers);
      if (token !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
      const response = await fetch(url + path, { ...rest, headers });
      const text = await response.text();
      return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
    },
  };
  try {
    await waitFor(async () => (await fetch(`${url}/api/health`)).ok, `hub on ${url}\n${proc.output}`, 60_000);
  } catch (error) {
    await proc.stop();
    throw new Error(`${(error as Error).message}\n--- wrangler output ---\n${proc.output}`);
  }
  return hub;
}

export type Worker = Proc;

/** Starts a real `weft worker` process (the bundled dist/weft.mjs). */
export function startWorker(hub: Hub, args: string[], token = TOKEN): Worker {
  const child = spawn(process.execPath, [join(ROOT, "dist/weft.mjs"), "worker", "--hub", hub.url, ...args], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, WEFT_WORKER_TOKEN: token },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Proc(child);
}

export function jsonRequest(method: string, body: unknown): RequestInit {
  return { method, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}

/** The demo graph `npm start` seeds (random → factorize → log), with a faster source for tests. */
export function demoGraph(intervalMs = 100) {
  const graph = JSON.parse(readFileSync(join(ROOT, "scripts/demo-graph.json"), "utf8"));
  graph.nodes[0].params.intervalMs = intervalMs;
  return graph as {
    name: string;
    running: boolean;
    nodes: Array<{ id: string; type: string; name: string; x: number; y: number; params: Record<string, unknown> }>;
    edges: Array<{ id: string; from: string; fromPort: string; to: string; toPort: string }>;
  };
}

/** The JSON lines (pino logs) in a process's output; other lines are skipped. */
export function jsonLines(output: string): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (const line of output.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // a line cut mid-write, or not JSON
    }
  }
  return lines;
}
