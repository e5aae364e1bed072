// The gofi stream on its own: reconnect backoff, status text, and that close() leaves nothing running (a child
// process that uses the node and stops it must exit by itself).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterEach, describe, expect, it } from "vitest";
import type { NodeLogger } from "../../../shared/sdk.ts";
import { silentLogger } from "../../log.ts";
import { GofiConnection, statusText } from "./connection.ts";
import { startTestServer, type TestServer } from "./testServer.ts";

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.kill();
});

/** A logger keeping what was logged at debug and warn, as [message, fields]. */
function recordingLogger(): NodeLogger & { lines: Array<[string, Record<string, unknown>]> } {
  const lines: Array<[string, Record<string, unknown>]> = [];
  const keep = (obj: object | string, msg?: string) =>
    lines.push([msg ?? String(obj), typeof obj === "object" ? (obj as Record<string, unknown>) : {}]);
  return { ...silentLogger(), debug: keep, warn: keep, lines };
}

describe("gofi connection", () => {
  it("retries a service that is down with backoff doubling from 100 ms (no jitter with random 0.5)", async () => {
    const server = await startTestServer();
    await server.kill();
    const log = recordingLogger();
    const connection = new GofiConnection({
      address: server.address,
      tls: false,
      log,
      onStray: () => {},
      random: () => 0.5,
    });
    await expect(connection.connect(900)).rejects.toThrow(`cannot reach ${server.address} within 900ms`);
    const delays = log.lines.filter(([msg]) => msg === "grpc: could not open the stream").map(([, f]) => f.retryInMs);
    expect(delays.slice(0, 3)).toEqual([100, 200, 400]);
    expect(connection.channelState()).toBe("SHUTDOWN");
  });

  it("close() cancels the open stream and shuts the channel down", async () => {
    const server = await startTestServer();
    servers.push(server);
    const connection = new GofiConnection({
      address: server.address,
      tls: false,
      log: silentLogger(),
      onStray: () => {},
    });
    await connection.connect(2000);
    expect(connection.channelState()).toBe("READY");
    connection.close();
    connection.close();
    expect(connection.channelState()).toBe("SHUTDOWN");
    await expect(connection.request("m1", { key: "k", value: Buffer.from("1") }, 1000)).rejects.toThrow(
      "grpc: the node is stopped",
    );
  });

  it("an answer no request waits for goes to onStray (the service answered twice)", async () => {
    const server = await startTestServer((message, call) => {
      call.write(message);
      call.write({ key: "extra", value: message.value });
    });
    servers.push(server);
    const strays: string[] = [];
    const connection = new GofiConnection({
      address: server.address,
      tls: false,
      log: silentLogger(),
      onStray: (answer) => strays.push(answer.key),
    });
    await connection.connect(2000);
    const answer = await connection.request("m1", { key: "k", value: Buffer.from("1") }, 2000);
    expect(answer.key).toBe("k");
    await expect.poll(() => strays).toEqual(["extra"]);
    connection.close();
  });

  it("a status reads as one line: name, code, details, without grpc-js's empty resolution note", () => {
    expect(
      statusText({ code: 14, details: "No connection established. Last error: Error: x.c:350:\n. Resolution note: " }),
    ).toBe("UNAVAILABLE (code 14): No connection established. Last error: Error: x.c:350:");
    expect(statusText({ code: 1, details: "" })).toBe("CANCELLED (code 1): no details");
  });

  it("a process that runs the node and stops it exits by itself (no open stream, channel or timer)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "grpc-exit-"));
    const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
    try {
      writeFileSync(
        join(dir, "entry.ts"),
        `import { startNode } from ${JSON.stringify(here("../../testing/context.ts"))};
import { grpcNode } from ${JSON.stringify(here("./grpc.ts"))};
import { startTestServer } from ${JSON.stringify(here("./testServer.ts"))};
const server = await startTestServer((m, call) => { if (m.key !== "held") call.write(m); });
const node = await startNode(grpcNode, { address: server.address });
await node.send(1);
const held = node.send(2, "in", { key: "held" }).catch((e) => console.log("held failed:", e.message));
while (server.received.length < 2) await new Promise((r) => setTimeout(r, 5));
await node.stop();
await held;
await server.kill();
console.log("stopped");
`,
      );
      await build({
        entryPoints: [join(dir, "entry.ts")],
        outfile: join(dir, "entry.mjs"),
        bundle: true,
        platform: "node",
        format: "esm",
        banner: { js: 'import { createRequire } from "module"; const require = createRequire(import.meta.url);' },
        logLevel: "error",
      });
      const child = spawn(process.execPath, [join(dir, "entry.mjs")], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const code = await new Promise<number | null>((resolve) => child.on("exit", (c) => resolve(c)));
      clearTimeout(killer);
      expect(out).toContain("held failed: grpc: the node stopped before the answer to message m2");
      expect(out).toContain("stopped");
      expect(code, `the child did not exit by itself:\n${out}`).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 20_000);
});
