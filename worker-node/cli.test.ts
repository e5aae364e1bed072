// Tests of the bundled `weft` binary as a real process: exit codes, logs, and a clean stop on SIGINT/SIGTERM.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeRoom } from "./testing/fakeRoom.ts";
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
  return { child, stdout: () => out, exit };
}

describe("weft binary", () => {
  it("exits 2 naming a bad flag", async () => {
    const weft = start(["worker", "--hub", "http://127.0.0.1:1", "--graph", "demo", "--capacity", "many"]);
    expect(await weft.exit).toBe(2);
    expect(weft.stdout()).toMatch(/weft: --capacity must be an integer from 1 to 10000, got "many"/);
  });

  it("exits 1 when the hub refuses the token", async () => {
    const room = await FakeRoom.start();
    try {
      const weft = start(["worker", "--hub", room.url, "--graph", "demo"], { WEFT_WORKER_TOKEN: "wrong" });
      expect(await weft.exit).toBe(1);
      expect(weft.stdout()).toMatch(/the hub refused the worker token/);
    } finally {
      await room.close();
    }
  });

  it.each(["SIGTERM", "SIGINT"] as const)("stops processes and closes with 1000 within 2 s on %s", async (signal) => {
    const room = await FakeRoom.start();
    const weft = start(["worker", "--hub", room.url, "--graph", "demo", "--id", "cli-test"], {
      WEFT_WORKER_TOKEN: room.token,
    });
    try {
      room.onWelcome = (connection) =>
        connection.send({
          type: "assign",
          nodeId: "n1",
          epoch: 1,
          nodeType: "random",
          params: { intervalMs: 5 },
          inputs: [],
          outputs: ["out"],
        });
      const connection = await waitFor(() => room.connections[0], "a connection");
      await waitFor(() => connection.of("publish").length > 0, "a publish");
      const lines = weft
        .stdout()
        .trim()
        .split("\n")
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(lines.find((l) => l.msg === "connected to graph demo as cli-test")).toMatchObject({
        workerId: "cli-test",
        graphId: "demo",
      });
      expect(lines.some((l) => l.msg === "running random (node n1, epoch 1)" && l.nodeId === "n1")).toBe(true);

      const sentAt = Date.now();
      weft.child.kill(signal);
      expect(await weft.exit).toBe(0);
      expect(Date.now() - sentAt).toBeLessThan(2000);
      await waitFor(() => connection.closed, "the room to see the close");
      expect(connection.closeCode).toBe(1000);
    } finally {
      weft.child.kill("SIGKILL");
      await room.close();
    }
  });
});
