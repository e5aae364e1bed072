// Tests of the bundled `weft` binary as a real process: exit codes, logs, and a drain on SIGINT/SIGTERM
// (DRAIN-1/2): the room takes the processes back, a second signal stops at once, --drain-timeout bounds it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeConnection, FakeRoom } from "./testing/fakeRoom.ts";
import { waitFor } from "./testing/waitFor.ts";

const run = promisify(execFile);
const buildScript = fileURLToPath(new URL("./build.mjs", import.meta.url));
let dir = "";
let bundle = "";

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "weft-cli-"));
  bundle = join(dir, "weft.mjs");
  await run(process.execPath, [buildScript, "--outfile", bundle]);
}, 30_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Children and rooms a test started; stopped even when the test fails or times out. */
const cleanups: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startRoom(): Promise<FakeRoom> {
  const room = await FakeRoom.start();
  cleanups.push(() => room.close());
  return room;
}

interface Running {
  child: ChildProcess;
  stdout: () => string;
  exit: Promise<number | null>;
}

function start(args: string[], env: Record<string, string> = {}, cwd?: string): Running {
  const child = spawn(process.execPath, [bundle, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    out += chunk.toString("utf8");
  });
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await exit;
  });
  return { child, stdout: () => out, exit };
}

describe("weft binary", () => {
  it("exits 2 naming a bad flag", async () => {
    const weft = start(["worker", "--hub", "http://127.0.0.1:1", "--graph", "demo", "--capacity", "many"]);
    expect(await weft.exit).toBe(2);
    expect(weft.stdout()).toMatch(/weft: --capacity must be an integer from 1 to 10000, got "many"/);
  });

  it("exits 1 when the hub refuses the token", async () => {
    const room = await startRoom();
    const weft = start(["worker", "--hub", room.url, "--graph", "demo"], { WEFT_WORKER_TOKEN: "wrong" });
    expect(await weft.exit).toBe(1);
    expect(weft.stdout()).toMatch(/the hub refused the worker token/);
  });

  it.each(["SIGTERM", "SIGINT"] as const)("drains on %s: hands processes back, then exits 0", async (signal) => {
    const room = await startRoom();
    const weft = start(["worker", "--hub", room.url, "--graph", "demo", "--id", "cli-test"], {
      WEFT_WORKER_TOKEN: room.token,
    });
    room.onWelcome = assignRandom;
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("publish").length > 0, "a publish");
    expect(logLines(weft).find((l) => l.msg === "connected to graph demo as cli-test")).toMatchObject({
      workerId: "cli-test",
      graphId: "demo",
    });
    expect(logLines(weft).some((l) => l.msg === "running random (node n1, epoch 1)" && l.nodeId === "n1")).toBe(true);

    const sentAt = Date.now();
    weft.child.kill(signal);
    expect(await weft.exit).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    await waitFor(() => connection.closed, "the room to see the close");
    expect(connection.closeCode).toBe(1000);
    expect(connection.of("drain")).toHaveLength(1);
    const stopped = connection.of("state").find((f) => f.process.state === "stopped");
    expect(stopped?.process).toMatchObject({ nodeId: "n1", epoch: 1 });
    // pino writes stdout asynchronously and flushes at exit, so lines may arrive out of order: compare times.
    const time = (msg: string) => logLines(weft).find((l) => l.msg === msg)?.time as number;
    expect(time("draining: 1 process on 1 graph")).toBeLessThanOrEqual(time("graph demo drained"));
    expect(time("graph demo drained")).toBeLessThanOrEqual(time("drained; exiting"));
    expect(logLines(weft).find((l) => l.msg === "graph demo drained")).toMatchObject({ graphId: "demo" });
  });

  it("stops at once on a second signal during the drain", async () => {
    const room = await startRoom();
    room.autoDrain = false;
    const weft = start(["worker", "--hub", room.url, "--graph", "demo"], { WEFT_WORKER_TOKEN: room.token });
    room.onWelcome = assignRandom;
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("publish").length > 0, "a publish");
    weft.child.kill("SIGTERM");
    await waitFor(() => connection.of("drain")[0], "the drain frame");
    const sentAt = Date.now();
    weft.child.kill("SIGTERM");
    expect(await weft.exit).toBe(0);
    expect(Date.now() - sentAt).toBeLessThan(2000);
    await waitFor(() => connection.closed, "the room to see the close");
    expect(connection.closeCode).toBe(1000);
    expect(logLines(weft).some((l) => /^second SIGTERM: stopping/.test(String(l.msg)))).toBe(true);
  });

  it("stops what is left and exits 0 when --drain-timeout passes", async () => {
    const room = await startRoom();
    room.autoDrain = false;
    const weft = start(["worker", "--hub", room.url, "--graph", "demo", "--drain-timeout", "0.2"], {
      WEFT_WORKER_TOKEN: room.token,
    });
    room.onWelcome = assignRandom;
    const connection = await waitFor(() => room.connections[0], "a connection");
    await waitFor(() => connection.of("publish").length > 0, "a publish");
    weft.child.kill("SIGINT");
    expect(await weft.exit).toBe(0);
    expect(connection.of("drain")).toHaveLength(1);
    expect(logLines(weft).some((l) => /^drain timed out after 0.2 s with 1 process/.test(String(l.msg)))).toBe(true);
  });
});

describe("weft binary with plugins", () => {
  it("loads a folder, an npm package from cwd and reports a broken plugin; runs a plugin node", async () => {
    const work = join(dir, "plugins-cwd");
    const pkg = join(work, "node_modules", "weft-plugin-shout");
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "weft-plugin-shout", type: "module", main: "i.js" }),
    );
    await writeFile(
      join(pkg, "i.js"),
      'export const shout = { type: "shout", version: "2.0.0", title: "Shout", category: "processing", ' +
        'description: "Adds !", ports: { in: ["in"], out: ["out"] }, create: () => ({ start() {} }) };',
    );
    await writeFile(join(work, "broken.mjs"), "export default [;\n");
    const template = fileURLToPath(new URL("../examples/plugin-template", import.meta.url));
    const room = await startRoom();
    room.onWelcome = (connection) => {
      connection.send({
        type: "assign",
        nodeId: "u1",
        epoch: 1,
        nodeType: "uppercase",
        params: { field: "name" },
        inputs: ["in"],
        outputs: ["out"],
      });
    };
    const args = [
      "worker",
      "--hub",
      room.url,
      "--graph",
      "demo",
      "--plugin",
      template,
      "--plugin",
      "weft-plugin-shout",
    ];
    const weft = start([...args, "--plugin", "./broken.mjs"], { WEFT_WORKER_TOKEN: room.token }, work);
    const connection = await waitFor(() => room.connections[0], "a connection");
    const hello = await waitFor(() => connection.of("hello")[0], "the hello");
    expect(hello.nodeTypes.map((t) => `${t.type}@${t.version}`)).toEqual(
      expect.arrayContaining(["uppercase@1.0.0", "shout@2.0.0", "counter@1.0.0"]),
    );
    // Under real Node (not vitest's transform) a syntax error is reported as Node's SyntaxError.
    expect(hello.problems).toEqual([
      expect.stringMatching(/^plugin "\.\/broken\.mjs": failed to load .*broken\.mjs: SyntaxError: /),
    ]);
    await waitFor(() => connection.of("state").find((f) => f.process.state === "running"), "uppercase running");
    connection.send({
      type: "deliver",
      nodeId: "u1",
      epoch: 1,
      port: "in",
      edge: "e1",
      messages: [{ id: "m1", value: { name: "ada" }, ts: 1, d: 1 }],
    });
    const publish = await waitFor(() => connection.of("publish")[0], "the plugin node's publish");
    expect(publish.messages.map((m) => m.value)).toEqual([{ name: "ADA" }]);
    const lines = logLines(weft).map((l) => l.msg);
    expect(lines).toContain(`plugin ${template}: node types uppercase@1.0.0`);
    expect(lines).toContain("plugin weft-plugin-shout: node types shout@2.0.0");
    weft.child.kill("SIGTERM");
    expect(await weft.exit).toBe(0);
  });
});

function assignRandom(connection: FakeConnection): void {
  connection.send({
    type: "assign",
    nodeId: "n1",
    epoch: 1,
    nodeType: "random",
    params: { intervalMs: 5 },
    inputs: [],
    outputs: ["out"],
  });
}

function logLines(weft: Running): Array<Record<string, unknown>> {
  return weft
    .stdout()
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
