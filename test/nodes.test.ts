// The node library through real `weft worker` processes and a real hub: exec with the Python example, grpc
// against a gofi service, webhooks into http-in, error ports and catch, the transform sandbox, plugins and
// typed workers (TYPES-*, ERROR-*, HOOK-*, PLUGIN-*).
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GraphStatus, NodeTypeInfo, ProcessStatus } from "../shared/status.ts";
import { CHROMIUM_FLAGS, type Hub, jsonRequest, ROOT, startHub, startWorker, type Worker, waitFor } from "./harness.ts";

let hub: Hub;
let worker: Worker;
let gofi: ChildProcess | undefined;
let gofiAddress = "";
const extraWorkers: Worker[] = [];
const GRAPHS = ["exec", "grpc", "hook", "errors", "sandbox", "plugin"];
/** Served only by a worker that grants no capability. */
const LOCKED = "locked";

beforeAll(async () => {
  hub = await startHub();
  const graph = (name: string) => ({ name, running: false, nodes: [], edges: [] });
  for (const id of [...GRAPHS, LOCKED]) {
    expect((await hub.api(`/api/graphs/${id}`, jsonRequest("PUT", graph(id)))).status).toBeLessThan(300);
  }
  gofi = spawn(process.execPath, [join(ROOT, "examples/grpc/server.mjs"), "0"], { stdio: ["ignore", "pipe", "pipe"] });
  gofiAddress = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: gofi?.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      const match = /listening on (\S+)/.exec(line);
      if (match) resolve(match[1] as string);
    });
    gofi?.on("exit", (code) => reject(new Error(`the example gofi server exited with ${code}`)));
  });
  const graphs = GRAPHS.flatMap((id) => ["--graph", id]);
  // Every graph's processes fit on it (the default capacity, 16, would leave some pending).
  const plugin = ["--plugin", "./examples/plugin-template"];
  worker = startWorker(hub, [...graphs, "--id", "nodes-1", "--capacity", "64", "--allow", "exec,files", ...plugin]);
}, 120_000);

afterAll(async () => {
  for (const w of extraWorkers) await w.stop();
  await worker?.stop();
  gofi?.kill("SIGTERM");
  await hub?.stop();
});

async function status(graphId: string): Promise<GraphStatus> {
  return (await hub.api<GraphStatus>(`/api/graphs/${graphId}/status`)).body;
}

async function processOf(graphId: string, nodeId: string): Promise<ProcessStatus | undefined> {
  return (await status(graphId)).processes.find((p) => p.nodeId === nodeId);
}

async function put(graphId: string, graph: object): Promise<void> {
  const response = await hub.api(`/api/graphs/${graphId}`, jsonRequest("PUT", { name: graphId, ...graph }));
  expect(response.status, JSON.stringify(response.body)).toBeLessThan(300);
}

/** Waits until the node's status satisfies `check`; the failure shows the last status and the worker log. */
async function until(graphId: string, nodeId: string, what: string, check: (p: ProcessStatus) => boolean) {
  let last: ProcessStatus | undefined;
  try {
    return await waitFor(
      async () => {
        last = await processOf(graphId, nodeId);
        return last && check(last) ? last : undefined;
      },
      `${graphId}/${nodeId}: ${what}`,
      30_000,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\nlast: ${JSON.stringify(last)}\n${worker.output.slice(-3000)}`);
  }
}

const node = (id: string, type: string, params: Record<string, unknown> = {}, x = 0) => ({
  id,
  type,
  name: id,
  x,
  y: 0,
  params,
});
const edge = (from: string, to: string, fromPort = "out") => ({
  id: `${from}-${fromPort}-${to}`,
  from,
  fromPort,
  to,
  toPort: "in",
});

describe("the node library on real workers", () => {
  it("exec: random → examples/factorize.py (Python) → log, gofi's demo in another language", async () => {
    const demo = JSON.parse(readFileSync(join(ROOT, "examples/gofi-demo.json"), "utf8"));
    demo.nodes[0].params = { intervalMs: 50 };
    await put("exec", demo);
    const log = await until("exec", "log", "factors logged", (p) => (p.recent?.length ?? 0) >= 3);
    for (const entry of log.recent ?? []) {
      const { n, factors } = entry as { n: number; factors: number[] };
      expect(
        factors.reduce((a, b) => a * b, 1),
        JSON.stringify(entry),
      ).toBe(n < 2 ? 1 : n);
    }
  });

  it("grpc: random → a gofi service (Gofi.Send) → log; a server that is down makes only that node crashed", async () => {
    await put("grpc", {
      running: true,
      nodes: [
        node("random", "random", { intervalMs: 50 }),
        node("gofi", "grpc", { address: gofiAddress }),
        node("log", "log"),
        node("down", "grpc", { address: "127.0.0.1:1", connectTimeout: "300ms" }),
      ],
      edges: [edge("random", "gofi"), edge("gofi", "log")],
    });
    const log = await until("grpc", "log", "answers logged", (p) => (p.recent?.length ?? 0) >= 3);
    expect(log.recent?.[0]).toMatchObject({ n: expect.any(Number), factors: expect.any(Array) });
    const down = await until("grpc", "down", "crashed", (p) => p.state === "crashed");
    expect(down.lastError).toMatch(/grpc: cannot reach 127\.0\.0\.1:1 within 300ms/);
    expect((await processOf("grpc", "gofi"))?.state).toBe("running");
  });

  it("HOOK-1..3: POST /hooks/<graph>/<node> is stored, answered 202 and delivered; bad requests get clear errors", async () => {
    await put("hook", {
      running: true,
      nodes: [node("hook", "http-in"), node("log", "log"), node("src", "random", { intervalMs: 60_000 })],
      edges: [edge("hook", "log")],
    });
    await until("hook", "log", "running", (p) => p.state === "running");
    const posted = await hub.api<{ accepted: boolean; id: string; edges: number }>(
      "/hooks/hook/hook?key=order-7",
      jsonRequest("POST", { order: 7, items: ["a", "b"] }),
    );
    expect(posted).toMatchObject({ status: 202, body: { accepted: true, edges: 1 } });
    const log = await until("hook", "log", "the body logged", (p) => (p.recent?.length ?? 0) >= 1);
    expect(log.recent).toEqual([{ order: 7, items: ["a", "b"] }]);
    // A text body stays text.
    const text = await hub.api("/hooks/hook/hook", { method: "POST", body: "plain words" });
    expect(text.status).toBe(202);
    await until("hook", "log", "the text logged", (p) => p.recent?.at(-1) === "plain words");
    // Not an http-in node; no token at all; a body over the limit; not JSON though it says so.
    expect((await hub.api("/hooks/hook/src", jsonRequest("POST", {}))).body).toMatchObject({
      error: { code: "not_http_in" },
    });
    expect((await hub.api("/hooks/hook/hook", { ...jsonRequest("POST", {}), token: null })).status).toBe(401);
    const big = await hub.api("/hooks/hook/hook", { method: "POST", body: "x".repeat(300 * 1024) });
    expect(big.status).toBe(413);
    const bad = await hub.api("/hooks/hook/hook", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{nope",
    });
    expect(bad).toMatchObject({ status: 400, body: { error: { code: "invalid_json" } } });
    expect((await hub.api("/hooks/nowhere/hook", jsonRequest("POST", {}))).status).toBe(404);
    // With a token param, only that token opens the hook.
    const secret = await hub.api("/api/graphs/hook/secrets/HOOK_TOKEN", jsonRequest("PUT", { value: "hook-s3cret" }));
    expect(secret.status).toBeLessThan(300);
    const current = (await hub.api<{ nodes: Array<{ id: string; params: object }> }>("/api/graphs/hook")).body;
    current.nodes.find((n) => n.id === "hook")!.params = { token: { $secret: "HOOK_TOKEN" } };
    await put("hook", current);
    const wrong = await fetch(`${hub.url}/hooks/hook/hook`, {
      method: "POST",
      headers: { authorization: "Bearer not-it" },
      body: "x",
    });
    expect(wrong.status).toBe(401);
    const right = await fetch(`${hub.url}/hooks/hook/hook`, {
      method: "POST",
      headers: { authorization: "Bearer hook-s3cret" },
      body: "with token",
    });
    expect(right.status).toBe(202);
  });

  it("ERROR-1/2: failures go to the node's error wire, else to the catch node; the rest flows on", async () => {
    const throwOnOdd = 'if (msg.value % 2 === 1) throw new Error("odd: " + msg.value); return msg;';
    await put("errors", {
      running: true,
      nodes: [
        node("count", "counter", { ratePerSecond: 20, count: 10 }),
        node("even", "transform", { code: throwOnOdd }),
        node("ok", "log"),
        node("failed", "log"),
        node("count2", "counter", { ratePerSecond: 20, count: 4, start: 100 }),
        node("strict", "transform", { code: "throw new Error('never');" }),
        node("catch", "catch"),
        node("caught", "log"),
      ],
      edges: [
        edge("count", "even"),
        edge("even", "ok"),
        edge("even", "failed", "error"),
        edge("count2", "strict"),
        edge("catch", "caught"),
      ],
    });
    const ok = await until("errors", "ok", "5 even numbers", (p) => (p.recent?.length ?? 0) >= 5);
    expect(ok.recent).toEqual([0, 2, 4, 6, 8]);
    const failed = await until("errors", "failed", "5 error messages", (p) => (p.recent?.length ?? 0) >= 5);
    expect(failed.recent?.map((e) => (e as { message: { value: number } }).message.value)).toEqual([1, 3, 5, 7, 9]);
    expect(failed.recent?.[0]).toMatchObject({ error: "transform threw: odd: 1 (line 1)", nodeId: "even" });
    const caught = await until("errors", "caught", "4 caught", (p) => (p.recent?.length ?? 0) >= 4);
    expect(caught.recent?.map((e) => (e as { nodeId: string }).nodeId)).toEqual([
      "strict",
      "strict",
      "strict",
      "strict",
    ]);
    const edges = (await status("errors")).edges;
    expect(
      edges.every((e) => e.deadLetters === 0 && e.depth === 0),
      JSON.stringify(edges),
    ).toBe(true);
  });

  it("transform sandbox: a runaway loop and a huge allocation fail only their message; the worker lives", async () => {
    await put("sandbox", {
      running: true,
      nodes: [
        node("count", "counter", { ratePerSecond: 5, count: 3 }),
        node("loop", "transform", { code: "while (true) {}", timeout: "200ms" }),
        node("hog", "transform", { code: "const a = []; for (;;) a.push(new Array(1e6).fill(1));", memoryMb: 32 }),
        node("catch", "catch"),
        node("caught", "log"),
      ],
      edges: [edge("count", "loop"), edge("count", "hog"), edge("catch", "caught")],
    });
    const caught = await until("sandbox", "caught", "6 failures caught", (p) => (p.recent?.length ?? 0) >= 6).catch(
      async (error: Error) => {
        throw new Error(`${error.message}\n${JSON.stringify(await status("sandbox"))}`);
      },
    );
    const errors = (caught.recent ?? []).map(
      (e) => `${(e as { nodeId: string }).nodeId}: ${(e as { error: string }).error}`,
    );
    expect(errors.filter((e) => e.startsWith("loop: transform timed out after 200ms"))).toHaveLength(3);
    expect(errors.filter((e) => e.startsWith("hog: transform ran out of memory (limit 32 MB)"))).toHaveLength(3);
    expect((await status("sandbox")).workers.map((w) => w.id)).toEqual(["nodes-1"]);
  });

  it("PLUGIN-1: a plugin's type is in GET /api/node-types and runs; TYPES-3: a type needing label ml waits for such a worker", async () => {
    const types = (await hub.api<NodeTypeInfo[]>("/api/node-types")).body;
    expect(types.find((t) => t.type === "uppercase")).toMatchObject({
      source: "worker",
      available: true,
      workers: ["nodes-1"],
    });
    expect(types.find((t) => t.type === "transform")).toMatchObject({ source: "builtin", available: true });
    await put("plugin", {
      running: true,
      nodes: [
        node("hook", "http-in"),
        node("upper", "uppercase", { field: "name" }),
        node("log", "log"),
        node("mood", "sentiment"),
        node("moods", "log"),
      ],
      edges: [edge("hook", "upper"), edge("upper", "log"), edge("hook", "mood"), edge("mood", "moods")],
    });
    await until("plugin", "log", "running", (p) => p.state === "running");
    expect((await hub.api("/hooks/plugin/hook", jsonRequest("POST", { name: "ada" }))).status).toBe(202);
    const log = await until("plugin", "log", "upper-cased", (p) => (p.recent?.length ?? 0) >= 1);
    expect(log.recent).toEqual([{ name: "ADA" }]);
    // Nobody announced sentiment yet; then a worker with the plugin but without the label; then one with both.
    const mood = await processOf("plugin", "mood");
    expect(mood).toMatchObject({ state: "pending", reason: 'no live worker can run node type "sentiment"' });
    const plain = startWorker(hub, ["--graph", "plugin", "--id", "plain-1", "--plugin", "./examples/ml/plugin.mjs"]);
    extraWorkers.push(plain);
    await until("plugin", "mood", "pending for the label", (p) => p.reason === "no live worker has label ml");
    const ml = startWorker(hub, [
      "--graph",
      "plugin",
      "--id",
      "ml-1",
      "--labels",
      "ml",
      "--plugin",
      "./examples/ml/plugin.mjs",
    ]);
    extraWorkers.push(ml);
    const placed = await until("plugin", "mood", "running on ml-1", (p) => p.state === "running");
    expect(placed.workerId).toBe("ml-1");
    expect((await hub.api("/hooks/plugin/hook", jsonRequest("POST", "what a great and happy day"))).status).toBe(202);
    const moods = await until("plugin", "moods", "scored", (p) => (p.recent?.length ?? 0) >= 1);
    expect(moods.recent?.[0]).toMatchObject({ label: "positive" });
  });

  it("--allow: a worker that grants no capability offers no exec, transform or file node; they wait, saying why", async () => {
    const locked = startWorker(hub, ["--graph", LOCKED, "--id", "locked-1"]);
    extraWorkers.push(locked);
    await put(LOCKED, {
      running: true,
      nodes: [
        node("random", "random", { intervalMs: 1000 }),
        node("run", "exec", { command: "sh", args: ["-c", "cat /etc/passwd"] }),
        node("code", "transform"),
        node("read", "file-read", { path: "/etc/passwd" }),
      ],
      edges: [edge("random", "run")],
    });
    await until(LOCKED, "random", "running on locked-1", (p) => p.state === "running");
    const run = await until(LOCKED, "run", "pending", (p) => p.state === "pending");
    expect(run.reason).toMatch(/^no live worker allows exec .*weft worker --allow exec/);
    expect((await processOf(LOCKED, "code"))?.reason).toMatch(/no live worker allows exec/);
    expect((await processOf(LOCKED, "read"))?.reason).toMatch(/no live worker allows files/);
  });

  it("PLUGIN-2: a plugin that fails to load is reported in the worker's status; the worker runs the rest", async () => {
    const broken = startWorker(hub, ["--graph", "plugin", "--id", "broken-1", "--plugin", "./no/such/plugin.mjs"]);
    extraWorkers.push(broken);
    const shown = await waitFor(
      async () => (await status("plugin")).workers.find((w) => w.id === "broken-1"),
      "broken-1 in status",
      30_000,
    );
    expect(shown.problems?.join("\n")).toMatch(/plugin "\.\/no\/such\/plugin\.mjs": not found/);
  });

  it("the editor's palette shows the plugin types a live worker announced, and why a type is unavailable (Chromium)", async () => {
    const browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: CHROMIUM_FLAGS,
      headless: true,
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage();
      const errors: string[] = [];
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${hub.url}/g/plugin?token=${hub.adminToken}`);
      await page.locator('[data-connection="connected"]').waitFor();
      const upper = page.locator('[data-palette-type="uppercase"]');
      await upper.waitFor();
      expect(await upper.getAttribute("data-palette-source")).toBe("worker");
      expect(await upper.getAttribute("data-palette-available")).toBe("true");
      expect(await upper.locator('[data-palette-badge="plugin"]').count()).toBe(1);
      // Search narrows the palette to matching types.
      await page.locator("[data-palette-search]").fill("upper");
      await waitFor(async () => (await page.locator("[data-palette-type]").count()) === 1, "one match");
      await page.locator("[data-palette-search]").fill("");
      // In the locked graph, exec is offered by no worker: shown as unavailable, with the reason.
      await page.goto(`${hub.url}/g/${LOCKED}`);
      const exec = page.locator('[data-palette-type="exec"]');
      await waitFor(async () => (await exec.getAttribute("data-palette-available")) === "false", "exec unavailable");
      expect(await exec.locator('[data-palette-badge="unavailable"]').count()).toBe(1);
      expect(await exec.getAttribute("title")).toMatch(/--allow exec/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
