// Tests of the bundled `weft` binary as a real process: exit codes, logs, and a drain on SIGINT/SIGTERM
// (DRAIN-1/2): the room takes the processes back, a second signal stops at once, --drain-timeout bounds it.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
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

function start(args: string[], env: Record<string, string> = {}): Running {
  const child = spawn(process.execPath, [bundle, ...args], {
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
